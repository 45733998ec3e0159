/* Entry test program: links one `hydrac compile --entry E=OUT,...` object (NAME.o), runs entry E
 * through its generated wrapper (NAME_run_E_tensors) and the default entry (NAME_run_tensors) on
 * a backend-style data set, on one and on two threads, and checks that each of E's outputs equals
 * the default run's bit for bit and matches torch's (the output_N.pb of the same name), and that
 * E runs fewer nodes than the whole model. Built by model_test.cmake (MODE=entry) with
 * -DHYDRA_MODEL_NAME=NAME -DHYDRA_ENTRY=E and -include NAME.h.
 * usage: NAME_entry_test DATA_SET_DIR [--rtol R] [--atol A] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "hydra/model.h"
#include "tensor_io.h"

#if !defined(HYDRA_MODEL_NAME) || !defined(HYDRA_ENTRY)
#error "compile with -DHYDRA_MODEL_NAME=<--name> -DHYDRA_ENTRY=<the --entry's name>"
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define CAT3(a, b, c) CAT(CAT(a, b), c)
#define STR_(a) #a
#define STR(a) STR_(a)
#define MODEL CAT(HYDRA_MODEL_NAME, _model)
#define CTX CAT(HYDRA_MODEL_NAME, _ctx)
#define CREATE CAT(HYDRA_MODEL_NAME, _create)
#define DESTROY CAT(HYDRA_MODEL_NAME, _destroy)
#define ERROR CAT(HYDRA_MODEL_NAME, _error)
#define RUN_TENSORS CAT(HYDRA_MODEL_NAME, _run_tensors)
#define RUN_ENTRY_TENSORS CAT3(HYDRA_MODEL_NAME, _run_, CAT(HYDRA_ENTRY, _tensors))
#define NAME STR(HYDRA_MODEL_NAME)

#define MAX_IO 32

static int read_pb(const char *dir, const char *prefix, int i, hy_tensor *t, char **name) {
  char path[4096], err[1024];
  snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, i);
  if (pb_tensor_read(path, t, name, err, sizeof err) == HY_OK) return 0;
  fprintf(stderr, "%s\n", err);
  return 1;
}

static int alloc_output(const hy_io_desc *d, hy_tensor *t) {
  *t = (hy_tensor){.dtype = d->dtype, .rank = d->rank};
  memcpy(t->dims, d->dims, sizeof t->dims);
  t->data = calloc(1, hy_tensor_bytes(t) + 1);
  return t->data ? 0 : 1;
}

/* Runs the default entry into full[] and entry e into part[] on a context of n_threads. */
static int run_both(const hy_entry_desc *e, hy_tensor *in, hy_tensor *full, hy_tensor *part,
                    int32_t n_threads) {
  const hy_model *m = &MODEL;
  hy_tensor e_in[MAX_IO];
  for (int32_t k = 0; k < e->n_inputs; k++)
    e_in[k] = in[e->inputs[k]];
  CTX *ctx = NULL;
  hy_session_options opt = {.n_threads = n_threads};
  hy_status st = CREATE(&ctx, &opt);
  if (st == HY_OK) st = RUN_TENSORS(ctx, in, m->n_inputs, full, m->n_outputs);
  if (st == HY_OK) st = RUN_ENTRY_TENSORS(ctx, e_in, e->n_inputs, part, e->n_outputs);
  if (st != HY_OK)
    fprintf(stderr, "%s: %s: %s\n", NAME, hy_status_name(st), ctx ? ERROR(ctx) : "create failed");
  DESTROY(ctx);
  return st != HY_OK;
}

/* Entry e's k-th output against the full run's and torch's (found by name). */
static int check_output(const char *dir, const hy_entry_desc *e, int32_t k, const hy_tensor *full,
                        const hy_tensor *part, cmp_tol tol, int32_t n_threads) {
  const hy_model *m = &MODEL;
  int32_t o = e->outputs[k];
  const char *oname = m->outputs[o].name;
  bool same = hy_tensor_bytes(&part[k]) == hy_tensor_bytes(&full[o]) &&
              !memcmp(part[k].data, full[o].data, hy_tensor_bytes(&full[o]));
  for (int32_t i = 0; i < m->n_outputs; i++) {
    hy_tensor exp;
    char *ename = NULL, msg[1024];
    if (read_pb(dir, "output", i, &exp, &ename)) return 1;
    bool mine = ename && !strcmp(ename, oname);
    bool ok = mine && cmp_tensors(&part[k], &exp, tol, msg, sizeof msg);
    pb_tensor_free(&exp);
    free(ename);
    if (!mine) continue;
    printf("%s: %d thread%s: entry %s output %s: %s, %s%s\n", NAME, n_threads,
           n_threads > 1 ? "s" : "", e->name, oname,
           same ? "equals the full run's" : "DIFFERS from the full run's",
           ok ? "matches torch" : "MISMATCH with torch: ", ok ? "" : msg);
    return !(same && ok);
  }
  fprintf(stderr, "%s: no output_N.pb in %s is named %s\n", NAME, dir, oname);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DATA_SET_DIR [--rtol R] [--atol A]\n", argv[0]);
    return 2;
  }
  cmp_tol tol = {1e-4, 1e-4};
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--rtol") == 0)
      tol.rtol = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--atol") == 0)
      tol.atol = atof(argv[i + 1]);
  }
  const hy_model *m = &MODEL;
  const hy_entry_desc *e = hy_model_entry(m, STR(HYDRA_ENTRY)), *all = hy_model_entry(m, NULL);
  if (!e || !all || m->n_inputs > MAX_IO || m->n_outputs > MAX_IO) {
    fprintf(stderr, "%s: no entry '%s' in the model's table, or too many inputs/outputs\n", NAME,
            STR(HYDRA_ENTRY));
    return 1;
  }
  printf("%s: entry %s runs %d of %d nodes (default: %d)\n", NAME, e->name, e->n_nodes, m->n_nodes,
         all->n_nodes);
  int bad = !(e->n_nodes < all->n_nodes && all->n_nodes == m->n_nodes);
  hy_tensor in[MAX_IO], full[MAX_IO], part[MAX_IO];
  for (int32_t i = 0; i < m->n_inputs; i++)
    if (read_pb(argv[1], "input", i, &in[i], NULL)) return 1;
  for (int32_t threads = 1; threads <= 2; threads++) {
    for (int32_t i = 0; i < m->n_outputs; i++)
      if (alloc_output(&m->outputs[i], &full[i])) return 1;
    for (int32_t k = 0; k < e->n_outputs; k++)
      if (alloc_output(&m->outputs[e->outputs[k]], &part[k])) return 1;
    if (run_both(e, in, full, part, threads)) return 1;
    for (int32_t k = 0; k < e->n_outputs; k++)
      bad += check_output(argv[1], e, k, full, part, tol, threads);
    for (int32_t i = 0; i < m->n_outputs; i++)
      free(full[i].data);
    for (int32_t k = 0; k < e->n_outputs; k++)
      free(part[k].data);
  }
  for (int32_t i = 0; i < m->n_inputs; i++)
    pb_tensor_free(&in[i]);
  return bad ? 1 : 0;
}
