/* Run-time dims through the generated header's typed entry: links mmoe compiled with
 * `--shape features=LO..HIx64` (NAME.o), calls mmoe_run(ctx, dim_batch, features, ctr, cvr,
 * value) with the batch of the data set's input, output buffers sized for the bounds, and checks
 * each output's reported shape and values against torch's (output_N.pb). Built by
 * model_test.cmake (MODE=dynamic) with -DHYDRA_MODEL_NAME=mmoe and -include mmoe.h.
 * usage: mmoe_test DATA_SET_DIR [--rtol R] [--atol A] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "hydra/model.h"
#include "tensor_io.h"

static int read_pb(const char *dir, const char *prefix, int i, hy_tensor *t) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, i);
  if (pb_tensor_read(path, t, NULL, err, sizeof err) == HY_OK) return 0;
  fprintf(stderr, "%s\n", err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DATA_SET_DIR [--rtol R] [--atol A]\n", argv[0]);
    return 2;
  }
  cmp_tol tol = {1e-4, 1e-4};
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--rtol") == 0) tol.rtol = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--atol") == 0) tol.atol = atof(argv[i + 1]);
  }
  const hy_model *m = &mmoe_model;
  if (m->n_syms != 1 || m->n_outputs != 3) {
    fprintf(stderr, "mmoe: expected one run-time dim and three outputs\n");
    return 1;
  }
  hy_tensor in;
  if (read_pb(argv[1], "input", 0, &in)) return 1;
  float *out[3];
  for (int i = 0; i < 3; i++) { /* buffers for the bounds, each poisoned past what a run writes */
    hy_tensor b = {.dtype = m->outputs[i].dtype, .rank = m->outputs[i].rank};
    memcpy(b.dims, m->outputs[i].dims, sizeof b.dims);
    out[i] = malloc(hy_tensor_bytes(&b));
    if (!out[i]) return 1;
    memset(out[i], 0xff, hy_tensor_bytes(&b));
  }
  mmoe_ctx *ctx = NULL;
  hy_status st = mmoe_create(&ctx, NULL);
  if (st == HY_OK) st = mmoe_run(ctx, in.dims[0], in.data, out[0], out[1], out[2]);
  if (st != HY_OK) {
    fprintf(stderr, "mmoe: %s: %s\n", hy_status_name(st), ctx ? mmoe_error(ctx) : "create failed");
    mmoe_destroy(ctx);
    return 1;
  }
  int bad = 0;
  for (int32_t i = 0; i < 3; i++) {
    hy_tensor got = {.dtype = m->outputs[i].dtype, .data = out[i]}, exp;
    char msg[1024];
    if (hy_session_output_shape((const hy_session *)ctx, i, &got.rank, got.dims) != HY_OK ||
        read_pb(argv[1], "output", i, &exp))
      return 1;
    bool ok = cmp_tensors(&got, &exp, tol, msg, sizeof msg);
    printf("mmoe_run(batch %lld): output %s: %s%s\n", (long long)in.dims[0], m->outputs[i].name,
           ok ? "matches the expected output" : "MISMATCH: ", ok ? "" : msg);
    bad += !ok;
    pb_tensor_free(&exp);
    free(out[i]);
  }
  pb_tensor_free(&in);
  mmoe_destroy(ctx);
  return bad ? 1 : 0;
}
