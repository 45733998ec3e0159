/* The packed fp32 GEMM behind MatMul, Gemm and Conv: blocking constants, the packed-B layout,
 * scratch sizing (lowering hooks call it to plan memory) and the entry points.
 *
 * C = alpha * op(A) * op(B) + beta * C, with A, B given as strided views: element (i, j) of a
 * matrix view is p[i * rs + j * cs], so a transpose is a swap of rs and cs.
 *
 * Packed-B layout (hy_sgemm_pack_b, for weights pre-packed at compile time): B (K x N) is cut into
 * ceil(N / HY_GEMM_NR) column panels; panel p holds K rows of HY_GEMM_NR floats, row k being
 * B[k, p*NR .. p*NR+NR) zero-padded past N. Panels follow each other (panel p at p * K * NR). */
#ifndef HYDRA_GEMM_H
#define HYDRA_GEMM_H

#include <stddef.h>
#include <stdint.h>

#include "hydra/exec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HY_GEMM_MR 8    /* rows of the register tile */
#define HY_GEMM_NR 32   /* columns of the register tile (two 16-float vectors) */
#define HY_GEMM_KC 256  /* depth of one packed block: a KC x NR B panel stays in L1 */
#define HY_GEMM_MC 128  /* rows of a packed A block (L2) */
#define HY_GEMM_NC 1024 /* columns of a packed B block (L2) */
/* Scratch is planned for this many concurrent tasks; fewer threads use less of it. */
#define HY_GEMM_MAX_TASKS 4

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

/* Bytes of Conv's im2col buffer (rows x cols elements of es bytes, + 64 for alignment); the
 * GEMM's scratch follows it. */
static inline size_t hy_conv_col_bytes(int64_t rows, int64_t cols, size_t es) {
  return (((size_t)(rows * cols) * es + 63) & ~(size_t)63) + 64;
}

#ifdef __cplusplus
}
#endif

#endif
