/* Bind: gives every graph input a static shape from the caller's bindings; a symbolic dim gets
 * one value everywhere it appears, and anything left unknown is an error naming the input. */
#include <stdio.h>
#include <string.h>

#include "passes/pass_internal.h"

/* One symbolic dim name and the value it was bound to, with where that happened (messages);
 * dyn >= 0: it is left to run time, the graph's symbol dyn (value is its upper bound). */
typedef struct sym_value {
  const char *sym;
  int64_t value;
  const char *input;
  int32_t dyn;
} sym_value;

typedef struct sym_table {
  sym_value *v;
  int32_t n, cap;
} sym_table;

static const sym_value *sym_find(const sym_table *t, const char *sym) {
  for (int32_t i = 0; i < t->n; i++)
    if (!strcmp(t->v[i].sym, sym)) return &t->v[i];
  return NULL;
}

static hy_status sym_add(ir_graph *g, sym_table *t, const char *sym, int64_t value,
                         const char *input, int32_t dyn) {
  if (t->n == t->cap) {
    int32_t cap = t->cap ? t->cap * 2 : 16;
    sym_value *nv = arena_array(g->a, (size_t)cap, sizeof *nv);
    if (!nv) return pass_oom(g);
    if (t->n) memcpy(nv, t->v, (size_t)t->n * sizeof *nv);
    t->v = nv;
    t->cap = cap;
  }
  t->v[t->n++] = (sym_value){sym, value, input, dyn};
  return HY_OK;
}

static hy_status check_binding_target(ir_graph *g, const pass_binding *b, int32_t idx,
                                      ir_value **out) {
  int32_t at = b[idx].input ? ir_graph_input_index(g, b[idx].input) : -1;
  ir_value *v = at >= 0 ? g->inputs[at] : NULL;
  if (!v) {
    char names[512];
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                      "%s: no graph input named '%s' (the inputs are: %s)", g->file,
                      b[idx].input ? b[idx].input : "(null)", ir_value_names(g->inputs, g->n_inputs, names, sizeof names));
  }
  for (int32_t j = 0; j < idx; j++)
    if (b[j].input && !strcmp(b[j].input, b[idx].input))
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: input '%s' is given a shape twice",
                        g->file, v->name);
  if (b[idx].rank < 0 || b[idx].rank > HY_MAX_RANK)
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: input '%s': rank %d is not in [0, %d]",
                      g->file, v->name, b[idx].rank, HY_MAX_RANK);
  if (v->type.rank >= 0 && v->type.rank != b[idx].rank) {
    char tb[256], db[256];
    return diag_error(g->d, HY_ERR_SHAPE, "%s: input '%s' has type %s (rank %d), given shape %s",
                      g->file, v->name, ir_type_str(&v->type, tb, sizeof tb), v->type.rank,
                      format_dims(db, sizeof db, b[idx].rank, b[idx].dims));
  }
  *out = v;
  return HY_OK;
}

/* "1..4" for a ranged dim, "4" for a fixed one (messages). */
static const char *dim_text(char *buf, size_t n, const pass_binding *b, int32_t i) {
  if ((b->ranged >> i) & 1)
    snprintf(buf, n, "%lld..%lld", (long long)b->lo[i], (long long)b->dims[i]);
  else
    snprintf(buf, n, "%lld", (long long)b->dims[i]);
  return buf;
}

/* A new run-time dim of the graph for dim i of b, called name. */
static hy_status add_symbol(ir_graph *g, const pass_binding *b, int32_t i, const char *name,
                            int32_t *out) {
  if (b->lo[i] < 1 || b->lo[i] > b->dims[i])
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                      "%s: input '%s': dim %d's range %lld..%lld is not a range of sizes >= 1",
                      g->file, b->input, i, (long long)b->lo[i], (long long)b->dims[i]);
  if (g->n_syms == IR_MAX_SYMS)
    return diag_error(g->d, HY_ERR_UNSUPPORTED, "%s: more than %d run-time dims", g->file,
                      IR_MAX_SYMS);
  *out = g->n_syms;
  g->syms[g->n_syms++] = (ir_symbol){name, b->lo[i], b->dims[i]};
  return HY_OK;
}

/* The symbol or value dim i of input v gets from b: a symbol's value (or range) must be the same
 * in every input that names it. sym is the model's name for the dim, or NULL. */
static hy_status bind_dim(ir_graph *g, sym_table *syms, ir_value *v, const pass_binding *b,
                          int32_t i, const char *sym, int32_t *dyn) {
  bool ranged = (b->ranged >> i) & 1;
  *dyn = -1;
  if (!sym && ranged) {
    char *name = arena_printf(g->a, "%s_d%d", v->name, i);
    return name ? add_symbol(g, b, i, name, dyn) : pass_oom(g);
  }
  if (!sym) return HY_OK;
  const sym_value *s = sym_find(syms, sym);
  if (!s) {
    if (ranged && add_symbol(g, b, i, sym, dyn) != HY_OK) return g->d->status;
    return sym_add(g, syms, sym, b->dims[i], v->name, *dyn);
  }
  bool same = s->dyn >= 0 ? ranged && g->syms[s->dyn].lo == b->lo[i] && s->value == b->dims[i]
                          : !ranged && s->value == b->dims[i];
  if (!same) {
    char was[48], now[48];
    if (s->dyn >= 0)
      snprintf(was, sizeof was, "%lld..%lld", (long long)g->syms[s->dyn].lo, (long long)s->value);
    else
      snprintf(was, sizeof was, "%lld", (long long)s->value);
    return diag_error(g->d, HY_ERR_SHAPE, "%s: dim '%s' is %s in input '%s' but %s in input '%s'",
                      g->file, sym, was, s->input, dim_text(now, sizeof now, b, i), v->name);
  }
  *dyn = s->dyn;
  return HY_OK;
}

/* v's run-time dims: dyn[i] the graph's symbol of dim i, or -1 for a fixed dim. */
static hy_status set_input_dyn(ir_graph *g, ir_value *v, const int32_t *dyn) {
  bool any = false;
  for (int32_t i = 0; i < v->type.rank; i++) any |= dyn[i] >= 0;
  v->type.dyn = NULL;
  if (!any) return HY_OK;
  ir_dimx *d = arena_array(g->a, (size_t)v->type.rank, sizeof *d);
  if (!d) return pass_oom(g);
  for (int32_t i = 0; i < v->type.rank; i++)
    d[i] = dyn[i] >= 0 ? ir_dimx_symbol(g, dyn[i]) : ir_dimx_const(v->type.dims[i]);
  v->type.dyn = d;
  return HY_OK;
}

/* Applies one binding to input v: static dims must agree, symbols must agree across inputs. */
static hy_status apply_binding(ir_graph *g, sym_table *syms, ir_value *v, const pass_binding *b) {
  char tb[256], db[256];
  bool declared = v->type.rank >= 0;
  int32_t dyn[HY_MAX_RANK];
  for (int32_t i = 0; i < b->rank; i++) {
    int64_t d = b->dims[i];
    if (d < 0)
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: input '%s': dim %d is negative (%lld)",
                        g->file, v->name, i, (long long)d);
    if (declared && v->type.dims[i] >= 0 && (v->type.dims[i] != d || ((b->ranged >> i) & 1)))
      return diag_error(g->d, HY_ERR_SHAPE, "%s: input '%s' has type %s, given shape %s (dim %d)",
                        g->file, v->name, ir_type_str(&v->type, tb, sizeof tb),
                        format_dims(db, sizeof db, b->rank, b->dims), i);
    const char *sym = declared && v->type.dims[i] < 0 ? v->type.sym[i] : NULL;
    if (bind_dim(g, syms, v, b, i, sym && *sym ? sym : NULL, &dyn[i]) != HY_OK)
      return g->d->status;
  }
  if (!declared) memset(v->type.sym, 0, sizeof v->type.sym);
  v->type.rank = b->rank;
  for (int32_t i = 0; i < b->rank; i++) v->type.dims[i] = b->dims[i];
  v->bound = b->value;
  return set_input_dyn(g, v, dyn);
}

/* An input nobody bound: its symbols may be known from other inputs (run-time ones too);
 * anything else unknown. */
static hy_status complete_input(ir_graph *g, const sym_table *syms, ir_value *v) {
  int32_t dyn[HY_MAX_RANK];
  if (v->type.rank < 0)
    return diag_error(g->d, HY_ERR_SHAPE,
                      "%s: input '%s' has no declared shape; give one (--shape %s=2x3)", g->file,
                      v->name, v->name);
  for (int32_t i = 0; i < v->type.rank; i++) {
    dyn[i] = -1;
    if (v->type.dims[i] >= 0) continue;
    const char *sym = v->type.sym[i];
    const sym_value *s = sym && *sym ? sym_find(syms, sym) : NULL;
    if (!s) {
      char tb[256];
      return diag_error(g->d, HY_ERR_SHAPE,
                        "%s: input '%s' has type %s: dim %d%s%s%s is unknown; give a shape "
                        "(--shape %s=...)",
                        g->file, v->name, ir_type_str(&v->type, tb, sizeof tb), i,
                        sym ? " ('" : "", sym ? sym : "", sym ? "')" : "", v->name);
    }
    v->type.dims[i] = s->value;
    dyn[i] = s->dyn;
  }
  return set_input_dyn(g, v, dyn);
}

hy_status pass_bind_inputs(ir_graph *g, const pass_binding *b, int32_t n) {
  sym_table syms = {0};
  g->n_syms = 0;
  for (int32_t k = 0; k < n; k++) {
    ir_value *v = NULL;
    if (check_binding_target(g, b, k, &v) != HY_OK) return g->d->status;
    if (apply_binding(g, &syms, v, &b[k]) != HY_OK) return g->d->status;
  }
  for (int32_t i = 0; i < g->n_inputs; i++) {
    ir_value *v = g->inputs[i];
    if (!ir_type_is_static(&v->type) && complete_input(g, &syms, v) != HY_OK) return g->d->status;
    const char *why = pass_size_problem(&v->type);
    if (why) {
      char tb[256];
      return diag_error(g->d, HY_ERR_SHAPE, "%s: input '%s' is %s: %s", g->file, v->name,
                        ir_type_str(&v->type, tb, sizeof tb), why);
    }
  }
  return HY_OK;
}
