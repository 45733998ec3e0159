/* Transpose folding: a Transpose that only reorders the rows of a GEMM's operand or result
 * becomes the GEMM's perm_A or perm_Y (FusedMatMul, compiler/ops/linalg.c), which reads or writes
 * those rows in place instead of copying the tensor. Such a perm keeps the last axis last and
 * swaps two groups of the leading ones (lin_row_swap): torch's [B, S, E] <-> [S, B, E] around
 * nn.MultiheadAttention and nn.TransformerEncoderLayer, whose batch-first forms transpose the
 * activations into the sequence-first layout and back.
 *   Transpose -> MatMul/Gemm/FusedMatMul (as A)                     : perm_A
 *   MatMul/Gemm/FusedMatMul -> [Reshape of the rows] -> Transpose   : perm_Y
 * A MatMul or Gemm becomes a FusedMatMul first (pass_as_fused_matmul). In the second form a
 * Reshape that regroups the product's rows moves onto A (a view there too), so that perm_Y
 * permutes the product's own dims. A GEMM takes one of the two, and values with run-time dims
 * are left alone (the groups are decided on sizes). Runs after the epilogue fusion, so the GEMMs
 * it meets carry their bias, activation and residual already. */
#include <string.h>

#include "ir/match.h"
#include "ops/linalg.h"
#include "passes/pass_internal.h"

/* A node that can take a folded perm: a FusedMatMul without one, a MatMul or a Gemm (whether it
 * converts is pass_as_fused_matmul's to say). */
static bool takes_perm(const ir_node *n) {
  if (n->op == OP_FusedMatMul)
    return !ir_attr_find(n, "perm_A") && !ir_attr_find(n, "perm_Y");
  return n->op == OP_MatMul || n->op == OP_Gemm;
}

static bool is_static(const ir_value *v) {
  return v && ir_type_is_static(&v->type) && !dyn_reads_run_time_dims(v);
}

/* n's perm attribute `name` set to perm (rank entries), appended to its attributes. */
static hy_status add_perm(ir_graph *g, ir_node *n, const char *name, const int64_t *perm,
                          int32_t rank) {
  ir_attr *at = arena_array(g->a, (size_t)n->n_attrs + 1, sizeof *at);
  int64_t *p = arena_array(g->a, (size_t)rank, sizeof *p);
  if (!at || !p) return pass_oom(g);
  if (n->n_attrs) memcpy(at, n->attrs, (size_t)n->n_attrs * sizeof *at);
  memcpy(p, perm, (size_t)rank * sizeof *p);
  at[n->n_attrs] = (ir_attr){.name = name, .kind = IR_ATTR_INTS, .ints = p, .n = rank};
  n->attrs = at;
  n->n_attrs++;
  return HY_OK;
}

/* The Transpose's perm when it reorders rows only (a swap, lin_row_swap) and its operand and
 * result are static floats. */
static bool row_perm(ir_graph *g, const ir_node *t, int64_t *perm) {
  const ir_value *x = t->in[0], *y = t->out[0];
  int64_t P, Q;
  bool given;
  if (!is_static(x) || !is_static(y) || x->type.dtype != HY_DTYPE_FLOAT ||
      ir_attr_perm(g, t, "perm", x->type.rank, perm, &given) != HY_OK || !given)
    return false;
  return lin_row_swap(x->type.rank, x->type.dims, perm, &P, &Q) && P > 1 && Q > 1;
}

/* After a fold: f's output still has the type the graph had there. */
static hy_status check_same(ir_graph *g, ir_node *f, const ir_type *want) {
  hy_status s = pass_infer_node(g, f);
  if (s) return s;
  const ir_type *got = &f->out[0]->type;
  if (got->rank != want->rank ||
      memcmp(got->dims, want->dims, sizeof(int64_t) * (size_t)want->rank) != 0)
    return ir_node_error(g, f, HY_ERR_INTERNAL, "folding a Transpose changed the product's shape");
  return HY_OK;
}

/* Transpose t's output read as A by GEMMs: each reads t's input with perm_A instead. */
static hy_status fold_into_readers(ir_graph *g, ir_node *t, const int64_t *perm) {
  ir_value *y = t->out[0];
  ir_node *readers[16];
  int32_t n = 0;
  for (int32_t i = 0; i < y->n_uses && n < 16; i++)
    if (y->uses[i].slot == 0 && takes_perm(y->uses[i].node)) readers[n++] = y->uses[i].node;
  for (int32_t i = 0; i < n; i++) {
    ir_node *f;
    ir_type want = readers[i]->out[0]->type;
    hy_status s = pass_as_fused_matmul(g, readers[i], &f);
    if (s) return s;
    if (!f) continue;
    if ((s = add_perm(g, f, "perm_A", perm, y->type.rank))) return s;
    ir_node_set_input(g, f, 0, t->in[0]);
    if ((s = check_same(g, f, &want))) return s;
  }
  return HY_OK;
}

/* v is read by one node and is no graph output. */
static bool private_value(const ir_graph *g, const ir_value *v) {
  return ir_match_single_use(g, v) && !ir_is_graph_output(g, v);
}

/* Transpose t of a GEMM's product (or of a Reshape of its rows): the GEMM writes t's output with
 * perm_Y. */
static hy_status fold_into_writer(ir_graph *g, ir_node *t, const int64_t *perm) {
  ir_value *x = t->in[0], *y = t->out[0];
  ir_node *r = x->producer, *gemm = r;
  if (!r || !private_value(g, x)) return HY_OK;
  if (r->op == OP_Reshape) { /* it must regroup the rows only: the last dim stays */
    const ir_type *ri = &r->in[0]->type;
    if (!is_static(r->in[0]) || ri->rank < 1 || !private_value(g, r->in[0]) ||
        ri->dims[ri->rank - 1] != x->type.dims[x->type.rank - 1])
      return HY_OK;
    gemm = r->in[0]->producer;
  } else {
    r = NULL;
  }
  if (!gemm || !takes_perm(gemm)) return HY_OK;
  /* a fused residual is shaped like the product, which the moved Reshape would regroup */
  if (r && gemm->op == OP_FusedMatMul && gemm->n_in > 3 && gemm->in[3]) return HY_OK;
  ir_node *f;
  hy_status s = pass_as_fused_matmul(g, gemm, &f);
  if (s || !f) return s;
  ir_value *a = f->in[0];
  if (r) { /* A's rows regrouped as the Reshape regroups the product's */
    int64_t dims[HY_MAX_RANK];
    memcpy(dims, x->type.dims, sizeof(int64_t) * (size_t)x->type.rank);
    dims[x->type.rank - 1] = a->type.dims[a->type.rank - 1];
    char *name = arena_printf(g->a, "%s/OfA", r->name ? r->name : "Reshape");
    ir_value *in[2] = {a, pass_shape_const(g, x->type.rank, dims)};
    if (!in[1]) return pass_oom(g);
    ir_value *va = pass_emit_node(g, OP_Reshape, "Reshape", name, f, in, 2, NULL);
    if (!va) return g->d->status;
    ir_node_set_input(g, f, 0, va);
    ir_node_remove(g, r);
  }
  ir_type want = y->type;
  ir_node_remove(g, t);
  if ((s = add_perm(g, f, "perm_Y", perm, want.rank))) return s;
  ir_node_set_output(g, f, 0, y);
  return check_same(g, f, &want);
}

hy_status pass_fold_transpose(ir_graph *g) {
  /* the Transposes first: folding replaces the GEMMs after them, the walk's next nodes */
  int32_t n = 0;
  for (ir_node *t = g->first; t; t = t->next) n += t->op == OP_Transpose;
  ir_node **ts = n ? arena_array(g->a, (size_t)n, sizeof *ts) : NULL;
  if (n && !ts) return pass_oom(g);
  n = 0;
  for (ir_node *t = g->first; t; t = t->next)
    if (t->op == OP_Transpose) ts[n++] = t;
  for (int32_t i = 0; i < n; i++) {
    ir_node *t = ts[i];
    int64_t perm[HY_MAX_RANK];
    if (t->n_in < 1 || !t->in[0] || t->n_out != 1 || !t->out[0] || !row_perm(g, t, perm))
      continue;
    hy_status s = fold_into_readers(g, t, perm);
    if (s) return s;
    if (t->out[0]->n_uses == 0 && !ir_is_graph_output(g, t->out[0])) {
      ir_node_remove(g, t);
      continue;
    }
    if ((s = fold_into_writer(g, t, perm))) return s;
  }
  return HY_OK;
}
