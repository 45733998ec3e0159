/* affine_grid (AffineGrid): the sampling grid of an affine transform, for GridSample. Point
 * (i1..ir) of the output is theta[n] applied to the homogeneous point (x, y[, z], 1) of
 * normalised coordinates in [-1, 1] (x along the last axis): pixel centres, or corners with
 * align_corners.
 *
 * in theta [N, r, r + 1] (size: read by the lowering, not here); out grid [N, d1..dr, r]. theta and
 * grid float, double, float16 or bfloat16 alike. ints: [0] align_corners. */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"
#include "kernels/sample.h"

typedef struct ag_job {
  const hy_kparams *p;
  const void *theta;
  void *grid;
} ag_job;

/* Normalised coordinate of sample i of an axis of len samples. */
static double ag_coord(int64_t i, int64_t len, bool align) {
  if (align) return len > 1 ? -1 + 2 * (double)i / (double)(len - 1) : -1;
  return (2 * (double)i + 1) / (double)len - 1;
}

static void ag_points(void *arg, int64_t begin, int64_t end) {
  const ag_job *j = arg;
  const hy_tdesc *gd = &j->p->out[0];
  int32_t r = gd->rank - 2, dt = gd->dtype;
  int64_t points = 1;
  for (int32_t d = 1; d <= r; d++)
    points *= gd->dims[d];
  for (int64_t i = begin; i < end; i++) {
    int64_t n = i / points, rest = i % points;
    double h[HY_MAX_RANK]; /* h[k]: coordinate along axis r-1-k (x first), then the 1 */
    for (int32_t d = r - 1; d >= 0; d--) {
      h[r - 1 - d] = ag_coord(rest % gd->dims[1 + d], gd->dims[1 + d], j->p->ints[0] != 0);
      rest /= gd->dims[1 + d];
    }
    h[r] = 1;
    for (int32_t k = 0; k < r; k++) {
      double v = 0;
      for (int32_t c = 0; c <= r; c++)
        v += hy_k_load_real(j->theta, dt, (n * r + k) * (r + 1) + c) * h[c];
      hy_k_store_real(j->grid, dt, i * r + k, v);
    }
  }
}

hy_status hy_kernel_affine_grid(const hy_kparams *p, const void *const *in, void *const *out,
                                void *scratch, const hy_exec *ex) {
  (void)scratch;
  const hy_tdesc *td = &p->in[0], *gd = &p->out[0];
  int32_t r = gd->rank - 2;
  if (p->n_ints < 1 || r < 1 || r + 1 >= HY_MAX_RANK || td->rank != 3 || td->dims[1] != r ||
      td->dims[2] != r + 1 || gd->dims[0] != td->dims[0] || gd->dims[r + 1] != r)
    return HY_ERR_INTERNAL;
  int32_t dt = td->dtype;
  if (gd->dtype != dt || !sample_dtype_ok(dt)) return HY_ERR_DTYPE;
  ag_job j = {p, in[0], out[0]};
  hy_parallel_for(ex, hy_tdesc_numel(gd) / r, ag_points, &j);
  return HY_OK;
}
