/* Fuzz target: hostile hy_tensor arguments to hy_session_run_tensors (what a generated
 * NAME_run_tensors calls) on a small compiled model, ONNX's test_gather_0 (float data[5,4,3,2],
 * int64 indices[3] → y[3,4,3,2]). The bytes pick the tensor counts, NULL arrays, and per tensor its
 * dtype, rank, dims (huge, negative) and NULL data; the rest fills the tensors' data, so the
 * indices are hostile too. Each tensor's buffer is exactly as large as its own dtype and dims
 * claim (one byte when they claim more than 1 MiB), so a run that reads or writes past what the
 * model may touch is an ASan report. Any status is fine; a crash, sanitizer report or leak is not.
 * HYDRA_FUZZ_RUN_MODEL (CMake) is the model's path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_model.h"

#define SLOTS 4             /* tensors per array the fuzzer can describe */
#define MAX_DATA (1u << 20) /* bytes a tensor may claim and get */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model, compiled once per process; its session lives as long. */
static hy_session *fuzz_session(const hy_model **model) {
  static arena a;
  static cg_jit *jit;
  static hy_session *s;
  static bool tried;
  if (!tried) {
    tried = true;
    diag d;
    diag_init(&d);
    arena_init(&a);
    ir_graph *g = NULL;
    if (hc_compile_graph(&a, &d, HYDRA_FUZZ_RUN_MODEL, NULL, 0, &g) != HY_OK ||
        cg_jit_compile(g, "gather", NULL, &jit) != HY_OK ||
        hy_session_create(cg_jit_model(jit), NULL, &s) != HY_OK)
      abort(); /* the harness itself is broken: make it loud */
  }
  *model = cg_jit_model(jit);
  return s;
}

typedef struct reader {
  const uint8_t *p;
  size_t n;
} reader;

static uint8_t take8(reader *r) {
  if (!r->n) return 0;
  r->n--;
  return *r->p++;
}

static int64_t take64(reader *r) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | take8(r);
  return (int64_t)v;
}

/* The bytes t's dtype and dims claim, or SIZE_MAX when they claim nonsense or more than MAX_DATA.
 */
static size_t claimed_bytes(const hy_tensor *t) {
  int32_t bits = hy_dtype_bits(t->dtype);
  if (bits <= 0 || t->rank < 0 || t->rank > HY_MAX_RANK) return SIZE_MAX;
  uint64_t n = 1;
  for (int32_t k = 0; k < t->rank; k++) {
    if (t->dims[k] < 0) return SIZE_MAX;
    if (t->dims[k] && n > (uint64_t)MAX_DATA * 8 / (uint64_t)t->dims[k]) return SIZE_MAX;
    n *= (uint64_t)t->dims[k];
  }
  uint64_t bytes = (n * (uint64_t)bits + 7) / 8;
  return bytes <= MAX_DATA ? (size_t)bytes : SIZE_MAX;
}

/* One mutation of slot t: a new dtype, rank, dim, a huge or negative dim, or NULL data. */
static void mutate(reader *r, hy_tensor *t, bool *null_data) {
  uint8_t op = take8(r);
  switch (op % 6) {
  case 0: t->dtype = (hy_dtype)take8(r); break;
  case 1: t->rank = (int8_t)take8(r); break;
  case 2: t->dims[take8(r) % HY_MAX_RANK] = take64(r); break;
  case 3: t->dims[take8(r) % HY_MAX_RANK] = INT64_MAX - take8(r); break;
  case 4: t->dims[take8(r) % HY_MAX_RANK] = -(int64_t)take8(r); break;
  default: *null_data = true; break;
  }
}

/* Buffers for the tensors as described, their data from the fuzzer's remaining bytes. */
static bool fill(reader *r, hy_tensor *t, int32_t n, const bool *null_data) {
  for (int32_t i = 0; i < n; i++) {
    if (null_data[i]) continue;
    size_t bytes = claimed_bytes(&t[i]);
    if (bytes == SIZE_MAX || bytes == 0) bytes = 1;
    uint8_t *p = malloc(bytes);
    if (!p) return false;
    for (size_t k = 0; k < bytes; k++)
      p[k] = r->n ? r->p[k % r->n] : (uint8_t)k;
    t[i].data = p;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const hy_model *m;
  hy_session *s = fuzz_session(&m);
  reader r = {data, size};
  int32_t n_in = m->n_inputs + (int32_t)(take8(&r) % 5) - 2;
  int32_t n_out = m->n_outputs + (int32_t)(take8(&r) % 5) - 2;
  uint8_t flags = take8(&r);
  hy_tensor in[SLOTS] = {{0}}, out[SLOTS] = {{0}};
  bool null_in[SLOTS] = {0}, null_out[SLOTS] = {0};
  for (int32_t i = 0; i < SLOTS; i++) { /* start from the descriptors: the mutations matter */
    const hy_io_desc *d = i < m->n_inputs ? &m->inputs[i] : NULL;
    const hy_io_desc *o = i < m->n_outputs ? &m->outputs[i] : NULL;
    if (d) in[i] = (hy_tensor){.dtype = d->dtype, .rank = d->rank};
    if (d) memcpy(in[i].dims, d->dims, sizeof in[i].dims);
    if (o) out[i] = (hy_tensor){.dtype = o->dtype, .rank = o->rank};
    if (o) memcpy(out[i].dims, o->dims, sizeof out[i].dims);
  }
  for (uint8_t k = 0, n = take8(&r) % 8; k < n; k++) {
    uint8_t slot = take8(&r) % (2 * SLOTS);
    if (slot < SLOTS)
      mutate(&r, &in[slot], &null_in[slot]);
    else
      mutate(&r, &out[slot - SLOTS], &null_out[slot - SLOTS]);
  }
  if (n_in > SLOTS) n_in = SLOTS; /* the arrays hold SLOTS; negative counts stay, to be refused */
  if (n_out > SLOTS) n_out = SLOTS;
  if (fill(&r, in, SLOTS, null_in) && fill(&r, out, SLOTS, null_out)) {
    hy_status st =
        hy_session_run_tensors(s, (flags & 1) ? NULL : in, n_in, (flags & 2) ? NULL : out, n_out);
    /* A run that succeeded had the model's own arguments; its outputs have their shapes. */
    for (int32_t i = 0; st == HY_OK && i < m->n_outputs; i++)
      if (out[i].rank != m->outputs[i].rank ||
          memcmp(out[i].dims, m->outputs[i].dims, sizeof out[i].dims) != 0)
        abort();
  }
  for (int32_t i = 0; i < SLOTS; i++) {
    free(in[i].data);
    free(out[i].data);
  }
  return 0;
}
