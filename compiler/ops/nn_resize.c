/* Hooks of Resize (versions 10 to 19) and Upsample (7, 9): attributes and the scales / sizes /
 * roi inputs (known at compile time) become each axis' output size, scale and crop, which the
 * resize kernel (runtime/src/kernels/resize.c, block layout there) tabulates into filters. */
#include <math.h>
#include <string.h>

#include "hydra/resize.h"
#include "ops/nn_attrs.h"

typedef struct resize_plan {
  int32_t rank;
  int64_t mode, coord, nearest, exclude_outside, antialias;
  double cubic_a, extrapolation;
  int64_t out[HY_MAX_RANK];
  double scale[HY_MAX_RANK], roi0[HY_MAX_RANK], roi1[HY_MAX_RANK];
} resize_plan;

static const char *const resize_modes[] = {"nearest", "linear", "cubic"};
/* in the order of hy_resize_coord */
static const char *const resize_coords[] = {
    "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
    "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
static const char *const resize_nearest_modes[] = {"round_prefer_floor", "round_prefer_ceil",
                                                   "floor", "ceil"};
enum { RESIZE_STRETCH, RESIZE_NOT_LARGER, RESIZE_NOT_SMALLER };
static const char *const resize_policies[] = {"stretch", "not_larger", "not_smaller"};

static bool resize_is_v11(const ir_node *n) { return n->op == OP_Resize && n->version >= 11; }

static hy_status resize_modes_read(ir_graph *g, ir_node *n, resize_plan *p) {
  int32_t v;
  hy_status s = nn_choice_attr(g, n, "mode", "nearest", resize_modes, 3, &v);
  if (s) return s;
  p->mode = v;
  if (p->mode == HY_RESIZE_CUBIC && !resize_is_v11(n))
    return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL,
                         "'cubic' needs Resize version 11 or later (this node is %s %d)",
                         n->op_type, n->version);
  if (!resize_is_v11(n)) { /* Upsample and Resize-10 sample like Upsample: x / scale, floor */
    p->coord = HY_RESIZE_ASYMMETRIC;
    p->nearest = HY_RESIZE_FLOOR;
    return HY_OK;
  }
  if ((s = nn_choice_attr(g, n, "coordinate_transformation_mode", "half_pixel", resize_coords, 7,
                          &v)))
    return s;
  p->coord = v;
  if ((p->coord == HY_RESIZE_TF_HALF_PIXEL_FOR_NN && n->version != 11) ||
      (p->coord == HY_RESIZE_HALF_PIXEL_SYMMETRIC && n->version < 19))
    return ir_attr_error(g, n, "coordinate_transformation_mode", HY_ERR_INVALID_MODEL,
                         "'%s' is not defined for Resize version %d", resize_coords[p->coord],
                         n->version);
  if ((s = nn_choice_attr(g, n, "nearest_mode", "round_prefer_floor", resize_nearest_modes, 4,
                          &v)) ||
      (s = ir_attr_flag(g, n, "exclude_outside", 0, &p->exclude_outside)))
    return s;
  p->nearest = v;
  p->cubic_a = ir_attr_float(n, "cubic_coeff_a", -0.75f);
  p->extrapolation = ir_attr_float(n, "extrapolation_value", 0.0f);
  if (n->version >= 18) s = ir_attr_flag(g, n, "antialias", 0, &p->antialias);
  return s;
}

/* The axes scales / sizes / roi talk about: the axes attribute (18+, each once) or all. */
static hy_status resize_axes(ir_graph *g, ir_node *n, int32_t rank, int64_t *axes, int32_t *count) {
  const int64_t *v;
  int32_t cnt;
  if (n->op != OP_Resize || n->version < 18 || !ir_attr_ints(n, "axes", &v, &cnt)) {
    for (int32_t i = 0; i < rank; i++)
      axes[i] = i;
    *count = rank;
    return HY_OK;
  }
  if (cnt < 1 || cnt > rank)
    return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "has %d values for rank %d", cnt,
                         rank);
  for (int32_t i = 0; i < cnt; i++) {
    hy_status s = ir_norm_axis(g, n, "axes", v[i], rank, &axes[i]);
    if (s) return s;
    for (int32_t k = 0; k < i; k++)
      if (axes[k] == axes[i])
        return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "axis %lld appears twice",
                             (long long)axes[i]);
  }
  *count = cnt;
  return HY_OK;
}

/* Scales: from the Upsample-7 attribute or the scales input (slot). */
static hy_status resize_scales(ir_graph *g, ir_node *n, int32_t slot, const double **sc,
                               int32_t *cnt) {
  if (n->op == OP_Upsample && n->version < 9) {
    const float *f;
    if (!ir_attr_floats(n, "scales", &f, cnt))
      return ir_attr_error(g, n, "scales", HY_ERR_INVALID_MODEL, "is required (a list of floats)");
    double *d = arena_array(g->a, (size_t)*cnt + 1, sizeof *d);
    if (!d) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
    for (int32_t i = 0; i < *cnt; i++)
      d[i] = f[i];
    *sc = d;
    return HY_OK;
  }
  return ir_input_floats(g, n, slot, sc, cnt);
}

/* Output sizes and scales of the axes from scales or sizes (exactly one of them). */
static hy_status resize_sizes(ir_graph *g, ir_node *n, const ir_type *x, resize_plan *p,
                              const int64_t *axes, int32_t na) {
  int32_t sc_slot = resize_is_v11(n) ? 2 : 1, sz_slot = 3;
  bool has_sc = (n->op == OP_Upsample && n->version < 9) || nn_input_given(n, sc_slot);
  bool has_sz = resize_is_v11(n) && nn_input_given(n, sz_slot);
  if (has_sc == has_sz)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         has_sc ? "scales and sizes are both given; exactly one must be"
                                : "neither scales nor sizes is given; exactly one must be");
  hy_status s;
  int32_t cnt;
  if (has_sc) {
    const double *sc;
    if ((s = resize_scales(g, n, sc_slot, &sc, &cnt))) return s;
    if (cnt != na)
      return ir_node_error(g, n, HY_ERR_SHAPE, "scales has %d values; expected %d", cnt, na);
    for (int32_t i = 0; i < na; i++) {
      if (!(sc[i] > 0) || !isfinite(sc[i]))
        return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "scale %g (axis %lld) must be > 0", sc[i],
                             (long long)axes[i]);
      double out = floor(sc[i] * (double)x->dims[axes[i]]);
      if (out > (double)INT32_MAX)
        return ir_node_error(g, n, HY_ERR_SHAPE, "scale %g makes axis %lld %g elements long", sc[i],
                             (long long)axes[i], out);
      p->scale[axes[i]] = sc[i];
      p->out[axes[i]] = (int64_t)out;
    }
    if (ir_attr_find(n, "keep_aspect_ratio_policy") && n->version >= 18 &&
        strcmp(ir_attr_string(n, "keep_aspect_ratio_policy", "stretch"), "stretch"))
      return ir_attr_error(g, n, "keep_aspect_ratio_policy", HY_ERR_INVALID_MODEL,
                           "applies to sizes, but scales are given");
    return HY_OK;
  }
  const int64_t *sz;
  if ((s = ir_input_ints(g, n, sz_slot, &sz, &cnt))) return s;
  if (cnt != na)
    return ir_node_error(g, n, HY_ERR_SHAPE, "sizes has %d values; expected %d", cnt, na);
  int32_t policy = RESIZE_STRETCH;
  if (n->version >= 18 && (s = nn_choice_attr(g, n, "keep_aspect_ratio_policy", "stretch",
                                              resize_policies, 3, &policy)))
    return s;
  double pick = policy == RESIZE_NOT_LARGER ? INFINITY : 0;
  for (int32_t i = 0; i < na; i++) {
    int64_t in = x->dims[axes[i]];
    if (sz[i] < 0 || (in == 0 && sz[i] != 0))
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "size %lld for axis %lld (of %lld elements) is "
                           "not possible",
                           (long long)sz[i], (long long)axes[i], (long long)in);
    double sc = in ? (double)sz[i] / (double)in : 1;
    p->scale[axes[i]] = sc;
    p->out[axes[i]] = sz[i];
    pick = policy == RESIZE_NOT_LARGER ? fmin(pick, sc) : fmax(pick, sc);
  }
  if (policy != RESIZE_STRETCH)
    for (int32_t i = 0; i < na; i++) {
      p->scale[axes[i]] = pick;
      p->out[axes[i]] = (int64_t)(pick * (double)x->dims[axes[i]] + 0.5);
    }
  return HY_OK;
}

/* roi: [starts of the axes, ends of the axes], read for tf_crop_and_resize only. */
static hy_status resize_roi(ir_graph *g, ir_node *n, resize_plan *p, const int64_t *axes,
                            int32_t na) {
  if (p->coord != HY_RESIZE_TF_CROP_AND_RESIZE) return HY_OK;
  if (!nn_input_given(n, 1))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "coordinate_transformation_mode 'tf_crop_and_resize' needs input 1 "
                         "(roi)");
  const double *roi;
  int32_t cnt;
  hy_status s = ir_input_floats(g, n, 1, &roi, &cnt);
  if (s) return s;
  if (cnt != 2 * na)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "roi has %d values; expected %d (start and end of "
                         "each of %d axes)",
                         cnt, 2 * na, na);
  for (int32_t i = 0; i < na; i++) {
    p->roi0[axes[i]] = roi[i];
    p->roi1[axes[i]] = roi[na + i];
  }
  return HY_OK;
}

static hy_status resize_read(ir_graph *g, ir_node *n, resize_plan *p) {
  const ir_type *x;
  hy_status s = ir_input_static(g, n, 0, &x);
  if (s) return s;
  switch (x->dtype) {
  case HY_DTYPE_FLOAT:
  case HY_DTYPE_DOUBLE:
  case HY_DTYPE_FLOAT16:
  case HY_DTYPE_INT8:
  case HY_DTYPE_UINT8:
  case HY_DTYPE_INT32:
  case HY_DTYPE_INT64: break;
  default:
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input 0 has type %s, which is not supported "
                         "(float, double, float16, int8, uint8, int32, int64 are)",
                         hy_dtype_name(x->dtype));
  }
  if (x->rank < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 is a scalar; expected rank >= 1");
  if (n->op == OP_Resize && n->version == 10 && !nn_input_given(n, 1))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "Resize-10 needs input 1 (scales)");
  memset(p, 0, sizeof *p);
  p->rank = x->rank;
  for (int32_t d = 0; d < x->rank; d++) {
    p->out[d] = x->dims[d];
    p->scale[d] = 1;
    p->roi1[d] = 1;
  }
  int64_t axes[HY_MAX_RANK];
  int32_t na = 0;
  if ((s = resize_modes_read(g, n, p)) || (s = resize_axes(g, n, x->rank, axes, &na)) ||
      (s = resize_sizes(g, n, x, p, axes, na)) || (s = resize_roi(g, n, p, axes, na)))
    return s;
  /* an antialiasing filter spans about 2 * reach / scale inputs: bound it (and the tables) */
  for (int32_t d = 0; d < x->rank; d++)
    if (p->antialias && p->mode != HY_RESIZE_NEAREST && p->scale[d] < 1 &&
        4 / p->scale[d] > (double)(1 << 24))
      return ir_attr_error(g, n, "antialias", HY_ERR_UNSUPPORTED,
                           "scale %g of axis %d needs a filter of more than 2^24 taps", p->scale[d],
                           d);
  return HY_OK;
}

hy_status infer_resize(ir_graph *g, ir_node *n) {
  resize_plan p;
  hy_status s = resize_read(g, n, &p);
  if (s) return s;
  ir_set_out(n, 0, ir_in_type(n, 0)->dtype, p.rank, p.out);
  return HY_OK;
}

static bool resize_close(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1, fabs(b)); }

hy_status lower_resize(ir_graph *g, ir_node *n, ir_lowered *l) {
  resize_plan p;
  hy_status s = resize_read(g, n, &p);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0);
  l->kernel = HY_KERNEL_resize;
  const int64_t head[] = {p.rank, p.mode, p.coord, p.nearest, p.exclude_outside, p.antialias};
  for (size_t i = 0; i < sizeof head / sizeof *head; i++)
    lower_int(l, head[i]);
  int64_t bytes = 0;
  for (int32_t d = 0; d < p.rank; d++) {
    /* an axis the resize leaves alone reads straight through */
    bool same = p.out[d] == x->dims[d] && resize_close(p.scale[d], 1) &&
                (p.coord != HY_RESIZE_TF_CROP_AND_RESIZE ||
                 (resize_close(p.roi0[d], 0) && resize_close(p.roi1[d], 1)));
    int64_t taps = same ? 0 : hy_resize_taps(p.mode, p.antialias, p.scale[d]);
    lower_int(l, taps);
    bytes += hy_resize_scratch_bytes(p.out[d], taps ? taps : 1);
  }
  lower_float(l, p.cubic_a);
  lower_float(l, p.extrapolation);
  const double *per_axis[] = {p.scale, p.roi0, p.roi1};
  for (int32_t f = 0; f < 3; f++)
    for (int32_t d = 0; d < p.rank; d++)
      lower_float(l, per_axis[f][d]);
  l->scratch_bytes = bytes;
  return HY_OK;
}
