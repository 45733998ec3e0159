/* DCE: removes nodes that no graph output depends on. Walking backwards, a node whose outputs
 * have no uses left (its users were removed first) and are not graph outputs is dead. */
#include "passes/pass_internal.h"

static bool node_is_live(const ir_graph *g, const ir_node *n) {
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    if (v && (v->n_uses > 0 || ir_is_graph_output(g, v))) return true;
  }
  return false;
}

hy_status pass_dce(ir_graph *g) {
  for (ir_node *n = g->last, *prev; n; n = prev) {
    prev = n->prev;
    if (!node_is_live(g, n)) ir_node_remove(g, n);
  }
  return HY_OK;
}
