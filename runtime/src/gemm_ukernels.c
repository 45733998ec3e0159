/* The fp32 register-tile micro-kernels of the packed GEMM and the attention kernel, compiled once
 * into the runtime library (natively, never to the kernel bitcode): one function per family, each
 * for the instruction set it is named after. Generated code calls them. Inlined into every model
 * module, their twenty-odd fully unrolled tile heights made LLVM's loop passes the bulk of every
 * compile (a lone 3x4 MatMul took 4.3 s at O3); a call per register tile costs nothing next to
 * the tile's kc * mr * TW multiply-adds. */
#include <stdint.h>

#include "hydra/gemm.h"

typedef float gu_v16f __attribute__((vector_size(64)));
typedef float gu_v16f_u __attribute__((vector_size(64), aligned(4)));
typedef float gu_v8f __attribute__((vector_size(32)));
typedef float gu_v8f_u __attribute__((vector_size(32), aligned(4)));
typedef float gu_v4f __attribute__((vector_size(16)));
typedef float gu_v4f_u __attribute__((vector_size(16), aligned(4)));

/* The x86 families are compiled for their instruction sets whatever the library's flags, so a
 * portable build still runs AVX-512 tiles on a CPU that has them (callers pick the family: codegen
 * from the compile target, hy_sgemm_args.isa otherwise). Elsewhere they are plain vector code. */
#if defined(__x86_64__) || defined(__i386__)
#define GU_TARGET_avx512 __attribute__((target("avx512f,avx2,fma")))
#define GU_TARGET_avx2 __attribute__((target("avx2,fma")))
#else
#define GU_TARGET_avx512
#define GU_TARGET_avx2
#endif
#define GU_TARGET_portable

/* Clang splits 512-bit vectors in two when the CPU's tuning prefers 256-bit ones (Intel server
 * parts) unless the function says it needs 512-bit registers. */
#if defined(__clang__)
#define GU_VEC512 __attribute__((min_vector_width(512)))
#else
#define GU_VEC512
#endif

/* C tile (mr x TW at c, row stride ldc) = alpha * sum over k < kc of a[i * lda + k] *
 * b[k * NR + 0..TW) + beta * C tile (beta == 0: C is not read), then ep (hydra/gemm.h). MR * NV
 * accumulators stay in registers, B's row is loaded once per k and A's elements broadcast; the
 * sums go straight to C. mr is a constant at every call (the switch below), so the loops over
 * rows unroll completely. ReLU is a mask: the lanes below zero are cleared, a NaN is kept. */
#define GU_DEF_TILE(name, isa, VT, VTU, VI, VW, NV)                                                \
  GU_TARGET_##isa GU_VEC512 static inline __attribute__((always_inline)) void gu_tile_##name(      \
      int mr, int64_t kc, const float *restrict a, int64_t lda, const float *restrict b,          \
      float alpha, float beta, float *restrict c, int64_t ldc, const hy_gemm_uk_ep *ep) {         \
    VT acc[HY_GEMM_UK_MR_MAX][NV];                                                                 \
    const float *ar[HY_GEMM_UK_MR_MAX]; /* row pointers: no chain of adds from row to row */       \
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
          _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[i][v] = alpha * acc[i][v];     \
    } else {                                                                                       \
      _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++)                                       \
          _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[i][v] =                        \
              alpha * acc[i][v] + beta * *(const VTU *)(c + i * ldc + v * VW);                     \
    }                                                                                              \
    if (ep) {                                                                                      \
      if (ep->bias) {                                                                              \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) {                                    \
          VT bs = ep->bias_scale * *(const VTU *)(ep->bias + v * VW);                              \
          _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++) acc[i][v] += bs;                  \
        }                                                                                          \
      }                                                                                            \
      if (ep->relu)                                                                                \
        _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++)                                     \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[i][v] =                      \
                (VT)((VI)acc[i][v] & ~(VI)(acc[i][v] < (VT){0}));                                  \
      if (ep->res)                                                                                 \
        _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++)                                     \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[i][v] +=                     \
                *(const VTU *)(ep->res + i * ep->ldr + v * VW);                                    \
    }                                                                                              \
    _Pragma("GCC unroll 16") for (int i = 0; i < mr; i++)                                         \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                                      \
            *(VTU *)(c + i * ldc + v * VW) = acc[i][v];                                            \
  }

typedef int32_t gu_v16i __attribute__((vector_size(64)));
typedef int32_t gu_v8i __attribute__((vector_size(32)));
typedef int32_t gu_v4i __attribute__((vector_size(16)));
/* Each family's tile is two vectors wide; its half tile (one vector) serves a product of at most
 * that many columns (mmoe's gates, N = 4) at half the multiply-adds. */
GU_DEF_TILE(avx512, avx512, gu_v16f, gu_v16f_u, gu_v16i, 16, 2)
GU_DEF_TILE(avx512_half, avx512, gu_v16f, gu_v16f_u, gu_v16i, 16, 1)
GU_DEF_TILE(avx2, avx2, gu_v8f, gu_v8f_u, gu_v8i, 8, 2)
GU_DEF_TILE(avx2_half, avx2, gu_v8f, gu_v8f_u, gu_v8i, 8, 1)
GU_DEF_TILE(portable, portable, gu_v4f, gu_v4f_u, gu_v4i, 4, 2)
GU_DEF_TILE(portable_half, portable, gu_v4f, gu_v4f_u, gu_v4i, 4, 1)

#define GU_CASE(isa, r)                                                                            \
  case r: gu_tile_##isa(r, kc, a, lda, b, alpha, beta, c, ldc, ep); return;

/* One entry per tile shape, switching to the unrolled tile of each height (GU_CASE). */
#define GU_ENTRY(name, isa)                                                                        \
  GU_TARGET_##isa GU_VEC512 void hy_gemm_ukernel_##name(int mr, int64_t kc, const float *a,        \
                                                        int64_t lda, const float *b, float alpha,  \
                                                        float beta, float *c, int64_t ldc,         \
                                                        const hy_gemm_uk_ep *ep)
#define GU_ENTRY_MR12(name, isa)                                                                   \
  GU_ENTRY(name, isa) {                                                                            \
    switch (mr) {                                                                                  \
      GU_CASE(name, 12) GU_CASE(name, 11) GU_CASE(name, 10) GU_CASE(name, 9) GU_CASE(name, 8)      \
      GU_CASE(name, 7) GU_CASE(name, 6) GU_CASE(name, 5) GU_CASE(name, 4) GU_CASE(name, 3)         \
      GU_CASE(name, 2) GU_CASE(name, 1)                                                            \
    default: return;                                                                               \
    }                                                                                              \
  }
#define GU_ENTRY_MR6(name, isa)                                                                    \
  GU_ENTRY(name, isa) {                                                                            \
    switch (mr) {                                                                                  \
      GU_CASE(name, 6) GU_CASE(name, 5) GU_CASE(name, 4) GU_CASE(name, 3) GU_CASE(name, 2)         \
      GU_CASE(name, 1)                                                                             \
    default: return;                                                                               \
    }                                                                                              \
  }
#define GU_ENTRY_MR4(name, isa)                                                                    \
  GU_ENTRY(name, isa) {                                                                            \
    switch (mr) {                                                                                  \
      GU_CASE(name, 4) GU_CASE(name, 3) GU_CASE(name, 2) GU_CASE(name, 1)                          \
    default: return;                                                                               \
    }                                                                                              \
  }

GU_ENTRY_MR12(avx512, avx512)
GU_ENTRY_MR12(avx512_half, avx512)
GU_ENTRY_MR6(avx2, avx2)
GU_ENTRY_MR6(avx2_half, avx2)
GU_ENTRY_MR4(portable, portable)
GU_ENTRY_MR4(portable_half, portable)

int32_t hy_gemm_host_isa(void) {
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("avx512f")) return HY_GEMM_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return HY_GEMM_ISA_AVX2;
  return HY_GEMM_ISA_PORTABLE;
#else
  return HY_GEMM_ISA_AVX512; /* elsewhere every family is plain vector code */
#endif
}
