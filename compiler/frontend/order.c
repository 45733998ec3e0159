/* Node order for import: who produces what, inputs no one defines, and a topological sort (Kahn,
 * lowest model index first so sorted models keep their order) with cycles reported by a node on
 * them. */
#include <stdint.h>
#include <string.h>

#include "frontend/fe_internal.h"

const char *fe_node_name(fe_ctx *c, const Onnx__NodeProto *np, size_t i) {
  if (np->name && *np->name) return np->name;
  return arena_printf(c->a, "%s_%zu", np->op_type ? np->op_type : "", i);
}

typedef struct edge {
  size_t from, to;
} edge;

typedef struct order_state {
  fe_ctx *c;
  const Onnx__GraphProto *gp;
  const char **names;
  fe_map producers; /* output name → node index + 1 */
  edge *edges;
  size_t n_edges, cap_edges;
} order_state;

static bool add_edge(order_state *s, size_t from, size_t to) {
  if (s->n_edges == s->cap_edges) {
    size_t cap = s->cap_edges ? s->cap_edges * 2 : 256;
    edge *e = arena_array(s->c->a, cap, sizeof *e);
    if (!e) return false;
    if (s->n_edges) memcpy(e, s->edges, s->n_edges * sizeof *e);
    s->edges = e;
    s->cap_edges = cap;
  }
  s->edges[s->n_edges++] = (edge){from, to};
  return true;
}

static hy_status oom(fe_ctx *c) {
  return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", c->file);
}

static hy_status collect_producers(order_state *s, const fe_map *scope) {
  const Onnx__GraphProto *gp = s->gp;
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    for (size_t k = 0; k < np->n_output; k++) {
      const char *o = np->output[k];
      if (!o || !*o) continue;
      uintptr_t prev = (uintptr_t)fe_map_get_local(&s->producers, o);
      if (prev)
        return diag_error(s->c->d, HY_ERR_INVALID_MODEL, "%s: nodes '%s' and '%s' both produce '%s'",
                          s->c->file, s->names[prev - 1], s->names[i], o);
      if (fe_map_get_local(scope, o))
        return diag_error(s->c->d, HY_ERR_INVALID_MODEL,
                          "%s: node '%s' (%s): output %zu '%s' is also a graph input or initializer",
                          s->c->file, s->names[i], np->op_type, k, o);
      if (!fe_map_put(&s->producers, o, (void *)(uintptr_t)(i + 1))) return oom(s->c);
    }
  }
  return HY_OK;
}

/* Names a subgraph reads from outside count as inputs of the node holding it (ONNX's implicit
 * inputs), so the producer must come first. Names the subgraph defines itself never match a
 * producer here: ONNX names are unique across scopes. */
static hy_status subgraph_deps(order_state *s, const Onnx__GraphProto *sub, size_t to) {
  for (size_t i = 0; i < sub->n_node; i++) {
    const Onnx__NodeProto *np = sub->node[i];
    for (size_t k = 0; k < np->n_input; k++) {
      uintptr_t p = np->input[k] && *np->input[k]
                        ? (uintptr_t)fe_map_get_local(&s->producers, np->input[k]) : 0;
      if (p && !add_edge(s, p - 1, to)) return oom(s->c);
    }
    for (size_t a = 0; a < np->n_attribute; a++) {
      const Onnx__AttributeProto *ap = np->attribute[a];
      hy_status st = ap->g ? subgraph_deps(s, ap->g, to) : HY_OK;
      for (size_t k = 0; k < ap->n_graphs && !st; k++) st = subgraph_deps(s, ap->graphs[k], to);
      if (st) return st;
    }
  }
  return HY_OK;
}

static hy_status collect_edges(order_state *s, const fe_map *scope) {
  const Onnx__GraphProto *gp = s->gp;
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    for (size_t k = 0; k < np->n_input; k++) {
      const char *in = np->input[k];
      if (!in || !*in) continue; /* an omitted optional input */
      uintptr_t p = (uintptr_t)fe_map_get_local(&s->producers, in);
      if (p) {
        if (!add_edge(s, p - 1, i)) return oom(s->c);
      } else if (!fe_map_get(scope, in)) {
        return diag_error(s->c->d, HY_ERR_INVALID_MODEL,
                          "%s: node '%s' (%s): input %zu '%s' is not produced by any node, "
                          "initializer or graph input",
                          s->c->file, s->names[i], np->op_type, k, in);
      }
    }
    for (size_t a = 0; a < np->n_attribute; a++) {
      const Onnx__AttributeProto *ap = np->attribute[a];
      hy_status st = ap->g ? subgraph_deps(s, ap->g, i) : HY_OK;
      for (size_t k = 0; k < ap->n_graphs && !st; k++) st = subgraph_deps(s, ap->graphs[k], i);
      if (st) return st;
    }
  }
  return HY_OK;
}

/* ---- a binary min-heap of ready node indices ---- */
static void heap_push(size_t *h, size_t *n, size_t v) {
  size_t i = (*n)++;
  while (i > 0 && h[(i - 1) / 2] > v) {
    h[i] = h[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h[i] = v;
}

static size_t heap_pop(size_t *h, size_t *n) {
  size_t top = h[0], last = h[--*n], i = 0;
  for (;;) {
    size_t l = 2 * i + 1, m = l;
    if (l >= *n) break;
    if (l + 1 < *n && h[l + 1] < h[l]) m = l + 1;
    if (h[m] >= last) break;
    h[i] = h[m];
    i = m;
  }
  if (*n) h[i] = last;
  return top;
}

/* Every node left after Kahn has a predecessor also left; walking predecessors must revisit a
 * node, and that node is on a cycle. */
static hy_status report_cycle(order_state *s, const size_t *indeg) {
  size_t n = s->gp->n_node, cur = 0;
  while (cur < n && indeg[cur] == 0) cur++;
  bool *seen = arena_array(s->c->a, n, sizeof *seen);
  if (!seen || cur == n) return oom(s->c);
  while (!seen[cur]) {
    seen[cur] = true;
    for (size_t e = 0; e < s->n_edges; e++) {
      if (s->edges[e].to == cur && indeg[s->edges[e].from] > 0) {
        cur = s->edges[e].from;
        break;
      }
    }
  }
  return diag_error(s->c->d, HY_ERR_INVALID_MODEL, "%s: the graph has a cycle through node '%s' (%s)",
                    s->c->file, s->names[cur], s->gp->node[cur]->op_type);
}

static hy_status kahn(order_state *s, size_t *order) {
  size_t n = s->gp->n_node, n_heap = 0, done = 0;
  size_t *indeg = arena_array(s->c->a, n + 1, sizeof *indeg);
  size_t *first = arena_array(s->c->a, n + 2, sizeof *first); /* CSR over edges by source */
  size_t *succ = arena_array(s->c->a, s->n_edges + 1, sizeof *succ);
  size_t *heap = arena_array(s->c->a, n + 1, sizeof *heap);
  if (!indeg || !first || !succ || !heap) return oom(s->c);
  for (size_t e = 0; e < s->n_edges; e++) {
    indeg[s->edges[e].to]++;
    first[s->edges[e].from + 2]++;
  }
  for (size_t i = 2; i < n + 2; i++) first[i] += first[i - 1];
  for (size_t e = 0; e < s->n_edges; e++) succ[first[s->edges[e].from + 1]++] = s->edges[e].to;
  for (size_t i = 0; i < n; i++)
    if (!indeg[i]) heap_push(heap, &n_heap, i);
  while (n_heap) {
    size_t v = heap_pop(heap, &n_heap);
    order[done++] = v;
    for (size_t e = first[v]; e < first[v + 1]; e++)
      if (--indeg[succ[e]] == 0) heap_push(heap, &n_heap, succ[e]);
  }
  return done == n ? HY_OK : report_cycle(s, indeg);
}

hy_status fe_order_nodes(fe_ctx *c, const Onnx__GraphProto *gp, const fe_map *scope,
                         const char **names, size_t **order) {
  order_state s = {.c = c, .gp = gp, .names = names};
  fe_map_init(&s.producers, c->a, NULL);
  *order = arena_array(c->a, gp->n_node + 1, sizeof **order);
  if (!*order) return oom(c);
  hy_status st = collect_producers(&s, scope);
  if (!st) st = collect_edges(&s, scope);
  if (!st) st = kahn(&s, *order);
  return st;
}
