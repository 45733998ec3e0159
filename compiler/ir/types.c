/* Types, and the helpers shape-inference hooks share (broadcast, axes, constant inputs). */
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

bool ir_type_is_static(const ir_type *t) {
  if (t->rank < 0) return false;
  for (int32_t i = 0; i < t->rank; i++)
    if (t->dims[i] < 0) return false;
  return true;
}

int64_t ir_type_numel(const ir_type *t) {
  if (!ir_type_is_static(t)) return -1;
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; i++)
    if (mul_overflows_i64(n, t->dims[i], &n)) return -1;
  return n;
}

int64_t ir_type_bytes(const ir_type *t) {
  int64_t n = ir_type_numel(t), b;
  if (n < 0 || mul_overflows_i64(n, hy_dtype_bits(t->dtype), &b) || b > INT64_MAX - 7) return -1;
  return (int64_t)hy_dtype_bytes(t->dtype, n);
}

const char *ir_type_str(const ir_type *t, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "%s", hy_dtype_name(t->dtype));
  if (t->rank < 0) {
    if (k < n) snprintf(buf + k, n - k, "[*]");
    return buf;
  }
  if (k < n) k += (size_t)snprintf(buf + k, n - k, "[");
  for (int32_t i = 0; i < t->rank && k < n; i++) {
    const char *sep = i ? "," : "";
    char db[96];
    if (t->dyn && !ir_dimx_is_const(&t->dyn[i]))
      k += (size_t)snprintf(buf + k, n - k, "%s%s", sep, ir_dimx_str(&t->dyn[i], db, sizeof db));
    else if (t->dims[i] >= 0)
      k += (size_t)snprintf(buf + k, n - k, "%s%s%lld", sep,
                            (t->bounded >> i) & 1 ? "<=" : "", (long long)t->dims[i]);
    else
      k += (size_t)snprintf(buf + k, n - k, "%s%s", sep, t->sym[i] ? t->sym[i] : "?");
  }
  if (k < n) snprintf(buf + k, n - k, "]");
  return buf;
}

void ir_set_out(ir_node *n, int32_t i, hy_dtype dt, int32_t rank, const int64_t *dims) {
  if (i >= n->n_out || !n->out[i]) return;
  ir_type *t = &n->out[i]->type;
  memset(t, 0, sizeof *t);
  t->dtype = dt;
  t->rank = rank;
  for (int32_t k = 0; k < rank; k++) t->dims[k] = dims[k];
}

void ir_set_out_bounded(ir_node *n, int32_t i, int32_t d) {
  if (i < n->n_out && n->out[i] && d >= 0 && d < HY_MAX_RANK) n->out[i]->type.bounded |= 1u << d;
}

bool ir_node_value_dependent(const ir_node *n) {
  for (int32_t i = 0; i < n->n_out; i++)
    if (n->out[i] && n->out[i]->type.bounded) return true;
  return false;
}

bool ir_node_reads_model_only(const ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++)
    if (n->in[i] && !(n->in[i]->data && n->in[i]->from_model)) return false;
  return true;
}

hy_status ir_check_same_dtype(ir_graph *g, ir_node *n, int32_t first, int32_t last) {
  const ir_type *t0 = ir_in_type(n, first);
  for (int32_t i = first + 1; i <= last && i < n->n_in; i++) {
    const ir_type *t = ir_in_type(n, i);
    if (t && t0 && t->dtype != t0->dtype)
      return ir_node_error(g, n, HY_ERR_DTYPE, "input %d has type %s, expected %s like input %d",
                           i, hy_dtype_name(t->dtype), hy_dtype_name(t0->dtype), first);
  }
  return HY_OK;
}

hy_status ir_broadcast(ir_graph *g, ir_node *n, const ir_type *a, const ir_type *b, ir_type *out) {
  int32_t r = a->rank > b->rank ? a->rank : b->rank;
  ir_type o;
  memset(&o, 0, sizeof o);
  o.dtype = a->dtype;
  o.rank = r;
  for (int32_t i = 0; i < r; i++) {
    int32_t ia = i - (r - a->rank), ib = i - (r - b->rank);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    if (da == db || db == 1) {
      o.dims[i] = da;
    } else if (da == 1) {
      o.dims[i] = db;
    } else {
      char ta[128], tb[128];
      return ir_node_error(g, n, HY_ERR_SHAPE, "shapes %s and %s do not broadcast",
                           ir_type_str(a, ta, sizeof ta), ir_type_str(b, tb, sizeof tb));
    }
  }
  *out = o;
  return HY_OK;
}

hy_status ir_norm_axis(ir_graph *g, ir_node *n, const char *attr, int64_t axis, int32_t rank,
                       int64_t *out) {
  if (axis < -rank || axis >= rank)
    return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL,
                         "axis %lld is out of range for rank %d", (long long)axis, rank);
  *out = axis < 0 ? axis + rank : axis;
  return HY_OK;
}

hy_status ir_input_static(ir_graph *g, const ir_node *n, int32_t slot, const ir_type **t) {
  const ir_type *it = ir_in_type(n, slot);
  if (!it) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d is missing", slot);
  if (!ir_type_is_static(it)) {
    char buf[160];
    return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') has no static shape: %s", slot,
                         n->in[slot]->name, ir_type_str(it, buf, sizeof buf));
  }
  *t = it;
  return HY_OK;
}

/* Input slot as a 1-D (or scalar) value known at compile time: its value, content and element
 * count, and an arena array of that many elements of es bytes for the caller to convert into. */
static hy_status input_known_1d(ir_graph *g, ir_node *n, int32_t slot, size_t es, ir_value **vp,
                                const void **known, int64_t *count, void **out) {
  ir_value *v = *vp = slot < n->n_in ? n->in[slot] : NULL;
  if (!v) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d is missing", slot);
  *known = ir_value_known(v);
  if (!*known)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input %d ('%s') must be known at compile time (a constant or an "
                         "initializer): its value decides the output shape",
                         slot, v->name);
  if (v->type.rank > 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d ('%s') must be 1-D, has rank %d",
                         slot, v->name, v->type.rank);
  int64_t cnt = *count = ir_type_numel(&v->type);
  if (cnt < 0 || cnt > INT32_MAX)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') has no static size", slot, v->name);
  *out = arena_array(g->a, (size_t)(cnt ? cnt : 1), es);
  if (!*out) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  return HY_OK;
}

hy_status ir_input_ints(ir_graph *g, ir_node *n, int32_t slot, const int64_t **vals,
                        int32_t *count) {
  /* Initialised for gcc -O3 -fPIC, which cannot see input_known_1d set them on success. */
  ir_value *v = NULL;
  const void *known = NULL;
  int64_t cnt = 0, *out = NULL;
  hy_status s = input_known_1d(g, n, slot, sizeof *out, &v, &known, &cnt, (void **)&out);
  if (s) return s;
  for (int64_t i = 0; i < cnt; i++) {
    switch (v->type.dtype) {
    case HY_DTYPE_INT64: out[i] = ((const int64_t *)known)[i]; break;
    case HY_DTYPE_INT32: out[i] = ((const int32_t *)known)[i]; break;
    default:
      return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s') must be int64 or int32, is %s",
                           slot, v->name, hy_dtype_name(v->type.dtype));
    }
  }
  *vals = out;
  *count = (int32_t)cnt;
  return HY_OK;
}

hy_status ir_input_floats(ir_graph *g, ir_node *n, int32_t slot, const double **vals,
                          int32_t *count) {
  ir_value *v = NULL; /* initialised for gcc -O3 -fPIC, as in ir_input_ints */
  const void *known = NULL;
  int64_t cnt = 0;
  double *out = NULL;
  hy_status s = input_known_1d(g, n, slot, sizeof *out, &v, &known, &cnt, (void **)&out);
  if (s) return s;
  for (int64_t i = 0; i < cnt; i++) {
    if (v->type.dtype == HY_DTYPE_BFLOAT16 || !ir_dtype_is_float(v->type.dtype) ||
        !ir_elem_get(v->type.dtype, known, i, &out[i]))
      return ir_node_error(g, n, HY_ERR_DTYPE,
                           "input %d ('%s') must be float, double or float16, is %s", slot,
                           v->name, hy_dtype_name(v->type.dtype));
  }
  *vals = out;
  *count = (int32_t)cnt;
  return HY_OK;
}
