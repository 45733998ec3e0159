/* The attention fusion's layout tracer (attn_layout.h). A value is described by the logical axes
 * (batch, heads, rows, size, or batch*heads unsplit) its memory holds, major to minor, grouped
 * into its dims. A Transpose permutes the groups, a Reshape regroups the same sequence (splitting
 * batch*heads where a dim asks for the batch alone), so the memory order survives every step:
 * the walk ends at a value whose order is [B,S,H,D] or [S,B,H,D]. Axes of extent 1 carry no
 * order and are left out. */
#include "passes/attn_layout.h"

#include "ir/match.h"
#include <string.h>

enum { AX_B, AX_H, AX_S, AX_D, AX_N };

#define LAY_MAX 6

typedef struct lay {
  int8_t ax[LAY_MAX];
  int64_t ext[LAY_MAX];
  int n;
  int gend[HY_MAX_RANK]; /* group i is ax[gend[i-1] .. gend[i]) */
  int rank;
  int64_t b, h; /* batch and heads once known (a split of batch*heads tells them) */
} lay;

bool attn_scalar_scale(const ir_node *n, ir_value **x, double *factor) {
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

static void lay_push(lay *l, int ax, int64_t ext) {
  if (ext != 1) l->ax[l->n] = (int8_t)ax, l->ext[l->n++] = ext;
}

/* The operand's own description: axes[i] names dim i. */
static void lay_init(lay *l, const ir_type *t, const int *axes) {
  *l = (lay){.rank = t->rank};
  for (int i = 0; i < t->rank; i++) {
    lay_push(l, axes[i], t->dims[i]);
    l->gend[i] = l->n;
  }
}

static int lay_start(const lay *l, int i) { return i ? l->gend[i - 1] : 0; }

/* The same atoms grouped by t's dims; false when the dims cut through an axis (other than
 * batch*heads cut after the batch). */
static bool lay_regroup(lay *l, const ir_type *t) {
  if (!ir_type_is_static(t) || t->rank > HY_MAX_RANK) return false;
  int i = 0;
  for (int k = 0; k < t->rank; k++) {
    int64_t need = t->dims[k], prod = 1;
    if (need < 1) return false;
    while (prod < need) {
      if (i >= l->n) return false;
      int64_t e = l->ext[i];
      if (need % (prod * e) == 0) {
        prod *= e, i++;
      } else if (l->ax[i] == AX_N && need % prod == 0 && e % (need / prod) == 0 && l->n < LAY_MAX) {
        int64_t b = need / prod, h = e / b;
        l->ax[i] = AX_B, l->ext[i] = b;
        if (h > 1) {
          memmove(&l->ax[i + 2], &l->ax[i + 1], (size_t)(l->n - i - 1) * sizeof l->ax[0]);
          memmove(&l->ext[i + 2], &l->ext[i + 1], (size_t)(l->n - i - 1) * sizeof l->ext[0]);
          l->ax[i + 1] = AX_H, l->ext[i + 1] = h, l->n++;
        }
        l->b = b, l->h = h;
        prod = need, i++;
      } else {
        return false;
      }
    }
    if (prod != need) return false;
    l->gend[k] = i;
  }
  l->rank = t->rank;
  return i == l->n;
}

/* perm is a permutation of l's axes. */
static bool perm_ok(const ir_node *t, const lay *l, const int64_t **perm) {
  int32_t np;
  if (!ir_attr_ints(t, "perm", perm, &np) || np != l->rank) return false;
  unsigned seen = 0;
  for (int i = 0; i < np; i++) {
    if ((*perm)[i] < 0 || (*perm)[i] >= np || (seen >> (*perm)[i] & 1)) return false;
    seen |= 1u << (*perm)[i];
  }
  return true;
}

/* Groups in a new order: new dim j takes old group from[j]. */
static void lay_permute(lay *l, const int *from) {
  lay o = *l;
  l->n = 0;
  for (int j = 0; j < o.rank; j++) {
    for (int a = lay_start(&o, from[j]); a < o.gend[from[j]]; a++)
      l->ax[l->n] = o.ax[a], l->ext[l->n++] = o.ext[a];
    l->gend[j] = l->n;
  }
}

/* The order l's memory is in, 0 for neither. Batch*heads unsplit is [B,H] together. */
static attn_order lay_order(const lay *l) {
  static const int bshd[5] = {0, 2, 1, 3, -1}, sbhd[5] = {1, 2, 0, 3, 1};
  int ok_b = 1, ok_s = 1, last_b = -1, last_s = -1;
  for (int i = 0; i < l->n; i++) {
    int a = l->ax[i];
    ok_b &= bshd[a] > last_b, last_b = bshd[a];
    ok_s &= sbhd[a] > last_s, last_s = sbhd[a];
  }
  return ok_b ? ATTN_BSHD : ok_s ? ATTN_SBHD : 0;
}

bool attn_trace_operand(const ir_value *v, bool key_t, attn_src *out) {
  const ir_type *t = &v->type;
  if ((t->rank != 3 && t->rank != 4) || t->dtype != HY_DTYPE_FLOAT || !ir_type_is_static(t))
    return false;
  static const int q4[4] = {AX_B, AX_H, AX_S, AX_D}, k4[4] = {AX_B, AX_H, AX_D, AX_S};
  static const int q3[3] = {AX_N, AX_S, AX_D}, k3[3] = {AX_N, AX_D, AX_S};
  lay l;
  lay_init(&l, t, t->rank == 4 ? (key_t ? k4 : q4) : (key_t ? k3 : q3));
  int r = t->rank;
  attn_src w = {
      .s = t->dims[key_t ? r - 1 : r - 2], .d = t->dims[key_t ? r - 2 : r - 1], .factor = 1.0};
  if (r == 4)
    l.b = t->dims[0], l.h = t->dims[1], w.n = l.b * l.h;
  else
    w.n = t->dims[0];
  bool found = false;
  const ir_value *cur = v;
  double factor = 1.0;
  for (int steps = 0; steps < 12; steps++) {
    attn_order o = lay_order(&l);
    if (o && (o == ATTN_SBHD || (l.b && l.h))) { /* batch-first needs batch and heads apart */
      *out = w;
      out->v = (ir_value *)cur, out->order = o, out->factor = factor;
      out->b = l.b, out->h = l.h;
      found = true;
    }
    ir_node *p = cur->producer;
    ir_value *x;
    double f;
    const int64_t *perm;
    if (!p || cur->data) break;
    if (p->op == OP_Transpose && perm_ok(p, &l, &perm)) {
      int from[HY_MAX_RANK];
      for (int i = 0; i < l.rank; i++)
        from[perm[i]] = i;
      lay_permute(&l, from);
      cur = p->in[0];
    } else if (p->op == OP_Reshape && lay_regroup(&l, &p->in[0]->type)) {
      cur = p->in[0];
    } else if (attn_scalar_scale(p, &x, &f)) {
      factor *= f;
      cur = x;
    } else {
      break;
    }
  }
  return found;
}

bool attn_trace_output(const ir_graph *g, ir_value *o, attn_order order, ir_value **y,
                       ir_node **path, int *n_path, int max_path) {
  const ir_type *t = &o->type;
  if ((t->rank != 3 && t->rank != 4) || !ir_type_is_static(t)) return false;
  static const int y4[4] = {AX_B, AX_H, AX_S, AX_D}, y3[3] = {AX_N, AX_S, AX_D};
  lay l;
  lay_init(&l, t, t->rank == 4 ? y4 : y3);
  bool found = false;
  int n = 0;
  for (ir_value *cur = o;;) {
    if (lay_order(&l) == order && (order == ATTN_SBHD || t->rank == 4 || l.b)) {
      *y = cur, *n_path = n;
      found = true;
    }
    if (n >= max_path || !ir_match_single_use(g, cur)) break;
    ir_node *u = cur->uses[0].node;
    const int64_t *perm;
    if (u->in[0] != cur || !u->out[0]) break;
    if (u->op == OP_Transpose && perm_ok(u, &l, &perm)) {
      int from[HY_MAX_RANK];
      for (int i = 0; i < l.rank; i++)
        from[i] = (int)perm[i];
      lay_permute(&l, from);
    } else if (!(u->op == OP_Reshape && lay_regroup(&l, &u->out[0]->type))) {
      break;
    }
    path[n++] = u;
    cur = u->out[0];
  }
  return found;
}
