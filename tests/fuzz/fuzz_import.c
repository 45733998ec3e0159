/* Fuzz target: model bytes → import → every pass (bind, infer/fold, simplify, fusions, DCE,
 * lowering, memory plan). Any outcome but a crash, a sanitizer report or a leak is fine: a bad
 * model must end in a status. Built with libFuzzer (HYDRA_FUZZ) or replayed over files by
 * fuzz_replay.c in the ordinary build. */
#include <stdint.h>
#include <string.h>

#include "frontend/frontend.h"
#include "fuzz_bind.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena a;
  diag d;
  arena_init(&a);
  diag_init(&d);
  ir_graph *g = NULL;
  if (fe_load_model_bytes(&a, &d, "fuzz.onnx", data, size, NULL, &g) == HY_OK) {
    pass_binding *b = fuzz_bindings(&a, g);
    if (b) (void)pass_run_all(g, b, g->n_inputs);
  }
  arena_free(&a);
  return 0;
}
