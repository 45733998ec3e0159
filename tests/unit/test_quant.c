/* quant family: the integer GEMM against naive loops (operand types, zero points per tensor, row
 * and column, blocks of k, threads), then each op built as a node, run through its infer and
 * lower hooks and its native kernel and compared with the ONNX formulas: QuantizeLinear's
 * rounding and saturation at every granularity, DequantizeLinear, DynamicQuantizeLinear,
 * MatMulInteger, QLinearMatMul, ConvInteger (padding contributes the zero point), QLinearConv;
 * plus the refusals (types Hydra lacks, shapes, conflicting attributes). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/src/kernels/dtype_convert.h"
#include "../../runtime/src/kernels/kernel_util.h"
#include "graph_fixture.h"
#include "hydra/qgemm.h"
#include "two_threads.h"

static void setup(void) { graph_fixture_open("q.onnx", 0); }
TestSuite(quant, .init = setup, .fini = graph_fixture_close);

static uint32_t seed = 777;
static int32_t irand(int32_t lo, int32_t hi) { /* uniform in [lo, hi] */
  seed = seed * 1664525u + 1013904223u;
  return lo + (int32_t)((seed >> 8) % (uint32_t)(hi - lo + 1));
}


/* ---- the integer GEMM ---- */

static int32_t ld8(int32_t dt, const void *p, int64_t i) {
  if (dt == HY_DTYPE_UINT8) return ((const uint8_t *)p)[i];
  if (dt == HY_DTYPE_INT8) return ((const int8_t *)p)[i];
  return ((const int16_t *)p)[i];
}

static void *rand_q(int32_t dt, int64_t n) {
  size_t es = dt == HY_DTYPE_INT16 ? 2 : 1;
  char *p = malloc(es * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) {
    if (dt == HY_DTYPE_UINT8) ((uint8_t *)p)[i] = (uint8_t)irand(0, 255);
    else if (dt == HY_DTYPE_INT8) ((int8_t *)p)[i] = (int8_t)irand(-128, 127);
    else ((int16_t *)p)[i] = (int16_t)irand(-255, 255);
  }
  return p;
}

static void check_qgemm(int64_t M, int64_t N, int64_t K, int32_t at, int32_t bt, int zmode,
                        const hy_exec *ex) {
  void *qa = rand_q(at, M * K), *qb = rand_q(bt, K * N);
  void *za = zmode ? rand_q(at, M) : NULL;
  void *zb = zmode && bt != HY_DTYPE_INT16 ? rand_q(bt, N) : NULL;
  int64_t pa = zmode == 2 ? M : 0, pb = zmode == 2 ? N : 0;
  int32_t *C = malloc(sizeof(int32_t) * (size_t)(M * N + 1));
  hy_qgemm_args q = {.M = M, .N = N, .K = K, .a_type = at, .b_type = bt, .A = qa, .lda = K,
                     .B = qb, .ldb = N, .za = za, .zb = zb, .za_period = pa, .zb_period = pb,
                     .C = C, .ldc = N};
  void *scratch = malloc(hy_qgemm_scratch_bytes(M, N, K, 4) + 1);
  hy_qgemm(&q, scratch, 4, ex);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      int32_t a0 = za ? ld8(at, za, pa ? i : 0) : 0, b0 = zb ? ld8(bt, zb, pb ? j : 0) : 0;
      int64_t s = 0;
      for (int64_t k = 0; k < K; k++)
        s += (int64_t)(ld8(at, qa, i * K + k) - a0) * (ld8(bt, qb, k * N + j) - b0);
      cr_assert_eq(C[i * N + j], (int32_t)s,
                   "qgemm %lldx%lldx%lld types %d/%d zmode %d: C[%lld,%lld] = %d, expected %lld",
                   (long long)M, (long long)N, (long long)K, at, bt, zmode, (long long)i,
                   (long long)j, C[i * N + j], (long long)s);
    }
  free(qa), free(qb), free(za), free(zb), free(C), free(scratch);
}

Test(quant, qgemm_against_naive_loops) {
  static const int64_t shapes[][3] = {{1, 1, 1},   {7, 5, 13},   {9, 33, 1},  {17, 65, 257},
                                      {130, 40, 3}, {8, 32, 512}, {3, 4, 0},   {33, 70, 301}};
  static const int32_t types[][2] = {{HY_DTYPE_UINT8, HY_DTYPE_INT8},
                                     {HY_DTYPE_UINT8, HY_DTYPE_UINT8},
                                     {HY_DTYPE_INT8, HY_DTYPE_INT8},
                                     {HY_DTYPE_INT8, HY_DTYPE_INT16}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (size_t t = 0; t < 4; t++)
      for (int z = 0; z < 3; z++)
        check_qgemm(shapes[s][0], shapes[s][1], shapes[s][2], types[t][0], types[t][1], z,
                    z == 1 ? &two_threads : NULL);
}

Test(quant, qgemm_threads_large) {
  check_qgemm(128, 768, 300, HY_DTYPE_UINT8, HY_DTYPE_INT8, 1, &two_threads);
  check_qgemm(300, 40, 600, HY_DTYPE_INT8, HY_DTYPE_UINT8, 2, &two_threads);
}

/* ---- nodes ---- */

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}

static ir_node *node(const char *op, int version, ir_value **in, int32_t n_in, int32_t n_out) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, "n1", n_in, n_out);
  cr_assert(n->op != OP_UNKNOWN, "op %s is in the table", op);
  n->opset = n->version = version;
  for (int32_t i = 0; i < n_in; i++)
    if (in[i]) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++) ir_node_set_output(G, n, i, ir_value_new(G, "y"));
  n->attrs = arena_array(&A, 8, sizeof *n->attrs);
  return n;
}

static void attr_i(ir_node *n, const char *name, int64_t v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}
static void attr_ints(ir_node *n, const char *name, const int64_t *v, int32_t cnt) {
  int64_t *copy = arena_array(&A, (size_t)cnt + 1, sizeof *copy);
  memcpy(copy, v, (size_t)cnt * sizeof *v);
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INTS, .ints = copy, .n = cnt};
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

static void run_ex(ir_node *n, const void *const *in, void *const *out, const hy_exec *ex) {
  cr_assert_eq(infer(n), HY_OK, "infer: %s", D.msg);
  ir_lowered l;
  memset(&l, 0, sizeof l);
  cr_assert_eq(ir_op_get(n->op)->lower(G, n, &l), HY_OK, "lower: %s", D.msg);
  hy_tdesc ti[10], to[3];
  for (int32_t i = 0; i < n->n_in; i++) ti[i] = graph_fixture_tdesc(n->in[i]);
  for (int32_t i = 0; i < n->n_out; i++) to[i] = graph_fixture_tdesc(n->out[i]);
  hy_kparams p = {n->n_in, n->n_out, l.n_ints, l.n_floats, ti, to, l.ints, l.floats};
  void *scratch = l.scratch_bytes ? malloc((size_t)l.scratch_bytes) : NULL;
  cr_assert_eq(hy_kernel_table[l.kernel](&p, in, out, scratch, ex), HY_OK);
  free(scratch);
}
static void run(ir_node *n, const void *const *in, void *const *out) {
  run_ex(n, in, out, NULL);
}

/* The first diagnostic wins: each expectation starts from a clear one. */
static void expect_status(ir_node *n, hy_status want, const char *needle) {
  diag_init(&D);
  hy_status s = infer(n);
  cr_assert_eq(s, want, "status %s, expected %s: %s", hy_status_name(s), hy_status_name(want),
               D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' lacks '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "q.onnx: node 'n1'"), "message names file and node: %s", D.msg);
}

/* ---- QuantizeLinear ---- */

Test(quant, quantize_rounds_half_to_even_and_saturates) {
  float x[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f, 1000.0f, -1000.0f, 254.5f};
  float sc = 1.0f;
  for (int t = 0; t < 2; t++) {
    int8_t zp_i8 = -3;
    uint8_t zp_u8 = 3;
    ir_value *in[3] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){10}), val(HY_DTYPE_FLOAT, 0, NULL),
                       val(t ? HY_DTYPE_INT8 : HY_DTYPE_UINT8, 0, NULL)};
    ir_node *n = node("QuantizeLinear", 25, in, 3, 1);
    uint8_t y[10];
    run(n, (const void *[]){x, &sc, t ? (const void *)&zp_i8 : &zp_u8}, (void *[]){y});
    cr_assert_eq(n->out[0]->type.dtype, t ? HY_DTYPE_INT8 : HY_DTYPE_UINT8);
    static const int32_t want_u8[] = {3, 5, 5, 3, 1, 1, 6, 255, 0, 255};
    static const int32_t want_i8[] = {-3, -1, -1, -3, -5, -5, 0, 127, -128, 127};
    for (int i = 0; i < 10; i++) {
      int32_t got = t ? (int32_t)(int8_t)y[i] : (int32_t)y[i];
      cr_assert_eq(got, t ? want_i8[i] : want_u8[i], "type %d x[%d] = %g: got %d", t, i, x[i],
                   got);
    }
  }
}

Test(quant, quantize_without_zero_point_is_uint8_or_output_dtype) {
  float x[] = {-1.0f, 70000.0f, 2.0f, -40000.0f}, sc = 2.0f;
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){4}),
                     val(HY_DTYPE_FLOAT, 1, (int64_t[]){1})};
  ir_node *n = node("QuantizeLinear", 13, in, 2, 1);
  uint8_t y8[4];
  run(n, (const void *[]){x, &sc}, (void *[]){y8});
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_UINT8);
  cr_assert(y8[0] == 0 && y8[1] == 255 && y8[2] == 1 && y8[3] == 0);
  ir_node *m = node("QuantizeLinear", 21, in, 2, 1);
  attr_i(m, "output_dtype", HY_DTYPE_INT16);
  int16_t y16[4];
  run(m, (const void *[]){x, &sc}, (void *[]){y16});
  cr_assert_eq(m->out[0]->type.dtype, HY_DTYPE_INT16);
  cr_assert(y16[0] == 0 && y16[1] == 32767 && y16[2] == 1 && y16[3] == -20000, "%d %d %d %d",
            y16[0], y16[1], y16[2], y16[3]);
}

Test(quant, quantize_per_axis_and_blocked) {
  /* x [2, 3, 4]; per-axis on axis 1, blocked with block 3 on axis 2 */
  float x[24];
  for (int i = 0; i < 24; i++) x[i] = (float)(i * 7 % 23) - 11.0f;
  float sc_axis[3] = {0.5f, 2.0f, 4.0f};
  uint8_t zp_axis[3] = {10, 128, 200};
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}),
                     val(HY_DTYPE_FLOAT, 1, (int64_t[]){3}),
                     val(HY_DTYPE_UINT8, 1, (int64_t[]){3})};
  ir_node *n = node("QuantizeLinear", 19, in, 3, 1);
  uint8_t y[24];
  run(n, (const void *[]){x, sc_axis, zp_axis}, (void *[]){y});
  for (int i = 0; i < 24; i++) {
    int c = (i / 4) % 3;
    float r = rintf(x[i] / sc_axis[c]) + zp_axis[c];
    int32_t want = (int32_t)fmaxf(0.0f, fminf(255.0f, r));
    cr_assert_eq(y[i], want, "per-axis element %d: %d, expected %d", i, y[i], want);
  }
  /* blocked: scale [2, 3, 2] (ceil(4 / 3) = 2 blocks along axis 2) */
  float sc_b[12];
  int8_t zp_b[12];
  for (int i = 0; i < 12; i++) sc_b[i] = 0.25f * (float)(i + 1), zp_b[i] = (int8_t)(i - 6);
  ir_value *bin[3] = {val(HY_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 4}),
                      val(HY_DTYPE_FLOAT, 3, (int64_t[]){2, 3, 2}),
                      val(HY_DTYPE_INT8, 3, (int64_t[]){2, 3, 2})};
  ir_node *b = node("QuantizeLinear", 21, bin, 3, 1);
  attr_i(b, "axis", -1);
  attr_i(b, "block_size", 3);
  int8_t yb[24];
  run(b, (const void *[]){x, sc_b, zp_b}, (void *[]){yb});
  for (int i = 0; i < 24; i++) {
    int row = i / 4, blk = (i % 4) / 3, q = row * 2 + blk;
    float r = rintf(x[i] / sc_b[q]) + zp_b[q];
    int32_t want = (int32_t)fmaxf(-128.0f, fminf(127.0f, r));
    cr_assert_eq(yb[i], want, "blocked element %d: %d, expected %d", i, yb[i], want);
  }
}

Test(quant, quantize_float16_divides_in_float16) {
  /* x 2049 is 2048 in float16; 2048 / 3 = 682.67 is 682.5 in float16 (spacing 0.5 there), which
   * rounds to even 682 where float division would give 683. 1001 / 2 = 500.5 rounds to 500. */
  uint16_t x[3] = {hy_k_f32_to_f16(1000.0f), hy_k_f32_to_f16(1001.0f), hy_k_f32_to_f16(2049.0f)};
  uint16_t zp = 0;
  uint16_t s3 = hy_k_f32_to_f16(3.0f), s2 = hy_k_f32_to_f16(2.0f);
  ir_value *in[3] = {val(HY_DTYPE_FLOAT16, 1, (int64_t[]){3}), val(HY_DTYPE_FLOAT16, 0, NULL),
                     val(HY_DTYPE_UINT16, 0, NULL)};
  ir_node *n = node("QuantizeLinear", 21, in, 3, 1);
  uint16_t y[3];
  run(n, (const void *[]){x, &s3, &zp}, (void *[]){y});
  cr_assert(y[0] == 333 && y[1] == 334 && y[2] == 682, "%u %u %u", y[0], y[1], y[2]);
  ir_node *m = node("QuantizeLinear", 21, in, 3, 1);
  run(m, (const void *[]){x, &s2, &zp}, (void *[]){y});
  cr_assert(y[0] == 500 && y[1] == 500 && y[2] == 1024, "%u %u %u", y[0], y[1], y[2]);
}

/* ---- DequantizeLinear ---- */

Test(quant, dequantize_per_tensor_axis_blocked_int32_float16) {
  uint8_t x[6] = {0, 3, 128, 255, 7, 100};
  float sc = 0.5f, sa[2] = {0.5f, 2.0f};
  uint8_t zp = 128, za[2] = {0, 100};
  ir_value *in[3] = {val(HY_DTYPE_UINT8, 2, (int64_t[]){2, 3}), val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_UINT8, 0, NULL)};
  float y[6];
  run(node("DequantizeLinear", 10, in, 3, 1), (const void *[]){x, &sc, &zp}, (void *[]){y});
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], (x[i] - 128) * 0.5f, "per-tensor %d", i);
  ir_value *ain[3] = {val(HY_DTYPE_UINT8, 2, (int64_t[]){2, 3}),
                      val(HY_DTYPE_FLOAT, 1, (int64_t[]){2}),
                      val(HY_DTYPE_UINT8, 1, (int64_t[]){2})};
  ir_node *a = node("DequantizeLinear", 13, ain, 3, 1);
  attr_i(a, "axis", 0);
  run(a, (const void *[]){x, sa, za}, (void *[]){y});
  for (int i = 0; i < 6; i++)
    cr_assert_eq(y[i], (float)(x[i] - za[i / 3]) * sa[i / 3], "per-axis %d", i);
  /* blocked along axis 1 with block 2: scale [2, 2] */
  float sb[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  ir_value *bin[2] = {val(HY_DTYPE_UINT8, 2, (int64_t[]){2, 3}),
                      val(HY_DTYPE_FLOAT, 2, (int64_t[]){2, 2})};
  ir_node *b = node("DequantizeLinear", 21, bin, 2, 1);
  attr_i(b, "block_size", 2);
  run(b, (const void *[]){x, sb}, (void *[]){y});
  for (int i = 0; i < 6; i++)
    cr_assert_eq(y[i], (float)x[i] * sb[(i / 3) * 2 + (i % 3) / 2], "blocked %d", i);
  /* int32 x (a bias) to float16 through output_dtype: 50000 is a tie in float16, to even 49984 */
  int32_t xi[3] = {-7, 100000, 3};
  ir_value *iin[2] = {val(HY_DTYPE_INT32, 1, (int64_t[]){3}), val(HY_DTYPE_FLOAT, 0, NULL)};
  ir_node *i32 = node("DequantizeLinear", 23, iin, 2, 1);
  attr_i(i32, "output_dtype", HY_DTYPE_FLOAT16);
  uint16_t yh[3];
  run(i32, (const void *[]){xi, &sc}, (void *[]){yh});
  cr_assert_eq(i32->out[0]->type.dtype, HY_DTYPE_FLOAT16);
  cr_assert(hy_k_f16_to_f32(yh[0]) == -3.5f && hy_k_f16_to_f32(yh[1]) == 49984.0f &&
                hy_k_f16_to_f32(yh[2]) == 1.5f,
            "%g %g %g", hy_k_f16_to_f32(yh[0]), hy_k_f16_to_f32(yh[1]), hy_k_f16_to_f32(yh[2]));
}

/* ---- DynamicQuantizeLinear ---- */

Test(quant, dynamic_quantize_matches_the_onnx_example) {
  float x[6] = {0.0f, 2.0f, -3.0f, -2.5f, 1.34f, 0.5f};
  ir_value *in[1] = {val(HY_DTYPE_FLOAT, 2, (int64_t[]){2, 3})};
  ir_node *n = node("DynamicQuantizeLinear", 11, in, 1, 3);
  uint8_t y[6], zp;
  float sc;
  run(n, (const void *[]){x}, (void *[]){y, &sc, &zp});
  cr_assert_eq(n->out[1]->type.rank, 0);
  cr_assert_eq(n->out[2]->type.dtype, HY_DTYPE_UINT8);
  cr_assert(fabsf(sc - 5.0f / 255.0f) < 1e-9f, "scale %.9g", sc);
  cr_assert_eq(zp, 153);
  static const uint8_t want[6] = {153, 255, 0, 26, 221, 179};
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], want[i], "y[%d] = %d", i, y[i]);
  /* all positive: the range still includes 0, so the zero point is 0 */
  float xp[3] = {1.0f, 2.0f, 5.1f};
  ir_value *pin[1] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){3})};
  run(node("DynamicQuantizeLinear", 11, pin, 1, 3), (const void *[]){xp}, (void *[]){y, &sc, &zp});
  cr_assert(zp == 0 && y[2] == 255 && y[0] == 50, "zp %d y %d %d", zp, y[0], y[2]);
}

Test(quant, dynamic_quantize_long_input_against_the_formula) {
  /* 37 values: the kernel's 16-wide min / max chunks and its tail */
  enum { LEN = 37 };
  float x[LEN];
  for (int i = 0; i < LEN; i++) x[i] = (float)irand(-4000, 9000) / 1000.0f;
  x[29] = -7.5f; /* the minimum sits in the tail */
  ir_value *in[1] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){LEN})};
  uint8_t y[LEN], zp;
  float sc, mn = 0.0f, mx = 0.0f;
  run(node("DynamicQuantizeLinear", 11, in, 1, 3), (const void *[]){x}, (void *[]){y, &sc, &zp});
  for (int i = 0; i < LEN; i++) mn = fminf(mn, x[i]), mx = fmaxf(mx, x[i]);
  float want_sc = (mx - mn) / 255.0f, want_zp = rintf(fmaxf(0.0f, fminf(255.0f, -mn / want_sc)));
  cr_assert_eq(sc, want_sc, "scale %.9g, expected %.9g", sc, want_sc);
  cr_assert_eq(zp, (uint8_t)want_zp);
  for (int i = 0; i < LEN; i++) {
    float r = fmaxf(0.0f, fminf(255.0f, rintf(x[i] / want_sc) + want_zp));
    cr_assert_eq(y[i], (uint8_t)r, "y[%d] = %d, expected %g", i, y[i], r);
  }
}

/* ---- MatMulInteger and QLinearMatMul ---- */

Test(quant, matmul_integer_batched_with_zero_points) {
  /* A [2, 3, 5] uint8 with per-row zero points [3], B [5, 4] int8 with per-column [4] */
  enum { BT = 2, M = 3, K = 5, N = 4 };
  uint8_t *a = rand_q(HY_DTYPE_UINT8, BT * M * K), za[M] = {1, 128, 255};
  int8_t *b = rand_q(HY_DTYPE_INT8, K * N), zb[N] = {-1, 0, 5, -128};
  ir_value *in[4] = {val(HY_DTYPE_UINT8, 3, (int64_t[]){BT, M, K}),
                     val(HY_DTYPE_INT8, 2, (int64_t[]){K, N}),
                     val(HY_DTYPE_UINT8, 1, (int64_t[]){M}),
                     val(HY_DTYPE_INT8, 1, (int64_t[]){N})};
  ir_node *n = node("MatMulInteger", 10, in, 4, 1);
  int32_t y[BT * M * N];
  run_ex(n, (const void *[]){a, b, za, zb}, (void *[]){y}, &two_threads);
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_INT32);
  cr_assert_eq(n->out[0]->type.rank, 3);
  for (int bi = 0; bi < BT; bi++)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) {
        int32_t s = 0;
        for (int k = 0; k < K; k++)
          s += (a[(bi * M + i) * K + k] - za[i]) * (b[k * N + j] - zb[j]);
        cr_assert_eq(y[(bi * M + i) * N + j], s, "y[%d,%d,%d]", bi, i, j);
      }
  free(a), free(b);
}

Test(quant, qlinear_matmul_requantizes) {
  enum { M = 4, K = 37, N = 5 };
  int8_t *a = rand_q(HY_DTYPE_INT8, M * K);
  uint8_t *b = rand_q(HY_DTYPE_UINT8, K * N);
  float sa = 0.02f, sb[N] = {0.01f, 0.02f, 0.005f, 0.03f, 0.015f}, sy = 0.9f;
  int8_t za = 3, zy = -10;
  uint8_t zb[N] = {128, 120, 130, 0, 255};
  ir_value *in[8] = {val(HY_DTYPE_INT8, 2, (int64_t[]){M, K}),
                     val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_INT8, 0, NULL),
                     val(HY_DTYPE_UINT8, 2, (int64_t[]){K, N}),
                     val(HY_DTYPE_FLOAT, 1, (int64_t[]){N}),
                     val(HY_DTYPE_UINT8, 1, (int64_t[]){N}),
                     val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_INT8, 0, NULL)};
  ir_node *n = node("QLinearMatMul", 21, in, 8, 1);
  int8_t y[M * N];
  run(n, (const void *[]){a, &sa, &za, b, sb, zb, &sy, &zy}, (void *[]){y});
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_INT8);
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      int32_t s = 0;
      for (int k = 0; k < K; k++) s += (a[i * K + k] - za) * (b[k * N + j] - zb[j]);
      double r = rint((double)s * (double)(sa * sb[j] / sy)) + zy;
      int32_t want = (int32_t)fmax(-128.0, fmin(127.0, r));
      cr_assert_eq(y[i * N + j], want, "y[%d,%d] = %d, expected %d", i, j, y[i * N + j], want);
    }
  free(a), free(b);
}

/* ---- ConvInteger and QLinearConv ---- */

/* Naive 2-D conv of (x - zx) by (w - zw[m]) with pads, strides and groups, int32. */
static void ref_conv(const uint8_t *x, int32_t zx, const int8_t *w, const int8_t *zw, int NB,
                     int C, int H, int W, int M, int kh, int kw, int pad, int sh, int sw,
                     int group, int OH, int OW, int32_t *y) {
  int Cg = C / group, Mg = M / group;
  for (int nb = 0; nb < NB; nb++)
    for (int m = 0; m < M; m++)
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
          int32_t s = 0, gi = m / Mg;
          for (int c = 0; c < Cg; c++)
            for (int i = 0; i < kh; i++)
              for (int j = 0; j < kw; j++) {
                int ih = oh * sh - pad + i, iw = ow * sw - pad + j;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                int32_t xv = x[((nb * C + gi * Cg + c) * H + ih) * W + iw] - zx;
                s += xv * (w[((m * Cg + c) * kh + i) * kw + j] - zw[m]);
              }
          y[((nb * M + m) * OH + oh) * OW + ow] = s;
        }
}

Test(quant, conv_integer_pads_with_the_zero_point_and_groups) {
  enum { NB = 2, C = 4, H = 5, W = 6, M = 6, KH = 3, KW = 2, GR = 2 };
  int64_t pads[4] = {1, 1, 1, 1}, strides[2] = {2, 1};
  int OH = (H + 2 - KH) / 2 + 1, OW = (W + 2 - KW) / 1 + 1;
  uint8_t *x = rand_q(HY_DTYPE_UINT8, NB * C * H * W), zx = 17;
  int8_t *w = rand_q(HY_DTYPE_INT8, M * (C / GR) * KH * KW), zw[M] = {0, 1, -2, 3, -4, 5};
  ir_value *in[4] = {val(HY_DTYPE_UINT8, 4, (int64_t[]){NB, C, H, W}),
                     val(HY_DTYPE_INT8, 4, (int64_t[]){M, C / GR, KH, KW}),
                     val(HY_DTYPE_UINT8, 0, NULL), val(HY_DTYPE_INT8, 1, (int64_t[]){M})};
  ir_node *n = node("ConvInteger", 10, in, 4, 1);
  attr_ints(n, "pads", pads, 4);
  attr_ints(n, "strides", strides, 2);
  attr_i(n, "group", GR);
  size_t ybytes = sizeof(int32_t) * NB * M * (size_t)(OH * OW);
  int32_t *y = malloc(ybytes), *ref = malloc(ybytes);
  run(n, (const void *[]){x, w, &zx, zw}, (void *[]){y});
  cr_assert_eq(n->out[0]->type.dims[2], OH);
  cr_assert_eq(n->out[0]->type.dims[3], OW);
  ref_conv(x, zx, w, zw, NB, C, H, W, M, KH, KW, 1, 2, 1, GR, OH, OW, ref);
  for (int i = 0; i < NB * M * OH * OW; i++) cr_assert_eq(y[i], ref[i], "y[%d]", i);
  free(x), free(w), free(y), free(ref);
}

Test(quant, qlinear_conv_with_bias) {
  enum { NB = 1, C = 3, H = 4, W = 4, M = 2, K = 3 };
  int OH = H, OW = W; /* pads 1, stride 1 */
  uint8_t *x = rand_q(HY_DTYPE_UINT8, NB * C * H * W), zx = 100, zy = 120;
  int8_t *w = rand_q(HY_DTYPE_INT8, M * C * K * K), zw[M] = {0, 0};
  float sx = 0.05f, sw[M] = {0.004f, 0.002f}, sy = 0.3f;
  int32_t bias[M] = {1000, -2000};
  ir_value *in[9] = {val(HY_DTYPE_UINT8, 4, (int64_t[]){NB, C, H, W}), val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_UINT8, 0, NULL), val(HY_DTYPE_INT8, 4, (int64_t[]){M, C, K, K}),
                     val(HY_DTYPE_FLOAT, 1, (int64_t[]){M}), val(HY_DTYPE_INT8, 1, (int64_t[]){M}),
                     val(HY_DTYPE_FLOAT, 0, NULL), val(HY_DTYPE_UINT8, 0, NULL),
                     val(HY_DTYPE_INT32, 1, (int64_t[]){M})};
  ir_node *n = node("QLinearConv", 10, in, 9, 1);
  attr_ints(n, "pads", (int64_t[]){1, 1, 1, 1}, 4);
  uint8_t y[NB * M * H * W];
  run(n, (const void *[]){x, &sx, &zx, w, sw, zw, &sy, &zy, bias}, (void *[]){y});
  int32_t acc[NB * M * H * W];
  ref_conv(x, zx, w, zw, NB, C, H, W, M, K, K, 1, 1, 1, 1, OH, OW, acc);
  for (int i = 0; i < NB * M * H * W; i++) {
    int m = i / (H * W);
    double r = rint((double)(acc[i] + bias[m]) * (double)(sx * sw[m] / sy)) + zy;
    int32_t want = (int32_t)fmax(0.0, fmin(255.0, r));
    cr_assert_eq(y[i], want, "y[%d] = %d, expected %d", i, y[i], want);
  }
  free(x), free(w);
}

/* ---- the small types: packed 4- and 2-bit integers, float8, float4e2m1 ---- */

static float f8_val(int32_t dt, const void *p, int64_t i) {
  uint32_t c = dt == HY_DTYPE_FLOAT4E2M1 ? hy_k_packed_get(p, i, 4) : ((const uint8_t *)p)[i];
  return hy_k_fmt_to_f32(hy_k_fmt_of(dt), c);
}

Test(quant, quantize_to_packed_integers_saturates_and_packs) {
  const float x[5] = {-3.4f, -1.5f, 0.2f, 2.5f, 100.0f}, sc = 0.5f; /* x / s: -6.8 -3 .4 5 200 */
  uint8_t zp4 = 0x01, y[3] = {0xaa, 0xaa, 0xaa};
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){5}), val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_INT4, 0, NULL)};
  run(node("QuantizeLinear", 21, in, 3, 1), (const void *[]){x, &sc, &zp4}, (void *[]){y});
  const int32_t want4[5] = {-6, -2, 1, 6, 7}; /* rint + 1, saturated to [-8, 7] */
  for (int i = 0; i < 5; i++)
    cr_assert_eq(hy_k_sext(hy_k_packed_get(y, i, 4), 4), want4[i], "int4 y[%d]", i);
  ir_node *u2 = node("QuantizeLinear", 25, in, 2, 1);
  attr_i(u2, "output_dtype", HY_DTYPE_UINT2);
  uint8_t y2[2] = {0, 0};
  run(u2, (const void *[]){x, &sc}, (void *[]){y2});
  const uint32_t want2[5] = {0, 0, 0, 3, 3};
  for (int i = 0; i < 5; i++) cr_assert_eq(hy_k_packed_get(y2, i, 2), want2[i], "uint2 y[%d]", i);
  cr_assert_eq(u2->out[0]->type.dtype, HY_DTYPE_UINT2);
}

Test(quant, quantize_to_float8_and_float4_rounds_and_saturates) {
  const float x[5] = {-3.4f, -1.5f, 0.2f, 2.5f, 100.0f}, sc = 0.5f;
  uint8_t z8 = 0, y8[5];
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){5}), val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_FLOAT8E4M3FN, 0, NULL)};
  run(node("QuantizeLinear", 19, in, 3, 1), (const void *[]){x, &sc, &z8}, (void *[]){y8});
  /* no integer rounding: the quotient rounds to the format (200 ties to the even 192) */
  const float want8[5] = {-7.0f, -3.0f, 0.40625f, 5.0f, 192.0f};
  for (int i = 0; i < 5; i++)
    cr_assert_eq(f8_val(HY_DTYPE_FLOAT8E4M3FN, y8, i), want8[i], "e4m3fn y[%d]", i);
  const float big = 300.0f; /* 600 > 448, E4M3FN's largest */
  ir_value *one[3] = {val(HY_DTYPE_FLOAT, 0, NULL), val(HY_DTYPE_FLOAT, 0, NULL),
                      val(HY_DTYPE_FLOAT8E4M3FN, 0, NULL)};
  ir_node *sat = node("QuantizeLinear", 19, one, 3, 1);
  run(sat, (const void *[]){&big, &sc, &z8}, (void *[]){y8});
  cr_assert_eq(f8_val(HY_DTYPE_FLOAT8E4M3FN, y8, 0), 448.0f, "saturates by default");
  ir_node *nosat = node("QuantizeLinear", 19, one, 3, 1);
  attr_i(nosat, "saturate", 0);
  run(nosat, (const void *[]){&big, &sc, &z8}, (void *[]){y8});
  cr_assert(isnan(f8_val(HY_DTYPE_FLOAT8E4M3FN, y8, 0)), "saturate=0: NaN");
  uint8_t z4 = 0, y4[3];
  in[2] = val(HY_DTYPE_FLOAT4E2M1, 0, NULL);
  run(node("QuantizeLinear", 23, in, 3, 1), (const void *[]){x, &sc, &z4}, (void *[]){y4});
  const float want4[5] = {-6.0f, -3.0f, 0.5f, 4.0f, 6.0f}; /* 5 ties to the even 4 */
  for (int i = 0; i < 5; i++)
    cr_assert_eq(f8_val(HY_DTYPE_FLOAT4E2M1, y4, i), want4[i], "float4e2m1 y[%d]", i);
}

Test(quant, dequantize_small_types_blocked_and_e8m0_scales) {
  /* int4 [-8, 7, 3, -1] in blocks of 2 with scales {2, 0.5} and zero points {-1, 1} */
  uint8_t x4[2] = {0x78, 0xf3}, z4 = 0x1f; /* zero points -1 (0xf) and 1 */
  const float sc[2] = {2.0f, 0.5f};
  ir_value *in[3] = {val(HY_DTYPE_INT4, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT, 1, (int64_t[]){2}),
                     val(HY_DTYPE_INT4, 1, (int64_t[]){2})};
  ir_node *b = node("DequantizeLinear", 21, in, 3, 1);
  attr_i(b, "axis", 0);
  attr_i(b, "block_size", 2);
  float y[4];
  run(b, (const void *[]){x4, sc, &z4}, (void *[]){y});
  const float want[4] = {-14.0f, 16.0f, 1.0f, -1.0f};
  for (int i = 0; i < 4; i++) cr_assert_eq(y[i], want[i], "int4 blocked y[%d]", i);
  /* float8 e5m2 codes 0x3c (1.0), 0xc2 (-3.0), 0x7c (inf) times 0.25, into float16 */
  uint8_t x8[3] = {0x3c, 0xc2, 0x7c};
  const float q = 0.25f;
  ir_value *f8[2] = {val(HY_DTYPE_FLOAT8E5M2, 1, (int64_t[]){3}), val(HY_DTYPE_FLOAT, 0, NULL)};
  ir_node *d8 = node("DequantizeLinear", 23, f8, 2, 1);
  attr_i(d8, "output_dtype", HY_DTYPE_FLOAT16);
  uint16_t h[3];
  run(d8, (const void *[]){x8, &q}, (void *[]){h});
  cr_assert(hy_k_f16_to_f32(h[0]) == 0.25f && hy_k_f16_to_f32(h[1]) == -0.75f &&
            isinf(hy_k_f16_to_f32(h[2])), "e5m2 -> float16");
  /* an MX scale: float8e8m0 code 128 is 2 */
  const int8_t xi[2] = {3, -5};
  const uint8_t e8 = 128;
  ir_value *mx[2] = {val(HY_DTYPE_INT8, 1, (int64_t[]){2}), val(HY_DTYPE_FLOAT8E8M0, 0, NULL)};
  ir_node *dm = node("DequantizeLinear", 25, mx, 2, 1);
  attr_i(dm, "output_dtype", HY_DTYPE_FLOAT);
  run(dm, (const void *[]){xi, &e8}, (void *[]){y});
  cr_assert(y[0] == 6.0f && y[1] == -10.0f, "e8m0 scale: %g %g", y[0], y[1]);
}

/* ---- refusals ---- */

Test(quant, refuses_types_hydra_lacks_and_bad_shapes) {
  ir_value *in2[2] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT, 0, NULL)};
  ir_node *f6 = node("QuantizeLinear", 25, in2, 2, 1);
  attr_i(f6, "output_dtype", HY_DTYPE_FLOAT6E2M3);
  expect_status(f6, HY_ERR_UNSUPPORTED, "not supported yet");
  ir_node *i4 = node("QuantizeLinear", 19, in2, 2, 1);
  attr_i(i4, "output_dtype", HY_DTYPE_INT4); /* output_dtype is read from version 21 */
  cr_assert_eq(infer(i4), HY_OK, "%s", D.msg);
  cr_assert_eq(i4->out[0]->type.dtype, HY_DTYPE_UINT8);
  ir_node *u2 = node("QuantizeLinear", 23, in2, 2, 1);
  attr_i(u2, "output_dtype", HY_DTYPE_UINT2);
  expect_status(u2, HY_ERR_DTYPE, "from version 25");
  ir_value *f4x[2] = {val(HY_DTYPE_FLOAT4E2M1, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT, 0, NULL)};
  expect_status(node("DequantizeLinear", 21, f4x, 2, 1), HY_ERR_DTYPE, "from version 23");
  ir_value *e8[2] = {val(HY_DTYPE_INT8, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT8E8M0, 0, NULL)};
  expect_status(node("DequantizeLinear", 24, e8, 2, 1), HY_ERR_INVALID_MODEL, "output_dtype");
  ir_node *fl = node("QuantizeLinear", 21, in2, 2, 1);
  attr_i(fl, "output_dtype", HY_DTYPE_FLOAT);
  expect_status(fl, HY_ERR_INVALID_MODEL, "not a quantized type");

  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT, 0, NULL),
                      val(HY_DTYPE_INT8, 0, NULL)};
  ir_node *clash = node("QuantizeLinear", 21, in3, 3, 1);
  attr_i(clash, "output_dtype", HY_DTYPE_UINT8);
  expect_status(clash, HY_ERR_INVALID_MODEL, "differs from y_zero_point");

  ir_value *bad_axis[2] = {val(HY_DTYPE_FLOAT, 2, (int64_t[]){2, 3}),
                           val(HY_DTYPE_FLOAT, 1, (int64_t[]){2})};
  expect_status(node("QuantizeLinear", 13, bad_axis, 2, 1), HY_ERR_SHAPE, "1-D of x's dim 1");
  ir_value *bq[2] = {val(HY_DTYPE_INT8, 2, (int64_t[]){2, 6}),
                     val(HY_DTYPE_FLOAT, 2, (int64_t[]){2, 2})};
  ir_node *blk = node("DequantizeLinear", 21, bq, 2, 1);
  attr_i(blk, "block_size", 2); /* 6 / 2 = 3 blocks, not 2 */
  expect_status(blk, HY_ERR_SHAPE, "block_size 2");

  ir_value *dq[3] = {val(HY_DTYPE_INT8, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT, 0, NULL),
                     val(HY_DTYPE_UINT8, 0, NULL)};
  expect_status(node("DequantizeLinear", 19, dq, 3, 1), HY_ERR_DTYPE, "must match");
  ir_value *dqf[2] = {val(HY_DTYPE_FLOAT, 1, (int64_t[]){4}), val(HY_DTYPE_FLOAT, 0, NULL)};
  expect_status(node("DequantizeLinear", 19, dqf, 2, 1), HY_ERR_DTYPE, "does not allow");

  ir_value *mm[2] = {val(HY_DTYPE_FLOAT, 2, (int64_t[]){2, 3}),
                     val(HY_DTYPE_INT8, 2, (int64_t[]){3, 2})};
  expect_status(node("MatMulInteger", 10, mm, 2, 1), HY_ERR_DTYPE, "input 0");
  ir_value *mz[4] = {val(HY_DTYPE_UINT8, 2, (int64_t[]){2, 3}),
                     val(HY_DTYPE_INT8, 2, (int64_t[]){3, 4}),
                     val(HY_DTYPE_UINT8, 1, (int64_t[]){3}), NULL};
  expect_status(node("MatMulInteger", 10, mz, 4, 1), HY_ERR_SHAPE, "a_zero_point");
  ir_value *mk[2] = {val(HY_DTYPE_UINT8, 2, (int64_t[]){2, 3}),
                     val(HY_DTYPE_INT8, 2, (int64_t[]){4, 4})};
  expect_status(node("MatMulInteger", 10, mk, 2, 1), HY_ERR_SHAPE, "inner dimensions");
}
