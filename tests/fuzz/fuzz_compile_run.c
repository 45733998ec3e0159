/* Fuzz target: model bytes → import → every pass → JIT compile → a session → one run, on inputs
 * of the bound shapes holding small values (0, 1, 2, ...: in range for most indices, so the
 * kernels run their ordinary paths too). What it adds to fuzz_import: codegen, the kernels, the
 * session and the entry's status checks see the graphs the fuzzer writes. Bounded so one input
 * costs well under a second: graphs of at most MAX_NODES nodes, inputs of at most MAX_ELEMS
 * elements, arenas of at most MAX_ARENA bytes, and LLVM at O1. Any status is fine; a crash, a
 * sanitizer report or a leak is not. Built with libFuzzer (HYDRA_FUZZ) or replayed over files by
 * fuzz_replay.c in the ordinary build. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_model.h"
#include "run/run_model.h"

#define MAX_NODES 64
#define MAX_ELEMS 4096
#define MAX_ARENA (16 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Tensors shaped like the descriptors d[0..n), each at least one byte; with values, element k
 * holds k % 3 where the dtype can say so (strings and the like stay zero). False when out of
 * memory or a tensor is too large. */
static bool make_tensors(const hy_io_desc *d, int32_t n, bool values, hy_tensor *t) {
  for (int32_t i = 0; i < n; i++) {
    t[i] = (hy_tensor){.dtype = d[i].dtype, .rank = d[i].rank};
    memcpy(t[i].dims, d[i].dims, sizeof t[i].dims);
    int64_t numel = 1;
    for (int32_t k = 0; k < t[i].rank; k++)
      numel *= t[i].dims[k];
    if (numel > MAX_ELEMS) return false;
    size_t bytes = hy_tensor_bytes(&t[i]);
    if (!(t[i].data = calloc(1, bytes ? bytes : 1))) return false;
    for (int64_t k = 0; values && k < numel; k++)
      ir_elem_set((hy_dtype)t[i].dtype, t[i].data, k, (double)(k % 3));
  }
  return true;
}

static void free_tensors(hy_tensor *t, int32_t n) {
  for (int32_t i = 0; t && i < n; i++)
    free(t[i].data);
  free(t);
}

/* Compiles g and runs its default entry once. */
static void compile_and_run(ir_graph *g) {
  cg_target target = {.opt_level = 1};
  cg_jit *jit = NULL;
  if (cg_jit_compile(g, "fuzz", &target, &jit) != HY_OK) return;
  const hy_model *m = cg_jit_model(jit);
  hy_session *s = NULL;
  hy_tensor *in = calloc((size_t)m->n_inputs + 1, sizeof *in);
  hy_tensor *out = calloc((size_t)m->n_outputs + 1, sizeof *out);
  if (in && out && make_tensors(m->inputs, m->n_inputs, true, in) &&
      make_tensors(m->outputs, m->n_outputs, false, out) && hy_session_create(m, NULL, &s) == HY_OK)
    (void)hy_session_run_tensors(s, in, m->n_inputs, out, m->n_outputs);
  hy_session_destroy(s);
  free_tensors(in, m->n_inputs);
  free_tensors(out, m->n_outputs);
  cg_jit_free(jit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena a;
  arena_init(&a);
  ir_graph *g = fuzz_optimised(&a, data, size, MAX_NODES);
  if (g && g->arena_bytes <= MAX_ARENA) compile_and_run(g);
  arena_free(&a);
  return 0;
}
