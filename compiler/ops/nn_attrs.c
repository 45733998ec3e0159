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

bool nn_input_given(const ir_node *n, int32_t slot) {
  const ir_type *t = ir_in_type(n, slot);
  return t && ir_type_numel(t) != 0;
}
