/* MatMul, Gemm and Conv: the packed GEMM and the op kernels (through their infer and lower
 * hooks) against naive loops, on odd sizes, transposes, broadcasting and every dtype. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydra/gemm.h"
#include "ir/ir.h"
#include "passes/passes.h"
#include "two_threads.h"

/* ---- helpers ---- */

static uint32_t rng_state = 12345;
static float frand(void) { /* uniform in [-1, 1) */
  rng_state = rng_state * 1664525u + 1013904223u;
  return (float)(rng_state >> 8) / (float)(1u << 23) - 1.0f;
}
static float *frand_buf(int64_t n) {
  float *p = malloc(sizeof(float) * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) p[i] = frand();
  return p;
}


/* |got - want| within float rounding of a K-term sum of products of values in [-1, 1]. */
static void expect_close(const float *got, const double *want, int64_t n, int64_t K,
                         const char *what) {
  double tol = 1e-5 + 4e-7 * (double)(K + 1);
  for (int64_t i = 0; i < n; i++)
    if (!(fabs(got[i] - want[i]) <= tol))
      cr_assert(false, "%s: element %lld is %g, expected %g", what, (long long)i, got[i], want[i]);
}

/* ---- the packed GEMM ---- */

static void check_sgemm(int64_t M, int64_t K, int64_t N, int ta, int tb, float alpha, float beta,
                        const hy_exec *ex, int prepacked) {
  float *A = frand_buf(M * K), *B = frand_buf(K * N), *C = frand_buf(M * N);
  double *ref = malloc(sizeof(double) * (size_t)(M * N + 1));
  int64_t rsa = ta ? 1 : K, csa = ta ? M : 1, rsb = tb ? 1 : N, csb = tb ? K : 1;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t k = 0; k < K; k++) s += (double)A[i * rsa + k * csa] * B[k * rsb + j * csb];
      ref[i * N + j] = alpha * s + (beta != 0.0f ? beta * (double)C[i * N + j] : 0.0);
    }
  void *scratch = malloc(hy_sgemm_scratch_bytes(M, N, K, HY_GEMM_MAX_TASKS) + 1);
  if (prepacked) {
    float *bp = malloc(hy_sgemm_packed_b_bytes(K, N) + 1);
    hy_sgemm_pack_b(K, N, B, rsb, csb, bp);
    hy_sgemm_prepacked(M, N, K, alpha, A, rsa, csa, bp, beta, C, N, scratch, HY_GEMM_MAX_TASKS,
                       ex);
    free(bp);
  } else {
    hy_sgemm(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, N, scratch, HY_GEMM_MAX_TASKS,
             ex);
  }
  char what[128];
  snprintf(what, sizeof what, "sgemm %lldx%lldx%lld ta=%d tb=%d threads=%d prepacked=%d",
           (long long)M, (long long)K, (long long)N, ta, tb, ex ? ex->n_threads : 1, prepacked);
  expect_close(C, ref, M * N, K, what);
  free(A), free(B), free(C), free(ref), free(scratch);
}

Test(sgemm, odd_sizes_transposes_threads) {
  /* M x K x N; sizes cross the MR/NR tiles and the KC/MC/NC blocks */
  static const int64_t shapes[][3] = {{1, 1, 1},   {7, 13, 5},   {1, 300, 1},  {9, 1, 33},
                                      {17, 257, 65}, {130, 40, 1030}, {64, 64, 64}, {3, 0, 4}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int t = 0; t < 4; t++)
      for (int threads = 0; threads < 2; threads++) {
        const hy_exec *ex = threads ? &two_threads : NULL;
        check_sgemm(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, 1.0f, 0.0f, ex, 0);
        check_sgemm(shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, 0.5f, -2.0f, ex,
                    t == 0);
      }
}

Test(sgemm, bert_shape) {
  check_sgemm(128, 768, 768, 0, 0, 1.0f, 0.0f, &two_threads, 0);
  check_sgemm(128, 768, 768, 0, 1, 1.0f, 1.0f, NULL, 1);
}

/* ---- one node through infer, lower and its native kernel ---- */

typedef struct tin {
  hy_dtype dt;
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
  const void *data; /* NULL: an omitted optional input */
} tin;

static ir_attr attr_int(const char *name, int64_t v) {
  return (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}
static ir_attr attr_float(const char *name, float v) {
  return (ir_attr){.name = name, .kind = IR_ATTR_FLOAT, .f = v};
}
static ir_attr attr_str(const char *name, const char *s) {
  return (ir_attr){.name = name, .kind = IR_ATTR_STRING, .s = s, .s_len = strlen(s)};
}
static ir_attr attr_ints(const char *name, int64_t *v, int32_t n) {
  return (ir_attr){.name = name, .kind = IR_ATTR_INTS, .ints = v, .n = n};
}

/* Runs op on ins; out (caller's, large enough) gets the result and *ot its type. The node's
 * error message, if any, goes to msg. Bit i of runtime makes input i a run-time value rather
 * than a constant; *packed tells whether the lowering pre-packed input 1. */
static hy_status run_node_p(ir_op op, int32_t opset, const tin *ins, int32_t n_in,
                            ir_attr *attrs, int32_t n_attrs, const hy_exec *ex, void *out,
                            ir_type *ot, char *msg, uint32_t runtime, bool *packed) {
  arena a;
  diag d;
  arena_init(&a);
  diag_init(&d);
  ir_graph *g = ir_graph_new(&a, &d, "test.onnx");
  ir_node *n = ir_node_new(g, op, NULL, "n0", n_in, 1);
  n->opset = opset;
  n->attrs = attrs;
  n->n_attrs = n_attrs;
  for (int32_t i = 0; i < n_in; i++)
    if (ins[i].data)
      ir_node_set_input(g, n, i, ir_const_new(g, "in", ins[i].dt, ins[i].rank, ins[i].dims,
                                              (runtime >> i) & 1 ? NULL : ins[i].data));
  ir_node_set_output(g, n, 0, ir_value_new(g, "y"));
  const ir_op_info *info = ir_op_get(op);
  ir_lowered l;
  memset(&l, 0, sizeof l);
  hy_status s = info->infer(g, n);
  if (s == HY_OK) s = pass_layout(g); /* packs a constant B for a run-time A */
  if (s == HY_OK) s = info->lower(g, n, &l);
  if (s == HY_OK) {
    hy_tdesc td[4], od;
    const void *ptrs[4];
    for (int32_t i = 0; i < n_in; i++) { /* the lowering may have replaced a constant input */
      const ir_value *v = n->in[i];
      td[i] = (hy_tdesc){.dtype = v ? v->type.dtype : 0, .rank = v ? v->type.rank : 0};
      if (v) memcpy(td[i].dims, v->type.dims, sizeof td[i].dims);
      ptrs[i] = v ? (v->data ? v->data : ins[i].data) : NULL;
    }
    if (packed) *packed = n->in[1] && n->in[1]->layout == IR_LAYOUT_GEMM_PACKED_B;
    *ot = n->out[0]->type;
    od = (hy_tdesc){.dtype = ot->dtype, .rank = ot->rank};
    memcpy(od.dims, ot->dims, sizeof od.dims);
    hy_kparams p = {n_in, 1, l.n_ints, l.n_floats, td, &od, l.ints, l.floats};
    void *scratch = l.scratch_bytes ? malloc((size_t)l.scratch_bytes) : NULL;
    void *outs[1] = {out};
    s = hy_kernel_table[l.kernel](&p, ptrs, outs, scratch, ex);
    free(scratch);
  }
  if (msg) snprintf(msg, 512, "%.500s", d.msg);
  arena_free(&a);
  return s;
}

static hy_status run_node(ir_op op, int32_t opset, const tin *ins, int32_t n_in, ir_attr *attrs,
                          int32_t n_attrs, const hy_exec *ex, void *out, ir_type *ot,
                          char *msg) {
  return run_node_p(op, opset, ins, n_in, attrs, n_attrs, ex, out, ot, msg, 0, NULL);
}

/* ---- MatMul ---- */

/* Naive numpy matmul in double over float inputs (with 1-D promotion and batch broadcast). */
static void ref_matmul(const tin *a, const tin *b, const ir_type *o, double *ref) {
  int32_t ra = a->rank, rb = b->rank;
  int64_t M = ra >= 2 ? a->dims[ra - 2] : 1, K = a->dims[ra - 1];
  int64_t N = rb >= 2 ? b->dims[rb - 1] : 1;
  int32_t br = o->rank - (ra >= 2) - (rb >= 2);
  int64_t batches = 1;
  for (int32_t d = 0; d < br; d++) batches *= o->dims[d];
  const float *A = a->data, *B = b->data;
  for (int64_t bi = 0; bi < batches; bi++) {
    int64_t oa = 0, ob = 0, rest = bi, sa = M * K, sb = K * N;
    for (int32_t d = br - 1; d >= 0; d--) {
      int64_t i = rest % o->dims[d];
      rest /= o->dims[d];
      int32_t ia = d - (br - (ra - 2)), ib = d - (br - (rb - 2));
      int64_t da = ra > 2 && ia >= 0 ? a->dims[ia] : 1, db = rb > 2 && ib >= 0 ? b->dims[ib] : 1;
      oa += (da == 1 ? 0 : i) * sa;
      ob += (db == 1 ? 0 : i) * sb;
      sa *= da;
      sb *= db;
    }
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        double s = 0;
        for (int64_t k = 0; k < K; k++) s += (double)A[oa + i * K + k] * B[ob + k * N + j];
        ref[(bi * M + i) * N + j] = s;
      }
  }
}

static void check_matmul(int32_t ra, const int64_t *da, int32_t rb, const int64_t *db,
                         int32_t ro, const int64_t *dout, const hy_exec *ex) {
  tin in[2] = {{HY_DTYPE_FLOAT, ra, {0}, NULL}, {HY_DTYPE_FLOAT, rb, {0}, NULL}};
  int64_t na = 1, nb = 1, no = 1;
  for (int32_t i = 0; i < ra; i++) na *= (in[0].dims[i] = da[i]);
  for (int32_t i = 0; i < rb; i++) nb *= (in[1].dims[i] = db[i]);
  for (int32_t i = 0; i < ro; i++) no *= dout[i];
  float *A = frand_buf(na), *B = frand_buf(nb), *Y = malloc(sizeof(float) * (size_t)no);
  double *ref = malloc(sizeof(double) * (size_t)no);
  in[0].data = A, in[1].data = B;
  ir_type ot;
  char msg[512];
  cr_assert_eq(run_node(OP_MatMul, 13, in, 2, NULL, 0, ex, Y, &ot, msg), HY_OK, "%s", msg);
  cr_assert_eq(ot.rank, ro);
  for (int32_t i = 0; i < ro; i++) cr_assert_eq(ot.dims[i], dout[i], "output dim %d", i);
  ref_matmul(&in[0], &in[1], &ot, ref);
  expect_close(Y, ref, no, da[ra - 1], "matmul");
  free(A), free(B), free(Y), free(ref);
}

Test(matmul, shapes_and_broadcasting) {
  for (int threads = 0; threads < 2; threads++) {
    const hy_exec *ex = threads ? &two_threads : NULL;
    check_matmul(2, (int64_t[]){7, 13}, 2, (int64_t[]){13, 5}, 2, (int64_t[]){7, 5}, ex);
    check_matmul(4, (int64_t[]){2, 1, 3, 4}, 3, (int64_t[]){3, 4, 5}, 4,
                 (int64_t[]){2, 3, 3, 5}, ex);
    check_matmul(3, (int64_t[]){2, 3, 40}, 2, (int64_t[]){40, 50}, 3, (int64_t[]){2, 3, 50}, ex);
    check_matmul(2, (int64_t[]){3, 4}, 3, (int64_t[]){6, 4, 70}, 3, (int64_t[]){6, 3, 70}, ex);
    check_matmul(1, (int64_t[]){4}, 2, (int64_t[]){4, 3}, 1, (int64_t[]){3}, ex);
    check_matmul(2, (int64_t[]){3, 4}, 1, (int64_t[]){4}, 1, (int64_t[]){3}, ex);
    check_matmul(1, (int64_t[]){4}, 1, (int64_t[]){4}, 0, NULL, ex);
    check_matmul(1, (int64_t[]){4}, 3, (int64_t[]){2, 4, 3}, 2, (int64_t[]){2, 3}, ex);
    check_matmul(4, (int64_t[]){1, 12, 33, 64}, 4, (int64_t[]){1, 12, 64, 33}, 4,
                 (int64_t[]){1, 12, 33, 33}, ex);
  }
}

Test(matmul, rejects_bad_shapes) {
  float z[64] = {0};
  tin in[2] = {{HY_DTYPE_FLOAT, 2, {3, 4}, z}, {HY_DTYPE_FLOAT, 2, {5, 2}, z}};
  ir_type ot;
  char msg[512];
  cr_assert_eq(run_node(OP_MatMul, 13, in, 2, NULL, 0, NULL, z, &ot, msg), HY_ERR_SHAPE);
  cr_assert(strstr(msg, "inner dimensions"), "%s", msg);
  tin bc[2] = {{HY_DTYPE_FLOAT, 3, {2, 1, 2}, z}, {HY_DTYPE_FLOAT, 3, {3, 2, 1}, z}};
  cr_assert_eq(run_node(OP_MatMul, 13, bc, 2, NULL, 0, NULL, z, &ot, msg), HY_ERR_SHAPE);
}

/* Non-float dtypes: exact integer results (int32 wraps like numpy), double and float16. */
#define CHECK_MATMUL_INT(T, DT)                                                                    \
  do {                                                                                             \
    T A[6] = {(T)1, (T)2, (T)3, (T)4, (T)5, (T)6}, B[6] = {(T)7, (T)8, (T)9, (T)10, (T)11, (T)12};\
    T Y[4], want[4] = {(T)58, (T)64, (T)139, (T)154};                                              \
    tin in[2] = {{DT, 2, {2, 3}, A}, {DT, 2, {3, 2}, B}};                                          \
    ir_type ot;                                                                                    \
    cr_assert_eq(run_node(OP_MatMul, 13, in, 2, NULL, 0, NULL, Y, &ot, NULL), HY_OK);             \
    cr_assert_eq(ot.dtype, DT);                                                                    \
    for (int i = 0; i < 4; i++) cr_assert_eq(Y[i], want[i], #T " element %d", i);                  \
  } while (0)

Test(matmul, other_dtypes) {
  CHECK_MATMUL_INT(int32_t, HY_DTYPE_INT32);
  CHECK_MATMUL_INT(int64_t, HY_DTYPE_INT64);
  CHECK_MATMUL_INT(uint32_t, HY_DTYPE_UINT32);
  CHECK_MATMUL_INT(uint64_t, HY_DTYPE_UINT64);
  CHECK_MATMUL_INT(double, HY_DTYPE_DOUBLE);
  int32_t big[2] = {65536, 65536}, one[2] = {65536, 1}, y;
  tin wrap[2] = {{HY_DTYPE_INT32, 1, {2}, big}, {HY_DTYPE_INT32, 1, {2}, one}};
  ir_type ot;
  cr_assert_eq(run_node(OP_MatMul, 13, wrap, 2, NULL, 0, NULL, &y, &ot, NULL), HY_OK);
  cr_assert_eq(y, 65536, "65536*65536 + 65536 wraps to 65536 in int32");
  uint16_t ha[2] = {0x3c00, 0x4000}, hb[2] = {0x4200, 0x3800}, hy; /* [1,2].[3,0.5] = 4 */
  tin h[2] = {{HY_DTYPE_FLOAT16, 1, {2}, ha}, {HY_DTYPE_FLOAT16, 1, {2}, hb}};
  cr_assert_eq(run_node(OP_MatMul, 13, h, 2, NULL, 0, NULL, &hy, &ot, NULL), HY_OK);
  cr_assert_eq(hy, 0x4400, "float16 result 0x%04x", hy);
  /* bfloat16 accumulates in float and rounds once: 1*1 + 2^-8*1 + 2^-8*1 = 1 + 2^-7 exactly,
   * where bfloat16 steps would have lost each 2^-8 (a tie going to the even 1) */
  uint16_t ba[3] = {0x3f80, 0x3b80, 0x3b80}, bb[3] = {0x3f80, 0x3f80, 0x3f80}, by;
  tin bf[2] = {{HY_DTYPE_BFLOAT16, 1, {3}, ba}, {HY_DTYPE_BFLOAT16, 1, {3}, bb}};
  cr_assert_eq(run_node(OP_MatMul, 13, bf, 2, NULL, 0, NULL, &by, &ot, NULL), HY_OK);
  cr_assert_eq(ot.dtype, HY_DTYPE_BFLOAT16);
  cr_assert_eq(by, 0x3f81, "bfloat16 result 0x%04x", by);
}

/* ---- Gemm ---- */

static void check_gemm(int64_t M, int64_t K, int64_t N, int ta, int tb, float alpha, float beta,
                       int32_t crank, const int64_t *cdims, int32_t opset) {
  float *A = frand_buf(M * K), *B = frand_buf(K * N), *C = frand_buf(M * N);
  float *Y = malloc(sizeof(float) * (size_t)(M * N));
  double *ref = malloc(sizeof(double) * (size_t)(M * N));
  tin in[3] = {{HY_DTYPE_FLOAT, 2, {ta ? K : M, ta ? M : K}, A},
               {HY_DTYPE_FLOAT, 2, {tb ? N : K, tb ? K : N}, B},
               {HY_DTYPE_FLOAT, crank, {0}, crank >= 0 ? C : NULL}};
  int64_t cm = crank == 2 ? cdims[0] : 1, cn = crank >= 1 ? cdims[crank - 1] : 1;
  for (int32_t i = 0; i < crank; i++) in[2].dims[i] = cdims[i];
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t k = 0; k < K; k++)
        s += (double)A[ta ? k * M + i : i * K + k] * B[tb ? j * K + k : k * N + j];
      double c = crank >= 0 ? C[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)] : 0.0;
      ref[i * N + j] = alpha * s + beta * c;
    }
  ir_attr at[4] = {attr_int("transA", ta), attr_int("transB", tb), attr_float("alpha", alpha),
                   attr_float("beta", beta)};
  ir_type ot;
  char msg[512];
  cr_assert_eq(run_node(OP_Gemm, opset, in, crank >= 0 ? 3 : 2, at, 4, &two_threads, Y, &ot, msg),
               HY_OK, "%s", msg);
  cr_assert(ot.rank == 2 && ot.dims[0] == M && ot.dims[1] == N);
  expect_close(Y, ref, M * N, K, "gemm");
  free(A), free(B), free(C), free(Y), free(ref);
}

Test(gemm, attributes_and_c_broadcast) {
  for (int t = 0; t < 4; t++) {
    check_gemm(7, 13, 5, t & 1, t >> 1, 1.0f, 1.0f, 2, (int64_t[]){7, 5}, 13);
    check_gemm(7, 13, 5, t & 1, t >> 1, 0.25f, 0.5f, 1, (int64_t[]){5}, 13);
    check_gemm(7, 13, 5, t & 1, t >> 1, 2.0f, -1.0f, 2, (int64_t[]){7, 1}, 13);
    check_gemm(7, 13, 5, t & 1, t >> 1, 1.0f, 3.0f, 0, NULL, 13);
    check_gemm(7, 13, 5, t & 1, t >> 1, 1.0f, 1.0f, 2, (int64_t[]){1, 5}, 9);
    check_gemm(70, 300, 90, t & 1, t >> 1, 1.5f, 1.0f, -1, NULL, 13);
  }
  check_gemm(128, 768, 768, 0, 1, 1.0f, 1.0f, 1, (int64_t[]){768}, 13);
}

Test(gemm, c_required_before_opset_11_and_must_broadcast) {
  float z[64] = {0};
  tin in[3] = {{HY_DTYPE_FLOAT, 2, {3, 4}, z}, {HY_DTYPE_FLOAT, 2, {4, 2}, z},
               {HY_DTYPE_FLOAT, 1, {3}, z}};
  ir_type ot;
  char msg[512];
  cr_assert_eq(run_node(OP_Gemm, 9, in, 2, NULL, 0, NULL, z, &ot, msg), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(msg, "opset 11"), "%s", msg);
  cr_assert_eq(run_node(OP_Gemm, 13, in, 3, NULL, 0, NULL, z, &ot, msg), HY_ERR_SHAPE);
  ir_attr bad = attr_int("transA", 2);
  cr_assert_eq(run_node(OP_Gemm, 13, in, 2, &bad, 1, NULL, z, &ot, msg), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(msg, "attribute 'transA'"), "%s", msg);
}

/* ---- Conv ---- */

typedef struct conv_case {
  int32_t nsp;
  int64_t n, c, m, group;
  int64_t in[3], k[3], st[3], dl[3], pads[6];
  const char *auto_pad; /* NULL: pads */
  int bias;
  int64_t want_out[3];
} conv_case;

/* Direct convolution in double, the pads already resolved to begin/end. */
static void ref_conv(const conv_case *cc, const int64_t *pb, const float *X, const float *W,
                     const float *B, double *Y) {
  int64_t isz = 1, osz = 1, kvol = 1, cg = cc->c / cc->group, mg = cc->m / cc->group;
  for (int32_t d = 0; d < cc->nsp; d++)
    isz *= cc->in[d], osz *= cc->want_out[d], kvol *= cc->k[d];
  for (int64_t n = 0; n < cc->n; n++)
    for (int64_t m = 0; m < cc->m; m++)
      for (int64_t o = 0; o < osz; o++) {
        double s = B ? B[m] : 0.0;
        int64_t g = m / mg;
        for (int64_t c = 0; c < cg; c++)
          for (int64_t kk = 0; kk < kvol; kk++) {
            int64_t off = 0, orest = o, krest = kk, ostr = osz, kstr = kvol;
            bool inside = true;
            for (int32_t d = 0; d < cc->nsp; d++) {
              ostr /= cc->want_out[d], kstr /= cc->k[d];
              int64_t od = orest / ostr, kd = krest / kstr;
              orest %= ostr, krest %= kstr;
              int64_t i = od * cc->st[d] - pb[d] + kd * cc->dl[d];
              inside = inside && i >= 0 && i < cc->in[d];
              off = off * cc->in[d] + i;
            }
            if (inside)
              s += (double)X[(n * cc->c + g * cg + c) * isz + off] * W[(m * cg + c) * kvol + kk];
          }
        Y[(n * cc->m + m) * osz + o] = s;
      }
}

static void check_conv(const conv_case *cc, const int64_t *pb) {
  int32_t nsp = cc->nsp;
  int64_t isz = 1, osz = 1, kvol = 1, cg = cc->c / cc->group;
  for (int32_t d = 0; d < nsp; d++) isz *= cc->in[d], osz *= cc->want_out[d], kvol *= cc->k[d];
  float *X = frand_buf(cc->n * cc->c * isz), *W = frand_buf(cc->m * cg * kvol);
  float *Bv = frand_buf(cc->m), *Y = malloc(sizeof(float) * (size_t)(cc->n * cc->m * osz));
  double *ref = malloc(sizeof(double) * (size_t)(cc->n * cc->m * osz));
  tin in[3] = {{HY_DTYPE_FLOAT, nsp + 2, {cc->n, cc->c}, X},
               {HY_DTYPE_FLOAT, nsp + 2, {cc->m, cg}, W},
               {HY_DTYPE_FLOAT, 1, {cc->m}, Bv}};
  for (int32_t d = 0; d < nsp; d++) in[0].dims[2 + d] = cc->in[d], in[1].dims[2 + d] = cc->k[d];
  int64_t st[3], dl[3], pads[6];
  memcpy(st, cc->st, sizeof st), memcpy(dl, cc->dl, sizeof dl), memcpy(pads, cc->pads, sizeof pads);
  ir_attr at[5] = {attr_ints("strides", st, nsp), attr_ints("dilations", dl, nsp),
                   attr_int("group", cc->group),
                   cc->auto_pad ? attr_str("auto_pad", cc->auto_pad) : attr_ints("pads", pads, 2 * nsp),
                   attr_ints("kernel_shape", in[1].dims + 2, nsp)};
  ir_type ot;
  char msg[512];
  cr_assert_eq(run_node(OP_Conv, 11, in, cc->bias ? 3 : 2, at, 5, &two_threads, Y, &ot, msg),
               HY_OK, "%s", msg);
  cr_assert_eq(ot.rank, nsp + 2);
  for (int32_t d = 0; d < nsp; d++)
    cr_assert_eq(ot.dims[2 + d], cc->want_out[d], "spatial dim %d is %lld", d,
                 (long long)ot.dims[2 + d]);
  ref_conv(cc, pb, X, W, cc->bias ? Bv : NULL, ref);
  expect_close(Y, ref, cc->n * cc->m * osz, cg * kvol, "conv");
  free(X), free(W), free(Bv), free(Y), free(ref);
}

Test(conv, pads_strides_dilations_groups) {
  /* nsp, n, c, m, group, in, k, strides, dilations, pads, auto_pad, bias, expected out */
  conv_case cases[] = {
      {2, 1, 1, 1, 1, {5, 5}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 0, {5, 5}},
      {2, 2, 4, 6, 2, {7, 9}, {3, 2}, {2, 1}, {1, 2}, {1, 0, 2, 1}, NULL, 1, {4, 8}},
      {2, 1, 3, 5, 1, {8, 8}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, NULL, 1, {8, 8}},
      {2, 1, 6, 6, 6, {6, 5}, {3, 3}, {1, 2}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {6, 3}},
      {1, 2, 3, 4, 1, {11}, {4}, {3}, {2}, {2, 1}, NULL, 1, {3}},
      {3, 1, 2, 3, 1, {4, 5, 6}, {2, 3, 3}, {1, 2, 1}, {1, 1, 2}, {0, 1, 1, 1, 0, 1}, NULL, 1,
       {4, 2, 4}},
      {2, 1, 16, 32, 1, {20, 20}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL, 1, {20, 20}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_conv(&cases[i], cases[i].pads);
}

Test(conv, auto_pad) {
  /* in 7, k 3, stride 2: SAME output 4, total pad 2 (1 + 1); in 6: total pad 1 */
  conv_case up = {2, 1, 2, 3, 1, {7, 6}, {3, 3}, {2, 2}, {1, 1}, {0}, "SAME_UPPER", 1, {4, 3}};
  check_conv(&up, (int64_t[]){1, 0});
  conv_case lo = up;
  lo.auto_pad = "SAME_LOWER";
  check_conv(&lo, (int64_t[]){1, 1});
  conv_case valid = up;
  valid.auto_pad = "VALID";
  valid.want_out[0] = 3, valid.want_out[1] = 2;
  check_conv(&valid, (int64_t[]){0, 0});
}

Test(conv, rejects_bad_models) {
  float z[256] = {0};
  tin in[2] = {{HY_DTYPE_FLOAT, 4, {1, 4, 5, 5}, z}, {HY_DTYPE_FLOAT, 4, {2, 3, 3, 3}, z}};
  ir_type ot;
  char msg[512];
  cr_assert_eq(run_node(OP_Conv, 11, in, 2, NULL, 0, NULL, z, &ot, msg), HY_ERR_SHAPE);
  in[1].dims[1] = 2;
  int64_t strides[2] = {1, 0};
  ir_attr at[2] = {attr_int("group", 2), attr_ints("strides", strides, 2)};
  cr_assert_eq(run_node(OP_Conv, 11, in, 2, at, 2, NULL, z, &ot, msg), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(msg, "attribute 'strides'"), "%s", msg);
  ir_attr ap[2] = {attr_int("group", 2), attr_str("auto_pad", "SAME")};
  cr_assert_eq(run_node(OP_Conv, 11, in, 2, ap, 2, NULL, z, &ot, msg), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(msg, "attribute 'auto_pad'"), "%s", msg);
}

/* A constant float B is pre-packed at compile time when A is a run-time input. */
Test(prepack, matmul_and_gemm_with_constant_weights) {
  static const int64_t mkn[][3] = {{7, 13, 5}, {130, 300, 70}, {1, 768, 40}};
  for (int c = 0; c < 3; c++) {
    int64_t M = mkn[c][0], K = mkn[c][1], N = mkn[c][2];
    float *A = frand_buf(3 * M * K), *B = frand_buf(K * N), *C = frand_buf(N);
    float *Y = malloc(sizeof(float) * (size_t)(3 * M * N));
    double *ref = malloc(sizeof(double) * (size_t)(3 * M * N));
    ir_type ot;
    char msg[512];
    bool packed = false;
    /* MatMul [3, M, K] x [K, N] */
    tin mm[2] = {{HY_DTYPE_FLOAT, 3, {3, M, K}, A}, {HY_DTYPE_FLOAT, 2, {K, N}, B}};
    cr_assert_eq(run_node_p(OP_MatMul, 13, mm, 2, NULL, 0, &two_threads, Y, &ot, msg, 1, &packed),
                 HY_OK, "%s", msg);
    cr_assert(packed, "MatMul's constant B was not pre-packed");
    ref_matmul(&mm[0], &mm[1], &ot, ref);
    expect_close(Y, ref, 3 * M * N, K, "prepacked matmul");
    /* Gemm with transB: B given as [N, K] */
    tin gm[3] = {{HY_DTYPE_FLOAT, 2, {M, K}, A}, {HY_DTYPE_FLOAT, 2, {N, K}, B},
                 {HY_DTYPE_FLOAT, 1, {N}, C}};
    ir_attr at[3] = {attr_int("transB", 1), attr_float("alpha", 0.5f), attr_float("beta", 2.0f)};
    packed = false;
    cr_assert_eq(run_node_p(OP_Gemm, 13, gm, 3, at, 3, NULL, Y, &ot, msg, 1, &packed), HY_OK, "%s",
                 msg);
    cr_assert(packed, "Gemm's constant B was not pre-packed");
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) {
        double sum = 0;
        for (int64_t k = 0; k < K; k++) sum += (double)A[i * K + k] * B[j * K + k];
        ref[i * N + j] = 0.5 * sum + 2.0 * C[j];
      }
    expect_close(Y, ref, M * N, K, "prepacked gemm");
    free(A), free(B), free(C), free(Y), free(ref);
  }
}
