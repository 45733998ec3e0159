/* CSE: copies of the same work (same op, attributes and inputs, constants equal by content) become
 * one node; anything that differs — an attribute, a constant's shape or bytes — stays apart, and
 * a graph output keeps its own producer. */
#include <criterion/criterion.h>
#include <string.h>

#include "graph_fixture.h"
#include "ir_text.h"
#include "passes/passes.h"

static void setup(void) {
  graph_fixture_open("t.onnx", 4);
  G->name = "g";
}
TestSuite(cse, .init = setup, .fini = graph_fixture_close);

static const int64_t XD[] = {3, 4};

static ir_value *input(const char *name) {
  return graph_fixture_input(name, HY_DTYPE_FLOAT, 2, XD);
}

static void output(ir_value *v) { G->outputs[G->n_outputs++] = v; }

/* A fresh float constant (its own copy of the bytes) of the given shape. */
static ir_value *constant(const char *name, int32_t rank, const int64_t *dims, const float *v,
                          int64_t n) {
  float *p = arena_array(&A, (size_t)n, sizeof *p);
  memcpy(p, v, (size_t)n * sizeof *p);
  return ir_const_new(G, name, HY_DTYPE_FLOAT, rank, dims, p);
}

static void set_alpha(ir_value *out, float alpha) {
  ir_node *n = out->producer;
  ir_attr *at = arena_array(&A, 2, sizeof *at);
  at[0] = (ir_attr){.name = "alpha", .kind = IR_ATTR_FLOAT, .f = alpha};
  n->attrs = at;
  n->n_attrs = 1;
}

Test(cse, copies_reading_equal_constants_merge) {
  ir_value *x = input("x");
  const float two = 2.0f;
  ir_value *r1 = graph_fixture_op(
      "Relu", "r", graph_fixture_op("Mul", "m", x, constant("c", 0, NULL, &two, 1)), NULL);
  ir_value *r2 = graph_fixture_op(
      "Relu", "r2", graph_fixture_op("Mul", "m2", x, constant("c2", 0, NULL, &two, 1)), NULL);
  output(graph_fixture_op("Add", "y", r1, r2));
  cr_assert_eq(pass_cse(G), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_verify(G, "cse"), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %c: float[] = const 2\n"
                       "  %m: float[3,4] = Mul(%x, %c)\n"
                       "  %r: float[3,4] = Relu(%m)\n"
                       "  %y: float[3,4] = Add(%r, %r)\n"
                       "  return %y\n");
}

Test(cse, constants_of_another_shape_or_content_stay_apart) {
  ir_value *x = input("x");
  const float v[] = {1, 2, 3, 4}, w[] = {1, 2, 3, 5};
  const int64_t d1[] = {4}, d2[] = {1, 4};
  ir_value *a = graph_fixture_op("Mul", "a", x, constant("k1", 1, d1, v, 4));
  ir_value *b = graph_fixture_op("Mul", "b", x, constant("k2", 2, d2, v, 4));
  ir_value *c = graph_fixture_op("Mul", "c", x, constant("k3", 1, d1, w, 4));
  output(graph_fixture_op("Add", "y", graph_fixture_op("Add", "s", a, b), c));
  cr_assert_eq(pass_cse(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %k1: float[4] = const [1,2,3,4]\n"
                       "  %k2: float[1,4] = const [1,2,3,4]\n"
                       "  %k3: float[4] = const [1,2,3,5]\n"
                       "  %a: float[3,4] = Mul(%x, %k1)\n"
                       "  %b: float[3,4] = Mul(%x, %k2)\n"
                       "  %c: float[3,4] = Mul(%x, %k3)\n"
                       "  %s: float[3,4] = Add(%a, %b)\n"
                       "  %y: float[3,4] = Add(%s, %c)\n"
                       "  return %y\n");
}

Test(cse, attributes_decide) {
  ir_value *x = input("x");
  ir_value *a = graph_fixture_op("LeakyRelu", "a", x, NULL),
           *b = graph_fixture_op("LeakyRelu", "b", x, NULL);
  ir_value *c = graph_fixture_op("LeakyRelu", "c", x, NULL);
  set_alpha(a, 0.1f), set_alpha(b, 0.2f), set_alpha(c, 0.1f);
  output(graph_fixture_op("Add", "y", graph_fixture_op("Add", "s", a, b), c));
  cr_assert_eq(pass_cse(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %a: float[3,4] = LeakyRelu(%x) {alpha=0.1}\n"
                       "  %b: float[3,4] = LeakyRelu(%x) {alpha=0.2}\n"
                       "  %s: float[3,4] = Add(%a, %b)\n"
                       "  %y: float[3,4] = Add(%s, %a)\n"
                       "  return %y\n");
}

/* Add(x, r) and Add(r, x) are the same work; Sub(x, r) and Sub(r, x) are not. */
Test(cse, commutative_operands_in_either_order) {
  ir_value *x = input("x");
  ir_value *r = graph_fixture_op("Relu", "r", x, NULL);
  ir_value *a = graph_fixture_op("Add", "a", x, r), *b = graph_fixture_op("Add", "b", r, x);
  ir_value *c = graph_fixture_op("Sub", "c", x, r), *d = graph_fixture_op("Sub", "d", r, x);
  ir_value *p = graph_fixture_op("Mul", "p", a, b); /* in this order (argument order is not) */
  ir_value *q = graph_fixture_op("Mul", "q", c, d);
  output(graph_fixture_op("Mul", "y", p, q));
  cr_assert_eq(pass_cse(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %r: float[3,4] = Relu(%x)\n"
                       "  %a: float[3,4] = Add(%x, %r)\n"
                       "  %c: float[3,4] = Sub(%x, %r)\n"
                       "  %d: float[3,4] = Sub(%r, %x)\n"
                       "  %p: float[3,4] = Mul(%a, %a)\n"
                       "  %q: float[3,4] = Mul(%c, %d)\n"
                       "  %y: float[3,4] = Mul(%p, %q)\n"
                       "  return %y\n");
}

/* Both copies are graph outputs: each keeps its name, so neither goes. */
Test(cse, graph_outputs_keep_their_producers) {
  ir_value *x = input("x");
  output(graph_fixture_op("Relu", "y1", x, NULL));
  output(graph_fixture_op("Relu", "y2", x, NULL));
  cr_assert_eq(pass_cse(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %y1: float[3,4] = Relu(%x)\n"
                       "  %y2: float[3,4] = Relu(%x)\n"
                       "  return %y1, %y2\n");
}

Test(cse, content_hash_and_equality) {
  const float v[] = {1, 2, 3, 4};
  const int64_t d[] = {4}, d2[] = {2, 2};
  ir_value *a = constant("a", 1, d, v, 4), *b = constant("b", 1, d, v, 4);
  ir_value *c = constant("c", 2, d2, v, 4);
  cr_assert_eq(ir_const_hash(a), ir_const_hash(b));
  cr_assert(ir_const_equal(a, b));
  cr_assert(!ir_const_equal(a, c), "another shape is another constant");
  cr_assert_eq(ir_const_intern(G, a), a);
  cr_assert_eq(ir_const_intern(G, b), a);
  cr_assert_eq(ir_const_intern(G, c), c);
  b->layout = IR_LAYOUT_GEMM_PACKED_B;
  b->hashed_data = NULL;
  cr_assert(!ir_const_equal(a, b), "the same bytes in another layout are another constant");
  /* string tensors hold pointers: Hydra cannot tell their content, so they never merge */
  static const char *s1[4] = {"a", "b", "c", "d"}, *s2[4] = {"a", "b", "c", "e"};
  ir_value *t1 = ir_const_new(G, "s1", HY_DTYPE_STRING, 1, d, s1);
  ir_value *t2 = ir_const_new(G, "s2", HY_DTYPE_STRING, 1, d, s2);
  cr_assert(!ir_const_equal(t1, t2));
  cr_assert_eq(ir_const_intern(G, t1), t1);
  cr_assert_eq(ir_const_intern(G, t2), t2);
}

/* Two copies of Relu(x * 2) into a MatMul with a constant weight: CSE, the layout pass and the
 * rest of the pipeline, with the n-th arena allocation failing, for every n until none fails. */
static void build_pipeline_graph(void) {
  const float two = 2.0f;
  static float w[12];
  const int64_t wd[] = {4, 3};
  ir_value *x = input("x");
  ir_value *r1 = graph_fixture_op(
      "Relu", "r", graph_fixture_op("Mul", "m", x, constant("c", 0, NULL, &two, 1)), NULL);
  ir_value *r2 = graph_fixture_op(
      "Relu", "r2", graph_fixture_op("Mul", "m2", x, constant("c2", 0, NULL, &two, 1)), NULL);
  ir_value *y = graph_fixture_op("MatMul", "y", graph_fixture_op("Add", "s", r1, r2),
                                 ir_const_new(G, "w", HY_DTYPE_FLOAT, 2, wd, w));
  y->type.dims[1] = 3; /* [3,4] x [4,3] */
  output(y);
}

Test(cse, every_allocation_failure_in_the_passes_is_reported) {
  graph_fixture_close();
  bool done = false;
  int64_t n;
  for (n = 0; !done && n < 100000; n++) {
    setup();
    build_pipeline_graph();
    A.fail_after = n;
    hy_status s = pass_run_all(G, NULL, 0);
    if (s == HY_OK) {
      cr_assert_eq(G->n_nodes, 4, "Mul, Relu, Add, MatMul: the copies merged");
      done = true;
    } else {
      cr_assert_eq(s, HY_ERR_OUT_OF_MEMORY, "allocation %lld: %s", (long long)n, D.msg);
    }
    graph_fixture_close();
  }
  setup(); /* for the suite's .fini */
  cr_assert(done);
  cr_assert_gt(n, 10);
}
