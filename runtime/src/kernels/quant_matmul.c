/* MatMulInteger and QLinearMatMul: numpy matmul batching (linalg.h) over the integer GEMM
 * (hydra/qgemm.h).
 *
 * matmul_integer: in A, B (uint8 / int8), a_zero_point, b_zero_point (optional); out Y int32.
 * ints: [tasks, za_period, zb_period]: the zero point of A's global row r (r counts the rows of
 * all of A's batches) is za[r % za_period], of B's global column c is zb[c % zb_period]; 0 means
 * one scalar. scratch: hy_qgemm_scratch_bytes(rows of A, N, K, tasks).
 *
 * qlinear_matmul: in a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point;
 * out y (y_zero_point's type). ints: [tasks, sa_period, za_period, sb_period, zb_period] in the
 * same sense. y = saturate(rint(acc * (a_scale * b_scale / y_scale)) + y_zero_point), the scale
 * product computed in the scales' type and the rest in double, as the ONNX reference does.
 * scratch: the int32 product of one batch (M * N, 64-byte aligned) and then the GEMM's. */
#include "hydra/qgemm.h"
#include "kernels/linalg.h"
#include "kernels/quant.h"

static inline size_t acc_bytes(int64_t M, int64_t N) {
  return ((size_t)(M * N) * sizeof(int32_t) + 63) & ~(size_t)63;
}

/* One batch's GEMM into C (ldc N); A, B the (8-bit) operands' bases. row0 / col0: the global
 * row of A and column of B the batch starts at. */
static void qmm_batch(const hy_mm_shape *s, int64_t b, int32_t at, const void *A, const void *za,
                      int64_t za_period, int32_t bt, const void *B, const void *zb,
                      int64_t zb_period, int32_t *C, void *scratch, int32_t tasks,
                      const hy_exec *ex, int64_t *row0, int64_t *col0) {
  int64_t oa, ob;
  hy_mm_batch_offsets(s, b, &oa, &ob);
  *row0 = oa / s->K;
  *col0 = ob / s->K; /* batch index of B times N */
  hy_qgemm_args q = {.M = s->M, .N = s->N, .K = s->K, .a_type = at, .b_type = bt,
                     .A = (const char *)A + oa, .lda = s->K,
                     .B = (const char *)B + ob, .ldb = s->N,
                     .za = za, .zb = zb, .za_first = *row0, .za_period = za_period,
                     .zb_first = *col0, .zb_period = zb_period, .C = C, .ldc = s->N};
  hy_qgemm(&q, scratch, tasks, ex);
}

static inline const void *opt_in(const hy_kparams *p, const void *const *in, int32_t i) {
  return p->n_in > i && p->in[i].dtype != HY_DTYPE_UNDEFINED ? in[i] : NULL;
}

hy_status hy_kernel_matmul_integer(const hy_kparams *p, const void *const *in, void *const *out,
                                   void *scratch, const hy_exec *ex) {
  hy_mm_shape s;
  hy_mm_shape_of(&p->in[0], &p->in[1], &s);
  int32_t tasks = (int32_t)p->ints[0];
  int64_t r0, c0;
  for (int64_t b = 0; b < s.batches; b++)
    qmm_batch(&s, b, p->in[0].dtype, in[0], opt_in(p, in, 2), p->ints[1], p->in[1].dtype, in[1],
              opt_in(p, in, 3), p->ints[2], (int32_t *)out[0] + b * s.M * s.N, scratch, tasks,
              ex, &r0, &c0);
  return HY_OK;
}

hy_status hy_kernel_qlinear_matmul(const hy_kparams *p, const void *const *in, void *const *out,
                                   void *scratch, const hy_exec *ex) {
  hy_mm_shape s;
  hy_mm_shape_of(&p->in[0], &p->in[3], &s);
  int32_t tasks = (int32_t)p->ints[0], yt = p->out[0].dtype, st = p->in[1].dtype;
  int64_t sa_p = p->ints[1], za_p = p->ints[2], sb_p = p->ints[3], zb_p = p->ints[4];
  int32_t *acc = scratch;
  void *gemm_scratch = (char *)scratch + acc_bytes(s.M, s.N);
  float sy = q_ld_real(p->in[6].dtype, in[6], 0), lo, hi;
  int32_t zy = q_ld_int(yt, in[7], 0);
  q_range(yt, &lo, &hi);
  for (int64_t b = 0; b < s.batches; b++) {
    int64_t r0, c0;
    qmm_batch(&s, b, p->in[0].dtype, in[0], in[2], za_p, p->in[3].dtype, in[3], in[5], zb_p, acc,
              gemm_scratch, tasks, ex, &r0, &c0);
    char *y = (char *)out[0] + (size_t)(b * s.M * s.N) * (yt == HY_DTYPE_UINT16 ||
                                                         yt == HY_DTYPE_INT16 ? 2 : 1);
    for (int64_t i = 0; i < s.M; i++) {
      float sa = q_ld_real(st, in[1], sa_p ? (r0 + i) % sa_p : 0);
      for (int64_t j = 0; j < s.N; j++) {
        float sb = q_ld_real(st, in[4], sb_p ? (c0 + j) % sb_p : 0);
        float mult = q_round_to(st, q_round_to(st, sa * sb) / sy);
        q_requant(yt, y, i * s.N + j, acc[i * s.N + j], mult, zy, lo, hi);
      }
    }
  }
  return HY_OK;
}
