/* deform_conv (DeformConv): a convolution whose every kernel tap reads X at its regular position
 * plus a learned fractional offset (linear interpolation; outside X reads 0), optionally scaled
 * by a mask. Work is split by output point (n, o): each (offset group, kernel position) is
 * sampled once and fans out to every output channel its input channels feed; the sums are kept in
 * double in scratch (Y's shape) and rounded once.
 *
 * in X [N, C, d1..dr], W [M, C/group, k1..kr], offset [N, G*K*r, o1..or] (per group and kernel
 * position, one component per axis, first axis first), B [M] (optional), mask [N, G*K, o1..or]
 * (optional); K = k1*...*kr, G = offset_group. out Y [N, M, o1..or]. All float, double,
 * float16 or bfloat16 alike.
 * ints: [0] r, [1] group, [2] offset_group, then r each of strides, dilations, pads (begin).
 * scratch: N * M * o1*...*or doubles. */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"
#include "kernels/sample.h"

enum { DC_HEAD = 3, DC_MAX_PRODUCT = 1 << (HY_MAX_RANK - 2) };

typedef struct deform_job {
  const hy_kparams *p;
  const void *in[5]; /* X, W, offset, B, mask; NULL for an omitted one */
  void *y;
  double *acc;
} deform_job;

/* Taps of the sample at coordinates pos (in pixels) of X's spatial axes: offsets within one
 * channel and weights. */
static int32_t dc_taps(const hy_tdesc *xd, const double *pos, int64_t *off, double *wt) {
  sample_point sp;
  for (int32_t d = 0; d < xd->rank - 2; d++) {
    int64_t len = xd->dims[2 + d];
    sp.n[d] = sample_taps(pos[d], len, HY_RESIZE_LINEAR, HY_GRID_PAD_ZEROS, 0, (double)(len - 1),
                          sp.idx[d], sp.w[d]);
  }
  return sample_product(&sp, xd->rank - 2, xd->dims + 2, off, wt);
}

static void dc_points(void *arg, int64_t begin, int64_t end) {
  const deform_job *j = arg;
  const hy_kparams *p = j->p;
  const hy_tdesc *xd = &p->in[0], *wd = &p->in[1], *yd = &p->out[0];
  const int64_t *st = p->ints + DC_HEAD, *dil = st + xd->rank - 2, *pad = dil + xd->rank - 2;
  int32_t r = xd->rank - 2, dt = xd->dtype;
  int64_t C = xd->dims[1], M = wd->dims[0], group = p->ints[1], G = p->ints[2];
  int64_t Cg = C / group, Mg = M / group, Cog = C / G, K = 1, image = 1, points = 1;
  for (int32_t d = 0; d < r; d++) {
    K *= wd->dims[2 + d];
    image *= xd->dims[2 + d];
    points *= yd->dims[2 + d];
  }
  const void *x = j->in[0], *w = j->in[1], *offset = j->in[2], *bias = j->in[3], *mask = j->in[4];
  int64_t off[DC_MAX_PRODUCT];
  double wt[DC_MAX_PRODUCT];
  for (int64_t i = begin; i < end; i++) {
    int64_t n = i / points, o = i % points, oc[HY_MAX_RANK], rest = o;
    for (int32_t d = r - 1; d >= 0; d--) {
      oc[d] = rest % yd->dims[2 + d];
      rest /= yd->dims[2 + d];
    }
    double *acc = j->acc + n * M * points + o;
    for (int64_t m = 0; m < M; m++)
      acc[m * points] = bias ? hy_k_load_real(bias, dt, m) : 0;
    for (int64_t g = 0; g < G; g++)
      for (int64_t k = 0; k < K; k++) {
        double pos[HY_MAX_RANK];
        int64_t kr = k;
        for (int32_t d = r - 1; d >= 0; d--) {
          int64_t kd = kr % wd->dims[2 + d];
          kr /= wd->dims[2 + d];
          int64_t at = ((n * G + g) * K + k) * r + d;
          pos[d] = (double)(oc[d] * st[d] - pad[d] + kd * dil[d]) +
                   hy_k_load_real(offset, dt, at * points + o);
        }
        double scale = mask ? hy_k_load_real(mask, dt, ((n * G + g) * K + k) * points + o) : 1;
        int32_t cnt = dc_taps(xd, pos, off, wt);
        for (int64_t c = g * Cog; c < (g + 1) * Cog; c++) {
          double v = 0;
          const int64_t base = (n * C + c) * image;
          for (int32_t t = 0; t < cnt; t++)
            v += wt[t] * hy_k_load_real(x, dt, base + off[t]);
          v *= scale;
          int64_t grp = c / Cg;
          for (int64_t m = grp * Mg; m < (grp + 1) * Mg; m++)
            acc[m * points] += hy_k_load_real(w, dt, (m * Cg + c % Cg) * K + k) * v;
        }
      }
    for (int64_t m = 0; m < M; m++)
      hy_k_store_real(j->y, dt, (n * M + m) * points + o, acc[m * points]);
  }
}

hy_status hy_kernel_deform_conv(const hy_kparams *p, const void *const *in, void *const *out,
                                void *scratch, const hy_exec *ex) {
  const hy_tdesc *xd = &p->in[0], *wd = &p->in[1], *yd = &p->out[0];
  int32_t r = xd->rank - 2, dt = xd->dtype;
  if (p->n_in < 3 || r < 1 || p->n_ints < DC_HEAD + 3 * r || p->ints[0] != r || wd->rank != r + 2 ||
      yd->rank != r + 2 || p->ints[1] < 1 || p->ints[2] < 1 || xd->dims[1] % p->ints[1] ||
      xd->dims[1] % p->ints[2] || wd->dims[0] % p->ints[1] ||
      wd->dims[1] * p->ints[1] != xd->dims[1] || yd->dims[1] != wd->dims[0] ||
      yd->dims[0] != xd->dims[0])
    return HY_ERR_INTERNAL;
  if (!sample_dtype_ok(dt)) return HY_ERR_DTYPE;
  deform_job j = {p, {in[0], in[1], in[2]}, out[0], scratch};
  for (int32_t i = 3; i < 5 && i < p->n_in; i++)
    j.in[i] = p->in[i].dtype ? in[i] : NULL;
  for (int32_t i = 1; i < 5; i++)
    if (j.in[i] && p->in[i].dtype != dt) return HY_ERR_DTYPE;
  /* offset and mask: [N, G * K * (r or 1), o1..or]; B: [M] */
  int64_t K = 1;
  for (int32_t d = 0; d < r; d++)
    K *= wd->dims[2 + d];
  for (int32_t i = 2; i < 5; i += 2) {
    const hy_tdesc *t = &p->in[i];
    if (!j.in[i]) continue;
    bool ok = t->rank == r + 2 && t->dims[0] == xd->dims[0] &&
              t->dims[1] == p->ints[2] * K * (i == 2 ? r : 1);
    for (int32_t d = 2; d < r + 2 && ok; d++)
      ok = t->dims[d] == yd->dims[d];
    if (!ok) return HY_ERR_INTERNAL;
  }
  if (j.in[3] && (p->in[3].rank != 1 || p->in[3].dims[0] != wd->dims[0])) return HY_ERR_INTERNAL;
  if (hy_tdesc_numel(yd) == 0) return HY_OK;
  hy_parallel_for(ex, hy_tdesc_numel(yd) / wd->dims[0], dc_points, &j);
  return HY_OK;
}
