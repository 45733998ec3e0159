/* The shared readers of nn_attrs.h. */
#include <stdio.h>
#include <string.h>

#include "ops/nn_attrs.h"

hy_status nn_ints_attr(ir_graph *g, ir_node *n, const char *name, int32_t want, int64_t min,
                       int64_t dflt, int64_t *out) {
  const int64_t *v;
  int32_t cnt;
  if (!ir_attr_ints(n, name, &v, &cnt)) {
    if (ir_attr_find(n, name))
      return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be a list of ints");
    for (int32_t i = 0; i < want; i++)
      out[i] = dflt;
    return HY_OK;
  }
  if (cnt != want)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "has %d values, expected %d", cnt, want);
  for (int32_t i = 0; i < cnt; i++) {
    if (v[i] < min)
      return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "value %lld is below %lld",
                           (long long)v[i], (long long)min);
    out[i] = v[i];
  }
  return HY_OK;
}

hy_status nn_choice_attr(ir_graph *g, ir_node *n, const char *name, const char *dflt,
                         const char *const *names, int32_t count, int32_t *out) {
  const ir_attr *a = ir_attr_find(n, name);
  if (a && a->kind != IR_ATTR_STRING)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be a string");
  const char *v = a ? a->s : dflt;
  for (int32_t i = 0; i < count; i++)
    if (!strcmp(v, names[i])) {
      *out = i;
      return HY_OK;
    }
  char list[256] = "";
  for (int32_t i = 0; i < count; i++) {
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
  }
  return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "'%s' is not one of %s", v, list);
}

hy_status nn_input_floats(ir_graph *g, ir_node *n, int32_t slot, const double **vals,
                          int32_t *count) {
  ir_value *v = slot < n->n_in ? n->in[slot] : NULL;
  if (!v) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d is missing", slot);
  const void *known = ir_value_known(v);
  if (!known)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input %d ('%s') must be known at compile time (a constant or an "
                         "initializer): its value decides the output shape",
                         slot, v->name);
  if (v->type.rank > 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d ('%s') must be 1-D, has rank %d",
                         slot, v->name, v->type.rank);
  int64_t cnt = ir_type_numel(&v->type);
  if (cnt < 0 || cnt > INT32_MAX)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') has no static size", slot, v->name);
  double *out = arena_array(g->a, (size_t)(cnt ? cnt : 1), sizeof *out);
  if (!out) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  for (int64_t i = 0; i < cnt; i++) {
    switch (v->type.dtype) {
    case HY_DTYPE_FLOAT: out[i] = ((const float *)known)[i]; break;
    case HY_DTYPE_DOUBLE: out[i] = ((const double *)known)[i]; break;
    case HY_DTYPE_FLOAT16: out[i] = hy_f16_to_f32(((const uint16_t *)known)[i]); break;
    default:
      return ir_node_error(g, n, HY_ERR_DTYPE,
                           "input %d ('%s') must be float, double or float16, is %s", slot, v->name,
                           hy_dtype_name(v->type.dtype));
    }
  }
  *vals = out;
  *count = (int32_t)cnt;
  return HY_OK;
}

bool nn_input_given(const ir_node *n, int32_t slot) {
  const ir_type *t = ir_in_type(n, slot);
  return t && ir_type_numel(t) != 0;
}
