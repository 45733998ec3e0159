/* resize (Resize, Upsample): every output element is a weighted sum of input elements, the weights
 * a product of one 1-D filter per axis (nearest, linear or cubic, optionally antialiased), which
 * is what resizing one axis after another computes. The per-axis filters are tabulated in scratch
 * first: for output coordinate o of axis d, taps[d] clamped input indices and their weights;
 * sums are taken in double and rounded (integers: to nearest even, saturated) once.
 *
 * in X [d0..dr-1] (other inputs unread: their values are in the block); out Y, same rank.
 * ints: [0] r, [1] mode (hy_resize_mode), [2] coordinate mode (hy_resize_coord), [3] nearest
 *       mode (hy_resize_nearest), [4] exclude_outside, [5] antialias, [6, 6+r) taps per axis
 *       (hy_resize_taps; 0: the axis is not resized, Y's coordinate o reads X's o).
 * floats: [0] cubic_coeff_a, [1] extrapolation_value, [2, 2+r) scale per axis, [2+r, 2+2r) roi
 *         start and [2+2r, 2+3r) roi end per axis (tf_crop_and_resize).
 * scratch: sum over axes of hy_resize_scratch_bytes(out_d, taps_d) (hydra/resize.h). */
#include <math.h>

#include "hydra/resize.h"
#include "kernels/interp.h"
#include "kernels/nn_float.h"

enum { RESIZE_NINTS = 6 };

typedef struct resize_axis {
  int64_t n;    /* taps per output coordinate */
  int64_t *idx; /* [out * n] input index; idx[o * n] = -1: o lies outside the crop (extrapolate) */
  double *w;    /* [out * n] */
  int64_t istride; /* X's element stride along the axis */
} resize_axis;

typedef struct resize_job {
  const hy_kparams *p;
  const void *x;
  void *y;
  resize_axis ax[HY_MAX_RANK];
  double extrapolation;
} resize_job;

/* The input coordinate output coordinate o maps to along an axis (in, out elements; scale). */
static double resize_source(const hy_kparams *p, int32_t d, int64_t o, int64_t in, int64_t out) {
  int32_t r = (int32_t)p->ints[0];
  double scale = p->floats[2 + d], x = (double)o;
  double width = scale * (double)in; /* the unrounded output length */
  switch (p->ints[2]) {
  case HY_RESIZE_HALF_PIXEL_SYMMETRIC: {
    double offset = (double)in / 2 * (1 - (double)out / width);
    return offset + (x + 0.5) / scale - 0.5;
  }
  case HY_RESIZE_PYTORCH_HALF_PIXEL: return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  case HY_RESIZE_ALIGN_CORNERS: return width == 1 ? 0.0 : x * (double)(in - 1) / (width - 1);
  case HY_RESIZE_ASYMMETRIC: return x / scale;
  case HY_RESIZE_TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / scale;
  case HY_RESIZE_TF_CROP_AND_RESIZE: {
    double r0 = p->floats[2 + r + d], r1 = p->floats[2 + 2 * r + d];
    double v = width == 1 ? (r1 - r0) * (double)(in - 1) / 2
                          : x * (r1 - r0) * (double)(in - 1) / (width - 1);
    return v + r0 * (double)(in - 1);
  }
  default: return (x + 0.5) / scale - 0.5; /* half_pixel */
  }
}

/* Weights of the n taps first..first+n-1 around x0 = first - 1 + n/2 + ratio (ratio in (0, 1]). */
static void resize_weights(const hy_kparams *p, double scale, double ratio, int64_t n, double *w) {
  int64_t mode = p->ints[1];
  if (mode == HY_RESIZE_NEAREST) {
    bool hi;
    switch (p->ints[3]) {
    case HY_RESIZE_ROUND_PREFER_CEIL: hi = ratio >= 0.5; break;
    case HY_RESIZE_FLOOR: hi = false; break;
    case HY_RESIZE_CEIL: hi = true; break;
    default: hi = ratio > 0.5; break;
    }
    if (ratio == 1) hi = true; /* on an input sample: take it */
    w[0] = !hi;
    w[1] = hi;
    return;
  }
  /* tap i is at distance (i + 1 - n/2 - ratio) from the source coordinate; antialiasing
   * stretches the filter by 1 / scale when downscaling (and normalises it) */
  double s = p->ints[5] && scale < 1 ? scale : 1, sum = 0;
  for (int64_t i = 0; i < n; i++) {
    double dist = ((double)(i + 1 - n / 2) - ratio) * s;
    w[i] = mode == HY_RESIZE_LINEAR ? interp_linear(dist) : interp_cubic(dist, p->floats[0]);
    sum += w[i];
  }
  if (p->ints[5] && sum != 0)
    for (int64_t i = 0; i < n; i++)
      w[i] /= sum;
}

/* Fills axis d's tables; a table whose every row picks one input is cut to one tap. */
static void resize_table(const hy_kparams *p, int32_t d, resize_axis *a) {
  int64_t in = p->in[0].dims[d], out = p->out[0].dims[d], n = a->n;
  for (int64_t o = 0; o < out; o++) {
    int64_t *idx = a->idx + o * n;
    double *w = a->w + o * n;
    if (p->ints[6 + d] == 0) {
      idx[0] = o;
      w[0] = 1;
      continue;
    }
    double x0 = resize_source(p, d, o, in, out), base = floor(x0), frac = x0 - base;
    int64_t first = (int64_t)base - n / 2 + (frac == 0 ? 0 : 1);
    resize_weights(p, p->floats[2 + d], frac == 0 ? 1.0 : frac, n, w);
    double sum = 0;
    for (int64_t i = 0; i < n; i++) {
      int64_t j = first + i;
      if (p->ints[4] && (j < 0 || j >= in)) w[i] = 0; /* exclude_outside */
      sum += w[i];
      idx[i] = j < 0 ? 0 : j >= in ? in - 1 : j;
    }
    if (p->ints[4] && sum != 0)
      for (int64_t i = 0; i < n; i++)
        w[i] /= sum;
    if (p->ints[2] == HY_RESIZE_TF_CROP_AND_RESIZE && (x0 < 0 || x0 > (double)(in - 1)))
      idx[0] = -1;
  }
  bool one_hot = n > 1;
  for (int64_t o = 0; o < out && one_hot; o++) {
    int64_t ones = 0;
    for (int64_t i = 0; i < n; i++) {
      double v = a->w[o * n + i];
      ones += v == 1;
      one_hot = one_hot && (v == 0 || v == 1);
    }
    one_hot = one_hot && ones == 1;
  }
  if (!one_hot) return;
  for (int64_t o = 0; o < out; o++) {
    int64_t pick = 0;
    while (a->w[o * n + pick] != 1)
      pick++;
    a->idx[o] = a->idx[o * n] < 0 ? -1 : a->idx[o * n + pick];
    a->w[o] = 1;
  }
  a->n = 1;
}

enum { RESIZE_MAX_OUTER = 64 };

/* The tap products of the axes before the last for the row at coordinates oc: X offsets and
 * weights (zero weights dropped). -1 when there are more than RESIZE_MAX_OUTER, -2 when the row
 * lies outside the crop. */
static int64_t resize_outer_taps(const resize_job *j, int32_t r, const int64_t *oc, int64_t *off,
                                 double *wt) {
  int64_t t[HY_MAX_RANK] = {0}, cnt = 0, total = 1;
  for (int32_t d = 0; d < r - 1; d++) {
    if (j->ax[d].idx[oc[d] * j->ax[d].n] < 0) return -2;
    total *= j->ax[d].n;
  }
  if (total > RESIZE_MAX_OUTER) return -1;
  for (int64_t c = 0; c < total; c++) {
    double w = 1;
    int64_t o = 0;
    for (int32_t d = 0; d < r - 1; d++) {
      int64_t k = oc[d] * j->ax[d].n + t[d];
      w *= j->ax[d].w[k];
      o += j->ax[d].idx[k] * j->ax[d].istride;
    }
    if (w != 0) {
      off[cnt] = o;
      wt[cnt++] = w;
    }
    for (int32_t d = r - 2; d >= 0; d--) {
      if (++t[d] < j->ax[d].n) break;
      t[d] = 0;
    }
  }
  return cnt;
}

/* A row of Y: the outer tap products once, then along the last axis (stride 1) its own taps;
 * past RESIZE_MAX_OUTER outer taps, each element walks the whole tap product as an odometer. */
#define RESIZE_ROWS(SFX, T, LOAD, STORE)                                                           \
  static void resize_rows_##SFX(void *arg, int64_t begin, int64_t end) {                           \
    const resize_job *j = arg;                                                                     \
    const hy_tdesc *od = &j->p->out[0];                                                            \
    int32_t r = od->rank;                                                                          \
    int64_t w = od->dims[r - 1], off[RESIZE_MAX_OUTER];                                            \
    double wt[RESIZE_MAX_OUTER];                                                                   \
    const resize_axis *last = &j->ax[r - 1];                                                       \
    const T *x = j->x;                                                                             \
    for (int64_t row = begin; row < end; row++) {                                                  \
      int64_t oc[HY_MAX_RANK], rest = row;                                                         \
      for (int32_t d = r - 2; d >= 0; d--) {                                                       \
        oc[d] = rest % od->dims[d];                                                                \
        rest /= od->dims[d];                                                                       \
      }                                                                                            \
      T *y = (T *)j->y + row * w;                                                                  \
      int64_t cnt = resize_outer_taps(j, r, oc, off, wt);                                          \
      for (oc[r - 1] = 0; oc[r - 1] < w; oc[r - 1]++) {                                            \
        const int64_t *li = last->idx + oc[r - 1] * last->n;                                       \
        const double *lw = last->w + oc[r - 1] * last->n;                                          \
        if (cnt == -2 || li[0] < 0) {                                                              \
          y[oc[r - 1]] = STORE(j->extrapolation);                                                  \
          continue;                                                                                \
        }                                                                                          \
        double sum = 0;                                                                            \
        if (cnt >= 0) {                                                                            \
          for (int64_t k = 0; k < cnt; k++) {                                                      \
            const T *xr = x + off[k];                                                              \
            double s = 0;                                                                          \
            for (int64_t t = 0; t < last->n; t++)                                                  \
              if (lw[t] != 0) s += lw[t] * LOAD(xr[li[t]]);                                        \
            sum += wt[k] * s;                                                                      \
          }                                                                                        \
          y[oc[r - 1]] = STORE(sum);                                                               \
          continue;                                                                                \
        }                                                                                          \
        int64_t t[HY_MAX_RANK] = {0};                                                              \
        for (;;) {                                                                                 \
          double tw = 1;                                                                           \
          int64_t o = 0;                                                                           \
          for (int32_t d = 0; d < r; d++) {                                                        \
            int64_t k = oc[d] * j->ax[d].n + t[d];                                                 \
            tw *= j->ax[d].w[k];                                                                   \
            o += j->ax[d].idx[k] * j->ax[d].istride;                                               \
          }                                                                                        \
          if (tw != 0) sum += tw * LOAD(x[o]);                                                     \
          int32_t d = r - 1;                                                                       \
          while (d >= 0 && ++t[d] == j->ax[d].n)                                                   \
            t[d--] = 0;                                                                            \
          if (d < 0) break;                                                                        \
        }                                                                                          \
        y[oc[r - 1]] = STORE(sum);                                                                 \
      }                                                                                            \
    }                                                                                              \
  }

/* Integers: round half to even, then saturate. */
#define RESIZE_INT_STORE(T, LO, HI)                                                                \
  static T resize_store_##T(double v) {                                                            \
    v = nearbyint(v);                                                                              \
    return v <= (double)LO ? (T)LO : v >= (double)HI ? (T)HI : (T)v;                               \
  }
RESIZE_INT_STORE(int8_t, INT8_MIN, INT8_MAX)
RESIZE_INT_STORE(uint8_t, 0, UINT8_MAX)
RESIZE_INT_STORE(int32_t, INT32_MIN, INT32_MAX)
RESIZE_INT_STORE(int64_t, INT64_MIN, INT64_MAX)

NN_FLOAT_INSTANCES(RESIZE_ROWS)
RESIZE_ROWS(i8, int8_t, NN_LOAD_D, resize_store_int8_t)
RESIZE_ROWS(u8, uint8_t, NN_LOAD_D, resize_store_uint8_t)
RESIZE_ROWS(i32, int32_t, NN_LOAD_D, resize_store_int32_t)
RESIZE_ROWS(i64, int64_t, NN_LOAD_D, resize_store_int64_t)

hy_status hy_kernel_resize(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  const hy_tdesc *xd = &p->in[0], *yd = &p->out[0];
  int32_t r = xd->rank;
  if (p->n_ints < RESIZE_NINTS || r < 1 || r != yd->rank || p->ints[0] != r ||
      p->n_ints < RESIZE_NINTS + r || p->n_floats < 2 + 3 * r)
    return HY_ERR_INTERNAL;
  if (hy_tdesc_numel(yd) == 0) return HY_OK;
  if (hy_tdesc_numel(xd) == 0) return HY_ERR_SHAPE;
  hy_range_fn fn = nn_float_pick(xd->dtype, resize_rows_f32, resize_rows_f64, resize_rows_f16);
  switch (xd->dtype) {
  case HY_DTYPE_INT8: fn = resize_rows_i8; break;
  case HY_DTYPE_UINT8: fn = resize_rows_u8; break;
  case HY_DTYPE_INT32: fn = resize_rows_i32; break;
  case HY_DTYPE_INT64: fn = resize_rows_i64; break;
  default: break;
  }
  if (!fn) return HY_ERR_DTYPE;
  resize_job j = {.p = p, .x = in[0], .y = out[0], .extrapolation = p->floats[1]};
  char *mem = scratch;
  int64_t stride = 1;
  for (int32_t d = r - 1; d >= 0; d--) {
    resize_axis *a = &j.ax[d];
    int64_t taps = p->ints[6 + d];
    if (taps != 0 && taps != hy_resize_taps(p->ints[1], p->ints[5], p->floats[2 + d]))
      return HY_ERR_INTERNAL; /* the lowering sized scratch for another filter */
    a->n = taps ? taps : 1;
    a->idx = (int64_t *)mem;
    a->w = (double *)(mem + yd->dims[d] * a->n * (int64_t)sizeof(int64_t));
    mem += hy_resize_scratch_bytes(yd->dims[d], a->n);
    a->istride = stride;
    stride *= xd->dims[d];
    resize_table(p, d, a);
  }
  hy_parallel_for(ex, hy_tdesc_numel(yd) / yd->dims[r - 1], fn, &j);
  return HY_OK;
}
