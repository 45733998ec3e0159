/* Transpose folding (passes/fold_transpose.c) on hand-built graphs: a Transpose that swaps the
 * row groups of a GEMM's A or of its product leaves the graph, the GEMM reading or writing those
 * rows in place (perm_A, perm_Y), with the values of the unfolded graph; Transposes that move the
 * last axis or more than two groups stay; a hostile perm_A is refused by name. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "codegen/codegen.h"
#include "hydra/hydra.h"
#include "passes/passes.h"

#include "graph_fixture.h"

#define K 16

static void setup(void) {
  graph_fixture_open("t.onnx", 8);
  G->opset = 14;
}
TestSuite(fold_transpose, .init = setup, .fini = graph_fixture_close);

static ir_value *input(int32_t rank, const int64_t *dims) {
  return graph_fixture_input("x", HY_DTYPE_FLOAT, rank, dims);
}

static ir_value *constant(int32_t rank, const int64_t *dims, int seed) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= dims[i];
  float *p = arena_array(&A, (size_t)n, sizeof *p);
  for (int64_t i = 0; i < n; i++) p[i] = (float)((i * 13 + seed) % 17) * 0.0625f - 0.5f;
  return ir_const_new(G, "w", HY_DTYPE_FLOAT, rank, dims, p);
}

static ir_value *ints(const int64_t *v, int64_t n) {
  int64_t *p = arena_array(&A, (size_t)n, sizeof *p);
  memcpy(p, v, sizeof *p * (size_t)n);
  return ir_const_new(G, "shape", HY_DTYPE_INT64, 1, &n, p);
}

static ir_node *node(const char *type, ir_value *a, ir_value *b, ir_value *c) {
  int n_in = c ? 3 : b ? 2 : 1;
  ir_node *n = ir_node_new(G, ir_op_lookup("", type), type, type, n_in, 1);
  ir_node_set_input(G, n, 0, a);
  if (b) ir_node_set_input(G, n, 1, b);
  if (c) ir_node_set_input(G, n, 2, c);
  ir_node_set_output(G, n, 0, ir_value_new(G, "t"));
  return n;
}

static ir_value *transpose(ir_value *x, const int64_t *perm, int32_t rank) {
  ir_node *n = node("Transpose", x, NULL, NULL);
  ir_attr *at = arena_array(&A, 1, sizeof *at);
  int64_t *p = arena_array(&A, (size_t)rank, sizeof *p);
  memcpy(p, perm, sizeof *p * (size_t)rank);
  at[0] = (ir_attr){.name = "perm", .kind = IR_ATTR_INTS, .ints = p, .n = rank};
  n->attrs = at, n->n_attrs = 1;
  return n->out[0];
}

static int count_op(ir_op o) {
  int k = 0;
  for (ir_node *n = G->first; n; n = n->next) k += n->op == o;
  return k;
}

/* Compiles G and runs it on x (every input the same values, as many as the largest needs). */
static void run(const float *x, float **ys) {
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(G, "m", NULL, &j), HY_OK, "%s", D.msg);
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), NULL, &s), HY_OK);
  const void *in[] = {x, x};
  cr_assert_eq(hy_session_run(s, in, (void **)ys), HY_OK);
  hy_session_destroy(s);
  cg_jit_free(j);
}

/* y[r][j] = sum_k a[arow(r)][k] w[k][j] + bias[j] (+ res[r][j]); rows numbered as y stores
 * them. */
static void expect_rows(const float *y, int64_t rows, int64_t N, const float *a,
                        const int64_t *arow, const float *w, const float *bias, const float *res) {
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < N; j++) {
      double s = bias ? bias[j] : 0;
      for (int64_t k = 0; k < K; k++) s += (double)a[arow[r] * K + k] * w[k * N + j];
      if (res) s += res[r * N + j];
      cr_expect(fabs(y[r * N + j] - s) < 1e-4 * (1 + fabs(s)), "[%lld][%lld]: %g, want %g",
                (long long)r, (long long)j, y[r * N + j], s);
    }
}

static void fill(float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++) x[i] = (float)((i * 37) % 23) * 0.125f - 1.25f;
}

/* Runs G on the fixed x and checks its output y, whose row u*V + v (rows [U, V]) is A's row
 * v*U + u times w, plus the bias b (NULL: none), plus a residual: res's row u*V + v (NULL: none),
 * or, when residual_is_a, x's own row v*U + u (a residual read in A's order; N is K). */
static void expect_swapped(int64_t U, int64_t V, int64_t N, const ir_value *w, const ir_value *b,
                           const float *res, bool residual_is_a) {
  enum { MAX_ROWS = 16, MAX_N = 24 };
  cr_assert(U * V <= MAX_ROWS && N <= MAX_N);
  float xs[MAX_ROWS * K], y[MAX_ROWS * MAX_N], xres[MAX_ROWS * K];
  int64_t arow[MAX_ROWS];
  fill(xs, U * V * K);
  float *ys[] = {y};
  run(xs, ys);
  for (int64_t u = 0; u < U; u++)
    for (int64_t v = 0; v < V; v++) {
      int64_t r = u * V + v;
      arow[r] = v * U + u;
      if (residual_is_a) memcpy(xres + r * N, xs + arow[r] * K, sizeof(float) * N);
    }
  expect_rows(y, U * V, N, xs, arow, w->data, b ? b->data : NULL, residual_is_a ? xres : res);
}

/* [P, Q, K] → Transpose(1, 0, 2) → MatMul: the product's row (q, p) is A's row (p, q). Both
 * loops of the kernel: over p when P <= Q, over q otherwise. */
static void transpose_into_a(int64_t P, int64_t Q) {
  const int64_t xd[] = {P, Q, K}, wd[] = {K, 24}, perm[] = {1, 0, 2};
  ir_value *x = input(3, xd), *w = constant(2, wd, 1);
  graph_fixture_output(node("MatMul", transpose(x, perm, 3), w, NULL)->out[0]);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Transpose), 0);
  cr_assert_eq(count_op(OP_FusedMatMul), 1);
  cr_expect_not_null(ir_attr_find(G->last, "perm_A"));
  expect_swapped(Q, P, 24, w, NULL, NULL, false);
}

Test(fold_transpose, transpose_of_a_becomes_perm_a_with_the_same_values) {
  transpose_into_a(2, 5);
}
Test(fold_transpose, more_groups_than_rows_loop_over_the_other) { transpose_into_a(5, 2); }

/* Gemm [P*Q, K] with C → Reshape [Q, P, N] → Transpose(1, 0, 2) → [P, Q, N] + residual: the
 * Reshape moves onto A and the Gemm writes row (p, q) from A's row q*P + p. */
Test(fold_transpose, transpose_of_a_reshaped_product_becomes_perm_y) {
  const int64_t P = 3, Q = 4, N = 8;
  const int64_t xd[] = {P * Q, K}, wd[] = {K, N}, bd[] = {N}, sh[] = {Q, P, N}, perm[] = {1, 0, 2};
  const int64_t rd[] = {P, Q, N};
  ir_value *x = input(2, xd), *w = constant(2, wd, 2), *b = constant(1, bd, 3);
  ir_value *res = constant(3, rd, 4);
  ir_value *g = node("Gemm", x, w, b)->out[0];
  ir_value *t = transpose(node("Reshape", g, ints(sh, 3), NULL)->out[0], perm, 3);
  graph_fixture_output(node("Add", t, res, NULL)->out[0]);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Transpose), 0);
  cr_expect_eq(count_op(OP_Gemm), 0);
  expect_swapped(P, Q, N, w, b, res->data, false);
}

/* A product with its residual fused (in the product's order), then transposed: perm_Y reads the
 * residual in A's order, not Y's. */
Test(fold_transpose, a_fused_residual_keeps_the_products_order) {
  const int64_t P = 2, Q = 3, N = 16;
  const int64_t xd[] = {P, Q, K}, wd[] = {K, N}, perm[] = {1, 0, 2};
  ir_value *x = input(3, xd), *w = constant(2, wd, 5);
  ir_value *sum = node("Add", node("MatMul", x, w, NULL)->out[0], x, NULL)->out[0];
  graph_fixture_output(transpose(sum, perm, 3));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Transpose), 0);
  cr_assert_eq(count_op(OP_FusedMatMul), 1);
  cr_expect_not_null(ir_attr_find(G->last, "perm_Y"));
  expect_swapped(Q, P, N, w, NULL, NULL, true);
}

/* A product with a fused residual whose rows a Reshape regroups before the Transpose: moving the
 * Reshape onto A would leave the residual shaped otherwise, so the Transpose stays (and the
 * values are right). */
Test(fold_transpose, a_reshaped_product_with_a_residual_stays) {
  const int64_t P = 2, Q = 3, N = K;
  const int64_t xd[] = {P * Q, K}, wd[] = {K, N}, sh[] = {Q, P, N}, perm[] = {1, 0, 2};
  ir_value *x = input(2, xd), *w = constant(2, wd, 9);
  ir_value *sum = node("Add", node("MatMul", x, w, NULL)->out[0], x, NULL)->out[0];
  graph_fixture_output(transpose(node("Reshape", sum, ints(sh, 3), NULL)->out[0], perm, 3));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Transpose), 1);
  expect_swapped(P, Q, N, w, NULL, NULL, true);
}

/* Perms that are no swap of two row groups (three groups; the last axis moved) and a Transpose
 * read by something besides GEMMs' A stay; the GEMMs still fold what they can. */
Test(fold_transpose, near_misses_stay) {
  const int64_t xd[] = {2, 3, 4, K}, wd[] = {K, K}, wld[] = {4, K};
  const int64_t three[] = {1, 0, 2, 3}, last[] = {0, 1, 3, 2}, swap[] = {2, 0, 1, 3};
  ir_value *x = input(4, xd), *w = constant(2, wd, 6), *wl = constant(2, wld, 8);
  graph_fixture_output(node("MatMul", transpose(x, three, 4), w, NULL)->out[0]);
  graph_fixture_output(node("MatMul", transpose(x, last, 4), wl, NULL)->out[0]);
  ir_value *t = transpose(x, swap, 4);
  graph_fixture_output(node("MatMul", t, w, NULL)->out[0]);
  graph_fixture_output(node("Relu", t, NULL, NULL)->out[0]);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Transpose), 3);
  int folded = 0;
  for (ir_node *n = G->first; n; n = n->next) folded += ir_attr_find(n, "perm_A") != NULL;
  cr_expect_eq(folded, 1);
}

/* A model's own FusedMatMul with a perm_A the GEMM cannot follow, or that is no permutation. */
static void expect_refused(const int64_t *perm, int32_t n, const char *msg) {
  const int64_t xd[] = {2, 3, K}, wd[] = {K, K};
  ir_value *x = input(3, xd), *w = constant(2, wd, 7);
  ir_node *f = ir_node_new(G, OP_FusedMatMul, NULL, "fm", 2, 1);
  ir_attr *at = arena_array(&A, 1, sizeof *at);
  int64_t *p = arena_array(&A, (size_t)n, sizeof *p);
  memcpy(p, perm, sizeof *p * (size_t)n);
  at[0] = (ir_attr){.name = "perm_A", .kind = IR_ATTR_INTS, .ints = p, .n = n};
  f->attrs = at, f->n_attrs = 1;
  ir_node_set_input(G, f, 0, x);
  ir_node_set_input(G, f, 1, w);
  ir_node_set_output(G, f, 0, ir_value_new(G, "y"));
  graph_fixture_output(f->out[0]);
  cr_assert_neq(pass_run_all(G, NULL, 0), HY_OK);
  cr_expect(strstr(D.msg, "node 'fm'") && strstr(D.msg, "attribute 'perm_A'") &&
                strstr(D.msg, msg),
            "%s", D.msg);
}

Test(fold_transpose, a_perm_moving_the_last_axis_is_refused) {
  const int64_t perm[] = {2, 1, 0};
  expect_refused(perm, 3, "must keep the last axis last");
}
Test(fold_transpose, a_perm_that_is_no_permutation_is_refused) {
  const int64_t perm[] = {1, 1, 2};
  expect_refused(perm, 3, "is not a permutation");
}
