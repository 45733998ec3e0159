/* Attention fusion: the scaled-dot-product attention that exporters write as separate nodes,
 *   Q4 = Transpose(Reshape(Q3, [B,Sq,H,D]), 0,2,1,3)     (K: Transpose 0,2,3,1, or 0,2,1,3
 *   K4t, V4 likewise                                       then 0,1,3,2)
 *   L = MatMul(Q4, K4t) scaled (Div or Mul by a scalar, after the MatMul or on Q and K before it,
 *       as torch 2's decomposition scales each by sqrt(scale)), plus an optional mask (Add of a
 *       float mask, or Where(cond, L, fill) / Where(cond, fill, L))
 *   Y3 = Reshape(Transpose(MatMul(Softmax(L, -1), V4), 0,2,1,3), [B,Sq,H*Dv])
 * becomes one Attention node in its 3-D form: Attention(Q3, K3, V3, mask, q_num_heads=H,
 * kv_num_heads=H, scale), whose kernel reads the projections in place and never writes the
 * score matrix (runtime/src/kernels/attention.c). A Where mask (fill -inf or <= -1e9) becomes an
 * additive one, Where(cond, 0, fill) (or its mirror), of the condition's small shape. A query row
 * whose mask hides every key gives zeros, as torch 2's IsNaN guard makes it (torch 1.13 gives
 * NaN with a -inf fill).
 * Fused only for float32, scalar constant scales whose product is finite and > 0, a mask whose
 * last dim is the key count and that broadcasts to the scores without enlarging them, and
 * intermediates from the scores to the merged output that nothing else reads. A Softmax between
 * two MatMuls that is left unfused is a near miss (g->stats.attention_near_miss). */
#include <math.h>

#include "ir/match.h"
#include "passes/pass_internal.h"

/* A Where fill at or below this (-inf, finfo.min, -1e9) masks the same once it becomes an
 * additive mask: exp of it, plus any score, is 0 next to an attended key. */
#define ATTN_FILL_MAX -1e9

typedef struct attn_match {
  ir_node *chain[16]; /* scores to merged output: removed by the rewrite */
  int n_chain;
  ir_node *last; /* the head merge's Reshape: the fused node takes its place */
  ir_value *q, *k, *v, *y;
  ir_value *mask;               /* additive float mask, or NULL */
  ir_value *cond, *fill;        /* a Where mask: cond, fill constant */
  int fill_slot;                /* the Where slot that holds fill (1 or 2) */
  int64_t heads, v_heads, d, dv;
  double scale;
} attn_match;

static bool add_chain(attn_match *m, ir_node *n) {
  if (m->n_chain >= (int)(sizeof m->chain / sizeof m->chain[0])) return false;
  m->chain[m->n_chain++] = n;
  return true;
}

/* n is Mul or Div of a float scalar constant and one other operand, its output shaped like that
 * operand: *x that operand, *factor what it multiplies by. */
static bool scalar_scale(const ir_node *n, ir_value **x, double *factor) {
  double c;
  if (!n || n->n_in != 2 || !n->out[0] || (n->op != OP_Mul && n->op != OP_Div)) return false;
  for (int k = 1; k >= 0; k--) {
    if (!ir_match_const_scalar(n->in[k], &c)) continue;
    if (n->op == OP_Div && k == 0) return false; /* c / x is no scale */
    if (!ir_match_same_type(&n->in[1 - k]->type, &n->out[0]->type)) return false;
    *x = n->in[1 - k];
    *factor = n->op == OP_Div ? 1.0 / c : c;
    return true;
  }
  return false;
}

/* r = Reshape(Transpose(Reshape(x4, [a*b, c, d]), 0,2,1), [a,b,d,c]): torch 2's transpose of
 * the last two axes of a 4-D x4 [a,b,c,d] by way of 3-D; *x4 gets it. */
static bool swap_last_two(const ir_node *r, ir_value **x4) {
  const ir_type *o = &r->out[0]->type;
  ir_node *t = ir_match_producer(r->in[0], OP_Transpose);
  const int64_t *perm;
  int32_t np;
  if (o->rank != 4 || !t || !ir_attr_ints(t, "perm", &perm, &np) || np != 3 || perm[0] != 0 ||
      perm[1] != 2 || perm[2] != 1)
    return false;
  ir_node *r0 = ir_match_producer(t->in[0], OP_Reshape);
  if (!r0) return false;
  const ir_type *i = &r0->in[0]->type, *m = &r0->out[0]->type;
  if (i->rank != 4 || m->rank != 3 || m->dims[0] != i->dims[0] * i->dims[1] ||
      m->dims[1] != i->dims[2] || m->dims[2] != i->dims[3])
    return false;
  for (int k = 0; k < 2; k++)
    if (o->dims[k] != i->dims[k]) return false;
  if (o->dims[2] != i->dims[3] || o->dims[3] != i->dims[2]) return false;
  *x4 = r0->in[0];
  return true;
}

/* The head split behind a 4-D operand: v is Transposes (and scalar scales) of Reshape(src,
 * [B,S,H,D]) where src is [B,S,H*D] and v's axes are src's (0,2,1,3) (want_k: (0,2,3,1)).
 * Scales multiply into *factor. Nothing here needs a single reader: the fused node reads src. */
static bool trace_split(const ir_value *v, bool want_k, ir_value **src, int64_t *h, int64_t *d,
                        double *factor) {
  int map[4] = {0, 1, 2, 3}; /* v's axis i is axis map[i] of the value being walked */
  const ir_value *cur = v;
  if (v->type.rank != 4 || v->type.dtype != HY_DTYPE_FLOAT || !ir_type_is_static(&v->type))
    return false;
  for (int steps = 0; steps < 8; steps++) {
    ir_node *p = cur->producer;
    ir_value *x;
    double f;
    if (!p || cur->data) return false;
    if (p->op == OP_Reshape && swap_last_two(p, &x)) { /* torch 2's K^T via 3-D */
      int swap[4] = {0, 1, 3, 2};
      for (int i = 0; i < 4; i++) map[i] = swap[map[i]];
      cur = x;
    } else if (p->op == OP_Transpose) {
      const int64_t *perm;
      int32_t np;
      if (!ir_attr_ints(p, "perm", &perm, &np) || np != 4) return false;
      for (int i = 0; i < 4; i++) {
        if (perm[map[i]] < 0 || perm[map[i]] > 3) return false;
        map[i] = (int)perm[map[i]];
      }
      cur = p->in[0];
    } else if (scalar_scale(p, &x, &f)) {
      *factor *= f;
      cur = x;
    } else if (p->op == OP_Reshape) {
      const ir_type *in = &p->in[0]->type, *out = &cur->type;
      if (!ir_type_is_static(in) || !ir_type_is_static(out) || in->rank != 3 ||
          out->rank != 4 || in->dims[0] != out->dims[0] ||
          in->dims[1] != out->dims[1] || in->dims[2] != out->dims[2] * out->dims[3])
        return false;
      static const int q_perm[4] = {0, 2, 1, 3}, k_perm[4] = {0, 2, 3, 1};
      const int *want = want_k ? k_perm : q_perm;
      for (int i = 0; i < 4; i++)
        if (map[i] != want[i]) return false;
      *h = out->dims[2], *d = out->dims[3];
      x = p->in[0];
      /* a scale on the projection itself, before the split */
      while (x->producer && scalar_scale(x->producer, src, &f)) *factor *= f, x = *src;
      *src = x;
      return true;
    } else {
      return false;
    }
  }
  return false;
}

/* s (the scores, peeled of their scales) = MatMul(Q4, K4t): the three sources. */
static bool match_scores(const ir_graph *g, ir_value *s, attn_match *m) {
  ir_value *x;
  double f;
  while (s->producer && scalar_scale(s->producer, &x, &f)) {
    if (!ir_match_single_use(g, s) || !add_chain(m, s->producer)) return false;
    m->scale *= f;
    s = x;
  }
  ir_node *mm = ir_match_producer(s, OP_MatMul);
  if (!mm || !ir_match_single_use(g, s) || !add_chain(m, mm)) return false;
  int64_t hk, dk;
  if (!trace_split(mm->in[0], false, &m->q, &m->heads, &m->d, &m->scale) ||
      !trace_split(mm->in[1], true, &m->k, &hk, &dk, &m->scale))
    return false;
  return hk == m->heads && dk == m->d && m->q->type.dims[0] == m->k->type.dims[0];
}

/* The mask's shape fits Attention's attn_mask: at most 4-D, last dim the key count, broadcasting
 * to the scores without enlarging them. */
static bool mask_shape_ok(const ir_type *mt, const ir_type *scores) {
  return mt->rank >= 1 && mt->rank <= 4 && mt->dims[mt->rank - 1] == scores->dims[3] &&
         ir_match_broadcasts_to(mt, scores);
}

/* l, the Softmax's input: scores, scores + mask, or a Where between scores and a fill. */
static bool match_logits(const ir_graph *g, ir_value *l, attn_match *m) {
  ir_node *p = l->producer;
  if (!p || l->data) return false;
  const ir_type *lt = &l->type;
  if (p->op == OP_Add && ir_match_single_use(g, l)) {
    for (int k = 0; k < 2; k++) {
      ir_value *s = p->in[k], *mk = p->in[1 - k];
      if (!ir_match_same_type(&s->type, lt) || mk->type.dtype != HY_DTYPE_FLOAT ||
          !mask_shape_ok(&mk->type, lt))
        continue;
      attn_match t = *m;
      if (!add_chain(&t, p)) return false;
      t.mask = mk;
      if (match_scores(g, s, &t)) {
        *m = t;
        return true;
      }
    }
    return false;
  }
  if (p->op == OP_Where && ir_match_single_use(g, l) && p->n_in == 3) {
    for (int k = 1; k <= 2; k++) {
      ir_value *s = p->in[k], *fill = p->in[3 - k], *c = p->in[0];
      double fv;
      if (!ir_match_same_type(&s->type, lt) || !ir_match_const_scalar(fill, &fv) ||
          fill->type.dtype != HY_DTYPE_FLOAT || c->type.dtype != HY_DTYPE_BOOL ||
          !mask_shape_ok(&c->type, lt) || !(fv <= ATTN_FILL_MAX))
        continue;
      attn_match t = *m;
      if (!add_chain(&t, p)) return false;
      t.cond = c, t.fill = fill, t.fill_slot = 3 - k;
      if (match_scores(g, s, &t)) {
        *m = t;
        return true;
      }
    }
    return false;
  }
  return match_scores(g, l, m);
}

/* Softmax over the last axis of a 4-D float tensor. */
static bool softmax_last(const ir_node *sm) {
  if (sm->op != OP_Softmax || !sm->out[0] || sm->in[0]->type.rank != 4) return false;
  int64_t axis = ir_attr_int(sm, "axis", sm->version >= 13 ? -1 : 1);
  return (axis == -1 || axis == 3) && sm->in[0]->type.dtype == HY_DTYPE_FLOAT;
}

/* torch 2 zeroes the probabilities of a row that masks every key: *pr (the Softmax's output)
 * read by exactly IsNaN(pr) and Where(IsNaN(pr), 0, pr) becomes that Where's output, as the
 * fused kernel gives such a row zeros. */
static bool isnan_guard(const ir_graph *g, ir_value **pr, attn_match *m) {
  ir_value *p = *pr;
  if (p->n_uses != 2 || ir_is_graph_output(g, p)) return false;
  for (int k = 0; k < 2; k++) {
    ir_node *nan = p->uses[k].node, *w = p->uses[1 - k].node;
    if (nan->op != OP_IsNaN || w->op != OP_Where || w->n_in != 3 || w->in[0] != nan->out[0] ||
        w->in[2] != p || !ir_match_const_value(w->in[1], 0.0, 0) ||
        !ir_match_single_use(g, nan->out[0]) || !ir_match_single_use(g, w->out[0]) ||
        !ir_match_same_type(&w->out[0]->type, &p->type))
      continue;
    if (!add_chain(m, nan) || !add_chain(m, w)) return false;
    *pr = w->out[0];
    return true;
  }
  return false;
}

/* Below the Softmax: MatMul(P, V4) → Transpose(0,2,1,3) → Reshape to [B,Sq,H*Dv]. */
static bool match_output(const ir_graph *g, ir_node *sm, attn_match *m) {
  ir_value *pr = sm->out[0];
  if (!isnan_guard(g, &pr, m) && !ir_match_single_use(g, pr)) return false;
  ir_node *pv = pr->uses[0].node;
  if (pv->op != OP_MatMul || pv->in[0] != pr || !ir_match_single_use(g, pv->out[0])) return false;
  ir_node *tr = pv->out[0]->uses[0].node;
  const int64_t *perm;
  int32_t np;
  if (tr->op != OP_Transpose || !ir_attr_ints(tr, "perm", &perm, &np) || np != 4 ||
      perm[0] != 0 || perm[1] != 2 || perm[2] != 1 || perm[3] != 3 ||
      !ir_match_single_use(g, tr->out[0]))
    return false;
  ir_node *rs = tr->out[0]->uses[0].node;
  if (rs->op != OP_Reshape || rs->in[0] != tr->out[0] || !rs->out[0]) return false;
  const ir_type *t4 = &tr->out[0]->type, *y = &rs->out[0]->type;
  if (y->rank != 3 || t4->rank != 4 || y->dims[0] != t4->dims[0] || y->dims[1] != t4->dims[1] ||
      y->dims[2] != t4->dims[2] * t4->dims[3])
    return false;
  double vf = 1.0;
  if (!trace_split(pv->in[1], false, &m->v, &m->v_heads, &m->dv, &vf) || vf != 1.0) return false;
  m->y = rs->out[0];
  m->last = rs;
  return add_chain(m, sm) && add_chain(m, pv) && add_chain(m, tr) && add_chain(m, rs);
}

static bool match_attention(const ir_graph *g, ir_node *sm, attn_match *m) {
  *m = (attn_match){.scale = 1.0};
  if (!softmax_last(sm) || !match_output(g, sm, m) || !match_logits(g, sm->in[0], m)) return false;
  const ir_type *q = &m->q->type, *k = &m->k->type, *v = &m->v->type;
  if (m->v_heads != m->heads || v->dims[0] != q->dims[0] || v->dims[1] != k->dims[1]) return false;
  return isfinite(m->scale) && m->scale > 0;
}

static ir_value *float_const(ir_graph *g, float f) {
  float *p = arena_alloc(g->a, sizeof *p);
  if (!p) return NULL;
  *p = f;
  ir_value *c = ir_const_new(g, "attention_zero", HY_DTYPE_FLOAT, 0, NULL, p);
  return c ? ir_const_intern(g, c) : NULL;
}

static ir_attr int_attr(const char *name, int64_t v) {
  return (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}

/* Attention(Q3, K3, V3, mask) → the merged output, where the chain's last node stood. */
static hy_status replace_chain(ir_graph *g, attn_match *m, ir_node **made) {
  ir_node *last = m->last;
  ir_value *mask = m->mask;
  if (m->cond) { /* Where(cond, S, fill) → additive Where(cond, 0, fill) */
    ir_value *zero = float_const(g, 0.0f);
    char *wn = arena_printf(g->a, "%s/AttentionMask", last->name);
    ir_node *w = zero && wn ? ir_node_new(g, OP_Where, "Where", wn, 3, 1) : NULL;
    mask = w ? ir_value_new(g, wn) : NULL;
    if (!mask) return pass_oom(g);
    w->opset = w->version = 16;
    ir_node_move_before(g, w, last);
    ir_node_set_input(g, w, 0, m->cond);
    ir_node_set_input(g, w, m->fill_slot, m->fill);
    ir_node_set_input(g, w, 3 - m->fill_slot, zero);
    ir_node_set_output(g, w, 0, mask);
    hy_status s = ir_op_get(OP_Where)->infer(g, w);
    if (s != HY_OK) return s;
  }
  char *name = arena_printf(g->a, "%s/FusedAttention", last->name);
  ir_node *n = name ? ir_node_new(g, OP_Attention, "Attention", name, mask ? 4 : 3, 1) : NULL;
  ir_attr *at = arena_array(g->a, 3, sizeof *at);
  if (!n || !at) return pass_oom(g);
  at[0] = int_attr("q_num_heads", m->heads);
  at[1] = int_attr("kv_num_heads", m->heads);
  at[2] = (ir_attr){.name = "scale", .kind = IR_ATTR_FLOAT, .f = (float)m->scale};
  n->attrs = at;
  n->n_attrs = 3;
  n->opset = n->version = 23;
  ir_node_move_before(g, n, last);
  for (int i = m->n_chain - 1; i >= 0; i--) ir_node_remove(g, m->chain[i]);
  ir_node_set_input(g, n, 0, m->q);
  ir_node_set_input(g, n, 1, m->k);
  ir_node_set_input(g, n, 2, m->v);
  if (mask) ir_node_set_input(g, n, 3, mask);
  ir_node_set_output(g, n, 0, m->y);
  g->stats.attention_fused++;
  *made = n;
  return ir_op_get(OP_Attention)->infer(g, n);
}

static hy_status rewrite(ir_graph *g, ir_node *n, void *ctx, ir_node **made) {
  (void)ctx;
  attn_match m;
  return match_attention(g, n, &m) ? replace_chain(g, &m, made) : HY_OK;
}

/* v comes from a MatMul within a few elementwise steps (the scores, scaled or masked). */
static bool from_matmul(const ir_value *v, int depth) {
  const ir_node *p = v && !v->data ? v->producer : NULL;
  if (!p || depth > 4) return false;
  if (p->op == OP_MatMul) return true;
  for (int32_t i = 0; i < p->n_in; i++)
    if (from_matmul(p->in[i], depth + 1)) return true;
  return false;
}

/* A Softmax left between a MatMul's scores and a MatMul with values looked like attention. */
static bool near_miss(const ir_node *n) {
  if (n->op != OP_Softmax || !n->out[0] || !from_matmul(n->in[0], 0)) return false;
  for (int32_t u = 0; u < n->out[0]->n_uses; u++)
    if (n->out[0]->uses[u].node->op == OP_MatMul) return true;
  return false;
}

hy_status pass_fuse_attention(ir_graph *g) {
  hy_status s = ir_rewrite_worklist(g, rewrite, NULL);
  if (s != HY_OK) return s;
  for (ir_node *n = g->first; n; n = n->next) g->stats.attention_near_miss += near_miss(n);
  return pass_dce(g);
}
