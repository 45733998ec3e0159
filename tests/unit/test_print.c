/* The textual IR printer: a graph prints the same text whatever its addresses (constants by
 * value or content hash), names stay unique, attributes come in name order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "graph_fixture.h"
#include "ir_text.h"

static void setup(void) {
  graph_fixture_open("t.onnx", 4);
  G->name = "g";
}
TestSuite(print, .init = setup, .fini = graph_fixture_close);

static const int64_t XD[] = {3, 4};

static ir_value *input(const char *name) {
  return graph_fixture_input(name, HY_DTYPE_FLOAT, 2, XD);
}

static void output(ir_value *v) { G->outputs[G->n_outputs++] = v; }

static ir_value *floats(const char *name, int32_t rank, const int64_t *dims, int64_t n, float v) {
  float *p = arena_array(&A, (size_t)n, sizeof *p);
  for (int64_t i = 0; i < n; i++)
    p[i] = v + (float)i;
  return ir_const_new(G, name, HY_DTYPE_FLOAT, rank, dims, p);
}

Test(print, nodes_constants_and_attributes) {
  ir_value *x = input("x");
  ir_value *half = floats("half", 0, NULL, 1, 0.5f);
  ir_value *t = graph_fixture_op("Mul", "t", x, half);
  const int64_t wd[] = {4};
  ir_node *ln = ir_node_new(G, OP_LayerNormalization, NULL, "ln", 3, 1);
  ir_node_set_input(G, ln, 0, t);
  ir_node_set_input(G, ln, 1, floats("gamma", 1, wd, 4, 1.0f));
  ir_node_set_output(G, ln, 0, graph_fixture_value("y", HY_DTYPE_FLOAT, 2, XD));
  ir_attr *at = arena_array(&A, 2, sizeof *at);
  at[0] = (ir_attr){.name = "epsilon", .kind = IR_ATTR_FLOAT, .f = 1e-5f};
  at[1] = (ir_attr){.name = "axis", .kind = IR_ATTR_INT, .i = -1};
  ln->attrs = at;
  ln->n_attrs = 2;
  output(ln->out[0]);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %half: float[] = const 0.5\n"
                       "  %gamma: float[4] = const [1,2,3,4]\n"
                       "  %t: float[3,4] = Mul(%x, %half)\n"
                       "  %y: float[3,4] = LayerNormalization(%t, %gamma, _) {axis=-1, "
                       "epsilon=1e-05}\n"
                       "  return %y\n");
}

Test(print, repeated_and_empty_names_are_numbered) {
  ir_value *x = input("x");
  ir_value *a = graph_fixture_op("Relu", "t", x, NULL);
  ir_value *b = graph_fixture_op("Neg", "t", a, NULL);
  ir_value *c = graph_fixture_op("Abs", "", b, NULL);
  output(graph_fixture_op("Add", "", c, a));
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %t: float[3,4] = Relu(%x)\n"
                       "  %t.1: float[3,4] = Neg(%t)\n"
                       "  %v.1: float[3,4] = Abs(%t.1)\n"
                       "  %v.2: float[3,4] = Add(%v.1, %t)\n"
                       "  return %v.2\n");
}

/* A large constant prints as its content hash: the same bytes at another address print the same,
 * one changed element prints otherwise. */
Test(print, large_constants_print_by_content) {
  const int64_t wd[] = {4, 4};
  ir_value *x = input("x");
  ir_value *w1 = floats("w", 2, wd, 16, 1.0f);
  output(graph_fixture_op("MatMul", "y", x, w1));
  char *first = ir_print_to_string(G);
  cr_assert_not_null(first);
  char line[128];
  snprintf(line, sizeof line, "  %%w: float[4,4] = const #%08llx\n",
           (unsigned long long)(ir_const_hash(w1) >> 32));
  cr_assert(strstr(first, line), "%s", first);

  ir_value *w2 = floats("w", 2, wd, 16, 1.0f);
  cr_assert_neq(w1->data, w2->data);
  ir_node_set_input(G, G->first, 1, w2);
  char *second = ir_print_to_string(G);
  cr_assert_str_eq(first, second);
  ((float *)w2->data)[15] = 0.25f;
  w2->hashed_data = NULL; /* the memo is keyed on the data pointer, not its bytes */
  char *third = ir_print_to_string(G);
  cr_assert_str_neq(first, third);
  free(first);
  free(second);
  free(third);
}

Test(print, float_attributes_print_the_shortest_exact_form) {
  ir_value *x = input("x");
  ir_node *n = graph_fixture_op("LeakyRelu", "y", x, NULL)->producer;
  ir_attr *at = arena_array(&A, 1, sizeof *at);
  at[0] = (ir_attr){.name = "alpha", .kind = IR_ATTR_FLOAT, .f = 0.1f};
  n->attrs = at;
  n->n_attrs = 1;
  output(n->out[0]);
  ir_text_assert_eq(G, "graph 'g' (%x: float[3,4])\n"
                       "  %y: float[3,4] = LeakyRelu(%x) {alpha=0.1}\n"
                       "  return %y\n");
  at[0].f = 0.1f + 1e-8f; /* a float %.6g cannot tell from 0.1 */
  char *s = ir_print_to_string(G);
  cr_assert(strstr(s, "alpha=0.100000009") || strstr(s, "alpha=0.100000016"), "%s", s);
  free(s);
}
