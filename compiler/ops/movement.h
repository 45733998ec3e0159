/* Helpers shared by the data-movement op hooks (movement_*.c): checked inputs, constant outputs,
 * attributes that became inputs in later opsets, and the strided-view lowering. */
#ifndef HC_OPS_MOVEMENT_H
#define HC_OPS_MOVEMENT_H

#include "ir/ir.h"

/* Input slot's type: present, static shape, a dtype held as plain memory; error otherwise. */
hy_status mv_input(ir_graph *g, ir_node *n, int32_t slot, const ir_type **t);
/* Sets out[slot] to a constant of the given type whose content is data (not copied; it must live
 * in the arena or the model). */
/* The lower hook of an op whose infer hook makes every output a constant (Constant, Range,
 * Shape, Size): shape inference removes such nodes, so reaching lowering is a bug. */
hy_status mv_lower_inferred(ir_graph *g, ir_node *n);
hy_status mv_const_out(ir_graph *g, ir_node *n, int32_t slot, hy_dtype dt, int32_t rank,
                       const int64_t *dims, const void *data);
/* An int list that is attribute `attr` before opset `since` and input `slot` from it on.
 * *present false (and HY_OK) when absent. */
hy_status mv_ints_arg(ir_graph *g, ir_node *n, const char *attr, int32_t slot, int32_t since,
                      const int64_t **vals, int32_t *count, bool *present);
/* Normalises each axis against rank (negative counts from the end) into out; an error naming
 * what when out of range or repeated. */
hy_status mv_norm_axes(ir_graph *g, ir_node *n, const char *what, const int64_t *axes,
                       int32_t count, int32_t rank, int64_t *out);
/* The pad kernel's block (runtime/src/kernels/pad.c), which Pad and CenterCropPad lower to:
 * rank, mode (0 constant, 1 reflect, 2 edge, 3 wrap), the constant's 16 bytes, the pads before
 * each axis. */
void mv_lower_pad_block(ir_lowered *l, int32_t rank, int64_t mode, const int64_t value[2],
                        const int64_t *begin);
/* Row-major element strides of dims. */
void mv_strides(int32_t rank, const int64_t *dims, int64_t *strides);
int64_t mv_prod(const int64_t *dims, int32_t from, int32_t to);
/* Lowers to the strided kernel: out element (i..) = in[base + sum i_k*strides[k]] over dims.
 * Coalesces dims first; r may be up to 16 (views of rank-8 tensors split in two). */
hy_status mv_lower_strided(ir_graph *g, ir_node *n, ir_lowered *l, int32_t r, int64_t base,
                           const int64_t *dims, const int64_t *strides);

#endif
