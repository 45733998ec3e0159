/* Run-time dims (`--shape x=1..8x64`): the bindings that make them, the dims shape inference
 * gives every value (monomials of the symbols, shape arithmetic followed through Shape, Gather,
 * Concat and Reshape), what it refuses because no product of the symbols describes it, and one
 * JIT-compiled model run at several sizes through the session, against the same model compiled
 * for each size alone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "model_builder.h"
#include "run/run_model.h"

static Onnx__TensorProto *i64_tensor(const char *name, int32_t rank, const int64_t *dims,
                                     const int64_t *v, size_t n) {
  return tensor(name, HY_DTYPE_INT64, rank, dims, v, n * sizeof *v);
}

/* The type of every value named in want[], as the graph has them before lowering. */
typedef struct snapshot {
  const char *const *names;
  int32_t n;
  char types[8][128];
} snapshot;

static void take_snapshot(void *user, const ir_graph *g, const char *pass, bool after) {
  snapshot *s = user;
  if (!after || strcmp(pass, "layout")) return;
  for (int32_t i = 0; i < g->n_values; i++)
    for (int32_t k = 0; k < s->n; k++)
      if (g->values[i] && g->values[i]->name && !strcmp(g->values[i]->name, s->names[k]))
        ir_type_str(&g->values[i]->type, s->types[k], sizeof s->types[k]);
}

/* Writes m and runs the passes with the bindings; the status, its message in d, the types of the
 * named values after the layout pass (the last before lowering) in s. */
static hy_status infer(Onnx__ModelProto *m, const pass_binding *b, int32_t nb, snapshot *s,
                       diag *d) {
  char path[] = "/tmp/hydra_rtdims_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  cr_assert(mb_write(m, path));
  arena a;
  arena_init(&a);
  diag_init(d);
  ir_graph *g = NULL;
  pass_observer obs = {take_snapshot, s};
  hy_status st = hc_compile_graph_observed(&a, d, path, b, nb, NULL, 0, &obs, &g);
  unlink(path);
  arena_free(&a);
  return st;
}

static pass_binding ranged(const char *input, int32_t rank, const int64_t *lo, const int64_t *hi) {
  pass_binding b = {.input = input, .rank = rank};
  for (int32_t k = 0; k < rank; k++) {
    b.lo[k] = lo[k], b.dims[k] = hi[k];
    if (lo[k] < hi[k]) b.ranged |= 1u << k;
  }
  return b;
}

/* x[batch,64] · W[64,32] → Relu → Unsqueeze(1) → Concat with itself on axis 1 → ReduceSum(1):
 * mmoe's pattern. */
static Onnx__ModelProto *gated_model(void) {
  static float w[64 * 32];
  static const int64_t wd[2] = {64, 32}, one = 1, axes[1] = {1};
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "batch,64"));
  PUSH(m->graph->initializer, m->graph->n_initializer,
       tensor("w", HY_DTYPE_FLOAT, 2, wd, w, sizeof w));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("axes", 1, &one, axes, 1));
  PUSH(m->graph->node, m->graph->n_node, node_new("MatMul", "mm", "x,w", "h"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Relu", "relu", "h", "r"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Unsqueeze", "unsq", "r,axes", "u"));
  Onnx__NodeProto *cat = node_new("Concat", "cat", "u,u", "c");
  Onnx__AttributeProto *ax = add_attr(cat, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  ax->has_i = 1, ax->i = 1;
  PUSH(m->graph->node, m->graph->n_node, cat);
  PUSH(m->graph->node, m->graph->n_node, node_new("ReduceSum", "sum", "c,axes", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_FLOAT, NULL));
  return m;
}

Test(run_time_dims, a_batch_range_reaches_every_value) {
  static const char *const names[] = {"h", "u", "c", "y"};
  snapshot s = {names, 4, {{0}}};
  pass_binding b = ranged("x", 2, (int64_t[]){1, 64}, (int64_t[]){32, 64});
  diag d;
  hy_status st = infer(gated_model(), &b, 1, &s, &d);
  cr_expect_str_eq(s.types[1], "float[batch,1,32]");
  cr_expect_str_eq(s.types[2], "float[batch,2,32]");
  cr_expect_str_eq(s.types[3], "float[batch,1,32]"); /* keepdims */
  cr_expect_eq(st, HY_OK, "%s", d.msg);
}

Test(run_time_dims, fixed_sizes_compile_as_before) {
  snapshot s = {NULL, 0, {{0}}};
  pass_binding b = {.input = "x", .rank = 2, .dims = {32, 64}};
  diag d;
  cr_expect_eq(infer(gated_model(), &b, 1, &s, &d), HY_OK, "%s", d.msg);
}

/* x[batch,seq,64] → Reshape to [Shape(x)[0] * Shape(x)[1], 64] (as torch writes a flatten of the
 * leading dims), then back to x's own shape through Shape(x): content followed end to end. */
static Onnx__ModelProto *reshape_model(void) {
  static const int64_t one = 1, i0 = 0, i1 = 1, minus1[1] = {-1}, c64[1] = {64}, zero = 0;
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "batch,seq,64"));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("i0", 0, NULL, &i0, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("i1", 0, NULL, &i1, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("ax0", 1, &one, &zero, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("c64", 1, &one, c64, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("m1", 1, &one, minus1, 1));
  PUSH(m->graph->node, m->graph->n_node, node_new("Shape", "shape", "x", "s"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Gather", "g0", "s,i0", "b"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Gather", "g1", "s,i1", "t"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Mul", "bt", "b,t", "rows"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Unsqueeze", "u", "rows,ax0", "rows1"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Concat", "cat", "rows1,c64", "target"));
  Onnx__NodeProto *cat = m->graph->node[m->graph->n_node - 1];
  Onnx__AttributeProto *ax = add_attr(cat, "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  ax->has_i = 1, ax->i = 0;
  PUSH(m->graph->node, m->graph->n_node, node_new("Reshape", "flat", "x,target", "f"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Relu", "relu", "f", "r"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Reshape", "back", "r,s", "y"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Reshape", "any", "r,m1", "z"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_FLOAT, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("z", HY_DTYPE_FLOAT, NULL));
  return m;
}

Test(run_time_dims, shape_arithmetic_is_followed_into_reshape_targets) {
  static const char *const names[] = {"f", "y", "z"};
  snapshot s = {names, 3, {{0}}};
  pass_binding b = ranged("x", 3, (int64_t[]){1, 1, 64}, (int64_t[]){4, 256, 64});
  diag d;
  infer(reshape_model(), &b, 1, &s, &d);
  cr_expect_str_eq(s.types[0], "float[batch*seq,64]");
  cr_expect_str_eq(s.types[1], "float[batch,seq,64]");
  cr_expect_str_eq(s.types[2], "float[64*batch*seq]");
}

/* Two inputs naming the same dims share them; an unnamed ranged dim is named after its input. */
Test(run_time_dims, inputs_share_a_named_dim_and_unnamed_ones_get_their_own) {
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("a", HY_DTYPE_FLOAT, "n,?"));
  PUSH(m->graph->input, m->graph->n_input, value_info("b", HY_DTYPE_FLOAT, "n,?"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Add", "add", "a,b", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_FLOAT, NULL));
  static const char *const names[] = {"y"};
  snapshot s = {names, 1, {{0}}};
  pass_binding b[2] = {ranged("a", 2, (int64_t[]){1, 8}, (int64_t[]){16, 8}),
                       ranged("b", 2, (int64_t[]){1, 8}, (int64_t[]){16, 8})};
  diag d;
  infer(m, b, 2, &s, &d);
  cr_expect_str_eq(s.types[0], "float[n,8]");
  /* the second dims of a and b are ranged without a name: two symbols, which Add cannot tie */
  b[0] = ranged("a", 2, (int64_t[]){1, 1}, (int64_t[]){16, 8});
  b[1] = ranged("b", 2, (int64_t[]){1, 1}, (int64_t[]){16, 8});
  cr_expect_eq(infer(m, b, 2, &s, &d), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(d.msg, "node 'add' (Add): reads run-time dims (float[n,a_d1], float[n,b_d1])"),
            "%s", d.msg);
  /* the same name given two ranges */
  b[0] = ranged("a", 2, (int64_t[]){1, 8}, (int64_t[]){16, 8});
  b[1] = ranged("b", 2, (int64_t[]){2, 8}, (int64_t[]){16, 8});
  cr_expect_eq(infer(m, b, 2, &s, &d), HY_ERR_SHAPE);
  cr_expect(strstr(d.msg, "dim 'n' is 1..16 in input 'a' but 2..16 in input 'b'"), "%s", d.msg);
}

/* position_ids[:, :seq] of a 512-long buffer: seq while seq stays within it, refused past it
 * (the slice would be clamped to 512, no product of seq). */
static Onnx__ModelProto *slice_model(void) {
  static int64_t buf[512];
  static const int64_t bd[2] = {1, 512}, one = 1, zero[1] = {0}, ax1[1] = {1}, i1 = 1;
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("ids", HY_DTYPE_INT64, "batch,seq"));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("pos", 2, bd, buf, 512));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("zero", 1, &one, zero, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("ax1", 1, &one, ax1, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("i1", 0, NULL, &i1, 1));
  PUSH(m->graph->node, m->graph->n_node, node_new("Shape", "shape", "ids", "s"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Gather", "g", "s,i1", "len"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Unsqueeze", "u", "len,zero", "end"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Slice", "slice", "pos,zero,end,ax1", "p"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Add", "add", "ids,p", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_INT64, NULL));
  return m;
}

Test(run_time_dims, a_slice_is_followed_only_within_its_buffer) {
  static const char *const names[] = {"p", "y"};
  snapshot s = {names, 2, {{0}}};
  pass_binding b = ranged("ids", 2, (int64_t[]){1, 1}, (int64_t[]){4, 512});
  diag d;
  infer(slice_model(), &b, 1, &s, &d);
  cr_expect_str_eq(s.types[0], "int64[1,seq]");
  cr_expect_str_eq(s.types[1], "int64[batch,seq]");
  b = ranged("ids", 2, (int64_t[]){1, 1}, (int64_t[]){4, 1024});
  cr_expect_eq(infer(slice_model(), &b, 1, &s, &d), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(d.msg, "node 'slice' (Slice): reads run-time dims (int64[1,512], int64[1], "
                          "int64[1] = [seq], int64[1]) and its output's shape is no product"),
            "%s", d.msg);
}

/* Equal against content from dims: decided when the answer holds at every size. */
static Onnx__ModelProto *equal_model(int64_t than) {
  static int64_t value[1];
  static const int64_t one = 1, i0[1] = {0};
  value[0] = than;
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "batch,4"));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("c", 1, &one, value, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("i0", 1, &one, i0, 1));
  PUSH(m->graph->node, m->graph->n_node, node_new("Shape", "shape", "x", "s"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Gather", "g", "s,i0", "b"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Equal", "eq", "b,c", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_BOOL, NULL));
  return m;
}

Test(run_time_dims, equal_is_decided_only_when_no_size_changes_it) {
  snapshot s = {NULL, 0, {{0}}};
  pass_binding b = ranged("x", 2, (int64_t[]){2, 4}, (int64_t[]){8, 4});
  diag d;
  /* -1 and 1 are never a batch of 2..8: the answer is a constant, and the graph compiles */
  cr_expect_eq(infer(equal_model(-1), &b, 1, &s, &d), HY_OK, "%s", d.msg);
  cr_expect_eq(infer(equal_model(1), &b, 1, &s, &d), HY_OK, "%s", d.msg);
  cr_expect_eq(infer(equal_model(4), &b, 1, &s, &d), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(d.msg, "node 'eq' (Equal)") &&
                strstr(d.msg, "compares values whose answer depends on the sizes"),
            "%s", d.msg);
}

Test(run_time_dims, an_op_not_followed_is_named) {
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "n,4"));
  Onnx__NodeProto *t = node_new("TopK", "topk", "x,k", "v,i");
  static const int64_t one = 1, k[1] = {2};
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("k", 1, &one, k, 1));
  PUSH(m->graph->node, m->graph->n_node, t);
  PUSH(m->graph->output, m->graph->n_output, value_info("v", HY_DTYPE_FLOAT, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("i", HY_DTYPE_INT64, NULL));
  snapshot s = {NULL, 0, {{0}}};
  pass_binding b = ranged("x", 2, (int64_t[]){1, 4}, (int64_t[]){8, 4});
  diag d;
  cr_expect_eq(infer(m, &b, 1, &s, &d), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(d.msg, "node 'topk' (TopK): reads run-time dims (float[n,4], int64[1]) and "
                          "Hydra does not follow run-time dims through this op yet"),
            "%s", d.msg);
}

Test(run_time_dims, a_range_must_be_sizes_and_fit_the_declared_dims) {
  snapshot s = {NULL, 0, {{0}}};
  diag d;
  pass_binding b = ranged("x", 2, (int64_t[]){0, 64}, (int64_t[]){8, 64});
  cr_expect_eq(infer(gated_model(), &b, 1, &s, &d), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(d.msg, "dim 0's range 0..8 is not a range of sizes >= 1"), "%s", d.msg);
  b = ranged("x", 2, (int64_t[]){1, 32}, (int64_t[]){8, 64});
  cr_expect_eq(infer(gated_model(), &b, 1, &s, &d), HY_ERR_SHAPE, "64 is declared: not a range");
}

/* ---- running on run-time dims ---- */

typedef struct jitted {
  arena a;
  diag d;
  cg_jit *j;
  hy_session *s;
} jitted;

static void jit(jitted *c, Onnx__ModelProto *m, const pass_binding *b, int32_t nb) {
  char path[] = "/tmp/hydra_rtdims_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  cr_assert(mb_write(m, path));
  memset(c, 0, sizeof *c);
  arena_init(&c->a);
  diag_init(&c->d);
  ir_graph *g = NULL;
  hy_status st = hc_compile_graph(&c->a, &c->d, path, b, nb, &g);
  unlink(path);
  cr_assert_eq(st, HY_OK, "%s", c->d.msg);
  cr_assert_eq(cg_jit_compile(g, "rt", NULL, &c->j), HY_OK, "%s", c->d.msg);
  cr_assert_eq(hy_session_create(cg_jit_model(c->j), NULL, &c->s), HY_OK);
}

static void unjit(jitted *c) {
  hy_session_destroy(c->s);
  cg_jit_free(c->j);
  arena_free(&c->a);
}

/* c run on input x (one input, dims given): its outputs into y[], each on a slice of out of
 * per bytes. */
static hy_status run1(jitted *c, hy_dtype dt, int32_t rank, const int64_t *dims, void *x,
                      uint8_t *out, size_t per, hy_tensor *y) {
  const hy_model *m = cg_jit_model(c->j);
  hy_tensor in = {dt, rank, {0}, x};
  memcpy(in.dims, dims, (size_t)rank * sizeof *dims);
  cr_assert_leq(m->n_outputs, 4);
  for (int32_t i = 0; i < m->n_outputs; i++) {
    y[i] = (hy_tensor){m->outputs[i].dtype, m->outputs[i].rank, {0}, out + (size_t)i * per};
    memcpy(y[i].dims, m->outputs[i].dims, sizeof y[i].dims);
    cr_assert_leq(hy_tensor_bytes(&y[i]), per);
  }
  return hy_session_run_tensors(c->s, &in, 1, y, m->n_outputs);
}

/* Output k of a run (got) against the fixed compile's (want): shape, then every element to
 * 1e-5 (integers exactly). */
static void same_output(const hy_tensor *got, const hy_tensor *want, int32_t t, int32_t k) {
  cr_assert_eq(got->rank, want->rank);
  for (int32_t d = 0; d < got->rank; d++)
    cr_assert_eq(got->dims[d], want->dims[d], "size %d, output %d: dim %d is %lld, fixed %lld",
                 t, k, d, (long long)got->dims[d], (long long)want->dims[d]);
  size_t count = hy_tensor_bytes(want) / 4;
  const float *g = got->data, *w = want->data;
  for (size_t i = 0; i < count; i++) {
    if (want->dtype != HY_DTYPE_FLOAT) {
      cr_assert_eq(((const int32_t *)g)[i], ((const int32_t *)w)[i], "size %d: word %zu", t, i);
      continue;
    }
    float tol = 1e-5f * (1.0f + (w[i] < 0 ? -w[i] : w[i]));
    cr_assert(g[i] - w[i] <= tol && w[i] - g[i] <= tol, "size %d, output %d: [%zu] %g, fixed %g",
              t, k, i, (double)g[i], (double)w[i]);
  }
}

/* model(), compiled once for its input in lo..hi, gives at each of the sizes what the model
 * compiled for that size alone gives. */
static void same_as_fixed(Onnx__ModelProto *(*model)(void), const char *input, hy_dtype dt,
                          int32_t rank, const int64_t *lo, const int64_t *hi,
                          const int64_t (*sizes)[HY_MAX_RANK], int32_t n_sizes) {
  enum { PER = 1 << 19 };
  static float x[1 << 17];
  static uint8_t got[4 * PER], want[4 * PER];
  pass_binding b = ranged(input, rank, lo, hi);
  jitted dyn;
  jit(&dyn, model(), &b, 1);
  for (int32_t t = 0; t < n_sizes; t++) {
    pass_binding fb = {.input = input, .rank = rank};
    memcpy(fb.dims, sizes[t], (size_t)rank * sizeof *fb.dims);
    jitted fixed;
    jit(&fixed, model(), &fb, 1);
    int64_t n = 1;
    for (int32_t k = 0; k < rank; k++) n *= sizes[t][k];
    for (int64_t i = 0; i < n; i++) {
      if (dt == HY_DTYPE_FLOAT) x[i] = (float)((i * 7919 + t * 31) % 1000) / 250.0f - 2.0f;
      else ((int64_t *)x)[i] = (i * 13 + t) % 97;
    }
    hy_tensor yd[4], yf[4];
    cr_assert_eq(run1(&dyn, dt, rank, sizes[t], x, got, PER, yd), HY_OK, "%s",
                 hy_session_error(dyn.s));
    cr_assert_eq(run1(&fixed, dt, rank, sizes[t], x, want, PER, yf), HY_OK, "%s",
                 hy_session_error(fixed.s));
    for (int32_t k = 0; k < cg_jit_model(fixed.j)->n_outputs; k++)
      same_output(&yd[k], &yf[k], t, k);
    unjit(&fixed);
  }
  unjit(&dyn);
}

Test(run_time_dims, one_compile_runs_every_batch_like_a_fixed_one) {
  static const int64_t sizes[][HY_MAX_RANK] = {{1, 64}, {7, 64}, {32, 64}};
  same_as_fixed(gated_model, "x", HY_DTYPE_FLOAT, 2, (int64_t[]){1, 64}, (int64_t[]){32, 64},
                sizes, 3);
}

Test(run_time_dims, reshapes_follow_the_run_s_shape) {
  static const int64_t sizes[][HY_MAX_RANK] = {{1, 1, 64}, {3, 5, 64}, {4, 256, 64}};
  same_as_fixed(reshape_model, "x", HY_DTYPE_FLOAT, 3, (int64_t[]){1, 1, 64},
                (int64_t[]){4, 256, 64}, sizes, 3);
}

Test(run_time_dims, a_position_slice_takes_the_run_s_length) {
  static const int64_t sizes[][HY_MAX_RANK] = {{1, 1}, {2, 7}, {4, 512}};
  same_as_fixed(slice_model, "ids", HY_DTYPE_INT64, 2, (int64_t[]){1, 1}, (int64_t[]){4, 512},
                sizes, 3);
}

/* x[batch,8] unsqueezed on axis 1 plus x unsqueezed on axis 0: y[batch,batch,8]. At batch 1 the
 * Add broadcasts nothing, at 2 both operands; a range 1..2 must still compile. */
static Onnx__ModelProto *outer_sum_model(void) {
  static const int64_t one = 1, axes1[1] = {1}, axes0[1] = {0};
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "batch,8"));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("a1", 1, &one, axes1, 1));
  PUSH(m->graph->initializer, m->graph->n_initializer, i64_tensor("a0", 1, &one, axes0, 1));
  PUSH(m->graph->node, m->graph->n_node, node_new("Unsqueeze", "u1", "x,a1", "u"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Unsqueeze", "u0", "x,a0", "v"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Add", "add", "u,v", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_FLOAT, NULL));
  return m;
}

Test(run_time_dims, a_range_of_one_and_two_compiles_and_runs_both) {
  static const int64_t sizes[][HY_MAX_RANK] = {{1, 8}, {2, 8}};
  same_as_fixed(outer_sum_model, "x", HY_DTYPE_FLOAT, 2, (int64_t[]){1, 8}, (int64_t[]){2, 8},
                sizes, 2);
}

Test(run_time_dims, the_session_checks_a_run_against_the_bounds) {
  pass_binding b = ranged("x", 2, (int64_t[]){2, 64}, (int64_t[]){8, 64});
  jitted c;
  jit(&c, gated_model(), &b, 1);
  static float x[16 * 64], y[16 * 64];
  hy_tensor out[4];
  cr_expect_eq(run1(&c, HY_DTYPE_FLOAT, 2, (int64_t[]){9, 64}, x, (uint8_t *)y, sizeof y, out),
               HY_ERR_SHAPE);
  cr_expect(strstr(hy_session_error(c.s), "input 0 'x': dim 0 ('batch') is 9, outside 2..8"),
            "%s", hy_session_error(c.s));
  cr_expect_eq(run1(&c, HY_DTYPE_FLOAT, 2, (int64_t[]){1, 64}, x, (uint8_t *)y, sizeof y, out),
               HY_ERR_SHAPE);
  /* plain pointers carry no shape: the dims are asked for, then taken */
  const void *in[1] = {x};
  void *outs[1] = {y};
  cr_expect_eq(hy_session_run(c.s, in, outs), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(hy_session_error(c.s), "has run-time dims (batch, ...)"), "%s",
            hy_session_error(c.s));
  int64_t dims[1] = {5};
  cr_expect_eq(hy_session_run_dims(c.s, dims, in, outs), HY_OK, "%s", hy_session_error(c.s));
  int32_t rank;
  int64_t od[HY_MAX_RANK];
  cr_assert_eq(hy_session_output_shape(c.s, 0, &rank, od), HY_OK);
  cr_expect(rank == 3 && od[0] == 5 && od[1] == 1 && od[2] == 32, "[%lld,%lld,%lld]",
            (long long)od[0], (long long)od[1], (long long)od[2]);
  dims[0] = 0;
  cr_expect_eq(hy_session_run_dims(c.s, dims, in, outs), HY_ERR_SHAPE);
  unjit(&c);
}
