/* LayerNorm fusion: the decomposition PyTorch exports for nn.LayerNorm (opsets < 17),
 *   m = ReduceMean(x, axes=[-1]); d = Sub(x, m); v = ReduceMean(Pow(d, 2), axes=[-1])
 *   y = Add(Mul(Div(d, Sqrt(Add(v, eps))), gamma), beta)
 * (Mul/Add operands in either order) becomes one LayerNormalization(x, gamma, beta, axis=-1,
 * epsilon=eps) node: one pass computing the row statistics and the normalised row instead of
 * nine passes over the activation. Fused only for float32 x, constant gamma and beta of x's last
 * dim, a scalar constant eps, exponent 2, reductions over the last axis with kept dims, and
 * intermediates nothing else reads (d is read by exactly the Pow and the Div). */
#include "ir/match.h"
#include "passes/pass_internal.h"

typedef struct ln_match {
  ir_node *nodes[9]; /* the chain, last first */
  ir_value *x, *gamma, *beta;
  float eps;
} ln_match;

/* n is ReduceMean over x's last axis only, keeping it. */
static bool mean_over_last(const ir_node *n) {
  const int64_t *axes;
  int32_t count;
  if (n->op != OP_ReduceMean || n->n_in != 1 || !n->in[0]) return false;
  int32_t rank = n->in[0]->type.rank;
  if (!ir_attr_ints(n, "axes", &axes, &count) || count != 1) return false;
  if (axes[0] != -1 && axes[0] != rank - 1) return false;
  return ir_attr_int(n, "keepdims", 1) == 1;
}

/* A constant float vector of exactly c elements (gamma, beta). */
static bool row_const(const ir_value *v, int64_t c) {
  return v && v->data && v->type.dtype == HY_DTYPE_FLOAT && v->type.rank == 1 &&
         v->type.dims[0] == c;
}

/* Of a two-input node, the operand that is a row constant of c (*k), and the other one. */
static ir_value *split_row_const(const ir_node *n, int64_t c, ir_value **k) {
  if (n->n_in != 2) return NULL;
  for (int i = 0; i < 2; i++)
    if (row_const(n->in[i], c) && !row_const(n->in[1 - i], c)) {
      *k = n->in[i];
      return n->in[1 - i];
    }
  return NULL;
}

/* From the variance up: Sqrt(Add(ReduceMean(Pow(d, 2)), eps)) = s. */
static bool match_std(const ir_graph *g, ir_value *s, ir_value *d, ln_match *m) {
  ir_node *sq = ir_match_producer(s, OP_Sqrt);
  if (!sq || !ir_match_single_use(g, s)) return false;
  ir_value *e = sq->in[0];
  ir_node *add = ir_match_producer(e, OP_Add);
  if (!add || !ir_match_single_use(g, e) || add->n_in != 2) return false;
  double eps;
  int ce = ir_match_const_scalar(add->in[1], &eps) ? 1 : ir_match_const_scalar(add->in[0], &eps) ? 0 : -1;
  if (ce < 0 || !(eps >= 0)) return false;
  m->eps = (float)eps;
  ir_value *v = add->in[1 - ce];
  ir_node *mean = ir_match_producer(v, OP_ReduceMean);
  if (!mean || !ir_match_single_use(g, v) || !mean_over_last(mean)) return false;
  ir_value *p = mean->in[0];
  ir_node *pw = ir_match_producer(p, OP_Pow);
  if (!pw || !ir_match_single_use(g, p) || pw->in[0] != d || !ir_match_const_value(pw->in[1], 2.0, 0))
    return false;
  m->nodes[4] = sq, m->nodes[5] = add, m->nodes[6] = mean, m->nodes[7] = pw;
  return true;
}

/* d = Sub(x, ReduceMean(x)), d read by exactly the Pow and the Div. */
static bool match_centre(const ir_graph *g, ir_value *d, ln_match *m) {
  ir_node *sub = ir_match_producer(d, OP_Sub);
  if (!sub || d->n_uses != 2 || ir_is_graph_output(g, d)) return false;
  ir_value *x = sub->in[0], *mv = sub->in[1];
  ir_node *mean = ir_match_producer(mv, OP_ReduceMean);
  if (!mean || !ir_match_single_use(g, mv) || mean->in[0] != x || !mean_over_last(mean)) return false;
  m->nodes[3] = sub, m->nodes[8] = mean;
  m->x = x;
  return true;
}

static bool match_layernorm(const ir_graph *g, ir_node *last, ln_match *m) {
  if (last->op != OP_Add || last->n_out != 1 || !last->out[0]) return false;
  const ir_type *yt = &last->out[0]->type;
  if (yt->dtype != HY_DTYPE_FLOAT || yt->rank < 1) return false;
  int64_t c = yt->dims[yt->rank - 1];
  ir_value *y1 = split_row_const(last, c, &m->beta);
  ir_node *mul = ir_match_producer(y1, OP_Mul);
  if (!mul || !ir_match_single_use(g, y1)) return false;
  ir_value *q = split_row_const(mul, c, &m->gamma);
  ir_node *div = ir_match_producer(q, OP_Div);
  if (!div || !ir_match_single_use(g, q)) return false;
  ir_value *d = div->in[0];
  m->nodes[0] = last, m->nodes[1] = mul, m->nodes[2] = div;
  if (!match_centre(g, d, m) || !match_std(g, div->in[1], d, m)) return false;
  /* y has x's type: nothing in the chain broadcast x to a larger shape */
  const ir_type *xt = &m->x->type;
  if (xt->dtype != yt->dtype || xt->rank != yt->rank) return false;
  for (int32_t i = 0; i < xt->rank; i++)
    if (xt->dims[i] != yt->dims[i]) return false;
  return true;
}

/* LayerNormalization(x, gamma, beta) → the chain's output, where the chain's last node stood. */
static hy_status replace_chain(ir_graph *g, const ln_match *m, ir_node **made) {
  ir_node *last = m->nodes[0];
  ir_value *y = last->out[0];
  char *name = arena_printf(g->a, "%s/LayerNormalization", last->name);
  ir_node *n = name ? ir_node_new(g, OP_LayerNormalization, NULL, name, 3, 1) : NULL;
  ir_attr *at = arena_array(g->a, 2, sizeof *at);
  if (!n || !at) return pass_oom(g);
  at[0] = (ir_attr){.name = "axis", .kind = IR_ATTR_INT, .i = -1};
  at[1] = (ir_attr){.name = "epsilon", .kind = IR_ATTR_FLOAT, .f = m->eps};
  n->attrs = at;
  n->n_attrs = 2;
  n->opset = 17;
  ir_node_move_before(g, n, last);
  for (int i = 0; i < 9; i++) ir_node_remove(g, m->nodes[i]);
  ir_node_set_input(g, n, 0, m->x);
  ir_node_set_input(g, n, 1, m->gamma);
  ir_node_set_input(g, n, 2, m->beta);
  ir_node_set_output(g, n, 0, y);
  *made = n;
  return pass_infer_node(g, n);
}

static hy_status rewrite(ir_graph *g, ir_node *n, void *ctx, ir_node **made) {
  (void)ctx;
  ln_match m;
  return match_layernorm(g, n, &m) ? replace_chain(g, &m, made) : HY_OK;
}

hy_status pass_fuse_layernorm(ir_graph *g) { return ir_rewrite_worklist(g, rewrite, NULL); }
