/* Run-time dims: monomials over the graph's symbols (ir.h, "run-time dims"), their arithmetic,
 * their text, and the types that carry them. */
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

ir_dimx ir_dimx_const(int64_t v) { return (ir_dimx){.coef = v}; }

ir_dimx ir_dimx_symbol(const ir_graph *g, int32_t k) {
  ir_dimx d = {.syms = g->syms, .coef = 1};
  d.exp[k] = 1;
  return d;
}

bool ir_dimx_is_const(const ir_dimx *d) {
  for (int32_t k = 0; k < IR_MAX_SYMS; k++)
    if (d->exp[k]) return false;
  return true;
}

bool ir_dimx_equal(const ir_dimx *a, const ir_dimx *b) {
  return a->coef == b->coef && !memcmp(a->exp, b->exp, sizeof a->exp);
}

bool ir_dimx_eval(const ir_dimx *d, const int64_t *values, int64_t *out) {
  int64_t v = d->coef;
  for (int32_t k = 0; k < IR_MAX_SYMS; k++)
    for (int32_t e = 0; e < d->exp[k]; e++)
      if (mul_overflows_i64(v, values[k], &v)) return false;
  *out = v;
  return true;
}

/* The symbols' lower or upper bounds as an assignment (zeros past the table). */
static void bounds_of(const ir_dimx *d, bool hi, int64_t *values) {
  for (int32_t k = 0; k < IR_MAX_SYMS; k++)
    values[k] = d->syms && d->syms[k].name ? (hi ? d->syms[k].hi : d->syms[k].lo) : 0;
}

bool ir_dimx_range(const ir_dimx *d, int64_t *lo, int64_t *hi) {
  int64_t vl[IR_MAX_SYMS], vh[IR_MAX_SYMS];
  bounds_of(d, false, vl);
  bounds_of(d, true, vh);
  if (!ir_dimx_eval(d, vl, lo) || !ir_dimx_eval(d, vh, hi)) return false;
  if (*lo > *hi) { /* a negative coefficient */
    int64_t t = *lo;
    *lo = *hi;
    *hi = t;
  }
  return true;
}

const char *ir_dimx_str(const ir_dimx *d, char *buf, size_t n) {
  size_t k = 0;
  bool first = true;
  if (d->coef != 1 || ir_dimx_is_const(d)) {
    k += (size_t)snprintf(buf, n, "%lld", (long long)d->coef);
    first = false;
  }
  for (int32_t s = 0; s < IR_MAX_SYMS && k < n; s++)
    for (int32_t e = 0; e < d->exp[s] && k < n; e++) {
      k += (size_t)snprintf(buf + k, n - k, "%s%s", first ? "" : "*",
                            d->syms && d->syms[s].name ? d->syms[s].name : "?");
      first = false;
    }
  return buf;
}

ir_dimx ir_type_dim(const ir_type *t, int32_t k) {
  return t->dyn ? t->dyn[k] : ir_dimx_const(t->dims[k]);
}

hy_status ir_set_out_dyn(ir_graph *g, ir_node *n, int32_t i, const ir_dimx *d) {
  ir_type *t = &n->out[i]->type;
  bool any = false;
  for (int32_t k = 0; k < t->rank; k++) {
    int64_t lo, hi;
    char db[96];
    if (!ir_dimx_range(&d[k], &lo, &hi) || hi != t->dims[k] || lo < 0)
      return ir_node_error(g, n, HY_ERR_INTERNAL,
                           "output %d: dim %d is %s, which is not %lld at the upper bounds", i, k,
                           ir_dimx_str(&d[k], db, sizeof db), (long long)t->dims[k]);
    any |= !ir_dimx_is_const(&d[k]);
  }
  if (!any) {
    t->dyn = NULL;
    return HY_OK;
  }
  ir_dimx *copy = arena_array(g->a, (size_t)t->rank, sizeof *copy);
  if (!copy) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  memcpy(copy, d, (size_t)t->rank * sizeof *copy);
  t->dyn = copy;
  return HY_OK;
}

int64_t ir_type_numel_at_most(const ir_type *t) {
  if (!t->dyn) return ir_type_numel(t);
  int64_t n = 1, lo, hi;
  for (int32_t k = 0; k < t->rank; k++)
    if (!ir_dimx_range(&t->dyn[k], &lo, &hi) || mul_overflows_i64(n, hi, &n)) return -1;
  return n;
}
