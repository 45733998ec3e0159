/* hydrac bench: JIT-compile a model for given shapes, run it on deterministic inputs and report
 * the compile time and run-time percentiles (last line: median_ms=… p10_ms=… p90_ms=…). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver/driver.h"
#include "frontend/frontend.h"
#include "ir/entry.h"
#include "tensor_io.h"

static const char help[] =
    "usage: hydrac bench MODEL.onnx [MODEL2.onnx ...] [--shape in=1x128 ...] [--input I=FILE.pb ...]\n"
    "                    [--threads N] [--iters N] [--warmup N] [--profile] [--outputs A,B]\n"
    "                    [--bind b:ids=a:input_ids ...]\n"
    "\n"
    "Compiles MODEL.onnx for this machine and times hy_session_run. Inputs are deterministic\n"
    "(floats in [-1, 1), integers in [0, 100), the small valid ids models take) unless given.\n"
    "  --shape IN=DIMS    shape of an input with symbolic dims (repeatable; LO..HI: a run-time\n"
    "                     dim, run at --dims)\n"
    "  --input [I=]FILE.pb  take input I (its index or name) from a TensorProto file; without\n"
    "                     I, the input the tensor's name names (a named tensor must match I)\n"
    "  --threads N        worker threads (default 1)\n"
    "  --iters N          timed runs (default 20)\n"
    "  --warmup N         untimed runs first (default 3)\n"
    "  --profile          time every node (a clock read around each kernel call) and print,\n"
    "                     before the percentiles, the time per run by op type and kernel and\n"
    "                     the slowest nodes (CPU time with one thread, else wall time);\n"
    "                     the instrumented run is slightly slower\n"
    "  --outputs A,B      time an entry computing only these outputs (and what they need),\n"
    "                     interleaved with the default entry, whose median is printed too\n"
    "                     (default_median_ms, entry_vs_default) unless --profile\n"
    "  --bind M:IN=N:IN2  several models are one unit (see hydrac compile --help); model M's\n"
    "                     input IN is model N's input IN2 (repeatable)\n"
    "  --dims D=V,...     with run-time dims (--shape IN=1..4x1..256): run with dim D at V\n"
    "                     (default: each at its upper bound)\n";

typedef struct bench_opts {
  drv_list pos, shapes, inputs, binds;
  drv_models models;
  const char *threads, *iters, *warmup, *outputs, *dims;
  long n_threads, n_iters, n_warmup;
  bool profile;
} bench_opts;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse(int argc, char **argv, bench_opts *o) {
  const drv_arg specs[] = {{"--shape", NULL, DRV_LIST, &o->shapes},
                           {"--input", NULL, DRV_LIST, &o->inputs},
                           {"--threads", NULL, DRV_VALUE, &o->threads},
                           {"--iters", NULL, DRV_VALUE, &o->iters},
                           {"--warmup", NULL, DRV_VALUE, &o->warmup},
                           {"--profile", NULL, DRV_FLAG, &o->profile},
                           {"--outputs", NULL, DRV_VALUE, &o->outputs},
                           {"--bind", NULL, DRV_LIST, &o->binds},
                           {"--dims", NULL, DRV_VALUE, &o->dims}};
  int r = drv_parse_args("bench", help, argc, argv, 2, specs, 9, &o->pos);
  if (r) return r;
  if ((r = drv_models_parse("bench", &o->pos, &o->binds, &o->models))) return r;
  if (o->models.rest.n)
    return drv_usage_error("bench", "'%s' is not a MODEL.onnx", o->models.rest.v[0]);
  o->n_threads = 1, o->n_iters = 20, o->n_warmup = 3;
  if (o->threads && !drv_parse_int(o->threads, 1, 1024, &o->n_threads))
    return drv_usage_error("bench", "--threads wants a number in [1, 1024]");
  if (o->iters && !drv_parse_int(o->iters, 1, 100000000, &o->n_iters))
    return drv_usage_error("bench", "--iters wants a positive number");
  if (o->warmup && !drv_parse_int(o->warmup, 0, 100000000, &o->n_warmup))
    return drv_usage_error("bench", "--warmup wants a number >= 0");
  return 0;
}

/* The graph input an --input spec names (by index or name), or -1. */
static int32_t input_slot(const ir_graph *g, const char *key, size_t len) {
  char buf[256];
  long idx;
  if (len >= sizeof buf) return -1;
  memcpy(buf, key, len);
  buf[len] = '\0';
  if (drv_parse_int(buf, 0, g->n_inputs - 1, &idx)) return (int32_t)idx;
  return ir_graph_input_index(g, buf);
}

/* *slot: the input an --input's tensor is for: the one its spec names (I=FILE.pb), which the
 * tensor's own name must not contradict, or the one the tensor's name names (FILE.pb). Returns
 * 0, or the exit code after printing why not. */
static int given_slot(const ir_graph *g, const char *spec, const char *file, const char *name,
                      int32_t *slot) {
  char names[512];
  if (file != spec) {
    *slot = input_slot(g, spec, (size_t)(file - 1 - spec));
    if (*slot < 0) return drv_usage_error("bench", "--input '%s' names no graph input", spec);
    if (!*name || !strcmp(name, g->inputs[*slot]->name)) return 0;
    fprintf(stderr, "hydrac: error: %s: tensor '%s' given for input %d ('%s')\n", file, name,
            *slot, g->inputs[*slot]->name);
    return DRV_EXIT_ERROR;
  }
  if (!*name)
    return drv_usage_error("bench", "%s: the tensor has no name; say which input: --input I=%s",
                           file, file);
  if ((*slot = ir_graph_input_index(g, name)) >= 0) return 0;
  fprintf(stderr, "hydrac: error: %s: tensor '%s' is no input of %s (the inputs are: %s)\n",
          file, name, g->file, ir_value_names(g->inputs, g->n_inputs, names, sizeof names));
  return DRV_EXIT_ERROR;
}

/* Reads the --input files into given[slot] and adds their bindings after the --shape ones. */
static int read_given(const bench_opts *o, const ir_graph *g, hy_tensor *given, pass_binding *b,
                      int *nb) {
  for (int k = 0; k < o->inputs.n; k++) {
    const char *spec = o->inputs.v[k], *eq = strchr(spec, '='), *file = eq ? eq + 1 : spec;
    char err[1024], *name = NULL;
    hy_tensor t = {0};
    if (pb_tensor_read(file, &t, &name, err, sizeof err) != HY_OK) {
      fprintf(stderr, "hydrac: error: %s\n", err);
      return DRV_EXIT_ERROR;
    }
    int32_t slot = -1;
    int rc = given_slot(g, spec, file, name, &slot);
    free(name);
    if (!rc && given[slot].data)
      rc = drv_usage_error("bench", "input %d ('%s') given twice", slot, g->inputs[slot]->name);
    if (rc) {
      pb_tensor_free(&t);
      return rc;
    }
    given[slot] = t;
    pass_binding *x = &b[(*nb)++];
    memset(x, 0, sizeof *x);
    x->input = g->inputs[slot]->name;
    x->rank = t.rank;
    memcpy(x->dims, t.dims, sizeof x->dims);
    x->value = t.data;
  }
  return 0;
}

/* Deterministic content: an LCG per input; integers are ids in [0, 100). */
static void fill(hy_tensor *t, uint32_t seed) {
  int64_t n = hy_tensor_numel(t);
  uint32_t s = seed * 2654435761u + 12345u;
  for (int64_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    double u = (double)(s >> 8) / (double)(1u << 24) * 2.0 - 1.0;
    int64_t id = (int64_t)((s >> 8) % 100);
    switch (t->dtype) {
    case HY_DTYPE_FLOAT: ((float *)t->data)[i] = (float)u; break;
    case HY_DTYPE_DOUBLE: ((double *)t->data)[i] = u; break;
    case HY_DTYPE_FLOAT16: ((uint16_t *)t->data)[i] = hy_f32_to_f16((float)u); break;
    case HY_DTYPE_BOOL: ((uint8_t *)t->data)[i] = (uint8_t)(id & 1); break;
    case HY_DTYPE_INT64: case HY_DTYPE_UINT64: ((int64_t *)t->data)[i] = id; break;
    case HY_DTYPE_INT32: case HY_DTYPE_UINT32: ((int32_t *)t->data)[i] = (int32_t)id; break;
    case HY_DTYPE_INT16: case HY_DTYPE_UINT16: ((int16_t *)t->data)[i] = (int16_t)id; break;
    default: memset((char *)t->data + i * (int64_t)hy_dtype_size(t->dtype), (int)id,
                    hy_dtype_size(t->dtype)); break;
    }
  }
}

/* The run-time dims' values for the runs: --dims D=V,... over the upper bounds. Returns 0, or the
 * exit code after a usage error. */
static int run_dims(const bench_opts *o, const hy_model *m, int64_t *dims) {
  for (int32_t k = 0; k < m->n_syms; k++) dims[k] = m->syms[k].hi;
  for (const char *p = o->dims; p && *p;) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    int32_t k = 0;
    while (eq && k < m->n_syms && (strlen(m->syms[k].name) != (size_t)(eq - p) ||
                                   strncmp(m->syms[k].name, p, (size_t)(eq - p))))
      k++;
    char num[32];
    long v;
    size_t len = eq && end > eq ? (size_t)(end - eq - 1) : sizeof num;
    if (!eq || eq > end || k == m->n_syms || len >= sizeof num)
      return drv_usage_error("bench", "--dims wants D=V,... naming the model's run-time dims");
    memcpy(num, eq + 1, len);
    num[len] = '\0';
    if (!drv_parse_int(num, m->syms[k].lo, m->syms[k].hi, &v))
      return drv_usage_error("bench", "--dims: %s must be in %lld..%lld", m->syms[k].name,
                             (long long)m->syms[k].lo, (long long)m->syms[k].hi);
    dims[k] = v;
    p = *end ? end + 1 : end;
  }
  return 0;
}

/* Buffers for the model's inputs (given ones reused; the others in the shape the run-time dims
 * give) and outputs; false when out of memory. */
static bool make_buffers(const hy_model *m, const int64_t *dims, hy_tensor *given, void **in,
                         void **out, void **owned) {
  for (int32_t i = 0; i < m->n_inputs; i++) {
    if (given[i].data) {
      in[i] = given[i].data;
      continue;
    }
    hy_tensor t = {m->inputs[i].dtype, m->inputs[i].rank, {0}, NULL};
    memcpy(t.dims, m->inputs[i].dims, sizeof t.dims);
    for (int32_t k = 0; k < t.rank; k++)
      if (m->inputs[i].sym[k] > 0) t.dims[k] = dims[m->inputs[i].sym[k] - 1];
    t.data = owned[i] = in[i] = calloc(1, hy_tensor_bytes(&t) + 1);
    if (!t.data) return false;
    fill(&t, (uint32_t)i + 1);
  }
  for (int32_t i = 0; i < m->n_outputs; i++) {
    hy_tensor t = {m->outputs[i].dtype, m->outputs[i].rank, {0}, NULL};
    memcpy(t.dims, m->outputs[i].dims, sizeof t.dims);
    out[i] = owned[m->n_inputs + i] = calloc(1, hy_tensor_bytes(&t) + 1);
    if (!out[i]) return false;
  }
  return true;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(const double *sorted, long n, double p) {
  return sorted[(long)(p * (double)(n - 1) + 0.5)];
}

/* One row of the profile: an op type with its kernel, or one node. */
typedef struct prof_row {
  const char *op, *kernel, *name;
  double ns;
  int count;
} prof_row;

static int cmp_row(const void *a, const void *b) {
  double x = ((const prof_row *)a)->ns, y = ((const prof_row *)b)->ns;
  return x > y ? -1 : x < y;
}

/* Rows per (op, kernel) in rows[0..*n_types) and per node in nodes[]; both sorted, slowest first. */
static void prof_rows(const ir_graph *g, const cg_profile *p, prof_row *rows, int *n_types,
                      prof_row *nodes) {
  int nt = 0, i = 0;
  for (const ir_node *n = g->first; n; n = n->next, i++) {
    const char *op = ir_op_name(n->op), *k = hy_kernel_symbol(n->lowered->kernel);
    nodes[i] = (prof_row){op, k, n->name, p->ns[i], 1};
    int t = 0;
    while (t < nt && (strcmp(rows[t].op, op) || strcmp(rows[t].kernel, k))) t++;
    if (t == nt) rows[nt++] = (prof_row){op, k, NULL, 0, 0};
    rows[t].ns += p->ns[i];
    rows[t].count++;
  }
  qsort(rows, (size_t)nt, sizeof *rows, cmp_row);
  qsort(nodes, (size_t)p->n_nodes, sizeof *nodes, cmp_row);
  *n_types = nt;
}

/* The profile of `runs` runs: ms per run by op type and kernel, then the 15 slowest nodes. */
static void print_profile(const ir_graph *g, const cg_profile *p, long runs) {
  prof_row *rows = calloc((size_t)p->n_nodes + 1, sizeof *rows);
  prof_row *nodes = calloc((size_t)p->n_nodes + 1, sizeof *nodes);
  if (!rows || !nodes) {
    free(rows), free(nodes);
    return;
  }
  int nt;
  prof_rows(g, p, rows, &nt, nodes);
  double total = 0;
  for (int t = 0; t < nt; t++) total += rows[t].ns;
  double per_run = 1e6 * (double)runs;
  printf("profile: %ld runs, %.4f ms per run in %d nodes (%s)\n", runs, total / per_run,
         p->n_nodes, p->thread_cpu_time ? "thread CPU time" : "wall time");
  printf("  %-22s %-28s %5s %10s %6s\n", "op", "kernel", "nodes", "ms/run", "%");
  for (int t = 0; t < nt; t++)
    printf("  %-22s %-28s %5d %10.4f %6.1f\n", rows[t].op, rows[t].kernel, rows[t].count,
           rows[t].ns / per_run, total > 0 ? 100 * rows[t].ns / total : 0);
  printf("  slowest nodes:\n");
  for (int i = 0; i < p->n_nodes && i < 15; i++)
    printf("  %10.4f ms  %s (%s, %s)\n", nodes[i].ns / per_run, nodes[i].name, nodes[i].op,
           nodes[i].kernel);
  free(rows), free(nodes);
}

/* One run of entry `name` on s; its wall time into *ms. false (message printed) when it fails. */
static bool timed_run(hy_session *s, const char *name, const int64_t *dims,
                      const void *const *in, void *const *out, double *ms) {
  double t0 = now_ms();
  hy_status st = hy_session_run_entry_dims(s, name, dims, in, out);
  *ms = now_ms() - t0;
  if (st != HY_OK) fprintf(stderr, "hydrac: error: run failed: %s\n", hy_session_error(s));
  return st == HY_OK;
}

/* Times entry e of m: buffers for every input and output, e's own passed to each run. For an
 * entry other than the default (and no profile), the default entry runs too, interleaved in the
 * same session, as the peer its median is compared with. */
static int time_runs(const bench_opts *o, const hy_model *m, const hy_entry_desc *e,
                     hy_tensor *given, const ir_graph *g, cg_profile *prof) {
  int32_t nio = m->n_inputs + m->n_outputs;
  bool peer = strcmp(e->name, IR_DEFAULT_ENTRY) && !prof;
  void **in = calloc((size_t)m->n_inputs + 1, sizeof *in);
  void **out = calloc((size_t)m->n_outputs + 1, sizeof *out);
  void **owned = calloc((size_t)nio + 1, sizeof *owned);
  const void **e_in = calloc((size_t)e->n_inputs + 1, sizeof *e_in);
  void **e_out = calloc((size_t)e->n_outputs + 1, sizeof *e_out);
  double *ms = calloc((size_t)o->n_iters, sizeof *ms), *peer_ms = calloc((size_t)o->n_iters, sizeof *ms);
  hy_session_options so = {.n_threads = (int32_t)o->n_threads};
  hy_session *s = NULL;
  int64_t dims[HY_MAX_SYMS];
  int rc = run_dims(o, m, dims); /* a usage error is printed there */
  if (!rc && (!in || !out || !owned || !ms || !peer_ms || !e_in || !e_out ||
              !make_buffers(m, dims, given, in, out, owned))) {
    fprintf(stderr, "hydrac: error: out of memory\n");
    rc = DRV_EXIT_ERROR;
  } else if (!rc && hy_session_create(m, &so, &s) != HY_OK) {
    fprintf(stderr, "hydrac: error: cannot create a session: %s\n", hy_session_error(s));
    rc = DRV_EXIT_ERROR;
  } else if (!rc) {
    rc = DRV_EXIT_OK;
    for (int32_t k = 0; k < e->n_inputs; k++) e_in[k] = in[e->inputs[k]];
    for (int32_t k = 0; k < e->n_outputs; k++) e_out[k] = out[e->outputs[k]];
    for (long i = 0; i < o->n_warmup + o->n_iters && rc == DRV_EXIT_OK; i++) {
      double t = 0, tp = 0;
      bool peer_first = peer && (i & 1); /* alternate the order: neither always runs warm */
      const int64_t *d = m->n_syms ? dims : NULL;
      bool ok = (!peer_first || timed_run(s, NULL, d, (const void *const *)in, out, &tp)) &&
                timed_run(s, e->name, d, e_in, e_out, &t) &&
                (!peer || peer_first || timed_run(s, NULL, d, (const void *const *)in, out, &tp));
      if (!ok) rc = DRV_EXIT_ERROR;
      if (i >= o->n_warmup) ms[i - o->n_warmup] = t, peer_ms[i - o->n_warmup] = tp;
      if (prof && i + 1 == o->n_warmup) /* the profile counts the timed runs only */
        memset(prof->ns, 0, (size_t)prof->n_nodes * sizeof *prof->ns);
    }
    if (rc == DRV_EXIT_OK && prof) print_profile(g, prof, o->n_iters);
    qsort(ms, (size_t)o->n_iters, sizeof *ms, cmp_double);
    if (rc == DRV_EXIT_OK && peer) {
      qsort(peer_ms, (size_t)o->n_iters, sizeof *ms, cmp_double);
      double pm = percentile(peer_ms, o->n_iters, 0.5);
      printf("default_median_ms=%.6f entry_vs_default=%.4f (interleaved in the same session)\n", pm,
             pm > 0 ? percentile(ms, o->n_iters, 0.5) / pm : 0);
    }
    if (rc == DRV_EXIT_OK)
      printf("median_ms=%.6f p10_ms=%.6f p90_ms=%.6f\n", percentile(ms, o->n_iters, 0.5),
             percentile(ms, o->n_iters, 0.1), percentile(ms, o->n_iters, 0.9));
  }
  hy_session_destroy(s);
  for (int32_t i = 0; owned && i < nio; i++) free(owned[i]);
  free(in), free(out), free(owned), free(ms), free(peer_ms), free(e_in), free(e_out);
  return rc;
}

/* Load, bind (--shape and --input), passes, JIT; then time. */
static int bench(const bench_opts *o, arena *a, diag *d) {
  ir_graph *g = NULL;
  cg_jit *jit = NULL;
  cg_profile prof = {0}, *pp = NULL;
  double t0 = now_ms();
  if (fe_load_models(a, d, &o->models.m, &g) != HY_OK) return drv_fail(d);
  hy_tensor *given = calloc((size_t)g->n_inputs + 1, sizeof *given);
  pass_binding b[2 * DRV_MAX_LIST];
  int nb = o->shapes.n;
  int rc = given ? drv_shapes_to_bindings("bench", &o->shapes, b) : DRV_EXIT_ERROR;
  int n_named = rc ? 0 : o->shapes.n; /* bindings whose names drv_shapes_to_bindings allocated */
  if (!rc) rc = read_given(o, g, given, b, &nb);
  if (!rc && o->outputs && ir_entry_add_named(g, HC_OUTPUTS_ENTRY, o->outputs) != HY_OK)
    rc = drv_fail(d);
  if (!rc && pass_run_all(g, b, nb) != HY_OK) rc = drv_fail(d);
  if (!rc && o->profile) {
    prof.n_nodes = g->n_nodes;
    prof.thread_cpu_time = o->n_threads == 1;
    prof.ns = calloc((size_t)g->n_nodes + 1, sizeof *prof.ns);
    pp = &prof;
    if (!prof.ns) rc = drv_fail(d);
  }
  if (!rc && cg_jit_compile_profiled(g, "model", NULL, pp, &jit) != HY_OK) rc = drv_fail(d);
  const hy_model *m = rc ? NULL : cg_jit_model(jit);
  const hy_entry_desc *e = m ? hy_model_entry(m, o->outputs ? HC_OUTPUTS_ENTRY : NULL) : NULL;
  if (m && !e) {
    fprintf(stderr, "hydrac: error: the compiled model has no entry table\n");
    rc = DRV_EXIT_ERROR;
  }
  if (!rc) {
    /* nodes: the graph's; entry_nodes: the ones each timed run executes */
    printf("compile_ms=%.1f nodes=%d entry_nodes=%d arena_bytes=%lld\n", now_ms() - t0,
           g->n_nodes, e->n_nodes, (long long)g->arena_bytes);
    rc = time_runs(o, m, e, given, g, pp);
  }
  if (jit) cg_jit_free(jit);
  for (int32_t i = 0; given && i < g->n_inputs; i++) pb_tensor_free(&given[i]);
  free(given);
  free(prof.ns);
  drv_bindings_free(b, n_named);
  return rc;
}

int cmd_bench(int argc, char **argv) {
  bench_opts o = {0};
  int r = parse(argc, argv, &o);
  if (r) {
    drv_models_free(&o.models);
    return r < 0 ? DRV_EXIT_OK : r;
  }
  diag d;
  diag_init(&d);
  arena a;
  arena_init(&a);
  int rc = bench(&o, &a, &d);
  arena_free(&a);
  drv_models_free(&o.models);
  return rc;
}
