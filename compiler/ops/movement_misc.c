/* Ops with a kernel of their own beyond plain views: GatherElements, ScatterElements (and the
 * older Scatter), Pad; and Range, whose output the infer hook computes as a constant. */
#include <math.h>
#include <string.h>

#include "ops/movement.h"

/* ---- GatherElements / ScatterElements ---- */
static hy_status elements_check(ir_graph *g, ir_node *n, const ir_type **t, int64_t *axis) {
  const ir_type *it;
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = mv_input(g, n, 1, &it);
  if (s) return s;
  if (it->dtype != HY_DTYPE_INT32 && it->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "indices must be int32 or int64, are %s",
                         hy_dtype_name(it->dtype));
  if (it->rank != (*t)->rank || (*t)->rank < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "indices have rank %d, data %d: they must be equal "
                         "and at least 1", it->rank, (*t)->rank);
  return ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", 0), (*t)->rank, axis);
}

hy_status infer_gatherelements(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t axis;
  hy_status s = elements_check(g, n, &t, &axis);
  if (s) return s;
  const ir_type *it = ir_in_type(n, 1);
  for (int32_t k = 0; k < t->rank; k++)
    if (k != axis && it->dims[k] > t->dims[k])
      return ir_node_error(g, n, HY_ERR_SHAPE, "indices dim %d (%lld) exceeds the data's (%lld)",
                           k, (long long)it->dims[k], (long long)t->dims[k]);
  ir_set_out(n, 0, t->dtype, it->rank, it->dims);
  return HY_OK;
}
hy_status lower_gatherelements(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t axis;
  hy_status s = elements_check(g, n, &t, &axis);
  l->kernel = HY_KERNEL_gather_elements;
  lower_int(l, axis);
  return s;
}

/* The kernel's reduction code: 0 none, 1 add, 2 mul (version 16), 3 max, 4 min (version 18). */
static hy_status scatter_reduction(ir_graph *g, ir_node *n, int64_t *red) {
  static const char *const names[] = {"none", "add", "mul", "max", "min"};
  const char *r = ir_attr_string(n, "reduction", "none");
  int32_t known = n->version >= 18 ? 5 : n->version >= 16 ? 3 : 1;
  for (int32_t i = 0; i < known; i++)
    if (!strcmp(r, names[i])) {
      *red = i;
      return HY_OK;
    }
  return ir_attr_error(g, n, "reduction", HY_ERR_INVALID_MODEL, "'%s' is not a reduction of "
                       "%s-%d", r, n->op_type, n->version);
}

hy_status infer_scatterelements(ir_graph *g, ir_node *n) {
  const ir_type *t, *ut;
  int64_t axis;
  hy_status s = elements_check(g, n, &t, &axis);
  if (!s) s = mv_input(g, n, 2, &ut);
  if (s) return s;
  if (ut->dtype != t->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "updates are %s, data %s", hy_dtype_name(ut->dtype),
                         hy_dtype_name(t->dtype));
  const ir_type *it = ir_in_type(n, 1);
  for (int32_t k = 0; k < it->rank; k++)
    if (ut->dims[k] != it->dims[k] || (k != axis && it->dims[k] > t->dims[k]))
      return ir_node_error(g, n, HY_ERR_SHAPE, "updates and indices must have the same shape, "
                           "within the data's off the axis");
  int64_t red = 0;
  if ((s = scatter_reduction(g, n, &red))) return s;
  if (red && (t->dtype == HY_DTYPE_BOOL || t->dtype == HY_DTYPE_BFLOAT16 ||
              t->dtype == HY_DTYPE_COMPLEX64 || t->dtype == HY_DTYPE_COMPLEX128))
    return ir_attr_error(g, n, "reduction", HY_ERR_UNSUPPORTED, "not supported for %s",
                         hy_dtype_name(t->dtype));
  ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return HY_OK;
}
hy_status lower_scatterelements(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t axis;
  int64_t red = 0;
  hy_status s = elements_check(g, n, &t, &axis);
  if (!s) s = scatter_reduction(g, n, &red);
  l->kernel = HY_KERNEL_scatter_elements;
  lower_int(l, axis);
  lower_int(l, red);
  return s;
}

/* ---- Pad ---- */
typedef struct pad_plan {
  int64_t mode; /* the kernel's: 0 constant, 1 reflect, 2 edge, 3 wrap */
  int64_t begin[HY_MAX_RANK], dims[HY_MAX_RANK];
  double value; /* the opset < 11 constant */
} pad_plan;

/* The pads of every axis, begins then ends, into full[2 * rank]: the pads argument as given, or
 * (Pad-18's axes input) for the listed axes only, the others unpadded. */
static hy_status pad_full(ir_graph *g, ir_node *n, const ir_type *t, int64_t *full) {
  const int64_t *pads, *axes = NULL;
  int32_t count, n_axes = t->rank;
  bool present;
  int64_t ax[HY_MAX_RANK];
  hy_status s = mv_ints_arg(g, n, "pads", 1, 11, &pads, &count, &present);
  if (s) return s;
  if (!present) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "pads are required");
  if (ir_in_type(n, 3)) {
    if (n->version < 18)
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input 3 (axes) is an input of Pad from "
                           "version 18, this node is version %d", n->version);
    if ((s = ir_input_ints(g, n, 3, &axes, &n_axes))) return s;
    if ((s = mv_norm_axes(g, n, "axes", axes, n_axes, t->rank, ax))) return s;
  } else {
    for (int32_t k = 0; k < t->rank; k++) ax[k] = k;
  }
  if (count != 2 * n_axes)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "pads has %d entries for %d axes", count,
                         n_axes);
  for (int32_t k = 0; k < 2 * t->rank; k++) full[k] = 0;
  for (int32_t i = 0; i < n_axes; i++) {
    full[ax[i]] = pads[i];
    full[ax[i] + t->rank] = pads[i + n_axes];
  }
  return HY_OK;
}

static hy_status pad_get(ir_graph *g, ir_node *n, const ir_type *t, pad_plan *p) {
  const char *mode = ir_attr_string(n, "mode", "constant");
  int64_t pads[2 * HY_MAX_RANK];
  hy_status s = pad_full(g, n, t, pads);
  if (s) return s;
  if (!strcmp(mode, "constant")) p->mode = 0;
  else if (!strcmp(mode, "reflect")) p->mode = 1;
  else if (!strcmp(mode, "edge")) p->mode = 2;
  else if (!strcmp(mode, "wrap") && n->version >= 19) p->mode = 3;
  else return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL, "'%s' is not a mode of Pad-%d",
                            mode, n->version);
  p->value = n->opset < 11 ? ir_attr_float(n, "value", 0.0f) : 0.0;
  for (int32_t k = 0; k < t->rank; k++) {
    p->begin[k] = pads[k];
    p->dims[k] = t->dims[k] + pads[k] + pads[k + t->rank];
    if (p->dims[k] < 0)
      return ir_node_error(g, n, HY_ERR_SHAPE, "pads crop axis %d of size %lld below zero", k,
                           (long long)t->dims[k]);
    if (p->mode && t->dims[k] == 0 && p->dims[k] > 0)
      return ir_attr_error(g, n, "mode", HY_ERR_SHAPE, "%s padding of an empty axis %d", mode, k);
  }
  return HY_OK;
}

hy_status infer_pad(ir_graph *g, ir_node *n) {
  const ir_type *t, *vt;
  pad_plan p;
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = pad_get(g, n, t, &p);
  if (s) return s;
  if (n->n_in > 2 && n->in[2]) {
    if ((s = mv_input(g, n, 2, &vt))) return s;
    if (vt->dtype != t->dtype || ir_type_numel(vt) != 1)
      return ir_node_error(g, n, HY_ERR_DTYPE, "constant_value must be one %s",
                           hy_dtype_name(t->dtype));
  }
  ir_set_out(n, 0, t->dtype, t->rank, p.dims);
  return HY_OK;
}

hy_status lower_pad(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t = ir_in_type(n, 0);
  pad_plan p;
  hy_status s = pad_get(g, n, t, &p);
  if (s) return s;
  /* The constant as one element in two int slots (16 bytes, a complex128's size); zero bytes
   * are the zero of every type, including those ir_elem_set does not write. */
  int64_t value[2] = {0, 0};
  if (!ir_elem_set(t->dtype, value, 0, p.value) && p.value != 0)
    return ir_attr_error(g, n, "value", HY_ERR_UNSUPPORTED, "a nonzero constant of type %s",
                         hy_dtype_name(t->dtype));
  mv_lower_pad_block(l, t->rank, p.mode, value, p.begin);
  return HY_OK;
}

void mv_lower_pad_block(ir_lowered *l, int32_t rank, int64_t mode, const int64_t value[2],
                        const int64_t *begin) {
  l->kernel = HY_KERNEL_pad;
  lower_int(l, rank);
  lower_int(l, mode);
  lower_int(l, value[0]);
  lower_int(l, value[1]);
  for (int32_t k = 0; k < rank; k++) lower_int(l, begin[k]);
}

/* ---- Range: start, limit, delta known at compile time, so the output is a constant ---- */
#define RANGE_MAX_ELEMENTS ((int64_t)1 << 26)

/* Scalar input slot as a double (ints stay exact up to 2^53, far beyond RANGE_MAX_ELEMENTS). */
static hy_status range_scalar(ir_graph *g, ir_node *n, int32_t slot, double *out) {
  const ir_type *t;
  hy_status s = mv_input(g, n, slot, &t);
  if (s) return s;
  const void *v = ir_value_known(n->in[slot]);
  if (!v || ir_type_numel(t) != 1)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input %d must be a scalar known at compile "
                         "time: it decides the output's length", slot);
  switch (t->dtype) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_INT16: case HY_DTYPE_INT32:
  case HY_DTYPE_INT64:
    break;
  case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
    if (n->version < 27)
      return ir_node_error(g, n, HY_ERR_DTYPE, "type %s is an input type of Range from "
                           "version 27, this node is version %d", hy_dtype_name(t->dtype),
                           n->version);
    break;
  default:
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "type %s is not float, double, float16 or bfloat16 (version 27), "
                         "int16, int32 or int64", hy_dtype_name(t->dtype));
  }
  ir_elem_get(t->dtype, v, 0, out);
  return HY_OK;
}

/* Range-27's stash_type: the type float16 and bfloat16 elements are computed in (float or
 * double) before they are rounded to their type; other types are computed exactly (in double)
 * either way. */
static hy_status range_stash(ir_graph *g, ir_node *n, int64_t *stash) {
  const ir_attr *a = ir_attr_find(n, "stash_type");
  *stash = a ? a->i : HY_DTYPE_FLOAT;
  if (a && n->version < 27)
    return ir_attr_error(g, n, "stash_type", HY_ERR_INVALID_MODEL, "is an attribute of Range "
                         "from version 27, this node is version %d", n->version);
  if (a && (a->kind != IR_ATTR_INT || (a->i != HY_DTYPE_FLOAT && a->i != HY_DTYPE_DOUBLE)))
    return ir_attr_error(g, n, "stash_type", HY_ERR_INVALID_MODEL,
                         "must be 1 (float) or 11 (double)");
  return HY_OK;
}

hy_status infer_range(ir_graph *g, ir_node *n) {
  double v[3];
  int64_t stash;
  hy_status s = range_stash(g, n, &stash);
  for (int32_t i = 0; i < 3 && !s; i++) s = range_scalar(g, n, i, &v[i]);
  if (!s) s = ir_check_same_dtype(g, n, 0, 2);
  if (s) return s;
  if (v[2] == 0) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "delta is 0");
  hy_dtype dt = n->in[0]->type.dtype;
  double cnt = ceil((v[1] - v[0]) / v[2]);
  int64_t len = cnt > 0 ? (int64_t)fmin(cnt, (double)RANGE_MAX_ELEMENTS + 1) : 0;
  if (len > RANGE_MAX_ELEMENTS)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "more than %lld elements",
                         (long long)RANGE_MAX_ELEMENTS);
  size_t es = hy_dtype_size(dt);
  char *data = arena_alloc(g->a, (size_t)len * es + 1);
  for (int64_t i = 0; data && i < len; i++) {
    double x = v[0] + (double)i * v[2];
    if ((dt == HY_DTYPE_FLOAT16 || dt == HY_DTYPE_BFLOAT16) && stash == HY_DTYPE_FLOAT)
      x = (float)x;
    ir_elem_set(dt, data, i, x);
  }
  return mv_const_out(g, n, 0, dt, 1, &len, data);
}
hy_status lower_range(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)l;
  return mv_lower_inferred(g, n);
}
