/* The packed fp32 GEMM behind MatMul, Gemm and Conv: blocking constants, the packed-B layout,
 * scratch sizing (lowering hooks call it to plan memory) and the entry points.
 *
 * C = alpha * op(A) * op(B) + beta * C, with A, B given as strided views: element (i, j) of a
 * matrix view is p[i * rs + j * cs], so a transpose is a swap of rs and cs.
 *
 * Packed-B layout (hy_sgemm_pack_b, for weights pre-packed at compile time): B (K x N) is cut into
 * ceil(N / HY_GEMM_NR) column panels; panel p holds K rows of HY_GEMM_NR floats, row k being
 * B[k, p*NR .. p*NR+NR) zero-padded past N. Panels follow each other (panel p at p * K * NR).
 * The layout is the same for every micro-kernel family (narrower tiles take a panel in parts),
 * so weights packed by the compiler do not depend on the compile target. */
#ifndef HYDRA_GEMM_H
#define HYDRA_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "hydra/exec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HY_GEMM_NR 32   /* columns of a packed-B panel (two 16-float vectors) */
#define HY_GEMM_KC 768  /* depth of one block of the product (a B panel streams from L2) */
#define HY_GEMM_MC 224  /* rows of A per block, at most (a multiple of every micro-kernel's MR) */
#define HY_GEMM_NC 1024 /* columns of a packed B block (L2) */
/* Scratch is planned for this many concurrent tasks that pack B or a transposed A; fewer threads
 * use less of it. A product with B pre-packed and A's rows contiguous packs nothing: it splits
 * across all of the session's threads, whatever this says. */
#define HY_GEMM_MAX_TASKS 4

/* The micro-kernel families. Kernels are compiled once to bitcode, so the family is not a
 * preprocessor choice: codegen defines hy_gemm_target_isa in every model module from the compile
 * target's features (a constant, so the other families fold away), and the native runtime from
 * its own build flags (runtime/src/gemm_isa.c). The vector-extension code of each family compiles
 * for any target; only its register blocking is tuned for the ISA it is named after. */
enum {
  HY_GEMM_ISA_TARGET = -1,  /* hy_gemm_target_isa */
  HY_GEMM_ISA_PORTABLE = 0, /* 4 x 8 tiles of 128-bit vectors (SSE, NEON, anything) */
  HY_GEMM_ISA_AVX2 = 1,     /* 6 x 16 tiles of 256-bit vectors, 16 registers */
  HY_GEMM_ISA_AVX512 = 2,   /* 12 x 32 tiles of 512-bit vectors, 32 registers */
};
extern const int32_t hy_gemm_target_isa;

/* Activations an epilogue applies (the elementwise kernels' float formulas). */
enum {
  HY_GEMM_ACT_NONE = 0,
  HY_GEMM_ACT_RELU,
  HY_GEMM_ACT_GELU,      /* exact: x/2 (1 + erf(x / sqrt 2)) */
  HY_GEMM_ACT_GELU_TANH, /* Gelu's approximate="tanh" */
  HY_GEMM_ACT_TANH,
  HY_GEMM_ACT_SIGMOID,
};

/* What is applied to each finished element C[i, j] of the product, in this order:
 * C = act(C + bias_scale * bias[j]) + res[i * ldr + j]. */
typedef struct hy_gemm_epilogue {
  const float *bias; /* N floats, NULL: none */
  float bias_scale;
  int32_t act;       /* HY_GEMM_ACT_* */
  const float *res;  /* M x N, row stride ldr, not overlapping C; NULL: none */
  int64_t ldr;
} hy_gemm_epilogue;

/* One product: C (M x N, row stride ldc) = alpha * A * B + beta * C, then the epilogue. A and B
 * are strided views (element (i, k) of A at A[i * rsa + k * csa]); B_packed: B is in the
 * packed-B layout (rsb, csb unused). beta == 0 never reads C. */
typedef struct hy_sgemm_args {
  int64_t M, N, K;
  float alpha, beta;
  const float *A;
  int64_t rsa, csa;
  const float *B;
  int64_t rsb, csb;
  int b_packed;
  float *C;
  int64_t ldc;
  hy_gemm_epilogue ep; /* all zero: none */
  int32_t isa;         /* HY_GEMM_ISA_*: TARGET in kernels; tests pick each family */
} hy_sgemm_args;

/* Runs g with scratch of hy_sgemm_scratch_bytes(M, N, K, tasks) bytes (or the prepacked size when
 * B is packed), split across ex's threads: at most `tasks` of them when g packs B or A. */
void hy_sgemm_run(const hy_sgemm_args *g, void *scratch, int32_t tasks, const hy_exec *ex);

/* Scratch bytes one task needs for an M x N x K product (0 when nothing is packed). */
size_t hy_sgemm_task_bytes(int64_t M, int64_t N, int64_t K);
/* Scratch bytes for hy_sgemm with up to `tasks` concurrent tasks. */
size_t hy_sgemm_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks);

/* C (M x N, row stride ldc) = alpha * A * B + beta * C. beta == 0 never reads C. scratch holds
 * hy_sgemm_scratch_bytes(M, N, K, tasks) bytes; the work is split across at most `tasks` tasks
 * (and ex's threads). */
void hy_sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsa,
              int64_t csa, const float *B, int64_t rsb, int64_t csb, float beta, float *C,
              int64_t ldc, void *scratch, int32_t tasks, const hy_exec *ex);

/* Bytes of B (K x N) in the packed-B layout. */
size_t hy_sgemm_packed_b_bytes(int64_t K, int64_t N);
/* Packs all of B (element (k, n) at B[k*rsb + n*csb]) into dst in the packed-B layout. */
void hy_sgemm_pack_b(int64_t K, int64_t N, const float *B, int64_t rsb, int64_t csb, float *dst);
/* Scratch bytes for hy_sgemm_prepacked with up to `tasks` concurrent tasks (packed A only). */
size_t hy_sgemm_prepacked_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks);
/* hy_sgemm with B already in the packed-B layout; scratch then only holds packed A. */
void hy_sgemm_prepacked(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsa,
                        int64_t csa, const float *Bpacked, float beta, float *C, int64_t ldc,
                        void *scratch, int32_t tasks, const hy_exec *ex);

/* What a micro-kernel applies to its tile in registers before storing it (the cheap part of a
 * hy_gemm_epilogue, for the last block of K): T = T + bias_scale * bias[j] (bias: the tile's TW
 * floats, NULL: none), then max(T, 0) where relu (NaN stays NaN), then T + res[i * ldr + j] (res:
 * the tile's first element, NULL: none). Done while the sums are in registers, it saves passes
 * over the stored tile: 9% of a 32x64x128 product with bias and ReLU. */
typedef struct hy_gemm_uk_ep {
  const float *bias;
  float bias_scale;
  int32_t relu;
  const float *res;
  int64_t ldr;
} hy_gemm_uk_ep;

/* The register-tile micro-kernels, one per family (runtime/src/gemm_ukernels.c, compiled into the
 * runtime library for the family's instruction set; generated code calls them): the mr x TW tile
 * of C at c (row stride ldc) = alpha * sum over k < kc of a[i * lda + k] * b[k * HY_GEMM_NR +
 * 0..TW) + beta * C tile (beta == 0: C is not read), then ep (NULL: none), for 1 <= mr <= the
 * family's MR (TW and MR: 32 x 12 for AVX-512, 16 x 6 for AVX2, 8 x 4 portable). A family runs
 * only on a CPU that has its instruction set. */
#define HY_GEMM_UK_MR_MAX 12 /* the tallest tile of any family */
#define HY_GEMM_UK_TW_MAX 32 /* the widest */
void hy_gemm_ukernel_avx512(int mr, int64_t kc, const float *a, int64_t lda, const float *b,
                            float alpha, float beta, float *c, int64_t ldc,
                            const hy_gemm_uk_ep *ep);
void hy_gemm_ukernel_avx2(int mr, int64_t kc, const float *a, int64_t lda, const float *b,
                          float alpha, float beta, float *c, int64_t ldc, const hy_gemm_uk_ep *ep);
void hy_gemm_ukernel_portable(int mr, int64_t kc, const float *a, int64_t lda, const float *b,
                              float alpha, float beta, float *c, int64_t ldc,
                              const hy_gemm_uk_ep *ep);
/* The same for a tile half as wide (TW / 2 columns: one vector), for products of at most that
 * many columns (a tile of full width would spend twice the multiply-adds on padding). */
void hy_gemm_ukernel_avx512_half(int mr, int64_t kc, const float *a, int64_t lda, const float *b,
                                 float alpha, float beta, float *c, int64_t ldc,
                                 const hy_gemm_uk_ep *ep);
void hy_gemm_ukernel_avx2_half(int mr, int64_t kc, const float *a, int64_t lda, const float *b,
                               float alpha, float beta, float *c, int64_t ldc,
                               const hy_gemm_uk_ep *ep);
void hy_gemm_ukernel_portable_half(int mr, int64_t kc, const float *a, int64_t lda,
                                   const float *b, float alpha, float beta, float *c, int64_t ldc,
                                   const hy_gemm_uk_ep *ep);

/* The widest family this CPU runs (the one hydrac compiles for it): what tests and benchmarks of
 * the native library pick. */
int32_t hy_gemm_host_isa(void);

/* Bytes of Conv's im2col buffer (rows x cols elements of es bytes, + 64 for alignment); the
 * GEMM's scratch follows it. */
static inline size_t hy_conv_col_bytes(int64_t rows, int64_t cols, size_t es) {
  return (((size_t)(rows * cols) * es + 63) & ~(size_t)63) + 64;
}

#ifdef __cplusplus
}
#endif

#endif
