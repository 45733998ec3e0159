/* The compiled-object side of the benchmark: a program around one `hydrac compile` object
 * (NAME.o, built with -DHYDRA_MODEL_NAME=NAME -include NAME.h and libhydrart) that times the
 * model the way `hydrac bench` times the JIT — one session, warm-up runs, then each run timed —
 * and prints the same last line, median_ms=... p10_ms=... p90_ms=..., for bench.py.
 * Inputs: integers (ids, masks) in [0, 100), floats in [-1, 1), as hydrac bench and ORT get.
 * usage: NAME_aot [--threads N] [--iters N] [--warmup N] [--dims D=V,...] (an object compiled
 *        for run-time dims runs at those values, each other dim at its upper bound) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hydra/model.h"

#ifndef HYDRA_MODEL_NAME
#error "compile with -DHYDRA_MODEL_NAME=<the name given to hydrac compile --name>"
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define MODEL CAT(HYDRA_MODEL_NAME, _model)

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A buffer for descriptor d (its run-time dims at dims[], the others as compiled), its elements
 * drawn from an LCG seeded with seed. */
static void *make_buffer(const hy_io_desc *d, const int64_t *dims, uint32_t seed) {
  hy_tensor t = {d->dtype, d->rank, {0}, NULL};
  memcpy(t.dims, d->dims, sizeof t.dims);
  for (int32_t k = 0; k < d->rank && k < HY_MAX_RANK; k++)
    if (d->sym[k] > 0) t.dims[k] = dims[d->sym[k] - 1];
  size_t bytes = hy_tensor_bytes(&t), es = hy_dtype_size(d->dtype);
  unsigned char *p = calloc(1, bytes + 1);
  for (size_t i = 0; p && es && i < bytes / es; i++) {
    seed = seed * 1664525u + 1013904223u;
    int64_t id = (int64_t)((seed >> 8) % 100);
    float f = (float)((double)(seed >> 8) / (double)(1u << 24) * 2.0 - 1.0);
    double g = f;
    if (d->dtype == HY_DTYPE_FLOAT)
      memcpy(p + i * es, &f, es);
    else if (d->dtype == HY_DTYPE_DOUBLE)
      memcpy(p + i * es, &g, es);
    else
      memcpy(p + i * es, &id, es < 8 ? es : 8); /* little-endian: the low bytes of the id */
  }
  return p;
}

/* --dims D=V,...: the run-time dims' values, over their upper bounds. False on a name the model
 * does not have or a value outside its bounds. */
static bool parse_dims(const hy_model *m, const char *spec, int64_t *dims) {
  for (int32_t k = 0; k < m->n_syms; k++) dims[k] = m->syms[k].hi;
  for (const char *p = spec; p && *p;) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    if (!eq || eq > end) return false;
    int32_t k = 0;
    while (k < m->n_syms && (strlen(m->syms[k].name) != (size_t)(eq - p) ||
                             strncmp(m->syms[k].name, p, (size_t)(eq - p))))
      k++;
    long long v = strtoll(eq + 1, NULL, 10);
    if (k == m->n_syms || v < m->syms[k].lo || v > m->syms[k].hi) return false;
    dims[k] = v;
    p = *end ? end + 1 : end;
  }
  return true;
}

int main(int argc, char **argv) {
  long threads = 1, iters = 20, warmup = 3;
  const char *dim_spec = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    long v = strtol(argv[i + 1], NULL, 10);
    if (!strcmp(argv[i], "--dims"))
      dim_spec = argv[i + 1];
    else if (!strcmp(argv[i], "--threads"))
      threads = v;
    else if (!strcmp(argv[i], "--iters"))
      iters = v;
    else if (!strcmp(argv[i], "--warmup"))
      warmup = v;
  }
  const hy_model *m = &MODEL;
  int64_t dims[HY_MAX_SYMS] = {0};
  if (iters < 1 || warmup < 0 || threads < 0 || !parse_dims(m, dim_spec, dims)) {
    fprintf(stderr, "usage: %s [--threads N] [--iters N] [--warmup N] [--dims D=V,...]\n",
            argv[0]);
    return 2;
  }
  void **in = calloc((size_t)m->n_inputs + 1, sizeof *in);
  void **out = calloc((size_t)m->n_outputs + 1, sizeof *out);
  double *ms = calloc((size_t)iters, sizeof *ms);
  if (!in || !out || !ms) return 1;
  for (int32_t i = 0; i < m->n_inputs; i++)
    if (!(in[i] = make_buffer(&m->inputs[i], dims, (uint32_t)i + 1))) return 1;
  for (int32_t i = 0; i < m->n_outputs; i++)
    if (!(out[i] = make_buffer(&m->outputs[i], dims, 0))) return 1;
  hy_session_options so = {.n_threads = (int32_t)threads};
  hy_session *s = NULL;
  if (hy_session_create(m, &so, &s) != HY_OK) {
    fprintf(stderr, "aot: cannot create a session: %s\n", hy_session_error(s));
    return 1;
  }
  for (long i = 0; i < warmup + iters; i++) {
    double t0 = now_ms();
    if (hy_session_run_dims(s, m->n_syms ? dims : NULL, (const void *const *)in, out) != HY_OK) {
      fprintf(stderr, "aot: run failed: %s\n", hy_session_error(s));
      return 1;
    }
    if (i >= warmup) ms[i - warmup] = now_ms() - t0;
  }
  qsort(ms, (size_t)iters, sizeof *ms, cmp_double);
  /* the percentiles as hydrac bench takes them */
#define PCT(p) ms[(long)((p) * (double)(iters - 1) + 0.5)]
  printf("median_ms=%.6f p10_ms=%.6f p90_ms=%.6f\n", PCT(0.5), PCT(0.1), PCT(0.9));
  hy_session_destroy(s);
  for (int32_t i = 0; i < m->n_inputs; i++)
    free(in[i]);
  for (int32_t i = 0; i < m->n_outputs; i++)
    free(out[i]);
  free(in), free(out), free(ms);
  return 0;
}
