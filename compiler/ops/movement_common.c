/* Helpers shared by the data-movement op hooks; see movement.h. */
#include <stdio.h>
#include <string.h>

#include "ops/movement.h"

hy_status mv_input(ir_graph *g, ir_node *n, int32_t slot, const ir_type **t) {
  const ir_type *it;
  hy_status s = ir_input_static(g, n, slot, &it);
  if (s != HY_OK) return s;
  if (hy_dtype_size(it->dtype) == 0)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input %d ('%s') has type %s, not supported",
                         slot, n->in[slot]->name, hy_dtype_name(it->dtype));
  *t = it;
  return HY_OK;
}

hy_status mv_const_out(ir_graph *g, ir_node *n, int32_t slot, hy_dtype dt, int32_t rank,
                       const int64_t *dims, const void *data) {
  static const int64_t empty_data = 0; /* content of a zero-element constant: never read */
  if (hy_dtype_size(dt) == 0)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "constant of type %s is not supported",
                         hy_dtype_name(dt));
  if (!data && mv_prod(dims, 0, rank) != 0)
    return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  if (slot >= n->n_out || !n->out[slot]) return HY_OK;
  ir_set_out(n, slot, dt, rank, dims);
  n->out[slot]->data = data ? data : &empty_data;
  n->out[slot]->from_model = ir_node_reads_model_only(n);
  return HY_OK;
}

hy_status mv_ints_arg(ir_graph *g, ir_node *n, const char *attr, int32_t slot, int32_t since,
                      const int64_t **vals, int32_t *count, bool *present) {
  *present = false;
  if (n->opset < since) {
    const ir_attr *a = ir_attr_find(n, attr);
    if (!a) return HY_OK;
    if (a->kind != IR_ATTR_INTS)
      return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "must be a list of ints");
    *vals = a->ints;
    *count = a->n;
    *present = true;
    return HY_OK;
  }
  if (slot >= n->n_in || !n->in[slot]) return HY_OK;
  *present = true;
  return ir_input_ints(g, n, slot, vals, count);
}

hy_status mv_norm_axes(ir_graph *g, ir_node *n, const char *what, const int64_t *axes,
                       int32_t count, int32_t rank, int64_t *out) {
  for (int32_t i = 0; i < count; i++) {
    if (axes[i] < -rank || axes[i] >= rank)
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "%s: axis %lld is out of range for rank %d",
                           what, (long long)axes[i], rank);
    out[i] = axes[i] < 0 ? axes[i] + rank : axes[i];
    for (int32_t k = 0; k < i; k++)
      if (out[k] == out[i])
        return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "%s: axis %lld is repeated", what,
                             (long long)axes[i]);
  }
  return HY_OK;
}

void mv_strides(int32_t rank, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int32_t k = rank - 1; k >= 0; k--) {
    strides[k] = s;
    s *= dims[k];
  }
}

int64_t mv_prod(const int64_t *dims, int32_t from, int32_t to) {
  int64_t p = 1;
  for (int32_t k = from; k < to; k++) p *= dims[k];
  return p;
}

hy_status mv_lower_strided(ir_graph *g, ir_node *n, ir_lowered *l, int32_t r, int64_t base,
                           const int64_t *dims, const int64_t *strides) {
  int64_t d[16], s[16];
  int32_t m = 0;
  if (r > 16) return ir_node_error(g, n, HY_ERR_INTERNAL, "strided view of rank %d", r);
  for (int32_t k = 0; k < r; k++) {
    if (dims[k] == 0) { /* nothing to move: one empty row */
      m = 0;
      d[m] = 0, s[m++] = 0;
      break;
    }
    if (dims[k] == 1) continue;
    if (m > 0 && s[m - 1] == strides[k] * dims[k]) { /* contiguous with the previous dim */
      d[m - 1] *= dims[k];
      s[m - 1] = strides[k];
    } else {
      d[m] = dims[k], s[m++] = strides[k];
    }
  }
  if (m == 0) d[m] = 1, s[m++] = 0; /* a single element */
  l->kernel = HY_KERNEL_strided;
  lower_int(l, m);
  lower_int(l, base);
  for (int32_t k = 0; k < m; k++) lower_int(l, d[k]);
  for (int32_t k = 0; k < m; k++) lower_int(l, s[k]);
  return HY_OK;
}

hy_status mv_lower_inferred(ir_graph *g, ir_node *n) {
  return ir_node_error(g, n, HY_ERR_INTERNAL, "a %s node reached lowering (shape inference "
                       "computes its output)", n->op_type);
}
