/* Elementwise chain fusion: float32 unary and binary ops (Add ... Mod, Relu ... Swish) that feed
 * each other become one FusedElementwise node, computed in one pass over memory by the ew_chain
 * kernel instead of one pass (and one buffer) per op. Runs after the other fusions, so what a
 * GEMM epilogue, GELU or LayerNorm takes is theirs.
 *
 * A group grows backwards from its last node (its root): a producer joins when it is such an op,
 * its output has the root's shape (so no value is computed more than once per output element)
 * and every reader of its output is in the group (no graph output either). Each node's kernel
 * code and attributes are those its own lower hook uses (ops/elementwise.h), so the fused node
 * computes exactly what the nodes would (the kernel shares their arithmetic,
 * runtime/src/kernels/ew_ops.h). Groups of one node stay as they are (a large float32 one runs
 * as a one-step chain anyway: lower_unary, lower_binary). */
#include <string.h>

#include "ir/match.h"
#include "ops/elementwise.h"
#include "passes/pass_internal.h"

typedef struct chain_step {
  ir_node *node;
  ew_step step;
} chain_step;

typedef struct chain_group {
  chain_step steps[HY_EW_CHAIN_MAX_STEPS];
  int32_t n;
  ir_value *inputs[HY_EW_CHAIN_MAX_IN]; /* the values read from outside, in first-read order */
  int32_t n_inputs;
} chain_group;

/* n as a chain step: a float32 node of the unary or binary elementwise hooks with static shapes
 * (binary from version 7, when they broadcast like numpy), its kernel code and attributes as its
 * lower hook gives them (ops/elementwise.h); an error is the node's own (lower would give it). */
static hy_status as_step(ir_graph *g, ir_node *n, chain_step *st, bool *ok) {
  *ok = false;
  const ir_op_info *op = ir_op_get(n->op);
  bool unary = op->infer == infer_unary && n->n_in == 1;
  bool binary = op->infer == infer_binary && n->n_in == 2 && n->version >= 7;
  if ((!unary && !binary) || n->n_out != 1 || !n->out[0] ||
      n->out[0]->type.dtype != HY_DTYPE_FLOAT || !ir_type_is_static(&n->out[0]->type))
    return HY_OK;
  for (int32_t i = 0; i < n->n_in; i++)
    if (!n->in[i] || n->in[i]->type.dtype != HY_DTYPE_FLOAT || !ir_type_is_static(&n->in[i]->type))
      return HY_OK;
  ew_step e;
  if (unary) {
    hy_status s = ew_unary_step(g, n, &e);
    if (s != HY_OK) return s;
  } else {
    e = ew_binary_step(n);
  }
  if (!hy_ew_chain_supports(e.kind, e.code)) return HY_OK;
  *st = (chain_step){.node = n, .step = e};
  *ok = true;
  return HY_OK;
}

static int32_t step_of(const chain_group *c, const ir_node *n) {
  for (int32_t i = 0; i < c->n; i++)
    if (c->steps[i].node == n) return i;
  return -1;
}

/* The values the group reads from outside it, once each; false past HY_EW_CHAIN_MAX_IN. */
static bool collect_inputs(chain_group *c) {
  c->n_inputs = 0;
  for (int32_t i = 0; i < c->n; i++) {
    const ir_node *n = c->steps[i].node;
    for (int32_t k = 0; k < n->n_in; k++) {
      ir_value *v = n->in[k];
      bool seen = v->producer && step_of(c, v->producer) >= 0;
      for (int32_t j = 0; j < c->n_inputs && !seen; j++) seen = c->inputs[j] == v;
      if (seen) continue;
      if (c->n_inputs == HY_EW_CHAIN_MAX_IN) return false;
      c->inputs[c->n_inputs++] = v;
    }
  }
  return true;
}

/* p may join: every reader of its output is in the group, which keeps the root's shape. */
static bool may_join(const ir_graph *g, const chain_group *c, const ir_node *p) {
  const ir_value *v = p->out[0];
  if (step_of(c, p) >= 0 || ir_is_graph_output(g, v) || v->n_uses == 0 ||
      !ir_match_same_type(&v->type, &c->steps[0].node->out[0]->type))
    return false;
  for (int32_t u = 0; u < v->n_uses; u++)
    if (step_of(c, v->uses[u].node) < 0) return false;
  return true;
}

/* Grows the group rooted at steps[0] until no producer can join. */
static hy_status grow(ir_graph *g, chain_group *c) {
  for (bool grew = true; grew && c->n < HY_EW_CHAIN_MAX_STEPS;) {
    grew = false;
    for (int32_t i = 0; i < c->n && c->n < HY_EW_CHAIN_MAX_STEPS; i++) {
      ir_node *n = c->steps[i].node;
      for (int32_t k = 0; k < n->n_in && c->n < HY_EW_CHAIN_MAX_STEPS; k++) {
        ir_node *p = n->in[k]->producer;
        bool ok = false;
        if (!p || !may_join(g, c, p)) continue;
        hy_status s = as_step(g, p, &c->steps[c->n], &ok);
        if (s != HY_OK) return s;
        if (!ok) continue;
        c->n++;
        if (!collect_inputs(c)) { /* too many inputs with p: leave it out */
          c->n--;
          continue;
        }
        grew = true;
      }
    }
  }
  collect_inputs(c); /* the inputs of the steps kept (it held with each one added) */
  return HY_OK;
}

/* Orders the steps so each comes after the steps it reads (the root, which reads them all
 * directly or not, ends last). */
static void order_steps(chain_group *c) {
  chain_step out[HY_EW_CHAIN_MAX_STEPS];
  bool placed[HY_EW_CHAIN_MAX_STEPS] = {false};
  for (int32_t n_out = 0; n_out < c->n;) {
    for (int32_t i = 0; i < c->n; i++) {
      if (placed[i]) continue;
      const ir_node *n = c->steps[i].node;
      bool ready = true;
      for (int32_t k = 0; k < n->n_in && ready; k++) {
        int32_t j = n->in[k]->producer ? step_of(c, n->in[k]->producer) : -1;
        ready = j < 0 || placed[j];
      }
      if (!ready) continue;
      placed[i] = true;
      out[n_out++] = c->steps[i];
    }
  }
  memcpy(c->steps, out, sizeof(chain_step) * (size_t)c->n);
}

/* The operand index the fused node's steps use for v: an input, or n_inputs + the step. */
static int64_t operand_of(const chain_group *c, const ir_value *v) {
  int32_t j = v->producer ? step_of(c, v->producer) : -1;
  if (j >= 0) return c->n_inputs + j;
  for (int32_t i = 0; i < c->n_inputs; i++)
    if (c->inputs[i] == v) return i;
  return -1; /* not reached: collect_inputs saw every value */
}

/* FusedElementwise(inputs) → the root's output, where the root stood; the group's nodes go. */
static hy_status replace(ir_graph *g, chain_group *c, ir_node **made) {
  ir_node *root = c->steps[0].node;
  order_steps(c);
  char *name = arena_printf(g->a, "%s/FusedElementwise", root->name);
  ir_node *n = name ? ir_node_new(g, OP_FusedElementwise, NULL, name, c->n_inputs, 1) : NULL;
  ir_attr *at = arena_array(g->a, 2, sizeof *at);
  int64_t *steps = arena_array(g->a, 4 * (size_t)c->n, sizeof *steps);
  float *params = arena_array(g->a, 2 * (size_t)c->n, sizeof *params);
  if (!n || !at || !steps || !params) return pass_oom(g);
  for (int32_t i = 0; i < c->n; i++) {
    const chain_step *st = &c->steps[i];
    int64_t *sp = steps + 4 * i;
    sp[0] = st->step.kind;
    sp[1] = st->step.code;
    sp[2] = operand_of(c, st->node->in[0]);
    sp[3] = st->step.kind == HY_EW_CHAIN_BINARY ? operand_of(c, st->node->in[1]) : -1;
    params[2 * i] = st->step.alpha;
    params[2 * i + 1] = st->step.beta;
  }
  at[0] = (ir_attr){.name = "steps", .kind = IR_ATTR_INTS, .ints = steps, .n = 4 * c->n};
  at[1] = (ir_attr){.name = "params", .kind = IR_ATTR_FLOATS, .floats = params, .n = 2 * c->n};
  n->attrs = at;
  n->n_attrs = 2;
  n->domain = ir_op_get(OP_FusedElementwise)->domain;
  n->opset = n->version = 1;
  n->file = root->file;
  ir_node_move_before(g, n, root);
  ir_value *y = root->out[0];
  for (int32_t i = 0; i < c->n; i++) ir_node_remove(g, c->steps[i].node);
  for (int32_t i = 0; i < c->n_inputs; i++) ir_node_set_input(g, n, i, c->inputs[i]);
  ir_node_set_output(g, n, 0, y);
  *made = n;
  return pass_infer_node(g, n);
}

/* Last node first: a group's root is the last node of its chain, so each chain is taken whole
 * by the group of its root before its earlier nodes are visited. */
hy_status pass_fuse_elementwise(ir_graph *g) {
  for (ir_node *n = g->last, *prev; n; n = prev) {
    prev = n->prev;
    chain_group c = {.n = 1};
    bool ok = false;
    hy_status s = as_step(g, n, &c.steps[0], &ok);
    if (s == HY_OK && ok) s = grow(g, &c);
    if (s != HY_OK) return s;
    if (!ok || c.n < 2) continue;
    ir_node *made = NULL;
    if ((s = replace(g, &c, &made)) != HY_OK) return s;
    prev = made->prev;
  }
  return HY_OK;
}
