/* ir_verify: the IR's structural invariants, checked after import and after every pass. */
#include <stdlib.h>

#include "ir/ir.h"

static hy_status broken(ir_graph *g, const char *after, const char *what, const ir_node *n) {
  return diag_error(g->d, HY_ERR_INTERNAL, "%s: IR invariant broken after %s: %s (node '%s')",
                    n && n->file ? n->file : g->file, after, what, n ? n->name : "-");
}

static bool has_use(const ir_value *v, const ir_node *n, int32_t slot) {
  for (int32_t i = 0; i < v->n_uses; i++)
    if (v->uses[i].node == n && v->uses[i].slot == slot) return true;
  return false;
}

/* Position in the node list of every node, by id (malloc'd; NULL when out of memory), so the
 * topological check is one lookup per input instead of a walk back over earlier nodes: verify
 * runs after every pass and must stay linear in the node count. */
static int32_t *node_positions(const ir_graph *g) {
  int32_t *pos = malloc(((size_t)g->next_node_id + 1) * sizeof *pos);
  if (!pos) return NULL;
  for (int32_t i = 0; i <= g->next_node_id; i++) pos[i] = -1;
  int32_t k = 0;
  for (const ir_node *n = g->first; n; n = n->next)
    if (n->id >= 0 && n->id < g->next_node_id) pos[n->id] = k++;
  return pos;
}

static hy_status verify_nodes(ir_graph *g, const char *after_pass, const int32_t *pos,
                              int32_t *count) {
  *count = 0;
  for (ir_node *n = g->first; n; n = n->next) {
    ++*count;
    if (n->id < 0 || n->id >= g->next_node_id)
      return broken(g, after_pass, "node id out of range", n);
    const ir_op_info *info = ir_op_get(n->op);
    if (n->op != OP_UNKNOWN && (n->n_in < info->min_in || (info->max_in >= 0 && n->n_in > info->max_in)))
      return broken(g, after_pass, "input count outside the op table's arity", n);
    for (int32_t i = 0; i < n->n_in; i++) {
      ir_value *v = n->in[i];
      if (!v && n->op != OP_UNKNOWN && i < info->min_in)
        return broken(g, after_pass, "required input slot left empty", n);
      if (!v) continue;
      if (!has_use(v, n, i)) return broken(g, after_pass, "input without a use entry", n);
      if (v->producer) { /* produced by an earlier node of the list */
        int32_t pid = v->producer->id;
        int32_t p = pid >= 0 && pid < g->next_node_id ? pos[pid] : -1;
        if (p < 0 || p >= pos[n->id])
          return broken(g, after_pass, "input produced later (not topological)", n);
      }
    }
    for (int32_t i = 0; i < n->n_out; i++)
      if (n->out[i] && n->out[i]->producer != n) return broken(g, after_pass, "output's producer is another node", n);
  }
  return HY_OK;
}

hy_status ir_verify(ir_graph *g, const char *after_pass) {
  if (g->a->failed) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  int32_t *pos = node_positions(g);
  if (!pos) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  int32_t count;
  hy_status s = verify_nodes(g, after_pass, pos, &count);
  free(pos);
  if (s) return s;
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
