/* Helpers shared by the index-family op hooks (index_*.c): dtype classes, checked int
 * attributes, inputs that must be known at compile time, and the [outer, n, inner] split most of
 * these kernels take. */
#ifndef HC_OPS_INDEX_H
#define HC_OPS_INDEX_H

#include "ops/movement.h"

/* The numeric types the index kernels compute with (runtime/src/kernels/index_util.h). */

/* Input slot present with a static shape (mv_input) and a dtype of the class: numeric, or
 * float when float_only; an error naming the node, input and type otherwise. */
hy_status ix_input_numeric(ir_graph *g, ir_node *n, int32_t slot, bool float_only,
                           const ir_type **t);
/* An INT attribute (dflt when absent); an error naming it when it has another kind. */
hy_status ix_attr_int(ir_graph *g, const ir_node *n, const char *name, int64_t dflt,
                      int64_t *out);
/* An error naming attribute `name` when the node has it but its version predates `since`, the
 * version that brought it. */
hy_status ix_attr_since(ir_graph *g, const ir_node *n, const char *name, int32_t since);
/* Input slot as one number known at compile time (a scalar or a one-element tensor of any
 * numeric type); an error saying what it is for when it is not known or not one element. */
hy_status ix_input_scalar(ir_graph *g, ir_node *n, int32_t slot, const char *what, double *out);
/* Pushes the [outer, n, inner] split of t at axis. */
void ix_lower_split(ir_lowered *l, const ir_type *t, int32_t axis);

#endif
