/* The spatial sampling ops (GridSample, AffineGrid, RoiAlign, DeformConv) and PRelu-6's legacy
 * slope: each built as one node of a tiny graph, run through its infer and lower hooks and its
 * native kernel on chunky threads, and compared with values worked out by hand or a naive loop;
 * plus the errors that name what is wrong and the run-time faults kernels report. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "node_fixture.h"

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(spatial, .init = setup, .fini = graph_fixture_close);

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

/* Infers, lowers and runs n on in[] into y; returns the kernel's status. */
static hy_status run_status(ir_node *n, const void *const *in, void *y) {
  cr_assert_eq(infer(n), HY_OK, "infer: %s", D.msg);
  hy_status lowered;
  void *out[1] = {y};
  hy_status s = graph_fixture_kernel(n, in, out, &lowered);
  cr_assert_eq(lowered, HY_OK, "lower: %s", D.msg);
  return s;
}
static void run(ir_node *n, const void *const *in, void *y) {
  cr_assert_eq(run_status(n, in, y), HY_OK, "kernel");
}

static void assert_error(ir_node *n, hy_status want, const char *needle) {
  cr_assert_eq(infer(n), want, "status; message: %s", D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' should contain '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "t.onnx") && strstr(D.msg, "n1"), "names file and node: %s", D.msg);
}

/* ---- GridSample ---- */

/* GridSample at opset over X [1, 1, h, w] and a grid of p points [1, 1, p, 2]. */
static ir_node *grid2d(int opset, int64_t h, int64_t w, int64_t p, const char *mode,
                       const char *padding, int64_t align) {
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, h, w}),
                     val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, p, 2})};
  ir_node *n = fixture_node("GridSample", opset, in, 2, 1);
  if (mode) attr_s(n, "mode", mode);
  if (padding) attr_s(n, "padding_mode", padding);
  attr_i(n, "align_corners", align);
  return n;
}

Test(spatial, grid_sample_linear_centre_corner_and_each_padding) {
  /* X = [[1, 2], [3, 4]]; points (x, y): centre, top-left corner, beyond the right edge */
  float x[4] = {1, 2, 3, 4}, grid[6] = {0, 0, -1, -1, 2, 0}, y[3];
  const void *in[2] = {x, grid};
  /* zeros: the corner (-0.5, -0.5) keeps a quarter of X[0,0]; x = 2 is pixel 2.5, all outside */
  run(grid2d(20, 2, 2, 3, "linear", "zeros", 0), in, y);
  assert_close(y[0], 2.5, 1e-6, "zeros", 0);
  assert_close(y[1], 0.25, 1e-6, "zeros", 1);
  assert_close(y[2], 0, 1e-6, "zeros", 2);
  graph_fixture_close();
  setup();
  run(grid2d(20, 2, 2, 3, "linear", "border", 0), in, y); /* clamped to the last column */
  assert_close(y[1], 1, 1e-6, "border", 1);
  assert_close(y[2], 3, 1e-6, "border", 2); /* (1, 0.5): between 2 and 4 */
  graph_fixture_close();
  setup();
  /* reflection at -0.5 / 1.5: pixel 2.5 mirrors to 0.5, row 0.5 stays: mean of all four */
  run(grid2d(20, 2, 2, 3, "linear", "reflection", 0), in, y);
  assert_close(y[1], 1, 1e-6, "reflection", 1);
  assert_close(y[2], 2.5, 1e-6, "reflection", 2);
}

Test(spatial, grid_sample_16_bilinear_align_corners_hits_the_corners) {
  float x[6] = {1, 2, 3, 4, 5, 6}, grid[6] = {-1, -1, 1, 1, 0, 1}, y[3];
  const void *in[2] = {x, grid};
  run(grid2d(16, 2, 3, 3, "bilinear", NULL, 1), in, y); /* version 16's name of linear */
  assert_close(y[0], 1, 1e-6, "y", 0);
  assert_close(y[1], 6, 1e-6, "y", 1);
  assert_close(y[2], 5, 1e-6, "y", 2);
}

Test(spatial, grid_sample_nearest_rounds_half_to_even) {
  /* 1 x 4 row, align_corners: x = -1/3 is pixel 1 exactly, x = 0 is pixel 1.5 -> 2, x = -2/3 is
   * pixel 0.5 -> 0 */
  float x[4] = {10, 20, 30, 40}, grid[6] = {-1.0f / 3, 0, 0, 0, -2.0f / 3, 0}, y[3];
  const void *in[2] = {x, grid};
  run(grid2d(22, 1, 4, 3, "nearest", NULL, 1), in, y);
  assert_close(y[0], 20, 1e-6, "y", 0);
  assert_close(y[1], 30, 1e-6, "y", 1);
  assert_close(y[2], 10, 1e-6, "y", 2);
}

Test(spatial, grid_sample_cubic_hits_samples_and_midpoints_of_a_ramp) {
  /* Keys' filter is 1 on a sample and 0 on the others, and symmetric between two samples: on a
   * linear ramp both give the ramp's value. align_corners over 4 samples: g = 0 is pixel 1.5,
   * g = -1/3 pixel 1 */
  float x[16], grid[6] = {0, 0, -1.0f / 3, 0, -1.0f / 3, -1.0f / 3}, y[3];
  for (int i = 0; i < 16; i++)
    x[i] = (float)(2 * (i / 4) + (i % 4) * (i % 4)); /* 2 row + col^2 */
  const void *in[2] = {x, grid};
  run(grid2d(20, 4, 4, 3, "cubic", "border", 1), in, y);
  /* (1.5, 1.5): cols 0..3 weigh w(1.5), w(.5), w(.5), w(1.5) with w(1.5) = -0.09375 (a = -0.75) */
  double w15 = -0.09375, w05 = 0.5 - w15;
  assert_close(y[0], 2 * 1.5 + w15 * (0 + 9) + w05 * (1 + 4), 1e-5, "y", 0);
  assert_close(y[1], 2 * 1.5 + 1, 1e-5, "y", 1); /* on column 1 */
  assert_close(y[2], 2 * 1 + 1, 1e-5, "y", 2);   /* on sample (1, 1) */
}

Test(spatial, grid_sample_volumetric_trilinear_and_channels) {
  /* X [1, 2, 2, 2, 2]: channel c holds 100 c + 4 z + 2 y + x, linear in each axis */
  float x[16], grid[3] = {0.5f, -0.5f, 0}, y[2];
  for (int i = 0; i < 16; i++)
    x[i] = (float)(100 * (i / 8) + 4 * ((i / 4) % 2) + 2 * ((i / 2) % 2) + i % 2);
  ir_value *in_v[2] = {val(HY_DTYPE_FLOAT, 5, (int64_t[]){1, 2, 2, 2, 2}),
                       val(HY_DTYPE_FLOAT, 5, (int64_t[]){1, 1, 1, 1, 3})};
  ir_node *n = fixture_node("GridSample", 22, in_v, 2, 1);
  attr_i(n, "align_corners", 1);
  const void *in[2] = {x, grid};
  run(n, in, y);
  assert_dims(n->out[0], 5, (int64_t[]){1, 2, 1, 1, 1});
  /* align_corners: (x, y, z) = (0.75, 0.25, 0.5) */
  assert_close(y[0], 4 * 0.5 + 2 * 0.25 + 0.75, 1e-6, "y", 0);
  assert_close(y[1], 100 + 4 * 0.5 + 2 * 0.25 + 0.75, 1e-6, "y", 1);
}

Test(spatial, grid_sample_float16_image_and_a_nan_point) {
  /* X float16 [[1, 2], [3, 4]] sampled with a float grid; a NaN point reads as outside: 0 */
  uint16_t x[4], y[2];
  for (int i = 0; i < 4; i++)
    x[i] = hy_f32_to_f16((float)(i + 1));
  float grid[4] = {0, 0, NAN, 0};
  ir_value *in_v[2] = {val(HY_DTYPE_FLOAT16, 4, (int64_t[]){1, 1, 2, 2}),
                       val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 2, 2})};
  ir_node *n = fixture_node("GridSample", 22, in_v, 2, 1);
  const void *in[2] = {x, grid};
  run(n, in, y);
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_FLOAT16);
  assert_close(hy_f16_to_f32(y[0]), 2.5, 1e-6, "centre", 0);
  assert_close(hy_f16_to_f32(y[1]), 0, 1e-6, "nan", 1);
}

Test(spatial, grid_sample_errors_name_what_is_wrong) {
  assert_error(grid2d(16, 2, 2, 1, "linear", NULL, 0), HY_ERR_INVALID_MODEL, "'mode'");
  graph_fixture_close();
  setup();
  assert_error(grid2d(20, 2, 2, 1, "bilinear", NULL, 0), HY_ERR_INVALID_MODEL, "'mode'");
  graph_fixture_close();
  setup();
  assert_error(grid2d(20, 2, 2, 1, NULL, "wrap", 0), HY_ERR_INVALID_MODEL, "padding_mode");
  graph_fixture_close();
  setup();
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 2, 2}),
                     val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 1, 3})};
  assert_error(fixture_node("GridSample", 20, in, 2, 1), HY_ERR_SHAPE, "grid");
  graph_fixture_close();
  setup();
  ir_value *in5[2] = {val(HY_DTYPE_FLOAT, 5, (int64_t[]){1, 1, 2, 2, 2}),
                      val(HY_DTYPE_FLOAT, 5, (int64_t[]){1, 1, 1, 1, 3})};
  assert_error(fixture_node("GridSample", 16, in5, 2, 1), HY_ERR_SHAPE, "rank 4");
  graph_fixture_close();
  setup();
  ir_value *in_i[2] = {val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 2, 2}),
                       val(HY_DTYPE_INT32, 4, (int64_t[]){1, 1, 1, 2})};
  assert_error(fixture_node("GridSample", 20, in_i, 2, 1), HY_ERR_DTYPE, "input 1");
}

/* ---- AffineGrid ---- */

static ir_node *affine(const int64_t *size, int32_t count, int64_t align) {
  int64_t r = count - 2, tdims[3] = {1, r, r + 1}; /* one matrix */
  ir_value *sz = val(HY_DTYPE_INT64, 1, (int64_t[]){count});
  int64_t *d = arena_array(&A, 8, sizeof *d);
  memcpy(d, size, (size_t)count * sizeof *size);
  sz->data = d;
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 3, tdims), sz};
  ir_node *n = fixture_node("AffineGrid", 20, in, 2, 1);
  attr_i(n, "align_corners", align);
  return n;
}

Test(spatial, affine_grid_2d_identity_and_transform) {
  /* identity over H 2 x W 3: x in {-2/3, 0, 2/3}, y in {-1/2, 1/2} (pixel centres) */
  float theta[6] = {1, 0, 0, 0, 1, 0}, g[12];
  const void *in[2] = {theta, NULL};
  ir_node *n = affine((int64_t[]){1, 1, 2, 3}, 4, 0);
  run(n, in, g);
  assert_dims(n->out[0], 4, (int64_t[]){1, 2, 3, 2});
  for (int i = 0; i < 6; i++) {
    assert_close(g[2 * i], (2.0 * (i % 3) + 1) / 3 - 1, 1e-6, "x", i);
    assert_close(g[2 * i + 1], (2.0 * (i / 3) + 1) / 2 - 1, 1e-6, "y", i);
  }
  graph_fixture_close();
  setup();
  /* align_corners, swap x and y and shift x by 0.5: the corners land on +-1 (+0.5) */
  float swap[6] = {0, 1, 0.5f, 1, 0, 0};
  const void *in2[2] = {swap, NULL};
  run(affine((int64_t[]){1, 1, 2, 3}, 4, 1), in2, g);
  assert_close(g[0], -1 + 0.5, 1e-6, "g", 0); /* point (0, 0): (x, y) = (-1, -1) */
  assert_close(g[1], -1, 1e-6, "g", 1);
  assert_close(g[10], 1 + 0.5, 1e-6, "g", 10); /* point (1, 2): (1, 1) */
  assert_close(g[11], 1, 1e-6, "g", 11);
  assert_close(g[3], 0, 1e-6, "g", 3); /* point (0, 1): x = 0 */
}

Test(spatial, affine_grid_3d_scales_each_axis) {
  float theta[12] = {2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0}, g[2 * 2 * 2 * 3];
  const void *in[2] = {theta, NULL};
  ir_node *n = affine((int64_t[]){1, 1, 2, 2, 2}, 5, 1);
  run(n, in, g);
  assert_dims(n->out[0], 5, (int64_t[]){1, 2, 2, 2, 3});
  for (int i = 0; i < 8; i++) { /* point (z, y, x) = bits of i */
    assert_close(g[3 * i], 2 * ((i & 1) ? 1 : -1), 1e-6, "x", i);
    assert_close(g[3 * i + 1], 3 * ((i & 2) ? 1 : -1), 1e-6, "y", i);
    assert_close(g[3 * i + 2], 4 * ((i & 4) ? 1 : -1), 1e-6, "z", i);
  }
}

Test(spatial, affine_grid_errors) {
  assert_error(affine((int64_t[]){1, 1, 2}, 3, 0), HY_ERR_SHAPE, "size has 3 values");
  graph_fixture_close();
  setup();
  ir_value *sz = val(HY_DTYPE_INT64, 1, (int64_t[]){4}); /* not known at compile time */
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 3, (int64_t[]){1, 2, 3}), sz};
  assert_error(fixture_node("AffineGrid", 20, in, 2, 1), HY_ERR_UNSUPPORTED,
               "known at compile time");
  graph_fixture_close();
  setup();
  int64_t size[4] = {2, 1, 2, 2}; /* size asks for two matrices */
  assert_error(affine(size, 4, 0), HY_ERR_SHAPE, "theta");
}

/* ---- RoiAlign ---- */

/* RoiAlign at opset over X [n, 1, h, w], r regions, output oh x ow. */
static ir_node *roi(int opset, int64_t n_img, int64_t h, int64_t w, int64_t r, int64_t oh,
                    int64_t ow) {
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 4, (int64_t[]){n_img, 1, h, w}),
                     val(HY_DTYPE_FLOAT, 2, (int64_t[]){r, 4}),
                     val(HY_DTYPE_INT64, 1, (int64_t[]){r})};
  ir_node *n = fixture_node("RoiAlign", opset, in, 3, 1);
  attr_i(n, "output_height", oh);
  attr_i(n, "output_width", ow);
  return n;
}

Test(spatial, roi_align_avg_of_a_ramp_is_the_ramp_at_bin_centres) {
  /* X = 10 y + x on 6 x 6; region (1, 1)-(5, 3) (x1, y1, x2, y2), output 2 x 2, half_pixel:
   * bins of 2 x 1 pixels from (0.5, 0.5); bilinear samples of a linear image average to the
   * bin centre's value */
  float x[36], rois[4] = {1, 1, 5, 3}, y[4];
  int64_t batch[1] = {0};
  for (int i = 0; i < 36; i++)
    x[i] = (float)(10 * (i / 6) + i % 6);
  const void *in[3] = {x, rois, batch};
  ir_node *n = roi(16, 1, 6, 6, 1, 2, 2);
  run(n, in, y);
  assert_dims(n->out[0], 4, (int64_t[]){1, 1, 2, 2});
  for (int k = 0; k < 4; k++) {
    double cy = 0.5 + (k / 2 + 0.5) * 1, cx = 0.5 + (k % 2 + 0.5) * 2;
    assert_close(y[k], 10 * cy + cx, 1e-5, "y", k);
  }
  graph_fixture_close();
  setup();
  /* version 10 (output_half_pixel): no -0.5 shift, so every centre moves by +0.5 */
  n = roi(10, 1, 6, 6, 1, 2, 2);
  attr_i(n, "sampling_ratio", 2);
  run(n, in, y);
  for (int k = 0; k < 4; k++) {
    double cy = 1 + (k / 2 + 0.5) * 1, cx = 1 + (k % 2 + 0.5) * 2;
    assert_close(y[k], 10 * cy + cx, 1e-5, "v10", k);
  }
}

Test(spatial, roi_align_max_takes_the_largest_weighted_corner) {
  /* one sample per bin, at the centre of a 2 x 2 image: each corner weighs 1/4 */
  float x[4] = {1, 2, 3, 8}, rois[4] = {0, 0, 2, 2}, y[1];
  int64_t batch[1] = {0};
  const void *in[3] = {x, rois, batch};
  ir_node *n = roi(22, 1, 2, 2, 1, 1, 1);
  attr_s(n, "mode", "max");
  attr_i(n, "sampling_ratio", 1);
  run(n, in, y);
  assert_close(y[0], 8 * 0.25, 1e-6, "max", 0);
}

Test(spatial, roi_align_picks_the_image_and_refuses_a_bad_batch_index) {
  float x[8] = {1, 1, 1, 1, 7, 7, 7, 7}, rois[8] = {0, 0, 2, 2, 0, 0, 1, 1}, y[2];
  int64_t batch[2] = {1, 0};
  const void *in[3] = {x, rois, batch};
  run(roi(16, 2, 2, 2, 2, 1, 1), in, y);
  assert_close(y[0], 7, 1e-6, "y", 0);
  assert_close(y[1], 1, 1e-6, "y", 1);
  graph_fixture_close();
  setup();
  int64_t bad[2] = {0, 2};
  const void *in_bad[3] = {x, rois, bad};
  cr_assert_eq(run_status(roi(16, 2, 2, 2, 2, 1, 1), in_bad, y), HY_ERR_SHAPE);
  graph_fixture_close();
  setup();
  float huge[8] = {0, 0, 1e30f, 1e30f, 0, 0, 1, 1}; /* an adaptive grid of 1e30 samples */
  const void *in_huge[3] = {x, huge, batch};
  cr_assert_eq(run_status(roi(16, 2, 2, 2, 2, 1, 1), in_huge, y), HY_ERR_SHAPE);
}

Test(spatial, roi_align_errors) {
  ir_node *n = roi(16, 1, 2, 2, 1, 1, 1);
  attr_s(n, "coordinate_transformation_mode", "align_corners");
  assert_error(n, HY_ERR_INVALID_MODEL, "coordinate_transformation_mode");
  graph_fixture_close();
  setup();
  n = roi(16, 1, 2, 2, 1, 0, 1);
  assert_error(n, HY_ERR_INVALID_MODEL, "output_height");
  graph_fixture_close();
  setup();
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 4, (int64_t[]){1, 1, 2, 2}),
                     val(HY_DTYPE_FLOAT, 2, (int64_t[]){2, 4}),
                     val(HY_DTYPE_INT64, 1, (int64_t[]){3})};
  assert_error(fixture_node("RoiAlign", 16, in, 3, 1), HY_ERR_SHAPE, "batch_indices");
}

/* ---- DeformConv ---- */

enum { DN = 1, DC = 4, DH = 4, DW = 5, DM = 2, DK = 2, DOH = 3, DOW = 4 };

/* DeformConv-22 of X [1, 4, 4, 5] with W [2, 4 / group, 2, 2], offsets for offset_group groups,
 * optional bias and mask. */
static ir_node *deform(int64_t group, int64_t offset_group, bool bias, bool mask) {
  int32_t n_in = mask ? 5 : bias ? 4 : 3; /* omitted trailing inputs are left out */
  ir_value *in[5] = {
      val(HY_DTYPE_FLOAT, 4, (int64_t[]){DN, DC, DH, DW}),
      val(HY_DTYPE_FLOAT, 4, (int64_t[]){DM, DC / group, DK, DK}),
      val(HY_DTYPE_FLOAT, 4, (int64_t[]){DN, offset_group * DK * DK * 2, DOH, DOW}),
      bias ? val(HY_DTYPE_FLOAT, 1, (int64_t[]){DM}) : NULL,
      mask ? val(HY_DTYPE_FLOAT, 4, (int64_t[]){DN, offset_group * DK * DK, DOH, DOW}) : NULL};
  ir_node *n = fixture_node("DeformConv", 22, in, n_in, 1);
  attr_i(n, "group", group);
  attr_i(n, "offset_group", offset_group);
  return n;
}

/* Naive deformable convolution (stride 1, no pads): tap (a, e) of output (i, j) reads X at
 * (i + a + dy, j + e + dx) bilinearly, zero outside. */
static double ref_sample(const float *x, double py, double px) {
  double v = 0;
  for (int yy = 0; yy < DH; yy++)
    for (int xx = 0; xx < DW; xx++) {
      double wy = 1 - fabs(py - yy), wx = 1 - fabs(px - xx);
      if (wy > 0 && wx > 0) v += wy * wx * x[yy * DW + xx];
    }
  return v;
}
static void ref_deform(const float *x, const float *w, const float *off, const float *b,
                       const float *mask, int64_t group, int64_t og, double *y) {
  int64_t cg = DC / group, mg = DM / group;
  for (int m = 0; m < DM; m++)
    for (int i = 0; i < DOH; i++)
      for (int j = 0; j < DOW; j++) {
        double s = b ? b[m] : 0;
        for (int c = (int)((m / mg) * cg); c < (m / mg + 1) * cg; c++) {
          int64_t g = c / (DC / og);
          for (int a = 0; a < DK; a++)
            for (int e = 0; e < DK; e++) {
              int64_t k = a * DK + e, at = ((g * DK * DK + k) * 2) * DOH * DOW + i * DOW + j;
              double dy = off[at], dx = off[at + DOH * DOW];
              double mk = mask ? mask[(g * DK * DK + k) * DOH * DOW + i * DOW + j] : 1;
              s += w[((m * cg + c % cg) * DK + a) * DK + e] * mk *
                   ref_sample(x + c * DH * DW, i + a + dy, j + e + dx);
            }
        }
        y[(m * DOH + i) * DOW + j] = s;
      }
}

static void check_deform(int64_t group, int64_t og, bool bias, bool mask, float offset_scale) {
  float x[DC * DH * DW], w[DM * DC * DK * DK], off[2 * 2 * DK * DK * DOH * DOW], b[DM],
      mk[2 * DK * DK * DOH * DOW], y[DM * DOH * DOW];
  double want[DM * DOH * DOW];
  fill(x, DC * DH * DW, 1);
  fill(w, DM * DC * DK * DK, 2);
  fill(off, 2 * 2 * DK * DK * DOH * DOW, 3);
  fill(b, DM, 4);
  fill(mk, 2 * DK * DK * DOH * DOW, 5);
  for (size_t i = 0; i < sizeof off / sizeof *off; i++)
    off[i] *= offset_scale; /* fill gives [-4, 4]: offsets reach outside X too */
  ir_node *n = deform(group, og, bias, mask);
  const void *in[5] = {x, w, off, bias ? b : NULL, mask ? mk : NULL};
  run(n, in, y);
  assert_dims(n->out[0], 4, (int64_t[]){DN, DM, DOH, DOW});
  ref_deform(x, w, off, bias ? b : NULL, mask ? mk : NULL, group, og, want);
  for (int i = 0; i < DM * DOH * DOW; i++)
    assert_close(y[i], want[i], 1e-4, "y", i);
}

Test(spatial, deform_conv_zero_offsets_is_a_convolution) { check_deform(1, 1, false, false, 0); }
Test(spatial, deform_conv_fractional_offsets_mask_and_bias) {
  check_deform(1, 1, true, true, 0.4f);
}
Test(spatial, deform_conv_groups_and_offset_groups) {
  check_deform(2, 2, true, false, 0.6f);
  graph_fixture_close();
  setup();
  check_deform(1, 2, false, true, 1.0f);
}

Test(spatial, deform_conv_errors) {
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 4, (int64_t[]){DN, DC, DH, DW}),
                     val(HY_DTYPE_FLOAT, 4, (int64_t[]){DM, DC, DK, DK}),
                     val(HY_DTYPE_FLOAT, 4, (int64_t[]){DN, DK * DK, DOH, DOW})};
  assert_error(fixture_node("DeformConv", 19, in, 3, 1), HY_ERR_SHAPE, "input 2");
  graph_fixture_close();
  setup();
  ir_node *n = deform(1, 3, false, false);
  assert_error(n, HY_ERR_INVALID_MODEL, "offset_group");
  graph_fixture_close();
  setup();
  n = deform(1, 1, false, false);
  n->attrs[0].i = 0; /* group 0: an error, not a division by zero */
  assert_error(n, HY_ERR_INVALID_MODEL, "'group'");
}

/* ---- PRelu-6 ---- */

static ir_node *prelu6(const int64_t *xd, int32_t xr, const int64_t *sd, int32_t sr) {
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, xr, xd), val(HY_DTYPE_FLOAT, sr, sd)};
  return fixture_node("PRelu", 6, in, 2, 1);
}

Test(spatial, prelu_6_slope_per_channel_or_shared) {
  float x[24], slope[3] = {0.5f, -2, 3}, y[24];
  fill(x, 24, 7);
  const void *in[2] = {x, slope};
  ir_node *n = prelu6((int64_t[]){2, 3, 4}, 3, (int64_t[]){3}, 1);
  run(n, in, y);
  assert_dims(n->out[0], 3, (int64_t[]){2, 3, 4});
  for (int i = 0; i < 24; i++)
    assert_close(y[i], x[i] < 0 ? slope[(i / 4) % 3] * x[i] : x[i], 1e-6, "per channel", i);
  graph_fixture_close();
  setup();
  run(prelu6((int64_t[]){2, 3, 4}, 3, (int64_t[]){1}, 1), in, y);
  for (int i = 0; i < 24; i++)
    assert_close(y[i], x[i] < 0 ? 0.5 * x[i] : x[i], 1e-6, "shared", i);
}

Test(spatial, prelu_6_refuses_a_slope_that_fits_no_legacy_way) {
  /* [4] matches X's last dim (numpy would broadcast it) but not its channels */
  assert_error(prelu6((int64_t[]){2, 3, 4}, 3, (int64_t[]){4}, 1), HY_ERR_SHAPE, "PRelu-6");
}
