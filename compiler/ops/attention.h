/* Shared by the attention family's hooks (attention.c, attention_norm.c, attention_rotary.c): the
 * floating dtypes their kernels compute. */
#ifndef HC_OPS_ATTENTION_H
#define HC_OPS_ATTENTION_H

#include "ir/ir.h"

/* Input slot present with a static shape and a dtype among those of ir_dtype_is_float (bfloat16
 * only when bf16 is true); an error naming node, input and dtype otherwise. */
static inline hy_status attn_float_input(ir_graph *g, const ir_node *n, int32_t slot,
                                         const char *what, bool bf16, const ir_type **t) {
  hy_status s = ir_input_static(g, n, slot, t);
  if (s != HY_OK) return s;
  hy_dtype d = (*t)->dtype;
  if (!ir_dtype_is_float(d) || (d == HY_DTYPE_BFLOAT16 && !bf16))
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d (%s) has type %s; expected %s", slot, what,
                         hy_dtype_name(d),
                         bf16 ? "float, double, float16 or bfloat16" : "float, double or float16");
  return HY_OK;
}

#endif
