/* The fp32 register-tile micro-kernels of the packed GEMM, shared by gemm.c and the attention
 * kernel: one family per hy_gemm_target_isa, each computing an mr x TW tile from rows of A read
 * in place and a panel of B in the packed-B layout (rows of HY_GEMM_NR floats, hydra/gemm.h). */
#ifndef HY_KERNELS_GEMM_UKERNEL_H
#define HY_KERNELS_GEMM_UKERNEL_H

#include <stdint.h>

#include "hydra/gemm.h"
#include "kernels/gemm_blocks.h"

#define GU_MR_MAX 12 /* the tallest tile of any family */
#define GU_TW_MAX 32 /* the widest */

typedef float gu_v16f __attribute__((vector_size(64)));
typedef float gu_v16f_u __attribute__((vector_size(64), aligned(4)));
typedef float gu_v8f __attribute__((vector_size(32)));
typedef float gu_v8f_u __attribute__((vector_size(32), aligned(4)));
typedef float gu_v4f __attribute__((vector_size(16)));
typedef float gu_v4f_u __attribute__((vector_size(16), aligned(4)));

/* C tile (mr x TW at c, row stride ldc) = alpha * sum over k < kc of a[i * lda + k] *
 * b[k * NR + 0..TW) + beta * C tile (beta == 0: C is not read). MR * NV accumulators stay in
 * registers, B's row is loaded once per k and A's elements broadcast; the sums go straight to C,
 * so a caller gives a TW-wide buffer only for a tile narrower than TW. mr is a constant at every
 * call (gu_ukernel_rows), so the loops over rows unroll completely. */
#define GU_DEF_UKERNEL(isa, VT, VTU, VW, NV)                                                       \
  VEC512 GEMM_INLINE void gu_ukernel_##isa(int mr, int64_t kc, const float *restrict a,           \
                                           int64_t lda, const float *restrict b, float alpha,     \
                                           float beta, float *restrict c, int64_t ldc) {          \
    VT acc[GU_MR_MAX][NV];                                                                         \
    const float *ar[GU_MR_MAX]; /* row pointers: no chain of adds from row to row in the loop */   \
    _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++) {                                       \
      ar[i] = a + i * lda;                                                                         \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[i][v] = (VT){0};                   \
    }                                                                                              \
    for (int64_t k = 0; k < kc; k++) {                                                             \
      VT bv[NV];                                                                                   \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) bv[v] =                                \
          *(const VTU *)(b + k * HY_GEMM_NR + v * VW);                                             \
      _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++) {                                     \
        float av = ar[i][k];                                                                       \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[i][v] += av * bv[v];             \
      }                                                                                            \
    }                                                                                              \
    if (beta == 0.0f) {                                                                            \
      _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++)                                       \
          _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                    \
              *(VTU *)(c + i * ldc + v * VW) = alpha * acc[i][v];                                  \
    } else {                                                                                       \
      _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++)                                       \
          _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) {                                  \
        VTU *cv = (VTU *)(c + i * ldc + v * VW);                                                   \
        *cv = alpha * acc[i][v] + beta * *cv;                                                      \
      }                                                                                            \
    }                                                                                              \
  }

GU_DEF_UKERNEL(avx512, gu_v16f, gu_v16f_u, 16, 2)
GU_DEF_UKERNEL(avx2, gu_v8f, gu_v8f_u, 8, 2)
GU_DEF_UKERNEL(portable, gu_v4f, gu_v4f_u, 4, 2)

/* Each family's tile: MR rows, TW columns (a packed panel is NR / TW tiles wide). */
static inline int gu_isa_mr(int isa) {
  return isa == HY_GEMM_ISA_AVX512 ? 12 : isa == HY_GEMM_ISA_AVX2 ? 6 : 4;
}
static inline int gu_isa_tw(int isa) {
  return isa == HY_GEMM_ISA_AVX512 ? 32 : isa == HY_GEMM_ISA_AVX2 ? 16 : 8;
}

#define GU_CASE(isa, r)                                                                            \
  case r: gu_ukernel_##isa(r, kc, a, lda, b, alpha, beta, c, ldc); return;
/* The family's micro-kernel for mr rows, mr turned into a constant. */
VEC512 GEMM_INLINE void gu_ukernel_rows(int isa, int mr, int64_t kc, const float *restrict a,
                                        int64_t lda, const float *restrict b, float alpha,
                                        float beta, float *restrict c, int64_t ldc) {
  if (isa == HY_GEMM_ISA_AVX512) {
    switch (mr) {
      GU_CASE(avx512, 12) GU_CASE(avx512, 11) GU_CASE(avx512, 10) GU_CASE(avx512, 9)
      GU_CASE(avx512, 8) GU_CASE(avx512, 7) GU_CASE(avx512, 6) GU_CASE(avx512, 5)
      GU_CASE(avx512, 4) GU_CASE(avx512, 3) GU_CASE(avx512, 2) GU_CASE(avx512, 1)
    }
  } else if (isa == HY_GEMM_ISA_AVX2) {
    switch (mr) {
      GU_CASE(avx2, 6) GU_CASE(avx2, 5) GU_CASE(avx2, 4) GU_CASE(avx2, 3) GU_CASE(avx2, 2)
      GU_CASE(avx2, 1)
    }
  } else {
    switch (mr) {
      GU_CASE(portable, 4) GU_CASE(portable, 3) GU_CASE(portable, 2) GU_CASE(portable, 1)
    }
  }
}
#undef GU_CASE

#endif
