/* Value-dependent output shapes (NonZero, Compress, Unique, NonMaxSuppression, TopK with a
 * run-time K): single-node models compiled without their inputs' values, so the extent is found
 * at run time, run through the public session API; each checks the bound the descriptor carries,
 * the actual dims the run reports and the data; plus folding, refused consumers and bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "model_builder.h"
#include "run/run_model.h"

/* ---- building and compiling one-node models ---- */

static void attr_int(Onnx__NodeProto *n, const char *name, int64_t v) {
  Onnx__AttributeProto *a = add_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  a->has_i = 1, a->i = v;
}

typedef struct compiled {
  arena a;
  diag d;
  ir_graph *g;
  cg_jit *j;
  hy_session *s;
} compiled;

/* Writes m, compiles it with shapes only (no values: nothing the inputs decide is known), and
 * JIT-compiles it; returns the compile status (the message in c->d). */
static hy_status compile(compiled *c, Onnx__ModelProto *m, const pass_binding *b, int32_t nb) {
  char path[] = "/tmp/hydra_dynamic_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  cr_assert(mb_write(m, path));
  memset(c, 0, sizeof *c);
  arena_init(&c->a);
  diag_init(&c->d);
  hy_status s = hc_compile_graph(&c->a, &c->d, path, b, nb, &c->g);
  unlink(path);
  if (s) return s;
  cr_assert_eq(cg_jit_compile(c->g, "dyn", NULL, &c->j), HY_OK, "%s", c->d.msg);
  cr_assert_eq(hy_session_create(cg_jit_model(c->j), NULL, &c->s), HY_OK);
  return HY_OK;
}

static void release(compiled *c) {
  hy_session_destroy(c->s);
  if (c->j) cg_jit_free(c->j);
  arena_free(&c->a);
}

/* A tensor shaped like output i's descriptor (the bound), on a zeroed buffer of its size. */
static hy_tensor out_tensor(const hy_model *m, int32_t i, void *buf, size_t cap) {
  const hy_io_desc *d = &m->outputs[i];
  hy_tensor t = {d->dtype, d->rank, {0}, buf};
  memcpy(t.dims, d->dims, sizeof t.dims);
  cr_assert_leq(hy_tensor_bytes(&t), cap, "output %d's bound does not fit the test buffer", i);
  memset(buf, 0, cap);
  return t;
}

static void expect_dims(const hy_tensor *t, int32_t rank, const int64_t *dims, const char *what) {
  cr_expect_eq(t->rank, rank, "%s: rank %d, expected %d", what, t->rank, rank);
  for (int32_t k = 0; k < rank; k++)
    cr_expect_eq(t->dims[k], dims[k], "%s: dim %d is %lld, expected %lld", what, k,
                 (long long)t->dims[k], (long long)dims[k]);
}

static void expect_i64(const int64_t *got, const int64_t *want, int32_t n, const char *what) {
  for (int32_t i = 0; i < n; i++)
    cr_expect_eq(got[i], want[i], "%s[%d]: %lld, expected %lld", what, i, (long long)got[i],
                 (long long)want[i]);
}

/* ---- NonZero ---- */

static Onnx__ModelProto *nonzero_model(int dtype) {
  Onnx__ModelProto *m = mb_model(13);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", dtype, "2,3"));
  PUSH(m->graph->node, m->graph->n_node, node_new("NonZero", "nz", "x", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_INT64, "2,?"));
  return m;
}

Test(dynamic, nonzero_reports_its_count_through_the_session) {
  compiled c;
  pass_binding b = {.input = "x", .rank = 2, .dims = {2, 3}};
  cr_assert_eq(compile(&c, nonzero_model(HY_DTYPE_FLOAT), &b, 1), HY_OK, "%s", c.d.msg);
  const hy_model *m = cg_jit_model(c.j);
  cr_expect_eq(m->outputs[0].bounded, 2u, "dim 1 of [2, <=6] is the bounded one");
  cr_expect_eq(m->outputs[0].dims[1], 6);
  char tb[64];
  cr_expect_str_eq(ir_type_str(&c.g->outputs[0]->type, tb, sizeof tb), "int64[2,<=6]");
  /* -0.0 is zero, NaN is not */
  float x[6] = {1, 0, -0.0f, 0, __builtin_nanf(""), 2};
  int64_t y[12];
  hy_tensor in = {HY_DTYPE_FLOAT, 2, {2, 3}, x}, out = out_tensor(m, 0, y, sizeof y);
  cr_assert_eq(hy_session_run_tensors(c.s, &in, 1, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 2, (int64_t[]){2, 3}, "y");
  expect_i64(y, (int64_t[]){0, 1, 1, 0, 1, 2}, 6, "y");
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
  cr_assert_eq(hy_session_output_shape(c.s, 0, &rank, dims), HY_OK);
  cr_expect(rank == 2 && dims[0] == 2 && dims[1] == 3);
  cr_expect_eq(hy_session_output_shape(c.s, 1, &rank, dims), HY_ERR_INVALID_ARGUMENT);
  /* a second run with other values: another extent, and an empty result */
  memset(x, 0, sizeof x);
  out = out_tensor(m, 0, y, sizeof y);
  cr_assert_eq(hy_session_run_tensors(c.s, &in, 1, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 2, (int64_t[]){2, 0}, "y (all zero)");
  release(&c);
}

/* The same values as an initializer: the node folds to a constant of the exact shape, so a
 * consumer may read it. */
Test(dynamic, nonzero_of_a_constant_folds_to_its_exact_shape) {
  Onnx__ModelProto *m = mb_model(13);
  static const uint8_t cond[4] = {0, 1, 1, 0};
  PUSH(m->graph->initializer, m->graph->n_initializer,
       tensor("c", HY_DTYPE_BOOL, 1, (const int64_t[]){4}, cond, 4));
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_INT64, "1,2"));
  PUSH(m->graph->node, m->graph->n_node, node_new("NonZero", "nz", "c", "idx"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Add", "add", "x,idx", "y"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_INT64, NULL));
  compiled c;
  pass_binding b = {.input = "x", .rank = 2, .dims = {1, 2}};
  cr_assert_eq(compile(&c, m, &b, 1), HY_OK, "%s", c.d.msg);
  const hy_model *hm = cg_jit_model(c.j);
  cr_expect_eq(hm->outputs[0].bounded, 0u);
  cr_expect(hm->outputs[0].rank == 2 && hm->outputs[0].dims[1] == 2);
  int64_t x[2] = {10, 20}, y[2];
  hy_tensor in = {HY_DTYPE_INT64, 2, {1, 2}, x}, out = out_tensor(hm, 0, y, sizeof y);
  cr_assert_eq(hy_session_run_tensors(c.s, &in, 1, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_i64(y, (int64_t[]){11, 22}, 2, "y");
  release(&c);
}

/* A run-time extent flowing into another op is refused, naming both nodes. */
Test(dynamic, a_consumer_of_a_run_time_extent_is_refused) {
  Onnx__ModelProto *m = nonzero_model(HY_DTYPE_FLOAT);
  m->graph->node[0]->output[0] = "t";
  PUSH(m->graph->node, m->graph->n_node, node_new("Transpose", "tr", "t", "y"));
  m->graph->output[0] = value_info("y", HY_DTYPE_INT64, NULL);
  compiled c;
  pass_binding b = {.input = "x", .rank = 2, .dims = {2, 3}};
  cr_assert_eq(compile(&c, m, &b, 1), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(c.d.msg, "node 'tr' (Transpose)") && strstr(c.d.msg, "'nz' (NonZero)") &&
                strstr(c.d.msg, "int64[2,<=6]"),
            "%s", c.d.msg);
  release(&c);
}

Test(dynamic, nonzero_refuses_complex) {
  compiled c;
  pass_binding b = {.input = "x", .rank = 2, .dims = {2, 3}};
  cr_assert_eq(compile(&c, nonzero_model(HY_DTYPE_COMPLEX64), &b, 1), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(c.d.msg, "node 'nz' (NonZero)") && strstr(c.d.msg, "complex64"), "%s", c.d.msg);
  release(&c);
}

/* ---- Compress ---- */

static Onnx__ModelProto *compress_model(int64_t opset, int64_t axis, bool has_axis, int cond_type) {
  Onnx__ModelProto *m = mb_model(opset);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "3,2"));
  PUSH(m->graph->input, m->graph->n_input, value_info("c", cond_type, "2"));
  Onnx__NodeProto *n = node_new("Compress", "cp", "x,c", "y");
  if (has_axis) attr_int(n, "axis", axis);
  PUSH(m->graph->node, m->graph->n_node, n);
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_FLOAT, NULL));
  return m;
}

Test(dynamic, compress_along_an_axis_and_flattened) {
  pass_binding b[2] = {{.input = "x", .rank = 2, .dims = {3, 2}},
                       {.input = "c", .rank = 1, .dims = {2}}};
  float x[6] = {1, 2, 3, 4, 5, 6}, y[6];
  uint8_t cond[2] = {0, 1};
  hy_tensor in[2] = {{HY_DTYPE_FLOAT, 2, {3, 2}, x}, {HY_DTYPE_BOOL, 1, {2}, cond}};
  compiled c;
  /* axis -1 (version 11): the second column; the condition is as long as the axis */
  cr_assert_eq(compile(&c, compress_model(11, -1, true, HY_DTYPE_BOOL), b, 2), HY_OK, "%s",
               c.d.msg);
  const hy_model *m = cg_jit_model(c.j);
  cr_expect(m->outputs[0].bounded == 2u && m->outputs[0].dims[1] == 2);
  hy_tensor out = out_tensor(m, 0, y, sizeof y);
  cr_assert_eq(hy_session_run_tensors(c.s, in, 2, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 2, (int64_t[]){3, 1}, "y");
  cr_expect(y[0] == 2 && y[1] == 4 && y[2] == 6, "%g %g %g", y[0], y[1], y[2]);
  release(&c);
  /* no axis: the flattened input, the condition shorter than it */
  cr_assert_eq(compile(&c, compress_model(11, 0, false, HY_DTYPE_BOOL), b, 2), HY_OK, "%s",
               c.d.msg);
  m = cg_jit_model(c.j);
  cr_expect(m->outputs[0].rank == 1 && m->outputs[0].dims[0] == 2 && m->outputs[0].bounded == 1u);
  out = out_tensor(m, 0, y, sizeof y);
  cr_assert_eq(hy_session_run_tensors(c.s, in, 2, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 1, (int64_t[]){1}, "y");
  cr_expect_eq(y[0], 2);
  release(&c);
}

Test(dynamic, compress_bad_input) {
  pass_binding b[2] = {{.input = "x", .rank = 2, .dims = {3, 2}},
                       {.input = "c", .rank = 1, .dims = {2}}};
  compiled c;
  cr_assert_eq(compile(&c, compress_model(11, 0, true, HY_DTYPE_FLOAT), b, 2),
               HY_ERR_INVALID_MODEL);
  cr_expect(strstr(c.d.msg, "node 'cp' (Compress)") && strstr(c.d.msg, "condition"), "%s", c.d.msg);
  release(&c);
  cr_assert_eq(compile(&c, compress_model(9, -1, true, HY_DTYPE_BOOL), b, 2), HY_ERR_INVALID_MODEL);
  cr_expect(strstr(c.d.msg, "attribute 'axis'") && strstr(c.d.msg, "version 11"), "%s", c.d.msg);
  release(&c);
  cr_assert_eq(compile(&c, compress_model(11, 2, true, HY_DTYPE_BOOL), b, 2), HY_ERR_INVALID_MODEL);
  cr_expect(strstr(c.d.msg, "attribute 'axis'"), "%s", c.d.msg);
  release(&c);
}

/* ---- Unique ---- */

static Onnx__ModelProto *unique_model(int64_t sorted, int64_t axis, bool has_axis,
                                      const char *dims) {
  Onnx__ModelProto *m = mb_model(11);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_INT32, dims));
  Onnx__NodeProto *n = node_new("Unique", "uq", "x", "y,first,inverse,counts");
  attr_int(n, "sorted", sorted);
  if (has_axis) attr_int(n, "axis", axis);
  PUSH(m->graph->node, m->graph->n_node, n);
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_INT32, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("first", HY_DTYPE_INT64, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("inverse", HY_DTYPE_INT64, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("counts", HY_DTYPE_INT64, NULL));
  return m;
}

static void run_unique(compiled *c, const int32_t *x, int32_t rank, const int64_t *dims, int32_t *y,
                       int64_t out64[3][8], hy_tensor out[4]) {
  const hy_model *m = cg_jit_model(c->j);
  hy_tensor in = {HY_DTYPE_INT32, rank, {0}, (void *)x};
  memcpy(in.dims, dims, (size_t)rank * sizeof *dims);
  out[0] = out_tensor(m, 0, y, 8 * sizeof *y);
  for (int i = 0; i < 3; i++)
    out[i + 1] = out_tensor(m, i + 1, out64[i], sizeof out64[i]);
  cr_assert_eq(hy_session_run_tensors(c->s, &in, 1, out, 4), HY_OK, "%s", hy_session_error(c->s));
}

Test(dynamic, unique_flattened_sorted_and_in_first_occurrence_order) {
  pass_binding b = {.input = "x", .rank = 1, .dims = {6}};
  const int32_t x[6] = {2, 1, 1, 3, 4, 3};
  int32_t y[8];
  int64_t o[3][8];
  hy_tensor out[4];
  compiled c;
  cr_assert_eq(compile(&c, unique_model(1, 0, false, "6"), &b, 1), HY_OK, "%s", c.d.msg);
  const hy_model *m = cg_jit_model(c.j);
  cr_expect(m->outputs[0].bounded == 1u && m->outputs[2].bounded == 0u);
  run_unique(&c, x, 1, (int64_t[]){6}, y, o, out);
  expect_dims(&out[0], 1, (int64_t[]){4}, "y");
  expect_dims(&out[1], 1, (int64_t[]){4}, "indices");
  expect_dims(&out[2], 1, (int64_t[]){6}, "inverse_indices");
  expect_dims(&out[3], 1, (int64_t[]){4}, "counts");
  cr_expect(y[0] == 1 && y[1] == 2 && y[2] == 3 && y[3] == 4);
  expect_i64(o[0], (int64_t[]){1, 0, 3, 4}, 4, "indices");
  expect_i64(o[1], (int64_t[]){1, 0, 0, 2, 3, 2}, 6, "inverse_indices");
  expect_i64(o[2], (int64_t[]){2, 1, 2, 1}, 4, "counts");
  release(&c);
  cr_assert_eq(compile(&c, unique_model(0, 0, false, "6"), &b, 1), HY_OK, "%s", c.d.msg);
  run_unique(&c, x, 1, (int64_t[]){6}, y, o, out);
  cr_expect(y[0] == 2 && y[1] == 1 && y[2] == 3 && y[3] == 4);
  expect_i64(o[0], (int64_t[]){0, 1, 3, 4}, 4, "indices");
  expect_i64(o[1], (int64_t[]){0, 1, 1, 2, 3, 2}, 6, "inverse_indices");
  expect_i64(o[2], (int64_t[]){1, 2, 2, 1}, 4, "counts");
  release(&c);
}

/* Rows of a [3, 2] along axis 0: rows 0 and 2 are equal. */
Test(dynamic, unique_along_an_axis) {
  pass_binding b = {.input = "x", .rank = 2, .dims = {3, 2}};
  const int32_t x[6] = {5, 1, 2, 9, 5, 1};
  int32_t y[8];
  int64_t o[3][8];
  hy_tensor out[4];
  compiled c;
  cr_assert_eq(compile(&c, unique_model(1, -2, true, "3,2"), &b, 1), HY_OK, "%s", c.d.msg);
  run_unique(&c, x, 2, (int64_t[]){3, 2}, y, o, out);
  expect_dims(&out[0], 2, (int64_t[]){2, 2}, "y");
  cr_expect(y[0] == 2 && y[1] == 9 && y[2] == 5 && y[3] == 1);
  expect_i64(o[0], (int64_t[]){1, 0}, 2, "indices");
  expect_i64(o[1], (int64_t[]){1, 0, 1}, 3, "inverse_indices");
  expect_i64(o[2], (int64_t[]){1, 2}, 2, "counts");
  release(&c);
  cr_assert_eq(compile(&c, unique_model(1, 2, true, "3,2"), &b, 1), HY_ERR_INVALID_MODEL);
  cr_expect(strstr(c.d.msg, "node 'uq' (Unique)") && strstr(c.d.msg, "attribute 'axis'"), "%s",
            c.d.msg);
  release(&c);
}

/* ---- NonMaxSuppression ---- */

static Onnx__ModelProto *nms_model(const char *boxes_dims, int64_t center) {
  Onnx__ModelProto *m = mb_model(11);
  PUSH(m->graph->input, m->graph->n_input, value_info("boxes", HY_DTYPE_FLOAT, boxes_dims));
  PUSH(m->graph->input, m->graph->n_input, value_info("scores", HY_DTYPE_FLOAT, "1,1,4"));
  PUSH(m->graph->input, m->graph->n_input, value_info("max", HY_DTYPE_INT64, "1"));
  PUSH(m->graph->input, m->graph->n_input, value_info("iou", HY_DTYPE_FLOAT, "1"));
  PUSH(m->graph->input, m->graph->n_input, value_info("score", HY_DTYPE_FLOAT, "1"));
  Onnx__NodeProto *n = node_new("NonMaxSuppression", "nms", "boxes,scores,max,iou,score", "sel");
  attr_int(n, "center_point_box", center);
  PUSH(m->graph->node, m->graph->n_node, n);
  PUSH(m->graph->output, m->graph->n_output, value_info("sel", HY_DTYPE_INT64, NULL));
  return m;
}

Test(dynamic, nms_thresholds_are_read_at_run_time) {
  pass_binding b[5] = {{.input = "boxes", .rank = 3, .dims = {1, 4, 4}},
                       {.input = "scores", .rank = 3, .dims = {1, 1, 4}},
                       {.input = "max", .rank = 1, .dims = {1}},
                       {.input = "iou", .rank = 1, .dims = {1}},
                       {.input = "score", .rank = 1, .dims = {1}}};
  compiled c;
  cr_assert_eq(compile(&c, nms_model("1,4,4", 1), b, 5), HY_OK, "%s", c.d.msg);
  const hy_model *m = cg_jit_model(c.j);
  cr_expect(m->outputs[0].bounded == 1u && m->outputs[0].dims[0] == 4, "max unknown: 1*1*4");
  /* centre boxes: 0 and 1 overlap with IoU 0.7/1.3; 2 is far; 3 scores below the threshold */
  float boxes[16] = {0, 0, 1, 1, 0.3f, 0, 1, 1, 5, 5, 1, 1, 9, 9, 1, 1};
  float scores[4] = {0.9f, 0.95f, 0.5f, 0.1f}, iou = 0.4f, score = 0.2f;
  int64_t max = 10, sel[12];
  hy_tensor in[5] = {{HY_DTYPE_FLOAT, 3, {1, 4, 4}, boxes},
                     {HY_DTYPE_FLOAT, 3, {1, 1, 4}, scores},
                     {HY_DTYPE_INT64, 1, {1}, &max},
                     {HY_DTYPE_FLOAT, 1, {1}, &iou},
                     {HY_DTYPE_FLOAT, 1, {1}, &score}};
  hy_tensor out = out_tensor(m, 0, sel, sizeof sel);
  cr_assert_eq(hy_session_run_tensors(c.s, in, 5, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 2, (int64_t[]){2, 3}, "selected");
  expect_i64(sel, (int64_t[]){0, 0, 1, 0, 0, 2}, 6, "selected");
  /* a looser IoU keeps box 0; max 1 keeps only the best */
  iou = 0.7f;
  out = out_tensor(m, 0, sel, sizeof sel);
  cr_assert_eq(hy_session_run_tensors(c.s, in, 5, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 2, (int64_t[]){3, 3}, "selected (iou 0.7)");
  expect_i64(sel, (int64_t[]){0, 0, 1, 0, 0, 0, 0, 0, 2}, 9, "selected (iou 0.7)");
  max = 1;
  out = out_tensor(m, 0, sel, sizeof sel);
  cr_assert_eq(hy_session_run_tensors(c.s, in, 5, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 2, (int64_t[]){1, 3}, "selected (max 1)");
  release(&c);
}

Test(dynamic, nms_bad_shapes) {
  pass_binding b[5] = {{.input = "boxes", .rank = 3, .dims = {1, 4, 3}},
                       {.input = "scores", .rank = 3, .dims = {1, 1, 4}},
                       {.input = "max", .rank = 1, .dims = {1}},
                       {.input = "iou", .rank = 1, .dims = {1}},
                       {.input = "score", .rank = 1, .dims = {1}}};
  compiled c;
  cr_assert_eq(compile(&c, nms_model("1,4,3", 0), b, 5), HY_ERR_SHAPE);
  cr_expect(strstr(c.d.msg, "node 'nms' (NonMaxSuppression)") &&
                strstr(c.d.msg, "[batches, boxes, 4]"),
            "%s", c.d.msg);
  release(&c);
}

/* ---- TopK with K a graph input ---- */

Test(dynamic, topk_with_a_run_time_k) {
  Onnx__ModelProto *m = mb_model(11);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "2,4"));
  PUSH(m->graph->input, m->graph->n_input, value_info("k", HY_DTYPE_INT64, "1"));
  PUSH(m->graph->node, m->graph->n_node, node_new("TopK", "tk", "x,k", "v,i"));
  PUSH(m->graph->output, m->graph->n_output, value_info("v", HY_DTYPE_FLOAT, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("i", HY_DTYPE_INT64, NULL));
  pass_binding b[2] = {{.input = "x", .rank = 2, .dims = {2, 4}},
                       {.input = "k", .rank = 1, .dims = {1}}};
  compiled c;
  cr_assert_eq(compile(&c, m, b, 2), HY_OK, "%s", c.d.msg);
  const hy_model *hm = cg_jit_model(c.j);
  cr_expect(hm->outputs[0].bounded == 2u && hm->outputs[1].bounded == 2u &&
            hm->outputs[0].dims[1] == 4);
  float x[8] = {1, 4, 2, 3, 8, 5, 7, 6}, v[8];
  int64_t k = 2, idx[8];
  hy_tensor in[2] = {{HY_DTYPE_FLOAT, 2, {2, 4}, x}, {HY_DTYPE_INT64, 1, {1}, &k}};
  hy_tensor out[2] = {out_tensor(hm, 0, v, sizeof v), out_tensor(hm, 1, idx, sizeof idx)};
  cr_assert_eq(hy_session_run_tensors(c.s, in, 2, out, 2), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out[0], 2, (int64_t[]){2, 2}, "values");
  expect_dims(&out[1], 2, (int64_t[]){2, 2}, "indices");
  cr_expect(v[0] == 4 && v[1] == 3 && v[2] == 8 && v[3] == 7, "dense [2, 2]");
  expect_i64(idx, (int64_t[]){1, 3, 0, 2}, 4, "indices");
  k = 5; /* past the axis: an error naming the node, nothing written past the bound */
  out[0] = out_tensor(hm, 0, v, sizeof v);
  out[1] = out_tensor(hm, 1, idx, sizeof idx);
  cr_expect_eq(hy_session_run_tensors(c.s, in, 2, out, 2), HY_ERR_SHAPE);
  cr_expect(strstr(hy_session_error(c.s), "node 'tk' (TopK)"), "%s", hy_session_error(c.s));
  release(&c);
}

/* Only inverse_indices kept: every output is static, no extent is reported, the run is exact. */
Test(dynamic, unique_with_only_the_inverse_indices) {
  Onnx__ModelProto *m = mb_model(11);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_INT32, "5"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Unique", "uq", "x", ",,inverse"));
  PUSH(m->graph->output, m->graph->n_output, value_info("inverse", HY_DTYPE_INT64, NULL));
  compiled c;
  pass_binding b = {.input = "x", .rank = 1, .dims = {5}};
  cr_assert_eq(compile(&c, m, &b, 1), HY_OK, "%s", c.d.msg);
  const hy_model *hm = cg_jit_model(c.j);
  cr_expect_eq(hm->outputs[0].bounded, 0u);
  const int32_t x[5] = {7, 3, 7, 3, 1};
  int64_t inv[5];
  hy_tensor in = {HY_DTYPE_INT32, 1, {5}, (void *)x}, out = out_tensor(hm, 0, inv, sizeof inv);
  cr_assert_eq(hy_session_run_tensors(c.s, &in, 1, &out, 1), HY_OK, "%s", hy_session_error(c.s));
  expect_dims(&out, 1, (int64_t[]){5}, "inverse_indices");
  expect_i64(inv, (int64_t[]){2, 1, 2, 1, 0}, 5, "inverse_indices");
  release(&c);
}
