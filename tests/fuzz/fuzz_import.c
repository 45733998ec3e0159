/* Fuzz target: model bytes → import → every pass (bind, infer/fold, simplify, fusions, DCE,
 * lowering, memory plan). Any outcome but a crash, a sanitizer report or a leak is fine: a bad
 * model must end in a status. Built with libFuzzer (HYDRA_FUZZ) or replayed over files by
 * fuzz_replay.c in the ordinary build. */
#include <stdint.h>
#include <string.h>

#include "frontend/frontend.h"
#include "passes/passes.h"

/* Symbolic and unknown dims become small values, so the passes run on every graph. */
#define FUZZ_DIM 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena a;
  diag d;
  arena_init(&a);
  diag_init(&d);
  ir_graph *g = NULL;
  if (fe_load_model_bytes(&a, &d, "fuzz.onnx", data, size, NULL, &g) == HY_OK) {
    pass_binding *b = arena_array(&a, (size_t)g->n_inputs + 1, sizeof *b);
    for (int32_t i = 0; b && i < g->n_inputs; i++) {
      const ir_type *t = &g->inputs[i]->type;
      b[i].input = g->inputs[i]->name;
      b[i].rank = t->rank < 0 ? 1 : t->rank;
      for (int32_t k = 0; k < b[i].rank; k++)
        b[i].dims[k] = t->rank >= 0 && t->dims[k] >= 0 ? t->dims[k] : FUZZ_DIM;
    }
    if (b) (void)pass_run_all(g, b, g->n_inputs);
  }
  arena_free(&a);
  return 0;
}
