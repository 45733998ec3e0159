/* What the elementwise hooks (elementwise.c) share with the fused chain's (elementwise_fused.c):
 * the broadcasting walk the kernels are handed. */
#ifndef HC_OPS_ELEMENTWISE_H
#define HC_OPS_ELEMENTWISE_H

#include "ir/ir.h"

/* Operands one walk can carry in the int block: {op, n, rank, dims, strides[n][rank]}. */
#define EW_MAX_OPS ((LOWER_MAX_INTS - 3 - HY_MAX_RANK) / HY_MAX_RANK)

/* Appends {rank, dims[rank], strides[n_ops][rank]} for operands ops[] broadcast to out: output
 * dims of size 1 are dropped and neighbouring dims every operand walks alike are merged, so the
 * common cases (same shape, a scalar, a bias row) become rank 1 or 2 and the kernel's inner loop
 * is long. Strides are in elements, 0 where an operand is broadcast; a nonzero innermost stride
 * is 1. */
void ew_lower_walk(ir_lowered *l, int32_t n_ops, const ir_type *const *ops, const ir_type *out);

#endif
