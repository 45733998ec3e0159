/* The integer GEMM (hydra/qgemm.h): BLIS-style blocks like the float GEMM in gemm.c, but each
 * element of C is a dot product. Packing subtracts the zero points and lays both operands out
 * along k: a row of A and a column of B become kcp contiguous int16 (kcp: the block's depth
 * rounded up to QK, zero-padded). The dot product is a plain loop that LLVM vectorises into
 * pmaddwd (vpdpwssd with AVX512-VNNI): it forms those only from an add-reduction of sign-extended
 * int16 products whose operands have no other use, so a register tile that shares operands
 * across rows and columns (vpmulld, tried first) cannot reach them. Accumulation is int32, in
 * unsigned arithmetic so that it wraps instead of overflowing into undefined behaviour. */
#include <string.h>

#include "hydra/kernel.h"
#include "hydra/qgemm.h"
#include "kernels/gemm_blocks.h"

#define MR HY_QGEMM_MR
#define NR HY_QGEMM_NR
#define KC HY_QGEMM_KC
#define MC HY_QGEMM_MC
#define NC HY_QGEMM_NC
#define QK 128 /* k padding: one vectorised step of the dot product (32 lanes, 4 interleaved) */

/* ---- scratch: per task [packed B block | packed A block], each 64-byte aligned ---- */

static size_t b_block_bytes(int64_t N, int64_t K) {
  return gb_block_bytes(N, gb_round_up(K, QK), NR, NC, KC, sizeof(int16_t));
}
static size_t a_block_bytes(int64_t M, int64_t K) {
  return gb_block_bytes(M, gb_round_up(K, QK), MR, MC, KC, sizeof(int16_t));
}
static size_t task_bytes(int64_t M, int64_t N, int64_t K) {
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return b_block_bytes(N, K) + a_block_bytes(M, K) + 64;
}

size_t hy_qgemm_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks) {
  return (size_t)(tasks < 1 ? 1 : tasks) * task_bytes(M, N, K);
}

/* ---- zero points and element loads as int32, per operand type ---- */

static inline int32_t ld_q(int32_t dt, const void *p, int64_t i) {
  switch (dt) {
  case HY_DTYPE_UINT8: return ((const uint8_t *)p)[i];
  case HY_DTYPE_INT8: return ((const int8_t *)p)[i];
  default: return ((const int16_t *)p)[i];
  }
}

static inline int32_t zero_at(const void *z, int32_t dt, int64_t first, int64_t period,
                              int64_t i) {
  if (!z) return 0;
  return ld_q(dt, z, period ? (first + i) % period : 0);
}

/* ---- packing ---- */

/* Packs B[pc.., jc..] (kc x nc) minus the column zero points as nc columns of kcp int16 each,
 * zero past kc. Rows of B are read in order; NR columns at a time are written. */
#define PACK_B(T)                                                                                  \
  static void pack_b_##T(const hy_qgemm_args *q, int64_t pc, int64_t kc, int64_t kcp, int64_t jc, \
                         int64_t nc, int16_t *restrict dst) {                                      \
    const T *B = q->B;                                                                             \
    for (int64_t j0 = 0; j0 < nc; j0 += NR) {                                                      \
      int64_t nj = gb_min(NR, nc - j0);                                                            \
      int16_t z[NR];                                                                               \
      for (int64_t j = 0; j < nj; j++)                                                             \
        z[j] = (int16_t)zero_at(q->zb, q->b_type, q->zb_first, q->zb_period, jc + j0 + j);         \
      for (int64_t k = 0; k < kc; k++) {                                                           \
        const T *r = B + (pc + k) * q->ldb + jc + j0;                                              \
        for (int64_t j = 0; j < nj; j++) dst[(j0 + j) * kcp + k] = (int16_t)(r[j] - z[j]);         \
      }                                                                                            \
      for (int64_t j = 0; j < nj; j++)                                                             \
        memset(dst + (j0 + j) * kcp + kc, 0, (size_t)(kcp - kc) * sizeof(int16_t));                \
    }                                                                                              \
  }
PACK_B(uint8_t)
PACK_B(int8_t)
PACK_B(int16_t)

/* Packs A[ic.., pc..] (mc x kc) minus the row zero points as mc rows of kcp int16 each, zero
 * past kc. */
#define PACK_A(T)                                                                                  \
  static void pack_a_##T(const hy_qgemm_args *q, int64_t ic, int64_t mc, int64_t pc, int64_t kc, \
                         int64_t kcp, int16_t *restrict dst) {                                     \
    const T *A = q->A;                                                                             \
    for (int64_t i = 0; i < mc; i++) {                                                             \
      const T *row = A + (ic + i) * q->lda + pc;                                                   \
      int16_t z = (int16_t)zero_at(q->za, q->a_type, q->za_first, q->za_period, ic + i);          \
      int16_t *d = dst + i * kcp;                                                                  \
      for (int64_t k = 0; k < kc; k++) d[k] = (int16_t)(row[k] - z);                               \
      memset(d + kc, 0, (size_t)(kcp - kc) * sizeof(int16_t));                                     \
    }                                                                                              \
  }
PACK_A(uint8_t)
PACK_A(int8_t)

static void pack_b(const hy_qgemm_args *q, int64_t pc, int64_t kc, int64_t kcp, int64_t jc,
                   int64_t nc, int16_t *dst) {
  switch (q->b_type) {
  case HY_DTYPE_UINT8: pack_b_uint8_t(q, pc, kc, kcp, jc, nc, dst); return;
  case HY_DTYPE_INT8: pack_b_int8_t(q, pc, kc, kcp, jc, nc, dst); return;
  default: pack_b_int16_t(q, pc, kc, kcp, jc, nc, dst); return;
  }
}

static void pack_a(const hy_qgemm_args *q, int64_t ic, int64_t mc, int64_t pc, int64_t kc,
                   int64_t kcp, int16_t *dst) {
  if (q->a_type == HY_DTYPE_UINT8) pack_a_uint8_t(q, ic, mc, pc, kc, kcp, dst);
  else pack_a_int8_t(q, ic, mc, pc, kc, kcp, dst);
}

/* ---- the dot products ---- */

#if defined(__clang__)
#define QDOT_LOOP _Pragma("clang loop vectorize_width(32) interleave_count(4)")
#else
#define QDOT_LOOP
#endif

/* sum over k < n (a multiple of QK) of a[k] * b[k], wrapping in 32 bits. */
static inline __attribute__((always_inline)) uint32_t qdot(const int16_t *restrict a,
                                                           const int16_t *restrict b, int64_t n) {
  uint32_t s = 0;
  QDOT_LOOP
  for (int64_t k = 0; k < n; k++) s += (uint32_t)((int32_t)a[k] * (int32_t)b[k]);
  return s;
}

/* C[0..m) x [0..n) (row stride ldc) = or += the dot products of m packed rows and n packed
 * columns; the n columns (NR * kcp int16) stay in L1 while the rows pass. */
VEC512 static void qtile(int64_t kcp, const int16_t *restrict ap, const int16_t *restrict bp,
                         int32_t *restrict c, int64_t ldc, int64_t m, int64_t n,
                         bool accumulate) {
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      uint32_t s = qdot(ap + i * kcp, bp + j * kcp, kcp);
      c[i * ldc + j] = (int32_t)(accumulate ? s + (uint32_t)c[i * ldc + j] : s);
    }
}

/* ---- the blocked loops and the split into tasks ---- */

typedef struct qgemm_job {
  const hy_qgemm_args *q;
  char *scratch;
  size_t task_bytes, b_bytes;
  gb_split split;
} qgemm_job;

/* Rows [m0, m1) x columns [n0, n1) of C; n0 is a multiple of NR. */
VEC512 static void qgemm_rect(const hy_qgemm_args *q, int16_t *bbuf, int16_t *abuf, int64_t m0,
                              int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t jc = n0; jc < n1; jc += NC) {
    int64_t nc = gb_min(NC, n1 - jc);
    for (int64_t pc = 0; pc < q->K; pc += KC) {
      int64_t kc = gb_min(KC, q->K - pc), kcp = gb_round_up(kc, QK);
      pack_b(q, pc, kc, kcp, jc, nc, bbuf);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        int64_t mc = gb_min(MC, m1 - ic);
        pack_a(q, ic, mc, pc, kc, kcp, abuf);
        for (int64_t jr = 0; jr < nc; jr += NR)
          for (int64_t ir = 0; ir < mc; ir += MR)
            qtile(kcp, abuf + ir * kcp, bbuf + jr * kcp, q->C + (ic + ir) * q->ldc + jc + jr,
                  q->ldc, gb_min(MR, mc - ir), gb_min(NR, nc - jr), pc > 0);
      }
    }
  }
}

VEC512 GEMM_INLINE void qgemm_tasks(void *arg, int64_t begin, int64_t end) {
  const qgemm_job *j = arg;
  for (int64_t t = begin; t < end; t++) {
    uintptr_t base = (uintptr_t)(j->scratch + (size_t)t * j->task_bytes);
    int16_t *bbuf = (int16_t *)((base + 63) & ~(uintptr_t)63);
    int16_t *abuf = (int16_t *)((char *)bbuf + j->b_bytes);
    int64_t m0, m1, n0, n1;
    gb_task_rect(&j->split, t, j->q->M, j->q->N, MR, NR, &m0, &m1, &n0, &n1);
    qgemm_rect(j->q, bbuf, abuf, m0, m1, n0, n1);
  }
}

void hy_qgemm(const hy_qgemm_args *q, void *scratch, int32_t tasks, const hy_exec *ex) {
  if (q->M <= 0 || q->N <= 0) return;
  if (q->K <= 0) {
    for (int64_t i = 0; i < q->M; i++) memset(q->C + i * q->ldc, 0, (size_t)q->N * sizeof(int32_t));
    return;
  }
  qgemm_job j = {.q = q, .scratch = scratch};
  j.split = gb_split_of(q->M, q->N, q->K, MR, NR, tasks, ex);
  j.task_bytes = task_bytes(q->M, q->N, q->K);
  j.b_bytes = b_block_bytes(q->N, q->K);
  if (j.split.n_tasks == 1) /* a direct call, specialised per node like gemm.c's */
    qgemm_tasks(&j, 0, 1);
  else
    hy_parallel_for(ex, j.split.n_tasks, qgemm_tasks, &j);
}
