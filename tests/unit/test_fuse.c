/* Pattern fusions on hand-built graphs: the exported GELU and LayerNorm chains become one Gelu /
 * LayerNormalization node computing the same values; near misses (another constant, an
 * intermediate read elsewhere, a reduction over another axis) stay as they are. */
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
  G->outputs = arena_array(&A, 4, sizeof *G->outputs);
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

/* Runs the compiled graph on a fixed x; y gets ROWS*COLS floats. */
static void run(float *x, float *y) {
  for (int i = 0; i < ROWS * COLS; i++) x[i] = (float)((i * 37) % 23) * 0.25f - 2.5f;
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(G, "m", NULL, &j), HY_OK, "%s", D.msg);
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), NULL, &s), HY_OK);
  const void *in[] = {x};
  void *out[] = {y};
  cr_assert_eq(hy_session_run(s, in, out), HY_OK);
  hy_session_destroy(s);
  cg_jit_free(j);
}

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
