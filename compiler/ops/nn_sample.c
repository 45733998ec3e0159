/* Hooks of the sampling ops GridSample (versions 16 to 22), RoiAlign (10 to 22) and AffineGrid
 * (20, the grids GridSample samples): shapes, the interpolation and padding choices, and the
 * attribute blocks of their kernels (runtime/src/kernels/grid_sample.c, roi_align.c,
 * affine_grid.c; layouts there). */
#include "hydra/resize.h"
#include "hydra/sampling.h"
#include "ops/nn_attrs.h"

/* ---- GridSample ---- */

/* in the order of hy_resize_mode: version 16's names, then version 20's */
static const char *const gs_modes16[] = {"nearest", "bilinear", "bicubic"};
static const char *const gs_modes20[] = {"nearest", "linear", "cubic"};
static const char *const gs_paddings[] = {"zeros", "border", "reflection"}; /* hy_grid_padding */

/* float, double, float16 and bfloat16 (GridSample and RoiAlign from version 22); X may be any type
 * in ONNX, so another one there is unsupported, while grid is float by definition. */
static hy_status gs_real_input(ir_graph *g, ir_node *n, int32_t slot, const ir_type *t) {
  bool bf16 = n->version >= 22 || n->op == OP_AffineGrid;
  if (nn_is_float(t->dtype) || (t->dtype == HY_DTYPE_BFLOAT16 && bf16)) return HY_OK;
  return ir_node_error(g, n, slot == 0 ? HY_ERR_UNSUPPORTED : HY_ERR_DTYPE,
                       "input %d ('%s') has type %s; expected float, double, float16%s", slot,
                       n->in[slot]->name, hy_dtype_name(t->dtype), bf16 ? " or bfloat16" : "");
}

typedef struct gs_plan {
  int32_t mode, padding;
  int64_t align_corners;
} gs_plan;

static hy_status gs_read(ir_graph *g, ir_node *n, gs_plan *p) {
  const ir_type *x, *grid;
  hy_status s;
  if ((s = nn_input(g, n, 0, &x)) || (s = nn_input(g, n, 1, &grid)) ||
      (s = gs_real_input(g, n, 0, x)) || (s = gs_real_input(g, n, 1, grid)))
    return s;
  if (x->rank < 3 || (n->version < 20 && x->rank != 4))
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; GridSample-%d takes %s", x->rank,
                         n->version,
                         n->version < 20 ? "rank 4 (N, C, H, W)" : "rank 3 or more (N, C, ...)");
  int32_t r = x->rank - 2;
  if (grid->rank != x->rank || (grid->dims[r + 1] >= 0 && grid->dims[r + 1] != r) ||
      (grid->dims[0] >= 0 && x->dims[0] >= 0 && grid->dims[0] != x->dims[0])) {
    char tx[128], tg[128];
    return ir_node_error(g, n, HY_ERR_SHAPE, "grid %s does not fit X %s: expected [N, ..., %d]",
                         ir_type_str(grid, tg, sizeof tg), ir_type_str(x, tx, sizeof tx), r);
  }
  if ((s = nn_choice_attr(g, n, "mode", n->version < 20 ? "bilinear" : "linear",
                          n->version < 20 ? gs_modes16 : gs_modes20, 3, &p->mode)) ||
      (s = nn_choice_attr(g, n, "padding_mode", "zeros", gs_paddings, 3, &p->padding)))
    return s;
  /* every point sums taps^r samples: bound the kernel's table */
  int64_t taps = p->mode == HY_RESIZE_CUBIC ? 4 : p->mode == HY_RESIZE_LINEAR ? 2 : 1, prod = 1;
  for (int32_t d = 0; d < r; d++)
    if ((prod *= taps) > HY_GRID_MAX_PRODUCT)
      return ir_attr_error(g, n, "mode", HY_ERR_UNSUPPORTED,
                           "'%s' over %d spatial axes (%lld^%d samples a point; at most %d)",
                           n->version < 20 ? gs_modes16[p->mode] : gs_modes20[p->mode], r,
                           (long long)taps, r, HY_GRID_MAX_PRODUCT);
  return ir_attr_flag(g, n, "align_corners", 0, &p->align_corners);
}

hy_status infer_grid_sample(ir_graph *g, ir_node *n) {
  gs_plan p;
  hy_status s = gs_read(g, n, &p);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0), *grid = ir_in_type(n, 1);
  int64_t dims[HY_MAX_RANK];
  dims[0] = x->dims[0] >= 0 ? x->dims[0] : grid->dims[0];
  dims[1] = x->dims[1];
  for (int32_t d = 1; d < grid->rank - 1; d++)
    dims[d + 1] = grid->dims[d];
  ir_set_out(n, 0, x->dtype, x->rank, dims);
  return HY_OK;
}

hy_status lower_grid_sample(ir_graph *g, ir_node *n, ir_lowered *l) {
  gs_plan p;
  const ir_type *t;
  hy_status s = gs_read(g, n, &p);
  if (s || (s = ir_input_static(g, n, 0, &t)) || (s = ir_input_static(g, n, 1, &t))) return s;
  l->kernel = HY_KERNEL_grid_sample;
  lower_int(l, p.mode);
  lower_int(l, p.padding);
  lower_int(l, p.align_corners);
  return HY_OK;
}

/* ---- RoiAlign ---- */

static const char *const roi_modes[] = {"avg", "max"}; /* hy_roi_pool */
static const char *const roi_coords[] = {"output_half_pixel", "half_pixel"};

typedef struct roi_plan {
  int32_t mode, half_pixel;
  int64_t out_h, out_w, sampling_ratio;
  float spatial_scale;
} roi_plan;

/* A positive (or, for sampling_ratio, non-negative) INT attribute. */
static hy_status roi_int_attr(ir_graph *g, ir_node *n, const char *name, int64_t dflt, int64_t min,
                              int64_t *out) {
  const ir_attr *a = ir_attr_find(n, name);
  if (a && a->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be an int");
  *out = a ? a->i : dflt;
  if (*out < min || *out > INT32_MAX)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "is %lld; expected %lld to %d",
                         (long long)*out, (long long)min, INT32_MAX);
  return HY_OK;
}

static hy_status roi_read(ir_graph *g, ir_node *n, roi_plan *p) {
  const ir_type *x, *rois, *idx;
  hy_status s;
  if ((s = nn_input(g, n, 0, &x)) || (s = nn_input(g, n, 1, &rois)) ||
      (s = nn_input(g, n, 2, &idx)) || (s = gs_real_input(g, n, 0, x)) ||
      (s = ir_check_same_dtype(g, n, 0, 1)))
    return s;
  if (idx->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 2 ('%s') has type %s; expected int64",
                         n->in[2]->name, hy_dtype_name(idx->dtype));
  char t1[128], t2[128];
  if (x->rank != 4)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 is %s; expected rank 4 (N, C, H, W)",
                         ir_type_str(x, t1, sizeof t1));
  if (rois->rank != 2 || (rois->dims[1] >= 0 && rois->dims[1] != 4) || idx->rank != 1 ||
      (rois->dims[0] >= 0 && idx->dims[0] >= 0 && rois->dims[0] != idx->dims[0]))
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "rois %s and batch_indices %s do not fit: expected [R, 4] and [R]",
                         ir_type_str(rois, t1, sizeof t1), ir_type_str(idx, t2, sizeof t2));
  p->half_pixel = 0; /* version 10 knew only output_half_pixel */
  if ((s = nn_choice_attr(g, n, "mode", "avg", roi_modes, 2, &p->mode)) ||
      (n->version >= 16 && (s = nn_choice_attr(g, n, "coordinate_transformation_mode", "half_pixel",
                                               roi_coords, 2, &p->half_pixel))) ||
      (s = roi_int_attr(g, n, "output_height", 1, 1, &p->out_h)) ||
      (s = roi_int_attr(g, n, "output_width", 1, 1, &p->out_w)) ||
      (s = roi_int_attr(g, n, "sampling_ratio", 0, 0, &p->sampling_ratio)))
    return s;
  const ir_attr *a = ir_attr_find(n, "spatial_scale");
  if (a && a->kind != IR_ATTR_FLOAT)
    return ir_attr_error(g, n, "spatial_scale", HY_ERR_INVALID_MODEL, "must be a float");
  p->spatial_scale = a ? a->f : 1.0f;
  if (!(p->spatial_scale > 0) || p->spatial_scale - p->spatial_scale != 0)
    return ir_attr_error(g, n, "spatial_scale", HY_ERR_INVALID_MODEL,
                         "is %g; expected a finite value > 0", (double)p->spatial_scale);
  return HY_OK;
}

hy_status infer_roi_align(ir_graph *g, ir_node *n) {
  roi_plan p;
  hy_status s = roi_read(g, n, &p);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0), *rois = ir_in_type(n, 1), *idx = ir_in_type(n, 2);
  int64_t dims[4] = {rois->dims[0] >= 0 ? rois->dims[0] : idx->dims[0], x->dims[1], p.out_h,
                     p.out_w};
  ir_set_out(n, 0, x->dtype, 4, dims);
  return HY_OK;
}

hy_status lower_roi_align(ir_graph *g, ir_node *n, ir_lowered *l) {
  roi_plan p;
  const ir_type *t;
  hy_status s = roi_read(g, n, &p);
  for (int32_t i = 0; i < 3 && s == HY_OK; i++)
    s = ir_input_static(g, n, i, &t);
  if (s) return s;
  l->kernel = HY_KERNEL_roi_align;
  lower_int(l, p.mode);
  lower_int(l, p.half_pixel);
  lower_int(l, p.sampling_ratio);
  lower_float(l, p.spatial_scale);
  return HY_OK;
}

/* ---- AffineGrid ---- */

/* The output grid's dims from size (N, C, d1..dr, known at compile time) and theta [N, r, r+1]. */
static hy_status ag_read(ir_graph *g, ir_node *n, int32_t *rank, int64_t *dims) {
  const ir_type *theta;
  const int64_t *size;
  int32_t cnt;
  hy_status s;
  if ((s = nn_input(g, n, 0, &theta)) || (s = gs_real_input(g, n, 0, theta))) return s;
  if (ir_in_type(n, 1)->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 1 ('%s') has type %s; expected int64",
                         n->in[1]->name, hy_dtype_name(ir_in_type(n, 1)->dtype));
  if ((s = ir_input_ints(g, n, 1, &size, &cnt))) return s;
  if (cnt != 4 && cnt != 5)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "size has %d values; expected 4 (N, C, H, W) or 5 (N, C, D, H, W)", cnt);
  int32_t r = cnt - 2;
  char tt[128];
  if (theta->rank != 3 || (theta->dims[1] >= 0 && theta->dims[1] != r) ||
      (theta->dims[2] >= 0 && theta->dims[2] != r + 1) ||
      (theta->dims[0] >= 0 && theta->dims[0] != size[0]))
    return ir_node_error(g, n, HY_ERR_SHAPE, "theta %s does not fit size: expected [%lld, %d, %d]",
                         ir_type_str(theta, tt, sizeof tt), (long long)size[0], r, r + 1);
  for (int32_t i = 0; i < cnt; i++)
    if (size[i] < 0 || size[i] > INT32_MAX)
      return ir_node_error(g, n, HY_ERR_SHAPE, "size[%d] is %lld", i, (long long)size[i]);
  dims[0] = size[0];
  for (int32_t d = 0; d < r; d++)
    dims[1 + d] = size[2 + d];
  dims[r + 1] = r;
  *rank = r + 2;
  return HY_OK;
}

hy_status infer_affine_grid(ir_graph *g, ir_node *n) {
  int32_t rank = 0;
  int64_t dims[HY_MAX_RANK];
  hy_status s = ag_read(g, n, &rank, dims);
  if (s) return s;
  ir_set_out(n, 0, ir_in_type(n, 0)->dtype, rank, dims);
  return HY_OK;
}

hy_status lower_affine_grid(ir_graph *g, ir_node *n, ir_lowered *l) {
  int32_t rank;
  int64_t dims[HY_MAX_RANK], align;
  const ir_type *t;
  hy_status s = ag_read(g, n, &rank, dims);
  if (s || (s = ir_input_static(g, n, 0, &t)) ||
      (s = ir_attr_flag(g, n, "align_corners", 0, &align)))
    return s;
  l->kernel = HY_KERNEL_affine_grid;
  lower_int(l, align);
  return HY_OK;
}
