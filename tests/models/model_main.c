/* Model test program: links one `hydrac compile` object (NAME.o), runs it on a backend-style data
 * set (input_N.pb) through its generated header (NAME_run_tensors) and checks every output against output_N.pb.
 * Built by compile_test.cmake with -DHYDRA_MODEL_NAME=NAME and -include NAME.h.
 * usage: NAME_test DATA_SET_DIR [--rtol R] [--atol A] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "hydra/model.h"
#include "tensor_io.h"

#ifndef HYDRA_MODEL_NAME
#error "compile with -DHYDRA_MODEL_NAME=<name given to hydrac compile --name>"
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STR_(a) #a
#define STR(a) STR_(a)
/* What NAME.h declares: the model descriptor (hydra/model.h) and the context wrappers. */
#define MODEL CAT(HYDRA_MODEL_NAME, _model)
#define CTX CAT(HYDRA_MODEL_NAME, _ctx)
#define CREATE CAT(HYDRA_MODEL_NAME, _create)
#define RUN_TENSORS CAT(HYDRA_MODEL_NAME, _run_tensors)
#define DESTROY CAT(HYDRA_MODEL_NAME, _destroy)
#define ERROR CAT(HYDRA_MODEL_NAME, _error)

/* Reads DIR/prefix_i.pb into t; prints why not. */
static int read_pb(const char *dir, const char *prefix, int i, hy_tensor *t) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, i);
  if (pb_tensor_read(path, t, NULL, err, sizeof err) == HY_OK) return 0;
  fprintf(stderr, "%s\n", err);
  return 1;
}

/* A zeroed output tensor with the descriptor's dtype and shape. */
static int alloc_output(const hy_io_desc *d, hy_tensor *t) {
  *t = (hy_tensor){.dtype = d->dtype, .rank = d->rank};
  memcpy(t->dims, d->dims, sizeof t->dims);
  t->data = calloc(1, hy_tensor_bytes(t) + 1);
  return t->data ? 0 : 1;
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
  const hy_model *m = &MODEL;
  const char *dir = argv[1];
  hy_tensor in[HY_MAX_RANK * 4], out[HY_MAX_RANK * 4];
  if (m->n_inputs > (int32_t)(sizeof in / sizeof *in) || m->n_outputs > (int32_t)(sizeof out / sizeof *out)) {
    fprintf(stderr, "%s: too many inputs or outputs for this test program\n", STR(HYDRA_MODEL_NAME));
    return 1;
  }
  for (int32_t i = 0; i < m->n_inputs; i++)
    if (read_pb(dir, "input", i, &in[i])) return 1;
  for (int32_t i = 0; i < m->n_outputs; i++)
    if (alloc_output(&m->outputs[i], &out[i])) return 1;

  CTX *ctx = NULL;
  hy_session_options opt = {.n_threads = 1};
  hy_status st = CREATE(&ctx, &opt);
  if (st == HY_OK) st = RUN_TENSORS(ctx, in, m->n_inputs, out, m->n_outputs);
  if (st != HY_OK) {
    fprintf(stderr, "%s: %s: %s\n", STR(HYDRA_MODEL_NAME), hy_status_name(st),
            ctx ? ERROR(ctx) : "context create failed");
    DESTROY(ctx);
    return 1;
  }
  int bad = 0;
  for (int32_t i = 0; i < m->n_outputs; i++) {
    hy_tensor exp;
    char msg[1024];
    if (read_pb(dir, "output", i, &exp)) return 1;
    bool ok = cmp_tensors(&out[i], &exp, tol, msg, sizeof msg);
    printf("%s: output %s: %s%s\n", STR(HYDRA_MODEL_NAME), m->outputs[i].name,
           ok ? "matches the expected output" : "MISMATCH: ", ok ? "" : msg);
    bad += !ok;
    pb_tensor_free(&exp);
    free(out[i].data);
  }
  for (int32_t i = 0; i < m->n_inputs; i++) pb_tensor_free(&in[i]);
  DESTROY(ctx);
  return bad ? 1 : 0;
}
