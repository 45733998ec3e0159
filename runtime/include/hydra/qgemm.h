/* The integer GEMM behind MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv: scratch
 * sizing (lowering hooks call it to plan memory) and the entry point.
 *
 * C (int32, M x N) = sum over k of (A[i, k] - za[i]) * (B[k, j] - zb[j]), exact in int32 (wrapping
 * past it). A is uint8 or int8, B uint8, int8 or int16; a zero point has its operand's type (int16
 * B takes none: its zero point is already subtracted). Zero points are subtracted while packing,
 * so the dot products multiply plain int16 differences. See qgemm.c. */
#ifndef HYDRA_QGEMM_H
#define HYDRA_QGEMM_H

#include <stddef.h>
#include <stdint.h>

#include "hydra/exec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HY_QGEMM_MR 8    /* rows of one tile of dot products */
#define HY_QGEMM_NR 16   /* columns of one tile (their packed columns stay in L1) */
#define HY_QGEMM_KC 512  /* depth of one packed block */
#define HY_QGEMM_MC 64   /* rows of a packed A block */
#define HY_QGEMM_NC 256  /* columns of a packed B block */

/* One product. Row i of A uses zero point za[(za_first + i) % za_period] (za_period 0: za[0]);
 * column j of B uses zb[(zb_first + j) % zb_period] likewise. za / zb NULL: zero. */
typedef struct hy_qgemm_args {
  int64_t M, N, K;
  int32_t a_type, b_type; /* hy_dtype values */
  const void *A;
  int64_t lda; /* A[i * lda + k] */
  const void *B;
  int64_t ldb; /* B[k * ldb + j] */
  const void *za, *zb;
  int64_t za_first, za_period, zb_first, zb_period;
  int32_t *C;
  int64_t ldc;
} hy_qgemm_args;

/* Scratch bytes for hy_qgemm with up to `tasks` concurrent tasks. */
size_t hy_qgemm_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks);

/* Computes q->C; scratch holds hy_qgemm_scratch_bytes(M, N, K, tasks) bytes. The work is split
 * across at most `tasks` tasks (and ex's threads). */
void hy_qgemm(const hy_qgemm_args *q, void *scratch, int32_t tasks, const hy_exec *ex);

/* Scratch of ConvInteger / QLinearConv (quant_conv.c), offsets from its 64-byte aligned base:
 * X minus its zero point as int16 (channels x in_size), the im2col column matrix (rows x osz
 * int16) when im2col, the int32 product of one group (Mg x osz) when requant, then the GEMM's. */
typedef struct hy_qconv_scratch {
  size_t xs, col, acc, gemm, total;
} hy_qconv_scratch;

static inline hy_qconv_scratch hy_qconv_scratch_of(int64_t channels, int64_t in_size,
                                                   int64_t rows, int64_t osz, int64_t Mg,
                                                   int im2col, int requant, int32_t tasks) {
  hy_qconv_scratch s;
  s.xs = 0;
  s.col = ((size_t)(channels * in_size) * 2 + 63) & ~(size_t)63;
  s.acc = s.col + (im2col ? ((size_t)(rows * osz) * 2 + 63) & ~(size_t)63 : 0);
  s.gemm = s.acc + (requant ? ((size_t)(Mg * osz) * 4 + 63) & ~(size_t)63 : 0);
  s.total = s.gemm + hy_qgemm_scratch_bytes(Mg, osz, rows, tasks) + 64;
  return s;
}

#ifdef __cplusplus
}
#endif

#endif
