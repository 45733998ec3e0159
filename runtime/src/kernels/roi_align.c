/* roi_align (RoiAlign): Y[r, c, ph, pw] pools the bin (ph, pw) of region r of image
 * batch_indices[r]: a grid of bilinear samples (sampling_ratio per side, or ceil(bin size) when
 * it is 0), averaged, or for max the largest weighted corner of each sample, as onnxruntime and
 * onnx's reference do. Samples more than one pixel outside the image read 0; nearer ones clamp to
 * the border (Caffe2's rules).
 *
 * in X [N, C, H, W], rois [R, 4] (x1, y1, x2, y2; X's dtype), batch_indices [R] int64; out Y
 * [R, C, oh, ow]. X, rois, Y float, double, float16 or bfloat16.
 * ints: [0] mode (hy_roi_pool), [1] half_pixel (1: pixel centres at +0.5, rois shift by -0.5),
 *       [2] sampling_ratio (0: adaptive). floats: [0] spatial_scale.
 * A batch index out of [0, N) or a region whose adaptive grid exceeds 2^16 samples a side (or is
 * not finite) is HY_ERR_SHAPE. */
#include "hydra/kernel.h"
#include "hydra/sampling.h"
#include "kernels/interp.h"
#include "kernels/kernel_util.h"
#include "kernels/sample.h"

enum { ROI_MAX_GRID = 1 << 16 };

typedef struct roi_job {
  const hy_kparams *p;
  const void *x, *rois;
  const int64_t *batch;
  void *y;
} roi_job;

/* Region r in X's pixels: start (y, x), bin size (y, x) and samples per bin side (y, x); false
 * when the grid is out of bounds. */
static bool roi_region(const hy_kparams *p, const void *rois, int64_t r, double *start, double *bin,
                       int64_t *grid) {
  double scale = p->floats[0], shift = p->ints[1] ? 0.5 : 0;
  for (int32_t a = 0; a < 2; a++) { /* a = 0: y (rois columns 1, 3), 1: x (0, 2) */
    double lo = hy_k_load_real(rois, p->in[1].dtype, r * 4 + 1 - a) * scale - shift;
    double hi = hy_k_load_real(rois, p->in[1].dtype, r * 4 + 3 - a) * scale - shift;
    double size = hi - lo;
    if (!p->ints[1]) size = fmax(size, 1.0);
    int64_t out = p->out[0].dims[2 + a];
    start[a] = lo;
    bin[a] = size / (double)out;
    double g = p->ints[2] > 0 ? (double)p->ints[2] : ceil(size / (double)out);
    if (!(g <= ROI_MAX_GRID)) return false; /* NaN too */
    grid[a] = g > 0 ? (int64_t)g : 0;
  }
  return true;
}

/* One bilinear sample at (y, x) of an H x W image: four positions and weights. */
static void roi_sample(double y, double x, int64_t H, int64_t W, int64_t *pos, double *w) {
  if (y < -1.0 || y > (double)H || x < -1.0 || x > (double)W) {
    for (int32_t k = 0; k < 4; k++)
      pos[k] = 0, w[k] = 0;
    return;
  }
  y = fmax(y, 0), x = fmax(x, 0);
  int64_t y0 = (int64_t)y, x0 = (int64_t)x, y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= H - 1) y0 = y1 = H - 1, y = (double)y0;
  if (x0 >= W - 1) x0 = x1 = W - 1, x = (double)x0;
  double wy[2] = {interp_linear(y - (double)y0), interp_linear(y - (double)y1)};
  double wx[2] = {interp_linear(x - (double)x0), interp_linear(x - (double)x1)};
  if (y1 == y0) wy[0] = 1, wy[1] = 0; /* clamped: all weight on the border row */
  if (x1 == x0) wx[0] = 1, wx[1] = 0;
  int64_t ys[2] = {y0, y1}, xs[2] = {x0, x1};
  for (int32_t k = 0; k < 4; k++) {
    pos[k] = ys[k / 2] * W + xs[k % 2];
    w[k] = wy[k / 2] * wx[k % 2];
  }
}

static void roi_bins(void *arg, int64_t begin, int64_t end) {
  const roi_job *j = arg;
  const hy_kparams *p = j->p;
  const hy_tdesc *xd = &p->in[0], *yd = &p->out[0];
  int32_t dt = xd->dtype;
  int64_t C = xd->dims[1], H = xd->dims[2], W = xd->dims[3], oh = yd->dims[2], ow = yd->dims[3];
  for (int64_t i = begin; i < end; i++) {
    int64_t pw = i % ow, ph = i / ow % oh, c = i / (ow * oh) % C, r = i / (ow * oh * C);
    double start[2], bin[2];
    int64_t grid[2], pos[4];
    double w[4];
    roi_region(p, j->rois, r, start, bin, grid);
    const int64_t base = (j->batch[r] * C + c) * H * W;
    double acc = 0;
    bool first = true;
    for (int64_t iy = 0; iy < grid[0]; iy++) {
      double y = start[0] + (double)ph * bin[0] + ((double)iy + 0.5) * bin[0] / (double)grid[0];
      for (int64_t ix = 0; ix < grid[1]; ix++) {
        double x = start[1] + (double)pw * bin[1] + ((double)ix + 0.5) * bin[1] / (double)grid[1];
        roi_sample(y, x, H, W, pos, w);
        if (p->ints[0] == HY_ROI_AVG) {
          for (int32_t k = 0; k < 4; k++)
            acc += w[k] * hy_k_load_real(j->x, dt, base + pos[k]);
          continue;
        }
        for (int32_t k = 0; k < 4; k++) {
          double v = w[k] * hy_k_load_real(j->x, dt, base + pos[k]);
          acc = first || v > acc ? v : acc;
          first = false;
        }
      }
    }
    if (p->ints[0] == HY_ROI_AVG) acc /= (double)(grid[0] * grid[1] > 1 ? grid[0] * grid[1] : 1);
    hy_k_store_real(j->y, dt, i, acc);
  }
}

hy_status hy_kernel_roi_align(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch;
  const hy_tdesc *xd = &p->in[0], *rd = &p->in[1], *bd = &p->in[2], *yd = &p->out[0];
  if (p->n_ints < 3 || p->n_floats < 1 || p->n_in < 3 || xd->rank != 4 || rd->rank != 2 ||
      rd->dims[1] != 4 || bd->rank != 1 || bd->dims[0] != rd->dims[0] || yd->rank != 4 ||
      yd->dims[0] != rd->dims[0] || yd->dims[1] != xd->dims[1])
    return HY_ERR_INTERNAL;
  if (!sample_dtype_ok(xd->dtype) || rd->dtype != xd->dtype || yd->dtype != xd->dtype ||
      bd->dtype != HY_DTYPE_INT64)
    return HY_ERR_DTYPE;
  if (hy_tdesc_numel(yd) == 0) return HY_OK;
  const int64_t *batch = in[2];
  for (int64_t r = 0; r < rd->dims[0]; r++) {
    double start[2], bin[2];
    int64_t grid[2];
    if (batch[r] < 0 || batch[r] >= xd->dims[0] || !roi_region(p, in[1], r, start, bin, grid))
      return HY_ERR_SHAPE;
  }
  if (xd->dims[2] == 0 || xd->dims[3] == 0) return HY_ERR_SHAPE; /* bins, but no image */
  roi_job j = {p, in[0], in[1], batch, out[0]};
  hy_parallel_for(ex, hy_tdesc_numel(yd), roi_bins, &j);
  return HY_OK;
}
