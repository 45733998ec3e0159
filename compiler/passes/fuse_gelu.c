/* GELU fusion: the exact-erf GELU as PyTorch exports it,
 *   y = Mul(Mul(x, Add(Erf(Div(x, sqrt 2)), 1)), 0.5)
 * (operands of Mul/Add in either order, Div by sqrt 2 or Mul by 1/sqrt 2), becomes one Gelu node
 * computing x * 0.5 * (1 + erf(x / sqrt 2)) in one pass over the data instead of five. Only
 * float32 chains whose constants are those values (scalars or splats), whose intermediates have no
 * other reader and whose shape stays x's are fused. Matched at the chain's last Mul, through
 * ir/match.h, by the worklist driver. */
#include "ir/match.h"
#include "passes/pass_internal.h"

#define FUSE_SQRT2 1.41421356237309504880
#define FUSE_REL 1e-6 /* the float rounding of the constants */

/* a = x / sqrt 2 (or x * (1 / sqrt 2)) by a node whose only output is a. */
static bool is_x_over_sqrt2(const ir_graph *g, const ir_value *a, const ir_value *x) {
  const ir_node *s = a ? a->producer : NULL;
  ir_value *other;
  if (!s || !ir_match_single_use(g, a) || s->n_in != 2) return false;
  if (s->op == OP_Div) return s->in[0] == x && ir_match_const_value(s->in[1], FUSE_SQRT2, FUSE_REL);
  return s->op == OP_Mul && ir_match_const_operand(s, 1 / FUSE_SQRT2, FUSE_REL, &other) &&
         other == x;
}

/* The chain ending at `last`, its nodes in chain[0..5) (last first) and its input in *x. */
static bool match_gelu(const ir_graph *g, ir_node *last, ir_node *chain[5], ir_value **x) {
  ir_value *d;
  if (last->op != OP_Mul || last->n_out != 1 || !last->out[0]) return false;
  if (!ir_match_const_operand(last, 0.5, FUSE_REL, &d)) return false;
  ir_node *mul = ir_match_producer(d, OP_Mul);
  if (!mul || !ir_match_single_use(g, d) || mul->n_in != 2) return false;
  for (int k = 0; k < 2; k++) {
    ir_value *c = mul->in[k], *xv = mul->in[1 - k], *e;
    ir_node *add = ir_match_producer(c, OP_Add);
    if (!add || !ir_match_single_use(g, c) || !ir_match_const_operand(add, 1.0, FUSE_REL, &e))
      continue;
    ir_node *erf = ir_match_producer(e, OP_Erf);
    if (!erf || !ir_match_single_use(g, e) || !is_x_over_sqrt2(g, erf->in[0], xv)) continue;
    if (xv->type.dtype != HY_DTYPE_FLOAT || !ir_match_same_type(&xv->type, &last->out[0]->type))
      continue;
    chain[0] = last, chain[1] = mul, chain[2] = add, chain[3] = erf;
    chain[4] = erf->in[0]->producer;
    *x = xv;
    return true;
  }
  return false;
}

/* Gelu(x) → last's output, where last stood; the chain's nodes go. */
static hy_status replace_chain(ir_graph *g, ir_node *chain[5], ir_value *x, ir_node **made) {
  ir_node *last = chain[0];
  ir_value *y = last->out[0];
  char *name = arena_printf(g->a, "%s/Gelu", last->name);
  ir_node *n = name ? ir_node_new(g, OP_Gelu, "Gelu", name, 1, 1) : NULL;
  if (!n) return pass_oom(g);
  ir_node_move_before(g, n, last);
  for (int i = 0; i < 5; i++)
    ir_node_remove(g, chain[i]);
  ir_node_set_input(g, n, 0, x);
  ir_node_set_output(g, n, 0, y);
  *made = n;
  return pass_infer_node(g, n);
}

static hy_status rewrite(ir_graph *g, ir_node *n, void *ctx, ir_node **made) {
  (void)ctx;
  ir_node *chain[5];
  ir_value *x;
  return match_gelu(g, n, chain, &x) ? replace_chain(g, chain, x, made) : HY_OK;
}

hy_status pass_fuse_gelu(ir_graph *g) { return ir_rewrite_worklist(g, rewrite, NULL); }
