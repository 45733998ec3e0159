/* Data-movement ops: infer hooks on hand-built nodes (shapes, constants, error messages), and
 * each node lowered and run through its native kernel against values worked out by hand or by a
 * naive reference loop. */
#include <criterion/criterion.h>
#include <string.h>

#include "graph_fixture.h"

static void setup(void) { graph_fixture_open("m.onnx", 0); }

TestSuite(movement, .init = setup, .fini = graph_fixture_close);

#define I64(...)                                                                                   \
  graph_fixture_tensor(HY_DTYPE_INT64, 1, DIMS(NDIMS(__VA_ARGS__)), DIMS(__VA_ARGS__))

/* A node of op with the given inputs (NULL: omitted) and n_out fresh outputs. */
static ir_node *node(ir_op op, int32_t opset, int32_t n_out, int32_t n_in, ir_value *const *in) {
  ir_node *n = ir_node_new(G, op, NULL, "n", n_in, n_out);
  n->opset = opset;
  n->version = ir_onnx_op_version(ir_op_name(op), opset);
  for (int32_t i = 0; i < n_in; i++)
    if (in[i]) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++)
    ir_node_set_output(G, n, i, ir_value_new(G, "out"));
  return n;
}
#define NODE(op, opset, n_out, ...)                                                                \
  node(op, opset, n_out, (int32_t)(sizeof((ir_value *[]){__VA_ARGS__}) / sizeof(ir_value *)),      \
       (ir_value *[]){__VA_ARGS__})

static ir_attr *new_attr(ir_node *n, const char *name, ir_attr_kind kind) {
  ir_attr *a = arena_array(&A, (size_t)n->n_attrs + 1, sizeof *a);
  if (n->n_attrs) memcpy(a, n->attrs, (size_t)n->n_attrs * sizeof *a);
  n->attrs = a;
  a += n->n_attrs++;
  a->name = name;
  a->kind = kind;
  return a;
}
static void attr_int(ir_node *n, const char *name, int64_t v) {
  new_attr(n, name, IR_ATTR_INT)->i = v;
}
static void attr_ints(ir_node *n, const char *name, int32_t count, const int64_t *v) {
  ir_attr *a = new_attr(n, name, IR_ATTR_INTS);
  a->ints = (int64_t *)v;
  a->n = count;
}
#define ATTR_INTS(n, name, ...) attr_ints(n, name, NDIMS(__VA_ARGS__), DIMS(__VA_ARGS__))
static void attr_tensor(ir_node *n, const char *name, ir_value *v) {
  new_attr(n, name, IR_ATTR_TENSOR)->tensor = v;
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

static void expect_out(ir_node *n, int32_t slot, hy_dtype dt, int32_t rank, const int64_t *dims) {
  const ir_type *t = &n->out[slot]->type;
  cr_assert_eq(t->dtype, dt, "dtype %d, expected %d", t->dtype, dt);
  cr_assert_eq(t->rank, rank, "rank %d, expected %d", t->rank, rank);
  for (int32_t i = 0; i < rank; i++)
    cr_assert_eq(t->dims[i], dims[i], "dim %d is %lld, expected %lld", i, (long long)t->dims[i],
                 (long long)dims[i]);
}
#define EXPECT_OUT(n, slot, dt, ...) expect_out(n, slot, dt, NDIMS(__VA_ARGS__), DIMS(__VA_ARGS__))

static void expect_error(ir_node *n, hy_status s, const char *msg) {
  diag_init(&D); /* the diag keeps the first error: this node's must be the one */
  hy_status got = infer(n);
  cr_assert_eq(got, s, "status %s, expected %s (%s)", hy_status_name(got), hy_status_name(s),
               D.msg);
  cr_assert(strstr(D.msg, msg), "message \"%s\" lacks \"%s\"", D.msg, msg);
}

/* Infers, lowers and runs n natively; inputs come from their values' data. Returns the kernel's
 * status; outputs land in outs[i] (the caller's buffers). */
static hy_status run(ir_node *n, void **outs) {
  hy_status s = infer(n);
  cr_assert_eq(s, HY_OK, "infer: %s", D.msg);
  ir_lowered *l = arena_alloc(&A, sizeof *l);
  s = ir_op_get(n->op)->lower(G, n, l);
  cr_assert_eq(s, HY_OK, "lower: %s", D.msg);
  cr_assert(l->n_ints <= LOWER_MAX_INTS);
  hy_tdesc in[16] = {0}, out[16] = {0};
  const void *ins[16] = {0};
  for (int32_t i = 0; i < n->n_in; i++) {
    if (!n->in[i]) continue;
    const ir_type *t = &n->in[i]->type;
    in[i].dtype = t->dtype;
    in[i].rank = t->rank;
    memcpy(in[i].dims, t->dims, sizeof t->dims);
    ins[i] = n->in[i]->data;
  }
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_type *t = &n->out[i]->type;
    out[i].dtype = t->dtype;
    out[i].rank = t->rank;
    memcpy(out[i].dims, t->dims, sizeof t->dims);
  }
  hy_kparams p = {n->n_in, n->n_out, l->n_ints, l->n_floats, in, out, l->ints, l->floats};
  return hy_kernel_table[l->kernel](&p, ins, outs, NULL, NULL);
}
static void run_ok(ir_node *n, void *out0) {
  void *outs[1] = {out0};
  hy_status s = run(n, outs);
  cr_assert_eq(s, HY_OK, "kernel: %s", hy_status_name(s));
}

static void expect_floats(const float *got, const float *want, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    cr_assert_eq(got[i], want[i], "element %lld: %g, expected %g", (long long)i, got[i], want[i]);
}
static void expect_i64(const int64_t *got, const int64_t *want, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    cr_assert_eq(got[i], want[i], "element %lld: %lld, expected %lld", (long long)i,
                 (long long)got[i], (long long)want[i]);
}

static const float k_x6[6] = {0, 1, 2, 3, 4, 5}; /* [2,3] */

/* ---- shape-only ops ---- */
Test(movement, reshape_zero_and_minus_one) {
  ir_node *n = NODE(OP_Reshape, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), I64(0, -1));
  float y[6];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 3);
  expect_floats(y, k_x6, 6);
}

Test(movement, reshape_allowzero_keeps_zero) {
  ir_node *n = NODE(OP_Reshape, 14, 1, T(HY_DTYPE_FLOAT, NULL, 0, 3), I64(3, 0));
  attr_int(n, "allowzero", 1);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 0);
}

Test(movement, reshape_errors) {
  ir_node *n = NODE(OP_Reshape, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3), I64(4, -1));
  expect_error(n, HY_ERR_SHAPE,
               "m.onnx: node 'n' (Reshape): cannot reshape [2,3] (6 elements) to [4,-1]");
}

Test(movement, reshape_needs_known_shape) {
  ir_value *shape = T(HY_DTYPE_INT64, NULL, 2);
  ir_node *n = NODE(OP_Reshape, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3), shape);
  expect_error(n, HY_ERR_UNSUPPORTED, "must be known at compile time");
  /* a value bound from run's inputs is accepted */
  diag_init(&D);
  shape->bound = DIMS(3, 2);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 2);
}

Test(movement, squeeze_unsqueeze_both_opsets) {
  ir_node *n = NODE(OP_Squeeze, 11, 1, T(HY_DTYPE_INT8, NULL, 1, 3, 1, 5));
  ATTR_INTS(n, "axes", -2);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT8, 1, 3, 5);
  n = NODE(OP_Squeeze, 13, 1, T(HY_DTYPE_INT8, NULL, 1, 3, 1, 5));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg); /* no axes: every 1 goes */
  EXPECT_OUT(n, 0, HY_DTYPE_INT8, 3, 5);
  n = NODE(OP_Unsqueeze, 13, 1, T(HY_DTYPE_INT8, NULL, 3, 5), I64(-1, 0));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT8, 1, 3, 5, 1);
  n = NODE(OP_Unsqueeze, 11, 1, T(HY_DTYPE_INT8, NULL, 3, 5));
  ATTR_INTS(n, "axes", 1);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT8, 3, 1, 5);
}

Test(movement, squeeze_errors) {
  ir_node *n = NODE(OP_Squeeze, 13, 1, T(HY_DTYPE_FLOAT, NULL, 1, 3), I64(1));
  expect_error(n, HY_ERR_SHAPE, "cannot squeeze axis 1 of size 3");
  diag_init(&D);
  n = NODE(OP_Unsqueeze, 13, 1, T(HY_DTYPE_FLOAT, NULL, 3), I64(0, 0));
  expect_error(n, HY_ERR_INVALID_MODEL, "axis 0 is repeated");
}

Test(movement, flatten_axes) {
  ir_node *n = NODE(OP_Flatten, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3, 4, 5));
  attr_int(n, "axis", -1);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 24, 5);
  n = NODE(OP_Flatten, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3, 4, 5));
  attr_int(n, "axis", 0);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 1, 120);
  n = NODE(OP_Flatten, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3, 4, 5));
  attr_int(n, "axis", 4);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 120, 1);
  n = NODE(OP_Flatten, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3));
  attr_int(n, "axis", 3);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'axis': 3 is out of range [-2, 2]");
}

Test(movement, dropout_is_identity_with_true_mask) {
  ir_node *n = NODE(OP_Dropout, 13, 2, T(HY_DTYPE_FLOAT, k_x6, 2, 3));
  float y[6];
  uint8_t mask[6] = {0};
  void *outs[2] = {y, mask};
  cr_assert_eq(run(n, outs), HY_OK);
  EXPECT_OUT(n, 1, HY_DTYPE_BOOL, 2, 3);
  expect_floats(y, k_x6, 6);
  for (int i = 0; i < 6; i++)
    cr_assert_eq(mask[i], 1);
}

/* Training mode is test_loss_random's; here: what it cannot do, and ratio 0 dropping nothing. */
Test(movement, dropout_training_mode_on_float8_refused) {
  static const uint8_t yes = 1;
  static const float ratio = 0.5f;
  ir_node *n = NODE(OP_Dropout, 22, 1, T(HY_DTYPE_FLOAT8E4M3FN, NULL, 2, 3),
                    graph_fixture_tensor(HY_DTYPE_FLOAT, 0, NULL, &ratio),
                    graph_fixture_tensor(HY_DTYPE_BOOL, 0, NULL, &yes));
  expect_error(n, HY_ERR_UNSUPPORTED, "training mode on float8e4m3fn data is not supported");
  /* with a known ratio of 0 training drops nothing: accepted */
  static const float zero = 0.0f;
  diag_init(&D);
  n = NODE(OP_Dropout, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3),
           graph_fixture_tensor(HY_DTYPE_FLOAT, 0, NULL, &zero),
           graph_fixture_tensor(HY_DTYPE_BOOL, 0, NULL, &yes));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
}

/* ---- constants ---- */
Test(movement, constant_forms) {
  ir_node *n = NODE(OP_Constant, 13, 1, );
  ATTR_INTS(n, "value_ints", 4, 5, 6);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 3);
  expect_i64(n->out[0]->data, DIMS(4, 5, 6), 3);
  n = NODE(OP_Constant, 13, 1, );
  attr_tensor(n, "value", T(HY_DTYPE_FLOAT, k_x6, 3, 2));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 2);
  cr_assert_eq(n->out[0]->data, k_x6);
  n = NODE(OP_Constant, 13, 1, );
  expect_error(n, HY_ERR_INVALID_MODEL, "needs one of the attributes value");
}

Test(movement, shape_start_end_is_constant) {
  ir_node *n = NODE(OP_Shape, 15, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3, 4, 5));
  attr_int(n, "start", 1);
  attr_int(n, "end", -1);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 2);
  expect_i64(n->out[0]->data, DIMS(3, 4), 2);
  ir_lowered l = {0}; /* shape inference removes the node; lowering one is a bug, said so */
  cr_assert_eq(ir_op_get(n->op)->lower(G, n, &l), HY_ERR_INTERNAL);
  cr_assert(strstr(D.msg, "(Shape): a Shape node reached lowering"), "%s", D.msg);
  n = NODE(OP_Shape, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3, 4, 5));
  attr_int(n, "start", 1); /* ignored before opset 15 */
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 4);
}

Test(movement, constantofshape_fills) {
  static const int32_t seven = 7;
  ir_node *n = NODE(OP_ConstantOfShape, 9, 1, I64(2, 3));
  attr_tensor(n, "value", T(HY_DTYPE_INT32, &seven, 1));
  int32_t y[6] = {0};
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_INT32, 2, 3);
  for (int i = 0; i < 6; i++)
    cr_assert_eq(y[i], 7);
  n = NODE(OP_ConstantOfShape, 9, 1, I64(2));
  float f[2] = {1, 1};
  run_ok(n, f);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2);
  expect_floats(f, (const float[]){0, 0}, 2);
}

/* ---- Gather ---- */
Test(movement, gather_negative_indices_axis1) {
  static const int32_t idx[2] = {-1, 0};
  ir_node *n = NODE(OP_Gather, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), T(HY_DTYPE_INT32, idx, 2));
  attr_int(n, "axis", 1);
  float y[4];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(y, (const float[]){2, 0, 5, 3}, 4);
}

Test(movement, gather_scalar_index_drops_axis) {
  static const int64_t idx = 1;
  ir_node *n = NODE(OP_Gather, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3),
                    graph_fixture_tensor(HY_DTYPE_INT64, 0, NULL, &idx));
  float y[3];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3);
  expect_floats(y, (const float[]){3, 4, 5}, 3);
}

Test(movement, gather_out_of_range) {
  static const int64_t idx[2] = {0, 3};
  ir_value *data = T(HY_DTYPE_FLOAT, k_x6, 2, 3), *indices = T(HY_DTYPE_INT64, idx, 2);
  ir_node *n = NODE(OP_Gather, 13, 1, data, indices);
  attr_int(n, "axis", 1);
  expect_error(n, HY_ERR_SHAPE, "index 3 is out of range for axis 1 of size 3");
  /* the same indices known only at run time: the kernel refuses them */
  diag_init(&D);
  indices->data = NULL;
  float y[4];
  void *outs[1] = {y};
  ir_lowered l = {0};
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  cr_assert_eq(lower_gather(G, n, &l), HY_OK);
  hy_tdesc in[2] = {{HY_DTYPE_FLOAT, 2, {2, 3}}, {HY_DTYPE_INT64, 1, {2}}};
  hy_tdesc out[1] = {{HY_DTYPE_FLOAT, 2, {2, 2}}};
  hy_kparams p = {2, 1, l.n_ints, 0, in, out, l.ints, l.floats};
  const void *ins[2] = {k_x6, idx};
  char why[96] = "";
  hy_exec ex = {.n_threads = 1, .detail = why, .detail_size = (int32_t)sizeof why};
  cr_assert_eq(hy_kernel_gather(&p, ins, outs, NULL, &ex), HY_ERR_SHAPE);
  cr_expect_str_eq(why, "index 3 is out of range for axis 1 of size 3");
  cr_assert_eq(hy_kernel_gather(&p, ins, outs, NULL, NULL), HY_ERR_SHAPE); /* nowhere to say it */
}

Test(movement, gather_axis_error) {
  ir_node *n = NODE(OP_Gather, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3), I64(0));
  attr_int(n, "axis", 2);
  expect_error(n, HY_ERR_INVALID_MODEL,
               "node 'n' (Gather): attribute 'axis': axis 2 is out of range for rank 2");
}

/* ---- Concat / Split ---- */
Test(movement, concat_axis_minus_one_int64) {
  static const int64_t a[4] = {1, 2, 3, 4}, b[2] = {9, 8};
  ir_node *n = NODE(OP_Concat, 13, 1, T(HY_DTYPE_INT64, a, 2, 2), T(HY_DTYPE_INT64, b, 2, 1));
  attr_int(n, "axis", -1);
  int64_t y[6];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 2, 3);
  expect_i64(y, DIMS(1, 2, 9, 3, 4, 8), 6);
}

Test(movement, concat_mismatch) {
  ir_node *n = NODE(OP_Concat, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 2), T(HY_DTYPE_FLOAT, NULL, 3, 1));
  attr_int(n, "axis", 1);
  expect_error(n, HY_ERR_SHAPE, "input 1 has shape [3,1], which does not fit input 0's [2,2]");
}

Test(movement, split_sizes_input) {
  ir_node *n = NODE(OP_Split, 13, 2, T(HY_DTYPE_FLOAT, k_x6, 2, 3), I64(1, 2));
  attr_int(n, "axis", 1);
  float a[2], b[4];
  void *outs[2] = {a, b};
  cr_assert_eq(run(n, outs), HY_OK);
  EXPECT_OUT(n, 1, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(a, (const float[]){0, 3}, 2);
  expect_floats(b, (const float[]){1, 2, 4, 5}, 4);
}

/* ---- Slice ---- */
Test(movement, slice_negative_step_and_clamping) {
  float x[20];
  for (int i = 0; i < 20; i++)
    x[i] = (float)i; /* [4,5] */
  ir_node *n = NODE(OP_Slice, 13, 1, T(HY_DTYPE_FLOAT, x, 4, 5), I64(-1, 20), I64(INT64_MIN, -100),
                    I64(1, 0), I64(-2, -3));
  float y[8];
  run_ok(n, y);
  /* axis 0 from 3 (clamped) down to -1 by 3: rows 3, 0;
   * axis 1 from 4 (clamped) down to -1 by 2: cols 4, 2, 0 */
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 3);
  expect_floats(y, (const float[]){19, 17, 15, 4, 2, 0}, 6);
}

Test(movement, slice_opset9_attributes_and_int64_max) {
  float x[20];
  for (int i = 0; i < 20; i++)
    x[i] = (float)i; /* [4,5] */
  ir_node *n = NODE(OP_Slice, 9, 1, T(HY_DTYPE_FLOAT, x, 4, 5));
  ATTR_INTS(n, "starts", 1, -2);
  ATTR_INTS(n, "ends", INT64_MAX, 1000);
  float y[6];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 2);
  expect_floats(y, (const float[]){8, 9, 13, 14, 18, 19}, 6);
}

Test(movement, slice_empty) {
  ir_node *n = NODE(OP_Slice, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), I64(2), I64(1), I64(1));
  float y[1] = {42};
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 0);
  cr_assert_eq(y[0], 42);
}

/* ---- Transpose, against a naive reference over several element sizes ---- */
static void check_transpose(hy_dtype dt, int32_t rank, const int64_t *dims, const int64_t *perm) {
  int64_t numel = 1, es = (int64_t)hy_dtype_size(dt), istr[8];
  for (int32_t k = rank - 1; k >= 0; k--)
    istr[k] = numel, numel *= dims[k];
  uint8_t *x = arena_alloc(&A, (size_t)(numel * es)), *y = arena_alloc(&A, (size_t)(numel * es));
  for (int64_t i = 0; i < numel * es; i++)
    x[i] = (uint8_t)(i * 7 + i / 251);
  ir_node *n =
      node(OP_Transpose, 13, 1, 1, (ir_value *[]){graph_fixture_tensor(dt, rank, dims, x)});
  attr_ints(n, "perm", rank, perm);
  run_ok(n, y);
  int64_t c[8] = {0};
  for (int64_t o = 0; o < numel; o++) {
    int64_t src = 0, rest = o;
    for (int32_t k = rank - 1; k >= 0; k--) {
      c[k] = rest % dims[perm[k]];
      rest /= dims[perm[k]];
      src += c[k] * istr[perm[k]];
    }
    cr_assert(!memcmp(y + o * es, x + src * es, (size_t)es), "element %lld differs", (long long)o);
  }
}

Test(movement, transpose_attention_and_tiles) {
  /* [B,S,H,D] → [B,H,S,D], then the last two dims swapped with partial tiles */
  check_transpose(HY_DTYPE_FLOAT, 4, DIMS(2, 5, 3, 4), DIMS(0, 2, 1, 3));
  check_transpose(HY_DTYPE_FLOAT, 4, DIMS(2, 3, 70, 45), DIMS(0, 1, 3, 2));
  check_transpose(HY_DTYPE_FLOAT16, 3, DIMS(33, 2, 40), DIMS(2, 0, 1));
  check_transpose(HY_DTYPE_INT8, 3, DIMS(3, 4, 5), DIMS(1, 2, 0));
  check_transpose(HY_DTYPE_INT64, 2, DIMS(65, 3), DIMS(1, 0));
  check_transpose(HY_DTYPE_DOUBLE, 5, DIMS(2, 1, 3, 2, 4), DIMS(4, 2, 0, 3, 1));
}

Test(movement, transpose_default_reverses) {
  ir_node *n = NODE(OP_Transpose, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3));
  float y[6];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 2);
  expect_floats(y, (const float[]){0, 3, 1, 4, 2, 5}, 6);
}

Test(movement, transpose_bad_perm) {
  ir_node *n = NODE(OP_Transpose, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 3, 4));
  ATTR_INTS(n, "perm", 0, 2, 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'perm': [0,2,2] is not a permutation of 0..2");
}

/* ---- Expand, Tile, DepthToSpace ---- */
Test(movement, expand_broadcasts_both_ways) {
  static const float x[3] = {1, 2, 3}; /* [3,1] */
  ir_node *n = NODE(OP_Expand, 13, 1, T(HY_DTYPE_FLOAT, x, 3, 1), I64(2, 1, 2));
  float y[12];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 3, 2);
  expect_floats(y, (const float[]){1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}, 12);
  n = NODE(OP_Expand, 13, 1, T(HY_DTYPE_FLOAT, x, 3, 1), I64(2, 3));
  expect_error(n, HY_ERR_SHAPE, "do not broadcast");
}

Test(movement, tile_repeats) {
  ir_node *n = NODE(OP_Tile, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), I64(2, 2));
  float y[24];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 4, 6);
  expect_floats(y, (const float[]){0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}, 12);
  expect_floats(y + 12, (const float[]){0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}, 12);
}

Test(movement, depth_to_space_dcr) {
  float x[8];
  for (int i = 0; i < 8; i++)
    x[i] = (float)i; /* [1,4,1,2] */
  ir_node *n = NODE(OP_DepthToSpace, 13, 1, T(HY_DTYPE_FLOAT, x, 1, 4, 1, 2));
  attr_int(n, "blocksize", 2);
  float y[8];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 1, 1, 2, 4);
  /* y[0,0,h*2+i,w*2+j] = x[0,i*2+j,h,w] */
  expect_floats(y, (const float[]){0, 2, 1, 3, 4, 6, 5, 7}, 8);
}

/* ---- GatherElements, ScatterElements, Pad, Range ---- */
Test(movement, gather_elements_axis1) {
  static const int64_t idx[4] = {0, 0, -1, 0}; /* [2,2] */
  ir_node *n =
      NODE(OP_GatherElements, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), T(HY_DTYPE_INT64, idx, 2, 2));
  attr_int(n, "axis", 1);
  float y[4];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(y, (const float[]){0, 0, 5, 3}, 4);
}

Test(movement, scatter_elements_and_bad_index) {
  static const int32_t idx[2] = {2, -3}; /* [1,2] */
  static const float upd[2] = {10, 11};
  ir_value *indices = T(HY_DTYPE_INT32, idx, 1, 2);
  ir_node *n = NODE(OP_ScatterElements, 13, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), indices,
                    T(HY_DTYPE_FLOAT, upd, 1, 2));
  attr_int(n, "axis", 1);
  float y[6];
  run_ok(n, y);
  expect_floats(y, (const float[]){11, 1, 10, 3, 4, 5}, 6);
  static const int32_t bad[2] = {3, 0};
  indices->data = bad;
  void *outs[1] = {y};
  cr_assert_eq(run(n, outs), HY_ERR_SHAPE);
}

Test(movement, pad_modes) {
  static const float x[3] = {1, 2, 3};
  static const char *const modes[3] = {"constant", "reflect", "edge"};
  static const float want[3][7] = {
      {0, 0, 1, 2, 3, 0, 0}, {3, 2, 1, 2, 3, 2, 1}, {1, 1, 1, 2, 3, 3, 3}};
  for (int m = 0; m < 3; m++) {
    ir_node *n = NODE(OP_Pad, 13, 1, T(HY_DTYPE_FLOAT, x, 3), I64(2, 2));
    new_attr(n, "mode", IR_ATTR_STRING)->s = modes[m];
    float y[7];
    run_ok(n, y);
    EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 7);
    expect_floats(y, want[m], 7);
  }
  /* opset 2: attributes, a value, and a negative pad that crops */
  ir_node *n = NODE(OP_Pad, 2, 1, T(HY_DTYPE_FLOAT, x, 3));
  ATTR_INTS(n, "pads", 1, -1);
  new_attr(n, "value", IR_ATTR_FLOAT)->f = 9;
  float y[3];
  run_ok(n, y);
  expect_floats(y, (const float[]){9, 1, 2}, 3);
}

/* The constant sits in two int slots, so a 16-byte complex128 pads with zeros (the kernel once
 * read the first pad count as its imaginary half) and a 2-byte float16 with its own bits. */
Test(movement, pad_constant_of_wide_and_narrow_types) {
  static const double z[4] = {1, -1, 2, -2}; /* complex128 [2]: 1-1i, 2-2i */
  ir_node *n = NODE(OP_Pad, 13, 1, T(HY_DTYPE_COMPLEX128, z, 2), I64(1, 2));
  static const double want[10] = {0, 0, 1, -1, 2, -2, 0, 0, 0, 0};
  double y[10];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_COMPLEX128, 5);
  for (int i = 0; i < 10; i++) cr_expect_eq(y[i], want[i], "y[%d] = %g", i, y[i]);
  static const uint16_t h[2] = {0x3c00, 0x4000}; /* float16 1, 2 */
  n = NODE(OP_Pad, 2, 1, T(HY_DTYPE_FLOAT16, h, 2));
  ATTR_INTS(n, "pads", 1, 1);
  new_attr(n, "value", IR_ATTR_FLOAT)->f = -0.5f;
  static const uint16_t hwant[4] = {0xb800, 0x3c00, 0x4000, 0xb800};
  uint16_t hy[4];
  run_ok(n, hy);
  for (int i = 0; i < 4; i++) cr_expect_eq(hy[i], hwant[i], "hy[%d] = %#x", i, hy[i]);
}

/* A Range node of scalar inputs of type dt. */
static ir_node *range_node(int32_t opset, hy_dtype dt, const void *start, const void *limit,
                           const void *delta) {
  return NODE(OP_Range, opset, 1, graph_fixture_tensor(dt, 0, NULL, start),
              graph_fixture_tensor(dt, 0, NULL, limit), graph_fixture_tensor(dt, 0, NULL, delta));
}

Test(movement, range_is_constant) {
  static const int32_t start = 10, limit = 4, delta = -3;
  ir_node *n = range_node(13, HY_DTYPE_INT32, &start, &limit, &delta);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_INT32, 2);
  const int32_t *y = n->out[0]->data;
  cr_assert(y[0] == 10 && y[1] == 7);
}

Test(movement, scatter_elements_add_duplicates) {
  static const int64_t idx[2] = {1, 1};
  static const int32_t data[3] = {1, 2, 3}, upd[2] = {10, 20};
  ir_node *n = NODE(OP_ScatterElements, 16, 1, T(HY_DTYPE_INT32, data, 3),
                    T(HY_DTYPE_INT64, idx, 2), T(HY_DTYPE_INT32, upd, 2));
  new_attr(n, "reduction", IR_ATTR_STRING)->s = "add";
  int32_t y[3];
  run_ok(n, y);
  cr_assert(y[0] == 1 && y[1] == 32 && y[2] == 3, "got %d %d %d", y[0], y[1], y[2]);
}

/* ---- newer versions ---- */
Test(movement, split18_num_outputs_uneven_last_chunk) {
  static const float x[7] = {0, 1, 2, 3, 4, 5, 6};
  ir_node *n = NODE(OP_Split, 18, 3, T(HY_DTYPE_FLOAT, x, 7));
  attr_int(n, "num_outputs", 3);
  float a[3], b[3], c[1];
  void *outs[3] = {a, b, c};
  cr_assert_eq(run(n, outs), HY_OK);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3);
  EXPECT_OUT(n, 2, HY_DTYPE_FLOAT, 1);
  expect_floats(b, (const float[]){3, 4, 5}, 3);
  expect_floats(c, (const float[]){6}, 1);
  /* before 18 parts are equal; num_outputs must match the outputs and exclude split */
  expect_error(NODE(OP_Split, 13, 3, T(HY_DTYPE_FLOAT, x, 7)), HY_ERR_SHAPE,
               "does not split into 3 equal parts");
  n = NODE(OP_Split, 18, 2, T(HY_DTYPE_FLOAT, x, 7));
  attr_int(n, "num_outputs", 3);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'num_outputs': is 3 but the node has 2");
  n = NODE(OP_Split, 18, 2, T(HY_DTYPE_FLOAT, x, 7), I64(3, 4));
  attr_int(n, "num_outputs", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "input 'split' are both given");
  n = NODE(OP_Split, 18, 4, T(HY_DTYPE_FLOAT, x, 5)); /* parts of 2: 2+2+2 > 5 */
  expect_error(n, HY_ERR_SHAPE, "with a smaller last one");
}

Test(movement, pad18_axes_input_and_pad19_wrap) {
  /* axes [-1]: only the last axis of [2,3] is padded, 1 before and 2 after */
  ir_node *n = NODE(OP_Pad, 18, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), I64(1, 2), NULL, I64(-1));
  float y[12];
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 6);
  expect_floats(y, (const float[]){0, 0, 1, 2, 0, 0, 0, 3, 4, 5, 0, 0}, 12);
  static const float x[3] = {1, 2, 3};
  n = NODE(OP_Pad, 19, 1, T(HY_DTYPE_FLOAT, x, 3), I64(4, 2));
  new_attr(n, "mode", IR_ATTR_STRING)->s = "wrap";
  float w[9];
  run_ok(n, w);
  expect_floats(w, (const float[]){3, 1, 2, 3, 1, 2, 3, 1, 2}, 9);
  /* wrap is a mode of Pad-19 on, axes an input of Pad-18 on */
  n = NODE(OP_Pad, 18, 1, T(HY_DTYPE_FLOAT, x, 3), I64(1, 1));
  new_attr(n, "mode", IR_ATTR_STRING)->s = "wrap";
  expect_error(n, HY_ERR_INVALID_MODEL, "'wrap' is not a mode of Pad-18");
  n = NODE(OP_Pad, 13, 1, T(HY_DTYPE_FLOAT, x, 3), I64(1, 1), NULL, I64(0));
  expect_error(n, HY_ERR_INVALID_MODEL, "input 3 (axes) is an input of Pad from version 18");
  n = NODE(OP_Pad, 18, 1, T(HY_DTYPE_FLOAT, k_x6, 2, 3), I64(1, 1, 1, 1), NULL, I64(1));
  expect_error(n, HY_ERR_INVALID_MODEL, "pads has 4 entries for 1 axes");
}

Test(movement, scatter_elements18_max_and_min) {
  static const int64_t idx[3] = {1, 1, 0};
  static const float data[3] = {5, 5, 5}, upd[3] = {7, 2, 1};
  const char *red[2] = {"max", "min"};
  const float want[2][3] = {{5, 7, 5}, {1, 2, 5}};
  for (int r = 0; r < 2; r++) {
    ir_node *n = NODE(OP_ScatterElements, 18, 1, T(HY_DTYPE_FLOAT, data, 3),
                      T(HY_DTYPE_INT64, idx, 3), T(HY_DTYPE_FLOAT, upd, 3));
    new_attr(n, "reduction", IR_ATTR_STRING)->s = red[r];
    float y[3];
    run_ok(n, y);
    expect_floats(y, want[r], 3);
  }
  ir_node *n = NODE(OP_ScatterElements, 16, 1, T(HY_DTYPE_FLOAT, data, 3),
                    T(HY_DTYPE_INT64, idx, 3), T(HY_DTYPE_FLOAT, upd, 3));
  new_attr(n, "reduction", IR_ATTR_STRING)->s = "max";
  expect_error(n, HY_ERR_INVALID_MODEL, "'max' is not a reduction of ScatterElements-16");
}

Test(movement, space_to_depth28_crd_mode) {
  /* [1,1,2,4], blocksize 2: CRD puts each channel's block together (c, then row, then col);
   * with one channel CRD and DCR agree, so use two channels */
  float x[16], y[16];
  for (int i = 0; i < 16; i++)
    x[i] = (float)i; /* [1,2,2,4] */
  ir_node *n = NODE(OP_SpaceToDepth, 28, 1, T(HY_DTYPE_FLOAT, x, 1, 2, 2, 4));
  attr_int(n, "blocksize", 2);
  new_attr(n, "mode", IR_ATTR_STRING)->s = "CRD";
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 1, 8, 1, 2);
  /* out channel c*4 + bh*2 + bw at (0, w) is x[c, bh, 2w + bw] */
  expect_floats(y, (const float[]){0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9, 11, 12, 14, 13, 15}, 16);
  n = NODE(OP_SpaceToDepth, 28, 1, T(HY_DTYPE_FLOAT, x, 1, 2, 2, 4));
  attr_int(n, "blocksize", 2);
  run_ok(n, y); /* DCR: channel bh*4 + bw*2 + c */
  expect_floats(y, (const float[]){0, 2, 8, 10, 1, 3, 9, 11, 4, 6, 12, 14, 5, 7, 13, 15}, 16);
  n = NODE(OP_SpaceToDepth, 13, 1, T(HY_DTYPE_FLOAT, x, 1, 2, 2, 4));
  attr_int(n, "blocksize", 2);
  new_attr(n, "mode", IR_ATTR_STRING)->s = "CRD";
  expect_error(n, HY_ERR_INVALID_MODEL,
               "attribute 'mode': is an attribute of SpaceToDepth from "
               "version 28");
}

Test(movement, range27_float16_with_stash_type) {
  /* 2048 + i * 1: float16 has a spacing of 2 there, so each element rounds to even */
  uint16_t start = hy_f32_to_f16(2048), limit = hy_f32_to_f16(2054), delta = hy_f32_to_f16(1);
  ir_node *n = range_node(27, HY_DTYPE_FLOAT16, &start, &limit, &delta);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT16, 6);
  const uint16_t *y = n->out[0]->data;
  const float want[6] = {2048, 2048, 2050, 2052, 2052, 2052};
  for (int i = 0; i < 6; i++)
    cr_assert_eq(hy_f16_to_f32(y[i]), want[i], "element %d: %g", i, hy_f16_to_f32(y[i]));
  n = range_node(11, HY_DTYPE_FLOAT16, &start, &limit, &delta);
  expect_error(n, HY_ERR_DTYPE, "float16 is an input type of Range from version 27");
  n = range_node(27, HY_DTYPE_FLOAT16, &start, &limit, &delta);
  attr_int(n, "stash_type", 7);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'stash_type': must be 1 (float) or 11");
}

Test(movement, newer_versions_move_any_sized_type_and_refuse_the_rest) {
  /* Transpose-25 takes bfloat16 (and more): data movement copies its 2 bytes as they are */
  static const uint16_t bf[6] = {0x3f80, 0x4000, 0x4040, 0x4080, 0x40a0, 0x40c0};
  uint16_t y[6];
  run_ok(NODE(OP_Transpose, 25, 1, T(HY_DTYPE_BFLOAT16, bf, 2, 3)), y);
  const uint16_t want[6] = {0x3f80, 0x4080, 0x4000, 0x40a0, 0x4040, 0x40c0};
  cr_assert(!memcmp(y, want, sizeof y));
  /* string has no fixed size: refused by name, never reaching a kernel */
  expect_error(NODE(OP_Transpose, 25, 1, T(HY_DTYPE_STRING, NULL, 2, 3)), HY_ERR_UNSUPPORTED,
               "has type string, not supported");
}

Test(movement, bitcast26_keeps_the_bits) {
  const float f[3] = {1.0f, -2.5f, 0.0f};
  int32_t i[3];
  ir_node *n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_FLOAT, f, 3));
  attr_int(n, "to", HY_DTYPE_INT32);
  run_ok(n, i);
  EXPECT_OUT(n, 0, HY_DTYPE_INT32, 3);
  cr_assert(i[0] == 0x3f800000 && i[1] == (int32_t)0xc0200000u && i[2] == 0);
  /* packed types of equal width: int4 [-1, -7, 5], low nibble first, read as uint4 */
  const uint8_t packed[2] = {0x9f, 0x05};
  uint8_t u[2] = {0xee, 0xee};
  n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_INT4, packed, 3));
  attr_int(n, "to", HY_DTYPE_UINT4);
  run_ok(n, u);
  EXPECT_OUT(n, 0, HY_DTYPE_UINT4, 3);
  cr_assert(u[0] == 0x9f && (u[1] & 0x0f) == 0x05, "%02x %02x", u[0], u[1]);
  const double d = -0.0;
  uint64_t q;
  n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_DOUBLE, &d));
  attr_int(n, "to", HY_DTYPE_UINT64);
  run_ok(n, &q);
  cr_assert_eq(q, 0x8000000000000000ull);
}

Test(movement, bitcast26_errors) {
  const float f[2] = {0};
  ir_node *n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_FLOAT, f, 2));
  attr_int(n, "to", HY_DTYPE_FLOAT16);
  expect_error(n, HY_ERR_DTYPE, "attribute 'to': is float16 (16 bits); the input is float (32");
  n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_FLOAT, f, 2));
  attr_int(n, "to", HY_DTYPE_STRING);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'to': is 8, not a type BitCast produces");
  expect_error(NODE(OP_BitCast, 26, 1, T(HY_DTYPE_FLOAT, f, 2)), HY_ERR_INVALID_MODEL,
               "attribute 'to': is required");
  n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_FLOAT, f, 2));
  attr_int(n, "to", HY_DTYPE_FLOAT6E2M3);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'to'");
  n = NODE(OP_BitCast, 26, 1, T(HY_DTYPE_STRING, NULL, 2));
  attr_int(n, "to", HY_DTYPE_INT64);
  expect_error(n, HY_ERR_DTYPE, "has type string");
}
