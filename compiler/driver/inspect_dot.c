/* hydrac inspect --dot: the optimised graph as Graphviz. A node belongs to the cluster of the set
 * of graph outputs that depend on it: the set of every output is the shared part (the encoder),
 * a set of one output is that output's head, and a set of a few outputs is a part those heads
 * share (a pooler two classifiers read). Nodes a fusion made are filled and labelled "fused".
 * Constants are left out: a BERT's weights would outnumber its nodes. */
#include <stdlib.h>
#include <string.h>

#include "driver/inspect.h"

/* The output sets: words 64-bit words per node, indexed by node id. */
typedef struct out_sets {
  int32_t words;
  uint64_t *bits;
} out_sets;

static uint64_t *set_of(const out_sets *s, const ir_node *n) {
  return s->bits + (size_t)n->id * (size_t)s->words;
}

static int32_t set_count(const out_sets *s, const uint64_t *b) {
  int32_t c = 0;
  for (int32_t w = 0; w < s->words; w++)
    c += __builtin_popcountll(b[w]);
  return c;
}

/* One backward sweep: users come after their producers, so a user's set is complete before it is
 * merged into its producers'. A use by a node of a subgraph (an If branch reading an outer value)
 * is not followed: its ids are the subgraph's own. */
static bool compute_sets(const ir_graph *g, out_sets *s) {
  s->words = g->n_outputs > 0 ? (g->n_outputs + 63) / 64 : 1;
  s->bits = calloc((size_t)g->next_node_id * (size_t)s->words + 1, sizeof *s->bits);
  const ir_node **node_at = calloc((size_t)g->next_node_id + 1, sizeof *node_at);
  if (!s->bits || !node_at) {
    free(s->bits);
    free(node_at);
    return false;
  }
  for (const ir_node *n = g->first; n; n = n->next)
    node_at[n->id] = n;
  for (int32_t k = 0; k < g->n_outputs; k++) {
    const ir_value *v = g->outputs[k];
    if (v && v->producer) set_of(s, v->producer)[k / 64] |= 1ull << (k % 64);
  }
  for (const ir_node *n = g->last; n; n = n->prev) {
    uint64_t *b = set_of(s, n);
    for (int32_t o = 0; o < n->n_out; o++) {
      const ir_value *v = n->out[o];
      for (int32_t u = 0; v && u < v->n_uses; u++) {
        const ir_node *user = v->uses[u].node;
        if (user->id < 0 || user->id >= g->next_node_id || node_at[user->id] != user) continue;
        const uint64_t *ub = set_of(s, user);
        for (int32_t w = 0; w < s->words; w++)
          b[w] |= ub[w];
      }
    }
  }
  free(node_at);
  return true;
}

/* s as a Graphviz quoted string's contents. */
static void dot_escaped(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s);
    else if (*s == '\n')
      fputs("\\n", f);
    else if ((unsigned char)*s >= 0x20)
      fputc(*s, f);
  }
}

static void cluster_label(FILE *f, const ir_graph *g, const out_sets *s, const uint64_t *b,
                          int32_t n_nodes) {
  int32_t c = set_count(s, b);
  if (c == g->n_outputs && c > 1) {
    fprintf(f, "shared by every output");
  } else {
    fprintf(f, c == 1 ? "head: " : "shared by ");
    int32_t shown = 0;
    for (int32_t k = 0; k < g->n_outputs; k++) {
      if (!(b[k / 64] >> (k % 64) & 1)) continue;
      if (shown == 4) {
        fprintf(f, ", and %d more", c - shown);
        break;
      }
      fprintf(f, "%s", shown++ ? ", " : "");
      dot_escaped(f, g->outputs[k]->name);
    }
  }
  fprintf(f, " (%d node%s)", n_nodes, n_nodes == 1 ? "" : "s");
}

static void write_node(FILE *f, const ir_node *n, bool fused) {
  char tb[320];
  fprintf(f, "    n%d [label=\"", n->id);
  dot_escaped(f, n->name);
  fprintf(f, "\\n%s%s", n->op_type, fused ? " (fused)" : "");
  if (n->n_out > 0 && n->out[0]) fprintf(f, "\\n%s", ir_type_str(&n->out[0]->type, tb, sizeof tb));
  fprintf(f, "\"%s];\n", fused ? ", style=\"filled,bold\", fillcolor=\"#ffd27f\"" : "");
}

static void write_output(FILE *f, const ir_graph *g, int32_t k) {
  char tb[320];
  fprintf(f, "    o%d [shape=ellipse, label=\"", k);
  dot_escaped(f, g->outputs[k]->name);
  fprintf(f, "\\n%s\"];\n", ir_type_str(&g->outputs[k]->type, tb, sizeof tb));
}

/* cluster[i]: the cluster of the node with id i, -1 for a node no output needs; rep[c]: a node of
 * cluster c (whose set names it). Clusters are numbered in the order their first node appears. */
static int32_t assign_clusters(const ir_graph *g, const out_sets *s, int32_t *cluster,
                               const ir_node **rep) {
  int32_t nc = 0;
  size_t wbytes = (size_t)s->words * sizeof(uint64_t);
  for (const ir_node *n = g->first; n; n = n->next) {
    const uint64_t *b = set_of(s, n);
    cluster[n->id] = -1;
    if (!set_count(s, b)) continue;
    int32_t c = 0;
    while (c < nc && memcmp(set_of(s, rep[c]), b, wbytes))
      c++;
    if (c == nc) rep[nc++] = n;
    cluster[n->id] = c;
  }
  return nc;
}

static void write_edges(FILE *f, const ir_graph *g) {
  for (const ir_node *n = g->first; n; n = n->next)
    for (int32_t i = 0; i < n->n_in; i++) {
      const ir_value *v = n->in[i];
      if (v && v->producer)
        fprintf(f, "  n%d -> n%d;\n", v->producer->id, n->id);
      else if (v && v->input_index >= 0)
        fprintf(f, "  i%d -> n%d;\n", v->input_index, n->id);
    }
  for (int32_t k = 0; k < g->n_outputs; k++) {
    const ir_value *v = g->outputs[k];
    if (v->producer)
      fprintf(f, "  n%d -> o%d;\n", v->producer->id, k);
    else if (v->input_index >= 0)
      fprintf(f, "  i%d -> o%d;\n", v->input_index, k);
  }
}

static void write_clusters(FILE *f, const ir_graph *g, const inspect_model *m, const out_sets *s,
                           const int32_t *cluster, const ir_node *const *rep, int32_t nc) {
  for (int32_t c = 0; c < nc; c++) {
    int32_t count = 0;
    for (const ir_node *n = g->first; n; n = n->next)
      count += cluster[n->id] == c;
    const uint64_t *b = set_of(s, rep[c]);
    fprintf(f, "  subgraph cluster_%d {\n    label=\"", c);
    cluster_label(f, g, s, b, count);
    fprintf(f, "\";\n    style=rounded;\n");
    for (const ir_node *n = g->first; n; n = n->next)
      if (cluster[n->id] == c) write_node(f, n, inspect_made_by_pass(m, n));
    /* an output sits in its head's cluster */
    for (int32_t k = 0; k < g->n_outputs; k++) {
      const ir_node *p = g->outputs[k]->producer;
      if (p && cluster[p->id] == c && set_count(s, b) == 1) write_output(f, g, k);
    }
    fprintf(f, "  }\n");
  }
}

bool inspect_write_dot(FILE *f, const ir_graph *g, const inspect_model *m) {
  out_sets s;
  if (!compute_sets(g, &s)) return false;
  int32_t *cluster = calloc((size_t)g->next_node_id + 1, sizeof *cluster);
  const ir_node **rep = calloc((size_t)g->n_nodes + 1, sizeof *rep);
  if (!cluster || !rep) {
    free(s.bits);
    free(cluster);
    free(rep);
    return false;
  }
  int32_t nc = assign_clusters(g, &s, cluster, rep);
  char tb[320];
  fprintf(f, "digraph \"");
  dot_escaped(f, g->name);
  fprintf(f, "\" {\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
             "  graph [fontname=\"Helvetica\", compound=true];\n");
  for (int32_t i = 0; i < g->n_inputs; i++) {
    fprintf(f, "  i%d [shape=ellipse, label=\"", i);
    dot_escaped(f, g->inputs[i]->name);
    fprintf(f, "\\n%s\"];\n", ir_type_str(&g->inputs[i]->type, tb, sizeof tb));
  }
  write_clusters(f, g, m, &s, cluster, rep, nc);
  for (const ir_node *n = g->first; n; n = n->next) /* nodes no output needs */
    if (cluster[n->id] < 0) write_node(f, n, inspect_made_by_pass(m, n));
  for (int32_t k = 0; k < g->n_outputs; k++) { /* outputs outside a head */
    const ir_node *p = g->outputs[k]->producer;
    if (!p || cluster[p->id] < 0 || set_count(&s, set_of(&s, p)) != 1) write_output(f, g, k);
  }
  write_edges(f, g);
  fprintf(f, "}\n");
  free(s.bits);
  free(cluster);
  free(rep);
  return !ferror(f);
}
