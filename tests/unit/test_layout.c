/* The layout pass: constant MatMul weights read by a run-time A become one packed constant per
 * content, marked by its layout; a weight whose A is constant stays row-major. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "graph_fixture.h"
#include "hydra/gemm.h"
#include "ir_text.h"
#include "passes/passes.h"

static void setup(void) {
  graph_fixture_open("t.onnx", 4);
  G->name = "g";
}
TestSuite(layout, .init = setup, .fini = graph_fixture_close);

#define K 4
#define N 3
static const int64_t XD[] = {2, K}, WD[] = {K, N}, YD[] = {2, N};

static ir_value *weight(const char *name) {
  float *p = arena_array(&A, K * N, sizeof *p);
  for (int i = 0; i < K * N; i++)
    p[i] = (float)i * 0.5f;
  return ir_const_new(G, name, HY_DTYPE_FLOAT, 2, WD, p);
}

static ir_value *matmul(const char *out, ir_value *a, ir_value *b) {
  ir_node *n = ir_node_new(G, OP_MatMul, NULL, NULL, 2, 1);
  ir_node_set_input(G, n, 0, a);
  ir_node_set_input(G, n, 1, b);
  ir_node_set_output(G, n, 0, graph_fixture_value(out, HY_DTYPE_FLOAT, 2, YD));
  return n->out[0];
}

Test(layout, equal_weights_share_one_packed_constant) {
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, XD);
  G->outputs[G->n_outputs++] = matmul("y1", x, weight("w1"));
  G->outputs[G->n_outputs++] = matmul("y2", x, weight("w2"));
  cr_assert_eq(pass_layout(G), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_verify(G, "layout"), HY_OK, "%s", D.msg);
  ir_value *p = G->first->in[1];
  cr_assert_eq(p->layout, IR_LAYOUT_GEMM_PACKED_B);
  int64_t rows = (int64_t)(hy_sgemm_packed_b_bytes(K, N) / sizeof(float)) / HY_GEMM_NR;
  char want[512];
  snprintf(want, sizeof want,
           "graph 'g' (%%x: float[2,4])\n"
           "  %%w1#gemm_packed: float[%lld,%d] gemm_packed_b = const #%08llx\n"
           "  %%y1: float[2,3] = MatMul(%%x, %%w1#gemm_packed)\n"
           "  %%y2: float[2,3] = MatMul(%%x, %%w1#gemm_packed)\n"
           "  return %%y1, %%y2\n",
           (long long)rows, HY_GEMM_NR, (unsigned long long)(ir_const_hash(p) >> 32));
  ir_text_assert_eq(G, want);
  cr_assert_eq(pass_layout(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, want); /* packed once: a packed weight is not packed again */
}

Test(layout, a_weight_read_by_a_constant_stays_row_major) {
  float *a = arena_array(&A, 2 * K, sizeof *a);
  ir_value *c = ir_const_new(G, "a", HY_DTYPE_FLOAT, 2, XD, a);
  G->outputs[G->n_outputs++] = matmul("y", c, weight("w"));
  cr_assert_eq(pass_layout(G), HY_OK, "%s", D.msg);
  cr_assert_eq(G->first->in[1]->layout, IR_LAYOUT_ROW_MAJOR);
  cr_assert_str_eq(G->first->in[1]->name, "w");
}
