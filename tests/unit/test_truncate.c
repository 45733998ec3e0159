/* Truncated and corrupted real models: every prefix of a few suite models and a set of single-byte
 * corruptions at every offset go through load + bind (the real inputs) + all passes in-process.
 * Each must end with a status and, on failure, a message; none may crash or read out of bounds
 * (the model bytes are an exact-size heap copy, so ASan builds catch over-reads). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "passes/passes.h"
#include "run/run_model.h"
#include "tensor_io.h"

#define SUITE "/usr/share/libonnx-testdata/data"
#define MAX_INPUTS 8

typedef struct sweep_case {
  uint8_t *bytes;
  size_t n;
  hy_tensor in[MAX_INPUTS];
  int32_t n_in;
} sweep_case;

static void load_case(const char *dir, sweep_case *c) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s/model.onnx", SUITE, dir);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  fseek(f, 0, SEEK_END);
  c->n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  c->bytes = malloc(c->n);
  cr_assert_eq(fread(c->bytes, 1, c->n, f), c->n);
  fclose(f);
  c->n_in = 0;
  for (int i = 0; i < MAX_INPUTS; i++) {
    char err[1024];
    snprintf(path, sizeof path, "%s/%s/test_data_set_0/input_%d.pb", SUITE, dir, i);
    FILE *probe = fopen(path, "rb");
    if (!probe) break;
    fclose(probe);
    cr_assert_eq(pb_tensor_read(path, &c->in[c->n_in++], NULL, err, sizeof err), HY_OK, "%s", err);
  }
}

/* One load + passes of bytes[0, n) (copied so nothing past n is addressable). Returns the status;
 * a failure must come with a message. */
static hy_status compile_bytes(const sweep_case *c, const uint8_t *bytes, size_t n) {
  uint8_t *copy = malloc(n ? n : 1);
  if (n) memcpy(copy, bytes, n);
  arena a;
  diag d;
  arena_init(&a);
  diag_init(&d);
  ir_graph *g = NULL;
  hy_status s = fe_load_model_bytes(&a, &d, "model.onnx", copy, n, NULL, &g);
  if (s == HY_OK) {
    pass_binding b[MAX_INPUTS];
    s = g->n_inputs <= MAX_INPUTS ? hc_bind_tensors(g, c->in, c->n_in, b) : HY_ERR_INVALID_MODEL;
    if (s == HY_OK) s = pass_run_all(g, b, c->n_in);
  }
  if (s != HY_OK && g) cr_assert(d.msg[0], "status %d without a message (%zu bytes)", (int)s, n);
  if (s != HY_OK && !g) cr_assert(d.msg[0], "load failed without a message (%zu bytes)", n);
  arena_free(&a);
  free(copy);
  return s;
}

static void sweep(const char *dir) {
  sweep_case c;
  load_case(dir, &c);
  cr_assert_eq(compile_bytes(&c, c.bytes, c.n), HY_OK, "%s: the intact model must compile", dir);
  int ok = 0, failed = 0;
  for (size_t len = 0; len < c.n; len++) {
    if (compile_bytes(&c, c.bytes, len) == HY_OK)
      ok++;
    else
      failed++;
  }
  /* a prefix ending between two fields may still be a valid (smaller) model; most are not */
  cr_assert_gt(failed, (int)c.n / 2, "%s: %d of %zu prefixes compiled", dir, ok, c.n);
  static const uint8_t flips[][2] = {{0x00, 0}, {0xff, 0}, {0x01, 1}, {0x80, 1}, {0x7f, 0}};
  uint8_t *mut = malloc(c.n);
  int mutated_ok = 0;
  for (size_t pos = 0; pos < c.n; pos++) {
    for (size_t k = 0; k < sizeof flips / sizeof *flips; k++) {
      memcpy(mut, c.bytes, c.n);
      mut[pos] = flips[k][1] ? (uint8_t)(mut[pos] ^ flips[k][0]) : flips[k][0];
      mutated_ok += compile_bytes(&c, mut, c.n) == HY_OK;
    }
  }
  free(mut);
  cr_log_info("%s: %zu bytes, %d prefixes compiled, %d of %zu corruptions compiled", dir, c.n, ok,
              mutated_ok, c.n * (sizeof flips / sizeof *flips));
  free(c.bytes);
  for (int32_t i = 0; i < c.n_in; i++) pb_tensor_free(&c.in[i]);
}

Test(truncate, conv_with_strides_padding) { sweep("node/test_conv_with_strides_padding"); }
Test(truncate, pytorch_pixel_shuffle) { sweep("pytorch-converted/test_PixelShuffle"); }
Test(truncate, pytorch_embedding) { sweep("pytorch-converted/test_Embedding"); }
Test(truncate, reshape_from_constant) { sweep("node/test_reshape_reordered_all_dims"); }
