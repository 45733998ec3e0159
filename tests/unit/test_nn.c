/* nn family: each op built as a node of a tiny graph, run through its infer and lower hooks and
 * then its native kernel (with a chunking parallel_for), compared with naive reference loops:
 * softmax under both axis semantics, layernorm, batchnorm, pools with pads / ceil_mode /
 * auto_pad / Indices, reductions with keepdims and axes inputs; plus the attribute errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../../runtime/src/kernels/kernel_util.h"
#include "node_fixture.h"

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(nn, .init = setup, .fini = graph_fixture_close);

/* ---- graph building ---- */

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}


static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

/* ---- running a node: infer, lower, native kernel ---- */

static void run(ir_node *n, const void *const *in, void *const *out) {
  cr_assert_eq(fixture_run_status(n, in, out), HY_OK);
}


/* ---- Softmax / LogSoftmax ---- */

/* Naive softmax over groups: element (o, j, k) of an [outer, n, inner] view. */
static void ref_softmax(const float *x, double *y, int64_t outer, int64_t n, int64_t inner,
                        bool log_) {
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < inner; k++) {
      double m = -INFINITY, s = 0;
      for (int64_t j = 0; j < n; j++) m = fmax(m, x[(o * n + j) * inner + k]);
      for (int64_t j = 0; j < n; j++) s += exp(x[(o * n + j) * inner + k] - m);
      for (int64_t j = 0; j < n; j++) {
        double d = x[(o * n + j) * inner + k] - m;
        y[(o * n + j) * inner + k] = log_ ? d - log(s) : exp(d) / s;
      }
    }
}

static void check_softmax(const char *op, int opset, int64_t axis, int32_t rank,
                          const int64_t *dims, int64_t outer, int64_t n, int64_t inner) {
  int64_t total = outer * n * inner;
  float x[512], y[512];
  double want[512];
  fill(x, total, (uint32_t)(opset * 7 + rank));
  ir_value *v = val(HY_DTYPE_FLOAT, rank, dims);
  ir_node *nd = fixture_node(op, opset, &v, 1, 1);
  attr_i(nd, "axis", axis);
  const void *in[1] = {x};
  void *out[1] = {y};
  run(nd, in, out);
  ref_softmax(x, want, outer, n, inner, !strcmp(op, "LogSoftmax"));
  for (int64_t i = 0; i < total; i++) assert_close(y[i], want[i], 1e-5, op, i);
}

Test(nn, softmax_opset13_is_along_one_axis) {
  int64_t dims[3] = {2, 3, 4};
  check_softmax("Softmax", 13, 1, 3, dims, 2, 3, 4);
  check_softmax("Softmax", 13, -1, 3, dims, 6, 4, 1);
  check_softmax("LogSoftmax", 13, 0, 3, dims, 1, 2, 12);
}

/* Past HY_PARALLEL_MIN_WORK the kernel splits its rows over the fixture's uneven, reversed
 * ranges (smaller ones run as one range): every row must come out as when run in one piece. */
Test(nn, softmax_large_enough_to_split_matches_reference) {
  enum { OUTER = 96, N = 256, TOTAL = OUTER * N };
  int64_t dims[2] = {OUTER, N};
  float *x = malloc(TOTAL * sizeof *x), *y = malloc(TOTAL * sizeof *y);
  double *want = malloc(TOTAL * sizeof *want);
  cr_assert(x && y && want);
  fill(x, TOTAL, 5);
  ir_value *v = val(HY_DTYPE_FLOAT, 2, dims);
  ir_node *nd = fixture_node("Softmax", 13, &v, 1, 1);
  attr_i(nd, "axis", -1);
  run(nd, (const void *[]){x}, (void *[]){y});
  ref_softmax(x, want, OUTER, N, 1, false);
  for (int64_t i = 0; i < TOTAL; i++) assert_close(y[i], want[i], 1e-5, "Softmax", i);
  free(x), free(y), free(want);
}

Test(nn, softmax_before_13_coerces_to_2d_at_axis) {
  int64_t dims[3] = {2, 3, 4};
  check_softmax("Softmax", 11, 1, 3, dims, 2, 12, 1); /* groups of 3*4, not of 3 */
  check_softmax("LogSoftmax", 11, 0, 3, dims, 1, 24, 1);
  check_softmax("Softmax", 11, -1, 3, dims, 6, 4, 1);
}

Test(nn, softmax_long_rows_use_the_vector_path_and_its_tail) {
  int64_t dims[2] = {3, 77}; /* 77 = 4 full 16-lane blocks + a tail of 13 */
  check_softmax("Softmax", 13, -1, 2, dims, 3, 77, 1);
  check_softmax("LogSoftmax", 13, -1, 2, dims, 3, 77, 1);
}

Test(nn, softmax_is_stable_for_large_inputs) {
  float x[4] = {1000, 1001, 1002, -1000}, y[4];
  int64_t dims[1] = {4};
  ir_value *v = val(HY_DTYPE_FLOAT, 1, dims);
  ir_node *nd = fixture_node("Softmax", 13, &v, 1, 1);
  const void *in[1] = {x};
  void *out[1] = {y};
  run(nd, in, out);
  double s = exp(-2.0) + exp(-1.0) + 1;
  assert_close(y[0], exp(-2.0) / s, 1e-6, "y", 0);
  assert_close(y[2], 1 / s, 1e-6, "y", 2);
  cr_assert_eq(y[3], 0.0f);
}

Test(nn, softmax_double_and_float16) {
  double xd[6] = {1, 2, 3, -1, 0, 1}, yd[6];
  int64_t dims[2] = {2, 3};
  ir_value *v = val(HY_DTYPE_DOUBLE, 2, dims);
  ir_node *nd = fixture_node("Softmax", 13, &v, 1, 1);
  const void *in[1] = {xd};
  void *out[1] = {yd};
  run(nd, in, out);
  double s = exp(-2.0) + exp(-1.0) + 1;
  for (int i = 0; i < 2; i++) assert_close(yd[3 * i + 2], 1 / s, 1e-12, "double", i);

  uint16_t xh[6], yh[6];
  for (int i = 0; i < 6; i++) xh[i] = hy_k_f32_to_f16((float)xd[i]);
  v = val(HY_DTYPE_FLOAT16, 2, dims);
  nd = fixture_node("LogSoftmax", 13, &v, 1, 1);
  in[0] = xh;
  out[0] = yh;
  run(nd, in, out);
  assert_close(hy_k_f16_to_f32(yh[2]), -log(s), 1e-3, "half", 2);
}

Test(nn, softmax_bad_axis_names_the_attribute) {
  int64_t dims[3] = {2, 3, 4};
  ir_value *v = val(HY_DTYPE_FLOAT, 3, dims);
  ir_node *nd = fixture_node("Softmax", 13, &v, 1, 1);
  attr_i(nd, "axis", 3);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "node 'n1' (Softmax): attribute 'axis'"), "%s", D.msg);
  cr_assert(strstr(D.msg, "out of range"), "%s", D.msg);
}

Test(nn, softmax_rejects_integer_input) {
  int64_t dims[1] = {4};
  ir_value *v = val(HY_DTYPE_INT32, 1, dims);
  cr_assert_eq(infer(fixture_node("Softmax", 13, &v, 1, 1)), HY_ERR_DTYPE);
}

/* ---- LayerNormalization ---- */

static void check_layernorm(int64_t axis, int64_t outer, int64_t inner, bool bias) {
  int64_t dims[3] = {2, 3, 40};
  float x[240], sc[240], b[240], y[240], mean[6], inv[6];
  fill(x, 240, 11);
  fill(sc, inner, 12);
  fill(b, inner, 13);
  ir_value *in_v[3] = {val(HY_DTYPE_FLOAT, 3, dims), NULL, NULL};
  int64_t pdims[3];
  int32_t pr = 3 - (int32_t)(axis < 0 ? axis + 3 : axis);
  for (int32_t i = 0; i < pr; i++) pdims[i] = dims[3 - pr + i];
  in_v[1] = val(HY_DTYPE_FLOAT, pr, pdims);
  in_v[2] = bias ? val(HY_DTYPE_FLOAT, pr, pdims) : NULL;
  ir_node *nd = fixture_node("LayerNormalization", 17, in_v, 3, 3);
  attr_i(nd, "axis", axis);
  attr_f(nd, "epsilon", 1e-3f);
  const void *in[3] = {x, sc, bias ? b : NULL};
  void *out[3] = {y, mean, inv};
  run(nd, in, out);
  int64_t sdims[3] = {2, axis == 1 ? 1 : 3, 1};
  assert_dims(nd->out[1], 3, sdims);
  cr_assert_eq(nd->out[2]->type.dtype, HY_DTYPE_FLOAT);
  for (int64_t r = 0; r < outer; r++) {
    double m = 0, q = 0;
    for (int64_t i = 0; i < inner; i++) m += x[r * inner + i];
    m /= (double)inner;
    for (int64_t i = 0; i < inner; i++) q += (x[r * inner + i] - m) * (x[r * inner + i] - m);
    double is = 1 / sqrt(q / (double)inner + 1e-3);
    assert_close(mean[r], m, 1e-5, "mean", r);
    assert_close(inv[r], is, 1e-5, "invstd", r);
    for (int64_t i = 0; i < inner; i++)
      assert_close(y[r * inner + i], (x[r * inner + i] - m) * is * sc[i] + (bias ? b[i] : 0),
                   1e-4, "y", r * inner + i);
  }
}

Test(nn, layernorm_last_axis_and_earlier_axis_with_stats) {
  check_layernorm(-1, 6, 40, true);
  check_layernorm(1, 2, 120, true);
  check_layernorm(2, 6, 40, false);
}

Test(nn, layernorm_bad_stash_type_and_scale_shape) {
  int64_t dims[2] = {2, 8}, bad[1] = {3};
  ir_value *in_v[2] = {val(HY_DTYPE_FLOAT, 2, dims), val(HY_DTYPE_FLOAT, 1, bad)};
  cr_assert_eq(infer(fixture_node("LayerNormalization", 17, in_v, 2, 1)), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "input 1 has shape float[3]"), "%s", D.msg);
  diag_init(&D);
  in_v[1] = val(HY_DTYPE_FLOAT, 1, dims + 1);
  ir_node *nd = fixture_node("LayerNormalization", 17, in_v, 2, 1);
  attr_i(nd, "stash_type", 11);
  cr_assert_eq(infer(nd), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "attribute 'stash_type'"), "%s", D.msg);
}

/* ---- BatchNormalization ---- */

Test(nn, batchnorm_inference_and_training_mode) {
  int64_t dims[4] = {2, 3, 2, 2}, c = 3;
  float x[24], s[3] = {1, 2, 0.5f}, b[3] = {0, 1, -1}, m[3] = {0.5f, -1, 0}, v[3] = {1, 4, 0.25f};
  float y[24], rm[3], rv[3];
  fill(x, 24, 5);
  ir_value *in_v[5] = {val(HY_DTYPE_FLOAT, 4, dims)};
  for (int i = 1; i < 5; i++) in_v[i] = val(HY_DTYPE_FLOAT, 1, &c);
  const void *in[5] = {x, s, b, m, v};
  void *out[3] = {y, rm, rv};
  run(fixture_node("BatchNormalization", 15, in_v, 5, 1), in, out);
  for (int64_t i = 0; i < 24; i++) {
    int64_t ch = (i / 4) % 3;
    assert_close(y[i], (x[i] - m[ch]) / sqrt(v[ch] + 1e-5) * s[ch] + b[ch], 1e-5, "y", i);
  }
  ir_node *nd = fixture_node("BatchNormalization", 15, in_v, 5, 3);
  attr_i(nd, "training_mode", 1);
  attr_f(nd, "momentum", 0.8f);
  run(nd, in, out);
  for (int64_t ch = 0; ch < 3; ch++) {
    double bm = 0, bv = 0;
    for (int64_t n = 0; n < 2; n++)
      for (int64_t k = 0; k < 4; k++) bm += x[(n * 3 + ch) * 4 + k] / 8.0;
    for (int64_t n = 0; n < 2; n++)
      for (int64_t k = 0; k < 4; k++) bv += pow(x[(n * 3 + ch) * 4 + k] - bm, 2) / 8.0;
    assert_close(rm[ch], m[ch] * 0.8 + bm * 0.2, 1e-5, "running_mean", ch);
    assert_close(rv[ch], v[ch] * 0.8 + bv * 0.2, 1e-5, "running_var", ch);
    int64_t i = (1 * 3 + ch) * 4 + 2;
    assert_close(y[i], (x[i] - bm) / sqrt(bv + 1e-5) * s[ch] + b[ch], 1e-5, "y_train", i);
  }
}

Test(nn, batchnorm_parameter_shape_must_be_c) {
  int64_t dims[3] = {1, 3, 4}, c = 3, bad = 4;
  ir_value *in_v[5] = {val(HY_DTYPE_FLOAT, 3, dims)};
  for (int i = 1; i < 5; i++) in_v[i] = val(HY_DTYPE_FLOAT, 1, i == 3 ? &bad : &c);
  cr_assert_eq(infer(fixture_node("BatchNormalization", 15, in_v, 5, 1)), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "input 3 has shape float[4]; expected [3]"), "%s", D.msg);
}

/* ---- MaxPool / AveragePool ---- */

/* A pool node over one [1, 1, h, w] float plane. */
static ir_node *pool2d(const char *op, int64_t h, int64_t w, const int64_t *k, int32_t n_out) {
  int64_t dims[4] = {1, 1, h, w};
  ir_value *v = val(HY_DTYPE_FLOAT, 4, dims);
  ir_node *nd = fixture_node(op, 12, &v, 1, n_out);
  attr_ints(nd, "kernel_shape", k, 2);
  return nd;
}

Test(nn, maxpool_pads_ceil_mode_and_indices) {
  float x[20], y[9];
  int64_t idx[9], k[2] = {3, 3}, st[2] = {2, 2}, pads[4] = {1, 1, 0, 0};
  for (int i = 0; i < 20; i++) x[i] = (float)((i * 7) % 20); /* 4x5, max not at a corner */
  ir_node *nd = pool2d("MaxPool", 4, 5, k, 2);
  attr_ints(nd, "strides", st, 2);
  attr_ints(nd, "pads", pads, 4);
  attr_i(nd, "ceil_mode", 1);
  const void *in[1] = {x};
  void *out[2] = {y, idx};
  run(nd, in, out);
  /* rows: (4 + 1 - 3) / 2 ceil + 1 = 2; cols: (5 + 1 - 3) / 2 = 1.5 → ceil 2, + 1 = 3 */
  int64_t odims[4] = {1, 1, 2, 3};
  assert_dims(nd->out[0], 4, odims);
  cr_assert_eq(nd->out[1]->type.dtype, HY_DTYPE_INT64);
  for (int64_t oh = 0; oh < 2; oh++)
    for (int64_t ow = 0; ow < 3; ow++) {
      float m = -INFINITY;
      int64_t at = -1;
      for (int64_t a = oh * 2 - 1; a < oh * 2 - 1 + 3; a++)
        for (int64_t b = ow * 2 - 1; b < ow * 2 - 1 + 3; b++)
          if (a >= 0 && a < 4 && b >= 0 && b < 5 && x[a * 5 + b] > m) m = x[at = a * 5 + b];
      cr_assert_eq(y[oh * 3 + ow], m, "y[%lld,%lld]", (long long)oh, (long long)ow);
      cr_assert_eq(idx[oh * 3 + ow], at, "indices[%lld,%lld]", (long long)oh, (long long)ow);
    }
}

Test(nn, maxpool_column_major_indices) {
  float x[25], y[4];
  int64_t idx[4], k[2] = {2, 2}, st[2] = {2, 2};
  for (int i = 0; i < 25; i++) x[i] = (float)(i + 1);
  ir_node *nd = pool2d("MaxPool", 5, 5, k, 2);
  attr_ints(nd, "strides", st, 2);
  attr_i(nd, "storage_order", 1);
  const void *in[1] = {x};
  void *out[2] = {y, idx};
  run(nd, in, out);
  const float wy[4] = {7, 9, 17, 19};
  const int64_t wi[4] = {6, 16, 8, 18}; /* the ONNX example: h + w * H */
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(y[i], wy[i]);
    cr_assert_eq(idx[i], wi[i], "indices[%d] = %lld", i, (long long)idx[i]);
  }
}

Test(nn, avgpool_count_include_pad_or_not) {
  float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[9];
  int64_t k[2] = {3, 3}, pads[4] = {1, 1, 1, 1};
  for (int inc = 0; inc < 2; inc++) {
    ir_node *nd = pool2d("AveragePool", 3, 3, k, 1);
    attr_ints(nd, "pads", pads, 4);
    attr_i(nd, "count_include_pad", inc);
    const void *in[1] = {x};
    void *out[1] = {y};
    run(nd, in, out);
    /* corner (0,0): 1+2+4+5 over 4 cells, or over 9 with the pads */
    assert_close(y[0], 12.0 / (inc ? 9 : 4), 1e-6, "corner", inc);
    assert_close(y[1], 21.0 / (inc ? 9 : 6), 1e-6, "edge", inc);
    assert_close(y[4], 5, 1e-6, "centre", inc);
  }
}

Test(nn, pool_same_upper_1d_and_uint8) {
  uint8_t x[7] = {3, 250, 1, 7, 7, 9, 0}, y[4];
  int64_t dims[3] = {1, 1, 7}, k = 3, st = 2;
  ir_value *v = val(HY_DTYPE_UINT8, 3, dims);
  ir_node *nd = fixture_node("MaxPool", 12, &v, 1, 1);
  attr_ints(nd, "kernel_shape", &k, 1);
  attr_ints(nd, "strides", &st, 1);
  attr_s(nd, "auto_pad", "SAME_UPPER");
  const void *in[1] = {x};
  void *out[1] = {y};
  run(nd, in, out);
  int64_t odims[3] = {1, 1, 4}; /* ceil(7 / 2); total pad 2 → 1 before, 1 after */
  assert_dims(nd->out[0], 3, odims);
  const uint8_t want[4] = {250, 250, 9, 9};
  for (int i = 0; i < 4; i++) cr_assert_eq(y[i], want[i], "y[%d] = %d", i, y[i]);
}

Test(nn, pool_bad_kernel_shape_is_an_attribute_error) {
  int64_t dims[4] = {1, 1, 4, 4}, k1[1] = {2}, k0[2] = {2, 0}, big[2] = {5, 5};
  ir_value *v = val(HY_DTYPE_FLOAT, 4, dims);
  ir_node *nd = fixture_node("MaxPool", 12, &v, 1, 1);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL); /* missing */
  cr_assert(strstr(D.msg, "attribute 'kernel_shape': is required"), "%s", D.msg);
  diag_init(&D);
  attr_ints(nd, "kernel_shape", k1, 1);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "has 1 values; expected 2"), "%s", D.msg);
  diag_init(&D);
  nd = fixture_node("AveragePool", 12, &v, 1, 1);
  attr_ints(nd, "kernel_shape", k0, 2);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "(AveragePool): attribute 'kernel_shape': value 0 must be >= 1"), "%s",
            D.msg);
  diag_init(&D);
  nd = fixture_node("AveragePool", 12, &v, 1, 1);
  attr_ints(nd, "kernel_shape", big, 2);
  cr_assert_eq(infer(nd), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "does not fit"), "%s", D.msg);
}

Test(nn, global_average_and_max_pool) {
  int64_t dims[4] = {2, 3, 2, 5};
  float x[60], y[6], z[6];
  fill(x, 60, 9);
  ir_value *v = val(HY_DTYPE_FLOAT, 4, dims);
  const void *in[1] = {x};
  void *out[1] = {y};
  run(fixture_node("GlobalAveragePool", 1, &v, 1, 1), in, out);
  out[0] = z;
  ir_node *nd = fixture_node("GlobalMaxPool", 1, &v, 1, 1);
  run(nd, in, out);
  int64_t odims[4] = {2, 3, 1, 1};
  assert_dims(nd->out[0], 4, odims);
  for (int p = 0; p < 6; p++) {
    double s = 0, m = -INFINITY;
    for (int i = 0; i < 10; i++) s += x[p * 10 + i], m = fmax(m, x[p * 10 + i]);
    assert_close(y[p], s / 10, 1e-6, "avg", p);
    cr_assert_eq(z[p], (float)m);
  }
}

/* ---- Reduce* ---- */

Test(nn, reduce_mean_keepdims_over_non_adjacent_axes) {
  int64_t dims[3] = {2, 3, 4}, axes[2] = {0, -1};
  float x[24], y[3];
  fill(x, 24, 3);
  for (int keep = 0; keep < 2; keep++) {
    ir_value *v = val(HY_DTYPE_FLOAT, 3, dims);
    ir_node *nd = fixture_node("ReduceMean", 13, &v, 1, 1);
    attr_ints(nd, "axes", axes, 2);
    attr_i(nd, "keepdims", keep);
    const void *in[1] = {x};
    void *out[1] = {y};
    run(nd, in, out);
    int64_t kd[3] = {1, 3, 1}, nd_[1] = {3};
    if (keep)
      assert_dims(nd->out[0], 3, kd);
    else
      assert_dims(nd->out[0], 1, nd_);
    for (int j = 0; j < 3; j++) {
      double s = 0;
      for (int a = 0; a < 2; a++)
        for (int c = 0; c < 4; c++) s += x[(a * 3 + j) * 4 + c];
      assert_close(y[j], s / 8, 1e-6, "mean", j);
    }
  }
}

Test(nn, reduce_sum_axes_input_from_opset13_and_noop) {
  int64_t dims[2] = {3, 40}, one = 1, ax[1] = {1}, zero = 0;
  float x[120], y[120];
  fill(x, 120, 4);
  ir_value *in_v[2] = {val(HY_DTYPE_FLOAT, 2, dims),
                       ir_const_new(G, "axes", HY_DTYPE_INT64, 1, &one, ax)};
  const void *in[2] = {x, ax};
  void *out[1] = {y};
  ir_node *nd = fixture_node("ReduceSum", 13, in_v, 2, 1);
  attr_i(nd, "keepdims", 0);
  run(nd, in, out); /* contiguous rows: the vector path */
  for (int r = 0; r < 3; r++) {
    double s = 0;
    for (int i = 0; i < 40; i++) s += x[r * 40 + i];
    assert_close(y[r], s, 1e-5, "sum", r);
  }
  in_v[1] = ir_const_new(G, "empty", HY_DTYPE_INT64, 1, &zero, ax);
  nd = fixture_node("ReduceSum", 13, in_v, 2, 1);
  attr_i(nd, "noop_with_empty_axes", 1);
  run(nd, in, out);
  assert_dims(nd->out[0], 2, dims);
  cr_assert(!memcmp(x, y, sizeof x), "noop copies");
  nd = fixture_node("ReduceSum", 13, in_v, 2, 1); /* empty axes without noop: all axes */
  run(nd, in, out);
  int64_t ones[2] = {1, 1};
  assert_dims(nd->out[0], 2, ones);
}

Test(nn, reduce_family_values) {
  double x[6] = {1, -2, 3, 4, -5, 6}, y[2];
  int64_t dims[2] = {2, 3}, ax = 1;
  const char *ops[] = {"ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                       "ReduceSumSquare", "ReduceLogSumExp"};
  const double want[][2] = {{3, 6},
                            {-2, -5},
                            {-6, -120},
                            {6, 15},
                            {sqrt(14), sqrt(77)},
                            {14, 77},
                            {log(exp(1) + exp(-2) + exp(3)), log(exp(4) + exp(-5) + exp(6))}};
  for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
    ir_value *v = val(HY_DTYPE_DOUBLE, 2, dims);
    ir_node *nd = fixture_node(ops[o], 13, &v, 1, 1);
    attr_ints(nd, "axes", &ax, 1);
    const void *in[1] = {x};
    void *out[1] = {y};
    run(nd, in, out);
    for (int r = 0; r < 2; r++) assert_close(y[r], want[o][r], 1e-12, ops[o], r);
  }
  int64_t xi[6] = {5, 1, 9, -3, 2, 0}, yi[2];
  ir_value *v = val(HY_DTYPE_INT64, 2, dims);
  ir_node *nd = fixture_node("ReduceSum", 11, &v, 1, 1);
  attr_ints(nd, "axes", &ax, 1);
  const void *in[1] = {xi};
  void *out[1] = {yi};
  run(nd, in, out);
  cr_assert(yi[0] == 15 && yi[1] == -1);
}

Test(nn, reduce_duplicate_or_out_of_range_axes) {
  int64_t dims[2] = {2, 3}, dup[2] = {1, -1}, far[1] = {2};
  ir_value *v = val(HY_DTYPE_FLOAT, 2, dims);
  ir_node *nd = fixture_node("ReduceMean", 13, &v, 1, 1);
  attr_ints(nd, "axes", dup, 2);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'axes': axis -1 appears twice"), "%s", D.msg);
  diag_init(&D);
  nd = fixture_node("ReduceMean", 13, &v, 1, 1);
  attr_ints(nd, "axes", far, 1);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "axis 2 is out of range for rank 2"), "%s", D.msg);
}

/* ---- newer versions ---- */

Test(nn, reduce_mean18_takes_axes_as_an_input) {
  int64_t dims[2] = {3, 4}, one = 1, ax[1] = {-1};
  float x[12], y[3];
  fill(x, 12, 5);
  ir_value *in_v[2] = {val(HY_DTYPE_FLOAT, 2, dims),
                       ir_const_new(G, "axes", HY_DTYPE_INT64, 1, &one, ax)};
  const void *in[2] = {x, ax};
  void *out[1] = {y};
  ir_node *nd = fixture_node("ReduceMean", 18, in_v, 2, 1);
  attr_i(nd, "keepdims", 0);
  run(nd, in, out);
  int64_t od[1] = {3};
  assert_dims(nd->out[0], 1, od);
  for (int r = 0; r < 3; r++)
    assert_close(y[r], (x[4 * r] + x[4 * r + 1] + x[4 * r + 2] + x[4 * r + 3]) / 4.0, 1e-6,
                 "mean", r);
  /* version 18: the attribute is gone; version 13: the input is not there yet */
  nd = fixture_node("ReduceMean", 18, in_v, 1, 1);
  attr_ints(nd, "axes", ax, 1);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'axes': is an input of ReduceMean from version 18"), "%s",
            D.msg);
  diag_init(&D);
  nd = fixture_node("ReduceL2", 13, in_v, 2, 1);
  cr_assert_eq(infer(nd), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "takes one input at version 13"), "%s", D.msg);
}

Test(nn, reduce_max20_bool_and_empty_sets) {
  uint8_t b[6] = {1, 0, 0, 0, 0, 1}, by[2];
  int64_t dims[2] = {3, 2}, one = 1, ax[1] = {0};
  ir_value *in_v[2] = {val(HY_DTYPE_BOOL, 2, dims),
                       ir_const_new(G, "axes", HY_DTYPE_INT64, 1, &one, ax)};
  const void *in[2] = {b, ax};
  void *out[1] = {by};
  run(fixture_node("ReduceMax", 20, in_v, 2, 1), in, out);
  cr_assert(by[0] == 1 && by[1] == 1, "max %d %d", by[0], by[1]);
  run(fixture_node("ReduceMin", 20, in_v, 2, 1), in, out);
  cr_assert(by[0] == 0 && by[1] == 0, "min %d %d", by[0], by[1]);
  cr_assert_eq(infer(fixture_node("ReduceMax", 18, in_v, 2, 1)), HY_ERR_DTYPE); /* bool from 20 */
  cr_assert(strstr(D.msg, "type bool, which ReduceMax-18 does not take"), "%s", D.msg);
  /* reducing an empty axis: max -inf, min +inf, log-sum-exp -inf, prod 1 */
  int64_t edims[2] = {0, 2};
  float e[1], ey[2];
  const char *ops[] = {"ReduceMax", "ReduceMin", "ReduceLogSumExp", "ReduceProd"};
  const float want[] = {-INFINITY, INFINITY, -INFINITY, 1};
  for (int o = 0; o < 4; o++) {
    ir_value *ev[2] = {val(HY_DTYPE_FLOAT, 2, edims), in_v[1]};
    const void *ein[2] = {e, ax};
    void *eout[1] = {ey};
    run(fixture_node(ops[o], 18, ev, 2, 1), ein, eout);
    cr_assert(ey[0] == want[o] && ey[1] == want[o], "%s: %g %g", ops[o], ey[0], ey[1]);
  }
}

Test(nn, reduce_log_sum28_is_float_only_and_bfloat16_computes_in_float) {
  int64_t dims[1] = {4};
  ir_value *v = val(HY_DTYPE_INT32, 1, dims);
  cr_assert_eq(infer(fixture_node("ReduceLogSum", 18, &v, 1, 1)), HY_OK, "%s", D.msg);
  cr_assert_eq(infer(fixture_node("ReduceLogSum", 28, &v, 1, 1)), HY_ERR_DTYPE);
  cr_assert(strstr(D.msg, "int32, which ReduceLogSum-28 does not take"), "%s", D.msg);
  diag_init(&D);
  /* bfloat16 sums in float and rounds once: 1 + 3 * 2^-8 = 1.01171875, which bfloat16 steps
   * (2^-7 above 1) round to 1.015625; three bfloat16 additions would have stayed at 1 */
  const float xf[4] = {1.0f, 0x1p-8f, 0x1p-8f, 0x1p-8f};
  uint16_t x[4], y[4];
  for (int i = 0; i < 4; i++) x[i] = hy_f32_to_bf16(xf[i]);
  v = val(HY_DTYPE_BFLOAT16, 1, dims);
  ir_node *r = fixture_node("ReduceSum", 13, &v, 1, 1);
  run(r, (const void *[]){x}, (void *[]){y});
  cr_assert_eq(r->out[0]->type.dtype, HY_DTYPE_BFLOAT16);
  cr_assert_eq(hy_bf16_to_f32(y[0]), 1.015625f, "bfloat16 sum: %g", hy_bf16_to_f32(y[0]));
  ir_node *sm = fixture_node("Softmax", 13, &v, 1, 1);
  run(sm, (const void *[]){x}, (void *[]){y});
  float e[4], s = 0;
  for (int i = 0; i < 4; i++) s += e[i] = expf(hy_bf16_to_f32(x[i]) - 1.0f);
  for (int i = 0; i < 4; i++)
    cr_assert_eq(y[i], hy_f32_to_bf16(e[i] / s), "softmax[%d] 0x%04x", i, y[i]);
}

Test(nn, pool22_drops_a_ceil_window_starting_in_the_end_padding) {
  /* 1-D, 4 wide, window 2, stride 2, one pad at the end: ceil gives 3 windows, but the third
   * starts at 4, inside the padding: version 22 drops it, version 19 keeps it */
  float x[4] = {1, 2, 3, 4}, y[3];
  int64_t dims[3] = {1, 1, 4}, k = 2, st = 2, pads[2] = {0, 1};
  int versions[2] = {19, 22};
  for (int i = 0; i < 2; i++) {
    ir_value *v = val(HY_DTYPE_FLOAT, 3, dims);
    ir_node *nd = fixture_node("AveragePool", versions[i], &v, 1, 1);
    attr_ints(nd, "kernel_shape", &k, 1);
    attr_ints(nd, "strides", &st, 1);
    attr_ints(nd, "pads", pads, 2);
    attr_i(nd, "ceil_mode", 1);
    const void *in[1] = {x};
    void *out[1] = {y};
    run(nd, in, out);
    int64_t od[3] = {1, 1, i ? 2 : 3};
    assert_dims(nd->out[0], 3, od);
    assert_close(y[0], 1.5, 1e-6, "avg", 0);
    assert_close(y[1], 3.5, 1e-6, "avg", 1);
  }
}

Test(nn, avgpool19_dilations) {
  float x[5] = {1, 2, 3, 4, 5}, y[3];
  int64_t dims[3] = {1, 1, 5}, k = 2, d = 2;
  ir_value *v = val(HY_DTYPE_FLOAT, 3, dims);
  ir_node *nd = fixture_node("AveragePool", 19, &v, 1, 1);
  attr_ints(nd, "kernel_shape", &k, 1);
  attr_ints(nd, "dilations", &d, 1);
  const void *in[1] = {x};
  void *out[1] = {y};
  run(nd, in, out);
  int64_t od[3] = {1, 1, 3}; /* taps i and i + 2 */
  assert_dims(nd->out[0], 3, od);
  for (int i = 0; i < 3; i++) assert_close(y[i], (x[i] + x[i + 2]) / 2, 1e-6, "dilated", i);
}
