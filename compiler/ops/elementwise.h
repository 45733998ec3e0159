/* What the elementwise hooks (elementwise.c) share with the fused chain's (elementwise_fused.c)
 * and the chain fusion: the broadcasting walk the kernels are handed, and each op as a step. */
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

/* A float unary or binary node as a step of the ew_chain kernel: kind (HY_EW_CHAIN_*), the op
 * code the one-op kernel would get (hy_ew_unary / hy_ew_binary) and the unary attributes. The
 * lower hooks and the chain fusion (passes/fuse_elementwise.c) both take it from here. */
typedef struct ew_step {
  int64_t kind, code;
  float alpha, beta;
} ew_step;
/* A node of the unary hooks; an error names a bad attribute (alpha, gamma, ...). */
hy_status ew_unary_step(ir_graph *g, ir_node *n, ew_step *st);
/* A node of the binary hooks (Pow by a known 2 or 3 is HY_BIN_POW2/POW3). */
ew_step ew_binary_step(const ir_node *n);

#endif
