/* The integer GEMM (hydra/qgemm.h): BLIS-style blocks like the float GEMM in gemm.c. Packing
 * subtracts the zero points: B panels hold int16 differences (NR columns per k), A panels int32
 * ones (MR rows per k). The MR x NR register tile widens a row of B to int32 lanes and multiplies
 * it by each broadcast A value (vpmulld, vpaddd on x86). Accumulation is int32, in unsigned lanes
 * so that it wraps instead of overflowing into undefined behaviour.
 *
 * Why not int16 pairs into pmaddwd / vpdpwssd: LLVM forms those only from a loop's add-reduction
 * of sign-extended int16 products whose operands have no other use; the broadcast tile shares
 * every operand, and an explicit even/odd-lane formulation is simplified away (tried with LLVM
 * 19: vpmulld either way). A dot-product tile with private operand copies does reach vpdpwssd. */
#include <string.h>

#include "hydra/kernel.h"
#include "hydra/qgemm.h"
#include "kernels/gemm_blocks.h"

#define MR HY_QGEMM_MR
#define NR HY_QGEMM_NR
#define KC HY_QGEMM_KC
#define MC HY_QGEMM_MC
#define NC HY_QGEMM_NC
#define NV (NR / 16)


typedef int16_t v16h __attribute__((vector_size(32)));
typedef int16_t v16h_u __attribute__((vector_size(32), aligned(2)));
typedef int32_t v16i __attribute__((vector_size(64)));
typedef uint32_t v16u __attribute__((vector_size(64)));
typedef uint32_t v16u_u __attribute__((vector_size(64), aligned(4)));


/* ---- scratch: per task [packed B block | packed A block], each 64-byte aligned ---- */

static size_t b_block_bytes(int64_t N, int64_t K) {
  return gb_block_bytes(N, K, NR, NC, KC, sizeof(int16_t));
}
static size_t a_block_bytes(int64_t M, int64_t K) {
  return gb_block_bytes(M, K, MR, MC, KC, sizeof(int32_t));
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

/* Packs B[pc.., jc..] (kc x nc) minus the column zero points into NR-wide panels of kc rows of
 * int16, zero past nc. */
#define PACK_B(T)                                                                                  \
  static void pack_b_##T(const hy_qgemm_args *q, int64_t pc, int64_t kc, int64_t jc, int64_t nc,  \
                         int16_t *restrict dst) {                                                  \
    const T *B = q->B;                                                                             \
    for (int64_t p = 0; p * NR < nc; p++) {                                                        \
      int16_t *d = dst + p * kc * NR;                                                              \
      int64_t j0 = jc + p * NR, nj = gb_min(NR, nc - p * NR);                                      \
      int16_t z[NR];                                                                               \
      for (int64_t j = 0; j < NR; j++)                                                             \
        z[j] = j < nj ? (int16_t)zero_at(q->zb, q->b_type, q->zb_first, q->zb_period, j0 + j) : 0; \
      for (int64_t k = 0; k < kc; k++) {                                                           \
        const T *r = B + (pc + k) * q->ldb + j0;                                                   \
        int16_t *o = d + k * NR;                                                                   \
        if (nj == NR) {                                                                            \
          for (int64_t j = 0; j < NR; j++) o[j] = (int16_t)(r[j] - z[j]);                          \
        } else {                                                                                   \
          for (int64_t j = 0; j < NR; j++) o[j] = j < nj ? (int16_t)(r[j] - z[j]) : 0;             \
        }                                                                                          \
      }                                                                                            \
    }                                                                                              \
  }
PACK_B(uint8_t)
PACK_B(int8_t)
PACK_B(int16_t)

/* Packs A[ic.., pc..] (mc x kc) minus the row zero points into MR-tall panels of kc columns of
 * int32, zero past mc. */
#define PACK_A(T)                                                                                  \
  static void pack_a_##T(const hy_qgemm_args *q, int64_t ic, int64_t mc, int64_t pc, int64_t kc,  \
                         int32_t *restrict dst) {                                                  \
    const T *A = q->A;                                                                             \
    for (int64_t p = 0; p * MR < mc; p++) {                                                        \
      int32_t *d = dst + p * kc * MR;                                                              \
      int64_t i0 = ic + p * MR, mi = gb_min(MR, mc - p * MR);                                      \
      for (int64_t i = 0; i < MR; i++) {                                                           \
        if (i >= mi) {                                                                             \
          for (int64_t k = 0; k < kc; k++) d[k * MR + i] = 0;                                      \
          continue;                                                                                \
        }                                                                                          \
        const T *row = A + (i0 + i) * q->lda + pc;                                                 \
        int32_t z = zero_at(q->za, q->a_type, q->za_first, q->za_period, i0 + i);                  \
        for (int64_t k = 0; k < kc; k++) d[k * MR + i] = row[k] - z;                               \
      }                                                                                            \
    }                                                                                              \
  }
PACK_A(uint8_t)
PACK_A(int8_t)

static void pack_b(const hy_qgemm_args *q, int64_t pc, int64_t kc, int64_t jc, int64_t nc,
                   int16_t *dst) {
  switch (q->b_type) {
  case HY_DTYPE_UINT8: pack_b_uint8_t(q, pc, kc, jc, nc, dst); return;
  case HY_DTYPE_INT8: pack_b_int8_t(q, pc, kc, jc, nc, dst); return;
  default: pack_b_int16_t(q, pc, kc, jc, nc, dst); return;
  }
}

static void pack_a(const hy_qgemm_args *q, int64_t ic, int64_t mc, int64_t pc, int64_t kc,
                   int32_t *dst) {
  if (q->a_type == HY_DTYPE_UINT8) pack_a_uint8_t(q, ic, mc, pc, kc, dst);
  else pack_a_int8_t(q, ic, mc, pc, kc, dst);
}

/* ---- the micro-kernel ---- */

/* C tile (m x n corner at c) = acc, or += acc when accumulate (a later k block). */
VEC512 static inline void tile_store(v16u acc[MR][NV], int32_t *restrict c, int64_t ldc,
                                     int64_t m, int64_t n, bool accumulate) {
  if (m == MR && n == NR) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) {
        v16u_u *cp = (v16u_u *)(c + i * ldc + 16 * v);
        *cp = accumulate ? *cp + acc[i][v] : acc[i][v];
      }
    return;
  }
  uint32_t tile[MR * NR] __attribute__((aligned(64)));
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) *(v16u *)(tile + i * NR + 16 * v) = acc[i][v];
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      uint32_t r = tile[i * NR + j];
      c[i * ldc + j] = (int32_t)(accumulate ? r + (uint32_t)c[i * ldc + j] : r);
    }
}

/* acc = sum over k of ap[k][0..MR) (broadcast) x bp[k][0..NR) (widened), then stored. */
VEC512 static inline void ukernel(int64_t kc, const int32_t *restrict ap,
                                  const int16_t *restrict bp, int32_t *restrict c, int64_t ldc,
                                  int64_t m, int64_t n, bool accumulate) {
  v16u acc[MR][NV];
  const v16u zero = {0};
#pragma GCC unroll 8
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) acc[i][v] = zero;
  for (int64_t k = 0; k < kc; k++) {
    v16u b[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++)
      b[v] = (v16u)__builtin_convertvector(*(const v16h_u *)(bp + k * NR + 16 * v), v16i);
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) {
      uint32_t a = (uint32_t)ap[k * MR + i];
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) acc[i][v] += a * b[v];
    }
  }
  tile_store(acc, c, ldc, m, n, accumulate);
}

/* ---- the blocked loops and the split into tasks ---- */

typedef struct qgemm_job {
  const hy_qgemm_args *q;
  char *scratch;
  size_t task_bytes, b_bytes;
  gb_split split;
} qgemm_job;

/* Rows [m0, m1) x columns [n0, n1) of C; n0 is a multiple of NR. */
VEC512 static void qgemm_rect(const hy_qgemm_args *q, int16_t *bbuf, int32_t *abuf, int64_t m0,
                              int64_t m1, int64_t n0, int64_t n1) {
  for (int64_t jc = n0; jc < n1; jc += NC) {
    int64_t nc = gb_min(NC, n1 - jc);
    for (int64_t pc = 0; pc < q->K; pc += KC) {
      int64_t kc = gb_min(KC, q->K - pc);
      pack_b(q, pc, kc, jc, nc, bbuf);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        int64_t mc = gb_min(MC, m1 - ic);
        pack_a(q, ic, mc, pc, kc, abuf);
        for (int64_t jr = 0; jr < nc; jr += NR)
          for (int64_t ir = 0; ir < mc; ir += MR)
            ukernel(kc, abuf + (ir / MR) * kc * MR, bbuf + (jr / NR) * kc * NR,
                    q->C + (ic + ir) * q->ldc + jc + jr, q->ldc, gb_min(MR, mc - ir),
                    gb_min(NR, nc - jr), pc > 0);
      }
    }
  }
}

VEC512 GEMM_INLINE void qgemm_tasks(void *arg, int64_t begin, int64_t end) {
  const qgemm_job *j = arg;
  for (int64_t t = begin; t < end; t++) {
    uintptr_t base = (uintptr_t)(j->scratch + (size_t)t * j->task_bytes);
    int16_t *bbuf = (int16_t *)((base + 63) & ~(uintptr_t)63);
    int32_t *abuf = (int32_t *)((char *)bbuf + j->b_bytes);
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
