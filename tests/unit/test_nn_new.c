/* nn ops added for the ONNX 1.23 suite: each built as a node of a tiny graph, run through its
 * infer and lower hooks and then its native kernel (chunking parallel_for, planned scratch), and
 * compared with hand-computed values or naive loops: Resize / Upsample in each mode, coordinate
 * mapping and size rule, ConvTranspose and Col2Im, the group / instance / LRN / Lp / MVN
 * normalisations, LpPool, MaxUnpool, CenterCropPad; plus the errors naming attributes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "node_fixture.h"

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(nn_new, .init = setup, .fini = graph_fixture_close);

/* ---- graph building ---- */

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}

/* A constant 1-D input: int64 (sizes, shape) or float (scales, roi). */
static ir_value *const_i64(const int64_t *v, int64_t n) {
  ir_value *c = val(HY_DTYPE_INT64, 1, &n);
  int64_t *d = arena_array(&A, (size_t)n + 1, sizeof *d);
  memcpy(d, v, (size_t)n * sizeof *v);
  c->data = d;
  return c;
}
static ir_value *const_f32(const float *v, int64_t n) {
  ir_value *c = val(HY_DTYPE_FLOAT, 1, &n);
  float *d = arena_array(&A, (size_t)n + 1, sizeof *d);
  memcpy(d, v, (size_t)n * sizeof *v);
  c->data = d;
  return c;
}

static ir_node *node(const char *op, int opset, ir_value **in, int32_t n_in) {
  return fixture_node(op, opset, in, n_in, 1);
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

/* ---- running a node: infer, lower, native kernel ---- */

/* Runs n; in[i] NULL for a constant input takes the constant's data. Returns the kernel's
 * status. */
static hy_status run_status(ir_node *n, const void **in, void *const *out) {
  cr_assert_eq(infer(n), HY_OK, "infer: %s", D.msg);
  ir_lowered l;
  memset(&l, 0, sizeof l);
  cr_assert_eq(ir_op_get(n->op)->lower(G, n, &l), HY_OK, "lower: %s", D.msg);
  cr_assert(l.n_ints <= LOWER_MAX_INTS && l.n_floats <= LOWER_MAX_FLOATS);
  hy_tdesc ti[8], to[8];
  for (int32_t i = 0; i < n->n_in; i++) {
    ti[i] = tdesc_of(n->in[i]);
    if (!in[i] && n->in[i]) in[i] = n->in[i]->data;
  }
  for (int32_t i = 0; i < n->n_out; i++)
    to[i] = tdesc_of(n->out[i]);
  hy_kparams p = {n->n_in, n->n_out, l.n_ints, l.n_floats, ti, to, l.ints, l.floats};
  void *scratch = NULL;
  if (l.scratch_bytes) scratch = aligned_alloc(64, ((size_t)l.scratch_bytes + 63) & ~(size_t)63);
  hy_status s = hy_kernel_table[l.kernel](&p, (const void *const *)in, out, scratch, &EX);
  free(scratch);
  return s;
}
static void run(ir_node *n, const void **in, void *const *out) {
  cr_assert_eq(run_status(n, in, out), HY_OK, "kernel");
}

static void assert_error(ir_node *n, hy_status want, const char *needle) {
  cr_assert_eq(infer(n), want, "status; message: %s", D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' should contain '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "t.onnx") && strstr(D.msg, "n1"), "names file and node: %s", D.msg);
}

/* ---- Resize / Upsample ---- */

/* Resize-19 over X [1, 1, h, w] with scales (or sizes when sizes != NULL). */
static ir_node *resize2d(int64_t h, int64_t w, const float *scales, const int64_t *sizes,
                         const char *mode) {
  int64_t dims[4] = {1, 1, h, w};
  ir_value *in[4] = {val(HY_DTYPE_FLOAT, 4, dims), NULL, scales ? const_f32(scales, 4) : NULL,
                     sizes ? const_i64(sizes, 4) : NULL};
  ir_node *n = node("Resize", 19, in, 4);
  attr_s(n, "mode", mode);
  return n;
}

Test(nn_new, resize_nearest_upsample_asymmetric_floor_repeats) {
  float x[6] = {1, 2, 3, 4, 5, 6}, y[24], sc[4] = {1, 1, 2, 2};
  ir_node *n = resize2d(2, 3, sc, NULL, "nearest");
  attr_s(n, "coordinate_transformation_mode", "asymmetric");
  attr_s(n, "nearest_mode", "floor");
  const void *in[4] = {x};
  void *out[1] = {y};
  run(n, in, out);
  int64_t od[4] = {1, 1, 4, 6};
  assert_dims(n->out[0], 4, od);
  for (int64_t i = 0; i < 4; i++)
    for (int64_t j = 0; j < 6; j++)
      cr_assert_eq(y[i * 6 + j], x[(i / 2) * 3 + j / 2], "y[%lld,%lld]", (long long)i,
                   (long long)j);
}

Test(nn_new, upsample_9_nearest_and_7_scales_attribute) {
  float x[4] = {1, 2, 3, 4}, y[2 * 6], sc[4] = {1, 1, 1, 3};
  int64_t dims[4] = {1, 1, 2, 2};
  ir_value *in9[2] = {val(HY_DTYPE_FLOAT, 4, dims), const_f32(sc, 4)};
  ir_node *n = node("Upsample", 9, in9, 2);
  const void *in[2] = {x};
  void *out[1] = {y};
  run(n, in, out);
  for (int64_t i = 0; i < 12; i++)
    cr_assert_eq(y[i], x[(i / 6) * 2 + (i % 6) / 3]);
  graph_fixture_close();
  setup();
  ir_value *in7[1] = {val(HY_DTYPE_FLOAT, 4, dims)};
  n = node("Upsample", 7, in7, 1);
  float f[4] = {1, 1, 2, 1};
  n->attrs[n->n_attrs++] = (ir_attr){.name = "scales", .kind = IR_ATTR_FLOATS, .floats = f, .n = 4};
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  int64_t od[4] = {1, 1, 4, 2};
  assert_dims(n->out[0], 4, od);
}

/* Bilinear half_pixel by the textbook formula: clamp the source coordinate, mix 4 pixels. */
static double ref_bilinear(const float *x, int64_t h, int64_t w, double sy, double sx, int64_t i,
                           int64_t j) {
  double fy = fmin(fmax((i + 0.5) / sy - 0.5, 0), (double)(h - 1));
  double fx = fmin(fmax((j + 0.5) / sx - 0.5, 0), (double)(w - 1));
  int64_t y0 = (int64_t)fy, x0 = (int64_t)fx;
  int64_t y1 = y0 + 1 < h ? y0 + 1 : y0, x1 = x0 + 1 < w ? x0 + 1 : x0;
  double ay = fy - (double)y0, ax = fx - (double)x0;
  return (1 - ay) * ((1 - ax) * x[y0 * w + x0] + ax * x[y0 * w + x1]) +
         ay * ((1 - ax) * x[y1 * w + x0] + ax * x[y1 * w + x1]);
}

Test(nn_new, resize_linear_half_pixel_matches_bilinear_formula) {
  float x[5 * 7], y[8 * 3], sc[4] = {1, 1, 1.6f, 0.5f};
  fill(x, 35, 3);
  ir_node *n = resize2d(5, 7, sc, NULL, "linear");
  const void *in[4] = {x};
  void *out[1] = {y};
  run(n, in, out);
  int64_t od[4] = {1, 1, 8, 3};
  assert_dims(n->out[0], 4, od);
  for (int64_t i = 0; i < 8; i++)
    for (int64_t j = 0; j < 3; j++)
      assert_close(y[i * 3 + j], ref_bilinear(x, 5, 7, (double)1.6f, 0.5, i, j), 1e-5, "y",
                   i * 3 + j);
}

Test(nn_new, resize_linear_align_corners_keeps_the_corners) {
  float x[3] = {0, 10, 20}, y[5];
  int64_t dims[1] = {3}, sizes[1] = {5};
  ir_value *in4[4] = {val(HY_DTYPE_FLOAT, 1, dims), NULL, NULL, const_i64(sizes, 1)};
  ir_node *n = node("Resize", 13, in4, 4);
  attr_s(n, "mode", "linear");
  attr_s(n, "coordinate_transformation_mode", "align_corners");
  const void *in[4] = {x};
  void *out[1] = {y};
  run(n, in, out);
  const float want[5] = {0, 5, 10, 15, 20};
  for (int i = 0; i < 5; i++)
    assert_close(y[i], want[i], 1e-6, "y", i);
}

Test(nn_new, resize_cubic_keeps_a_linear_ramp_inside) {
  /* Keys' cubic convolution with a = -0.5 reproduces linear data away from the borders */
  float x[8], y[16], sc[1] = {2};
  for (int i = 0; i < 8; i++)
    x[i] = (float)(3 * i + 1);
  int64_t dims[1] = {8};
  ir_value *in4[3] = {val(HY_DTYPE_FLOAT, 1, dims), NULL, const_f32(sc, 1)};
  ir_node *n = node("Resize", 18, in4, 3);
  attr_s(n, "mode", "cubic");
  attr_f(n, "cubic_coeff_a", -0.5f);
  const void *in[3] = {x};
  void *out[1] = {y};
  run(n, in, out);
  for (int i = 4; i < 12; i++)
    assert_close(y[i], 3 * ((i + 0.5) / 2 - 0.5) + 1, 1e-5, "y", i);
}

Test(nn_new, resize_linear_antialias_widens_the_filter_when_downscaling) {
  /* scale 0.5: the triangle filter is stretched to 4 taps, weights 1/8, 3/8, 3/8, 1/8 */
  float x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[4], sc[1] = {0.5f};
  int64_t dims[1] = {8};
  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 1, dims), NULL, const_f32(sc, 1)};
  ir_node *n = node("Resize", 18, in3, 3);
  attr_s(n, "mode", "linear");
  attr_i(n, "antialias", 1);
  const void *in[3] = {x};
  void *out[1] = {y};
  run(n, in, out);
  assert_close(y[0], 0.375 * 1 + 0.125 * 2, 1e-6, "y", 0); /* taps -1..2, edge-clamped */
  assert_close(y[1], 2.5, 1e-6, "y", 1);
  assert_close(y[2], 4.5, 1e-6, "y", 2);
}

/* Antialiased cubic resize of X [10, 10, 3] by 0.2 on axes 0 and 1 in one node (20 taps per
 * axis: the outer tap product, 400, takes the per-element path) equals one axis at a time (the
 * row path). */
Test(nn_new, resize_is_separable_on_both_row_paths) {
  float x[300], once[12], step1[60], twice[12];
  fill(x, 300, 12);
  const float s_both[3] = {0.2f, 0.2f, 1}, s_first[3] = {0.2f, 1, 1}, s_second[3] = {1, 0.2f, 1};
  int64_t d0[3] = {10, 10, 3}, d1[3] = {2, 10, 3};
  const float *scales[3] = {s_both, s_first, s_second};
  const int64_t *dims[3] = {d0, d0, d1};
  const float *ins[3] = {x, x, step1};
  float *outs[3] = {once, step1, twice};
  for (int k = 0; k < 3; k++) {
    ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 3, dims[k]), NULL, const_f32(scales[k], 3)};
    ir_node *n = node("Resize", 19, in3, 3);
    attr_s(n, "mode", "cubic");
    attr_i(n, "antialias", 1);
    run(n, (const void *[3]){ins[k]}, (void *[1]){outs[k]});
  }
  for (int i = 0; i < 12; i++)
    assert_close(once[i], twice[i], 1e-5, "once vs per axis", i);
}

Test(nn_new, resize_tf_crop_and_resize_extrapolates_outside_the_roi) {
  float x[4] = {1, 2, 3, 4}, y[3], roi[2] = {0.5f, 1.5f};
  int64_t dims[1] = {4}, sizes[1] = {3};
  ir_value *in4[4] = {val(HY_DTYPE_FLOAT, 1, dims), const_f32(roi, 2), NULL, const_i64(sizes, 1)};
  ir_node *n = node("Resize", 13, in4, 4);
  attr_s(n, "mode", "linear");
  attr_s(n, "coordinate_transformation_mode", "tf_crop_and_resize");
  attr_f(n, "extrapolation_value", -7);
  const void *in[4] = {x};
  void *out[1] = {y};
  run(n, in, out);
  /* source coordinates 1.5, 3, 4.5 of [0, 3] */
  assert_close(y[0], 2.5, 1e-6, "y", 0);
  assert_close(y[1], 4, 1e-6, "y", 1);
  assert_close(y[2], -7, 1e-6, "y", 2);
}

Test(nn_new, resize_sizes_with_axes_and_keep_aspect_ratio) {
  int64_t dims[4] = {1, 2, 4, 8}, sizes[2] = {6, 6}, axes[2] = {2, 3};
  ir_value *in4[4] = {val(HY_DTYPE_FLOAT, 4, dims), NULL, NULL, const_i64(sizes, 2)};
  ir_node *n = node("Resize", 18, in4, 4);
  attr_ints(n, "axes", axes, 2);
  attr_s(n, "keep_aspect_ratio_policy", "not_larger");
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  int64_t want[4] = {1, 2, 3, 6}; /* scale min(6/4, 6/8) = 0.75 */
  assert_dims(n->out[0], 4, want);
  graph_fixture_close();
  setup();
  ir_value *in4b[4] = {val(HY_DTYPE_FLOAT, 4, dims), NULL, NULL, const_i64(sizes, 2)};
  n = node("Resize", 18, in4b, 4);
  attr_ints(n, "axes", axes, 2);
  attr_s(n, "keep_aspect_ratio_policy", "not_smaller");
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  int64_t want2[4] = {1, 2, 6, 12};
  assert_dims(n->out[0], 4, want2);
}

Test(nn_new, resize_uint8_rounds_and_saturates) {
  uint8_t x[2] = {0, 255}, y[4];
  float sc[1] = {2};
  int64_t dims[1] = {2};
  ir_value *in3[3] = {val(HY_DTYPE_UINT8, 1, dims), NULL, const_f32(sc, 1)};
  ir_node *n = node("Resize", 13, in3, 3);
  attr_s(n, "mode", "cubic"); /* overshoots past 255 and below 0 */
  const void *in[3] = {x};
  void *out[1] = {y};
  run(n, in, out);
  cr_assert_eq(y[0], 0);
  cr_assert_eq(y[3], 255);
  cr_assert(y[1] < y[2], "rising: %d %d", y[1], y[2]);
}

Test(nn_new, resize_errors_name_what_is_wrong) {
  float sc[4] = {1, 1, 2, 2};
  int64_t sizes[4] = {1, 1, 4, 4};
  ir_node *n = resize2d(2, 2, sc, sizes, "nearest");
  assert_error(n, HY_ERR_INVALID_MODEL, "both given");
  graph_fixture_close();
  setup();
  n = resize2d(2, 2, sc, NULL, "bicubic");
  assert_error(n, HY_ERR_INVALID_MODEL, "'mode'");
  graph_fixture_close();
  setup();
  n = resize2d(2, 2, sc, NULL, "linear");
  attr_s(n, "coordinate_transformation_mode", "tf_half_pixel_for_nn"); /* only in Resize-11 */
  assert_error(n, HY_ERR_INVALID_MODEL, "coordinate_transformation_mode");
  graph_fixture_close();
  setup();
  float bad[4] = {1, 1, 0, 2};
  n = resize2d(2, 2, bad, NULL, "nearest");
  assert_error(n, HY_ERR_INVALID_MODEL, "must be > 0");
  graph_fixture_close();
  setup();
  int64_t dims[4] = {1, 1, 2, 2};
  ir_value *dyn = val(HY_DTYPE_FLOAT, 1, (int64_t[]){4}); /* scales computed at run time */
  ir_value *in4[3] = {val(HY_DTYPE_FLOAT, 4, dims), NULL, dyn};
  n = node("Resize", 13, in4, 3);
  assert_error(n, HY_ERR_UNSUPPORTED, "known at compile time");
}

/* ---- ConvTranspose, Col2Im ---- */

/* Naive transposed convolution, 2-D: every x element scatters its weighted kernel. */
static void ref_convtranspose(const float *x, const float *w, const float *b, double *y, int64_t N,
                              int64_t C, int64_t H, int64_t W, int64_t group, int64_t Mg,
                              int64_t kh, int64_t kw, const int64_t *st, const int64_t *dl,
                              const int64_t *pb, int64_t OH, int64_t OW) {
  int64_t M = Mg * group, Cg = C / group;
  for (int64_t i = 0; i < N * M * OH * OW; i++)
    y[i] = b ? b[(i / (OH * OW)) % M] : 0;
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t m = 0; m < Mg; m++)
        for (int64_t ih = 0; ih < H; ih++)
          for (int64_t iw = 0; iw < W; iw++)
            for (int64_t a = 0; a < kh; a++)
              for (int64_t e = 0; e < kw; e++) {
                int64_t oh = ih * st[0] - pb[0] + a * dl[0], ow = iw * st[1] - pb[1] + e * dl[1];
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                int64_t oc = (c / Cg) * Mg + m;
                y[((n * M + oc) * OH + oh) * OW + ow] +=
                    x[((n * C + c) * H + ih) * W + iw] * w[((c * Mg + m) * kh + a) * kw + e];
              }
}

Test(nn_new, convtranspose_groups_strides_dilations_pads_bias) {
  enum { N = 2, C = 4, H = 3, W = 4, GR = 2, MG = 3, KH = 2, KW = 3 };
  int64_t st[2] = {2, 3}, dl[2] = {2, 1}, pads[4] = {1, 0, 0, 2}, opad[2] = {1, 0};
  /* out = st*(in-1) + opad + (k-1)*dl + 1 - pb - pe */
  int64_t OH = 2 * 2 + 1 + 2 + 1 - 1 - 0, OW = 3 * 3 + 0 + 2 + 1 - 0 - 2;
  float x[N * C * H * W], w[C * MG * KH * KW], b[GR * MG], y[N * GR * MG * 8 * 10];
  double want[N * GR * MG * 8 * 10];
  fill(x, N * C * H * W, 1);
  fill(w, C * MG * KH * KW, 2);
  fill(b, GR * MG, 3);
  int64_t xd[4] = {N, C, H, W}, wd[4] = {C, MG, KH, KW}, bd[1] = {GR * MG};
  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 4, wd),
                      val(HY_DTYPE_FLOAT, 1, bd)};
  ir_node *n = node("ConvTranspose", 22, in3, 3);
  attr_i(n, "group", GR);
  attr_ints(n, "strides", st, 2);
  attr_ints(n, "dilations", dl, 2);
  attr_ints(n, "pads", pads, 4);
  attr_ints(n, "output_padding", opad, 2);
  const void *in[3] = {x, w, b};
  void *out[1] = {y};
  run(n, in, out);
  int64_t od[4] = {N, GR * MG, OH, OW};
  assert_dims(n->out[0], 4, od);
  int64_t pb[2] = {1, 0};
  ref_convtranspose(x, w, b, want, N, C, H, W, GR, MG, KH, KW, st, dl, pb, OH, OW);
  for (int64_t i = 0; i < N * GR * MG * OH * OW; i++)
    assert_close(y[i], want[i], 1e-5, "y", i);
}

Test(nn_new, convtranspose_output_shape_and_same_upper_choose_pads) {
  float x[9], w[9], y[10 * 8];
  double want[10 * 8];
  for (int i = 0; i < 9; i++)
    x[i] = (float)i, w[i] = 1;
  int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 3, 3}, st[2] = {3, 2}, os[2] = {10, 8};
  ir_value *in2[2] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 4, wd)};
  ir_node *n = node("ConvTranspose", 11, in2, 2);
  attr_ints(n, "strides", st, 2);
  attr_ints(n, "output_shape", os, 2);
  const void *in[2] = {x, w};
  void *out[1] = {y};
  run(n, in, out);
  /* full output 9 x 7; the total padding -1 goes to the end: pads begin 0 */
  int64_t pb[2] = {0, 0}, dl[2] = {1, 1};
  ref_convtranspose(x, w, NULL, want, 1, 1, 3, 3, 1, 1, 3, 3, st, dl, pb, 10, 8);
  for (int i = 0; i < 80; i++)
    assert_close(y[i], want[i], 1e-6, "y", i);
  graph_fixture_close();
  setup();
  ir_value *in2b[2] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 4, wd)};
  n = node("ConvTranspose", 11, in2b, 2);
  int64_t st2[2] = {2, 2};
  attr_ints(n, "strides", st2, 2);
  attr_s(n, "auto_pad", "SAME_UPPER");
  run(n, (const void *[2]){x, w}, out);
  int64_t od[4] = {1, 1, 6, 6};
  assert_dims(n->out[0], 4, od);
  /* full 7 x 7, total padding 1: SAME_UPPER drops the last row and column */
  ref_convtranspose(x, w, NULL, want, 1, 1, 3, 3, 1, 1, 3, 3, st2, dl, pb, 6, 6);
  for (int i = 0; i < 36; i++)
    assert_close(y[i], want[i], 1e-6, "y", i);
}

Test(nn_new, convtranspose_channel_mismatch_is_an_error) {
  int64_t xd[4] = {1, 3, 3, 3}, wd[4] = {2, 1, 3, 3};
  ir_value *in2[2] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 4, wd)};
  ir_node *n = node("ConvTranspose", 11, in2, 2);
  assert_error(n, HY_ERR_SHAPE, "channels");
}

Test(nn_new, col2im_sums_overlapping_blocks) {
  /* image 1 x 3 x 3, 2x2 blocks, stride 1: 4 blocks; every column is all ones, so each image
   * pixel counts the blocks that cover it */
  float x[4 * 4], y[9];
  for (int i = 0; i < 16; i++)
    x[i] = 1;
  int64_t xd[3] = {1, 4, 4}, img[2] = {3, 3}, blk[2] = {2, 2};
  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 3, xd), const_i64(img, 2), const_i64(blk, 2)};
  ir_node *n = node("Col2Im", 18, in3, 3);
  const void *in[3] = {x};
  void *out[1] = {y};
  run(n, in, out);
  int64_t od[4] = {1, 1, 3, 3};
  assert_dims(n->out[0], 4, od);
  const float want[9] = {1, 2, 1, 2, 4, 2, 1, 2, 1};
  for (int i = 0; i < 9; i++)
    cr_assert_eq(y[i], want[i], "y[%d] = %g", i, (double)y[i]);
  graph_fixture_close();
  setup();
  int64_t xbad[3] = {1, 4, 5}; /* 5 blocks do not fit a 3x3 image */
  ir_value *in3b[3] = {val(HY_DTYPE_FLOAT, 3, xbad), const_i64(img, 2), const_i64(blk, 2)};
  n = node("Col2Im", 18, in3b, 3);
  assert_error(n, HY_ERR_SHAPE, "blocks that fit");
}

/* ---- normalisations ---- */

/* Naive group norm of X [N, C, sp], scale/bias per channel or per group. */
static void ref_groupnorm(const float *x, const float *sc, const float *bi, double *y, int64_t N,
                          int64_t C, int64_t sp, int64_t ng, bool per_channel, double eps) {
  int64_t cg = C / ng;
  for (int64_t n = 0; n < N; n++)
    for (int64_t g = 0; g < ng; g++) {
      double s = 0, q = 0;
      const float *xs = x + (n * C + g * cg) * sp;
      for (int64_t i = 0; i < cg * sp; i++)
        s += xs[i];
      double m = s / (double)(cg * sp);
      for (int64_t i = 0; i < cg * sp; i++)
        q += (xs[i] - m) * (xs[i] - m);
      double inv = 1 / sqrt(q / (double)(cg * sp) + eps);
      for (int64_t i = 0; i < cg * sp; i++) {
        int64_t k = per_channel ? g * cg + i / sp : g;
        y[(n * C + g * cg) * sp + i] = (xs[i] - m) * inv * sc[k] + bi[k];
      }
    }
}

static void check_groupnorm(const char *op, int opset, int64_t ng, bool per_channel) {
  enum { N = 2, C = 6, H = 3, W = 5 };
  float x[N * C * H * W], sc[C], bi[C], y[N * C * H * W];
  double want[N * C * H * W];
  fill(x, N * C * H * W, 5);
  fill(sc, C, 6);
  fill(bi, C, 7);
  int64_t np = per_channel ? C : ng, xd[4] = {N, C, H, W};
  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 1, &np),
                      val(HY_DTYPE_FLOAT, 1, &np)};
  ir_node *n = node(op, opset, in3, 3);
  if (strcmp(op, "InstanceNormalization")) attr_i(n, "num_groups", ng);
  attr_f(n, "epsilon", 1e-3f);
  run(n, (const void *[3]){x, sc, bi}, (void *[1]){y});
  ref_groupnorm(x, sc, bi, want, N, C, H * W, ng, per_channel, (double)1e-3f);
  for (int64_t i = 0; i < N * C * H * W; i++)
    assert_close(y[i], want[i], 1e-5, op, i);
}

Test(nn_new, group_norm_21_per_channel_18_per_group_and_instance_norm) {
  check_groupnorm("GroupNormalization", 21, 3, true);
  graph_fixture_close();
  setup();
  check_groupnorm("GroupNormalization", 18, 2, false);
  graph_fixture_close();
  setup();
  check_groupnorm("InstanceNormalization", 22, 6, true);
}

Test(nn_new, group_norm_errors) {
  int64_t xd[4] = {1, 6, 2, 2}, np = 6;
  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 1, &np),
                      val(HY_DTYPE_FLOAT, 1, &np)};
  ir_node *n = node("GroupNormalization", 21, in3, 3);
  attr_i(n, "num_groups", 4);
  assert_error(n, HY_ERR_INVALID_MODEL, "'num_groups'");
  graph_fixture_close();
  setup();
  ir_value *in3b[3] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_FLOAT, 1, &np),
                       val(HY_DTYPE_FLOAT, 1, &np)};
  n = node("GroupNormalization", 18, in3b, 3); /* 18 wants num_groups scales */
  attr_i(n, "num_groups", 3);
  assert_error(n, HY_ERR_SHAPE, "num_groups");
}

Test(nn_new, lrn_window_is_cut_at_the_channel_edges) {
  enum { C = 5, SP = 3 };
  float x[C * SP], y[C * SP];
  fill(x, C * SP, 8);
  int64_t xd[4] = {1, C, 1, SP};
  ir_value *v = val(HY_DTYPE_FLOAT, 4, xd);
  ir_node *n = node("LRN", 13, &v, 1);
  attr_i(n, "size", 4);
  attr_f(n, "alpha", 0.5f);
  attr_f(n, "beta", 0.75f);
  attr_f(n, "bias", 2);
  run(n, (const void *[1]){x}, (void *[1]){y});
  for (int64_t c = 0; c < C; c++)
    for (int64_t i = 0; i < SP; i++) {
      double sq = 0; /* size 4: one channel below, two above */
      for (int64_t k = c - 1; k <= c + 2; k++)
        if (k >= 0 && k < C) sq += (double)x[k * SP + i] * x[k * SP + i];
      double want = x[c * SP + i] / pow(2 + 0.5 / 4 * sq, 0.75);
      assert_close(y[c * SP + i], want, 1e-5, "lrn", c * SP + i);
    }
  graph_fixture_close();
  setup();
  v = val(HY_DTYPE_FLOAT, 4, xd);
  n = node("LRN", 13, &v, 1);
  assert_error(n, HY_ERR_INVALID_MODEL, "'size'");
}

Test(nn_new, lp_normalization_l1_on_axis_0_and_l2_last) {
  float x[12], y[12];
  fill(x, 12, 9);
  int64_t xd[2] = {3, 4};
  ir_value *v = val(HY_DTYPE_FLOAT, 2, xd);
  ir_node *n = node("LpNormalization", 22, &v, 1);
  attr_i(n, "axis", 0);
  attr_i(n, "p", 1);
  run(n, (const void *[1]){x}, (void *[1]){y});
  for (int j = 0; j < 4; j++) {
    double s = fabs(x[j]) + fabs(x[4 + j]) + fabs(x[8 + j]);
    for (int i = 0; i < 3; i++)
      assert_close(y[i * 4 + j], x[i * 4 + j] / s, 1e-6, "l1", i);
  }
  graph_fixture_close();
  setup();
  v = val(HY_DTYPE_FLOAT, 2, xd);
  n = node("LpNormalization", 22, &v, 1);
  run(n, (const void *[1]){x}, (void *[1]){y});
  for (int i = 0; i < 3; i++) {
    double s = 0;
    for (int j = 0; j < 4; j++)
      s += (double)x[i * 4 + j] * x[i * 4 + j];
    for (int j = 0; j < 4; j++)
      assert_close(y[i * 4 + j], x[i * 4 + j] / sqrt(s), 1e-6, "l2", j);
  }
  graph_fixture_close();
  setup();
  float z[4] = {0, 3, 0, 4}, zy[4]; /* a zero column stays zero */
  int64_t zd[2] = {2, 2};
  v = val(HY_DTYPE_FLOAT, 2, zd);
  n = node("LpNormalization", 22, &v, 1);
  attr_i(n, "axis", 0);
  run(n, (const void *[1]){z}, (void *[1]){zy});
  const float zwant[4] = {0, 0.6f, 0, 0.8f};
  for (int i = 0; i < 4; i++)
    assert_close(zy[i], zwant[i], 1e-6, "zero norm", i);
  graph_fixture_close();
  setup();
  v = val(HY_DTYPE_FLOAT, 2, xd);
  n = node("LpNormalization", 22, &v, 1);
  attr_i(n, "p", 3);
  assert_error(n, HY_ERR_INVALID_MODEL, "'p'");
}

Test(nn_new, mvn_over_default_and_given_axes) {
  enum { N = 2, C = 3, H = 2, W = 4 };
  float x[N * C * H * W], y[N * C * H * W];
  fill(x, N * C * H * W, 10);
  int64_t xd[4] = {N, C, H, W};
  ir_value *v = val(HY_DTYPE_FLOAT, 4, xd);
  ir_node *n = node("MeanVarianceNormalization", 13, &v, 1);
  run(n, (const void *[1]){x}, (void *[1]){y});
  for (int64_t c = 0; c < C; c++) { /* default axes 0, 2, 3: statistics per channel */
    double s = 0, q = 0;
    for (int64_t b = 0; b < N; b++)
      for (int64_t i = 0; i < H * W; i++)
        s += x[(b * C + c) * H * W + i];
    double m = s / (N * H * W);
    for (int64_t b = 0; b < N; b++)
      for (int64_t i = 0; i < H * W; i++)
        q += (x[(b * C + c) * H * W + i] - m) * (x[(b * C + c) * H * W + i] - m);
    double sd = sqrt(q / (N * H * W));
    for (int64_t b = 0; b < N; b++)
      for (int64_t i = 0; i < H * W; i++) {
        int64_t k = (b * C + c) * H * W + i;
        assert_close(y[k], (x[k] - m) / (sd + 1e-9), 1e-5, "mvn", k);
      }
  }
  graph_fixture_close();
  setup();
  v = val(HY_DTYPE_FLOAT, 4, xd);
  n = node("MeanVarianceNormalization", 13, &v, 1);
  int64_t axes[2] = {1, 1};
  attr_ints(n, "axes", axes, 2);
  assert_error(n, HY_ERR_INVALID_MODEL, "twice");
}

/* ---- LpPool, MaxUnpool, CenterCropPad ---- */

Test(nn_new, lppool_p3_with_pads_counts_padding_as_zero) {
  float x[12], y[12];
  fill(x, 12, 11);
  int64_t xd[4] = {1, 1, 3, 4}, k[2] = {2, 2}, pads[4] = {1, 1, 0, 0};
  ir_value *v = val(HY_DTYPE_FLOAT, 4, xd);
  ir_node *n = node("LpPool", 18, &v, 1);
  attr_ints(n, "kernel_shape", k, 2);
  attr_ints(n, "pads", pads, 4);
  attr_i(n, "p", 3);
  run(n, (const void *[1]){x}, (void *[1]){y});
  int64_t od[4] = {1, 1, 3, 4};
  assert_dims(n->out[0], 4, od);
  for (int64_t i = 0; i < 3; i++)
    for (int64_t j = 0; j < 4; j++) {
      double s = 0;
      for (int64_t a = i - 1; a <= i; a++)
        for (int64_t b = j - 1; b <= j; b++)
          if (a >= 0 && b >= 0) s += pow(fabs(x[a * 4 + b]), 3);
      assert_close(y[i * 4 + j], cbrt(s), 1e-5, "lppool", i * 4 + j);
    }
  graph_fixture_close();
  setup();
  v = val(HY_DTYPE_FLOAT, 4, xd);
  n = node("LpPool", 18, &v, 1);
  attr_ints(n, "kernel_shape", k, 2);
  attr_i(n, "p", 0);
  assert_error(n, HY_ERR_INVALID_MODEL, "'p'");
}

Test(nn_new, maxunpool_places_values_and_checks_indices) {
  float x[4] = {5, 6, 7, 8}, y[16];
  int64_t idx[4] = {5, 7, 13, 15}, xd[4] = {1, 1, 2, 2}, k[2] = {2, 2}, st[2] = {2, 2};
  ir_value *in2[2] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_INT64, 4, xd)};
  ir_node *n = node("MaxUnpool", 11, in2, 2);
  attr_ints(n, "kernel_shape", k, 2);
  attr_ints(n, "strides", st, 2);
  run(n, (const void *[2]){x, idx}, (void *[1]){y});
  int64_t od[4] = {1, 1, 4, 4};
  assert_dims(n->out[0], 4, od);
  for (int i = 0; i < 16; i++) {
    float want = i == 5 ? 5 : i == 7 ? 6 : i == 13 ? 7 : i == 15 ? 8 : 0;
    cr_assert_eq(y[i], want, "y[%d]", i);
  }
  idx[2] = 16; /* past the unpooled 4x4 */
  cr_assert_eq(run_status(n, (const void *[2]){x, idx}, (void *[1]){y}), HY_ERR_SHAPE);
  graph_fixture_close();
  setup();
  /* output_shape 5x5: the 4x4 unpooled block fills the top-left corner */
  int64_t os[4] = {1, 1, 5, 5};
  ir_value *in3[3] = {val(HY_DTYPE_FLOAT, 4, xd), val(HY_DTYPE_INT64, 4, xd), const_i64(os, 4)};
  n = node("MaxUnpool", 11, in3, 3);
  attr_ints(n, "kernel_shape", k, 2);
  attr_ints(n, "strides", st, 2);
  float y5[25];
  idx[2] = 13;
  run(n, (const void *[3]){x, idx, NULL}, (void *[1]){y5});
  cr_assert_eq(y5[1 * 5 + 1], 5);
  cr_assert_eq(y5[3 * 5 + 3], 8);
  cr_assert_eq(y5[4 * 5 + 4], 0);
}

Test(nn_new, center_crop_pad_crops_and_pads_around_the_centre) {
  float x[5 * 2], y[3 * 5];
  for (int i = 0; i < 10; i++)
    x[i] = (float)(i + 1);
  int64_t xd[2] = {5, 2}, shape[2] = {3, 5};
  ir_value *in2[2] = {val(HY_DTYPE_FLOAT, 2, xd), const_i64(shape, 2)};
  ir_node *n = node("CenterCropPad", 18, in2, 2);
  run(n, (const void *[2]){x, NULL}, (void *[1]){y});
  int64_t od[2] = {3, 5};
  assert_dims(n->out[0], 2, od);
  /* rows 1..3 of x; its 2 columns at 1..2 of 5 */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 5; j++) {
      float want = j >= 1 && j <= 2 ? x[(i + 1) * 2 + j - 1] : 0;
      cr_assert_eq(y[i * 5 + j], want, "y[%d,%d]", i, j);
    }
  graph_fixture_close();
  setup();
  int64_t axes[1] = {-1}, sh1[2] = {4, 4};
  ir_value *in2b[2] = {val(HY_DTYPE_FLOAT, 2, xd), const_i64(sh1, 2)};
  n = node("CenterCropPad", 18, in2b, 2);
  attr_ints(n, "axes", axes, 1);
  assert_error(n, HY_ERR_SHAPE, "one per axis");
}
