/* Helpers the pattern-fusion passes share: matching producers, constants and single uses, and
 * replacing a matched chain by one new node at the chain's end. */
#ifndef HC_FUSE_UTIL_H
#define HC_FUSE_UTIL_H

#include <math.h>

#include "passes/pass_internal.h"

/* v's producer when it is an op node (with a static float type), else NULL. */
static inline ir_node *fuse_producer(const ir_value *v, ir_op op) {
  if (!v || !v->producer || v->producer->op != op || v->data) return NULL;
  return v->producer;
}

/* v is read by exactly one node and is no graph output: its producer may be folded away. */
static inline bool fuse_private(const ir_graph *g, const ir_value *v) {
  return v && v->n_uses == 1 && !ir_is_graph_output(g, v);
}

/* v is a float32 constant holding one value (any shape of one element). */
static inline bool fuse_const_scalar(const ir_value *v, float *out) {
  if (!v || !v->data || v->type.dtype != HY_DTYPE_FLOAT || ir_type_numel(&v->type) != 1)
    return false;
  *out = *(const float *)v->data;
  return true;
}

/* v is a float32 scalar constant within rel of want. */
static inline bool fuse_const_is(const ir_value *v, double want, double rel) {
  float f;
  return fuse_const_scalar(v, &f) && fabs((double)f - want) <= rel * fabs(want);
}

/* Of a two-input node's operands, the one that is not `known`; NULL when neither is. */
static inline ir_value *fuse_other(const ir_node *n, const ir_value *known) {
  if (n->n_in != 2) return NULL;
  return n->in[0] == known ? n->in[1] : n->in[1] == known ? n->in[0] : NULL;
}

/* Moves n (just appended by ir_node_new) to stand right before `before`. */
static inline void fuse_move_before(ir_graph *g, ir_node *n, ir_node *before) {
  if (n == before) return;
  if (n->prev) n->prev->next = n->next; else g->first = n->next;
  if (n->next) n->next->prev = n->prev; else g->last = n->prev;
  n->prev = before->prev;
  n->next = before;
  if (before->prev) before->prev->next = n; else g->first = n;
  before->prev = n;
}

#endif
