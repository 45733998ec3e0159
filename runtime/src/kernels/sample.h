/* Sampling an image axis at a fractional coordinate (grid_sample, deform_conv): the input indices
 * and weights of the filter taps, with GridSample's rules for samples outside the axis; and the
 * dtypes the sampling kernels (also roi_align, affine_grid) take. */
#ifndef HY_SAMPLE_H
#define HY_SAMPLE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "hydra/kernel.h"
#include "hydra/resize.h"
#include "hydra/sampling.h"
#include "kernels/interp.h"

enum { SAMPLE_MAX_TAPS = 4 };

/* The dtypes the sampling kernels read and write (through hy_k_load_real / hy_k_store_real). */
static inline bool sample_dtype_ok(int32_t dt) {
  return dt == HY_DTYPE_FLOAT || dt == HY_DTYPE_DOUBLE || dt == HY_DTYPE_FLOAT16 ||
         dt == HY_DTYPE_BFLOAT16;
}

/* x mirrored at lo and hi (as often as it takes) into [lo, hi]. */
static inline double sample_reflect(double x, double lo, double hi) {
  double range = hi - lo;
  if (!(range > 0)) return lo;
  if (x >= lo && x <= hi) return x;
  double dx = x < lo ? lo - x : x - hi, k = floor(dx / range), rest = dx - k * range;
  bool even = fmod(k, 2) == 0;
  return x < lo ? (even ? lo + rest : hi - rest) : (even ? hi - rest : lo + rest);
}

/* Index j of an axis of len samples under padding (lo, hi: the reflection borders); -1 when the
 * sample reads as zero. Always in [0, len) otherwise. */
static inline int64_t sample_index(int64_t j, int64_t len, int64_t padding, double lo, double hi) {
  if (padding == HY_GRID_PAD_REFLECTION)
    j = (int64_t)sample_reflect((double)j, lo, hi);
  else if (padding == HY_GRID_PAD_ZEROS)
    return j >= 0 && j < len ? j : -1;
  return j < 0 ? 0 : j >= len ? len - 1 : j;
}

/* The taps of sampling an axis of len samples at coordinate x (in samples) with mode
 * (hy_resize_mode; cubic with Keys' a = -0.75) and padding: indices (-1: zero) and weights.
 * lo, hi are the axis' borders: outside them x itself is first clamped (border) or mirrored
 * (reflection). Returns the number of taps (1, 2 or 4). */
static inline int32_t sample_taps(double x, int64_t len, int64_t mode, int64_t padding, double lo,
                                  double hi, int64_t *idx, double *w) {
  if (!(x > -1e9)) x = -1e9; /* NaN too: far outside, and floor() below stays representable */
  if (!(x < 1e9)) x = 1e9;
  if (mode == HY_RESIZE_NEAREST) x = nearbyint(x); /* half to even, as PyTorch */
  if (x < lo || x > hi) {
    if (padding == HY_GRID_PAD_BORDER)
      x = x<0 ? 0 : x>(double)(len - 1) ? (double)(len - 1) : x;
    else if (padding == HY_GRID_PAD_REFLECTION)
      x = sample_reflect(x, lo, hi);
  }
  if (mode == HY_RESIZE_NEAREST) {
    idx[0] = sample_index((int64_t)x, len, padding, lo, hi);
    w[0] = 1;
    return 1;
  }
  int32_t n = mode == HY_RESIZE_CUBIC ? 4 : 2;
  int64_t first = (int64_t)floor(x) - (n == 4);
  for (int32_t k = 0; k < n; k++) {
    int64_t j = first + k;
    w[k] = n == 4 ? interp_cubic(x - (double)j, -0.75) : interp_linear(x - (double)j);
    idx[k] = sample_index(j, len, padding, lo, hi);
  }
  return n;
}

/* A point's taps on each of r axes (sample_taps), and their product over the axes. */
typedef struct sample_point {
  int32_t n[HY_MAX_RANK];
  int64_t idx[HY_MAX_RANK][SAMPLE_MAX_TAPS];
  double w[HY_MAX_RANK][SAMPLE_MAX_TAPS];
} sample_point;

/* The products of the point's taps: offsets in a row-major image of dims[0..r) and weights,
 * samples that read zero dropped. off and wt hold the product of the tap counts. */
static inline int32_t sample_product(const sample_point *sp, int32_t r, const int64_t *dims,
                                     int64_t *off, double *wt) {
  int32_t t[HY_MAX_RANK] = {0}, cnt = 0;
  for (;;) {
    double wp = 1;
    int64_t at = 0;
    for (int32_t d = 0; d < r; d++) {
      int64_t i = sp->idx[d][t[d]];
      wp = i < 0 ? 0 : wp * sp->w[d][t[d]];
      at = at * dims[d] + (i < 0 ? 0 : i);
    }
    if (wp != 0) {
      off[cnt] = at;
      wt[cnt++] = wp;
    }
    int32_t d = r - 1;
    while (d >= 0 && ++t[d] == sp->n[d])
      t[d--] = 0;
    if (d < 0) return cnt;
  }
}

#endif
