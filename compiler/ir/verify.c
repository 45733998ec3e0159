/* ir_verify: the IR's structural invariants, checked after import and after every pass. */
#include "ir/ir.h"

static hy_status broken(ir_graph *g, const char *after, const char *what, const ir_node *n) {
  return diag_error(g->d, HY_ERR_INTERNAL, "%s: IR invariant broken after %s: %s (node '%s')",
                    g->file, after, what, n ? n->name : "-");
}

static bool has_use(const ir_value *v, const ir_node *n, int32_t slot) {
  for (int32_t i = 0; i < v->n_uses; i++)
    if (v->uses[i].node == n && v->uses[i].slot == slot) return true;
  return false;
}

hy_status ir_verify(ir_graph *g, const char *after_pass) {
  if (g->a->failed) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  /* Topological order: a value is available once produced by an earlier node. Mark with the
   * producing node's position; inputs and constants count as position -1. */
  int32_t pos = 0, count = 0;
  for (ir_node *n = g->first; n; n = n->next, pos++) {
    count++;
    const ir_op_info *info = ir_op_get(n->op);
    if (n->op != OP_UNKNOWN && (n->n_in < info->min_in || (info->max_in >= 0 && n->n_in > info->max_in)))
      return broken(g, after_pass, "input count outside the op table's arity", n);
    for (int32_t i = 0; i < n->n_in; i++) {
      ir_value *v = n->in[i];
      if (!v && n->op != OP_UNKNOWN && i < info->min_in)
        return broken(g, after_pass, "required input slot left empty", n);
      if (!v) continue;
      if (!has_use(v, n, i)) return broken(g, after_pass, "input without a use entry", n);
      if (v->producer) {
        bool earlier = false;
        for (ir_node *p = n->prev; p; p = p->prev)
          if (p == v->producer) { earlier = true; break; }
        if (!earlier) return broken(g, after_pass, "input produced later (not topological)", n);
      }
    }
    for (int32_t i = 0; i < n->n_out; i++)
      if (n->out[i] && n->out[i]->producer != n) return broken(g, after_pass, "output's producer is another node", n);
  }
  if (count != g->n_nodes) return broken(g, after_pass, "node count differs from the list", NULL);
  for (int32_t i = 0; i < g->n_values; i++) {
    ir_value *v = g->values[i];
    for (int32_t u = 0; u < v->n_uses; u++) {
      ir_node *n = v->uses[u].node;
      if (v->uses[u].slot >= n->n_in || n->in[v->uses[u].slot] != v)
        return broken(g, after_pass, "stale use entry", n);
    }
  }
  for (int32_t i = 0; i < g->n_outputs; i++) {
    ir_value *v = g->outputs[i];
    if (!v->producer && !v->data && v->input_index < 0)
      return broken(g, after_pass, "graph output with no producer", NULL);
  }
  return HY_OK;
}
