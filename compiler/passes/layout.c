/* Layout: a constant float weight B of a MatMul, Gemm or FusedMatMul whose A is computed at run time becomes a
 * constant in the GEMM's packed-B layout (hydra/gemm.h), so the kernel skips packing B on every
 * run. The decision lives here, not in the lowering: lowering reads its B's layout
 * (IR_LAYOUT_GEMM_PACKED_B) and tells the kernel. Packed weights with the same content are one
 * value (ir_const_intern), whatever their source's name or address, so objects are reproducible.
 * The packed value's type keeps the fake dims [bytes / (4 * NR), NR] that size it. */
#include "hydra/gemm.h"
#include "passes/pass_internal.h"

/* B's K x N and whether it is stored as [N, K], when n's B is a weight worth packing. */
static bool packable(const ir_node *n, int64_t *K, int64_t *N, bool *trans) {
  if ((n->op != OP_MatMul && n->op != OP_Gemm && n->op != OP_FusedMatMul) || n->n_in < 2)
    return false;
  const ir_value *a = n->in[0], *b = n->in[1];
  if (!b->data || b->layout != IR_LAYOUT_ROW_MAJOR || b->type.dtype != HY_DTYPE_FLOAT ||
      b->type.rank != 2 || ir_value_known(a))
    return false;
  *trans = n->op != OP_MatMul && ir_attr_int(n, "transB", 0) == 1;
  *K = b->type.dims[*trans ? 1 : 0];
  *N = b->type.dims[*trans ? 0 : 1];
  return *K > 0 && *N > 0;
}

static hy_status pack(ir_graph *g, ir_node *n, int64_t K, int64_t N, bool trans) {
  ir_value *b = n->in[1];
  const char *name = arena_printf(g->a, "%s#gemm_packed%s", b->name, trans ? "_t" : "");
  size_t bytes = hy_sgemm_packed_b_bytes(K, N);
  float *dst = name ? arena_alloc(g->a, bytes) : NULL;
  if (!dst) return pass_oom(g);
  hy_sgemm_pack_b(K, N, b->data, trans ? 1 : N, trans ? K : 1, dst);
  int64_t dims[2] = {(int64_t)(bytes / sizeof(float)) / HY_GEMM_NR, HY_GEMM_NR};
  ir_value *pv = ir_const_new(g, name, HY_DTYPE_FLOAT, 2, dims, dst);
  if (!pv) return pass_oom(g);
  pv->layout = IR_LAYOUT_GEMM_PACKED_B;
  pv->from_model = b->from_model;
  if (!(pv = ir_const_intern(g, pv))) return pass_oom(g);
  ir_node_set_input(g, n, 1, pv);
  return HY_OK;
}

hy_status pass_layout(ir_graph *g) {
  for (ir_node *n = g->first; n; n = n->next) {
    int64_t K, N;
    bool trans;
    if (packable(n, &K, &N, &trans) && pack(g, n, K, N, trans) != HY_OK) return g->d->status;
  }
  return g->a->failed ? pass_oom(g) : HY_OK;
}
