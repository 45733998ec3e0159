/* Hooks of the ops that pick elements along an axis by value: ArgMax, ArgMin, Hardmax, TopK
 * (kernels argmax.c, topk.c). */
#include <string.h>

#include "ops/index.h"

/* ---- ArgMax, ArgMin ---- */
typedef struct arg_attrs {
  int64_t axis, keepdims, last;
} arg_attrs;

static hy_status arg_read(ir_graph *g, ir_node *n, const ir_type **t, arg_attrs *a) {
  int64_t axis;
  hy_status s = ix_input_numeric(g, n, 0, false, t);
  if (!s) s = ix_attr_int(g, n, "axis", 0, &axis);
  if (!s) s = ir_attr_flag(g, n, "keepdims", 1, &a->keepdims);
  if (!s) s = ix_attr_since(g, n, "select_last_index", 12);
  if (!s) s = ir_attr_flag(g, n, "select_last_index", 0, &a->last);
  if (s) return s;
  if (n->version < 11 && axis < 0)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL,
                         "is %lld; negative axes came with version 11", (long long)axis);
  if ((s = ir_norm_axis(g, n, "axis", axis, (*t)->rank, &a->axis))) return s;
  if ((*t)->dims[a->axis] == 0)
    return ir_node_error(g, n, HY_ERR_SHAPE, "axis %lld has no elements to choose from",
                         (long long)a->axis);
  return HY_OK;
}

hy_status infer_argmax(ir_graph *g, ir_node *n) {
  const ir_type *t;
  arg_attrs a;
  int64_t dims[HY_MAX_RANK];
  hy_status s = arg_read(g, n, &t, &a);
  if (s) return s;
  int32_t r = 0;
  for (int32_t k = 0; k < t->rank; k++) {
    if (k != a.axis)
      dims[r++] = t->dims[k];
    else if (a.keepdims)
      dims[r++] = 1;
  }
  ir_set_out(n, 0, HY_DTYPE_INT64, r, dims);
  return HY_OK;
}

hy_status lower_argmax(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  arg_attrs a;
  hy_status s = arg_read(g, n, &t, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_argmax;
  ix_lower_split(l, t, (int32_t)a.axis);
  lower_int(l, n->op == OP_ArgMin);
  lower_int(l, a.last);
  return HY_OK;
}

/* ---- Hardmax: one axis from version 13; before, the input seen as 2-D at axis ---- */
static hy_status hardmax_read(ir_graph *g, ir_node *n, const ir_type **t, int64_t *axis) {
  int64_t a;
  hy_status s = ix_input_numeric(g, n, 0, true, t);
  if (!s) s = ix_attr_int(g, n, "axis", n->version >= 13 ? -1 : 1, &a);
  if (!s) s = ir_norm_axis(g, n, "axis", a, (*t)->rank, axis);
  return s;
}

hy_status infer_hardmax(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t axis;
  hy_status s = hardmax_read(g, n, &t, &axis);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return s;
}

hy_status lower_hardmax(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t axis;
  hy_status s = hardmax_read(g, n, &t, &axis);
  if (s) return s;
  l->kernel = HY_KERNEL_hardmax;
  if (n->version >= 13) {
    ix_lower_split(l, t, (int32_t)axis);
  } else {
    lower_int(l, mv_prod(t->dims, 0, (int32_t)axis));
    lower_int(l, mv_prod(t->dims, (int32_t)axis, t->rank));
    lower_int(l, 1);
  }
  return HY_OK;
}

/* ---- TopK: k an attribute in version 1, input K (known at compile time) from 10 ---- */
typedef struct topk_attrs {
  int64_t axis, k, largest;
  bool runtime_k; /* K is read at run time: k is its bound, the axis length */
} topk_attrs;

/* K from the attribute (before version 10) or input 1; *runtime when that input is known only at
 * run time. */
static hy_status topk_k(ir_graph *g, ir_node *n, int64_t *k, bool *runtime) {
  *runtime = false;
  if (n->version < 10) {
    if (ir_in_type(n, 1))
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                           "takes k as an attribute, not an input, before version 10");
    const ir_attr *a = ir_attr_find(n, "k");
    if (!a || a->kind != IR_ATTR_INT)
      return ir_attr_error(g, n, "k", HY_ERR_INVALID_MODEL, "is required (an int)");
    *k = a->i;
    return HY_OK;
  }
  const ir_type *kt = ir_in_type(n, 1);
  if (!kt) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input 1 (K) is missing");
  if (kt->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 1 (K) must be int64, is %s",
                         hy_dtype_name(kt->dtype));
  if (ir_type_numel(kt) != 1 || kt->rank > 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input 1 ('%s', K) must hold one value, has shape %lld", n->in[1]->name,
                         (long long)ir_type_numel(kt));
  if (!ir_value_known(n->in[1])) {
    *runtime = true;
    return HY_OK;
  }
  const int64_t *v;
  int32_t cnt;
  hy_status s = ir_input_ints(g, n, 1, &v, &cnt);
  if (s) return s;
  *k = v[0];
  return HY_OK;
}

static hy_status topk_read(ir_graph *g, ir_node *n, const ir_type **t, topk_attrs *a) {
  int64_t axis, sorted = 1;
  hy_status s = ix_input_numeric(g, n, 0, false, t);
  if (!s) s = ix_attr_int(g, n, "axis", -1, &axis);
  if (!s) s = ir_norm_axis(g, n, "axis", axis, (*t)->rank, &a->axis);
  if (!s) s = ix_attr_since(g, n, "largest", 11);
  if (!s) s = ix_attr_since(g, n, "sorted", 11);
  if (!s) s = ir_attr_flag(g, n, "largest", 1, &a->largest);
  /* sorted 0 leaves the order unspecified; the kernel always sorts */
  if (!s) s = ir_attr_flag(g, n, "sorted", 1, &sorted);
  if (!s) s = topk_k(g, n, &a->k, &a->runtime_k);
  if (s) return s;
  int64_t d = (*t)->dims[a->axis];
  if (a->runtime_k) a->k = d; /* the kernel checks the actual K against d */
  if (a->k < 0 || a->k > d)
    return ir_node_error(g, n, HY_ERR_SHAPE, "k is %lld; axis %lld has %lld elements",
                         (long long)a->k, (long long)a->axis, (long long)d);
  return HY_OK;
}

hy_status infer_topk(ir_graph *g, ir_node *n) {
  const ir_type *t;
  topk_attrs a;
  int64_t dims[HY_MAX_RANK];
  hy_status s = topk_read(g, n, &t, &a);
  if (s) return s;
  memcpy(dims, t->dims, sizeof dims);
  dims[a.axis] = a.k;
  ir_set_out(n, 0, t->dtype, t->rank, dims);
  ir_set_out(n, 1, HY_DTYPE_INT64, t->rank, dims);
  for (int32_t i = 0; a.runtime_k && i < 2; i++) ir_set_out_bounded(n, i, (int32_t)a.axis);
  return HY_OK;
}

hy_status lower_topk(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  topk_attrs a;
  hy_status s = topk_read(g, n, &t, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_topk;
  ix_lower_split(l, t, (int32_t)a.axis);
  lower_int(l, a.k);
  lower_int(l, a.largest);
  lower_int(l, a.runtime_k);
  int32_t ax = (int32_t)a.axis;
  if (!n->out[1]) /* the kernel keeps the indices it ranks somewhere */
    l->scratch_bytes = mv_prod(t->dims, 0, ax) * a.k * mv_prod(t->dims, ax + 1, t->rank) * 8;
  return HY_OK;
}
