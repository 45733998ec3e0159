/* Hooks of the running scans along an axis: CumSum and CumProd (kernel cumsum.c). The axis is
 * an input; it must be known at compile time. */
#include "ops/index.h"

typedef struct scan_attrs {
  int64_t axis, exclusive, reverse;
} scan_attrs;

static hy_status scan_read(ir_graph *g, ir_node *n, const ir_type **t, scan_attrs *a) {
  const ir_type *at = ir_in_type(n, 1);
  hy_status s = ix_input_numeric(g, n, 0, false, t);
  if (!s) s = ir_attr_flag(g, n, "exclusive", 0, &a->exclusive);
  if (!s) s = ir_attr_flag(g, n, "reverse", 0, &a->reverse);
  if (s) return s;
  if (at->dtype != HY_DTYPE_INT32 && at->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 1 (axis) must be int32 or int64, is %s",
                         hy_dtype_name(at->dtype));
  if (!ir_value_known(n->in[1]))
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input 1 ('%s', axis) must be known at compile time (a constant or an "
                         "initializer)", n->in[1]->name);
  const int64_t *v;
  int32_t cnt;
  if ((s = ir_input_ints(g, n, 1, &v, &cnt))) return s;
  if (cnt != 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input 1 (axis) must hold one value, has %d", cnt);
  if ((*t)->rank == 0)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 is a scalar: there is no axis to scan");
  return ir_norm_axis(g, n, "axis", v[0], (*t)->rank, &a->axis);
}

hy_status infer_cumsum(ir_graph *g, ir_node *n) {
  const ir_type *t;
  scan_attrs a;
  hy_status s = scan_read(g, n, &t, &a);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return s;
}

hy_status lower_cumsum(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  scan_attrs a;
  hy_status s = scan_read(g, n, &t, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_cumsum;
  ix_lower_split(l, t, (int32_t)a.axis);
  lower_int(l, a.exclusive);
  lower_int(l, a.reverse);
  lower_int(l, n->op == OP_CumProd);
  return HY_OK;
}
