/* grid_sample (GridSample): Y[n, c, o] is X[n, c] sampled at the point grid[n, o, :], whose
 * components are normalised coordinates in [-1, 1] of X's spatial axes, last axis first (x, y,
 * z). Each point's taps (sample_taps) are worked out once and reused for every channel.
 *
 * in X [N, C, d1..dr], grid [N, o1..or, r]; out Y [N, C, o1..or]. X, grid and Y float, double,
 * float16 or bfloat16 (X and Y alike; grid may differ).
 * ints: [0] mode (hy_resize_mode), [1] padding (hy_grid_padding), [2] align_corners. */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"
#include "kernels/sample.h"

typedef struct gs_job {
  const hy_kparams *p;
  const void *x, *grid;
  void *y;
} gs_job;

/* The taps of point o of batch n over all axes: X offsets within one image and weights. */
static int32_t gs_point_taps(const gs_job *j, int64_t n, int64_t o, int64_t points, int64_t *off,
                             double *wt) {
  const hy_kparams *p = j->p;
  const hy_tdesc *xd = &p->in[0];
  int32_t r = xd->rank - 2;
  bool align = p->ints[2] != 0;
  sample_point sp;
  for (int32_t d = 0; d < r; d++) {
    int64_t len = xd->dims[2 + d];
    double g = hy_k_load_real(j->grid, p->in[1].dtype, (n * points + o) * r + (r - 1 - d));
    double x = align ? (g + 1) / 2 * (double)(len - 1) : ((g + 1) * (double)len - 1) / 2;
    double lo = align ? 0 : -0.5, hi = align ? (double)(len - 1) : (double)len - 0.5;
    sp.n[d] = sample_taps(x, len, p->ints[0], p->ints[1], lo, hi, sp.idx[d], sp.w[d]);
  }
  return sample_product(&sp, r, xd->dims + 2, off, wt);
}

static void gs_points(void *arg, int64_t begin, int64_t end) {
  const gs_job *j = arg;
  const hy_kparams *p = j->p;
  const hy_tdesc *xd = &p->in[0], *yd = &p->out[0];
  int32_t dt = xd->dtype;
  int64_t C = xd->dims[1], image = 1, points = 1, off[HY_GRID_MAX_PRODUCT];
  double wt[HY_GRID_MAX_PRODUCT];
  for (int32_t d = 2; d < xd->rank; d++) {
    image *= xd->dims[d];
    points *= yd->dims[d];
  }
  for (int64_t i = begin; i < end; i++) {
    int64_t n = i / points, o = i % points;
    int32_t cnt = gs_point_taps(j, n, o, points, off, wt);
    for (int64_t c = 0; c < C; c++) {
      int64_t base = (n * C + c) * image;
      double sum = 0;
      for (int32_t k = 0; k < cnt; k++)
        sum += wt[k] * hy_k_load_real(j->x, dt, base + off[k]);
      hy_k_store_real(j->y, dt, (n * C + c) * points + o, sum);
    }
  }
}

hy_status hy_kernel_grid_sample(const hy_kparams *p, const void *const *in, void *const *out,
                                void *scratch, const hy_exec *ex) {
  (void)scratch;
  const hy_tdesc *xd = &p->in[0], *gd = &p->in[1], *yd = &p->out[0];
  int32_t r = xd->rank - 2;
  if (p->n_ints < 3 || p->n_in < 2 || r < 1 || gd->rank != r + 2 || yd->rank != r + 2 ||
      gd->dims[r + 1] != r || gd->dims[0] != xd->dims[0] || yd->dims[0] != xd->dims[0] ||
      yd->dims[1] != xd->dims[1])
    return HY_ERR_INTERNAL;
  if (!sample_dtype_ok(xd->dtype) || !sample_dtype_ok(gd->dtype) || yd->dtype != xd->dtype)
    return HY_ERR_DTYPE;
  int64_t points = 1, product = 1,
          taps = p->ints[0] == HY_RESIZE_CUBIC    ? 4
                 : p->ints[0] == HY_RESIZE_LINEAR ? 2
                                                  : 1;
  for (int32_t d = 0; d < r; d++) {
    if (gd->dims[1 + d] != yd->dims[2 + d]) return HY_ERR_INTERNAL;
    points *= yd->dims[2 + d];
    product *= taps;
    if (product > HY_GRID_MAX_PRODUCT) return HY_ERR_UNSUPPORTED;
  }
  if (hy_tdesc_numel(yd) == 0) return HY_OK;
  if (hy_tdesc_numel(xd) == 0) return HY_ERR_SHAPE; /* points to sample, but no image */
  gs_job j = {p, in[0], in[1], out[0]};
  hy_parallel_for(ex, xd->dims[0] * points, gs_points, &j);
  return HY_OK;
}
