/* Helpers shared by the index-family op hooks; see index.h. */
#include "ops/index.h"

hy_status ix_input_numeric(ir_graph *g, ir_node *n, int32_t slot, bool float_only,
                           const ir_type **t) {
  hy_status s = mv_input(g, n, slot, t);
  if (s) return s;
  hy_dtype d = (*t)->dtype;
  if (float_only ? ir_dtype_is_float(d) : ir_dtype_is_numeric(d)) return HY_OK;
  return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s') has type %s; expected %s", slot,
                       n->in[slot]->name, hy_dtype_name(d),
                       float_only ? "a float type" : "a numeric type");
}

hy_status ix_attr_int(ir_graph *g, const ir_node *n, const char *name, int64_t dflt,
                      int64_t *out) {
  const ir_attr *a = ir_attr_find(n, name);
  *out = a ? a->i : dflt;
  if (a && a->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be an int");
  return HY_OK;
}

hy_status ix_attr_since(ir_graph *g, const ir_node *n, const char *name, int32_t since) {
  if (n->version >= since || !ir_attr_find(n, name)) return HY_OK;
  return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL,
                       "came with version %d; this node is version %d", since, n->version);
}

hy_status ix_input_scalar(ir_graph *g, ir_node *n, int32_t slot, const char *what, double *out) {
  const ir_type *t;
  hy_status s = ix_input_numeric(g, n, slot, false, &t);
  if (s) return s;
  const void *known = ir_value_known(n->in[slot]);
  if (!known)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input %d ('%s', %s) must be known at compile time (a constant or an "
                         "initializer)", slot, n->in[slot]->name, what);
  if (ir_type_numel(t) != 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input %d ('%s', %s) must hold one value, has %lld", slot,
                         n->in[slot]->name, what, (long long)ir_type_numel(t));
  switch (t->dtype) {
  case HY_DTYPE_FLOAT: *out = *(const float *)known; break;
  case HY_DTYPE_DOUBLE: *out = *(const double *)known; break;
  case HY_DTYPE_FLOAT16: *out = hy_f16_to_f32(*(const uint16_t *)known); break;
  case HY_DTYPE_BFLOAT16: *out = hy_bf16_to_f32(*(const uint16_t *)known); break;
  case HY_DTYPE_INT8: *out = *(const int8_t *)known; break;
  case HY_DTYPE_INT16: *out = *(const int16_t *)known; break;
  case HY_DTYPE_INT32: *out = *(const int32_t *)known; break;
  case HY_DTYPE_INT64: *out = (double)*(const int64_t *)known; break;
  case HY_DTYPE_UINT8: *out = *(const uint8_t *)known; break;
  case HY_DTYPE_UINT16: *out = *(const uint16_t *)known; break;
  case HY_DTYPE_UINT32: *out = *(const uint32_t *)known; break;
  default: *out = (double)*(const uint64_t *)known; break;
  }
  return HY_OK;
}

void ix_lower_split(ir_lowered *l, const ir_type *t, int32_t axis) {
  lower_int(l, mv_prod(t->dims, 0, axis));
  lower_int(l, t->dims[axis]);
  lower_int(l, mv_prod(t->dims, axis + 1, t->rank));
}
