/* The fp32 register-tile micro-kernels as the GEMM (gemm.c) and the attention kernel call them:
 * the family's tile shape and its micro-kernel for mr rows. The kernels themselves are the
 * runtime library's (hy_gemm_ukernel_*, hydra/gemm.h); in generated code hy_gemm_target_isa is a
 * constant, so each call site becomes one direct call. */
#ifndef HY_KERNELS_GEMM_UKERNEL_H
#define HY_KERNELS_GEMM_UKERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "hydra/gemm.h"

/* Each family's tile: MR rows, TW columns (a packed panel is NR / TW tiles wide). */
static inline int gu_isa_mr(int isa) {
  return isa == HY_GEMM_ISA_AVX512 ? 12 : isa == HY_GEMM_ISA_AVX2 ? 6 : 4;
}
static inline int gu_isa_tw(int isa) {
  return isa == HY_GEMM_ISA_AVX512 ? 32 : isa == HY_GEMM_ISA_AVX2 ? 16 : 8;
}

/* The family's micro-kernel for an mr x TW tile of which the first `cols` columns are wanted:
 * the half-width one (TW / 2 columns, half the multiply-adds) when they fit in it (see
 * hy_gemm_ukernel_avx512 and its _half). */
static inline void gu_ukernel_rows(int isa, int mr, int64_t cols, int64_t kc, const float *a,
                                   int64_t lda, const float *b, float alpha, float beta, float *c,
                                   int64_t ldc, const hy_gemm_uk_ep *ep) {
  bool half = cols <= gu_isa_tw(isa) / 2;
  if (isa == HY_GEMM_ISA_AVX512)
    (half ? hy_gemm_ukernel_avx512_half : hy_gemm_ukernel_avx512)(mr, kc, a, lda, b, alpha, beta,
                                                                   c, ldc, ep);
  else if (isa == HY_GEMM_ISA_AVX2)
    (half ? hy_gemm_ukernel_avx2_half : hy_gemm_ukernel_avx2)(mr, kc, a, lda, b, alpha, beta, c,
                                                               ldc, ep);
  else
    (half ? hy_gemm_ukernel_portable_half : hy_gemm_ukernel_portable)(mr, kc, a, lda, b, alpha,
                                                                       beta, c, ldc, ep);
}

#endif
