/* Lowering on run-time dims. A node reading or writing run-time dims runs its lower hook at the
 * same assignments shape inference used (infer_dynamic.c): the kernel, the attribute block's
 * length and its floats must be the same at all of them, and each int must be one monomial of
 * the symbols (a stride, an outer count: batch*seq*256), which codegen then computes at run time.
 * The scratch is the most any assignment asks for. A node whose outputs are all shape content
 * (Shape → Gather → Concat) has no kernel: codegen stores the content. */
#include <string.h>

#include "passes/pass_internal.h"

static bool on_run_time_dims(const ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++)
    if (dyn_reads_run_time_dims(n->in[i])) return true;
  for (int32_t i = 0; i < n->n_out; i++)
    if (dyn_reads_run_time_dims(n->out[i])) return true;
  return false;
}

static bool only_content(const ir_node *n) {
  int32_t present = 0;
  for (int32_t i = 0; i < n->n_out; i++) {
    if (!n->out[i]) continue;
    if (!n->out[i]->sdata) return false;
    present++;
  }
  return present > 0;
}

/* n lowered with its operands at the assignment syms. */
static hy_status lower_at(ir_graph *g, ir_node *n, const int64_t *syms, ir_lowered *l) {
  int32_t count = n->n_in + n->n_out;
  ir_value **vals = arena_array(g->a, (size_t)count + 1, sizeof *vals);
  dyn_saved *saved = arena_array(g->a, (size_t)count + 1, sizeof *saved);
  if (!vals || !saved) return pass_oom(g);
  for (int32_t i = 0; i < count; i++) vals[i] = i < n->n_in ? n->in[i] : n->out[i - n->n_in];
  hy_status s = dyn_set_values(g, n, vals, count, syms, saved);
  if (s == HY_OK) s = pass_lower_node(g, n, l);
  dyn_restore_values(saved, count);
  return s;
}

static hy_status refuse(ir_graph *g, ir_node *n, const char *why) {
  return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                       "its kernel's parameters %s on run-time dims; compile with fixed sizes "
                       "(--shape IN=2x128)", why);
}

hy_status pass_lower_dynamic(ir_graph *g, ir_node *n, ir_lowered *l) {
  if (!on_run_time_dims(n)) return pass_lower_node(g, n, l);
  memset(l, 0, sizeof *l);
  if (only_content(n)) {
    l->fills_content = true;
    return HY_OK;
  }
  if (ir_node_value_dependent(n)) return refuse(g, n, "cannot also depend on values");
  dyn_assignments a;
  dyn_make_assignments(g, 2, &a);
  ir_lowered *at = arena_array(g->a, (size_t)a.n, sizeof *at);
  if (!at) return pass_oom(g);
  for (int32_t j = 0; j < a.n; j++) {
    hy_status s = lower_at(g, n, a.v[j], &at[j]);
    if (s != HY_OK) return s;
    bool same = at[j].kernel == at[0].kernel && at[j].n_ints == at[0].n_ints &&
                at[j].n_floats == at[0].n_floats &&
                !memcmp(at[j].floats, at[0].floats, (size_t)at[0].n_floats * sizeof(double));
    if (!same) return refuse(g, n, "change kernel or attributes");
  }
  *l = at[0];
  for (int32_t j = 1; j < a.n; j++)
    if (at[j].scratch_bytes > l->scratch_bytes) l->scratch_bytes = at[j].scratch_bytes;
  ir_dimx *ints = arena_array(g->a, (size_t)(l->n_ints > 0 ? l->n_ints : 1), sizeof *ints);
  if (!ints) return pass_oom(g);
  bool varies = false;
  for (int32_t i = 0; i < l->n_ints; i++) {
    int64_t vals[DYN_MAX_EVALS];
    for (int32_t j = 0; j < a.n; j++) vals[j] = at[j].ints[i];
    if (!dyn_monomial_of(g, &a, vals, &ints[i])) return refuse(g, n, "are no products");
    varies |= !ir_dimx_is_const(&ints[i]);
  }
  l->dyn_ints = varies ? ints : NULL;
  return HY_OK;
}
