/* Elementwise chain fusion (passes/fuse_elementwise.c) and its kernel (ew_chain): float32 chains
 * of unary and binary ops become one FusedElementwise node that computes what the ops would, with
 * broadcast inputs, rows cut into blocks and the blocks split between threads; what must stay
 * (a value read outside the chain, a graph output, a smaller intermediate, other dtypes) stays;
 * a FusedElementwise node written in a model is checked field by field. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "codegen/codegen.h"
#include "graph_fixture.h"
#include "hydra/hydra.h"
#include "ir_text.h"
#include "passes/passes.h"

static void setup(void) {
  graph_fixture_open("t.onnx", 8);
  G->opset = 17;
}
TestSuite(fuse_elementwise, .init = setup, .fini = graph_fixture_close);

static void output(ir_value *v) {
  v->output_index = G->n_outputs;
  G->outputs[G->n_outputs++] = v;
}

/* out = type(a, b) (b NULL: unary) at the version opset 17 means, as the frontend gives it. */
static ir_value *op(const char *type, ir_value *a, ir_value *b) {
  ir_value *o = graph_fixture_op(type, "t", a, b);
  if (b && b->type.rank > a->type.rank) o->type = b->type;
  o->producer->opset = (int32_t)G->opset;
  o->producer->version = ir_onnx_op_version(type, G->opset);
  return o;
}

static ir_value *with_alpha(ir_value *v, float alpha) {
  ir_node *n = v->producer;
  ir_attr *at = arena_array(&A, 1, sizeof *at);
  at[0] = (ir_attr){.name = "alpha", .kind = IR_ATTR_FLOAT, .f = alpha};
  n->attrs = at;
  n->n_attrs = 1;
  return v;
}

static ir_value *constant(int32_t rank, const int64_t *dims, float base, float step) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= dims[i];
  float *p = arena_array(&A, (size_t)n, sizeof *p);
  for (int64_t i = 0; i < n; i++) p[i] = base + step * (float)(i % 7);
  return graph_fixture_tensor(HY_DTYPE_FLOAT, rank, dims, p);
}

static int count_op(ir_op o) {
  int k = 0;
  for (ir_node *n = G->first; n; n = n->next) k += n->op == o;
  return k;
}

static float x_at(int64_t i) { return (float)((i * 37) % 23) * 0.25f - 2.5f; }

/* Compiles G, runs it on x (x_at) with the given threads; y gets the first output. */
static void run(float *x, int64_t nx, float *y, int32_t threads) {
  for (int64_t i = 0; i < nx; i++) x[i] = x_at(i);
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(G, "m", NULL, &j), HY_OK, "%s", D.msg);
  hy_session_options o = {.n_threads = threads};
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), &o, &s), HY_OK);
  const void *in[] = {x};
  void *out[] = {y};
  cr_assert_eq(hy_session_run(s, in, out), HY_OK, "%s", hy_session_error(s));
  hy_session_destroy(s);
  cg_jit_free(j);
}

static double sigmoid(double v) { return 1 / (1 + exp(-v)); }

/* y = (x * sigmoid(x) + LeakyRelu_0.2(x) * bias[c]) - 0.5 * tanh(x), with x [R, C]: seven nodes,
 * each of the shape of y; the bias broadcasts along rows, the 0.5 everywhere. */
#define R 5
#define C 700
static ir_value *swishy_chain(ir_value *x, ir_value **bias) {
  *bias = constant(1, DIMS(C), -1.0f, 0.375f);
  ir_value *half = constant(0, NULL, 0.5f, 0);
  ir_value *a = op("Mul", x, op("Sigmoid", x, NULL));
  ir_value *b = op("Mul", with_alpha(op("LeakyRelu", x, NULL), 0.2f), *bias);
  return op("Sub", op("Add", a, b), op("Mul", half, op("Tanh", x, NULL)));
}

static double swishy_at(double x, int64_t col) {
  double bias = -1.0 + 0.375 * (double)(col % 7);
  return x * sigmoid(x) + (x < 0 ? 0.2 * x : x) * bias - 0.5 * tanh(x);
}

static void expect_swishy(const float *y) {
  for (int64_t i = 0; i < R * C; i++) {
    double want = swishy_at(x_at(i), i % C);
    cr_assert(fabs(y[i] - want) <= 1e-5 * (1 + fabs(want)), "y[%lld] = %.9g, want %.9g",
              (long long)i, y[i], want);
  }
}

Test(fuse_elementwise, a_chain_becomes_one_node_with_the_same_values) {
  ir_value *bias, *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(R, C));
  output(swishy_chain(x, &bias));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(G->n_nodes, 1);
  cr_assert_eq(count_op(OP_FusedElementwise), 1);
  cr_expect_eq(G->first->n_in, 3, "x, the bias and the 0.5, each once");
  static float xs[R * C], y[R * C];
  run(xs, R * C, y, 1);
  expect_swishy(y);
}

Test(fuse_elementwise, two_threads_give_the_same_values) {
  ir_value *bias, *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(R, C));
  output(swishy_chain(x, &bias));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  static float xs[R * C], y[R * C];
  run(xs, R * C, y, 2);
  expect_swishy(y);
}

/* The kernel alone on uneven chunks in reverse order (graph_fixture_kernel): every block of every
 * row, including the short last block of a 700-wide row, is computed once and right; an input
 * broadcast along the row (x2 [R, 1]) is read as one value per row. */
Test(fuse_elementwise, blocks_split_between_threads_cover_every_row) {
  ir_value *bias, *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(R, C));
  ir_value *x2 = graph_fixture_input("x2", HY_DTYPE_FLOAT, 2, DIMS(R, 1));
  output(op("Div", swishy_chain(x, &bias), x2));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 1);
  ir_node *n = G->first;
  static float xs[R * C], y[R * C];
  float x2s[R];
  for (int64_t i = 0; i < R * C; i++) xs[i] = x_at(i);
  for (int r = 0; r < R; r++) x2s[r] = 1.5f + (float)r;
  const void *ins[8];
  for (int32_t i = 0; i < n->n_in; i++)
    ins[i] = n->in[i] == x ? xs : n->in[i] == x2 ? x2s : n->in[i]->data;
  void *outs[] = {y};
  hy_status lowered;
  cr_assert_eq(graph_fixture_kernel(n, ins, outs, &lowered), HY_OK);
  cr_assert_eq(lowered, HY_OK, "%s", D.msg);
  for (int64_t i = 0; i < R * C; i++) {
    double want = swishy_at(xs[i], i % C) / x2s[i / C];
    cr_assert(fabs(y[i] - want) <= 1e-5 * (1 + fabs(want)), "y[%lld] = %.9g, want %.9g",
              (long long)i, y[i], want);
  }
}

Test(fuse_elementwise, the_fused_node_as_text) {
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(2, 3));
  output(op("Mul", x, op("Sigmoid", x, NULL)));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  /* Sigmoid (unary code 7) of input 0, then Mul (binary code 2) of input 0 and step 0 */
  ir_text_assert_eq(G, "graph '' (%x: float[2,3])\n"
                       "  %t: float[2,3] = ai.hydra.FusedElementwise(%x) {params=[0,0,0,0], "
                       "steps=[0,7,0,-1,1,2,0,1]}  ; ew_chain\n"
                       "  return %t\n");
}

/* What must stay apart: a value also read outside the chain, a graph output, an intermediate of
 * another shape (broadcast later: fusing it would compute it once per output element), and
 * other dtypes. */
Test(fuse_elementwise, what_must_stay_apart_stays) {
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(4, 8));
  ir_value *row = graph_fixture_input("row", HY_DTYPE_FLOAT, 1, DIMS(8));
  ir_value *i = graph_fixture_input("i", HY_DTYPE_INT32, 2, DIMS(4, 8));
  ir_value *shared = op("Exp", x, NULL);      /* read by two chains: its own group */
  output(op("Relu", shared, NULL));
  output(op("Neg", shared, NULL));
  ir_value *seen = op("Abs", x, NULL);        /* a graph output and read by the Sqrt */
  output(seen);
  output(op("Sqrt", seen, NULL));
  ir_value *small = op("Exp", op("Neg", row, NULL), NULL); /* [8], broadcast into [4, 8] */
  output(op("Add", x, small));
  output(op("Neg", op("Abs", i, NULL), NULL)); /* int32 */
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  /* fused: only the [8] pair Neg→Exp */
  cr_expect_eq(count_op(OP_FusedElementwise), 1);
  cr_expect_eq(count_op(OP_Exp), 1);
  cr_expect_eq(count_op(OP_Relu), 1);
  cr_expect_eq(count_op(OP_Abs), 2);
  cr_expect_eq(count_op(OP_Sqrt), 1);
  cr_expect_eq(count_op(OP_Add), 1);
  cr_expect_eq(count_op(OP_Neg), 2);
}

/* Sixteen steps at most; a longer chain is cut into several nodes that still compute it. */
Test(fuse_elementwise, a_long_chain_is_cut_at_sixteen_steps) {
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(3, 16));
  ir_value *v = x;
  for (int k = 0; k < 40; k++) v = op(k % 2 ? "Tanh" : "Neg", v, NULL);
  output(v);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_FusedElementwise), 3);
  cr_expect_eq(G->n_nodes, 3);
  float xs[48], y[48];
  run(xs, 48, y, 1);
  for (int i = 0; i < 48; i++) {
    double t = x_at(i);
    for (int k = 0; k < 40; k++) t = k % 2 ? tanh(t) : -t;
    cr_expect(fabs(y[i] - t) <= 1e-5, "y[%d] = %.9g, want %.9g", i, y[i], t);
  }
}

/* A model may write the op itself: each field is checked, and the error names the attribute. */
static ir_node *written(const int64_t *steps, int32_t n_steps_ints, const float *params,
                        int32_t n_params) {
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(2, 3));
  ir_node *n = ir_node_new(G, OP_FusedElementwise, "FusedElementwise", "fe", 1, 1);
  ir_node_set_input(G, n, 0, x);
  ir_node_set_output(G, n, 0, ir_value_new(G, "y"));
  ir_attr *at = arena_array(&A, 2, sizeof *at);
  at[0] = (ir_attr){.name = "steps", .kind = IR_ATTR_INTS, .ints = (int64_t *)steps,
                    .n = n_steps_ints};
  at[1] = (ir_attr){.name = "params", .kind = IR_ATTR_FLOATS, .floats = (float *)params,
                    .n = n_params};
  n->attrs = at;
  n->n_attrs = 2;
  n->version = n->opset = 1;
  return n;
}

static void expect_refused(ir_node *n, const char *what) {
  cr_assert_neq(ir_op_get(OP_FusedElementwise)->infer(G, n), HY_OK);
  cr_expect(strstr(D.msg, "FusedElementwise") && strstr(D.msg, what), "%s", D.msg);
}

Test(fuse_elementwise, a_written_node_with_an_operand_out_of_range_is_refused) {
  static const int64_t steps[] = {HY_EW_CHAIN_UNARY, HY_UN_TANH, 1, -1};
  static const float params[] = {0, 0};
  expect_refused(written(steps, 4, params, 2), "'steps'");
}

Test(fuse_elementwise, a_written_node_with_a_bool_op_or_missing_params_is_refused) {
  static const int64_t isnan_step[] = {HY_EW_CHAIN_UNARY, HY_UN_ISNAN, 0, -1};
  static const int64_t ok_step[] = {HY_EW_CHAIN_BINARY, HY_BIN_ADD, 0, 0};
  static const float params[] = {0, 0};
  expect_refused(written(isnan_step, 4, params, 2), "'steps'");
  graph_fixture_close();
  setup();
  expect_refused(written(ok_step, 4, params, 1), "'params'");
  graph_fixture_close();
  setup();
  expect_refused(written(ok_step, 3, params, 2), "'steps'");
}

/* An empty input slot (the op's inputs past the first are optional in the table) is refused, not
 * read. */
Test(fuse_elementwise, a_written_node_with_an_empty_input_is_refused) {
  static const int64_t steps[] = {HY_EW_CHAIN_BINARY, HY_BIN_ADD, 0, 1};
  static const float params[] = {0, 0};
  ir_node *n = written(steps, 4, params, 2);
  n->in = arena_array(&A, 2, sizeof *n->in);
  n->n_in = 2;
  ir_node_set_input(G, n, 0, G->inputs[0]);
  cr_assert_neq(ir_op_get(OP_FusedElementwise)->infer(G, n), HY_OK);
  cr_expect(strstr(D.msg, "fe") && strstr(D.msg, "input 1"), "%s", D.msg);
}

/* Pow by a known 2 or 3 is multiplication (libm's pow is ten times slower): alone, through the
 * binary kernel, and as a fused step; an exponent of another value or known only at run time
 * keeps pow. */
Test(fuse_elementwise, pow_by_two_or_three_is_multiplication) {
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(3, 16));
  ir_value *e = graph_fixture_input("e", HY_DTYPE_FLOAT, 0, NULL);
  output(op("Pow", x, constant(0, NULL, 3.0f, 0)));
  output(op("Add", op("Pow", x, constant(0, NULL, 2.0f, 0)), x));
  output(op("Pow", x, constant(0, NULL, 2.5f, 0)));
  output(op("Pow", x, e));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  int64_t codes[4] = {-1, -1, -1, -1};
  for (ir_node *n = G->first; n; n = n->next) {
    int32_t k = n->out[0]->output_index;
    codes[k] = n->op == OP_FusedElementwise ? ir_attr_find(n, "steps")->ints[1]
                                            : n->lowered->ints[0];
  }
  cr_expect_eq(codes[0], HY_BIN_POW3);
  cr_expect_eq(codes[1], HY_BIN_POW2, "the fused chain's first step squares");
  cr_expect_eq(codes[2], HY_BIN_POW);
  cr_expect_eq(codes[3], HY_BIN_POW);
  float xs[48], y[4][48], ev = 3.0f;
  for (int i = 0; i < 48; i++) xs[i] = x_at(i);
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(G, "m", NULL, &j), HY_OK, "%s", D.msg);
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), NULL, &s), HY_OK);
  const void *in[] = {xs, &ev};
  void *out[] = {y[0], y[1], y[2], y[3]};
  cr_assert_eq(hy_session_run(s, in, out), HY_OK, "%s", hy_session_error(s));
  for (int i = 0; i < 48; i++) {
    double v = xs[i], want[4] = {v * v * v, v * v + v, pow(v, 2.5), v * v * v};
    for (int k = 0; k < 4; k++) {
      double tol = 1e-6 * (1 + fabs(want[k]));
      bool ok = isnan(want[k]) ? isnan(y[k][i]) : fabs(y[k][i] - want[k]) <= tol;
      cr_expect(ok, "output %d at %d: %.9g, want %.9g", k, i, y[k][i], want[k]);
    }
  }
  hy_session_destroy(s);
  cg_jit_free(j);
}

/* A float32 op alone of 2^16 elements or more runs as a one-step chain, whose blocks the threads
 * share (the one-op kernels run on one thread); a smaller one keeps its own kernel. */
Test(fuse_elementwise, a_large_op_alone_runs_as_a_one_step_chain) {
  enum { W = 20000 };
  ir_value *x = graph_fixture_input("x", HY_DTYPE_FLOAT, 2, DIMS(4, W));
  ir_value *small = graph_fixture_input("small", HY_DTYPE_FLOAT, 1, DIMS(W));
  output(op("Sub", x, constant(1, DIMS(W), 0.25f, -0.5f))); /* 80,000 elements */
  output(op("Sigmoid", small, NULL));                       /* 20,000 */
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 2);
  ir_node *big = G->first->op == OP_Sub ? G->first : G->last;
  ir_node *other = big == G->first ? G->last : G->first;
  cr_expect_eq(big->lowered->kernel, HY_KERNEL_ew_chain);
  cr_expect_eq(other->lowered->kernel, HY_KERNEL_unary);
  const void *ins[2];
  static float xs[4 * W], y[4 * W];
  for (int64_t i = 0; i < 4 * W; i++) xs[i] = x_at(i);
  ins[0] = big->in[0] == x ? xs : big->in[0]->data;
  ins[1] = big->in[1] == x ? xs : big->in[1]->data;
  void *outs[] = {y};
  hy_status lowered;
  cr_assert_eq(graph_fixture_kernel(big, ins, outs, &lowered), HY_OK);
  for (int64_t i = 0; i < 4 * W; i++) {
    float want = xs[i] - (0.25f - 0.5f * (float)((i % W) % 7));
    cr_assert_eq(y[i], want, "y[%lld] = %.9g, want %.9g", (long long)i, y[i], want);
  }
}
