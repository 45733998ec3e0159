/* Hooks of SwiGLU (opset 28): Y = A * Sigmoid(alpha * A) * B over two inputs of one shape and
 * one floating dtype (no broadcasting), lowered to the swiglu kernel
 * (runtime/src/kernels/swiglu.c). */
#include <math.h>
#include <stdio.h>

#include "ops/attention.h"

static hy_status swiglu_read(ir_graph *g, ir_node *n, float *alpha) {
  const ir_type *a, *b;
  hy_status s;
  if ((s = attn_float_input(g, n, 0, "A", true, &a)) ||
      (s = attn_float_input(g, n, 1, "B", true, &b)) || (s = ir_check_same_dtype(g, n, 0, 1)))
    return s;
  bool same = a->rank == b->rank;
  for (int32_t i = 0; same && i < a->rank; i++)
    same = a->dims[i] == b->dims[i];
  if (!same) {
    char ba[128], bb[128];
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "A has shape %s and B %s; SwiGLU needs identical shapes (it does not "
                         "broadcast)",
                         ir_type_str(a, ba, sizeof ba), ir_type_str(b, bb, sizeof bb));
  }
  const ir_attr *al = ir_attr_find(n, "alpha");
  if (al && al->kind != IR_ATTR_FLOAT)
    return ir_attr_error(g, n, "alpha", HY_ERR_INVALID_MODEL, "must be a float");
  *alpha = al ? al->f : 1.0f;
  if (!isfinite(*alpha))
    return ir_attr_error(g, n, "alpha", HY_ERR_INVALID_MODEL, "must be finite, is %g",
                         (double)*alpha);
  return HY_OK;
}

hy_status infer_swiglu(ir_graph *g, ir_node *n) {
  float alpha;
  hy_status s = swiglu_read(g, n, &alpha);
  if (s != HY_OK) return s;
  const ir_type *a = ir_in_type(n, 0);
  ir_set_out(n, 0, a->dtype, a->rank, a->dims);
  return HY_OK;
}

hy_status lower_swiglu(ir_graph *g, ir_node *n, ir_lowered *l) {
  float alpha;
  hy_status s = swiglu_read(g, n, &alpha);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_swiglu;
  lower_float(l, alpha);
  return HY_OK;
}
