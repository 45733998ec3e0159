/* Hooks of the ops whose output extent depends on the input values (NonZero, Compress, Unique,
 * NonMaxSuppression; kernels nonzero.c, compress.c, unique.c, nms.c): each output gets its static
 * upper bound, marked bounded in its type (ir.h), and the kernel reports the actual extent. */
#include <string.h>

#include "ops/index.h"

/* Element bytes of t's dtype for the kernels that move or test elements bitwise; complex and the
 * packed types are refused naming the input. */
static hy_status dyn_elsize(ir_graph *g, ir_node *n, int32_t slot, const ir_type *t, int64_t *es) {
  *es = (int64_t)hy_dtype_size(t->dtype);
  if (t->dtype == HY_DTYPE_COMPLEX64 || t->dtype == HY_DTYPE_COMPLEX128 || *es <= 0 || *es > 8)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input %d ('%s') of type %s is not supported",
                         slot, n->in[slot]->name, hy_dtype_name(t->dtype));
  return HY_OK;
}

/* The optional "axis" attribute (negative from version 11 when v11_negative) and the
 * [outer, n, inner] split of t at it; without one, t flattened: [1, numel, 1] and *axis -1. */
static hy_status dyn_axis_split(ir_graph *g, ir_node *n, const ir_type *t, bool v11_negative,
                                int64_t *axis, int64_t *outer, int64_t *items, int64_t *inner) {
  const ir_attr *ax = ir_attr_find(n, "axis");
  *axis = -1;
  *outer = *inner = 1;
  *items = ir_type_numel(t);
  if (!ax) return HY_OK;
  if (ax->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL, "must be an int");
  if (v11_negative && n->version < 11 && ax->i < 0)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL,
                         "is %lld; negative axes came with version 11", (long long)ax->i);
  hy_status s = ir_norm_axis(g, n, "axis", ax->i, t->rank, axis);
  if (s) return s;
  *outer = mv_prod(t->dims, 0, (int32_t)*axis);
  *items = t->dims[*axis];
  *inner = mv_prod(t->dims, (int32_t)*axis + 1, t->rank);
  return HY_OK;
}

/* ---- NonZero: int64 [rank, <=numel] (a scalar as rank 1) ---- */
static hy_status nonzero_read(ir_graph *g, ir_node *n, const ir_type **t, int64_t *es) {
  hy_status s = mv_input(g, n, 0, t);
  return s ? s : dyn_elsize(g, n, 0, *t, es);
}

hy_status infer_nonzero(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t es;
  hy_status s = nonzero_read(g, n, &t, &es);
  if (s) return s;
  int64_t dims[2] = {t->rank > 0 ? t->rank : 1, ir_type_numel(t)};
  ir_set_out(n, 0, HY_DTYPE_INT64, 2, dims);
  ir_set_out_bounded(n, 0, 1);
  return HY_OK;
}

hy_status lower_nonzero(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t es;
  hy_status s = nonzero_read(g, n, &t, &es);
  if (s) return s;
  uint64_t sign = 0; /* the bit a negative zero has besides zero's */
  switch (t->dtype) {
  case HY_DTYPE_FLOAT: sign = 1u << 31; break;
  case HY_DTYPE_DOUBLE: sign = 1ull << 63; break;
  case HY_DTYPE_FLOAT16:
  case HY_DTYPE_BFLOAT16: sign = 0x8000; break;
  case HY_DTYPE_FLOAT8E4M3FN:
  case HY_DTYPE_FLOAT8E5M2: sign = 0x80; break;
  default: break;
  }
  l->kernel = HY_KERNEL_nonzero;
  lower_int(l, es);
  lower_int(l, (int64_t)sign);
  lower_int(l, t->rank > 0 ? t->rank : 1);
  for (int32_t k = 0; k < t->rank; k++)
    lower_int(l, t->dims[k]);
  if (t->rank == 0) lower_int(l, 1);
  return HY_OK;
}

/* ---- Compress: the slices along axis (or the flattened elements) whose condition is true ---- */
typedef struct compress_attrs {
  int64_t outer, n, inner, es, m; /* m: the condition entries that count */
  int64_t axis;                   /* -1: flattened */
} compress_attrs;

static hy_status compress_read(ir_graph *g, ir_node *n, const ir_type **t, compress_attrs *a) {
  const ir_type *c;
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = dyn_elsize(g, n, 0, *t, &a->es);
  if (!s) s = ir_input_static(g, n, 1, &c);
  if (s) return s;
  if (c->dtype != HY_DTYPE_BOOL || c->rank != 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input 1 ('%s', condition) must be a 1-D bool tensor, is %s of rank %d",
                         n->in[1]->name, hy_dtype_name(c->dtype), c->rank);
  s = dyn_axis_split(g, n, *t, true, &a->axis, &a->outer, &a->n, &a->inner);
  if (s) return s;
  a->m = c->dims[0] < a->n ? c->dims[0] : a->n; /* entries past the axis select nothing */
  return HY_OK;
}

hy_status infer_compress(ir_graph *g, ir_node *n) {
  const ir_type *t;
  compress_attrs a;
  hy_status s = compress_read(g, n, &t, &a);
  if (s) return s;
  if (a.axis < 0) {
    ir_set_out(n, 0, t->dtype, 1, &a.m);
    ir_set_out_bounded(n, 0, 0);
    return HY_OK;
  }
  int64_t dims[HY_MAX_RANK];
  memcpy(dims, t->dims, sizeof dims);
  dims[a.axis] = a.m;
  ir_set_out(n, 0, t->dtype, t->rank, dims);
  ir_set_out_bounded(n, 0, (int32_t)a.axis);
  return HY_OK;
}

hy_status lower_compress(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  compress_attrs a;
  hy_status s = compress_read(g, n, &t, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_compress;
  lower_int(l, a.outer);
  lower_int(l, a.n);
  lower_int(l, a.inner);
  lower_int(l, a.es);
  lower_int(l, a.m);
  return HY_OK;
}

/* ---- Unique: Y, indices, inverse_indices, counts ---- */
typedef struct unique_attrs {
  int64_t outer, n, inner, es, sorted;
  int64_t axis; /* -1: flattened */
} unique_attrs;

static hy_status unique_read(ir_graph *g, ir_node *n, const ir_type **t, unique_attrs *a) {
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = ir_attr_flag(g, n, "sorted", 1, &a->sorted);
  if (s) return s;
  if (!ir_dtype_is_numeric((*t)->dtype) && (*t)->dtype != HY_DTYPE_BOOL)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input 0 ('%s') of type %s is not supported",
                         n->in[0]->name, hy_dtype_name((*t)->dtype));
  a->es = (int64_t)hy_dtype_size((*t)->dtype);
  return dyn_axis_split(g, n, *t, false, &a->axis, &a->outer, &a->n, &a->inner);
}

hy_status infer_unique(ir_graph *g, ir_node *n) {
  const ir_type *t;
  unique_attrs a;
  hy_status s = unique_read(g, n, &t, &a);
  if (s) return s;
  if (a.axis < 0) {
    ir_set_out(n, 0, t->dtype, 1, &a.n);
    ir_set_out_bounded(n, 0, 0);
  } else {
    ir_set_out(n, 0, t->dtype, t->rank, t->dims);
    ir_set_out_bounded(n, 0, (int32_t)a.axis);
  }
  for (int32_t i = 1; i < 4; i++) {
    ir_set_out(n, i, HY_DTYPE_INT64, 1, &a.n);
    if (i != 2) ir_set_out_bounded(n, i, 0); /* inverse_indices has one entry per item */
  }
  return HY_OK;
}

hy_status lower_unique(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  unique_attrs a;
  hy_status s = unique_read(g, n, &t, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_unique;
  lower_int(l, a.outer);
  lower_int(l, a.n);
  lower_int(l, a.inner);
  lower_int(l, a.sorted);
  lower_int(l, a.es);
  lower_int(l, ir_node_value_dependent(n)); /* false when only inverse_indices is kept */
  l->scratch_bytes = 6 * a.n * 8;
  return HY_OK;
}

/* ---- NonMaxSuppression: int64 [<=B*C*min(max_output_boxes_per_class, N), 3] ---- */
typedef struct nms_attrs {
  int64_t batches, classes, boxes, center, per_class; /* per_class: the bound for one class */
} nms_attrs;

/* Optional input slot: absent, or one value (or none) of dtype dt. */
static hy_status nms_scalar(ir_graph *g, ir_node *n, int32_t slot, hy_dtype dt, const char *what) {
  const ir_type *t = ir_in_type(n, slot);
  if (!t) return HY_OK;
  if (t->dtype != dt)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s', %s) must be %s, is %s", slot,
                         n->in[slot]->name, what, hy_dtype_name(dt), hy_dtype_name(t->dtype));
  if (ir_type_numel(t) > 1 || t->rank > 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input %d ('%s', %s) must be a scalar or a 1-element tensor", slot,
                         n->in[slot]->name, what);
  return HY_OK;
}

static hy_status nms_read(ir_graph *g, ir_node *n, nms_attrs *a) {
  const ir_type *b, *sc;
  hy_status s = ir_input_static(g, n, 0, &b);
  if (!s) s = ir_input_static(g, n, 1, &sc);
  if (!s) s = nms_scalar(g, n, 2, HY_DTYPE_INT64, "max_output_boxes_per_class");
  if (!s) s = nms_scalar(g, n, 3, HY_DTYPE_FLOAT, "iou_threshold");
  if (!s) s = nms_scalar(g, n, 4, HY_DTYPE_FLOAT, "score_threshold");
  if (!s) s = ir_attr_flag(g, n, "center_point_box", 0, &a->center);
  if (s) return s;
  if (b->dtype != HY_DTYPE_FLOAT || sc->dtype != HY_DTYPE_FLOAT)
    return ir_node_error(g, n, HY_ERR_DTYPE, "boxes and scores must be float, are %s and %s",
                         hy_dtype_name(b->dtype), hy_dtype_name(sc->dtype));
  if (b->rank != 3 || b->dims[2] != 4 || sc->rank != 3 || sc->dims[0] != b->dims[0] ||
      sc->dims[2] != b->dims[1]) {
    char tb[128], ts[128];
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "boxes %s and scores %s must be [batches, boxes, 4] and [batches, "
                         "classes, boxes]",
                         ir_type_str(b, tb, sizeof tb), ir_type_str(sc, ts, sizeof ts));
  }
  a->batches = b->dims[0];
  a->boxes = b->dims[1];
  a->classes = sc->dims[1];
  /* A known max_output_boxes_per_class tightens the bound; absent or empty means none. */
  a->per_class = ir_in_type(n, 2) ? a->boxes : 0;
  const void *known = ir_in_type(n, 2) ? ir_value_known(n->in[2]) : NULL;
  if (known && ir_type_numel(&n->in[2]->type) == 0) a->per_class = 0;
  if (known && ir_type_numel(&n->in[2]->type) == 1) {
    int64_t m = *(const int64_t *)known;
    a->per_class = m < 0 ? 0 : m < a->boxes ? m : a->boxes;
  }
  return HY_OK;
}

hy_status infer_nms(ir_graph *g, ir_node *n) {
  nms_attrs a;
  hy_status s = nms_read(g, n, &a);
  if (s) return s;
  int64_t dims[2] = {0, 3};
  if (mul_overflows_i64(a.batches, a.classes, &dims[0]) ||
      mul_overflows_i64(dims[0], a.per_class, &dims[0]))
    return ir_node_error(g, n, HY_ERR_SHAPE, "the output bound overflows");
  ir_set_out(n, 0, HY_DTYPE_INT64, 2, dims);
  ir_set_out_bounded(n, 0, 0);
  return HY_OK;
}

hy_status lower_nms(ir_graph *g, ir_node *n, ir_lowered *l) {
  nms_attrs a;
  hy_status s = nms_read(g, n, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_nms;
  lower_int(l, a.batches);
  lower_int(l, a.classes);
  lower_int(l, a.boxes);
  lower_int(l, a.center);
  l->scratch_bytes = 3 * a.boxes * 8;
  return HY_OK;
}
