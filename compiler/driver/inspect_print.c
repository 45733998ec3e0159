/* hydrac inspect's summaries as text or JSON: the optimised graph (nodes, op histogram, fused
 * nodes, attention counts, arena and weight bytes), or, when inputs still have symbolic dims, what
 * the model declares and the --shape options that would let the passes run. The JSON keys are
 * documented in docs/inspect.md. */
#include <stdlib.h>
#include <string.h>

#include "driver/inspect.h"
#include "ir/entry.h"

typedef struct op_count {
  const char *op;
  int n;
} op_count;

static bool is_default_domain(const char *d) { return !d || !*d || !strcmp(d, "ai.onnx"); }

static void add_opset(inspect_model *m, const char *domain, int64_t version) {
  for (int i = 0; i < m->n_opsets; i++)
    if (!strcmp(m->opsets[i].domain, domain)) return;
  if (m->n_opsets < INSPECT_MAX_OPSETS) m->opsets[m->n_opsets++] = (inspect_opset){domain, version};
}

void inspect_model_init(inspect_model *m, const ir_graph *g) {
  memset(m, 0, sizeof *m);
  add_opset(m, "ai.onnx", g->opset);
  for (const ir_node *n = g->first; n; n = n->next)
    if (!is_default_domain(n->domain)) add_opset(m, n->domain, n->opset);
  m->first_made_id = g->next_node_id;
}

bool inspect_made_by_pass(const inspect_model *m, const ir_node *n) {
  return n->id >= m->first_made_id;
}

bool inspect_has_unknown_dims(const ir_graph *g) {
  for (int32_t i = 0; i < g->n_inputs; i++)
    if (!ir_type_is_static(&g->inputs[i]->type)) return true;
  return false;
}

/* Each constant the optimised code reads, once: a packed weight's original is read by nothing
 * once packed, nor are CSE's merged copies or folded-away initializers; CSE and the layout pass
 * intern constants by content, so no two read values hold the same constant. */
int64_t inspect_weight_bytes(const ir_graph *g) {
  int64_t total = 0;
  for (int32_t i = 0; i < g->n_values; i++) {
    const ir_value *v = g->values[i];
    if (v->data && (v->n_uses > 0 || ir_is_graph_output(g, v))) total += ir_type_bytes(&v->type);
  }
  return total;
}

/* Ops of the graph's nodes (only those a pass made when only_made), most frequent first. */
static int histogram(const ir_graph *g, const inspect_model *m, bool only_made, op_count *h) {
  int n = 0;
  for (const ir_node *node = g->first; node; node = node->next) {
    if (only_made && !inspect_made_by_pass(m, node)) continue;
    int k = 0;
    while (k < n && strcmp(h[k].op, node->op_type))
      k++;
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

/* The kernel a node calls, without "hy_kernel_"; "view" when it calls none (memplan.c). */
static const char *kernel_name(const ir_node *n) {
  if (n->lowered && n->lowered->alias) return "view";
  const char *s = n->lowered ? hy_kernel_symbol(n->lowered->kernel) : NULL;
  return s ? s + strlen("hy_kernel_") : "-";
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void print_values(FILE *f, ir_value *const *v, int32_t n, bool json) {
  char tb[320];
  for (int32_t i = 0; i < n; i++) {
    const char *t = v[i] ? ir_type_str(&v[i]->type, tb, sizeof tb) : "-";
    if (json) {
      fprintf(f, "%s{\"name\":", i ? "," : "");
      json_str(f, v[i] ? v[i]->name : "");
      fprintf(f, ",\"type\":");
      json_str(f, t);
      fprintf(f, ",\"const\":%s}", v[i] && v[i]->data ? "true" : "false");
    } else {
      fprintf(f, "%s%s%s", i ? ", " : "", t, v[i] && v[i]->data ? " (const)" : "");
    }
  }
}

static void print_named_values(FILE *f, const char *what, ir_value *const *v, int32_t n) {
  char tb[320];
  fprintf(f, "%s:\n", what);
  for (int32_t i = 0; i < n; i++)
    fprintf(f, "  %s: %s\n", v[i]->name, ir_type_str(&v[i]->type, tb, sizeof tb));
}

static void print_opsets(FILE *f, const inspect_model *m, bool json) {
  for (int i = 0; i < m->n_opsets; i++) {
    if (json) {
      fprintf(f, "%s", i ? "," : "");
      json_str(f, m->opsets[i].domain);
      fprintf(f, ":%lld", (long long)m->opsets[i].version);
    } else {
      fprintf(f, "%s%s %lld", i ? ", " : "", m->opsets[i].domain, (long long)m->opsets[i].version);
    }
  }
}

static void print_histogram(FILE *f, const op_count *h, int nh, bool json) {
  for (int i = 0; i < nh; i++) {
    if (json) {
      fprintf(f, "%s", i ? "," : "");
      json_str(f, h[i].op);
      fprintf(f, ":%d", h[i].n);
    } else {
      fprintf(f, " %s=%d", h[i].op, h[i].n);
    }
  }
}

/* ---- before the passes: inputs with symbolic dims ---- */

/* own[i]: input i needs its own --shape: it has an unknown dim that is unnamed, or whose symbol no
 * earlier input that gets a --shape has (symbols bind across inputs). A malloc'd array. */
static bool *shape_owners(const ir_graph *g) {
  bool *own = calloc((size_t)g->n_inputs + 1, sizeof *own);
  for (int32_t i = 0; own && i < g->n_inputs; i++) {
    const ir_type *t = &g->inputs[i]->type;
    own[i] = t->rank < 0;
    for (int32_t d = 0; d < t->rank && !own[i]; d++) {
      if (t->dims[d] >= 0) continue;
      const char *sym = t->sym[d];
      bool earlier = false;
      for (int32_t j = 0; j < i && sym && *sym && !earlier; j++) {
        const ir_type *u = &g->inputs[j]->type;
        for (int32_t e = 0; own[j] && e < u->rank && !earlier; e++)
          earlier = u->dims[e] < 0 && u->sym[e] && !strcmp(u->sym[e], sym);
      }
      own[i] = !earlier;
    }
  }
  return own;
}

/* "--shape input_ids=<batch>x<sequence> ..." for the inputs that need one, as a malloc'd string
 * (NULL when out of memory). */
static char *shape_hint(const ir_graph *g) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  bool *own = shape_owners(g);
  bool ok = f && own;
  int shown = 0;
  for (int32_t i = 0; f && own && i < g->n_inputs; i++) {
    if (!own[i]) continue;
    const ir_type *t = &g->inputs[i]->type;
    fprintf(f, "%s--shape %s=", shown++ ? " " : "", g->inputs[i]->name);
    if (t->rank < 0) fprintf(f, "<dims>");
    for (int32_t d = 0; d < t->rank; d++) {
      if (t->dims[d] >= 0)
        fprintf(f, "%s%lld", d ? "x" : "", (long long)t->dims[d]);
      else
        fprintf(f, "%s<%s>", d ? "x" : "", t->sym[d] && *t->sym[d] ? t->sym[d] : "?");
    }
  }
  free(own);
  if (f && (fclose(f) != 0 || !ok)) {
    free(text);
    text = NULL;
  }
  return text;
}

static void print_symbolic_json(FILE *f, const ir_graph *g) {
  int k = 0;
  for (int32_t i = 0; i < g->n_inputs; i++) {
    const ir_type *t = &g->inputs[i]->type;
    for (int32_t d = 0; d < (t->rank < 0 ? 1 : t->rank); d++) {
      if (t->rank >= 0 && t->dims[d] >= 0) continue;
      fprintf(f, "%s{\"input\":", k++ ? "," : "");
      json_str(f, g->inputs[i]->name);
      fprintf(f, ",\"dim\":%d,\"symbol\":", t->rank < 0 ? -1 : d);
      if (t->rank >= 0 && t->sym[d] && *t->sym[d])
        json_str(f, t->sym[d]);
      else
        fprintf(f, "null");
      fprintf(f, "}");
    }
  }
}

static void print_symbolic_text(FILE *f, const ir_graph *g) {
  fprintf(f, "symbolic dims:\n");
  for (int32_t i = 0; i < g->n_inputs; i++) {
    const ir_type *t = &g->inputs[i]->type;
    if (ir_type_is_static(t)) continue;
    fprintf(f, "  %s:", g->inputs[i]->name);
    if (t->rank < 0) fprintf(f, " no declared shape");
    for (int32_t d = 0; d < t->rank; d++)
      if (t->dims[d] < 0)
        fprintf(f, " dim %d%s%s%s", d, t->sym[d] && *t->sym[d] ? " '" : " (unnamed)",
                t->sym[d] && *t->sym[d] ? t->sym[d] : "", t->sym[d] && *t->sym[d] ? "'" : "");
    fprintf(f, "\n");
  }
}

/* The keys both JSON forms start with: graph, inputs, outputs, opsets (object left open). */
static void print_json_head(FILE *f, const ir_graph *g, const inspect_model *m) {
  fprintf(f, "{\"graph\":");
  json_str(f, g->name);
  fprintf(f, ",\"inputs\":[");
  print_values(f, g->inputs, g->n_inputs, true);
  fprintf(f, "],\"outputs\":[");
  print_values(f, g->outputs, g->n_outputs, true);
  fprintf(f, "],\"opsets\":{");
  print_opsets(f, m, true);
  fprintf(f, "}");
}

bool inspect_print_unbound(FILE *f, const ir_graph *g, const inspect_model *m, bool json) {
  char *hint = shape_hint(g);
  if (!hint) return false;
  if (json) {
    print_json_head(f, g, m);
    fprintf(f, ",\"symbolic_dims\":[");
    print_symbolic_json(f, g);
    fprintf(f, "],\"shape_hint\":");
    json_str(f, hint);
    fprintf(f, "}\n");
  } else {
    fprintf(f, "graph '%s': %d nodes, %d inputs, %d outputs\nopsets: ", g->name, g->n_nodes,
            g->n_inputs, g->n_outputs);
    print_opsets(f, m, false);
    fprintf(f, "\n");
    print_named_values(f, "inputs", g->inputs, g->n_inputs);
    print_named_values(f, "outputs", g->outputs, g->n_outputs);
    print_symbolic_text(f, g);
    fprintf(f, "not optimised: the passes need every input dim; give them, e.g.\n  %s\n", hint);
  }
  free(hint);
  return !ferror(f);
}

/* ---- after the passes ---- */

static void print_nodes_text(FILE *f, const ir_graph *g, const inspect_model *m) {
  for (const ir_node *n = g->first; n; n = n->next) {
    fprintf(f, "  %s %s%s (", n->name, n->op_type, inspect_made_by_pass(m, n) ? " [fused]" : "");
    print_values(f, n->in, n->n_in, false);
    fprintf(f, ") -> (");
    print_values(f, n->out, n->n_out, false);
    fprintf(f, ") kernel=%s", kernel_name(n));
    if (n->lowered && n->lowered->scratch_bytes)
      fprintf(f, " scratch=%lld", (long long)n->lowered->scratch_bytes);
    fprintf(f, "\n");
  }
}

static void print_nodes_json(FILE *f, const ir_graph *g, const inspect_model *m) {
  for (const ir_node *n = g->first; n; n = n->next) {
    fprintf(f, "%s{\"name\":", n == g->first ? "" : ",");
    json_str(f, n->name);
    fprintf(f, ",\"op\":");
    json_str(f, n->op_type);
    fprintf(f, ",\"fused\":%s,\"inputs\":[", inspect_made_by_pass(m, n) ? "true" : "false");
    print_values(f, n->in, n->n_in, true);
    fprintf(f, "],\"outputs\":[");
    print_values(f, n->out, n->n_out, true);
    fprintf(f, "],\"kernel\":");
    json_str(f, kernel_name(n));
    fprintf(f, ",\"scratch_bytes\":%lld}", n->lowered ? (long long)n->lowered->scratch_bytes : 0LL);
  }
}

/* Entry k (0: the default) as text, "name: N nodes, outputs a, b", or as a JSON object. */
static void print_entry(FILE *f, const ir_graph *g, int32_t k, int32_t nodes, bool json) {
  const ir_entry *e = k ? &g->entries[k - 1] : NULL;
  const char *name = e ? e->name : IR_DEFAULT_ENTRY;
  int32_t n_out = e ? e->n_outputs : g->n_outputs;
  if (json) {
    fprintf(f, "%s{\"name\":", k ? "," : "");
    json_str(f, name);
    fprintf(f, ",\"outputs\":[");
  } else {
    fprintf(f, "  %s: %d nodes, outputs ", name, nodes);
  }
  for (int32_t i = 0; i < n_out; i++) {
    const char *o = g->outputs[e ? e->outputs[i] : i]->name;
    if (json) {
      fprintf(f, "%s", i ? "," : "");
      json_str(f, o ? o : "");
    } else {
      fprintf(f, "%s%s", i ? ", " : "", o ? o : "");
    }
  }
  if (json)
    fprintf(f, "],\"nodes\":%d}", nodes);
  else
    fprintf(f, "\n");
}

/* Every entry with the nodes it runs ("default": all outputs first); false when a cone could not
 * be computed (out of memory). */
static bool print_entries(FILE *f, const ir_graph *g, bool json) {
  fprintf(f, json ? ",\"entries\":[" : "entries:\n");
  for (int32_t k = 0; k <= g->n_entries; k++) {
    ir_cone c;
    if (ir_entry_cone((ir_graph *)g, k ? &g->entries[k - 1] : NULL, &c) != HY_OK) return false;
    print_entry(f, g, k, c.n_nodes, json);
  }
  if (json) fprintf(f, "]");
  return true;
}

static void print_summary_text(FILE *f, const ir_graph *g, const inspect_model *m,
                               const op_count *h, int nh, const op_count *fh, int nf) {
  fprintf(f, "graph '%s': %d nodes, %d inputs, %d outputs\nopsets: ", g->name, g->n_nodes,
          g->n_inputs, g->n_outputs);
  print_opsets(f, m, false);
  fprintf(f, "\n");
  print_nodes_text(f, g, m);
  fprintf(f, "ops:");
  print_histogram(f, h, nh, false);
  fprintf(f, "\nfused:");
  print_histogram(f, fh, nf, false);
  fprintf(f, "\nattention: fused=%d unfused=%d\narena_bytes=%lld\nweight_bytes=%lld\n",
          g->stats.attention_fused, g->stats.attention_near_miss, (long long)g->arena_bytes,
          (long long)inspect_weight_bytes(g));
}

static void print_summary_json(FILE *f, const ir_graph *g, const inspect_model *m,
                               const op_count *h, int nh, const op_count *fh, int nf) {
  print_json_head(f, g, m);
  fprintf(f, ",\"nodes\":[");
  print_nodes_json(f, g, m);
  fprintf(f, "],\"ops\":{");
  print_histogram(f, h, nh, true);
  fprintf(f, "},\"fused\":{");
  print_histogram(f, fh, nf, true);
  fprintf(f, "},\"attention\":{\"fused\":%d,\"unfused\":%d}", g->stats.attention_fused,
          g->stats.attention_near_miss);
  fprintf(f, ",\"arena_bytes\":%lld,\"weight_bytes\":%lld", (long long)g->arena_bytes,
          (long long)inspect_weight_bytes(g));
}

bool inspect_print_summary(FILE *f, const ir_graph *g, const inspect_model *m, bool json) {
  op_count *h = calloc((size_t)g->n_nodes + 1, sizeof *h);
  op_count *fh = calloc((size_t)g->n_nodes + 1, sizeof *fh);
  bool ok = h && fh;
  if (ok) {
    int nh = histogram(g, m, false, h), nf = histogram(g, m, true, fh);
    if (json)
      print_summary_json(f, g, m, h, nh, fh, nf);
    else
      print_summary_text(f, g, m, h, nh, fh, nf);
    ok = print_entries(f, g, json);
    if (json) fprintf(f, "}\n");
    ok = ok && !ferror(f);
  }
  free(h);
  free(fh);
  return ok;
}
