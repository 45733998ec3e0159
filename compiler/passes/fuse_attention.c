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
 * The splits and merges may take other routes (attn_layout.c follows any Transposes and Reshapes):
 * nn.MultiheadAttention folds the heads into the batch ([S,B*H,D] rows of [S,B,E] projections),
 * which the kernel reads as batch 1 with B*H heads, its masks reshaped to match. Up to three
 * masks may be stacked (causal, then padding); a constant that is exactly the causal triangle
 * (alone, or added to / masked_filled by the padding mask) becomes is_causal. Any other constant
 * mask (a Trilu with k != 0, an upper triangle) stays an explicit mask: exact, never is_causal.
 * Fused only for float32, scalar constant scales whose product is finite and > 0, a mask whose
 * last dim is the key count and that broadcasts to the scores without enlarging them, and
 * intermediates from the scores to the merged output that nothing else reads. A Softmax between
 * two MatMuls that is left unfused is a near miss (g->stats.attention_near_miss). */
#include <math.h>
#include <string.h>

#include "ir/match.h"
#include "passes/attn_causal.h"
#include "passes/attn_layout.h"
#include "passes/pass_internal.h"

/* A Where fill at or below this (-inf, finfo.min, -1e9) masks the same once it becomes an
 * additive mask: exp of it, plus any score, is 0 next to an attended key. */
#define ATTN_FILL_MAX -1e9

#define ATTN_MAX_TERMS 3

/* One mask on the scores: an additive float mask, or a Where between the scores and a fill. */
typedef struct attn_term {
  ir_value *add;             /* additive float mask, or NULL */
  ir_value *view;            /* or a mask to reshape (leading dims) to view_shape's: the other */
  const ir_type *view_shape; /* operand of a causal Add that the graph reshaped after adding */
  ir_value *cond, *fill;     /* a Where mask: cond, fill constant */
  int fill_slot;             /* the Where slot that holds fill (1 or 2) */
} attn_term;

typedef struct attn_match {
  ir_node *chain[24]; /* scores to merged output: removed by the rewrite */
  int n_chain;
  ir_node *last; /* the chain's last node: the fused node takes its place */
  attn_src q, k, v;
  ir_value *y;
  const ir_type *scores;
  attn_term term[ATTN_MAX_TERMS];
  int n_terms;
  double scale;
} attn_match;

static bool add_chain(attn_match *m, ir_node *n) {
  if (m->n_chain >= (int)(sizeof m->chain / sizeof m->chain[0])) return false;
  m->chain[m->n_chain++] = n;
  return true;
}

/* Q and K (or the probabilities' V) came from sources in one order, with the same heads. */
static bool same_heads(const attn_src *a, const attn_src *b) {
  if (a->order != b->order || a->n != b->n) return false;
  return a->order == ATTN_SBHD || (a->b == b->b && a->h == b->h);
}

/* s (the scores, peeled of their scales) = MatMul(Q, K^T): the two sources. */
static bool match_scores(const ir_graph *g, ir_value *s, attn_match *m) {
  ir_value *x;
  double f;
  while (s->producer && attn_scalar_scale(s->producer, &x, &f)) {
    if (!ir_match_single_use(g, s) || !add_chain(m, s->producer)) return false;
    m->scale *= f;
    s = x;
  }
  ir_node *mm = ir_match_producer(s, OP_MatMul);
  if (!mm || !ir_match_single_use(g, s) || !add_chain(m, mm)) return false;
  if (!attn_trace_operand(mm->in[0], false, &m->q) || !attn_trace_operand(mm->in[1], true, &m->k))
    return false;
  m->scale *= m->q.factor * m->k.factor;
  return same_heads(&m->q, &m->k) && m->q.d == m->k.d && mm->in[0]->type.rank == s->type.rank;
}

/* The mask's shape fits Attention's attn_mask: at most the scores' rank, last dim the key count,
 * broadcasting to the scores without enlarging them. */
static bool mask_shape_ok(const ir_type *mt, const ir_type *scores) {
  return mt->rank >= 1 && mt->rank <= scores->rank &&
         mt->dims[mt->rank - 1] == scores->dims[scores->rank - 1] &&
         ir_match_broadcasts_to(mt, scores);
}

/* l, the Softmax's input: the scores under up to ATTN_MAX_TERMS masks, each an Add of a float
 * mask or a Where between the scores and a fill (torch adds a padding mask to a causal one). */
static bool match_logits(const ir_graph *g, ir_value *l, attn_match *m) {
  ir_node *p = l->producer;
  if (!p || l->data) return false;
  const ir_type *lt = &l->type;
  if (m->n_terms < ATTN_MAX_TERMS && p->op == OP_Add && ir_match_single_use(g, l)) {
    for (int k = 0; k < 2; k++) {
      ir_value *s = p->in[k], *mk = p->in[1 - k];
      if (!ir_match_same_type(&s->type, lt) || mk->type.dtype != HY_DTYPE_FLOAT ||
          !mask_shape_ok(&mk->type, lt))
        continue;
      attn_match t = *m;
      if (!add_chain(&t, p)) return false;
      t.term[t.n_terms++] = (attn_term){.add = mk};
      if (match_logits(g, s, &t)) {
        *m = t;
        return true;
      }
    }
  }
  if (m->n_terms < ATTN_MAX_TERMS && p->op == OP_Where && ir_match_single_use(g, l) &&
      p->n_in == 3) {
    for (int k = 1; k <= 2; k++) {
      ir_value *s = p->in[k], *fill = p->in[3 - k], *c = p->in[0];
      double fv;
      if (!ir_match_same_type(&s->type, lt) || !ir_match_const_scalar(fill, &fv) ||
          fill->type.dtype != HY_DTYPE_FLOAT || c->type.dtype != HY_DTYPE_BOOL ||
          !mask_shape_ok(&c->type, lt) || !(fv <= ATTN_FILL_MAX))
        continue;
      attn_match t = *m;
      if (!add_chain(&t, p)) return false;
      t.term[t.n_terms++] = (attn_term){.cond = c, .fill = fill, .fill_slot = 3 - k};
      if (match_logits(g, s, &t)) {
        *m = t;
        return true;
      }
    }
  }
  return match_scores(g, l, m);
}

/* Softmax over the last axis of a 3-D or 4-D float tensor. */
static bool softmax_last(const ir_node *sm) {
  int32_t r = sm->in[0]->type.rank;
  if (sm->op != OP_Softmax || !sm->out[0] || (r != 3 && r != 4)) return false;
  int64_t axis = ir_attr_int(sm, "axis", sm->version >= 13 ? -1 : 1);
  return (axis == -1 || axis == r - 1) && sm->in[0]->type.dtype == HY_DTYPE_FLOAT;
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

/* Below the Softmax: MatMul(P, V), then Transposes and Reshapes merging the heads back. */
static bool match_output(const ir_graph *g, ir_node *sm, attn_match *m) {
  ir_value *pr = sm->out[0];
  if (!isnan_guard(g, &pr, m) && !ir_match_single_use(g, pr)) return false;
  ir_node *pv = pr->uses[0].node;
  if (pv->op != OP_MatMul || pv->in[0] != pr || !pv->out[0] ||
      pv->out[0]->type.rank != pr->type.rank)
    return false;
  if (!attn_trace_operand(pv->in[1], false, &m->v) || m->v.factor != 1.0) return false;
  ir_node *path[8];
  int np;
  if (!add_chain(m, sm) || !add_chain(m, pv) ||
      !attn_trace_output(g, pv->out[0], m->v.order, &m->y, path, &np, 8))
    return false;
  m->last = np ? path[np - 1] : pv;
  for (int i = 0; i < np; i++)
    if (!add_chain(m, path[i])) return false;
  return true;
}

static bool match_attention(const ir_graph *g, ir_node *sm, attn_match *m) {
  *m = (attn_match){.scale = 1.0};
  if (!softmax_last(sm) || !match_output(g, sm, m) || !match_logits(g, sm->in[0], m)) return false;
  m->scores = &sm->in[0]->type;
  if (!same_heads(&m->q, &m->v) || m->v.s != m->k.s) return false;
  return isfinite(m->scale) && m->scale > 0;
}

/* ---- the rewrite ---- */

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

/* The same, named after `before` (a node of the chain), placed before it. */
static ir_value *emit(ir_graph *g, ir_op op, const char *type, const char *what, ir_node *before,
                      ir_value *const *in, int n_in, ir_value *out) {
  char *name = arena_printf(g->a, "%s/%s", before->name ? before->name : "attention", what);
  return pass_emit_node(g, op, type, name, before, in, n_in, out);
}

static bool same_dims(const ir_type *t, int32_t rank, const int64_t *dims) {
  if (t->rank != rank) return false;
  for (int32_t i = 0; i < rank; i++)
    if (t->dims[i] != dims[i]) return false;
  return true;
}

/* x as the dims given: itself when it has them, else a Reshape (a copy). */
static ir_value *as_dims(ir_graph *g, ir_value *x, int32_t rank, const int64_t *dims,
                         ir_node *before, const char *what) {
  if (same_dims(&x->type, rank, dims)) return x;
  ir_value *sh = pass_shape_const(g, rank, dims);
  ir_value *in[2] = {x, sh};
  if (!sh) {
    pass_oom(g);
    return NULL;
  }
  return emit(g, OP_Reshape, "Reshape", what, before, in, 2, NULL);
}

/* v times exactly 1 (torch 1.13's baddbmm writes its beta so): the other operand, else v. */
static ir_value *peel_times_one(const ir_graph *g, ir_value *v) {
  ir_value *x;
  double f;
  if (v->producer && v->producer->op == OP_Mul && ir_match_single_use(g, v) &&
      attn_scalar_scale(v->producer, &x, &f) && f == 1.0)
    return x;
  return v;
}

/* r reshapes an Add's single-use [.., Sq, Sk] output by its leading dims only. */
static bool split_leading(const ir_graph *g, const ir_node *r) {
  ir_value *x = r->in[0];
  const ir_type *i = &x->type, *o = &r->out[0]->type;
  if (!ir_match_producer(x, OP_Add) || !ir_match_single_use(g, x) || i->rank < 2 || o->rank < 2)
    return false;
  return i->dims[i->rank - 1] == o->dims[o->rank - 1] &&
         i->dims[i->rank - 2] == o->dims[o->rank - 2];
}

/* a has b's leading dims (all but the last two): a reshape of b's leading dims fits a. */
static bool same_leading(const ir_type *a, const ir_type *b) {
  if (a->rank != b->rank) return false;
  for (int32_t i = 0; i + 2 < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* A term whose mask is the causal one is dropped (*causal set); a mask merging a causal
 * constant with another keeps the other: an Add of the two (torch 2), or torch 1.13's
 * masked_fill of the causal mask by the padding, Where(pad, fill, causal), which becomes the
 * Where term (pad, fill). */
static void take_causal(const ir_graph *g, attn_match *m, attn_term *t, bool *causal) {
  int64_t sq = m->scores->dims[m->scores->rank - 2], sk = m->scores->dims[m->scores->rank - 1];
  if (t->cond) {
    if (attn_causal_const(t->cond, sq, sk, t->fill_slot == 2, 0)) *causal = true, t->cond = NULL;
    return;
  }
  if (attn_causal_const(t->add, sq, sk, false, ATTN_FILL_MAX)) {
    *causal = true, t->add = NULL;
    return;
  }
  ir_value *a = peel_times_one(g, t->add);
  ir_node *p = a->producer;
  if (!p || !ir_match_single_use(g, a)) return;
  if (p->op == OP_Reshape && split_leading(g, p)) { /* torch 2's [B*H,S,S] → [B,H,S,S] view */
    ir_node *add = p->in[0]->producer;
    for (int k = 0; k < 2; k++) {
      ir_value *o = add->in[1 - k];
      if (attn_causal_const(add->in[k], sq, sk, false, ATTN_FILL_MAX) &&
          o->type.dtype == HY_DTYPE_FLOAT && same_leading(&o->type, &add->out[0]->type)) {
        *causal = true, t->add = NULL, t->view = o, t->view_shape = &a->type;
        return;
      }
    }
  }
  if (p->op == OP_Add) {
    for (int k = 0; k < 2; k++) {
      ir_value *o = p->in[1 - k];
      if (attn_causal_const(p->in[k], sq, sk, false, ATTN_FILL_MAX) &&
          o->type.dtype == HY_DTYPE_FLOAT && mask_shape_ok(&o->type, m->scores)) {
        *causal = true, t->add = o;
        return;
      }
    }
  }
  double fv;
  if (p->op == OP_Where && p->n_in == 3 && p->in[0]->type.dtype == HY_DTYPE_BOOL &&
      mask_shape_ok(&p->in[0]->type, m->scores)) {
    for (int k = 1; k <= 2; k++) { /* k: the causal constant's slot, 3 - k the fill's */
      ir_value *fill = p->in[3 - k];
      if (attn_causal_const(p->in[k], sq, sk, false, ATTN_FILL_MAX) &&
          ir_match_const_scalar(fill, &fv) && fill->type.dtype == HY_DTYPE_FLOAT &&
          fv <= ATTN_FILL_MAX) {
        *causal = true;
        *t = (attn_term){.cond = p->in[0], .fill = fill, .fill_slot = 3 - k};
        return;
      }
    }
  }
}

/* The terms left as one additive float mask (NULL for none): a Where term becomes
 * Where(cond, 0, fill) (or its mirror), of the condition's small shape; several are added. */
static hy_status merge_terms(ir_graph *g, attn_match *m, ir_node *before, ir_value **mask) {
  *mask = NULL;
  for (int i = 0; i < m->n_terms; i++) {
    attn_term *t = &m->term[i];
    ir_value *add = t->add;
    if (t->view) {
      int64_t d[HY_MAX_RANK];
      int32_t r = t->view_shape->rank;
      memcpy(d, t->view_shape->dims, (size_t)r * sizeof *d);
      d[r - 2] = t->view->type.dims[t->view->type.rank - 2];
      if (!(add = as_dims(g, t->view, r, d, before, "AttentionMaskPart"))) return g->d->status;
    }
    if (t->cond) {
      ir_value *in[3], *zero = float_const(g, 0.0f);
      if (!zero) return pass_oom(g);
      in[0] = t->cond, in[t->fill_slot] = t->fill, in[3 - t->fill_slot] = zero;
      if (!(add = emit(g, OP_Where, "Where", "AttentionMask", before, in, 3, NULL)))
        return g->d->status;
    }
    if (!add) continue;
    ir_value *in[2] = {*mask, add};
    *mask = *mask ? emit(g, OP_Add, "Add", "AttentionMaskSum", before, in, 2, NULL) : add;
    if (!*mask) return g->d->status;
  }
  return HY_OK;
}

/* The mask as the kernel reads it, right-aligned to [B, H, Sq, keys]: sequence-first sources
 * make the kernel's batch 1 and its heads B*H, so a 4-D mask that varies over batch or heads
 * becomes [B*H, Sq', keys]; a 3-D mask over [B*H, ...] scores of batch-first sources becomes
 * [B, H, Sq', keys]. */
static ir_value *kernel_mask(ir_graph *g, attn_match *m, ir_value *mask, ir_node *before) {
  const ir_type *t = &mask->type;
  int64_t d4[4] = {1, 1, 1, 1};
  for (int32_t i = 0; i < t->rank; i++)
    d4[4 - t->rank + i] = t->dims[i];
  if (m->q.order == ATTN_SBHD && m->scores->rank == 4 && (d4[0] != 1 || d4[1] != 1)) {
    int64_t full[4] = {m->q.b, m->q.h, d4[2], d4[3]}, n3[3] = {m->q.n, d4[2], d4[3]};
    if (d4[0] != m->q.b || d4[1] != m->q.h) {
      ir_value *sh = pass_shape_const(g, 4, full), *in[2] = {mask, sh};
      if (!sh || !(mask = emit(g, OP_Expand, "Expand", "AttentionMaskHeads", before, in, 2, NULL)))
        return NULL;
    }
    return as_dims(g, mask, 3, n3, before, "AttentionMaskView");
  }
  if (m->q.order == ATTN_BSHD && m->scores->rank == 3 && t->rank == 3 && t->dims[0] != 1) {
    int64_t d[4] = {m->q.b, m->q.h, t->dims[1], t->dims[2]};
    return as_dims(g, mask, 4, d, before, "AttentionMaskView");
  }
  return mask;
}

/* A source as the kernel's 3-D [batch, rows, heads * size]: [B,S,H*D], or [1,S,B*H*D] for a
 * sequence-first one (its memory as it is). */
static ir_value *kernel_input(ir_graph *g, const attn_src *s, ir_node *before, const char *what) {
  int64_t d[3] = {s->order == ATTN_SBHD ? 1 : s->b, s->s,
                  (s->order == ATTN_SBHD ? s->n : s->h) * s->d};
  return as_dims(g, s->v, 3, d, before, what);
}

/* Attention(Q3, K3, V3, mask) → the merged output, where the chain's last node stood. */
static hy_status replace_chain(ir_graph *g, attn_match *m, ir_node **made) {
  ir_node *last = m->last;
  bool causal = false;
  for (int i = 0; i < m->n_terms; i++)
    take_causal(g, m, &m->term[i], &causal);
  ir_value *mask, *q, *k, *v;
  hy_status s = merge_terms(g, m, last, &mask);
  if (s != HY_OK) return s;
  if (mask && !(mask = kernel_mask(g, m, mask, last))) return g->d->status;
  if (!(q = kernel_input(g, &m->q, last, "AttentionQ")) ||
      !(k = kernel_input(g, &m->k, last, "AttentionK")) ||
      !(v = kernel_input(g, &m->v, last, "AttentionV")))
    return g->d->status;
  bool sbhd = m->q.order == ATTN_SBHD;
  int64_t heads = sbhd ? m->q.n : m->q.h;
  int64_t yd[3] = {sbhd ? 1 : m->q.b, q->type.dims[1], heads * (v->type.dims[2] / heads)};
  ir_value *y = same_dims(&m->y->type, 3, yd) ? m->y : NULL;
  char *name = arena_printf(g->a, "%s/FusedAttention", last->name);
  ir_node *n = name ? ir_node_new(g, OP_Attention, "Attention", name, mask ? 4 : 3, 1) : NULL;
  ir_attr *at = arena_array(g->a, 4, sizeof *at);
  if (!n || !at || (!y && !(y = ir_value_new(g, name)))) return pass_oom(g);
  at[0] = int_attr("q_num_heads", heads);
  at[1] = int_attr("kv_num_heads", heads);
  at[2] = (ir_attr){.name = "scale", .kind = IR_ATTR_FLOAT, .f = (float)m->scale};
  at[3] = int_attr("is_causal", 1);
  n->attrs = at;
  n->n_attrs = causal ? 4 : 3;
  n->opset = n->version = 23;
  ir_node_move_before(g, n, last);
  ir_value *merged = m->y;
  for (int i = m->n_chain - 1; i >= 0; i--)
    ir_node_remove(g, m->chain[i]);
  ir_node_set_input(g, n, 0, q);
  ir_node_set_input(g, n, 1, k);
  ir_node_set_input(g, n, 2, v);
  if (mask) ir_node_set_input(g, n, 3, mask);
  ir_node_set_output(g, n, 0, y);
  g->stats.attention_fused++;
  *made = n;
  if ((s = pass_infer_node(g, n)) != HY_OK || y == merged) return s;
  /* the merged output has another shape than the kernel's [1, S, B*H*Dv]: a Reshape to it */
  ir_value *in[2] = {y, pass_shape_const(g, merged->type.rank, merged->type.dims)};
  if (!in[1]) return pass_oom(g);
  char *rn = arena_printf(g->a, "%s/AttentionOut", name);
  if (!rn) return pass_oom(g);
  return pass_emit_node(g, OP_Reshape, "Reshape", rn, n->next, in, 2, merged) ? HY_OK
                                                                                  : g->d->status;
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
  for (ir_node *n = g->first; n; n = n->next)
    g->stats.attention_near_miss += near_miss(n);
  return pass_dce(g);
}
