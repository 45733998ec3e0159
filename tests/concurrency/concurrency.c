/* Concurrency test: one JIT-compiled model, several threads, each with its own session, running
 * many times on different inputs; every output must be bit-identical to the single-threaded run
 * of the same input. Run by ctest on the exported test models, and under ThreadSanitizer by
 * scripts/test_sanitizers.sh.
 * usage: hydra_concurrency MODEL.onnx DATA_SET_DIR [--threads T] [--iterations N]
 * DATA_SET_DIR holds input_N.pb (the shapes the model is compiled for). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "run/run_model.h"
#include "tensor_io.h"

#define MAX_IO 64
#define MAX_THREADS 64

/* Input variant k is every input cyclically shifted by k * shift elements: values stay valid for
 * the model (token ids stay ids, masks stay masks) while the outputs differ, so a run that read
 * another session's data or wrote into another's outputs shows up as a wrong answer. */
typedef struct variant {
  hy_tensor in[MAX_IO];
  hy_tensor ref[MAX_IO]; /* the outputs of a single-threaded run */
} variant;

typedef struct shared {
  const hy_model *m;
  variant *v;
  int32_t n_variants, n_in, iterations;
} shared;

typedef struct worker {
  const shared *sh;
  int32_t id;
  int64_t runs, wrong, failed;
  char msg[600]; /* the first failure */
} worker;

static size_t tensor_bytes(const hy_tensor *t) {
  size_t n = hy_tensor_bytes(t);
  return n ? n : 1;
}

/* out[i]: the descriptor's dtype and shape, data malloc'd and filled with junk. */
static int alloc_outputs(const hy_model *m, hy_tensor *out) {
  for (int32_t i = 0; i < m->n_outputs; i++) {
    const hy_io_desc *d = &m->outputs[i];
    out[i] = (hy_tensor){.dtype = d->dtype, .rank = d->rank};
    memcpy(out[i].dims, d->dims, sizeof out[i].dims);
    out[i].data = malloc(tensor_bytes(&out[i]));
    if (!out[i].data) return 1;
    memset(out[i].data, 0xA5, tensor_bytes(&out[i]));
  }
  return 0;
}

static void free_tensors(hy_tensor *t, int32_t n) {
  for (int32_t i = 0; i < n; i++)
    free(t[i].data);
}

/* A fresh copy of in, shifted cyclically by k elements (of its dtype, or bytes when packed). */
static int shifted(const hy_tensor *in, int64_t k, hy_tensor *out) {
  *out = *in;
  size_t bytes = tensor_bytes(in), el = hy_dtype_size(in->dtype);
  if (!el) el = 1;
  size_t n = bytes / el, by = n ? (size_t)(k % (int64_t)n) * el : 0;
  out->data = malloc(bytes);
  if (!out->data) return 1;
  memcpy(out->data, (const char *)in->data + by, bytes - by);
  memcpy((char *)out->data + (bytes - by), in->data, by);
  return 0;
}

/* Runs on s and compares with variant v's reference; 0 when identical. */
static int run_and_check(worker *w, hy_session *s, const variant *v, hy_tensor *out) {
  const hy_model *m = w->sh->m;
  for (int32_t i = 0; i < m->n_outputs; i++) {
    memcpy(out[i].dims, m->outputs[i].dims, sizeof out[i].dims); /* bounded outputs: the bound */
    memset(out[i].data, 0xA5, tensor_bytes(&out[i]));
  }
  hy_status st = hy_session_run_tensors(s, v->in, w->sh->n_in, out, m->n_outputs);
  w->runs++;
  if (st != HY_OK) {
    if (!w->failed++)
      snprintf(w->msg, sizeof w->msg, "thread %d: run failed: %s: %s", w->id, hy_status_name(st),
               hy_session_error(s));
    return 1;
  }
  for (int32_t i = 0; i < m->n_outputs; i++) {
    const hy_tensor *r = &v->ref[i];
    if (out[i].rank != r->rank || memcmp(out[i].dims, r->dims, sizeof r->dims) != 0 ||
        memcmp(out[i].data, r->data, hy_tensor_bytes(r)) != 0) {
      if (!w->wrong++)
        snprintf(w->msg, sizeof w->msg,
                 "thread %d: output %d '%s' differs from the "
                 "single-threaded run",
                 w->id, i, m->outputs[i].name);
      return 1;
    }
  }
  return 0;
}

static void *work(void *p) {
  worker *w = p;
  const shared *sh = w->sh;
  hy_session *s = NULL;
  hy_tensor out[MAX_IO] = {{0}};
  /* Odd threads run their session on a pool of two, so the pool runs beside other sessions. */
  hy_session_options o = {.n_threads = w->id % 2 ? 2 : 1};
  hy_status st = hy_session_create(sh->m, &o, &s);
  if (st != HY_OK || alloc_outputs(sh->m, out)) {
    w->failed++;
    snprintf(w->msg, sizeof w->msg, "thread %d: cannot create a session: %s", w->id,
             hy_status_name(st ? st : HY_ERR_OUT_OF_MEMORY));
  } else {
    for (int32_t it = 0; it < sh->iterations; it++)
      run_and_check(w, s, &sh->v[(w->id + it) % sh->n_variants], out);
  }
  free_tensors(out, sh->m->n_outputs);
  hy_session_destroy(s);
  return NULL;
}

/* The reference outputs of every variant, each from its own single-threaded session run. */
static int make_references(const hy_model *m, variant *v, int32_t n_variants, int32_t n_in) {
  hy_session *s = NULL;
  if (hy_session_create(m, NULL, &s) != HY_OK) {
    fprintf(stderr, "concurrency: cannot create the reference session\n");
    return 1;
  }
  int rc = 0;
  for (int32_t k = 0; !rc && k < n_variants; k++) {
    rc = alloc_outputs(m, v[k].ref);
    hy_status st = rc ? HY_ERR_OUT_OF_MEMORY
                      : hy_session_run_tensors(s, v[k].in, n_in, v[k].ref, m->n_outputs);
    if (st != HY_OK) {
      fprintf(stderr, "concurrency: reference run %d failed: %s\n", k, hy_session_error(s));
      rc = 1;
    }
  }
  hy_session_destroy(s);
  /* Variants that all give the same answer could not reveal a mixup between sessions. */
  for (int32_t k = 1; !rc && k < n_variants; k++) {
    bool same = true;
    for (int32_t i = 0; same && i < m->n_outputs; i++)
      same = memcmp(v[k].ref[i].data, v[0].ref[i].data, hy_tensor_bytes(&v[0].ref[i])) == 0;
    if (same) {
      fprintf(stderr,
              "concurrency: input variants 0 and %d give identical outputs; the test "
              "needs inputs that change the outputs\n",
              k);
      rc = 1;
    }
  }
  return rc;
}

static int run_threads(const shared *sh, int32_t n_threads) {
  pthread_t th[MAX_THREADS];
  worker w[MAX_THREADS];
  int32_t started = 0;
  for (int32_t t = 0; t < n_threads; t++) {
    w[t] = (worker){.sh = sh, .id = t};
    if (pthread_create(&th[t], NULL, work, &w[t]) != 0) {
      fprintf(stderr, "concurrency: cannot start thread %d\n", t);
      break;
    }
    started++;
  }
  int64_t runs = 0, wrong = 0, failed = 0;
  for (int32_t t = 0; t < started; t++) {
    pthread_join(th[t], NULL);
    runs += w[t].runs;
    wrong += w[t].wrong;
    failed += w[t].failed;
    if (w[t].msg[0]) fprintf(stderr, "concurrency: %s\n", w[t].msg);
  }
  printf("concurrency: %d threads, a session each, %lld runs over %d input variants: %lld "
         "wrong, %lld failed\n",
         started, (long long)runs, sh->n_variants, (long long)wrong, (long long)failed);
  return started == n_threads && runs == (int64_t)n_threads * sh->iterations && !wrong && !failed
             ? 0
             : 1;
}

/* Reads DIR/input_N.pb for N = 0, 1, ... until one is missing. */
static int read_inputs(const char *dir, hy_tensor *in, int32_t *n) {
  *n = 0;
  for (int32_t i = 0; i < MAX_IO; i++) {
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/input_%d.pb", dir, i);
    FILE *f = fopen(path, "rb");
    if (!f) break;
    fclose(f);
    if (pb_tensor_read(path, &in[i], NULL, err, sizeof err) != HY_OK) {
      fprintf(stderr, "concurrency: %s\n", err);
      return 1;
    }
    *n = i + 1;
  }
  if (*n == 0) fprintf(stderr, "concurrency: no %s/input_0.pb\n", dir);
  return *n == 0;
}

/* Compiles the model for the inputs' shapes. The graph lives in a, the code in *jit. */
static int compile(arena *a, const char *path, const hy_tensor *in, int32_t n_in, cg_jit **jit) {
  diag d;
  diag_init(&d);
  ir_graph *g = NULL;
  pass_binding *b = NULL;
  if (fe_load_model(a, &d, path, &g) == HY_OK &&
      (b = arena_array(a, (size_t)g->n_inputs + 1, sizeof *b)) &&
      hc_bind_tensors(g, in, n_in, b) == HY_OK && pass_run_all(g, b, n_in) == HY_OK &&
      cg_jit_compile(g, "concurrency", NULL, jit) == HY_OK)
    return 0;
  fprintf(stderr, "concurrency: %s\n", d.msg[0] ? d.msg : "cannot compile the model");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL.onnx DATA_SET_DIR [--threads T] [--iterations N]\n", argv[0]);
    return 2;
  }
  int32_t n_threads = 8, iterations = 50;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--threads"))
      n_threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--iterations"))
      iterations = atoi(argv[i + 1]);
  }
  if (n_threads < 1 || n_threads > MAX_THREADS || iterations < 1) {
    fprintf(stderr, "concurrency: --threads must be 1..%d and --iterations at least 1\n",
            MAX_THREADS);
    return 2;
  }
  hy_tensor in[MAX_IO] = {{0}};
  int32_t n_in = 0;
  variant *v = calloc((size_t)n_threads, sizeof *v);
  arena a;
  arena_init(&a);
  cg_jit *jit = NULL;
  int rc = !v || read_inputs(argv[2], in, &n_in) || compile(&a, argv[1], in, n_in, &jit);
  const hy_model *m = rc ? NULL : cg_jit_model(jit);
  if (m && m->n_outputs > MAX_IO) {
    fprintf(stderr, "concurrency: more than %d outputs\n", MAX_IO);
    rc = 1;
  }
  /* Shifts by a prime stride so the variants differ in every input of any length. */
  for (int32_t k = 0; !rc && k < n_threads; k++)
    for (int32_t i = 0; !rc && i < n_in; i++)
      rc = shifted(&in[i], (int64_t)k * 7, &v[k].in[i]);
  if (!rc) rc = make_references(m, v, n_threads, n_in);
  if (!rc) {
    shared sh = {m, v, n_threads, n_in, iterations};
    rc = run_threads(&sh, n_threads);
  }
  for (int32_t k = 0; v && k < n_threads; k++) {
    free_tensors(v[k].in, n_in);
    free_tensors(v[k].ref, m ? m->n_outputs : 0);
  }
  for (int32_t i = 0; i < n_in; i++)
    pb_tensor_free(&in[i]);
  free(v);
  if (jit) cg_jit_free(jit);
  arena_free(&a);
  return rc;
}
