/* Simplify: removes nodes that pass their input through unchanged — Identity, inference-mode
 * Dropout, and Cast/Reshape/Squeeze/Unsqueeze/Flatten/Expand whose output type equals the input's.
 * A graph output keeps its name: the value is renamed by moving it onto the producer, or, when
 * the input is a graph input, a constant or another output, the node stays (a copy). */
#include <string.h>

#include "passes/pass_internal.h"

/* Equal at every size: run-time dims too (at their bounds [batch, seq] and [seq, batch] agree). */
static bool types_equal(const ir_type *a, const ir_type *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++) {
    ir_dimx da = ir_type_dim(a, i), db = ir_type_dim(b, i);
    if (a->dims[i] != b->dims[i] || !ir_dimx_equal(&da, &db)) return false;
  }
  return true;
}

/* A known scalar input read as a double; false when absent or not known at compile time. */
static bool const_scalar(const ir_node *n, int32_t slot, double *out) {
  const ir_value *v = slot < n->n_in ? n->in[slot] : NULL;
  return v && v->data && ir_type_numel(&v->type) == 1 && ir_elem_get(v->type.dtype, v->data, 0, out);
}

/* Dropout is the identity unless it is in training mode with a ratio that is not zero. Before
 * opset 7 inference was the only mode Hydra runs (is_test is a training-framework flag). */
static bool dropout_is_identity(const ir_node *n) {
  if (n->n_in < 3 || !n->in[2]) return true;
  double training, ratio = 0.5;
  if (!const_scalar(n, 2, &training)) return false;
  if (training == 0) return true;
  if (n->n_in >= 2 && n->in[1] && !const_scalar(n, 1, &ratio)) return false;
  return ratio == 0;
}

static bool same_type_is_identity(const ir_node *n) {
  static const char *const ops[] = {"Cast", "CastLike", "Reshape", "Squeeze", "Unsqueeze",
                                    "Flatten", "Expand"};
  bool listed = false;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (!strcmp(ir_op_name(n->op), ops[i])) listed = true;
  return listed && n->n_in >= 1 && n->in[0] && n->n_out >= 1 && n->out[0] &&
         types_equal(&n->in[0]->type, &n->out[0]->type);
}

/* Extra outputs (Dropout's mask) must be unused: they have no input to stand for them. */
static bool passes_through(const ir_node *n) {
  const char *op = ir_op_name(n->op);
  if (n->n_in < 1 || !n->in[0] || n->n_out < 1 || !n->out[0]) return false;
  for (int32_t i = 1; i < n->n_out; i++)
    if (n->out[i] && (n->out[i]->n_uses > 0)) return false;
  if (!strcmp(op, "Identity")) return true;
  if (!strcmp(op, "Dropout")) return dropout_is_identity(n);
  return same_type_is_identity(n);
}

/* Removes n (whose out[0] equals in[0]); false when it must stay to keep a graph output. */
static bool bypass(ir_graph *g, ir_node *n) {
  ir_value *in = n->in[0], *out = n->out[0];
  for (int32_t i = 1; i < n->n_out; i++)
    if (n->out[i] && ir_is_graph_output(g, n->out[i])) return false;
  if (!ir_is_graph_output(g, out)) {
    ir_node_remove(g, n);
    ir_replace_all_uses(g, out, in);
    return true;
  }
  if (!in->producer || in->data || ir_is_graph_output(g, in)) return false;
  /* out is a graph output: the producer of in writes out directly, and in's uses follow. */
  ir_node *p = in->producer;
  int32_t slot = in->producer_slot;
  ir_node_remove(g, n);
  ir_node_set_output(g, p, slot, out);
  ir_replace_all_uses(g, in, out);
  in->producer = NULL;
  return true;
}

hy_status pass_simplify(ir_graph *g) {
  for (ir_node *n = g->first, *next; n; n = next) {
    next = n->next;
    if (passes_through(n)) bypass(g, n);
  }
  return g->a->failed ? pass_oom(g)
                      : HY_OK;
}
