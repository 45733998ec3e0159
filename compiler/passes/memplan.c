/* Memory planning: liveness over the node order, then offsets in one activation arena. Graph
 * inputs, outputs and constants live elsewhere (the caller's buffers, the module); intermediates
 * get 64-byte aligned blocks, reusing freed ones best-fit; a node's scratch is live only while
 * that node runs. A node that only copies bytes (Reshape, Squeeze, Unsqueeze, Flatten, Identity:
 * the copy kernel) from one arena value to another makes its output a view: the output takes the
 * input's block, which lives until the last reader of either, and the node costs nothing. No
 * kernel writes into a block it reads (outputs are placed while inputs are held), so a view
 * never sees its bytes change. */
#include <string.h>

#include "ir/entry.h"
#include "passes/pass_internal.h"

#define MP_ALIGN 64

typedef struct mp_block {
  int64_t off, size;
} mp_block;

/* Free blocks sorted by offset and coalesced; top is the arena's high-water mark. */
typedef struct mp_state {
  ir_graph *g;
  mp_block *free;
  int32_t n_free, cap_free;
  int64_t top;
} mp_state;

static int64_t mp_round(int64_t bytes) {
  int64_t r = (bytes + MP_ALIGN - 1) / MP_ALIGN * MP_ALIGN;
  return r > 0 ? r : MP_ALIGN; /* distinct addresses even for empty tensors */
}

static void mp_remove_block(mp_state *s, int32_t i) {
  memmove(&s->free[i], &s->free[i + 1], (size_t)(s->n_free - i - 1) * sizeof *s->free);
  s->n_free--;
}

/* The smallest free block that fits (lowest offset on ties); else grow the arena, starting in
 * a free block at its end if there is one. */
static int64_t mp_alloc(mp_state *s, int64_t size) {
  int32_t best = -1;
  for (int32_t i = 0; i < s->n_free; i++)
    if (s->free[i].size >= size && (best < 0 || s->free[i].size < s->free[best].size)) best = i;
  if (best >= 0) {
    int64_t off = s->free[best].off;
    s->free[best].off += size;
    s->free[best].size -= size;
    if (s->free[best].size == 0) mp_remove_block(s, best);
    return off;
  }
  int64_t off = s->top;
  if (s->n_free > 0) {
    mp_block *last = &s->free[s->n_free - 1];
    if (last->off + last->size == s->top) {
      off = last->off;
      s->n_free--;
    }
  }
  s->top = off + size;
  return off;
}

static hy_status mp_free(mp_state *s, int64_t off, int64_t size) {
  int32_t i = 0;
  while (i < s->n_free && s->free[i].off < off) i++;
  if (s->n_free == s->cap_free) {
    int32_t cap = s->cap_free ? s->cap_free * 2 : 32;
    mp_block *nb = arena_array(s->g->a, (size_t)cap, sizeof *nb);
    if (!nb) return pass_oom(s->g);
    if (s->n_free) memcpy(nb, s->free, (size_t)s->n_free * sizeof *nb);
    s->free = nb;
    s->cap_free = cap;
  }
  memmove(&s->free[i + 1], &s->free[i], (size_t)(s->n_free - i) * sizeof *s->free);
  s->free[i] = (mp_block){off, size};
  s->n_free++;
  if (i + 1 < s->n_free && s->free[i].off + s->free[i].size == s->free[i + 1].off) {
    s->free[i].size += s->free[i + 1].size;
    mp_remove_block(s, i + 1);
  }
  if (i > 0 && s->free[i - 1].off + s->free[i - 1].size == s->free[i].off) {
    s->free[i - 1].size += s->free[i].size;
    mp_remove_block(s, i);
  }
  return HY_OK;
}

/* Where each value lives; output_index is recomputed because simplify may have changed which
 * value stands for a graph output. A value that is a constant or input and also an output keeps
 * CONST/INPUT (codegen copies it into the output buffer). An output that some entry computes
 * without filling it (ir_entry_stray_outputs) stays in the arena and is copied out likewise. */
static void classify_values(ir_graph *g, const bool *stray) {
  for (int32_t i = 0; i < g->n_values; i++) {
    ir_value *v = g->values[i];
    v->mem = v->data ? IR_MEM_CONST : v->producer ? IR_MEM_ARENA : IR_MEM_NONE;
    v->offset = 0;
    v->output_index = -1;
  }
  for (int32_t i = 0; i < g->n_inputs; i++)
    if (g->inputs[i]->mem == IR_MEM_NONE) g->inputs[i]->mem = IR_MEM_INPUT;
  for (int32_t i = 0; i < g->n_outputs; i++) {
    ir_value *v = g->outputs[i];
    if (v->output_index < 0) v->output_index = i;
    if (v->mem == IR_MEM_ARENA && !stray[v->id]) v->mem = IR_MEM_OUTPUT;
  }
}

/* A copy node whose output can be a view of its input: both in the arena (a graph input or
 * output, or a constant, has its own buffer), the same bytes, static sizes. */
static bool is_view(const ir_node *n) {
  if (!n->lowered || n->lowered->kernel != HY_KERNEL_copy || n->n_in < 1 || n->n_out != 1)
    return false;
  const ir_value *in = n->in[0], *out = n->out[0];
  return in && out && in->mem == IR_MEM_ARENA && out->mem == IR_MEM_ARENA &&
         !in->type.bounded && !out->type.bounded && !ir_node_value_dependent(n) &&
         ir_type_bytes(&in->type) >= 0 && ir_type_bytes(&in->type) == ir_type_bytes(&out->type);
}

/* root[v->id]: the value whose block v lives in (itself, or the first value of a chain of views);
 * a root lives until the last reader of any of its views. */
static void find_views(ir_graph *g, int32_t *root, int32_t *last) {
  for (int32_t i = 0; i < g->n_values; i++) root[i] = i;
  for (ir_node *n = g->first; n; n = n->next) {
    if (n->lowered) n->lowered->alias = is_view(n);
    if (!n->lowered || !n->lowered->alias) continue;
    int32_t r = root[n->in[0]->id], o = n->out[0]->id;
    root[o] = r;
    if (last[o] > last[r]) last[r] = last[o];
  }
}

/* last[v->id]: position of the last node reading v (its producer's when nothing reads it); past
 * the last node for a stray output, which the entries that list it copy out at the end. */
static void compute_last_use(ir_graph *g, int32_t *pos_of, int32_t *last, const bool *stray) {
  int32_t pos = 0;
  for (ir_node *n = g->first; n; n = n->next, pos++) pos_of[n->id] = pos;
  for (int32_t i = 0; i < g->n_values; i++) last[i] = -1;
  for (ir_node *n = g->first; n; n = n->next) {
    for (int32_t i = 0; i < n->n_out; i++)
      if (n->out[i] && last[n->out[i]->id] < pos_of[n->id]) last[n->out[i]->id] = pos_of[n->id];
    for (int32_t i = 0; i < n->n_in; i++)
      if (n->in[i] && last[n->in[i]->id] < pos_of[n->id]) last[n->in[i]->id] = pos_of[n->id];
  }
  for (int32_t i = 0; i < g->n_values; i++)
    if (stray[i]) last[i] = INT32_MAX;
}

static hy_status place_outputs(mp_state *s, ir_node *n) {
  if (n->lowered->alias) {
    n->out[0]->offset = n->in[0]->offset;
    return HY_OK;
  }
  for (int32_t i = 0; i < n->n_out; i++) {
    ir_value *v = n->out[i];
    if (!v || v->mem != IR_MEM_ARENA) continue;
    int64_t bytes = ir_type_bytes(&v->type);
    if (bytes < 0) {
      char tb[256];
      return ir_node_error(s->g, n, HY_ERR_INTERNAL, "output %d ('%s') has no static size (%s)",
                           i, v->name, ir_type_str(&v->type, tb, sizeof tb));
    }
    v->offset = mp_alloc(s, mp_round(bytes));
  }
  return HY_OK;
}

static hy_status release_dead(mp_state *s, ir_value *v, int32_t pos, const int32_t *last,
                              const int32_t *root, bool *freed) {
  /* a view's block is its root's, freed when the root's life (extended to its views') ends:
   * that node may read only a view */
  if (!v || v->mem != IR_MEM_ARENA) return HY_OK;
  v = s->g->values[root[v->id]];
  if (last[v->id] != pos || freed[v->id]) return HY_OK;
  freed[v->id] = true;
  return mp_free(s, v->offset, mp_round(ir_type_bytes(&v->type)));
}

/* At node pos: its outputs and scratch are placed while its inputs are still held (a kernel
 * reads inputs while writing outputs); then scratch and the values whose life ends are freed. */
static hy_status plan_node(mp_state *s, ir_node *n, int32_t pos, const int32_t *last,
                           const int32_t *root, bool *freed) {
  if (!n->lowered) return ir_node_error(s->g, n, HY_ERR_INTERNAL, "node was not lowered");
  if (place_outputs(s, n) != HY_OK) return s->g->d->status;
  int64_t scratch = n->lowered->scratch_bytes;
  n->lowered->scratch_offset = scratch > 0 ? mp_alloc(s, mp_round(scratch)) : 0;
  if (scratch > 0 && mp_free(s, n->lowered->scratch_offset, mp_round(scratch)) != HY_OK)
    return s->g->d->status;
  for (int32_t i = 0; i < n->n_in; i++)
    if (release_dead(s, n->in[i], pos, last, root, freed) != HY_OK) return s->g->d->status;
  for (int32_t i = 0; i < n->n_out; i++)
    if (release_dead(s, n->out[i], pos, last, root, freed) != HY_OK) return s->g->d->status;
  return HY_OK;
}

/* Shapes known at run time only: one block at the bottom of the arena, live for the whole run,
 * holds the run-time dims' values (written by the session, ir_graph.syms_offset), each
 * value-dependent node's extent (written by its kernel, ir_type.bounded) and, when a graph output
 * has either, the outputs' actual dims (written by the entry, read by the session). */
static void plan_extents(mp_state *s) {
  ir_graph *g = s->g;
  int64_t n_dyn = 0;
  bool out_bounded = false;
  for (ir_node *n = g->first; n; n = n->next)
    if (n->lowered && ir_node_value_dependent(n)) n_dyn++;
  for (int32_t i = 0; i < g->n_outputs; i++)
    out_bounded |= g->outputs[i]->type.bounded != 0 || g->outputs[i]->type.dyn;
  g->out_dims_offset = -1;
  g->syms_offset = -1;
  if (!n_dyn && !out_bounded && !g->n_syms) return;
  int64_t dims_bytes = out_bounded ? (int64_t)g->n_outputs * HY_MAX_RANK * 8 : 0;
  int64_t base = mp_alloc(s, mp_round(n_dyn * 8 + dims_bytes + (int64_t)g->n_syms * 8));
  if (out_bounded) g->out_dims_offset = base;
  if (g->n_syms) g->syms_offset = base + dims_bytes + n_dyn * 8;
  int64_t next = base + dims_bytes;
  for (ir_node *n = g->first; n; n = n->next)
    if (n->lowered && ir_node_value_dependent(n)) {
      n->lowered->extent_offset = next;
      next += 8;
    }
}

hy_status pass_plan_memory(ir_graph *g) {
  int32_t *pos_of = arena_array(g->a, (size_t)g->next_node_id + 1, sizeof *pos_of);
  int32_t *last = arena_array(g->a, (size_t)g->n_values + 1, sizeof *last);
  bool *freed = arena_array(g->a, (size_t)g->n_values + 1, sizeof *freed);
  bool *stray = arena_array(g->a, (size_t)g->n_values + 1, sizeof *stray);
  int32_t *root = arena_array(g->a, (size_t)g->n_values + 1, sizeof *root);
  if (!pos_of || !last || !freed || !stray || !root || ir_entry_stray_outputs(g, stray) < 0)
    return pass_oom(g);
  classify_values(g, stray);
  compute_last_use(g, pos_of, last, stray);
  find_views(g, root, last);
  mp_state s = {.g = g};
  plan_extents(&s);
  int32_t pos = 0;
  for (ir_node *n = g->first; n; n = n->next, pos++)
    if (plan_node(&s, n, pos, last, root, freed) != HY_OK) return g->d->status;
  g->arena_bytes = s.top;
  return HY_OK;
}
