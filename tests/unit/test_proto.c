/* proto/: model files (mmap, refusal of non-files, empty, truncated and garbage input) and tensor
 * I/O (files of the ONNX suite, typed fields, size checks, sequences refused). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_file.h"
#include "tensor_io.h"

#define SUITE "/usr/share/libonnx-testdata/data"

static char tmpdir[64];
static char err[4096];

static void setup(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hydra_test_proto_XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
  err[0] = '\0';
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  (void)!system(cmd);
}

TestSuite(proto, .init = setup, .fini = teardown);

static const char *tmp_path(const char *name) {
  static char buf[2][256];
  static int k;
  k ^= 1;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  return buf[k];
}

static void write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(p, 1, n, f), n);
  fclose(f);
}

static void *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  void *p = malloc(*n);
  cr_assert_eq(fread(p, 1, *n, f), *n);
  fclose(f);
  return p;
}

static void *test_alloc(void *ctx, size_t n) {
  (void)ctx;
  return malloc(n);
}

/* ---- models ---- */

Test(proto, opens_a_suite_model) {
  pb_model m;
  cr_assert_eq(pb_model_open(SUITE "/node/test_add/model.onnx", &m, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(m.proto->graph->n_node, 1);
  cr_assert_str_eq(m.proto->graph->node[0]->op_type, "Add");
  cr_assert_eq(m.proto->graph->n_input, 2);
  pb_model_close(&m);
}

Test(proto, refuses_a_missing_file) {
  pb_model m;
  const char *p = tmp_path("nope.onnx");
  cr_assert_eq(pb_model_open(p, &m, err, sizeof err), HY_ERR_IO);
  char want[512];
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", p);
  cr_assert_str_eq(err, want);
}

Test(proto, refuses_a_directory) {
  pb_model m;
  cr_assert_eq(pb_model_open(tmpdir, &m, err, sizeof err), HY_ERR_IO);
  char want[512];
  snprintf(want, sizeof want, "%s: not a regular file", tmpdir);
  cr_assert_str_eq(err, want);
}

Test(proto, refuses_an_empty_file) {
  const char *p = tmp_path("empty.onnx");
  write_bytes(p, "", 0);
  pb_model m;
  cr_assert_eq(pb_model_open(p, &m, err, sizeof err), HY_ERR_INVALID_MODEL);
  char want[512];
  snprintf(want, sizeof want, "%s: empty file, not an ONNX model", p);
  cr_assert_str_eq(err, want);
}

Test(proto, refuses_a_truncated_model) {
  size_t n;
  void *bytes = read_all(SUITE "/node/test_add/model.onnx", &n);
  pb_model m;
  cr_assert_eq(pb_model_parse("model.onnx", bytes, n - 7, NULL, &m, err, sizeof err),
               HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "model.onnx: not an ONNX model (protobuf parse failed: truncated or garbage)");
  free(bytes);
}

Test(proto, refuses_garbage) {
  const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02};
  pb_model m;
  cr_assert_eq(pb_model_parse("model.onnx", junk, sizeof junk, NULL, &m, err, sizeof err),
               HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "model.onnx: not an ONNX model (protobuf parse failed: truncated or garbage)");
}

/* Bytes that are valid protobuf (ir_version 7 and nothing else) but no model: it has no graph. */
Test(proto, refuses_a_message_without_graph) {
  const unsigned char only_ir_version[] = {0x08, 0x07};
  pb_model m;
  cr_assert_eq(pb_model_parse("model.onnx", only_ir_version, 2, NULL, &m, err, sizeof err),
               HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "model.onnx: not an ONNX model (it has no graph)");
}

/* ---- tensors from files ---- */

/* ---- nesting depth: If inside If, written straight as wire bytes ---- */

/* Prepends a length-delimited field (tag, length) to buf[*start..end) by writing backwards. */
static void wrap_field(uint8_t *buf, size_t *start, size_t end, unsigned field) {
  size_t len = end - *start;
  uint8_t tmp[16];
  int k = 0;
  tmp[k++] = (uint8_t)(field << 3 | 2);
  do {
    tmp[k++] = (uint8_t)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
    len >>= 7;
  } while (len);
  *start -= (size_t)k;
  memcpy(buf + *start, tmp, (size_t)k);
}

/* A ModelProto whose graph holds a node whose attribute holds a graph ..., `levels` subgraphs
 * deep (3 messages per level: GraphProto.node=1, NodeProto.attribute=5, AttributeProto.g=6),
 * the innermost graph empty. Returns the bytes at buf + *start. */
static size_t nested_model(uint8_t *buf, size_t cap, int levels, size_t *start) {
  size_t end = cap;
  *start = end;
  for (int i = 0; i < levels; i++) {
    wrap_field(buf, start, end, 6); /* AttributeProto.g */
    wrap_field(buf, start, end, 5); /* NodeProto.attribute */
    wrap_field(buf, start, end, 1); /* GraphProto.node */
  }
  wrap_field(buf, start, end, 7); /* ModelProto.graph */
  return end - *start;
}

Test(proto, refuses_subgraphs_nested_past_the_limit_without_recursing) {
  static uint8_t buf[1 << 20];
  size_t start, n = nested_model(buf, sizeof buf, 3000, &start);
  pb_model m;
  hy_status s = pb_model_parse("deep.onnx", buf + start, n, NULL, &m, err, sizeof err);
  cr_assert_eq(s, HY_ERR_UNSUPPORTED, "%s", err);
  cr_assert(strstr(err, "deep.onnx: messages nest 192 or more levels deep"), "%s", err);
}

Test(proto, reads_subgraphs_nested_within_the_limit) {
  static uint8_t buf[1 << 16];
  size_t start, n = nested_model(buf, sizeof buf, (PB_MODEL_MAX_DEPTH - 2) / 3, &start);
  pb_model m;
  hy_status s = pb_model_parse("deep.onnx", buf + start, n, NULL, &m, err, sizeof err);
  cr_assert_eq(s, HY_OK, "%s", err);
  pb_model_close(&m);
}

/* A graph of n empty nodes (GraphProto.node, length 0), two bytes each. */
static size_t many_nodes_model(uint8_t *buf, size_t cap, size_t n, size_t *start) {
  *start = cap - 2 * n;
  for (size_t i = 0; i < n; i++) memcpy(buf + *start + 2 * i, "\x0a\x00", 2);
  wrap_field(buf, start, cap, 7); /* ModelProto.graph */
  return cap - *start;
}

Test(proto, refuses_more_nodes_than_the_limit_before_unpacking) {
  size_t cap = 2 * (size_t)PB_MODEL_MAX_NODES + 64, start;
  uint8_t *buf = malloc(cap);
  cr_assert(buf);
  size_t n = many_nodes_model(buf, cap, (size_t)PB_MODEL_MAX_NODES + 1, &start);
  pb_model m;
  cr_assert_eq(pb_model_parse("big.onnx", buf + start, n, NULL, &m, err, sizeof err),
               HY_ERR_UNSUPPORTED, "%s", err);
  cr_expect_str_eq(err, "big.onnx: the model has 1000001 nodes (subgraphs included); Hydra "
                        "compiles models of up to 1000000 nodes");
  /* one node fewer is read (and refused later only for what the nodes lack) */
  n = many_nodes_model(buf, cap, (size_t)PB_MODEL_MAX_NODES, &start);
  cr_expect_eq(pb_model_parse("big.onnx", buf + start, n, NULL, &m, err, sizeof err), HY_OK, "%s",
               err);
  pb_model_close(&m);
  free(buf);
}

Test(proto, refuses_a_model_past_protobufs_size_limit_by_its_size) {
  const unsigned char ir_version[] = {0x08, 0x07}; /* never read: the size alone refuses it */
  pb_model m;
  cr_assert_eq(pb_model_parse("huge.onnx", ir_version, PB_MODEL_MAX_BYTES + 1, NULL, &m, err,
                              sizeof err), HY_ERR_UNSUPPORTED);
  cr_expect(strstr(err, "huge.onnx: the model is 2147483648 bytes; Hydra reads model files up to "
                        "2147483647 bytes"), "%s", err);
}

Test(proto, reads_suite_tensors) {
  hy_tensor t;
  char *name;
  cr_assert_eq(pb_tensor_read(SUITE "/node/test_add/test_data_set_0/input_0.pb", &t, &name, err,
                              sizeof err), HY_OK, "%s", err);
  cr_assert_str_eq(name, "x");
  cr_assert_eq(t.dtype, HY_DTYPE_FLOAT);
  cr_assert_eq(t.rank, 3);
  cr_assert_eq(t.dims[0], 3);
  cr_assert_eq(t.dims[1], 4);
  cr_assert_eq(t.dims[2], 5);
  cr_assert_float_eq(((float *)t.data)[0], 1.7640524f, 1e-6);
  cr_assert_float_eq(((float *)t.data)[1], 0.4001572f, 1e-6);
  pb_tensor_free(&t);
  free(name);
  cr_assert_eq(pb_tensor_read(SUITE "/pytorch-converted/test_PixelShuffle/test_data_set_0/output_0.pb",
                              &t, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(t.rank, 4);
  cr_assert_eq(t.dims[2], 12);
  pb_tensor_free(&t);
}

Test(proto, write_then_read_round_trips) {
  int64_t vals[6] = {1, -2, 3, INT64_MAX, INT64_MIN, 0};
  hy_tensor t = {.dtype = HY_DTYPE_INT64, .rank = 2, .dims = {2, 3}, .data = vals};
  const char *p = tmp_path("t.pb");
  cr_assert_eq(pb_tensor_write(p, &t, "ids", err, sizeof err), HY_OK, "%s", err);
  hy_tensor r;
  char *name;
  cr_assert_eq(pb_tensor_read(p, &r, &name, err, sizeof err), HY_OK, "%s", err);
  cr_assert_str_eq(name, "ids");
  cr_assert_eq(r.dtype, HY_DTYPE_INT64);
  cr_assert_eq(r.rank, 2);
  cr_assert_eq(r.dims[1], 3);
  cr_assert_arr_eq(r.data, vals, sizeof vals);
  pb_tensor_free(&r);
  free(name);
}

Test(proto, scalar_and_empty_tensors_round_trip) {
  float one = 2.5f;
  hy_tensor s = {.dtype = HY_DTYPE_FLOAT, .rank = 0, .data = &one};
  hy_tensor e = {.dtype = HY_DTYPE_FLOAT, .rank = 2, .dims = {0, 4}, .data = &one};
  hy_tensor r;
  cr_assert_eq(pb_tensor_write(tmp_path("s.pb"), &s, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(pb_tensor_read(tmp_path("s.pb"), &r, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(r.rank, 0);
  cr_assert_eq(*(float *)r.data, 2.5f);
  pb_tensor_free(&r);
  cr_assert_eq(pb_tensor_write(tmp_path("e.pb"), &e, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(pb_tensor_read(tmp_path("e.pb"), &r, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(r.rank, 2);
  cr_assert_eq(r.dims[0], 0);
  cr_assert_not_null(r.data);
  pb_tensor_free(&r);
}

Test(proto, refuses_sequence_files) {
  hy_tensor t;
  const char *p = SUITE "/node/test_sequence_insert_at_back/test_data_set_0/input_0.pb";
  cr_assert_eq(pb_tensor_read(p, &t, NULL, err, sizeof err), HY_ERR_UNSUPPORTED);
  char want[1024];
  snprintf(want, sizeof want, "%s: holds a SequenceProto or OptionalProto ('sequence'), not a "
           "TensorProto: sequences and optionals are not supported yet", p);
  cr_assert_str_eq(err, want);
}

Test(proto, refuses_optional_files) {
  hy_tensor t;
  const char *p = SUITE "/node/test_optional_has_element/test_data_set_0/input_0.pb";
  cr_assert_eq(pb_tensor_read(p, &t, NULL, err, sizeof err), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(err, "('optional_input'), not a TensorProto"), "%s", err);
}

Test(proto, refuses_garbage_tensor_files) {
  const unsigned char junk[] = {0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01};
  const char *p = tmp_path("junk.pb");
  write_bytes(p, junk, sizeof junk);
  hy_tensor t;
  cr_assert_eq(pb_tensor_read(p, &t, NULL, err, sizeof err), HY_ERR_INVALID_ARGUMENT);
  char want[512];
  snprintf(want, sizeof want, "%s: not a TensorProto (protobuf parse failed: truncated or garbage)", p);
  cr_assert_str_eq(err, want);
  write_bytes(p, "", 0);
  cr_assert_eq(pb_tensor_read(p, &t, NULL, err, sizeof err), HY_ERR_INVALID_ARGUMENT);
  snprintf(want, sizeof want, "%s: empty file, not a TensorProto", p);
  cr_assert_str_eq(err, want);
}

/* ---- TensorProto conversion: typed fields and checks ---- */

static hy_status convert(Onnx__TensorProto *tp, hy_tensor *t) {
  return pb_tensor_from_proto(tp, test_alloc, NULL, t, "w", err, sizeof err);
}

Test(proto, narrow_types_come_from_int32_data) {
  int64_t dims[1] = {3};
  int32_t vals[3] = {-1, 2, 127};
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 1, tp.dims = dims, tp.has_data_type = 1, tp.data_type = HY_DTYPE_INT8;
  tp.n_int32_data = 3, tp.int32_data = vals;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  int8_t want8[3] = {-1, 2, 127};
  cr_assert_arr_eq(t.data, want8, 3);
  free(t.data);
  int32_t halfs[3] = {0x3c00, 0xc000, 0x7bff}; /* 1, -2, 65504 */
  tp.data_type = HY_DTYPE_FLOAT16, tp.int32_data = halfs;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  uint16_t want16[3] = {0x3c00, 0xc000, 0x7bff};
  cr_assert_arr_eq(t.data, want16, 6);
  free(t.data);
  int32_t bools[3] = {1, 0, 1};
  tp.data_type = HY_DTYPE_BOOL, tp.int32_data = bools;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  uint8_t wantb[3] = {1, 0, 1};
  cr_assert_arr_eq(t.data, wantb, 3);
  free(t.data);
}

Test(proto, float8_and_packed_types_come_from_int32_data_or_raw) {
  int64_t dims[1] = {5};
  int32_t f8[5] = {0x7e, 0xfe, 0x00, 0x38, 0x7f}; /* one float8 per value */
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 1, tp.dims = dims, tp.has_data_type = 1, tp.data_type = HY_DTYPE_FLOAT8E4M3FN;
  tp.n_int32_data = 5, tp.int32_data = f8;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  uint8_t want8[5] = {0x7e, 0xfe, 0x00, 0x38, 0x7f};
  cr_assert_arr_eq(t.data, want8, 5);
  free(t.data);
  int32_t packed[3] = {0x98, 0x10, 0x07}; /* int4 -8,-7,0,1,7: two per value, padded */
  tp.data_type = HY_DTYPE_INT4, tp.n_int32_data = 3, tp.int32_data = packed;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  cr_assert_eq(hy_tensor_bytes(&t), 3);
  uint8_t want4[3] = {0x98, 0x10, 0x07};
  cr_assert_arr_eq(t.data, want4, 3);
  free(t.data);
  tp.n_int32_data = 5, tp.int32_data = f8; /* one int4 per value is the old, wrong form */
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: holds 5 values but dims [5] of int4 need 3");
  tp.n_int32_data = 0, tp.has_raw_data = 1, tp.raw_data.len = 2, tp.raw_data.data = want4;
  tp.data_type = HY_DTYPE_UINT2; /* five 2-bit values: two bytes */
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  cr_assert_arr_eq(t.data, want4, 2);
  free(t.data);
  tp.data_type = HY_DTYPE_FLOAT6E2M3;
  cr_assert_eq(convert(&tp, &t), HY_ERR_UNSUPPORTED);
  cr_assert_str_eq(err, "w: float6e2m3 tensors are not supported yet");
}

Test(proto, packed_tensors_round_trip_through_files) {
  uint8_t vals[3] = {0x21, 0x43, 0x05}; /* uint4 1..5 */
  hy_tensor t = {.dtype = HY_DTYPE_UINT4, .rank = 1, .dims = {5}, .data = vals};
  const char *p = tmp_path("u4.pb");
  cr_assert_eq(pb_tensor_write(p, &t, "q", err, sizeof err), HY_OK, "%s", err);
  hy_tensor r;
  cr_assert_eq(pb_tensor_read(p, &r, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(r.dtype, HY_DTYPE_UINT4);
  cr_assert_eq(r.dims[0], 5);
  cr_assert_arr_eq(r.data, vals, 3);
  pb_tensor_free(&r);
}

Test(proto, wide_types_come_from_their_fields) {
  int64_t dims[1] = {2};
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 1, tp.dims = dims, tp.has_data_type = 1;
  uint64_t u[2] = {7, 0xffffffffu};
  tp.data_type = HY_DTYPE_UINT32, tp.n_uint64_data = 2, tp.uint64_data = u;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  uint32_t want32[2] = {7, 0xffffffffu};
  cr_assert_arr_eq(t.data, want32, 8);
  free(t.data);
  double d[2] = {1.5, -2.25};
  tp.n_uint64_data = 0, tp.data_type = HY_DTYPE_DOUBLE, tp.n_double_data = 2, tp.double_data = d;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  cr_assert_arr_eq(t.data, d, sizeof d);
  free(t.data);
  float c[4] = {1, 2, 3, 4}; /* two complex64 values */
  tp.n_double_data = 0, tp.data_type = HY_DTYPE_COMPLEX64, tp.n_float_data = 4, tp.float_data = c;
  cr_assert_eq(convert(&tp, &t), HY_OK, "%s", err);
  cr_assert_arr_eq(t.data, c, sizeof c);
  free(t.data);
}

Test(proto, refuses_negative_dims) {
  int64_t dims[2] = {2, -3};
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 2, tp.dims = dims, tp.has_data_type = 1, tp.data_type = HY_DTYPE_FLOAT;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: dims [2,-3]: dimension 1 is negative");
}

Test(proto, refuses_dims_that_overflow) {
  int64_t dims[3] = {1LL << 40, 1LL << 20, 1LL << 10};
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 3, tp.dims = dims, tp.has_data_type = 1, tp.data_type = HY_DTYPE_FLOAT;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: dims [1099511627776,1048576,1024]: element count overflows 64 bits");
}

Test(proto, refuses_data_of_the_wrong_size) {
  int64_t dims[2] = {2, 3};
  float vals[5] = {0};
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 2, tp.dims = dims, tp.has_data_type = 1, tp.data_type = HY_DTYPE_FLOAT;
  tp.has_raw_data = 1, tp.raw_data.len = 20, tp.raw_data.data = (uint8_t *)vals;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: raw_data holds 20 bytes but dims [2,3] of float need 24");
  tp.has_raw_data = 0, tp.n_float_data = 5, tp.float_data = vals;
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: holds 5 values but dims [2,3] of float need 6");
}

Test(proto, refuses_bad_dtypes) {
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: data_type 0 is not a valid tensor element type");
  tp.has_data_type = 1, tp.data_type = 99;
  cr_assert_eq(convert(&tp, &t), HY_ERR_INVALID_MODEL);
  cr_assert_str_eq(err, "w: data_type 99 is not a valid tensor element type");
  tp.data_type = HY_DTYPE_STRING;
  cr_assert_eq(convert(&tp, &t), HY_ERR_UNSUPPORTED);
  cr_assert_str_eq(err, "w: string tensors are not supported");
}

Test(proto, refuses_rank_above_the_maximum) {
  int64_t dims[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  float v = 0;
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 9, tp.dims = dims, tp.has_data_type = 1, tp.data_type = HY_DTYPE_FLOAT;
  tp.n_float_data = 1, tp.float_data = &v;
  hy_tensor t;
  cr_assert_eq(convert(&tp, &t), HY_ERR_UNSUPPORTED);
  cr_assert_str_eq(err, "w: rank 9 exceeds Hydra's maximum 8");
}
