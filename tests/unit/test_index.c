/* Index family (Trilu, ArgMax/ArgMin, CumSum/CumProd, TopK, OneHot, GatherND, ScatterND, Hardmax,
 * EyeLike, ReverseSequence, Einsum, Det): each op built as a node, run through its infer and
 * lower hooks and its native kernel, and compared with values worked out by hand; plus the
 * attribute, dtype and shape errors, and the kernels' refusal of indices out of range. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "graph_fixture.h"

static void setup(void) { graph_fixture_open("m.onnx", 0); }
TestSuite(index, .init = setup, .fini = graph_fixture_close);

/* ---- building nodes ---- */
#define SCALAR_I64(x) graph_fixture_tensor(HY_DTYPE_INT64, 0, NULL, (const int64_t[]){x})

/* A node of op (version ver) with the given inputs (NULL: omitted) and n_out fresh outputs. */
static ir_node *node(ir_op op, int32_t ver, int32_t n_out, int32_t n_in, ir_value *const *in) {
  ir_node *n = ir_node_new(G, op, ir_op_name(op), "n", n_in, n_out);
  n->opset = n->version = ver;
  for (int32_t i = 0; i < n_in; i++)
    if (in[i]) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++)
    ir_node_set_output(G, n, i, ir_value_new(G, "out"));
  n->attrs = arena_array(&A, 8, sizeof *n->attrs);
  return n;
}
#define NODE(op, ver, n_out, ...)                                                                  \
  node(op, ver, n_out, (int32_t)(sizeof((ir_value *[]){__VA_ARGS__}) / sizeof(ir_value *)),        \
       (ir_value *[]){__VA_ARGS__})

static void attr_i(ir_node *n, const char *name, int64_t v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}
static void attr_s(ir_node *n, const char *name, const char *s) {
  n->attrs[n->n_attrs++] =
      (ir_attr){.name = name, .kind = IR_ATTR_STRING, .s = s, .s_len = strlen(s)};
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
#define EXPECT_SCALAR_OUT(n, slot, dt) expect_out(n, slot, dt, 0, NULL)

static void expect_error(ir_node *n, hy_status s, const char *msg) {
  diag_init(&D); /* diag keeps the first error only */
  hy_status got = infer(n);
  cr_assert_eq(got, s, "status %s, expected %s (%s)", hy_status_name(got), hy_status_name(s),
               D.msg);
  cr_assert(strstr(D.msg, msg), "message \"%s\" lacks \"%s\"", D.msg, msg);
}

/* Infers, lowers and runs n natively. Inputs come from their values' data, or from runtime[i]
 * when given (a value the compiler does not know). Returns the kernel's status. */
static hy_status run_in(ir_node *n, const void *const *runtime, void **outs) {
  hy_status s = infer(n);
  cr_assert_eq(s, HY_OK, "infer: %s", D.msg);
  ir_lowered *l = arena_alloc(&A, sizeof *l);
  memset(l, 0, sizeof *l);
  s = ir_op_get(n->op)->lower(G, n, l);
  cr_assert_eq(s, HY_OK, "lower: %s", D.msg);
  cr_assert(l->n_ints <= LOWER_MAX_INTS);
  hy_tdesc in[16] = {0}, out[4] = {0};
  const void *ins[16] = {0};
  cr_assert(n->n_in <= 16 && n->n_out <= 4, "the helper's descriptor arrays are too small");
  for (int32_t i = 0; i < n->n_in && i < 16; i++) {
    if (!n->in[i]) continue;
    const ir_type *t = &n->in[i]->type;
    in[i] = (hy_tdesc){t->dtype, t->rank, {0}};
    memcpy(in[i].dims, t->dims, sizeof t->dims);
    ins[i] = runtime && runtime[i] ? runtime[i] : n->in[i]->data;
  }
  for (int32_t i = 0; i < n->n_out && i < 4; i++) {
    if (!n->out[i]) continue;
    const ir_type *t = &n->out[i]->type;
    out[i] = (hy_tdesc){t->dtype, t->rank, {0}};
    memcpy(out[i].dims, t->dims, sizeof t->dims);
  }
  void *scratch = l->scratch_bytes ? arena_alloc(&A, (size_t)l->scratch_bytes) : NULL;
  hy_kparams p = {n->n_in, n->n_out, l->n_ints, l->n_floats, in, out, l->ints, l->floats};
  return hy_kernel_table[l->kernel](&p, ins, outs, scratch, NULL);
}
static hy_status run(ir_node *n, void **outs) { return run_in(n, NULL, outs); }
static void run_ok(ir_node *n, void *out0) {
  void *outs[1] = {out0};
  hy_status s = run(n, outs);
  cr_assert_eq(s, HY_OK, "kernel: %s", hy_status_name(s));
}

static void expect_floats(const float *got, const float *want, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    cr_assert(fabsf(got[i] - want[i]) <= 1e-5f * (1 + fabsf(want[i])),
              "element %lld: %g, expected %g", (long long)i, got[i], want[i]);
}
static void expect_i64(const int64_t *got, const int64_t *want, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    cr_assert_eq(got[i], want[i], "element %lld: %lld, expected %lld", (long long)i,
                 (long long)got[i], (long long)want[i]);
}
#define F32S(...) ((const float[]){__VA_ARGS__})
#define I64S(...) ((const int64_t[]){__VA_ARGS__})

static const float k_x12[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; /* [3,4] */

/* ---- Trilu ---- */
Test(index, trilu_lower_and_upper_with_k) {
  float y[12];
  ir_node *n = NODE(OP_Trilu, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), SCALAR_I64(-1));
  attr_i(n, "upper", 0);
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 4);
  expect_floats(y, F32S(0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0), 12);

  n = NODE(OP_Trilu, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), SCALAR_I64(1));
  run_ok(n, y); /* upper is the default */
  expect_floats(y, F32S(0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12), 12);
}

Test(index, trilu_causal_mask_batched_and_runtime_k) {
  /* a [2,3,3] batch of ones, lower part kept (a causal mask), k known only at run time */
  float ones[18], y[18];
  for (int i = 0; i < 18; i++)
    ones[i] = 1;
  ir_node *n = NODE(OP_Trilu, 14, 1, T(HY_DTYPE_FLOAT, ones, 2, 3, 3), SCALAR_I64(0));
  n->in[1]->data = NULL;
  attr_i(n, "upper", 0);
  const void *rt[2] = {NULL, (const int64_t[]){0}};
  void *outs[1] = {y};
  cr_assert_eq(run_in(n, rt, outs), HY_OK);
  const float want[9] = {1, 0, 0, 1, 1, 0, 1, 1, 1};
  expect_floats(y, want, 9);
  expect_floats(y + 9, want, 9);
  /* a huge k keeps everything, a hugely negative one nothing */
  rt[1] = (const int64_t[]){INT64_MAX};
  cr_assert_eq(run_in(n, rt, outs), HY_OK);
  expect_floats(y, ones, 18);
  rt[1] = (const int64_t[]){INT64_MIN};
  cr_assert_eq(run_in(n, rt, outs), HY_OK);
  for (int i = 0; i < 18; i++)
    cr_assert_eq(y[i], 0.0f);
}

Test(index, trilu_errors) {
  expect_error(NODE(OP_Trilu, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 12)), HY_ERR_SHAPE,
               "rank 1; Trilu needs at least 2");
  expect_error(NODE(OP_Trilu, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4),
                    T(HY_DTYPE_INT32, (const int32_t[]){1}, 1)),
               HY_ERR_DTYPE, "k) must be int64");
  ir_node *n = NODE(OP_Trilu, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4));
  attr_i(n, "upper", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'upper': must be 0 or 1");
}

/* ---- ArgMax, ArgMin ---- */
static const float k_ties[6] = {3, 1, 3, 2, 2, 0}; /* [2,3] */

Test(index, argmax_keepdims_and_select_last) {
  int64_t y[3];
  ir_node *n = NODE(OP_ArgMax, 13, 1, T(HY_DTYPE_FLOAT, k_ties, 2, 3));
  attr_i(n, "axis", -1);
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 2, 1);
  expect_i64(y, I64S(0, 0), 2);

  n = NODE(OP_ArgMax, 13, 1, T(HY_DTYPE_FLOAT, k_ties, 2, 3));
  attr_i(n, "axis", 1);
  attr_i(n, "select_last_index", 1);
  attr_i(n, "keepdims", 0);
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 2);
  expect_i64(y, I64S(2, 1), 2);

  n = NODE(OP_ArgMin, 13, 1, T(HY_DTYPE_FLOAT, k_ties, 2, 3));
  run_ok(n, y); /* axis 0 */
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 1, 3);
  expect_i64(y, I64S(1, 0, 1), 3);
}

Test(index, argmin_int64_beyond_double_precision) {
  /* 2^53 + 1 and 2^53 are one double; the kernel must compare them as integers */
  const int64_t x[2] = {(1ll << 53) + 1, 1ll << 53};
  int64_t y[1];
  ir_node *n = NODE(OP_ArgMin, 13, 1, T(HY_DTYPE_INT64, x, 2));
  attr_i(n, "keepdims", 0);
  run_ok(n, y);
  EXPECT_SCALAR_OUT(n, 0, HY_DTYPE_INT64);
  cr_assert_eq(y[0], 1);
}

Test(index, argmax_errors) {
  ir_node *n = NODE(OP_ArgMax, 13, 1, T(HY_DTYPE_FLOAT, k_ties, 2, 3));
  attr_i(n, "axis", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'axis': axis 2 is out of range for rank 2");
  n = NODE(OP_ArgMax, 1, 1, T(HY_DTYPE_FLOAT, k_ties, 2, 3));
  attr_i(n, "axis", -1);
  expect_error(n, HY_ERR_INVALID_MODEL, "negative axes came with version 11");
  expect_error(NODE(OP_ArgMax, 13, 1, T(HY_DTYPE_BOOL, k_ties, 2, 3)), HY_ERR_DTYPE,
               "has type bool; expected a numeric type");
  expect_error(NODE(OP_ArgMax, 13, 1, T(HY_DTYPE_FLOAT, NULL, 0, 3)), HY_ERR_SHAPE,
               "no elements to choose from");
}

/* ---- CumSum, CumProd ---- */
Test(index, cumsum_exclusive_reverse_and_cumprod) {
  float y[12];
  ir_node *n = NODE(OP_CumSum, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), SCALAR_I64(1));
  run_ok(n, y);
  expect_floats(y, F32S(1, 3, 6, 10, 5, 11, 18, 26, 9, 19, 30, 42), 12);

  n = NODE(OP_CumSum, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), SCALAR_I64(-2));
  attr_i(n, "exclusive", 1);
  attr_i(n, "reverse", 1);
  run_ok(n, y);
  expect_floats(y, F32S(14, 16, 18, 20, 9, 10, 11, 12, 0, 0, 0, 0), 12);

  const int32_t xi[4] = {2, -3, 4, 5};
  int32_t yi[4];
  n = NODE(OP_CumProd, 26, 1, T(HY_DTYPE_INT32, xi, 4), SCALAR_I64(0));
  attr_i(n, "exclusive", 1);
  run_ok(n, yi);
  EXPECT_OUT(n, 0, HY_DTYPE_INT32, 4);
  cr_assert(yi[0] == 1 && yi[1] == 2 && yi[2] == -6 && yi[3] == -24);
}

Test(index, cumsum_bfloat16_rounds_to_nearest_even) {
  /* 1, 2, 3, 256, 1 in bfloat16: the running sums 1, 3, 6, 262 are exact; 263 lies halfway
   * between 262 (0x4383) and 264 (0x4384) and rounds to the even one. */
  const uint16_t x[5] = {0x3F80, 0x4000, 0x4040, 0x4380, 0x3F80};
  uint16_t y[5];
  ir_node *n = NODE(OP_CumSum, 14, 1, T(HY_DTYPE_BFLOAT16, x, 5), SCALAR_I64(0));
  run_ok(n, y);
  const uint16_t want[5] = {0x3F80, 0x4040, 0x40C0, 0x4383, 0x4384};
  for (int i = 0; i < 5; i++)
    cr_assert_eq(y[i], want[i], "element %d: %#x, expected %#x", i, y[i], want[i]);
}

Test(index, cumsum_errors) {
  ir_node *n = NODE(OP_CumSum, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), SCALAR_I64(0));
  n->in[1]->data = NULL;
  expect_error(n, HY_ERR_UNSUPPORTED, "axis) must be known at compile time");
  expect_error(NODE(OP_CumSum, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), SCALAR_I64(2)),
               HY_ERR_INVALID_MODEL, "axis 2 is out of range for rank 2");
  expect_error(NODE(OP_CumSum, 14, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4), T(HY_DTYPE_FLOAT, k_x12, 1)),
               HY_ERR_DTYPE, "axis) must be int32 or int64, is float");
}

/* ---- TopK ---- */
Test(index, topk_largest_smallest_with_ties) {
  const float x[8] = {1, 5, 3, 5, 0, 0, -1, 2}; /* [2,4] */
  float v[4];
  int64_t i[4];
  void *outs[2] = {v, i};
  ir_node *n = NODE(OP_TopK, 11, 2, T(HY_DTYPE_FLOAT, x, 2, 4), T(HY_DTYPE_INT64, I64S(2), 1));
  cr_assert_eq(run(n, outs), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  EXPECT_OUT(n, 1, HY_DTYPE_INT64, 2, 2);
  expect_floats(v, F32S(5, 5, 2, 0), 4);
  expect_i64(i, I64S(1, 3, 3, 0), 4);

  n = NODE(OP_TopK, 11, 2, T(HY_DTYPE_FLOAT, x, 2, 4), T(HY_DTYPE_INT64, I64S(1), 1));
  attr_i(n, "largest", 0);
  attr_i(n, "axis", 0);
  cr_assert_eq(run(n, outs), HY_OK, "%s", D.msg);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 1, 4);
  expect_floats(v, F32S(0, 0, -1, 2), 4);
  expect_i64(i, I64S(1, 1, 1, 1), 4);
}

Test(index, topk_version_1_attribute_and_errors) {
  const float x[4] = {4, 1, 3, 2};
  float v[3];
  int64_t i[3];
  void *outs[2] = {v, i};
  ir_node *n = NODE(OP_TopK, 1, 2, T(HY_DTYPE_FLOAT, x, 4));
  attr_i(n, "k", 3);
  cr_assert_eq(run(n, outs), HY_OK, "%s", D.msg);
  expect_floats(v, F32S(4, 3, 2), 3);
  expect_i64(i, I64S(0, 2, 3), 3);

  expect_error(NODE(OP_TopK, 11, 2, T(HY_DTYPE_FLOAT, x, 4), T(HY_DTYPE_INT64, I64S(5), 1)),
               HY_ERR_SHAPE, "k is 5; axis 0 has 4 elements");
  /* K known only at run time: both outputs bounded by the axis (test_dynamic.c runs it) */
  n = NODE(OP_TopK, 11, 2, T(HY_DTYPE_FLOAT, x, 4), T(HY_DTYPE_INT64, NULL, 1));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  cr_expect(n->out[0]->type.dims[0] == 4 && n->out[0]->type.bounded == 1u &&
            n->out[1]->type.bounded == 1u);
  expect_error(NODE(OP_TopK, 1, 2, T(HY_DTYPE_FLOAT, x, 4)), HY_ERR_INVALID_MODEL,
               "attribute 'k': is required");
  n = NODE(OP_TopK, 10, 2, T(HY_DTYPE_FLOAT, x, 4), T(HY_DTYPE_INT64, I64S(2), 1));
  attr_i(n, "largest", 0);
  expect_error(n, HY_ERR_INVALID_MODEL,
               "attribute 'largest': came with version 11; this node is version 10");
}

Test(index, topk_without_the_indices_output) {
  const float x[5] = {2, 9, 4, 9, 1};
  float v[2];
  ir_node *n = ir_node_new(G, OP_TopK, "TopK", "n", 2, 2);
  n->opset = n->version = 11;
  ir_node_set_input(G, n, 0, T(HY_DTYPE_FLOAT, x, 5));
  ir_node_set_input(G, n, 1, T(HY_DTYPE_INT64, I64S(2), 1));
  ir_node_set_output(G, n, 0, ir_value_new(G, "values")); /* Indices omitted: ranked in scratch */
  void *outs[2] = {v, NULL};
  cr_assert_eq(run(n, outs), HY_OK, "%s", D.msg);
  expect_floats(v, F32S(9, 9), 2);
}

/* ---- OneHot ---- */
Test(index, onehot_negative_indices_and_axis) {
  const int64_t idx[3] = {0, -1, 5}; /* 5 is out of range: a row of off values */
  float y[12];
  ir_node *n = NODE(OP_OneHot, 11, 1, T(HY_DTYPE_INT64, idx, 3),
                    graph_fixture_tensor(HY_DTYPE_FLOAT, 0, NULL, F32S(4)),
                    T(HY_DTYPE_FLOAT, F32S(-1, 7), 2));
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 4);
  expect_floats(y, F32S(7, -1, -1, -1, -1, -1, -1, 7, -1, -1, -1, -1), 12);

  n = NODE(OP_OneHot, 11, 1, T(HY_DTYPE_INT64, idx, 3), SCALAR_I64(4),
           T(HY_DTYPE_FLOAT, F32S(0, 1), 2));
  attr_i(n, "axis", 0);
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 4, 3);
  expect_floats(y, F32S(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0), 12);
}

Test(index, onehot_errors) {
  const int64_t idx[3] = {0, 1, 2};
  ir_node *n = NODE(OP_OneHot, 11, 1, T(HY_DTYPE_INT64, idx, 3), SCALAR_I64(4),
                    T(HY_DTYPE_FLOAT, F32S(0, 1), 2));
  n->in[1]->data = NULL;
  expect_error(n, HY_ERR_UNSUPPORTED, "depth) must be known at compile time");
  expect_error(NODE(OP_OneHot, 11, 1, T(HY_DTYPE_INT64, idx, 3), SCALAR_I64(0),
                    T(HY_DTYPE_FLOAT, F32S(0, 1), 2)),
               HY_ERR_INVALID_MODEL, "depth is 0; it must be a positive integer");
  expect_error(NODE(OP_OneHot, 11, 1, T(HY_DTYPE_INT64, idx, 3), SCALAR_I64(4),
                    T(HY_DTYPE_FLOAT, F32S(0, 1, 2), 3)),
               HY_ERR_SHAPE, "values must be [off_value, on_value]");
}

/* ---- GatherND, ScatterND ---- */
static const float k_x8[8] = {0, 1, 2, 3, 4, 5, 6, 7}; /* [2,2,2] */

Test(index, gathernd_tuples_and_batch_dims) {
  float y[4];
  ir_node *n = NODE(OP_GatherND, 13, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
                    T(HY_DTYPE_INT64, I64S(1, 0, 0, -1), 2, 2));
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(y, F32S(4, 5, 2, 3), 4);

  n = NODE(OP_GatherND, 13, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
           T(HY_DTYPE_INT64, I64S(1, 0), 2, 1));
  attr_i(n, "batch_dims", 1);
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(y, F32S(2, 3, 4, 5), 4);
}

Test(index, gathernd_index_out_of_range_is_a_kernel_error) {
  float y[2];
  void *outs[1] = {y};
  ir_node *n = NODE(OP_GatherND, 13, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
                    T(HY_DTYPE_INT64, I64S(0, 2), 1, 2));
  cr_assert_eq(run(n, outs), HY_ERR_SHAPE);
  n = NODE(OP_GatherND, 13, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
           T(HY_DTYPE_INT64, I64S(-3, 0), 1, 2));
  cr_assert_eq(run(n, outs), HY_ERR_SHAPE);
  expect_error(NODE(OP_GatherND, 13, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
                    T(HY_DTYPE_INT64, I64S(0, 0, 0, 0), 1, 4)),
               HY_ERR_SHAPE, "tuple length) is 4; it must be in [1, 3]");
}

Test(index, scatternd_replace_add_and_max) {
  float y[8];
  ir_node *n = NODE(OP_ScatterND, 18, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
                    T(HY_DTYPE_INT64, I64S(1, 0), 2, 1), T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2));
  run_ok(n, y); /* swaps the two halves */
  expect_floats(y, F32S(4, 5, 6, 7, 0, 1, 2, 3), 8);

  n = NODE(OP_ScatterND, 16, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
           T(HY_DTYPE_INT64, I64S(0, 1, 1, 0, 1, 1, 0, 1, 1), 3, 3),
           T(HY_DTYPE_FLOAT, F32S(10, 20, 30), 3));
  attr_s(n, "reduction", "add");
  run_ok(n, y); /* duplicates add up */
  expect_floats(y, F32S(0, 1, 2, 63, 4, 5, 6, 7), 8);

  n = NODE(OP_ScatterND, 18, 1, T(HY_DTYPE_FLOAT, k_x8, 2, 2, 2),
           T(HY_DTYPE_INT64, I64S(0, 0, -1, -1), 2, 2), T(HY_DTYPE_FLOAT, F32S(9, 0, 0, 9), 2, 2));
  attr_s(n, "reduction", "max");
  run_ok(n, y);
  expect_floats(y, F32S(9, 1, 2, 3, 4, 5, 6, 9), 8);
}

Test(index, scatternd_errors) {
  ir_node *n = NODE(OP_ScatterND, 13, 1, T(HY_DTYPE_FLOAT, k_x8, 8),
                    T(HY_DTYPE_INT64, I64S(1), 1, 1), T(HY_DTYPE_FLOAT, F32S(1), 1));
  attr_s(n, "reduction", "add");
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'reduction': came with version 16");
  n = NODE(OP_ScatterND, 16, 1, T(HY_DTYPE_FLOAT, k_x8, 8), T(HY_DTYPE_INT64, I64S(1), 1, 1),
           T(HY_DTYPE_FLOAT, F32S(1), 1));
  attr_s(n, "reduction", "max");
  expect_error(n, HY_ERR_INVALID_MODEL, "'max' is not one of none, add, mul");
  expect_error(NODE(OP_ScatterND, 18, 1, T(HY_DTYPE_FLOAT, k_x8, 8),
                    T(HY_DTYPE_INT64, I64S(1), 1, 1), T(HY_DTYPE_FLOAT, F32S(1, 2), 2)),
               HY_ERR_SHAPE, "updates have shape [2]; indices and data need [1]");
  float y[8];
  void *outs[1] = {y};
  n = NODE(OP_ScatterND, 18, 1, T(HY_DTYPE_FLOAT, k_x8, 8), T(HY_DTYPE_INT64, I64S(8), 1, 1),
           T(HY_DTYPE_FLOAT, F32S(1), 1));
  cr_assert_eq(run(n, outs), HY_ERR_SHAPE);
}

/* ---- Hardmax ---- */
Test(index, hardmax_one_axis_and_coerced_2d) {
  const float x[8] = {1, 3, 3, 0, 2, 1, 0, 5}; /* [2,2,2] */
  float y[8];
  ir_node *n = NODE(OP_Hardmax, 13, 1, T(HY_DTYPE_FLOAT, x, 2, 2, 2));
  attr_i(n, "axis", 1);
  run_ok(n, y);
  expect_floats(y, F32S(0, 1, 1, 0, 1, 0, 0, 1), 8);

  n = NODE(OP_Hardmax, 11, 1, T(HY_DTYPE_FLOAT, x, 2, 2, 2));
  run_ok(n, y); /* axis 1: each [2,2] block flattened, the first 3 wins */
  expect_floats(y, F32S(0, 1, 0, 0, 0, 0, 0, 1), 8);

  n = NODE(OP_Hardmax, 13, 1, T(HY_DTYPE_FLOAT, NULL, 2, 0));
  run_ok(n, y); /* an empty axis: nothing to write */
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 0);

  expect_error(NODE(OP_Hardmax, 13, 1, T(HY_DTYPE_INT32, x, 8)), HY_ERR_DTYPE,
               "expected a float type");
}

/* ---- EyeLike ---- */
Test(index, eyelike_k_and_dtype) {
  float y[12];
  ir_node *n = NODE(OP_EyeLike, 22, 1, T(HY_DTYPE_FLOAT, NULL, 3, 4));
  attr_i(n, "k", 1);
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 4);
  expect_floats(y, F32S(0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1), 12);

  int64_t yi[6];
  n = NODE(OP_EyeLike, 22, 1, T(HY_DTYPE_FLOAT, NULL, 3, 2));
  attr_i(n, "dtype", HY_DTYPE_INT64);
  attr_i(n, "k", -1);
  run_ok(n, yi);
  EXPECT_OUT(n, 0, HY_DTYPE_INT64, 3, 2);
  expect_i64(yi, I64S(0, 0, 1, 0, 0, 1), 6);

  n = NODE(OP_EyeLike, 22, 1, T(HY_DTYPE_FLOAT, NULL, 3, 2));
  attr_i(n, "dtype", HY_DTYPE_STRING);
  expect_error(n, HY_ERR_UNSUPPORTED, "attribute 'dtype': 8 (string) is not a numeric");
  expect_error(NODE(OP_EyeLike, 22, 1, T(HY_DTYPE_FLOAT, NULL, 3)), HY_ERR_SHAPE,
               "rank 1; EyeLike needs 2");
}

/* ---- ReverseSequence ---- */
Test(index, reversesequence_batch_and_time_axes) {
  float y[12];
  ir_node *n = NODE(OP_ReverseSequence, 10, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4),
                    T(HY_DTYPE_INT64, I64S(4, 0, 2), 3));
  attr_i(n, "batch_axis", 0);
  attr_i(n, "time_axis", 1);
  run_ok(n, y);
  expect_floats(y, F32S(4, 3, 2, 1, 5, 6, 7, 8, 10, 9, 11, 12), 12);

  n = NODE(OP_ReverseSequence, 10, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4),
           T(HY_DTYPE_INT64, I64S(3, 1, 2, 0), 4));
  run_ok(n, y); /* time axis 0, batch axis 1 */
  expect_floats(y, F32S(9, 2, 7, 4, 5, 6, 3, 8, 1, 10, 11, 12), 12);
}

Test(index, reversesequence_errors) {
  float y[12];
  void *outs[1] = {y};
  ir_node *n = NODE(OP_ReverseSequence, 10, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4),
                    T(HY_DTYPE_INT64, I64S(5, 0, 0), 3));
  attr_i(n, "batch_axis", 0);
  attr_i(n, "time_axis", 1);
  cr_assert_eq(run(n, outs), HY_ERR_SHAPE); /* 5 steps of 4 */
  n = NODE(OP_ReverseSequence, 10, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4),
           T(HY_DTYPE_INT64, I64S(1, 1, 1), 3));
  expect_error(n, HY_ERR_SHAPE, "one length per batch entry (4)");
  n = NODE(OP_ReverseSequence, 10, 1, T(HY_DTYPE_FLOAT, k_x12, 3, 4),
           T(HY_DTYPE_INT64, I64S(1, 1, 1), 3));
  attr_i(n, "batch_axis", 0);
  expect_error(n, HY_ERR_INVALID_MODEL, "batch_axis and time_axis are both 0");
}

/* ---- Einsum ---- */
Test(index, einsum_matmul_trace_and_implicit_output) {
  const float a[6] = {1, 2, 3, 4, 5, 6}; /* [2,3] */
  const float b[6] = {1, 0, 0, 1, 1, 1}; /* [3,2] */
  float y[9];
  ir_node *n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3), T(HY_DTYPE_FLOAT, b, 3, 2));
  attr_s(n, "equation", "ij, jk -> ik");
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(y, F32S(4, 5, 10, 11), 4);

  const float sq[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, sq, 3, 3));
  attr_s(n, "equation", "ii");
  run_ok(n, y); /* implicit: nothing appears once, so the trace */
  EXPECT_SCALAR_OUT(n, 0, HY_DTYPE_FLOAT);
  cr_assert_eq(y[0], 15.0f);

  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3));
  attr_s(n, "equation", "ba");
  run_ok(n, y); /* implicit output "ab": a transpose */
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 3, 2);
  expect_floats(y, F32S(1, 4, 2, 5, 3, 6), 6);
}

Test(index, einsum_batched_matmul_lowers_to_the_gemm) {
  /* [2,2,3] x [2,3,2]: batch 0 times [[1,0],[0,1],[1,1]], batch 1 times all ones */
  const float a[12] = {1, 2, 3, 4, 5, 6, 1, 0, 2, 0, 1, 3};
  const float b[12] = {1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  float y[8];
  ir_node *n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 2, 3), T(HY_DTYPE_FLOAT, b, 2, 3, 2));
  attr_s(n, "equation", "...ij,...jk->...ik");
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2, 2);
  expect_floats(y, F32S(4, 5, 10, 11, 3, 3, 4, 4), 8);
  ir_lowered l = {0};
  cr_assert_eq(ir_op_get(OP_Einsum)->lower(G, n, &l), HY_OK, "%s", D.msg);
  cr_assert_eq(l.kernel, HY_KERNEL_matmul);
  /* the same product with B transposed in the equation is not a plain matmul */
  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 2, 3), T(HY_DTYPE_FLOAT, a, 2, 2, 3));
  attr_s(n, "equation", "bij,bkj->bik");
  run_ok(n, y);
  expect_floats(y, F32S(14, 32, 32, 77, 5, 6, 6, 10), 8);
  cr_assert_eq(ir_op_get(OP_Einsum)->lower(G, n, &l), HY_OK, "%s", D.msg);
  cr_assert_eq(l.kernel, HY_KERNEL_einsum);
}

Test(index, einsum_ellipsis_broadcast_and_diagonal) {
  const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}; /* [2,2,2] */
  const float w[2] = {10, 1};                  /* [1,2]: broadcast over the batch */
  float y[4];
  ir_node *n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, x, 2, 2, 2), T(HY_DTYPE_FLOAT, w, 1, 2));
  attr_s(n, "equation", "...ij,...j->...i");
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_FLOAT, 2, 2);
  expect_floats(y, F32S(12, 34, 56, 78), 4);

  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, x, 2, 2, 2));
  attr_s(n, "equation", "...ii->...i");
  run_ok(n, y);
  expect_floats(y, F32S(1, 4, 5, 8), 4);
}

Test(index, einsum_errors) {
  const float a[6] = {0};
  ir_node *n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3), T(HY_DTYPE_FLOAT, a, 2, 3));
  attr_s(n, "equation", "ij,jk->ik");
  expect_error(n, HY_ERR_SHAPE, "has size 2, elsewhere 3");
  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3));
  attr_s(n, "equation", "ij,jk->ik");
  expect_error(n, HY_ERR_INVALID_MODEL, "more terms than the node's 1 inputs");
  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3));
  attr_s(n, "equation", "ijk");
  expect_error(n, HY_ERR_SHAPE, "term 0 has 3 labels for input 0 of rank 2");
  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3));
  attr_s(n, "equation", "ij->iz");
  expect_error(n, HY_ERR_INVALID_MODEL, "output label 1 is in no input");
  n = NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3));
  attr_s(n, "equation", "i1");
  expect_error(n, HY_ERR_INVALID_MODEL, "unexpected character '1'");
  expect_error(NODE(OP_Einsum, 12, 1, T(HY_DTYPE_FLOAT, a, 2, 3)), HY_ERR_INVALID_MODEL,
               "attribute 'equation': is required");
}

/* ---- Det ---- */
Test(index, det_batched_with_pivoting) {
  /* [[0,1],[1,0]] needs a row swap: det -1; then a 2x2 and a singular one */
  const double x[12] = {0, 1, 1, 0, 3, 8, 4, 6, 1, 2, 2, 4};
  double y[3];
  ir_node *n = NODE(OP_Det, 22, 1, T(HY_DTYPE_DOUBLE, x, 3, 2, 2));
  run_ok(n, y);
  EXPECT_OUT(n, 0, HY_DTYPE_DOUBLE, 3);
  cr_assert(fabs(y[0] + 1) < 1e-12 && fabs(y[1] + 14) < 1e-12 && fabs(y[2]) < 1e-12, "%g %g %g",
            y[0], y[1], y[2]);
  expect_error(NODE(OP_Det, 22, 1, T(HY_DTYPE_DOUBLE, x, 2, 3)), HY_ERR_SHAPE,
               "Det needs [*, M, M]");
}

/* ---- TfIdfVectorizer ---- */

static void attr_ints_t(ir_node *n, const char *name, const int64_t *v, int32_t cnt) {
  int64_t *copy = arena_array(&A, (size_t)cnt + 1, sizeof *copy);
  memcpy(copy, v, (size_t)cnt * sizeof *v);
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INTS, .ints = copy, .n = cnt};
}
#define ATTR_INTS(n, name, ...) attr_ints_t(n, name, I64S(__VA_ARGS__), NDIMS(__VA_ARGS__))

/* ONNX's pool of the suite: unigrams 2 3 5 4, bigrams (5,6) (7,8) (6,7). */
static ir_node *tfidf(ir_value *x, const char *mode, int64_t min_n, int64_t max_n, int64_t skip) {
  ir_node *n = NODE(OP_TfIdfVectorizer, 9, 1, x);
  n->attrs = arena_array(&A, 12, sizeof *n->attrs);
  attr_s(n, "mode", mode);
  attr_i(n, "min_gram_length", min_n);
  attr_i(n, "max_gram_length", max_n);
  attr_i(n, "max_skip_count", skip);
  ATTR_INTS(n, "ngram_counts", 0, 4);
  ATTR_INTS(n, "pool_int64s", 2, 3, 5, 4, 5, 6, 7, 8, 6, 7);
  return n;
}

/* Expectations from onnx.reference's TfIdfVectorizer on the same nodes. */
Test(index, tfidf_counts_skip_grams_and_weighs_by_output_coordinate) {
  static const int64_t x[12] = {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8};
  ir_node *tf = tfidf(T(HY_DTYPE_INT64, x, 2, 6), "TF", 1, 2, 5);
  ATTR_INTS(tf, "ngram_indexes", 0, 1, 2, 3, 4, 5, 6);
  float y[14];
  run_ok(tf, y);
  EXPECT_OUT(tf, 0, HY_DTYPE_FLOAT, 2, 7);
  expect_floats(y, F32S(0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1), 14);

  static const float w[7] = {.5f, 1, 2, 3, 4, 5, 10};
  ir_node *ti = tfidf(T(HY_DTYPE_INT64, x, 2, 6), "TFIDF", 1, 2, 1);
  ATTR_INTS(ti, "ngram_indexes", 6, 5, 4, 3, 2, 1, 0);
  ti->attrs[ti->n_attrs++] =
      (ir_attr){.name = "weights", .kind = IR_ATTR_FLOATS, .floats = (float *)w, .n = 7};
  run_ok(ti, y);
  expect_floats(y, F32S(0, 0, 0, 0, 0, 15, 0, .5f, 0, 2, 0, 4, 0, 0), 14);

  static const int32_t x1[6] = {8, 6, 7, 5, 6, 8}; /* 1-D, int32: bigrams only, skips up to 2 */
  ir_node *idf = tfidf(T(HY_DTYPE_INT32, x1, 6), "IDF", 2, 2, 2);
  ATTR_INTS(idf, "ngram_indexes", 0, 1, 2, 3, 4, 5, 6);
  idf->attrs[idf->n_attrs++] =
      (ir_attr){.name = "weights", .kind = IR_ATTR_FLOATS, .floats = (float *)w, .n = 7};
  run_ok(idf, y);
  EXPECT_OUT(idf, 0, HY_DTYPE_FLOAT, 7);
  expect_floats(y, F32S(0, 0, 0, 0, 4, 5, 10), 7);
}

Test(index, tfidf_refuses_bad_attributes_and_string_pools) {
  ir_node *m = tfidf(T(HY_DTYPE_INT64, NULL, 6), "BM25", 1, 2, 0);
  ATTR_INTS(m, "ngram_indexes", 0, 1, 2, 3, 4, 5, 6);
  expect_error(m, HY_ERR_INVALID_MODEL, "attribute 'mode'");
  ir_node *k = tfidf(T(HY_DTYPE_INT64, NULL, 6), "TF", 1, 2, 0);
  ATTR_INTS(k, "ngram_indexes", 0, 1, 2);
  expect_error(k, HY_ERR_INVALID_MODEL, "the pool has 7 n-grams");
  ir_node *l = tfidf(T(HY_DTYPE_INT64, NULL, 6), "TF", 2, 1, 0);
  ATTR_INTS(l, "ngram_indexes", 0, 1, 2, 3, 4, 5, 6);
  expect_error(l, HY_ERR_INVALID_MODEL, "attribute 'max_gram_length'");
  ir_node *f = tfidf(T(HY_DTYPE_FLOAT, NULL, 6), "TF", 1, 2, 0);
  ATTR_INTS(f, "ngram_indexes", 0, 1, 2, 3, 4, 5, 6);
  expect_error(f, HY_ERR_DTYPE, "not int32 or int64");
  ir_node *s = tfidf(T(HY_DTYPE_INT64, NULL, 6), "TF", 1, 2, 0);
  ATTR_INTS(s, "ngram_indexes", 0, 1, 2, 3, 4, 5, 6);
  s->attrs[s->n_attrs++] = (ir_attr){.name = "pool_strings", .kind = IR_ATTR_STRINGS};
  expect_error(s, HY_ERR_UNSUPPORTED, "string pools");
}
