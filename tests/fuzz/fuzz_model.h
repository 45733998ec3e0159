/* What the model fuzz targets share: the graph the fuzzer's bytes make, imported and run through
 * every pass with every graph input at its declared shape, unknown dims made FUZZ_DIM and named
 * (symbolic) ones run-time dims 1..FUZZ_DIM (an input of unknown rank a vector), so the passes
 * run on every graph. */
#ifndef HYDRA_FUZZ_MODEL_H
#define HYDRA_FUZZ_MODEL_H

#include "frontend/frontend.h"
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
    for (int32_t k = 0; k < b[i].rank; k++) {
      b[i].dims[k] = t->rank >= 0 && t->dims[k] >= 0 ? t->dims[k] : FUZZ_DIM;
      /* a dim the model names is left to run time, 1..FUZZ_DIM: the run-time dims path */
      if (t->rank >= 0 && t->dims[k] < 0 && t->sym[k] && *t->sym[k])
        b[i].ranged |= 1u << k, b[i].lo[k] = 1;
    }
  }
  return b;
}

/* The model in data[0..size) imported into a and optimised, or NULL when any step refused it
 * (or it has more than max_nodes nodes). */
static inline ir_graph *fuzz_optimised(arena *a, const uint8_t *data, size_t size,
                                       int32_t max_nodes) {
  diag d;
  diag_init(&d);
  ir_graph *g = NULL;
  if (fe_load_model_bytes(a, &d, "fuzz.onnx", data, size, NULL, &g) != HY_OK ||
      g->n_nodes > max_nodes)
    return NULL;
  pass_binding *b = fuzz_bindings(a, g);
  return b && pass_run_all(g, b, g->n_inputs) == HY_OK ? g : NULL;
}

#endif
