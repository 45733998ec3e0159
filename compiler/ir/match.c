/* Matcher helpers and the worklist driver for pattern rewrites (match.h). */
#include "ir/match.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ir_node *ir_match_producer(const ir_value *v, ir_op op) {
  if (!v || !v->producer || v->producer->op != op || v->data) return NULL;
  return v->producer;
}

bool ir_match_single_use(const ir_graph *g, const ir_value *v) {
  return v && v->n_uses == 1 && !ir_is_graph_output(g, v);
}

/* Element i of a float constant as a double; false for other dtypes. */
static bool float_elem(const ir_value *v, int64_t i, double *out) {
  return ir_dtype_is_float(v->type.dtype) && ir_elem_get(v->type.dtype, v->data, i, out);
}

bool ir_match_const_scalar(const ir_value *v, double *out) {
  return v && v->data && ir_type_numel(&v->type) == 1 && float_elem(v, 0, out);
}

bool ir_match_const_value(const ir_value *v, double want, double rel) {
  int64_t n = v && v->data ? ir_type_numel(&v->type) : -1;
  if (n < 1) return false;
  for (int64_t i = 0; i < n; i++) {
    double x;
    if (!float_elem(v, i, &x) || !(fabs(x - want) <= rel * fabs(want))) return false;
  }
  return true;
}

bool ir_match_commutative(const ir_node *n, ir_match_pred pred, const void *arg, ir_value **hit,
                          ir_value **other) {
  if (n->n_in != 2 || !n->in[0] || !n->in[1]) return false;
  for (int k = 1; k >= 0; k--)
    if (pred(n->in[k], arg)) {
      if (hit) *hit = n->in[k];
      if (other) *other = n->in[1 - k];
      return true;
    }
  return false;
}

typedef struct want_const {
  double want, rel;
} want_const;

static bool is_want(const ir_value *v, const void *arg) {
  const want_const *w = arg;
  return ir_match_const_value(v, w->want, w->rel);
}

bool ir_match_const_operand(const ir_node *n, double want, double rel, ir_value **other) {
  want_const w = {want, rel};
  return ir_match_commutative(n, is_want, &w, NULL, other);
}

ir_value *ir_match_other(const ir_node *n, const ir_value *known) {
  if (n->n_in != 2) return NULL;
  return n->in[0] == known ? n->in[1] : n->in[1] == known ? n->in[0] : NULL;
}

bool ir_match_broadcasts_to(const ir_type *small, const ir_type *big) {
  if (small->rank < 0 || big->rank < 0 || small->rank > big->rank) return false;
  for (int32_t i = 1; i <= small->rank; i++) {
    int64_t s = small->dims[small->rank - i], b = big->dims[big->rank - i];
    if (s < 0 || b < 0 || (s != b && s != 1)) return false;
  }
  return true;
}

bool ir_match_same_type(const ir_type *a, const ir_type *b) {
  if (a->dtype != b->dtype || a->rank != b->rank || a->rank < 0) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i] || a->dims[i] < 0) return false;
  return true;
}

/* ---- the worklist: a FIFO of nodes (repeats allowed, removed ones skipped) ---- */

typedef struct worklist {
  ir_node **v;
  size_t head, n, cap;
} worklist;

static bool push(worklist *w, ir_node *n) {
  if (w->n == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 256;
    ir_node **nv = realloc(w->v, cap * sizeof *nv);
    if (!nv) return false;
    w->v = nv;
    w->cap = cap;
  }
  w->v[w->n++] = n;
  return true;
}

/* made and every reader of its outputs: what a rewrite there may now let match. */
static bool push_around(worklist *w, ir_node *made) {
  bool ok = push(w, made);
  for (int32_t i = 0; i < made->n_out; i++)
    for (int32_t u = 0; made->out[i] && u < made->out[i]->n_uses; u++)
      ok = push(w, made->out[i]->uses[u].node) && ok;
  return ok;
}

static hy_status oom(ir_graph *g) {
  return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
}

hy_status ir_rewrite_worklist(ir_graph *g, ir_rewrite_fn fn, void *ctx) {
  worklist w = {0};
  hy_status s = HY_OK;
  for (ir_node *n = g->first; n && s == HY_OK; n = n->next)
    if (!push(&w, n)) s = oom(g);
  while (s == HY_OK && w.head < w.n) {
    ir_node *n = w.v[w.head++], *made = NULL;
    if (!ir_node_in_graph(g, n)) continue;
    s = fn(g, n, ctx, &made);
    if (made) made->file = n->file; /* in a merged unit, the model the rewritten nodes came from */
    if (s == HY_OK && made && !push_around(&w, made)) s = oom(g);
  }
  free(w.v);
  if (s == HY_OK && g->a->failed) s = oom(g);
  return s;
}
