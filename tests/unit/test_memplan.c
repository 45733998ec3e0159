/* The memory planner on hand-built graphs: no two intermediates live at the same time share bytes
 * (unless one is a view of the other), offsets are 64-byte aligned, scratch never overlaps what
 * its node reads or writes, freed blocks are reused, and copy nodes between arena values become
 * views that share their input's block for as long as either is read. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "graph_fixture.h"
#include "passes/passes.h"

static void setup(void) { graph_fixture_open("m.onnx", 64); }
TestSuite(memplan, .init = setup, .fini = graph_fixture_close);

static ir_value *fvec(const char *name, int64_t n) {
  return graph_fixture_value(name, HY_DTYPE_FLOAT, 1, &n);
}

/* The planner only needs structure: nodes are of no known op, lowered by hand. */
static ir_node *op(ir_value **in, int32_t n_in, ir_value **out, int32_t n_out, int64_t scratch) {
  ir_node *n = ir_node_new(G, OP_UNKNOWN, "Op", NULL, n_in, n_out);
  for (int32_t i = 0; i < n_in; i++) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++) ir_node_set_output(G, n, i, out[i]);
  n->lowered = arena_alloc(&A, sizeof *n->lowered);
  n->lowered->scratch_bytes = scratch;
  return n;
}

/* A node of the copy kernel (what Reshape, Squeeze, ... lower to). */
static ir_node *copy_op(ir_value *in, ir_value *out) {
  ir_node *n = op(&in, 1, &out, 1, 0);
  n->lowered->kernel = HY_KERNEL_copy;
  return n;
}

static int64_t span(const ir_value *v) { return ir_type_bytes(&v->type); }

/* The value whose block v lives in: up through the views (alias nodes) that made it. */
static const ir_value *root_of(const ir_value *v) {
  for (const ir_node *n = G->first; n; n = n->next)
    if (n->lowered->alias && n->out[0] == v) return root_of(n->in[0]);
  return v;
}

static bool overlap(int64_t a, int64_t alen, int64_t b, int64_t blen) {
  return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

/* Positions: where each value's block is defined and last used, from the node order (a block
 * is a value with its views). */
static void live_range(const ir_value *v, int32_t *def, int32_t *last) {
  int32_t pos = 0;
  *def = *last = -1;
  v = root_of(v);
  for (const ir_node *n = G->first; n; n = n->next, pos++) {
    for (int32_t i = 0; i < n->n_out; i++)
      if (n->out[i] && root_of(n->out[i]) == v) {
        if (*def < 0) *def = pos;
        if (*last < pos) *last = pos;
      }
    for (int32_t i = 0; i < n->n_in; i++)
      if (n->in[i] && root_of(n->in[i]) == v && *last < pos) *last = pos;
  }
}

static void check_plan(void) {
  for (int32_t i = 0; i < G->n_values; i++) {
    const ir_value *a = G->values[i];
    if (a->mem != IR_MEM_ARENA) continue;
    cr_assert_eq(a->offset % 64, 0, "%s at %lld", a->name, (long long)a->offset);
    cr_assert_leq(a->offset + span(a), G->arena_bytes);
    int32_t da, la;
    live_range(a, &da, &la);
    for (int32_t j = i + 1; j < G->n_values; j++) {
      const ir_value *b = G->values[j];
      if (b->mem != IR_MEM_ARENA || root_of(a) == root_of(b)) continue;
      int32_t db, lb;
      live_range(b, &db, &lb);
      if (da <= lb && db <= la)
        cr_assert(!overlap(a->offset, span(a), b->offset, span(b)),
                  "%s [%d,%d] @%lld+%lld overlaps %s [%d,%d] @%lld+%lld", a->name, da, la,
                  (long long)a->offset, (long long)span(a), b->name, db, lb, (long long)b->offset,
                  (long long)span(b));
    }
  }
  int32_t pos = 0;
  for (const ir_node *n = G->first; n; n = n->next, pos++) {
    const ir_lowered *l = n->lowered;
    if (!l->scratch_bytes) continue;
    cr_assert_eq(l->scratch_offset % 64, 0);
    cr_assert_leq(l->scratch_offset + l->scratch_bytes, G->arena_bytes);
    for (int32_t i = 0; i < G->n_values; i++) {
      const ir_value *v = G->values[i];
      int32_t d, last;
      live_range(v, &d, &last);
      if (v->mem == IR_MEM_ARENA && d <= pos && pos <= last && !n->lowered->alias)
        cr_assert(!overlap(l->scratch_offset, l->scratch_bytes, v->offset, span(v)),
                  "scratch of node %d overlaps %s", pos, v->name);
    }
  }
}

Test(memplan, chain_reuses_two_blocks) {
  ir_value *v[11];
  for (int i = 0; i <= 10; i++) v[i] = fvec(i ? "t" : "x", 1000);
  G->inputs[G->n_inputs++] = v[0];
  v[0]->input_index = 0;
  for (int i = 0; i < 10; i++) op(&v[i], 1, &v[i + 1], 1, 0);
  G->outputs[G->n_outputs++] = v[10];
  cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
  cr_assert_eq(v[0]->mem, IR_MEM_INPUT);
  cr_assert_eq(v[10]->mem, IR_MEM_OUTPUT);
  cr_assert_eq(v[10]->output_index, 0);
  for (int i = 1; i < 10; i++) cr_assert_eq(v[i]->mem, IR_MEM_ARENA);
  cr_assert_eq(G->arena_bytes, 2 * 4032, "4000 bytes round to 4032; a chain needs two blocks");
  check_plan();
}

Test(memplan, constants_inputs_outputs_stay_out_of_the_arena) {
  ir_value *x = fvec("x", 8), *t = fvec("t", 8), *y = fvec("y", 8);
  static const float w[8] = {0};
  ir_value *c = ir_const_new(G, "w", HY_DTYPE_FLOAT, 1, (const int64_t[]){8}, w);
  G->inputs[G->n_inputs++] = x;
  x->input_index = 0;
  op((ir_value *[]){x, c}, 2, &t, 1, 0);
  op(&t, 1, &y, 1, 100);
  G->outputs[G->n_outputs++] = y;
  cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
  cr_assert_eq(c->mem, IR_MEM_CONST);
  cr_assert_eq(t->mem, IR_MEM_ARENA);
  cr_assert_eq(G->last->lowered->scratch_offset % 64, 0);
  cr_assert_eq(G->arena_bytes, 64 + 128, "t (32 B → 64) and its reader's scratch (100 → 128)");
  check_plan();
}

Test(memplan, unused_outputs_still_get_a_buffer) {
  ir_value *x = fvec("x", 16), *outs[2] = {fvec("a", 16), fvec("unused", 16)}, *y = fvec("y", 16);
  G->inputs[G->n_inputs++] = x;
  x->input_index = 0;
  op(&x, 1, outs, 2, 0);
  op(&outs[0], 1, &y, 1, 0);
  G->outputs[G->n_outputs++] = y;
  cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
  cr_assert_eq(outs[1]->mem, IR_MEM_ARENA, "the kernel writes it even if nobody reads it");
  check_plan();
}

/* Random DAGs: each node reads 1-3 earlier values and writes 1-2 new ones of random sizes. */
Test(memplan, random_dags_never_overlap_live_values) {
  srand(12345);
  for (int trial = 0; trial < 40; trial++) {
    graph_fixture_close();
    setup();
    ir_value *pool[256];
    int np = 0;
    for (int i = 0; i < 3; i++) {
      pool[np] = fvec("in", 1 + rand() % 500);
      pool[np]->input_index = G->n_inputs;
      G->inputs[G->n_inputs++] = pool[np++];
    }
    int n_nodes = 5 + rand() % 40;
    for (int k = 0; k < n_nodes && np < 250; k++) {
      ir_value *in[3], *out[2];
      int n_in = 1 + rand() % 3, n_out = 1 + rand() % 2;
      for (int i = 0; i < n_in; i++) in[i] = pool[rand() % np];
      for (int i = 0; i < n_out; i++) out[i] = pool[np++] = fvec("t", rand() % 3000);
      op(in, n_in, out, n_out, rand() % 3 ? 0 : rand() % 5000);
    }
    G->outputs[G->n_outputs++] = pool[np - 1];
    if (np > 8) G->outputs[G->n_outputs++] = pool[np / 2];
    cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
    check_plan();
  }
}

Test(memplan, a_copy_between_arena_values_is_a_view_that_keeps_its_block_alive) {
  /* x → a → (view) va → (view) vva; t is made while vva is still to be read, then b reads vva */
  ir_value *x = fvec("x", 256), *a = fvec("a", 256), *va = fvec("va", 256), *vva = fvec("vva", 256);
  ir_value *t = fvec("t", 256), *b = fvec("b", 256), *y = fvec("y", 256);
  G->inputs[G->n_inputs++] = x;
  x->input_index = 0;
  op(&x, 1, &a, 1, 0);
  ir_node *v1 = copy_op(a, va), *v2 = copy_op(va, vva);
  op(&x, 1, &t, 1, 0);
  op((ir_value *[]){vva, t}, 2, &b, 1, 0);
  op(&b, 1, &y, 1, 0);
  G->outputs[G->n_outputs++] = y;
  cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
  cr_expect(v1->lowered->alias && v2->lowered->alias);
  cr_expect_eq(va->offset, a->offset);
  cr_expect_eq(vva->offset, a->offset);
  cr_expect(!overlap(t->offset, span(t), a->offset, span(a)), "t took the block the views read");
  cr_expect_eq(G->arena_bytes, 3 * 1024, "a (with its views), t, b: the views take no bytes");
  check_plan();
}

Test(memplan, a_copy_from_an_input_or_into_an_output_stays_a_copy) {
  ir_value *x = fvec("x", 16), *vx = fvec("vx", 16), *a = fvec("a", 16), *y = fvec("y", 16);
  G->inputs[G->n_inputs++] = x;
  x->input_index = 0;
  ir_node *from_input = copy_op(x, vx);
  op(&vx, 1, &a, 1, 0);
  ir_node *into_output = copy_op(a, y);
  G->outputs[G->n_outputs++] = y;
  cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
  cr_expect(!from_input->lowered->alias, "the caller's input buffer is not the arena");
  cr_expect(!into_output->lowered->alias, "the output is the caller's buffer");
  check_plan();
}

/* Random DAGs where a third of the nodes are copies: views never overlap what else is live. */
Test(memplan, random_dags_with_views_never_overlap_live_values) {
  srand(777);
  for (int trial = 0; trial < 40; trial++) {
    graph_fixture_close();
    setup();
    ir_value *pool[256];
    int np = 0;
    pool[np] = fvec("in", 1 + rand() % 500);
    pool[np]->input_index = G->n_inputs;
    G->inputs[G->n_inputs++] = pool[np++];
    int n_nodes = 5 + rand() % 40;
    for (int k = 0; k < n_nodes && np < 250; k++) {
      ir_value *in[2], *out;
      if (rand() % 3 == 0) {
        in[0] = pool[rand() % np];
        out = pool[np++] = fvec("v", in[0]->type.dims[0]);
        copy_op(in[0], out);
        continue;
      }
      int n_in = 1 + rand() % 2;
      for (int i = 0; i < n_in; i++) in[i] = pool[rand() % np];
      out = pool[np++] = fvec("t", rand() % 3000);
      op(in, n_in, &out, 1, rand() % 3 ? 0 : rand() % 5000);
    }
    G->outputs[G->n_outputs++] = pool[np - 1];
    cr_assert_eq(pass_plan_memory(G), HY_OK, "%s", D.msg);
    check_plan();
  }
}
