/* The bindings the model fuzz targets compile with: every graph input at its declared shape,
 * symbolic and unknown dims made FUZZ_DIM (and an input of unknown rank a vector), so the passes
 * run on every graph the fuzzer writes. */
#ifndef HYDRA_FUZZ_BIND_H
#define HYDRA_FUZZ_BIND_H

#include "ir/ir.h"
#include "passes/passes.h"

#define FUZZ_DIM 2

/* g's inputs bound as above, in a (NULL when out of memory). */
static inline pass_binding *fuzz_bindings(arena *a, const ir_graph *g) {
  pass_binding *b = arena_array(a, (size_t)g->n_inputs + 1, sizeof *b);
  for (int32_t i = 0; b && i < g->n_inputs; i++) {
    const ir_type *t = &g->inputs[i]->type;
    b[i].input = g->inputs[i]->name;
    b[i].rank = t->rank < 0 ? 1 : t->rank;
    for (int32_t k = 0; k < b[i].rank; k++)
      b[i].dims[k] = t->rank >= 0 && t->dims[k] >= 0 ? t->dims[k] : FUZZ_DIM;
  }
  return b;
}

#endif
