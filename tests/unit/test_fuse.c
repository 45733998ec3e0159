/* Pattern fusions on hand-built graphs: the exported GELU and LayerNorm chains become one Gelu /
 * LayerNormalization node, and MatMul/Gemm with bias, activation and residual one FusedMatMul,
 * computing the same values; near misses (another constant, an intermediate read elsewhere, a
 * reduction over another axis, a bias that broadcasts otherwise) stay as they are. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "codegen/codegen.h"
#include "hydra/hydra.h"
#include "ir_text.h"
#include "passes/passes.h"

static arena A;
static diag D;
static ir_graph *G;

#define ROWS 3
#define COLS 16
static const int64_t XDIMS[] = {ROWS, COLS};

static void setup(void) {
  arena_init(&A);
  diag_init(&D);
  G = ir_graph_new(&A, &D, "t.onnx");
  G->opset = 14;
  G->inputs = arena_array(&A, 4, sizeof *G->inputs);
  G->outputs = arena_array(&A, 16, sizeof *G->outputs);
}
static void teardown(void) { arena_free(&A); }
TestSuite(fuse, .init = setup, .fini = teardown);

static ir_value *input_x(void) {
  ir_value *v = ir_value_new(G, "x");
  v->type.dtype = HY_DTYPE_FLOAT;
  v->type.rank = 2;
  memcpy(v->type.dims, XDIMS, sizeof XDIMS);
  v->input_index = 0;
  G->inputs[G->n_inputs++] = v;
  return v;
}

static void output(ir_value *v) {
  v->output_index = G->n_outputs;
  G->outputs[G->n_outputs++] = v;
}

static ir_value *scalar(float f) {
  float *p = arena_alloc(&A, sizeof *p);
  *p = f;
  return ir_const_new(G, "c", HY_DTYPE_FLOAT, 0, NULL, p);
}

static ir_value *row(float base, float step) {
  float *p = arena_array(&A, COLS, sizeof *p);
  for (int i = 0; i < COLS; i++) p[i] = base + step * (float)i;
  const int64_t d[] = {COLS};
  return ir_const_new(G, "r", HY_DTYPE_FLOAT, 1, d, p);
}

/* out = op(a, b) (b NULL: unary); returns out. */
static ir_value *op(const char *type, ir_value *a, ir_value *b) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", type), type, NULL, b ? 2 : 1, 1);
  ir_value *o = ir_value_new(G, "t");
  ir_node_set_input(G, n, 0, a);
  if (b) ir_node_set_input(G, n, 1, b);
  ir_node_set_output(G, n, 0, o);
  return o;
}

static ir_value *mean_last(ir_value *a, int64_t axis) {
  ir_value *o = op("ReduceMean", a, NULL);
  ir_node *n = o->producer;
  ir_attr *at = arena_array(&A, 1, sizeof *at);
  int64_t *axes = arena_array(&A, 1, sizeof *axes);
  axes[0] = axis;
  at[0] = (ir_attr){.name = "axes", .kind = IR_ATTR_INTS, .ints = axes, .n = 1};
  n->attrs = at;
  n->n_attrs = 1;
  return o;
}

static int count_op(ir_op o) {
  int k = 0;
  for (ir_node *n = G->first; n; n = n->next) k += n->op == o;
  return k;
}

/* Runs the compiled graph on a fixed x; each of its n outputs ys[i] gets ROWS*COLS floats. */
static void run_n(float *x, float **ys, int n) {
  for (int i = 0; i < ROWS * COLS; i++) x[i] = (float)((i * 37) % 23) * 0.25f - 2.5f;
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(G, "m", NULL, &j), HY_OK, "%s", D.msg);
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), NULL, &s), HY_OK);
  const void *in[] = {x};
  void **out = (void **)ys;
  cr_assert_eq(hy_session_run(s, in, out), HY_OK);
  hy_session_destroy(s);
  cg_jit_free(j);
}

static void run(float *x, float *y) { run_n(x, &y, 1); }

/* ---- GELU ---- */

/* y = Mul(Mul(x, Add(Erf(Div(x, sq2)), one)), half), with the constants given. */
static ir_value *gelu_chain(ir_value *x, float sq2, float one, float half) {
  ir_value *e = op("Erf", op("Div", x, scalar(sq2)), NULL);
  return op("Mul", op("Mul", x, op("Add", e, scalar(one))), scalar(half));
}

Test(fuse, gelu_chain_becomes_one_node_with_the_same_values) {
  ir_value *x = input_x();
  output(gelu_chain(x, 1.4142135f, 1.0f, 0.5f));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(G->n_nodes, 1);
  cr_expect_eq(count_op(OP_Gelu), 1);
  float xs[ROWS * COLS], y[ROWS * COLS];
  run(xs, y);
  for (int i = 0; i < ROWS * COLS; i++) {
    double want = 0.5 * xs[i] * (1 + erf(xs[i] / sqrt(2.0)));
    cr_expect(fabs(y[i] - want) < 1e-6, "x=%g: %g, want %g", xs[i], y[i], want);
  }
}

Test(fuse, gelu_near_misses_stay) {
  ir_value *x = input_x();
  output(gelu_chain(x, 1.4142135f, 1.0f, 0.6f)); /* not 0.5 */
  output(gelu_chain(x, 2.0f, 1.0f, 0.5f));       /* not sqrt 2 */
  ir_value *y3 = gelu_chain(x, 1.4142135f, 1.0f, 0.5f);
  output(y3);
  /* the Erf's output is also a graph output: the chain must stay */
  output(y3->producer->in[0]->producer->in[1]->producer->in[0]);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Gelu), 0);
  cr_expect_eq(count_op(OP_Erf), 3);
}

/* ---- LayerNorm ---- */

static ir_value *layernorm_chain(ir_value *x, int64_t axis, float pw, float eps) {
  ir_value *d = op("Sub", x, mean_last(x, axis));
  ir_value *v = mean_last(op("Pow", d, scalar(pw)), axis);
  ir_value *n = op("Div", d, op("Sqrt", op("Add", v, scalar(eps)), NULL));
  return op("Add", op("Mul", n, row(1.0f, 0.125f)), row(-0.5f, 0.0625f));
}

Test(fuse, layernorm_chain_becomes_one_node_with_the_same_values) {
  ir_value *x = input_x();
  output(layernorm_chain(x, -1, 2.0f, 1e-5f));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(G->n_nodes, 1);
  cr_assert_eq(count_op(OP_LayerNormalization), 1);
  cr_expect_float_eq(ir_attr_float(G->first, "epsilon", 0), 1e-5f, 1e-12);
  float xs[ROWS * COLS], y[ROWS * COLS];
  run(xs, y);
  for (int r = 0; r < ROWS; r++) {
    const float *xr = xs + r * COLS;
    double m = 0, v = 0;
    for (int i = 0; i < COLS; i++) m += xr[i] / COLS;
    for (int i = 0; i < COLS; i++) v += (xr[i] - m) * (xr[i] - m) / COLS;
    for (int i = 0; i < COLS; i++) {
      double want = (xr[i] - m) / sqrt(v + 1e-5) * (1 + 0.125 * i) + (-0.5 + 0.0625 * i);
      cr_expect(fabs(y[r * COLS + i] - want) < 1e-5, "[%d,%d]: %g, want %g", r, i,
                y[r * COLS + i], want);
    }
  }
}

Test(fuse, layernorm_near_misses_stay) {
  ir_value *x = input_x();
  output(layernorm_chain(x, 0, 2.0f, 1e-5f));  /* statistics over the other axis */
  output(layernorm_chain(x, -1, 3.0f, 1e-5f)); /* not a variance */
  ir_value *y = layernorm_chain(x, -1, 2.0f, 1e-5f);
  output(y);
  output(y->producer->in[0]->producer->in[0]); /* the normalised value is read too */
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_LayerNormalization), 0);
  cr_expect_eq(count_op(OP_Sqrt), 3);
}

/* ---- the same, stated as text (ir/print.h) ---- */

Test(fuse, gelu_as_text) {
  ir_value *x = input_x();
  output(gelu_chain(x, 1.4142135f, 1.0f, 0.6f)); /* not 0.5: stays */
  cr_assert_eq(pass_infer_shapes(G), HY_OK, "%s", D.msg);
  cr_assert_eq(pass_fuse_gelu(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph '' (%x: float[3,16])\n"
                       "  %c: float[] = const 1.41421354\n"
                       "  %c.1: float[] = const 1\n"
                       "  %c.2: float[] = const 0.6\n"
                       "  %t: float[3,16] = Div(%x, %c)\n"
                       "  %t.1: float[3,16] = Erf(%t)\n"
                       "  %t.2: float[3,16] = Add(%t.1, %c.1)\n"
                       "  %t.3: float[3,16] = Mul(%x, %t.2)\n"
                       "  %t.4: float[3,16] = Mul(%t.3, %c.2)\n"
                       "  return %t.4\n");
  ((float *)G->last->in[1]->data)[0] = 0.5f; /* now it is GELU */
  G->last->in[1]->hashed_data = NULL;
  cr_assert_eq(pass_fuse_gelu(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(G, "graph '' (%x: float[3,16])\n"
                       "  %t: float[3,16] = Gelu(%x)\n"
                       "  return %t\n");
}

/* A constant given as a splat row (every element the value) counts as that value; one that is
 * not all one value does not. */
Test(fuse, gelu_with_splat_constants) {
  ir_value *x = input_x();
  ir_value *e = op("Erf", op("Div", x, row(1.4142135f, 0)), NULL);
  output(op("Mul", row(0.5f, 0), op("Mul", op("Add", row(1.0f, 0), e), x)));
  ir_value *e2 = op("Erf", op("Div", x, row(1.4142135f, 0)), NULL);
  output(op("Mul", row(0.5f, 0.001f), op("Mul", op("Add", row(1.0f, 0), e2), x)));
  cr_assert_eq(pass_infer_shapes(G), HY_OK, "%s", D.msg);
  cr_assert_eq(pass_fuse_gelu(G), HY_OK, "%s", D.msg);
  cr_expect_eq(count_op(OP_Gelu), 1);
  cr_expect_eq(count_op(OP_Erf), 1);
  cr_expect_eq(G->first->op, OP_Gelu);
}

/* ---- GEMM epilogues ---- */

/* A COLS x COLS float weight; another seed, other content (CSE would merge equal ones). */
static ir_value *weight_s(int seed) {
  float *p = arena_array(&A, COLS * COLS, sizeof *p);
  for (int i = 0; i < COLS * COLS; i++) p[i] = (float)((i * 13 + seed) % 17) * 0.0625f - 0.5f;
  const int64_t d[] = {COLS, COLS};
  return ir_const_new(G, "w", HY_DTYPE_FLOAT, 2, d, p);
}
static ir_value *weight(void) { return weight_s(0); }

/* (x W)[i][j] for the fixed x of run_n and the weight() W (transposed when t). */
static double xw(const float *x, const float *w, int i, int j, int t) {
  double s = 0;
  for (int k = 0; k < COLS; k++) s += (double)x[i * COLS + k] * w[t ? j * COLS + k : k * COLS + j];
  return s;
}

static void expect_near(const float *got, const double *want, const char *what) {
  for (int i = 0; i < ROWS * COLS; i++)
    cr_expect(fabs(got[i] - want[i]) < 1e-5 * (1 + fabs(want[i])), "%s: [%d] %g, want %g", what,
              i, got[i], want[i]);
}

Test(fuse, matmul_bias_gelu_residual_becomes_one_node_with_the_same_values) {
  ir_value *x = input_x(), *w = weight(), *b = row(0.1f, 0.05f);
  output(op("Add", x, gelu_chain(op("Add", b, op("MatMul", x, w)), 1.4142135f, 1.0f, 0.5f)));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(G->n_nodes, 1);
  cr_assert_eq(count_op(OP_FusedMatMul), 1);
  cr_expect_str_eq(ir_attr_string(G->first, "activation", "?"), "Gelu");
  float xs[ROWS * COLS], y[ROWS * COLS];
  double want[ROWS * COLS];
  run(xs, y);
  const float *wd = w->data, *bd = b->data;
  for (int i = 0; i < ROWS; i++)
    for (int j = 0; j < COLS; j++) {
      double v = xw(xs, wd, i, j, 0) + bd[j];
      want[i * COLS + j] = 0.5 * v * (1 + erf(v / sqrt(2.0))) + xs[i * COLS + j];
    }
  expect_near(y, want, "gelu");
}

Test(fuse, every_activation_and_gemm_with_its_c) {
  ir_value *x = input_x(), *ws[4] = {weight_s(1), weight_s(2), weight_s(3), weight_s(4)};
  ir_value *w = ws[3], *b = row(-0.3f, 0.04f);
  static const char *acts[] = {"Relu", "Tanh", "Sigmoid"};
  for (int a = 0; a < 3; a++) output(op(acts[a], op("Add", op("MatMul", x, ws[a]), b), NULL));
  /* Gemm(x, W^T, C = bias, beta 0.5) -> Relu */
  ir_node *gm = ir_node_new(G, OP_Gemm, NULL, "gemm", 3, 1);
  ir_attr *at = arena_array(&A, 2, sizeof *at);
  at[0] = (ir_attr){.name = "transB", .kind = IR_ATTR_INT, .i = 1};
  at[1] = (ir_attr){.name = "beta", .kind = IR_ATTR_FLOAT, .f = 0.5f};
  gm->attrs = at, gm->n_attrs = 2;
  ir_node_set_input(G, gm, 0, x);
  ir_node_set_input(G, gm, 1, w);
  ir_node_set_input(G, gm, 2, b);
  ir_node_set_output(G, gm, 0, ir_value_new(G, "g"));
  output(op("Relu", gm->out[0], NULL));
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_expect_eq(G->n_nodes, 4);
  cr_assert_eq(count_op(OP_FusedMatMul), 4);
  float xs[ROWS * COLS], y[4][ROWS * COLS];
  float *ys[] = {y[0], y[1], y[2], y[3]};
  run_n(xs, ys, 4);
  const float *bd = b->data;
  for (int a = 0; a < 4; a++) {
    const float *wd = ws[a]->data;
    double want[ROWS * COLS];
    for (int i = 0; i < ROWS; i++)
      for (int j = 0; j < COLS; j++) {
        double v = xw(xs, wd, i, j, a == 3) + (a == 3 ? 0.5 : 1.0) * bd[j];
        want[i * COLS + j] = a == 1 ? tanh(v) : a == 2 ? 1 / (1 + exp(-v)) : v < 0 ? 0 : v;
      }
    expect_near(y[a], want, a < 3 ? acts[a] : "gemm relu");
  }
}

static ir_value *shaped_const(int32_t rank, const int64_t *dims) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= dims[i];
  float *p = arena_array(&A, (size_t)n, sizeof *p);
  for (int64_t i = 0; i < n; i++) p[i] = 0.01f * (float)i;
  return ir_const_new(G, "k", HY_DTYPE_FLOAT, rank, dims, p);
}

Test(fuse, epilogue_near_misses_stop_the_chain_and_are_counted) {
  ir_value *x = input_x(), *w = weight();
  /* fused whole: bias, Tanh, residual */
  output(op("Add", op("Tanh", op("Add", op("MatMul", x, w), row(0, 1)), NULL), x));
  /* the product is also a graph output: nothing fuses */
  ir_value *mm = op("MatMul", x, w);
  output(mm);
  output(op("Add", mm, row(1, 1)));
  /* a per-row bias [3, 1] and one that broadcasts the product up [2, 1, 16]: no bias */
  const int64_t d31[] = {ROWS, 1}, d2116[] = {2, 1, COLS};
  output(op("Add", op("MatMul", x, w), shaped_const(2, d31)));
  output(op("Add", op("MatMul", x, w), shaped_const(3, d2116)));
  /* the biased value is read twice: bias only, the Relu stays */
  ir_value *bb = op("Add", op("MatMul", x, w), row(2, 1));
  output(op("Relu", bb, NULL));
  output(bb);
  /* a bias after the activation is no residual: MatMul + Sigmoid, the Add stays */
  output(op("Add", op("Sigmoid", op("MatMul", x, w), NULL), row(3, 1)));
  cr_assert_eq(pass_bind_inputs(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_assert_eq(pass_infer_shapes(G), HY_OK, "%s", D.msg);
  pass_epilogue_stats st;
  cr_assert_eq(pass_fuse_epilogue_counted(G, &st), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_verify(G, "test"), HY_OK, "%s", D.msg);
  cr_expect_eq(st.fused, 3);
  cr_expect_eq(st.biases, 2);
  cr_expect_eq(st.activations, 2);
  cr_expect_eq(st.residuals, 1);
  cr_expect_eq(count_op(OP_FusedMatMul), 3);
  cr_expect_eq(count_op(OP_MatMul), 3);
  cr_expect_eq(count_op(OP_Relu), 1);
  cr_expect_eq(count_op(OP_Add), 4);
}

Test(fuse, fused_matmul_refuses_a_bad_activation_by_name) {
  ir_value *x = input_x(), *w = weight();
  ir_node *n = ir_node_new(G, OP_FusedMatMul, NULL, "fm", 2, 1);
  ir_attr *at = arena_array(&A, 1, sizeof *at);
  at[0] = (ir_attr){.name = "activation", .kind = IR_ATTR_STRING, .s = "Swish", .s_len = 5};
  n->attrs = at, n->n_attrs = 1;
  ir_node_set_input(G, n, 0, x);
  ir_node_set_input(G, n, 1, w);
  ir_node_set_output(G, n, 0, ir_value_new(G, "y"));
  output(n->out[0]);
  cr_assert_neq(pass_run_all(G, NULL, 0), HY_OK);
  cr_expect(strstr(D.msg, "node 'fm'") && strstr(D.msg, "activation") && strstr(D.msg, "Swish"),
            "%s", D.msg);
}
