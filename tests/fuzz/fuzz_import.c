/* Fuzz target: model bytes → import → every pass (bind, infer/fold, simplify, fusions, DCE,
 * lowering, memory plan). Any outcome but a crash, a sanitizer report or a leak is fine: a bad
 * model must end in a status. Built with libFuzzer (HYDRA_FUZZ) or replayed over files by
 * fuzz_replay.c in the ordinary build. */
#include <stdint.h>

#include "fuzz_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena a;
  arena_init(&a);
  (void)fuzz_optimised(&a, data, size, INT32_MAX);
  arena_free(&a);
  return 0;
}
