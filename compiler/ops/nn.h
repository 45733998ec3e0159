/* Shared by the nn op hooks (nn.c, nn_pool.c, nn_reduce.c): dtype checks. */
#ifndef HC_OPS_NN_H
#define HC_OPS_NN_H

#include "ir/ir.h"

/* The nn kernels' float types: bfloat16 only where an op's version allows it (checked apart). */
static inline bool nn_is_float(hy_dtype t) {
  return ir_dtype_is_float(t) && t != HY_DTYPE_BFLOAT16;
}

/* Input slot's type, with an error naming the node when it is missing or has no known rank. */
static inline hy_status nn_input(ir_graph *g, ir_node *n, int32_t slot, const ir_type **t) {
  *t = ir_in_type(n, slot);
  if (!*t) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d is missing", slot);
  if ((*t)->rank < 0)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') has no known shape", slot,
                         n->in[slot]->name);
  return HY_OK;
}

/* Error unless input slot is float, double or float16. */
static inline hy_status nn_require_float(ir_graph *g, ir_node *n, int32_t slot) {
  const ir_type *t = ir_in_type(n, slot);
  if (t && !nn_is_float(t->dtype))
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input %d has type %s; expected float, double or float16", slot,
                         hy_dtype_name(t->dtype));
  return HY_OK;
}

#endif
