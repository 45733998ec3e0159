/* Fold: computes a node whose inputs are all constants with the runtime's native kernel (the same
 * C code the generated module inlines) and turns its outputs into constants. */
#include <stdlib.h>
#include <string.h>

#include "passes/pass_internal.h"

/* Constants are handed to kernels like arena tensors: 64-byte aligned (vector loads). */
#define FOLD_ALIGN 64

static void tdesc_of(const ir_value *v, hy_tdesc *t) {
  memset(t, 0, sizeof *t);
  if (!v) return; /* dtype 0: an omitted optional operand */
  t->dtype = (int32_t)v->type.dtype;
  t->rank = v->type.rank;
  for (int32_t i = 0; i < v->type.rank; i++) t->dims[i] = v->type.dims[i];
}

/* Zeroed, aligned, never NULL (a constant with NULL data would read as "not constant"). */
static void *alloc_aligned(ir_graph *g, int64_t bytes) {
  uint8_t *p = arena_alloc(g->a, (size_t)bytes + FOLD_ALIGN);
  if (!p) return NULL;
  uintptr_t u = ((uintptr_t)p + FOLD_ALIGN - 1) & ~(uintptr_t)(FOLD_ALIGN - 1);
  return (void *)u;
}

/* Operand arrays for the kernel call; outputs get fresh aligned arena memory. */
static hy_status fold_operands(ir_graph *g, ir_node *n, hy_tdesc *ti, hy_tdesc *to,
                               const void **in, void **out) {
  for (int32_t i = 0; i < n->n_in; i++) {
    tdesc_of(n->in[i], &ti[i]);
    in[i] = ir_value_known(n->in[i]);
  }
  for (int32_t i = 0; i < n->n_out; i++) {
    tdesc_of(n->out[i], &to[i]);
    out[i] = NULL;
    if (!n->out[i]) continue;
    int64_t bytes = ir_type_bytes(&n->out[i]->type);
    if (bytes < 0) return ir_node_error(g, n, HY_ERR_INTERNAL, "output %d has no static size", i);
    out[i] = alloc_aligned(g, bytes);
    if (!out[i]) return pass_oom(g);
  }
  return HY_OK;
}

static hy_status fold_call(ir_graph *g, ir_node *n, const ir_lowered *l, const hy_kparams *p,
                           const void *const *in, void *const *out) {
  void *scratch = NULL;
  if (l->scratch_bytes > 0) {
    scratch = aligned_alloc(FOLD_ALIGN, ((size_t)l->scratch_bytes + FOLD_ALIGN - 1) &
                                            ~(size_t)(FOLD_ALIGN - 1));
    if (!scratch) return pass_oom(g);
    memset(scratch, 0, (size_t)l->scratch_bytes);
  }
  char why[256] = "";
  hy_exec ex = {.n_threads = 1, .detail = why, .detail_size = (int32_t)sizeof why};
  hy_status s = hy_kernel_table[l->kernel](p, in, out, scratch, &ex);
  free(scratch);
  if (s != HY_OK)
    return ir_node_error(g, n, s, "constant folding failed: kernel %s returned %s%s%s",
                         hy_kernel_symbol(l->kernel), hy_status_name(s), why[0] ? ": " : "", why);
  return HY_OK;
}

/* A folded value-dependent node: its outputs' bounded dims become the extent the kernel found
 * (the kernel wrote them dense in that shape, at the start of the bound's buffer). */
static void fix_extent(ir_node *n, int64_t extent) {
  for (int32_t i = 0; i < n->n_out; i++) {
    ir_type *t = n->out[i] ? &n->out[i]->type : NULL;
    for (int32_t k = 0; t && k < t->rank; k++)
      if ((t->bounded >> k) & 1) t->dims[k] = extent;
    if (t) t->bounded = 0;
  }
}

/* Outputs folded from the binding (from_model false) keep the model's constants they read in the
 * weights file, where an object for run-time dims finds them, and one that is a 64-byte aligned
 * run of such a constant's bytes (or of a view of one: a Reshape of a Gather of rows) is a view
 * of it (weights_file.c). */
static void note_binding_fold(ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++)
    if (n->in[i] && n->in[i]->data && n->in[i]->from_model) n->in[i]->read_by_binding = true;
  for (int32_t o = 0; o < n->n_out; o++) {
    ir_value *v = n->out[o];
    int64_t bytes = v ? ir_type_bytes(&v->type) : 0;
    for (int32_t i = 0; bytes > 0 && i < n->n_in && !v->view_of; i++) {
      ir_value *in = n->in[i];
      ir_value *base = !in || !in->data ? NULL
                     : in->view_of    ? in->view_of
                     : in->from_model ? in
                                      : NULL;
      int64_t in_bytes = base ? ir_type_bytes(&in->type) : 0;
      if (in_bytes < bytes) continue;
      const uint8_t *at = memmem(in->data, (size_t)in_bytes, v->data, (size_t)bytes);
      int64_t off = at ? at - (const uint8_t *)in->data + (in->view_of ? in->view_offset : 0) : -1;
      if (off < 0 || off % FOLD_ALIGN) continue;
      v->view_of = base;
      v->view_offset = off;
    }
  }
}

/* Computes n's outputs natively; as_constant: they become constants and n goes, else they become
 * the outputs' bound values (visible to shape inference, while n still runs in the model). */
static hy_status eval_node(ir_graph *g, ir_node *n, bool as_constant) {
  ir_lowered *l = arena_alloc(g->a, sizeof *l);
  int32_t ni = n->n_in > 0 ? n->n_in : 1, no = n->n_out + 1; /* + the extent slot (kernel.h) */
  hy_tdesc *ti = arena_array(g->a, (size_t)ni, sizeof *ti);
  hy_tdesc *to = arena_array(g->a, (size_t)no, sizeof *to);
  const void **in = arena_array(g->a, (size_t)ni, sizeof *in);
  void **out = arena_array(g->a, (size_t)no, sizeof *out);
  int64_t extent = -1;
  if (!l || !ti || !to || !in || !out)
    return pass_oom(g);
  if (pass_lower_node(g, n, l) != HY_OK) return g->d->status;
  if (fold_operands(g, n, ti, to, in, out) != HY_OK) return g->d->status;
  bool dynamic = ir_node_value_dependent(n);
  if (dynamic) out[n->n_out] = &extent;
  hy_kparams p = {n->n_in, n->n_out, l->n_ints, l->n_floats, ti, to, l->ints, l->floats};
  if (fold_call(g, n, l, &p, in, out) != HY_OK) return g->d->status;
  if (dynamic && as_constant) {
    if (extent < 0) return ir_node_error(g, n, HY_ERR_INTERNAL, "the kernel reported no extent");
    fix_extent(n, extent);
  }
  bool from_model = ir_node_reads_model_only(n);
  for (int32_t i = 0; i < n->n_out; i++) {
    if (!n->out[i]) continue;
    n->out[i]->from_model = as_constant && from_model;
    if (as_constant)
      n->out[i]->data = out[i];
    else
      n->out[i]->bound = out[i];
  }
  if (as_constant && !from_model) note_binding_fold(n);
  if (as_constant) ir_node_remove(g, n);
  return HY_OK;
}

hy_status pass_fold_node(ir_graph *g, ir_node *n) { return eval_node(g, n, true); }

hy_status pass_eval_bound(ir_graph *g, ir_node *n) { return eval_node(g, n, false); }
