/* What the linalg hooks (linalg.c) share with the integer matmul and conv hooks (quant_linalg.c):
 * MatMul's output shape and Conv's geometry and attribute block. */
#ifndef HC_OPS_LINALG_H
#define HC_OPS_LINALG_H

#include "ir/ir.h"

/* numpy matmul's output shape of a x b into *out (its dtype left alone); an error naming the node
 * when the inner dims differ or the batch dims do not broadcast. */
hy_status lin_matmul_shape(ir_graph *g, ir_node *n, const ir_type *a, const ir_type *b,
                           ir_type *out);

/* FusedMatMul's 'activation' attribute: "" (none), "Relu", "Gelu", "GeluTanh" (Gelu with
 * approximate="tanh"), "Tanh", "Sigmoid" as HY_GEMM_ACT_*; -1 for any other name. */
int32_t lin_fused_act(const char *name);
/* The attribute value naming act (HY_GEMM_ACT_*). */
const char *lin_fused_act_name(int32_t act);
/* t is a per-column bias of an [..., N] product: N elements, every dim but the last 1. */
bool lin_is_column_bias(const ir_type *t, int64_t N);

/* How a permutation of a product's axes (the last kept last) reorders its rows: the leading axes
 * of dims (rank of them, the last included) read as two groups [P, Q], permuted to [Q, P] (axes of
 * extent 1 carry no order and are left out). True with *P and *Q when perm is such a swap, or
 * moves no row (Q is 1 then); false for any other permutation. FusedMatMul's perm_A and perm_Y
 * take only these (the GEMM then runs as P or Q products over strided rows). */
bool lin_row_swap(int32_t rank, const int64_t *dims, const int64_t *perm, int64_t *P, int64_t *Q);

typedef struct lin_conv_geom {
  int32_t nsp;
  int64_t group;
  int64_t k[HY_MAX_RANK], st[HY_MAX_RANK], dl[HY_MAX_RANK], pb[HY_MAX_RANK], pe[HY_MAX_RANK];
  int64_t out[HY_MAX_RANK]; /* output spatial dims */
} lin_conv_geom;

/* X [N, C, sp...] and W [M, C/group, k...] (and B [M] when b is not NULL) fit together. */
hy_status lin_conv_check_shapes(ir_graph *g, ir_node *n, const ir_type *x, const ir_type *w,
                                const ir_type *b, int64_t group);
/* Kernel, strides, dilations, pads (auto_pad too) and output dims from the node's attributes. */
hy_status lin_conv_geometry(ir_graph *g, ir_node *n, const ir_type *x, const ir_type *w,
                            lin_conv_geom *c);
/* Pushes Conv's attribute block (runtime/src/kernels/linalg.h) for c; *direct when X is its own
 * column matrix (no im2col), *kvol the kernel's volume, *osz the output's spatial size. */
void lin_conv_lower_block(ir_lowered *l, const lin_conv_geom *c, bool *direct, int64_t *kvol,
                          int64_t *osz);

#endif
