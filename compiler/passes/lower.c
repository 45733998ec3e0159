/* Lower: asks every node's lower hook for its kernel call (kernel id, attribute block, scratch);
 * codegen and the memory planner read n->lowered. */
#include <stdio.h>

#include "passes/pass_internal.h"

/* Run-time dims are inferred (infer_dynamic.c) but no kernel call takes them yet: every call is
 * compiled on constant shapes, so a graph with any is stopped here, before code assumes bounds. */
static hy_status refuse_run_time_dims(ir_graph *g) {
  char list[256] = "";
  size_t k = 0;
  for (int32_t i = 0; i < g->n_syms && k < sizeof list; i++)
    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s %lld..%lld", i ? ", " : "",
                          g->syms[i].name, (long long)g->syms[i].lo, (long long)g->syms[i].hi);
  return diag_error(g->d, HY_ERR_UNSUPPORTED,
                    "%s: run-time dims (%s) are inferred but not compiled yet: give every dim a "
                    "fixed size (--shape IN=2x128); `hydrac inspect --print-after dce` shows the "
                    "graph with them", g->file, list);
}

hy_status pass_lower(ir_graph *g) {
  if (g->n_syms > 0) return refuse_run_time_dims(g);
  for (ir_node *n = g->first; n; n = n->next) {
    ir_lowered *l = arena_alloc(g->a, sizeof *l);
    if (!l) return pass_oom(g);
    if (pass_lower_node(g, n, l) != HY_OK) return g->d->status;
    n->lowered = l;
  }
  return HY_OK;
}
