/* GELU fusion: the exact-erf GELU as PyTorch exports it,
 *   y = Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)
 * (operands of Mul/Add in either order, Div by sqrt 2 or Mul by 1/sqrt 2), becomes one Gelu node
 * computing x * 0.5 * (1 + erf(x / sqrt 2)) in one pass over the data instead of five. Only
 * float32 chains whose constants are those values, whose intermediates have no other reader and
 * whose shape stays x's are fused. */
#include "passes/fuse_util.h"

#define FUSE_SQRT2 1.41421356237309504880
#define FUSE_REL 1e-6 /* the float rounding of the constants */

static bool same_type(const ir_type *a, const ir_type *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* Of n's operands, the one that is not the scalar constant `want` (NULL when none is). */
static ir_value *other_than_const(const ir_node *n, double want) {
  if (n->n_in != 2) return NULL;
  if (fuse_const_is(n->in[1], want, FUSE_REL)) return n->in[0];
  if (fuse_const_is(n->in[0], want, FUSE_REL)) return n->in[1];
  return NULL;
}

/* a = x / sqrt 2 (or x * (1 / sqrt 2)) by a node whose only output is a. */
static bool is_x_over_sqrt2(const ir_graph *g, const ir_value *a, const ir_value *x) {
  const ir_node *s = a ? a->producer : NULL;
  if (!s || !fuse_private(g, a) || s->n_in != 2) return false;
  if (s->op == OP_Div) return s->in[0] == x && fuse_const_is(s->in[1], FUSE_SQRT2, FUSE_REL);
  return s->op == OP_Mul && other_than_const(s, 1 / FUSE_SQRT2) == x;
}

/* The chain ending at `last`, its nodes in chain[0..5) (last first) and its input in *x. */
static bool match_gelu(const ir_graph *g, ir_node *last, ir_node *chain[5], ir_value **x) {
  if (last->op != OP_Mul || last->n_out != 1 || !last->out[0]) return false;
  ir_value *d = other_than_const(last, 0.5);
  ir_node *mul = fuse_producer(d, OP_Mul);
  if (!mul || !fuse_private(g, d)) return false;
  for (int k = 0; k < 2; k++) {
    ir_value *c = mul->in[k], *xv = mul->in[1 - k];
    ir_node *add = fuse_producer(c, OP_Add);
    if (!add || !fuse_private(g, c)) continue;
    ir_value *e = other_than_const(add, 1.0);
    ir_node *erf = fuse_producer(e, OP_Erf);
    if (!erf || !fuse_private(g, e) || !is_x_over_sqrt2(g, erf->in[0], xv)) continue;
    if (xv->type.dtype != HY_DTYPE_FLOAT || !same_type(&xv->type, &last->out[0]->type))
      continue;
    chain[0] = last, chain[1] = mul, chain[2] = add, chain[3] = erf;
    chain[4] = erf->in[0]->producer;
    *x = xv;
    return true;
  }
  return false;
}

/* Gelu(x) → last's output, where last stood; the chain's nodes go. */
static hy_status replace_chain(ir_graph *g, ir_node *chain[5], ir_value *x) {
  ir_node *last = chain[0];
  ir_value *y = last->out[0];
  char *name = arena_printf(g->a, "%s/Gelu", last->name);
  ir_node *n = name ? ir_node_new(g, OP_Gelu, "Gelu", name, 1, 1) : NULL;
  if (!n) return pass_oom(g);
  fuse_move_before(g, n, last);
  for (int i = 0; i < 5; i++) ir_node_remove(g, chain[i]);
  ir_node_set_input(g, n, 0, x);
  ir_node_set_output(g, n, 0, y);
  return ir_op_get(OP_Gelu)->infer(g, n);
}

hy_status pass_fuse_gelu(ir_graph *g) {
  for (ir_node *n = g->first, *next; n; n = next) {
    next = n->next;
    ir_node *chain[5];
    ir_value *x;
    if (!match_gelu(g, n, chain, &x)) continue;
    hy_status s = replace_chain(g, chain, x);
    if (s != HY_OK) return s;
  }
  return g->a->failed ? pass_oom(g) : HY_OK;
}
