/* hydrac inspect: the graph after the passes — one line per node with its types and kernel, an op
 * histogram, the activation arena and weight sizes — as text or JSON. */
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"
#include "ir/print.h"

static const char help[] =
    "usage: hydrac inspect MODEL.onnx [MODEL2.onnx ...] [--shape in=1x128 ...] [--json]\n"
    "                  [--print-before PASS] [--print-after PASS] [--bind b:ids=a:input_ids]\n"
    "\n"
    "Prints the graph after optimisation: each node (name, op, input and output types, kernel),\n"
    "how many nodes of each op, the activation arena size and the weight bytes.\n"
    "  --shape IN=DIMS      static shape of an input with symbolic dims (repeatable)\n"
    "  --json               one JSON object instead of text\n"
    "  --print-before PASS  the graph in the IR's text form before the pass (\"all\": every pass)\n"
    "  --print-after PASS   the same after the pass; either replaces the summary\n"
    "  --bind M:IN=N:IN2    several models are one unit (see hydrac compile --help); model M's\n"
    "                       input IN is model N's input IN2 (repeatable)\n"
    "Passes, in order: bind, dce, infer, simplify, cse, fuse_gelu, fuse_layernorm, dce,\n"
    "layout, lower, memplan (a pass that runs twice prints twice).\n";

typedef struct op_count {
  const char *op;
  int n;
} op_count;

/* Bytes of constants the optimised graph still reads, each once: folded-away initializers, the
 * originals of packed weights and the copies CSE merged are read by nothing and not counted. */
static int64_t weight_bytes(const ir_graph *g) {
  int64_t total = 0;
  for (int32_t i = 0; i < g->n_values; i++) {
    const ir_value *v = g->values[i];
    if (v->data && (v->n_uses > 0 || ir_is_graph_output(g, v))) total += ir_type_bytes(&v->type);
  }
  return total;
}

static int histogram(const ir_graph *g, op_count *h) {
  int n = 0;
  for (const ir_node *node = g->first; node; node = node->next) {
    int k = 0;
    while (k < n && strcmp(h[k].op, node->op_type)) k++;
    if (k == n) h[n++] = (op_count){node->op_type, 0};
    h[k].n++;
  }
  for (int i = 1; i < n; i++) /* insertion sort: most frequent first, stable */
    for (int j = i; j > 0 && h[j].n > h[j - 1].n; j--) {
      op_count t = h[j];
      h[j] = h[j - 1];
      h[j - 1] = t;
    }
  return n;
}

static const char *kernel_name(const ir_node *n) {
  const char *s = n->lowered ? hy_kernel_symbol(n->lowered->kernel) : NULL;
  return s ? s + strlen("hy_kernel_") : "-";
}

static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void print_values(ir_value *const *v, int32_t n, bool json) {
  char tb[320];
  for (int32_t i = 0; i < n; i++) {
    const char *t = v[i] ? ir_type_str(&v[i]->type, tb, sizeof tb) : "-";
    if (json) {
      printf("%s{\"name\":", i ? "," : "");
      json_str(v[i] ? v[i]->name : "");
      printf(",\"type\":");
      json_str(t);
      printf(",\"const\":%s}", v[i] && v[i]->data ? "true" : "false");
    } else {
      printf("%s%s%s", i ? ", " : "", t, v[i] && v[i]->data ? " (const)" : "");
    }
  }
}

static void print_text(const ir_graph *g, const op_count *h, int nh) {
  printf("graph '%s': %d nodes, %d inputs, %d outputs\n", g->name, g->n_nodes, g->n_inputs,
         g->n_outputs);
  for (const ir_node *n = g->first; n; n = n->next) {
    printf("  %s %s (", n->name, n->op_type);
    print_values(n->in, n->n_in, false);
    printf(") -> (");
    print_values(n->out, n->n_out, false);
    printf(") kernel=%s", kernel_name(n));
    if (n->lowered && n->lowered->scratch_bytes)
      printf(" scratch=%lld", (long long)n->lowered->scratch_bytes);
    printf("\n");
  }
  printf("ops:");
  for (int i = 0; i < nh; i++) printf(" %s=%d", h[i].op, h[i].n);
  printf("\narena_bytes=%lld\nweight_bytes=%lld\n", (long long)g->arena_bytes,
         (long long)weight_bytes(g));
}

static void print_json(const ir_graph *g, const op_count *h, int nh) {
  printf("{\"graph\":");
  json_str(g->name);
  printf(",\"inputs\":[");
  print_values(g->inputs, g->n_inputs, true);
  printf("],\"outputs\":[");
  print_values(g->outputs, g->n_outputs, true);
  printf("],\"nodes\":[");
  for (const ir_node *n = g->first; n; n = n->next) {
    printf("%s{\"name\":", n == g->first ? "" : ",");
    json_str(n->name);
    printf(",\"op\":");
    json_str(n->op_type);
    printf(",\"inputs\":[");
    print_values(n->in, n->n_in, true);
    printf("],\"outputs\":[");
    print_values(n->out, n->n_out, true);
    printf("],\"kernel\":");
    json_str(kernel_name(n));
    printf(",\"scratch_bytes\":%lld}", n->lowered ? (long long)n->lowered->scratch_bytes : 0LL);
  }
  printf("],\"ops\":{");
  for (int i = 0; i < nh; i++) {
    printf("%s", i ? "," : "");
    json_str(h[i].op);
    printf(":%d", h[i].n);
  }
  printf("},\"arena_bytes\":%lld,\"weight_bytes\":%lld}\n", (long long)g->arena_bytes,
         (long long)weight_bytes(g));
}

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

int cmd_inspect(int argc, char **argv) {
  bool json = false;
  drv_list pos = {0}, shapes = {0}, binds = {0};
  drv_models models;
  print_request pr = {0};
  const drv_arg specs[] = {{"--shape", NULL, DRV_LIST, &shapes},
                           {"--json", NULL, DRV_FLAG, &json},
                           {"--print-before", NULL, DRV_VALUE, &pr.before},
                           {"--print-after", NULL, DRV_VALUE, &pr.after},
                           {"--bind", NULL, DRV_LIST, &binds}};
  int r = drv_parse_args("inspect", help, argc, argv, 2, specs, 5, &pos);
  if (r) return r < 0 ? DRV_EXIT_OK : r;
  if ((r = check_pass_name("--print-before", pr.before)) ||
      (r = check_pass_name("--print-after", pr.after)))
    return r;
  if ((r = drv_models_parse("inspect", &pos, &binds, &models))) return r;
  if (models.rest.n) {
    drv_models_free(&models);
    return drv_usage_error("inspect", "'%s' is not a MODEL.onnx", models.rest.v[0]);
  }
  bool dumping = pr.before || pr.after;
  const pass_observer obs = {print_pass, &pr};
  pass_binding b[DRV_MAX_LIST];
  if ((r = drv_shapes_to_bindings("inspect", &shapes, b))) {
    drv_models_free(&models);
    return r;
  }
  diag d;
  diag_init(&d);
  arena a;
  arena_init(&a);
  ir_graph *g = NULL;
  int rc = DRV_EXIT_OK;
  op_count *h = NULL;
  if (hc_compile_models_observed(&a, &d, &models.m, b, shapes.n, dumping ? &obs : NULL, &g) !=
      HY_OK) {
    rc = drv_fail(&d);
  } else if (dumping) {
    if (pr.failed) {
      fprintf(stderr, "hydrac: error: could not write the graph\n");
      rc = DRV_EXIT_ERROR;
    }
  } else if (!(h = calloc((size_t)g->n_nodes + 1, sizeof *h))) {
    fprintf(stderr, "hydrac: error: out of memory\n");
    rc = DRV_EXIT_ERROR;
  } else {
    int nh = histogram(g, h);
    if (json)
      print_json(g, h, nh);
    else
      print_text(g, h, nh);
  }
  free(h);
  arena_free(&a);
  drv_bindings_free(b, shapes.n);
  drv_models_free(&models);
  return rc;
}
