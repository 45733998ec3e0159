/* Attribute access for the op hooks, and node-located error messages. */
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

const ir_attr *ir_attr_find(const ir_node *n, const char *name) {
  for (int32_t i = 0; i < n->n_attrs; i++)
    if (!strcmp(n->attrs[i].name, name)) return &n->attrs[i];
  return NULL;
}

int64_t ir_attr_int(const ir_node *n, const char *name, int64_t dflt) {
  const ir_attr *a = ir_attr_find(n, name);
  return a && a->kind == IR_ATTR_INT ? a->i : dflt;
}

float ir_attr_float(const ir_node *n, const char *name, float dflt) {
  const ir_attr *a = ir_attr_find(n, name);
  return a && a->kind == IR_ATTR_FLOAT ? a->f : dflt;
}

const char *ir_attr_string(const ir_node *n, const char *name, const char *dflt) {
  const ir_attr *a = ir_attr_find(n, name);
  return a && a->kind == IR_ATTR_STRING ? a->s : dflt;
}

bool ir_attr_ints(const ir_node *n, const char *name, const int64_t **vals, int32_t *count) {
  const ir_attr *a = ir_attr_find(n, name);
  if (!a || a->kind != IR_ATTR_INTS) return false;
  *vals = a->ints;
  *count = a->n;
  return true;
}

bool ir_attr_floats(const ir_node *n, const char *name, const float **vals, int32_t *count) {
  const ir_attr *a = ir_attr_find(n, name);
  if (!a || a->kind != IR_ATTR_FLOATS) return false;
  *vals = a->floats;
  *count = a->n;
  return true;
}

static hy_status node_verror(ir_graph *g, const ir_node *n, const char *attr, hy_status s,
                             const char *fmt, va_list ap) {
  char body[DIAG_MSG_MAX / 2];
  vsnprintf(body, sizeof body, fmt, ap);
  const char *file = n->file ? n->file : g->file;
  if (attr)
    return diag_error(g->d, s, "%s: node '%s' (%s): attribute '%s': %s", file, n->name,
                      n->op_type, attr, body);
  return diag_error(g->d, s, "%s: node '%s' (%s): %s", file, n->name, n->op_type, body);
}

hy_status ir_node_error(ir_graph *g, const ir_node *n, hy_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hy_status r = node_verror(g, n, NULL, s, fmt, ap);
  va_end(ap);
  return r;
}

hy_status ir_attr_error(ir_graph *g, const ir_node *n, const char *attr, hy_status s,
                        const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hy_status r = node_verror(g, n, attr, s, fmt, ap);
  va_end(ap);
  return r;
}

hy_status ir_attr_finite(ir_graph *g, const ir_node *n, const char *name, float dflt, float *out) {
  const ir_attr *a = ir_attr_find(n, name);
  if (a && a->kind != IR_ATTR_FLOAT)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be a float");
  *out = a ? a->f : dflt;
  if (*out != *out || *out - *out != 0) /* NaN, or infinite */
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be finite, is %g", (double)*out);
  return HY_OK;
}

hy_status ir_attr_perm(ir_graph *g, const ir_node *n, const char *name, int32_t rank,
                       int64_t *perm, bool *present) {
  const ir_attr *a = ir_attr_find(n, name);
  *present = a != NULL;
  if (!a) return HY_OK;
  if (a->kind != IR_ATTR_INTS)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be a list of ints");
  if (a->n != rank)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL,
                         "has %d entries for an input of rank %d", a->n, rank);
  bool seen[HY_MAX_RANK] = {0};
  for (int32_t i = 0; i < rank; i++) {
    if (a->ints[i] < 0 || a->ints[i] >= rank || seen[a->ints[i]]) {
      char b[160];
      return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "%s is not a permutation of 0..%d",
                           ir_fmt_ints(b, sizeof b, rank, a->ints), rank - 1);
    }
    seen[a->ints[i]] = true;
    perm[i] = a->ints[i];
  }
  return HY_OK;
}

const char *ir_fmt_ints(char *buf, size_t size, int32_t count, const int64_t *v) {
  size_t k = (size_t)snprintf(buf, size, "[");
  for (int32_t i = 0; i < count && k < size; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%lld", i ? "," : "", (long long)v[i]);
  if (k < size) snprintf(buf + k, size - k, "]");
  return buf;
}

hy_status ir_attr_flag(ir_graph *g, const ir_node *n, const char *name, int64_t dflt,
                       int64_t *out) {
  *out = ir_attr_int(n, name, dflt);
  if (*out != 0 && *out != 1)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be 0 or 1, is %lld",
                         (long long)*out);
  return HY_OK;
}
