/* The 1-D interpolation filters the sampling kernels share (resize, grid_sample, roi_align,
 * deform_conv): the weight of a sample at distance x from the sampled coordinate. */
#ifndef HY_INTERP_H
#define HY_INTERP_H

#include <math.h>

/* Linear (tent) filter: 1 - |x| inside one sample, 0 beyond. */
static inline double interp_linear(double x) { return fmax(0.0, 1 - fabs(x)); }

/* Keys' cubic convolution filter with coefficient a (-0.75 as PyTorch, -0.5 as TensorFlow). */
static inline double interp_cubic(double x, double a) {
  x = fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

#endif
