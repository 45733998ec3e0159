/* Hooks of the ops that address elements through an index tensor: GatherND, ScatterND, OneHot,
 * ReverseSequence (kernels gathernd.c, onehot.c, reverse_sequence.c). Index values are checked
 * by the kernels at run time. */
#include <string.h>

#include "ops/index.h"

/* The index tensor (input slot): int64 (or int32), rank >= 1, tuples of length m = its last dim,
 * with 1 <= m <= room. */
static hy_status nd_indices(ir_graph *g, ir_node *n, int32_t slot, int64_t room,
                            const ir_type **it) {
  hy_status s = mv_input(g, n, slot, it);
  if (s) return s;
  if ((*it)->dtype != HY_DTYPE_INT64 && (*it)->dtype != HY_DTYPE_INT32)
    return ir_node_error(g, n, HY_ERR_DTYPE, "indices must be int64, are %s",
                         hy_dtype_name((*it)->dtype));
  if ((*it)->rank < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "indices must have rank 1 or more");
  int64_t m = (*it)->dims[(*it)->rank - 1];
  if (m < 1 || m > room)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "indices' last dim (the tuple length) is %lld; it must be in [1, %lld]",
                         (long long)m, (long long)room);
  return HY_OK;
}

/* ---- GatherND ---- */
static hy_status gathernd_read(ir_graph *g, ir_node *n, const ir_type **t, const ir_type **it,
                               int64_t *b) {
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = ix_attr_since(g, n, "batch_dims", 12);
  if (!s) s = ix_attr_int(g, n, "batch_dims", 0, b);
  if (!s) s = mv_input(g, n, 1, it);
  if (s) return s;
  int32_t r = (*t)->rank, q = (*it)->rank;
  if (*b < 0 || *b >= (q < r ? q : r))
    return ir_attr_error(g, n, "batch_dims", HY_ERR_INVALID_MODEL,
                         "is %lld; it must be less than the ranks of data (%d) and indices (%d)",
                         (long long)*b, r, q);
  for (int32_t k = 0; k < *b; k++)
    if ((*t)->dims[k] != (*it)->dims[k])
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "batch dim %d is %lld in data and %lld in indices", k,
                           (long long)(*t)->dims[k], (long long)(*it)->dims[k]);
  return nd_indices(g, n, 1, r - *b, it);
}

hy_status infer_gathernd(ir_graph *g, ir_node *n) {
  const ir_type *t, *it;
  int64_t b, dims[2 * HY_MAX_RANK];
  hy_status s = gathernd_read(g, n, &t, &it, &b);
  if (s) return s;
  int32_t r = 0;
  for (int32_t k = 0; k < it->rank - 1; k++) dims[r++] = it->dims[k];
  for (int32_t k = (int32_t)(b + it->dims[it->rank - 1]); k < t->rank; k++) dims[r++] = t->dims[k];
  if (r > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "output rank %d exceeds %d", r, HY_MAX_RANK);
  ir_set_out(n, 0, t->dtype, r, dims);
  return HY_OK;
}

hy_status lower_gathernd(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t, *it;
  int64_t b;
  hy_status s = gathernd_read(g, n, &t, &it, &b);
  if (s) return s;
  l->kernel = HY_KERNEL_gathernd;
  lower_int(l, b);
  return HY_OK;
}

/* ---- ScatterND: reduction none from version 11, add and mul from 16, max and min from 18 ---- */
static const char *const scatter_reductions[] = {"none", "add", "mul", "max", "min"};

static hy_status scatternd_read(ir_graph *g, ir_node *n, const ir_type **t, int64_t *red) {
  const ir_type *it, *ut;
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = nd_indices(g, n, 1, (*t)->rank, &it);
  if (!s) s = mv_input(g, n, 2, &ut);
  if (s) return s;
  if (ut->dtype != (*t)->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "updates have type %s, data %s",
                         hy_dtype_name(ut->dtype), hy_dtype_name((*t)->dtype));
  const ir_attr *a = ir_attr_find(n, "reduction");
  *red = 0;
  if ((s = ix_attr_since(g, n, "reduction", 16))) return s;
  if (a && a->kind != IR_ATTR_STRING)
    return ir_attr_error(g, n, "reduction", HY_ERR_INVALID_MODEL, "must be a string");
  int64_t allowed = n->version >= 18 ? 5 : 3;
  if (a) {
    for (*red = 0; *red < allowed && strcmp(a->s, scatter_reductions[*red]); (*red)++) continue;
    if (*red == allowed)
      return ir_attr_error(g, n, "reduction", HY_ERR_INVALID_MODEL,
                           "'%s' is not one of none, add, mul%s", a->s,
                           n->version >= 18 ? ", max, min" : " (max and min came with 18)");
  }
  if (*red && !ir_dtype_is_numeric((*t)->dtype))
    return ir_attr_error(g, n, "reduction", HY_ERR_DTYPE, "'%s' needs a numeric type, not %s",
                         a->s, hy_dtype_name((*t)->dtype));
  /* updates: indices.shape[:-1] ++ data.shape[m:] */
  int64_t want[2 * HY_MAX_RANK], m = it->dims[it->rank - 1];
  int32_t r = 0;
  for (int32_t k = 0; k < it->rank - 1; k++) want[r++] = it->dims[k];
  for (int32_t k = (int32_t)m; k < (*t)->rank; k++) want[r++] = (*t)->dims[k];
  bool fits = ut->rank == r;
  for (int32_t k = 0; fits && k < r; k++) fits = ut->dims[k] == want[k];
  if (!fits) {
    char a1[160], a2[160];
    return ir_node_error(g, n, HY_ERR_SHAPE, "updates have shape %s; indices and data need %s",
                         format_dims(a1, sizeof a1, ut->rank, ut->dims),
                         format_dims(a2, sizeof a2, r, want));
  }
  return HY_OK;
}

hy_status infer_scatternd(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t red;
  hy_status s = scatternd_read(g, n, &t, &red);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return s;
}

hy_status lower_scatternd(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t red;
  hy_status s = scatternd_read(g, n, &t, &red);
  if (s) return s;
  l->kernel = HY_KERNEL_scatternd;
  lower_int(l, red);
  return HY_OK;
}

/* ---- OneHot: depth (input 1) decides the output shape, so it must be known ---- */
typedef struct onehot_attrs {
  int64_t axis, depth;
} onehot_attrs;

static hy_status onehot_read(ir_graph *g, ir_node *n, const ir_type **it, const ir_type **vt,
                             onehot_attrs *a) {
  int64_t axis;
  double depth;
  hy_status s = ix_input_numeric(g, n, 0, false, it);
  if (!s) s = ix_input_scalar(g, n, 1, "depth", &depth);
  if (!s) s = mv_input(g, n, 2, vt);
  if (!s) s = ix_attr_int(g, n, "axis", -1, &axis);
  if (s) return s;
  if (!(depth >= 1 && depth <= (double)INT32_MAX) || depth != (double)(int64_t)depth)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "depth is %g; it must be a positive integer",
                         depth);
  a->depth = (int64_t)depth;
  if ((*vt)->rank != 1 || (*vt)->dims[0] != 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "values must be [off_value, on_value], have %lld "
                         "elements in rank %d", (long long)ir_type_numel(*vt), (*vt)->rank);
  if ((*it)->rank + 1 > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "output rank %d exceeds %d",
                         (*it)->rank + 1, HY_MAX_RANK);
  return ir_norm_axis(g, n, "axis", axis, (*it)->rank + 1, &a->axis);
}

hy_status infer_onehot(ir_graph *g, ir_node *n) {
  const ir_type *it, *vt;
  onehot_attrs a;
  int64_t dims[HY_MAX_RANK];
  hy_status s = onehot_read(g, n, &it, &vt, &a);
  if (s) return s;
  int32_t r = 0;
  for (int32_t k = 0; k <= it->rank; k++)
    dims[r++] = k == a.axis ? a.depth : it->dims[k < a.axis ? k : k - 1];
  ir_set_out(n, 0, vt->dtype, r, dims);
  return HY_OK;
}

hy_status lower_onehot(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *it, *vt;
  onehot_attrs a;
  hy_status s = onehot_read(g, n, &it, &vt, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_onehot;
  lower_int(l, mv_prod(it->dims, 0, (int32_t)a.axis));
  lower_int(l, a.depth);
  lower_int(l, mv_prod(it->dims, (int32_t)a.axis, it->rank));
  lower_int(l, n->version >= 11); /* negative indices count from the end */
  return HY_OK;
}

/* ---- ReverseSequence ---- */
static hy_status revseq_read(ir_graph *g, ir_node *n, const ir_type **t, int64_t *batch,
                             int64_t *time) {
  const ir_type *lt;
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = mv_input(g, n, 1, &lt);
  if (!s) s = ix_attr_int(g, n, "batch_axis", 1, batch);
  if (!s) s = ix_attr_int(g, n, "time_axis", 0, time);
  if (s) return s;
  if ((*t)->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; it needs at least 2",
                         (*t)->rank);
  if (*batch != 0 && *batch != 1)
    return ir_attr_error(g, n, "batch_axis", HY_ERR_INVALID_MODEL, "must be 0 or 1, is %lld",
                         (long long)*batch);
  if (*time != 0 && *time != 1)
    return ir_attr_error(g, n, "time_axis", HY_ERR_INVALID_MODEL, "must be 0 or 1, is %lld",
                         (long long)*time);
  if (*batch == *time)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "batch_axis and time_axis are both %lld",
                         (long long)*time);
  if (lt->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "sequence_lens must be int64, is %s",
                         hy_dtype_name(lt->dtype));
  if (lt->rank != 1 || lt->dims[0] != (*t)->dims[*batch])
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "sequence_lens must be 1-D with one length per batch entry (%lld)",
                         (long long)(*t)->dims[*batch]);
  return HY_OK;
}

hy_status infer_reversesequence(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t batch, time;
  hy_status s = revseq_read(g, n, &t, &batch, &time);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return s;
}

hy_status lower_reversesequence(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t batch, time;
  hy_status s = revseq_read(g, n, &t, &batch, &time);
  if (s) return s;
  l->kernel = HY_KERNEL_reverse_sequence;
  lower_int(l, batch);
  lower_int(l, time);
  return HY_OK;
}
