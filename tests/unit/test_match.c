/* The matcher helpers of ir/match.h (constants by value in every float dtype, scalar or splat;
 * commutative operands; single use; broadcast-compatible shapes) and the worklist driver, which
 * revisits the nodes a rewrite made until nothing matches. */
#include <criterion/criterion.h>
#include <string.h>

#include "graph_fixture.h"
#include "ir/match.h"
#include "ir_text.h"

static void setup(void) {
  graph_fixture_open("t.onnx", 4);
  G->name = "g";
}
TestSuite(match, .init = setup, .fini = graph_fixture_close);

static const int64_t XD[] = {3, 4};

static ir_value *input(const char *name) {
  return graph_fixture_input(name, HY_DTYPE_FLOAT, 2, XD);
}

/* A constant of dtype dt holding n copies of the 16- or 32-bit (or 64-bit) pattern of x. */
static ir_value *splat(hy_dtype dt, int32_t rank, const int64_t *dims, int64_t n, double x) {
  size_t sz = hy_dtype_size(dt);
  unsigned char *p = arena_array(&A, (size_t)n, sz);
  for (int64_t i = 0; i < n; i++) {
    float f = (float)x;
    uint16_t h = dt == HY_DTYPE_FLOAT16 ? hy_f32_to_f16(f) : hy_f32_to_bf16(f);
    if (dt == HY_DTYPE_FLOAT)
      memcpy(p + i * sz, &f, sz);
    else if (dt == HY_DTYPE_DOUBLE)
      memcpy(p + i * sz, &x, sz);
    else
      memcpy(p + i * sz, &h, sz);
  }
  return ir_const_new(G, "k", dt, rank, dims, p);
}

Test(match, constant_values_in_every_float_dtype) {
  const int64_t d[] = {2, 3};
  hy_dtype dts[] = {HY_DTYPE_FLOAT, HY_DTYPE_DOUBLE, HY_DTYPE_FLOAT16, HY_DTYPE_BFLOAT16};
  for (int i = 0; i < 4; i++) {
    ir_value *s = splat(dts[i], 0, NULL, 1, 0.5), *m = splat(dts[i], 2, d, 6, 0.5);
    cr_expect(ir_match_const_value(s, 0.5, 0), "scalar, dtype %d", dts[i]);
    cr_expect(ir_match_const_value(m, 0.5, 0), "splat, dtype %d", dts[i]);
    cr_expect(!ir_match_const_value(m, 0.25, 0.1), "another value, dtype %d", dts[i]);
    double v;
    cr_expect(ir_match_const_scalar(s, &v) && v == 0.5);
    cr_expect(!ir_match_const_scalar(m, &v), "six elements are no scalar");
  }
  ir_value *m = splat(HY_DTYPE_FLOAT, 2, d, 6, 1.0);
  ((float *)m->data)[5] = 1.5f; /* not a splat any more */
  cr_expect(!ir_match_const_value(m, 1.0, 1e-3));
  cr_expect(ir_match_const_value(splat(HY_DTYPE_FLOAT, 0, NULL, 1, 1.4142135), 1.41421356237, 1e-6),
            "within rel");
  int32_t *iv = arena_alloc(&A, sizeof *iv);
  *iv = 2;
  cr_expect(!ir_match_const_value(ir_const_new(G, "i", HY_DTYPE_INT32, 0, NULL, iv), 2, 0),
            "an int constant is no float constant");
  cr_expect(!ir_match_const_value(input("x"), 0, 0), "a run-time value is no constant");
}

Test(match, commutative_operands_and_single_use) {
  ir_value *x = input("x");
  ir_value *half = splat(HY_DTYPE_FLOAT, 0, NULL, 1, 0.5);
  ir_value *a = graph_fixture_op("Mul", "a", half, x), *b = graph_fixture_op("Mul", "b", x, half);
  ir_value *other = NULL;
  cr_expect(ir_match_const_operand(a->producer, 0.5, 0, &other) && other == x);
  other = NULL;
  cr_expect(ir_match_const_operand(b->producer, 0.5, 0, &other) && other == x);
  cr_expect(!ir_match_const_operand(b->producer, 2.0, 0, &other));
  cr_expect_eq(ir_match_other(a->producer, x), half);
  cr_expect_eq(ir_match_producer(a, OP_Mul), a->producer);
  cr_expect_null(ir_match_producer(a, OP_Add));
  cr_expect_null(ir_match_producer(half, OP_Mul));
  ir_value *s = graph_fixture_op("Add", "s", a, b);
  cr_expect(ir_match_single_use(G, a));
  cr_expect(!ir_match_single_use(G, x), "x has two readers");
  G->outputs[G->n_outputs++] = s;
  graph_fixture_op("Neg", "n", a, NULL);
  cr_expect(!ir_match_single_use(G, a), "a has two readers now");
  cr_expect(!ir_match_single_use(G, s), "a graph output is never private");
}

Test(match, broadcast_compatible_shapes) {
  ir_type big = {.dtype = HY_DTYPE_FLOAT, .rank = 3, .dims = {2, 3, 4}};
  ir_type ok[] = {{.dtype = HY_DTYPE_FLOAT, .rank = 0, .dims = {0}},
                  {.dtype = HY_DTYPE_FLOAT, .rank = 1, .dims = {4}},
                  {.dtype = HY_DTYPE_FLOAT, .rank = 2, .dims = {1, 4}},
                  {.dtype = HY_DTYPE_FLOAT, .rank = 3, .dims = {2, 1, 1}}};
  ir_type bad[] = {{.dtype = HY_DTYPE_FLOAT, .rank = 1, .dims = {3}},
                   {.dtype = HY_DTYPE_FLOAT, .rank = 4, .dims = {1, 2, 3, 4}},
                   {.dtype = HY_DTYPE_FLOAT, .rank = 2, .dims = {-1, 4}}};
  for (int i = 0; i < 4; i++)
    cr_expect(ir_match_broadcasts_to(&ok[i], &big), "ok %d", i);
  for (int i = 0; i < 3; i++)
    cr_expect(!ir_match_broadcasts_to(&bad[i], &big), "bad %d", i);
  cr_expect(ir_match_same_type(&big, &big));
  cr_expect(!ir_match_same_type(&ok[3], &big));
}

/* Abs(Abs(v)) → Abs(v), matched at the inner Abs looking at its only reader: a node the rewrite
 * made must be visited again for a chain of four to end as one. */
static hy_status merge_abs(ir_graph *g, ir_node *n, void *ctx, ir_node **made) {
  int *calls = ctx;
  (*calls)++;
  ir_value *v = n->out[0];
  if (n->op != OP_Abs || !ir_match_single_use(g, v)) return HY_OK;
  ir_node *reader = v->uses[0].node;
  if (reader->op != OP_Abs) return HY_OK;
  ir_node *m = ir_node_new(g, OP_Abs, NULL, NULL, 1, 1);
  ir_node_move_before(g, m, reader);
  ir_value *src = n->in[0], *out = reader->out[0];
  ir_node_remove(g, reader);
  ir_node_remove(g, n);
  ir_node_set_input(g, m, 0, src);
  ir_node_set_output(g, m, 0, out);
  *made = m;
  return HY_OK;
}

Test(match, worklist_revisits_what_a_rewrite_made) {
  ir_value *x = input("x");
  ir_value *y = graph_fixture_op("Abs", "a1", x, NULL);
  y = graph_fixture_op("Abs", "a4",
                       graph_fixture_op("Abs", "a3", graph_fixture_op("Abs", "a2", y, NULL), NULL),
                       NULL);
  G->outputs[G->n_outputs++] = y;
  int calls = 0;
  cr_assert_eq(ir_rewrite_worklist(G, merge_abs, &calls), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_verify(G, "test"), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %a4: float[3,4] = Abs(%x)\n"
                       "  return %a4\n");
  cr_expect_lt(calls, 12, "%d calls for 4 nodes", calls);
}
