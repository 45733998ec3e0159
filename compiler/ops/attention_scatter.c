/* Hooks of TensorScatter (opset 24), the KV-cache update: past_cache and update agree on every
 * dim but the sequence axis, where update is no longer; write_indices is int64 [batch]; mode
 * linear or circular. Lowered to the tensor_scatter kernel (runtime/src/kernels/
 * tensor_scatter.c). */
#include <stdio.h>

#include "ops/attention.h"
#include "ops/nn_attrs.h"

typedef struct scatter_attrs {
  int64_t axis;
  int32_t circular;
} scatter_attrs;

static hy_status scatter_read(ir_graph *g, ir_node *n, scatter_attrs *a) {
  const ir_type *past, *upd, *wi;
  hy_status s;
  if ((s = ir_input_static(g, n, 0, &past)) || (s = ir_input_static(g, n, 1, &upd)) ||
      (s = ir_check_same_dtype(g, n, 0, 1)))
    return s;
  if (hy_dtype_size(past->dtype) == 0 || past->dtype == HY_DTYPE_STRING)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input 0 (past_cache) has type %s; string and sub-byte types are not "
                         "supported",
                         hy_dtype_name(past->dtype));
  static const char *const modes[] = {"linear", "circular"};
  if ((s = nn_choice_attr(g, n, "mode", "linear", modes, 2, &a->circular))) return s;
  const ir_attr *ax = ir_attr_find(n, "axis");
  if (ax && ax->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL, "must be an int");
  char bp[128], bu[128];
  if (past->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 0 (past_cache) has shape %s; expected rank >= 2 (batch and a "
                         "sequence axis)",
                         ir_type_str(past, bp, sizeof bp));
  if ((s = ir_norm_axis(g, n, "axis", ax ? ax->i : -2, past->rank, &a->axis))) return s;
  if (a->axis == 0)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL,
                         "is the batch axis 0; the sequence axis must be another one");
  bool ok = upd->rank == past->rank;
  for (int32_t i = 0; ok && i < past->rank; i++)
    ok = i == a->axis ? upd->dims[i] <= past->dims[i] : upd->dims[i] == past->dims[i];
  if (!ok)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "update has shape %s and past_cache %s; they must agree on every dim "
                         "but the sequence axis %lld, where update may be shorter",
                         ir_type_str(upd, bu, sizeof bu), ir_type_str(past, bp, sizeof bp),
                         (long long)a->axis);
  if (!ir_in_type(n, 2)) return HY_OK;
  if ((s = ir_input_static(g, n, 2, &wi))) return s;
  if (wi->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 2 (write_indices) has type %s; expected int64",
                         hy_dtype_name(wi->dtype));
  if (wi->rank != 1 || wi->dims[0] != past->dims[0])
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 2 (write_indices) has shape %s; expected [%lld] (the batch size)",
                         ir_type_str(wi, bu, sizeof bu), (long long)past->dims[0]);
  return HY_OK;
}

hy_status infer_tensor_scatter(ir_graph *g, ir_node *n) {
  scatter_attrs a;
  hy_status s = scatter_read(g, n, &a);
  if (s != HY_OK) return s;
  const ir_type *past = ir_in_type(n, 0);
  ir_set_out(n, 0, past->dtype, past->rank, past->dims);
  return HY_OK;
}

hy_status lower_tensor_scatter(ir_graph *g, ir_node *n, ir_lowered *l) {
  scatter_attrs a;
  hy_status s = scatter_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_tensor_scatter;
  lower_int(l, a.axis);
  lower_int(l, a.circular);
  return HY_OK;
}
