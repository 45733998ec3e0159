/* hydrac inspect: the graph after the passes — one line per node with its types and kernel, an op
 * histogram, fused nodes, the activation arena and weight sizes — as text, JSON or Graphviz; what
 * the model declares when its inputs still need shapes; the IR around a pass. */
#include <string.h>

#include "driver/driver.h"
#include "driver/inspect.h"
#include "frontend/frontend.h"
#include "ir/entry.h"
#include "ir/print.h"

static const char help[] =
    "usage: hydrac inspect MODEL.onnx [MODEL2.onnx ...] [--shape in=1x128 ...] [--json | --dot]\n"
    "                  [--print-before PASS] [--print-after PASS] [--entry E=OUT[,OUT...] ...]\n"
    "                  [--bind b:ids=a:input_ids ...]\n"
    "\n"
    "Prints the graph after optimisation: each node (name, op, input and output types, kernel),\n"
    "how many nodes of each op, which nodes fusions made, fused and unfused attention, the\n"
    "activation arena size, the weight bytes, and the nodes each entry runs (\"default\": every\n"
    "output). When inputs have symbolic dims and no --shape is given, prints the inputs,\n"
    "outputs and opsets, and which dims need a --shape.\n"
    "  --shape IN=DIMS      shape of an input with symbolic dims (repeatable); a dim LO..HI\n"
    "                       is left to run time (every value's dims shown as products of them)\n"
    "  --json               one JSON object instead of text (keys: docs/inspect.md)\n"
    "  --dot                Graphviz: the part every output needs, parts some outputs share and\n"
    "                       each output's head in clusters, fused nodes filled\n"
    "  --print-before PASS  the graph in the IR's text form before the pass (\"all\": every pass)\n"
    "  --print-after PASS   the same after the pass; either replaces the summary\n"
    "  --entry E=OUTS       add entry E computing only these outputs, as compile does (repeatable)\n"
    "  --bind M:IN=N:IN2    several models are one unit (see hydrac compile --help); model M's\n"
    "                       input IN is model N's input IN2 (repeatable)\n"
    "Passes, in order: bind, dce, infer, simplify, cse, fuse_attention, fuse_gelu,\n"
    "fuse_layernorm, fuse_epilogue, dce, layout, lower, memplan (a pass that runs twice prints\n"
    "twice).\n";

/* Which passes' graphs to print: a pass name, "all", or NULL. */
typedef struct print_request {
  const char *before, *after;
  bool failed; /* writing stdout failed */
} print_request;

static bool wants(const char *req, const char *pass) {
  return req && (!strcmp(req, "all") || !strcmp(req, pass));
}

static void print_pass(void *user, const ir_graph *g, const char *pass, bool after) {
  print_request *pr = user;
  if (!wants(after ? pr->after : pr->before, pass)) return;
  printf("; %s %s\n", after ? "after" : "before", pass);
  if (!ir_print_graph(stdout, g)) pr->failed = true;
}

/* NULL or "all" or a pipeline pass's name; a usage error otherwise. */
static int check_pass_name(const char *opt, const char *name) {
  if (!name || !strcmp(name, "all")) return 0;
  for (size_t i = 0; pass_name(i); i++)
    if (!strcmp(pass_name(i), name)) return 0;
  return drv_usage_error("inspect", "%s: no pass is named '%s' (see --help)", opt, name);
}

typedef struct inspect_request {
  bool json, dot;
  const hc_entry_spec *entries;
  int32_t n_entries;
  print_request pr;
  inspect_model model;
} inspect_request;

/* Loads the model, and either lists what it declares (inputs still symbolic, no --shape) or runs
 * the passes and prints what was asked. */
static int inspect(arena *a, diag *d, const fe_models *models, const pass_binding *b, int n_b,
                   inspect_request *rq) {
  ir_graph *g = NULL;
  if (fe_load_models(a, d, models, &g) != HY_OK) return drv_fail(d);
  inspect_model_init(&rq->model, g);
  for (int32_t i = 0; i < rq->n_entries; i++)
    if (ir_entry_add_named(g, rq->entries[i].name, rq->entries[i].outputs) != HY_OK)
      return drv_fail(d);
  bool dumping = rq->pr.before || rq->pr.after, ok;
  if (n_b == 0 && !dumping && inspect_has_unknown_dims(g)) {
    ok = inspect_print_unbound(stdout, g, &rq->model, rq->json);
  } else {
    const pass_observer obs = {print_pass, &rq->pr};
    if (pass_run_observed(g, b, n_b, dumping ? &obs : NULL) != HY_OK) return drv_fail(d);
    if (dumping)
      ok = !rq->pr.failed;
    else if (rq->dot)
      ok = inspect_write_dot(stdout, g, &rq->model);
    else
      ok = inspect_print_summary(stdout, g, &rq->model, rq->json);
  }
  if (ok && fflush(stdout) == 0) return DRV_EXIT_OK;
  fprintf(stderr, "hydrac: error: could not write the %s (out of memory or output closed)\n",
          dumping ? "graph" : "summary");
  return DRV_EXIT_ERROR;
}

int cmd_inspect(int argc, char **argv) {
  inspect_request rq = {0};
  drv_list pos = {0}, shapes = {0}, entries = {0}, binds = {0};
  drv_models models;
  const drv_arg specs[] = {{"--shape", NULL, DRV_LIST, &shapes},
                           {"--json", NULL, DRV_FLAG, &rq.json},
                           {"--dot", NULL, DRV_FLAG, &rq.dot},
                           {"--print-before", NULL, DRV_VALUE, &rq.pr.before},
                           {"--print-after", NULL, DRV_VALUE, &rq.pr.after},
                           {"--entry", NULL, DRV_LIST, &entries},
                           {"--bind", NULL, DRV_LIST, &binds}};
  int r = drv_parse_args("inspect", help, argc, argv, 2, specs, 7, &pos);
  if (r) return r < 0 ? DRV_EXIT_OK : r;
  if (rq.json && rq.dot) return drv_usage_error("inspect", "--json and --dot: choose one");
  if ((r = check_pass_name("--print-before", rq.pr.before)) ||
      (r = check_pass_name("--print-after", rq.pr.after)))
    return r;
  if ((r = drv_models_parse("inspect", &pos, &binds, &models))) return r;
  if (models.rest.n) {
    drv_models_free(&models);
    return drv_usage_error("inspect", "'%s' is not a MODEL.onnx", models.rest.v[0]);
  }
  pass_binding b[DRV_MAX_LIST];
  hc_entry_spec es[DRV_MAX_LIST];
  if ((r = drv_shapes_to_bindings("inspect", &shapes, b))) {
    drv_models_free(&models);
    return r;
  }
  if ((r = drv_entries_to_specs("inspect", &entries, es))) {
    drv_bindings_free(b, shapes.n);
    drv_models_free(&models);
    return r;
  }
  diag d;
  diag_init(&d);
  arena a;
  arena_init(&a);
  rq.entries = es;
  rq.n_entries = entries.n;
  int rc = inspect(&a, &d, &models.m, b, shapes.n, &rq);
  arena_free(&a);
  drv_bindings_free(b, shapes.n);
  drv_entry_specs_free(es, entries.n);
  drv_models_free(&models);
  return rc;
}
