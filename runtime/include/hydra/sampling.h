/* What the lowerings of the sampling ops (GridSample, RoiAlign; compiler/ops/nn_sample.c) and
 * their kernels (runtime/src/kernels/grid_sample.c, roi_align.c) agree on: the enums of the
 * attribute blocks. Interpolation modes are hy_resize_mode's (hydra/resize.h). */
#ifndef HYDRA_SAMPLING_H
#define HYDRA_SAMPLING_H

/* GridSample's padding_mode: what a sample outside the image reads */
typedef enum hy_grid_padding {
  HY_GRID_PAD_ZEROS = 0, /* zero */
  HY_GRID_PAD_BORDER,    /* the nearest border sample */
  HY_GRID_PAD_REFLECTION /* the image mirrored at its border */
} hy_grid_padding;

/* The most samples one GridSample point may combine (taps per axis ^ spatial axes): cubic up to
 * four axes, linear up to eight. */
#define HY_GRID_MAX_PRODUCT 256

/* RoiAlign's mode: how the samples of an output bin combine */
typedef enum hy_roi_pool { HY_ROI_AVG = 0, HY_ROI_MAX } hy_roi_pool;

#endif
