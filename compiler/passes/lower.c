/* Lower: asks every node's lower hook for its kernel call (kernel id, attribute block, scratch);
 * codegen and the memory planner read n->lowered. */
#include "passes/pass_internal.h"

hy_status pass_lower(ir_graph *g) {
  for (ir_node *n = g->first; n; n = n->next) {
    ir_lowered *l = arena_alloc(g->a, sizeof *l);
    if (!l) return pass_oom(g);
    if (pass_lower_dynamic(g, n, l) != HY_OK) return g->d->status;
    n->lowered = l;
  }
  return HY_OK;
}
