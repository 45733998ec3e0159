/* What the Resize lowering (compiler/ops/nn_resize.c) and the resize kernel
 * (runtime/src/kernels/resize.c) agree on: the mode enums of the attribute block, the number of
 * filter taps per axis and the scratch the kernel's tap tables take. */
#ifndef HYDRA_RESIZE_H
#define HYDRA_RESIZE_H

#include <math.h>
#include <stdint.h>

#include "hydra/hydra.h"

typedef enum hy_resize_mode {
  HY_RESIZE_NEAREST = 0,
  HY_RESIZE_LINEAR,
  HY_RESIZE_CUBIC
} hy_resize_mode;

/* coordinate_transformation_mode: how output coordinate x maps to an input coordinate */
typedef enum hy_resize_coord {
  HY_RESIZE_HALF_PIXEL = 0,
  HY_RESIZE_HALF_PIXEL_SYMMETRIC,
  HY_RESIZE_PYTORCH_HALF_PIXEL,
  HY_RESIZE_ALIGN_CORNERS,
  HY_RESIZE_ASYMMETRIC,
  HY_RESIZE_TF_HALF_PIXEL_FOR_NN,
  HY_RESIZE_TF_CROP_AND_RESIZE,
} hy_resize_coord;

typedef enum hy_resize_nearest {
  HY_RESIZE_ROUND_PREFER_FLOOR = 0,
  HY_RESIZE_ROUND_PREFER_CEIL,
  HY_RESIZE_FLOOR,
  HY_RESIZE_CEIL,
} hy_resize_nearest;

/* Filter taps per output coordinate along an axis of the given scale: 2 for nearest (a choice
 * between the two neighbours) and linear, 4 for cubic; antialiasing stretches the linear and
 * cubic filters by 1 / scale when downscaling. */
static inline int64_t hy_resize_taps(int64_t mode, int64_t antialias, double scale) {
  if (mode == HY_RESIZE_NEAREST) return 2;
  double reach = mode == HY_RESIZE_CUBIC ? 2.0 : 1.0;
  if (!antialias || scale >= 1.0) return 2 * (int64_t)reach;
  int64_t start = (int64_t)floor(-reach / scale) + 1;
  return 2 - 2 * start;
}

/* Scratch of the tap tables: per axis, out * taps input indices (int64) and weights (double). */
static inline int64_t hy_resize_scratch_bytes(int64_t out, int64_t taps) {
  return out * taps * (int64_t)(sizeof(int64_t) + sizeof(double));
}

#endif
