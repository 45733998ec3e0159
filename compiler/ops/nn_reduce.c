/* Hooks of the Reduce* ops: axes (an attribute, or the second input from ReduceSum-13 and the
 * other Reduce*-18), keepdims, noop_with_empty_axes; the reduce kernel's attribute block
 * (runtime/src/kernels/reduce.c), or a plain copy when the reduction is a no-op. */
#include "ops/nn.h"

typedef struct reduce_attrs {
  uint64_t mask; /* bit i: dim i is reduced */
  bool keepdims, noop;
} reduce_attrs;

static hy_reduce_op reduce_kind(ir_op op) {
  switch (op) {
  case OP_ReduceMean: return HY_REDUCE_MEAN;
  case OP_ReduceMax: return HY_REDUCE_MAX;
  case OP_ReduceMin: return HY_REDUCE_MIN;
  case OP_ReduceProd: return HY_REDUCE_PROD;
  case OP_ReduceL1: return HY_REDUCE_L1;
  case OP_ReduceL2: return HY_REDUCE_L2;
  case OP_ReduceSumSquare: return HY_REDUCE_SUMSQ;
  case OP_ReduceLogSum: return HY_REDUCE_LOGSUM;
  case OP_ReduceLogSumExp: return HY_REDUCE_LOGSUMEXP;
  default: return HY_REDUCE_SUM;
  }
}

/* The input types each op version takes: numbers throughout, bool for ReduceMax/Min from 20;
 * ReduceLogSum/LogSumExp-28 dropped the integer types (their results are not integers). */
static hy_status reduce_check_dtype(ir_graph *g, ir_node *n, hy_dtype t) {
  bool float_only = (n->op == OP_ReduceLogSum || n->op == OP_ReduceLogSumExp) && n->version >= 28;
  bool ok;
  switch (t) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
    ok = true;
    break;
  case HY_DTYPE_INT32: case HY_DTYPE_INT64: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
  case HY_DTYPE_INT8: case HY_DTYPE_UINT8: ok = !float_only; break;
  case HY_DTYPE_BOOL: ok = (n->op == OP_ReduceMax || n->op == OP_ReduceMin) && n->version >= 20;
    break;
  default: ok = false;
  }
  if (ok) return HY_OK;
  return ir_node_error(g, n, HY_ERR_DTYPE, "input 0 has type %s, which %s-%d does not take",
                       hy_dtype_name(t), n->op_type, n->version);
}

/* The axes list: an input from ReduceSum-13 and the other Reduce*-18 on (absent or empty: all
 * axes, or a no-op with noop_with_empty_axes), an attribute before. */
static hy_status reduce_axes(ir_graph *g, ir_node *n, const int64_t **axes, int32_t *cnt) {
  *axes = NULL;
  *cnt = 0;
  int32_t input_since = n->op == OP_ReduceSum ? 13 : 18;
  if (n->version >= input_since) {
    if (ir_attr_find(n, "axes"))
      return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL,
                           "is an input of %s from version %d, not an attribute", n->op_type,
                           input_since);
    if (ir_in_type(n, 1)) return ir_input_ints(g, n, 1, axes, cnt);
    return HY_OK;
  }
  if (ir_in_type(n, 1))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "takes one input at version %d (axes is an "
                         "attribute before version %d)", n->version, input_since);
  if (!ir_attr_ints(n, "axes", axes, cnt) && ir_attr_find(n, "axes"))
    return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "must be a list of ints");
  return HY_OK;
}

static hy_status reduce_read(ir_graph *g, ir_node *n, reduce_attrs *a) {
  const ir_type *t;
  hy_status s = nn_input(g, n, 0, &t);
  if (s != HY_OK) return s;
  s = reduce_check_dtype(g, n, t->dtype);
  if (s != HY_OK) return s;
  int64_t keep, noop;
  s = ir_attr_flag(g, n, "keepdims", 1, &keep);
  if (s == HY_OK) s = ir_attr_flag(g, n, "noop_with_empty_axes", 0, &noop);
  if (s != HY_OK) return s;
  a->keepdims = keep == 1;
  const int64_t *axes;
  int32_t cnt;
  s = reduce_axes(g, n, &axes, &cnt);
  if (s != HY_OK) return s;
  a->noop = cnt == 0 && noop == 1;
  a->mask = 0;
  for (int32_t i = 0; i < cnt; i++) {
    int64_t ax;
    s = ir_norm_axis(g, n, "axes", axes[i], t->rank, &ax);
    if (s != HY_OK) return s;
    if (a->mask & (1ull << ax))
      return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "axis %lld appears twice",
                           (long long)axes[i]);
    a->mask |= 1ull << ax;
  }
  if (cnt == 0 && !a->noop)
    for (int32_t i = 0; i < t->rank; i++) a->mask |= 1ull << i;
  return HY_OK;
}

hy_status infer_reduce(ir_graph *g, ir_node *n) {
  reduce_attrs a;
  hy_status s = reduce_read(g, n, &a);
  if (s != HY_OK) return s;
  const ir_type *t = ir_in_type(n, 0);
  int64_t dims[HY_MAX_RANK];
  int32_t r = 0;
  for (int32_t i = 0; i < t->rank; i++) {
    if (!(a.mask & (1ull << i)))
      dims[r++] = t->dims[i];
    else if (a.keepdims)
      dims[r++] = 1;
  }
  ir_set_out(n, 0, t->dtype, r, dims);
  return HY_OK;
}

hy_status lower_reduce(ir_graph *g, ir_node *n, ir_lowered *l) {
  reduce_attrs a;
  hy_status s = reduce_read(g, n, &a);
  if (s != HY_OK) return s;
  if (a.noop) {
    l->kernel = HY_KERNEL_copy;
    return HY_OK;
  }
  l->kernel = HY_KERNEL_reduce;
  lower_int(l, reduce_kind(n->op));
  lower_int(l, (int64_t)a.mask);
  return HY_OK;
}
