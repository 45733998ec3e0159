/* Hostile and malformed models through hydrac: every one ends with exit code 1 and a message
 * naming the file, node, op and attribute (never a crash, an abort or a huge allocation). The
 * models are built with the protobuf-c structs; hydrac is found beside the test (../hydrac) or
 * through $HYDRAC. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hydra/hydra.h"
#include "model_builder.h"
#include "onnx.pb-c.h"

static char hydrac[4096], tmpdir[64], err_text[8192];

static void setup(void) {
  const char *env = getenv("HYDRAC");
  if (env) {
    snprintf(hydrac, sizeof hydrac, "%s", env);
  } else {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0);
    self[n] = '\0';
    snprintf(hydrac, sizeof hydrac, "%s/../hydrac", dirname(self));
  }
  strcpy(tmpdir, "/tmp/hydra_hostile_XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) cr_log_warn("could not remove %s", tmpdir);
}
TestSuite(hostile, .init = setup, .fini = teardown);

/* The model builder below never frees (each test is its own process); hydrac, which these tests
 * are about, runs in its own process with leak checking on. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "detect_leaks=0"; }

/* ---- a small model builder (each test runs in its own process; nothing is freed) ---- */

static Onnx__ModelProto *model_new(void) {
  Onnx__ModelProto *m = calloc(1, sizeof *m);
  onnx__model_proto__init(m);
  m->has_ir_version = 1;
  m->ir_version = 8;
  m->graph = calloc(1, sizeof *m->graph);
  onnx__graph_proto__init(m->graph);
  m->graph->name = "hostile";
  Onnx__OperatorSetIdProto *o = calloc(1, sizeof *o);
  onnx__operator_set_id_proto__init(o);
  o->domain = "";
  o->has_version = 1;
  o->version = 13;
  PUSH(m->opset_import, m->n_opset_import, o);
  return m;
}

static Onnx__NodeProto *add_node(Onnx__ModelProto *m, const char *op, const char *name,
                                 const char *ins, const char *outs) {
  Onnx__NodeProto *n = node_new(op, name, ins, outs);
  PUSH(m->graph->node, m->graph->n_node, n);
  return n;
}

static void add_input(Onnx__ModelProto *m, const char *name, int dtype, const char *dims) {
  PUSH(m->graph->input, m->graph->n_input, value_info(name, dtype, dims));
}

static void add_output(Onnx__ModelProto *m, const char *name, int dtype, const char *dims) {
  PUSH(m->graph->output, m->graph->n_output, value_info(name, dtype, dims));
}

/* A 1-D int64 initializer holding vals. */
static void add_ints(Onnx__ModelProto *m, const char *name, int32_t n, const int64_t *vals) {
  int64_t *dims = malloc(sizeof *dims);
  dims[0] = n;
  PUSH(m->graph->initializer, m->graph->n_initializer,
       tensor(name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, dims, vals, (size_t)n * 8));
}

static void attr_int(Onnx__NodeProto *n, const char *name, int64_t v) {
  Onnx__AttributeProto *a = add_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  a->has_i = 1;
  a->i = v;
}

static void attr_ints(Onnx__NodeProto *n, const char *name, size_t count, const int64_t *v) {
  Onnx__AttributeProto *a = add_attr(n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = count;
  a->ints = (int64_t *)v;
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  cr_assert_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

/* Packs m into tmpdir/<name>; returns the path (static buffer per call site is the caller's). */
static void save(Onnx__ModelProto *m, const char *name, char *path, size_t len) {
  snprintf(path, len, "%s/%s", tmpdir, name);
  size_t n = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(m, buf);
  write_file(path, buf, n);
  free(buf);
}

/* A TensorProto file at tmpdir/<name> (for `hydrac run`). */
static void save_tensor(const char *name, int dtype, int32_t rank, const int64_t *dims,
                        const void *data, size_t bytes, char *path, size_t len) {
  snprintf(path, len, "%s/%s", tmpdir, name);
  Onnx__TensorProto *t = tensor("", dtype, rank, dims, data, bytes);
  size_t n = onnx__tensor_proto__get_packed_size(t);
  uint8_t *buf = malloc(n);
  onnx__tensor_proto__pack(t, buf);
  write_file(path, buf, n);
  free(buf);
}

/* ---- running hydrac ---- */

static void slurp(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  size_t k = f ? fread(buf, 1, n - 1, f) : 0;
  buf[k] = '\0';
  if (f) fclose(f);
}

/* At most 2 GiB per allocation, so a huge one fails instead of swapping the machine: a limit on
 * the address space, or ASan's own limit in a sanitizer build (ASan reserves terabytes). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang 19 does not define gcc's __SANITIZE_ADDRESS__ */
#define HOSTILE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(HOSTILE_ASAN)
/* a sanitizer report exits 99, which no expected exit code can hide */
#define LIMIT                                                                                  \
  "ASAN_OPTIONS=max_allocation_size_mb=2048:allocator_may_return_null=1:exitcode=99 "          \
  "UBSAN_OPTIONS=exitcode=99"
#else
#define LIMIT "ulimit -v 2097152;"
#endif

/* Runs `hydrac <args>` with that limit and returns its exit code; stderr in err_text. A signal
 * fails the test. */
static int run(const char *fmt, ...) {
  char args[4096], cmd[16384], p[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, LIMIT " '%s' %s >/dev/null 2>'%s/err'", hydrac, args, tmpdir);
  int st = system(cmd);
  snprintf(p, sizeof p, "%s/err", tmpdir);
  slurp(p, err_text, sizeof err_text);
  cr_assert(WIFEXITED(st), "hydrac did not exit normally: %s\n%s", args, err_text);
  /* the shell reports a child killed by a signal as 128 + signal */
  cr_assert_lt(WEXITSTATUS(st), 128, "hydrac died (%d): %s\n%s", WEXITSTATUS(st), args, err_text);
  return WEXITSTATUS(st);
}

/* Exit code 1 and every wanted piece (NULL-terminated) in stderr. */
static void expect_error(const char *args, ...) {
  cr_assert_eq(run("%s", args), 1, "hydrac %s: %s", args, err_text);
  va_list ap;
  va_start(ap, args);
  for (const char *want; (want = va_arg(ap, const char *));)
    cr_assert(strstr(err_text, want), "hydrac %s: stderr lacks \"%s\":\n%s", args, want,
              err_text);
  va_end(ap);
}

/* The three commands that compile a model all refuse it with the same message pieces. */
#define EXPECT_ALL_COMMANDS(path, extra, ...)                                                  \
  do {                                                                                         \
    char a_[4096];                                                                             \
    snprintf(a_, sizeof a_, "inspect '%s' %s", path, extra);                                   \
    expect_error(a_, path, __VA_ARGS__, NULL);                                                 \
    snprintf(a_, sizeof a_, "compile '%s' %s -o '%s/m.o'", path, extra, tmpdir);               \
    expect_error(a_, path, __VA_ARGS__, NULL);                                                 \
  } while (0)

#define F32 ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
#define I64 ONNX__TENSOR_PROTO__DATA_TYPE__INT64

/* x:float[2,3] → op → y, the usual shape of a one-node hostile model. */
static Onnx__NodeProto *one_node(Onnx__ModelProto *m, const char *op, const char *name) {
  add_input(m, "x", F32, "2,3");
  add_output(m, "y", F32, NULL);
  return add_node(m, op, name, "x", "y");
}

/* ---- ops and attributes ---- */

Test(hostile, unknown_op) {
  Onnx__ModelProto *m = model_new();
  one_node(m, "FrobnicateTensor", "frob");
  char path[256];
  save(m, "unknown.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "unsupported ops: FrobnicateTensor (node 'frob')");
  char args[512];
  snprintf(args, sizeof args, "run '%s'", path);
  expect_error(args, path, "FrobnicateTensor", NULL);
}

Test(hostile, attribute_of_the_wrong_kind) {
  Onnx__ModelProto *m = model_new();
  Onnx__AttributeProto *a =
      add_attr(one_node(m, "Softmax", "sm"), "axis", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  a->has_f = 1;
  a->f = 1.5f;
  char path[256];
  save(m, "kind.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'sm' (Softmax): attribute 'axis': is FLOAT, ONNX defines "
                                "it as INT");
}

Test(hostile, axis_out_of_range) {
  Onnx__ModelProto *m = model_new();
  attr_int(one_node(m, "Softmax", "sm"), "axis", 5);
  char path[256];
  save(m, "axis.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'sm' (Softmax): attribute 'axis': axis 5 is out of range "
                                "for rank 2");
}

Test(hostile, bad_permutation) {
  static const int64_t dup[] = {0, 0}, far[] = {0, 7};
  Onnx__ModelProto *m = model_new();
  attr_ints(one_node(m, "Transpose", "tr"), "perm", 2, dup);
  char path[256];
  save(m, "perm.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'tr' (Transpose): attribute 'perm': [0,0] is not a "
                                "permutation of 0..1");
  m->graph->node[0]->attribute[0]->ints = (int64_t *)far;
  save(m, "perm.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'tr' (Transpose): attribute 'perm': [0,7] is not a "
                                "permutation of 0..1");
}

Test(hostile, attribute_below_its_range) {
  static const int64_t w_dims[] = {1, 1, 3, 3}, strides[] = {0, 0};
  static const float w[9] = {0};
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, "1,1,4,4");
  add_output(m, "y", F32, NULL);
  PUSH(m->graph->initializer, m->graph->n_initializer, tensor("w", F32, 4, w_dims, w, sizeof w));
  attr_ints(add_node(m, "Conv", "cv", "x,w", "y"), "strides", 2, strides);
  char path[256];
  save(m, "conv.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'cv' (Conv): attribute 'strides': value 0 is below 1");
}

/* ---- graph structure ---- */

Test(hostile, cycle) {
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, "2");
  add_output(m, "y", F32, "2");
  add_node(m, "Relu", "r1", "b", "a");
  add_node(m, "Relu", "r2", "a", "b");
  add_node(m, "Add", "add", "x,a", "y");
  char path[256];
  save(m, "cycle.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "the graph has a cycle through node 'r1' (Relu)");
}

Test(hostile, missing_input) {
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, "2");
  add_output(m, "y", F32, "2");
  add_node(m, "Relu", "r", "nope", "y");
  char path[256];
  save(m, "missing.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "",
                      "node 'r' (Relu): input 0 'nope' is not produced by any node, initializer "
                      "or graph input");
}

Test(hostile, declared_output_type_disagrees) {
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, "2,3");
  add_output(m, "y", I64, "2,3");
  add_node(m, "Relu", "r", "x", "y");
  char path[256];
  save(m, "outtype.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "",
                      "node 'r' (Relu): output 0 ('y') is declared int64[2,3] by the graph but "
                      "computes float[2,3]");
  m->graph->output[0] = value_info("y", F32, "3,2");
  save(m, "outtype.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "",
                      "node 'r' (Relu): output 0 ('y') is declared float[3,2] by the graph but "
                      "computes float[2,3]");
}

/* ---- sizes that overflow or cannot be allocated ---- */

Test(hostile, huge_input_shape_given) {
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, "N,M,K");
  add_output(m, "y", F32, NULL);
  add_node(m, "Relu", "r", "x", "y");
  char path[256];
  save(m, "sym.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "--shape x=1000000000x1000000000x1000000000",
                      "input 'x' is float[1000000000,1000000000,1000000000]: its element count "
                      "overflows 64 bits");
  EXPECT_ALL_COMMANDS(path, "--shape x=100000x100000x100000",
                      "input 'x' is float[100000,100000,100000]: it is larger than 1 TiB");
}

Test(hostile, initializer_dims_overflow) {
  static const int64_t dims[] = {INT64_MAX / 2, 3};
  static const float v[1] = {0};
  Onnx__ModelProto *m = model_new();
  add_output(m, "y", F32, NULL);
  PUSH(m->graph->initializer, m->graph->n_initializer, tensor("w", F32, 2, dims, v, sizeof v));
  add_node(m, "Identity", "id", "w", "y");
  char path[256];
  save(m, "init.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "initializer 'w': dims [4611686018427387903,3]: element count "
                                "overflows 64 bits");
}

/* op(x, shape) with a constant shape operand: the output is astronomically large. */
static void expect_huge(const char *op, const char *x_dims, int32_t n, const int64_t *shape,
                        const char *want) {
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, x_dims);
  add_output(m, "y", F32, NULL);
  add_ints(m, "s", n, shape);
  add_node(m, op, "big", "x,s", "y");
  char path[256];
  save(m, "huge.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", want);
  /* and with x fed at run time: nothing is allocated before the error */
  char in[256], args[1024];
  static const float one[4] = {1, 1, 1, 1};
  static const int64_t d1[] = {1}, d22[] = {2, 2};
  bool scalar = !strcmp(x_dims, "1");
  save_tensor("x.pb", F32, scalar ? 1 : 2, scalar ? d1 : d22, one, scalar ? 4 : 16, in, sizeof in);
  snprintf(args, sizeof args, "run '%s' '%s'", path, in);
  expect_error(args, path, want, NULL);
}

Test(hostile, expand_to_an_astronomical_shape) {
  static const int64_t ovf[] = {1LL << 31, 1LL << 31, 1LL << 20}, big[] = {100000, 100000, 1000};
  expect_huge("Expand", "1", 3, ovf, "node 'big' (Expand): output 0 ('y') would be "
                                     "float[2147483648,2147483648,1048576]: its element count "
                                     "overflows 64 bits");
  expect_huge("Expand", "1", 3, big, "node 'big' (Expand): output 0 ('y') would be "
                                     "float[100000,100000,1000]: it is larger than 1 TiB");
}

Test(hostile, tile_to_an_astronomical_shape) {
  static const int64_t ovf[] = {1LL << 40, 1LL << 40}, big[] = {1LL << 20, 1LL << 20};
  expect_huge("Tile", "2,2", 2, ovf, "node 'big' (Tile): output 0 ('y') would be "
                                     "float[2199023255552,2199023255552]: its element count "
                                     "overflows 64 bits");
  static const int64_t wraps[] = {1LL << 62, 1};
  expect_huge("Tile", "2,2", 2, wraps, "node 'big' (Tile): axis 0: 4611686018427387904 repeats "
                                       "of 2 overflow 64 bits");
  expect_huge("Tile", "2,2", 2, big, "node 'big' (Tile): output 0 ('y') would be "
                                     "float[2097152,2097152]: it is larger than 1 TiB");
}

/* No elements, but strides past 2^53: refused where sizes are checked, before any lowering
 * multiplies the dims into strides (a fuzzer's [15,4,3377699720527881,0] went through). */
Test(hostile, tile_of_an_empty_tensor_by_astronomical_repeats) {
  Onnx__ModelProto *m = model_new();
  add_input(m, "x", F32, "0,2");
  add_output(m, "y", F32, NULL);
  static const int64_t reps[] = {1, 1LL << 50};
  add_ints(m, "s", 2, reps);
  add_node(m, "Tile", "big", "x,s", "y");
  char path[256];
  save(m, "empty.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'big' (Tile): output 0 ('y') would be "
                                "float[0,2251799813685248]: its dims multiply past 1 Ti elements");
}

Test(hostile, reshape_to_an_astronomical_shape) {
  static const int64_t ovf[] = {1LL << 40, 1LL << 40};
  static const int64_t wraps[] = {1LL << 62, 4, 1};
  expect_huge("Reshape", "2,2", 3, wraps, "node 'big' (Reshape): cannot reshape [2,2] (4 "
                                          "elements) to [4611686018427387904,4,1]");
  expect_huge("Reshape", "2,2", 2, ovf, "node 'big' (Reshape): cannot reshape [2,2] (4 elements) "
                                        "to [1099511627776,1099511627776]");
}

Test(hostile, constant_of_shape_astronomical) {
  static const int64_t ovf[] = {1LL << 40, 1LL << 40}, big[] = {1000000, 1000000, 1000000};
  Onnx__ModelProto *m = model_new();
  add_output(m, "y", F32, NULL);
  add_ints(m, "s", 2, ovf);
  add_node(m, "ConstantOfShape", "cos", "s", "y");
  char path[256];
  save(m, "cos.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'cos' (ConstantOfShape): output 0 ('y') would be "
                                "float[1099511627776,1099511627776]: its element count overflows "
                                "64 bits");
  m->graph->initializer[0]->dims[0] = 3;
  m->graph->initializer[0]->raw_data.data = (uint8_t *)big;
  m->graph->initializer[0]->raw_data.len = sizeof big;
  save(m, "cos.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "", "node 'cos' (ConstantOfShape): output 0 ('y') would be "
                                "float[1000000,1000000,1000000]: it is larger than 1 TiB");
  char args[512];
  snprintf(args, sizeof args, "run '%s'", path);
  expect_error(args, path, "it is larger than 1 TiB", NULL);
}

Test(hostile, output_too_large_for_memory) {
  static const int64_t shape[] = {100000, 100000}; /* 40 GB: compiles, cannot be allocated here */
  Onnx__ModelProto *m = model_new();
  add_output(m, "y", F32, NULL);
  add_ints(m, "s", 2, shape);
  add_node(m, "ConstantOfShape", "cos", "s", "y");
  char path[256], args[512];
  save(m, "big.onnx", path, sizeof path);
  snprintf(args, sizeof args, "run '%s'", path);
  expect_error(args, path, "out of memory for output 0 ('y', 40000000000 bytes)", NULL);
}

/* ---- files ---- */

Test(hostile, external_data_outside_the_folder) {
  static const int64_t dims[] = {4};
  Onnx__ModelProto *m = model_new();
  add_output(m, "y", F32, "4");
  Onnx__TensorProto *t = tensor("w", F32, 1, dims, NULL, 0);
  t->has_raw_data = 0;
  t->has_data_location = 1;
  t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  Onnx__StringStringEntryProto *e = calloc(1, sizeof *e);
  onnx__string_string_entry_proto__init(e);
  e->key = "location";
  e->value = "../../etc/passwd";
  PUSH(t->external_data, t->n_external_data, e);
  PUSH(m->graph->initializer, m->graph->n_initializer, t);
  add_node(m, "Identity", "id", "w", "y");
  char path[256];
  save(m, "ext.onnx", path, sizeof path);
  EXPECT_ALL_COMMANDS(path, "",
                      "initializer 'w': external data location '../../etc/passwd' leaves the "
                      "model's folder");
}

Test(hostile, truncated_file) {
  Onnx__ModelProto *m = model_new();
  one_node(m, "Relu", "r");
  size_t n = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(m, buf);
  char path[256];
  snprintf(path, sizeof path, "%s/trunc.onnx", tmpdir);
  write_file(path, buf, n - 5);
  EXPECT_ALL_COMMANDS(path, "", "not an ONNX model (protobuf parse failed: truncated or garbage)");
  write_file(path, buf, 0);
  expect_error("inspect /dev/null", "/dev/null", NULL); /* not a regular model file */
}

/* ---- inputs given to run ---- */

Test(hostile, run_input_of_the_wrong_dtype) {
  static const int64_t dims[] = {2, 3}, ints[6] = {0};
  Onnx__ModelProto *m = model_new();
  one_node(m, "Relu", "r");
  char path[256], in[256], args[1024];
  save(m, "relu.onnx", path, sizeof path);
  save_tensor("x.pb", I64, 2, dims, ints, sizeof ints, in, sizeof in);
  snprintf(args, sizeof args, "run '%s' '%s'", path, in);
  expect_error(args, path, "input 0 ('x') is int64, the model expects float", NULL);
}

Test(hostile, run_input_of_the_wrong_shape) {
  static const int64_t dims[] = {3, 2};
  static const float v[6] = {0};
  Onnx__ModelProto *m = model_new();
  one_node(m, "Relu", "r");
  char path[256], in[256], args[1024];
  save(m, "relu.onnx", path, sizeof path);
  save_tensor("x.pb", F32, 2, dims, v, sizeof v, in, sizeof in);
  snprintf(args, sizeof args, "run '%s' '%s'", path, in);
  expect_error(args, path, "input 'x' has type float[2,3], given shape [3,2]", NULL);
}

Test(hostile, run_input_file_truncated) {
  static const int64_t dims[] = {2, 3};
  static const float v[6] = {0};
  Onnx__ModelProto *m = model_new();
  one_node(m, "Relu", "r");
  char path[256], in[256], args[1024];
  save(m, "relu.onnx", path, sizeof path);
  save_tensor("x.pb", F32, 2, dims, v, sizeof v - 8, in, sizeof in);
  snprintf(args, sizeof args, "run '%s' '%s'", path, in);
  expect_error(args, "x.pb", NULL);
}
