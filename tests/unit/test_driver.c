/* hydrac from the outside: exit codes (0 ok, 1 error with the message on stderr, 2 usage) and the
 * messages a user sees for a missing file, a garbage file, an unsupported op and bad usage. The
 * binary is found beside the test's build folder (../hydrac) or through $HYDRAC. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "onnx.pb-c.h"

static char hydrac[4096], tmpdir[64], err_text[8192], out_text[8192];

static void find_hydrac(void) {
  const char *env = getenv("HYDRAC");
  if (env) {
    snprintf(hydrac, sizeof hydrac, "%s", env);
    return;
  }
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  cr_assert_gt(n, 0);
  self[n] = '\0';
  snprintf(hydrac, sizeof hydrac, "%s/../hydrac", dirname(self));
}

static void setup(void) {
  find_hydrac();
  strcpy(tmpdir, "/tmp/hydrac_test_XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) cr_log_warn("could not remove %s", tmpdir);
}
TestSuite(driver, .init = setup, .fini = teardown);

static void slurp(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "rb");
  size_t k = f ? fread(buf, 1, n - 1, f) : 0;
  buf[k] = '\0';
  if (f) fclose(f);
}

/* Runs hydrac with args (a shell fragment); returns its exit code, stdout/stderr captured. */
static int run(const char *args) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "'%s' %s >'%s/out' 2>'%s/err'", hydrac, args, tmpdir, tmpdir);
  int st = system(cmd);
  char p[128];
  snprintf(p, sizeof p, "%s/err", tmpdir);
  slurp(p, err_text, sizeof err_text);
  snprintf(p, sizeof p, "%s/out", tmpdir);
  slurp(p, out_text, sizeof out_text);
  cr_assert(WIFEXITED(st), "hydrac did not exit normally (%s)", cmd);
  return WEXITSTATUS(st);
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  cr_assert_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

/* x:float[2] → <op_type> → y:float[2] as an ONNX file at path. */
static void write_one_node_model(const char *path, const char *op_type) {
  Onnx__TensorShapeProto__Dimension dim = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
  dim.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
  dim.dim_value = 2;
  Onnx__TensorShapeProto__Dimension *dims[] = {&dim};
  Onnx__TensorShapeProto shape = ONNX__TENSOR_SHAPE_PROTO__INIT;
  shape.n_dim = 1;
  shape.dim = dims;
  Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
  tt.has_elem_type = 1;
  tt.elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  tt.shape = &shape;
  Onnx__TypeProto type = ONNX__TYPE_PROTO__INIT;
  type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  type.tensor_type = &tt;
  Onnx__ValueInfoProto x = ONNX__VALUE_INFO_PROTO__INIT, y = ONNX__VALUE_INFO_PROTO__INIT;
  x.name = "x";
  x.type = &type;
  y.name = "y";
  y.type = &type;
  Onnx__ValueInfoProto *ins[] = {&x}, *outs[] = {&y};
  char *nin[] = {"x"}, *nout[] = {"y"};
  Onnx__NodeProto node = ONNX__NODE_PROTO__INIT;
  node.name = "the_node";
  node.op_type = (char *)op_type;
  node.n_input = 1;
  node.input = nin;
  node.n_output = 1;
  node.output = nout;
  Onnx__NodeProto *nodes[] = {&node};
  Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
  graph.name = "g";
  graph.n_node = 1;
  graph.node = nodes;
  graph.n_input = 1;
  graph.input = ins;
  graph.n_output = 1;
  graph.output = outs;
  Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT;
  opset.domain = "";
  opset.has_version = 1;
  opset.version = 13;
  Onnx__OperatorSetIdProto *opsets[] = {&opset};
  Onnx__ModelProto model = ONNX__MODEL_PROTO__INIT;
  model.has_ir_version = 1;
  model.ir_version = 7;
  model.n_opset_import = 1;
  model.opset_import = opsets;
  model.graph = &graph;
  size_t n = onnx__model_proto__get_packed_size(&model);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(&model, buf);
  write_file(path, buf, n);
  free(buf);
}

Test(driver, help_exits_zero) {
  cr_assert_eq(run("--help"), 0);
  cr_assert(strstr(out_text, "run") && strstr(out_text, "compile"), "%s", out_text);
  const char *cmds[] = {"run", "compile", "inspect", "bench"};
  for (int i = 0; i < 4; i++) {
    char a[64];
    snprintf(a, sizeof a, "%s --help", cmds[i]);
    cr_assert_eq(run(a), 0, "%s", a);
    cr_assert(strstr(out_text, "usage: hydrac"), "%s: %s", a, out_text);
  }
}

Test(driver, bad_usage_exits_two) {
  cr_assert_eq(run(""), 2);
  cr_assert_eq(run("frobnicate"), 2);
  cr_assert(strstr(err_text, "unknown command 'frobnicate'"), "%s", err_text);
  cr_assert_eq(run("run"), 2);
  cr_assert(strstr(err_text, "missing MODEL.onnx"), "%s", err_text);
  cr_assert_eq(run("inspect m.onnx --no-such-flag"), 2);
  cr_assert(strstr(err_text, "unknown option '--no-such-flag'"), "%s", err_text);
  cr_assert_eq(run("compile m.onnx"), 2);
  cr_assert(strstr(err_text, "-o"), "%s", err_text);
  cr_assert_eq(run("compile m.onnx -o m.o --weights sideways"), 2);
  cr_assert_eq(run("inspect m.onnx --shape x"), 2);
  cr_assert(strstr(err_text, "--shape"), "%s", err_text);
  cr_assert_eq(run("bench m.onnx --iters"), 2);
  cr_assert(strstr(err_text, "needs a value"), "%s", err_text);
}

Test(driver, missing_model_file_exits_one_naming_it) {
  cr_assert_eq(run("run /nonexistent/model.onnx"), 1);
  cr_assert(strstr(err_text, "/nonexistent/model.onnx"), "%s", err_text);
  cr_assert_eq(run("inspect /nonexistent/model.onnx"), 1);
  cr_assert(strstr(err_text, "/nonexistent/model.onnx"), "%s", err_text);
}

Test(driver, missing_input_file_exits_one_naming_it) {
  char args[512], model[128];
  snprintf(model, sizeof model, "%s/m.onnx", tmpdir);
  write_one_node_model(model, "Relu");
  snprintf(args, sizeof args, "run '%s' /nonexistent/input_0.pb", model);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "/nonexistent/input_0.pb"), "%s", err_text);
}

Test(driver, garbage_model_exits_one) {
  char path[128], args[256];
  snprintf(path, sizeof path, "%s/garbage.onnx", tmpdir);
  const char junk[] = "\xff\xff\xff\xff this is not a protobuf \x01\x02\x03";
  write_file(path, junk, sizeof junk);
  snprintf(args, sizeof args, "inspect '%s'", path);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "garbage.onnx"), "%s", err_text);
}

Test(driver, unknown_op_exits_one_naming_node_and_op) {
  char path[128], args[256];
  snprintf(path, sizeof path, "%s/unknown.onnx", tmpdir);
  write_one_node_model(path, "FrobnicateTensor");
  snprintf(args, sizeof args, "inspect '%s'", path);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "FrobnicateTensor"), "%s", err_text);
  snprintf(args, sizeof args, "run '%s'", path);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "FrobnicateTensor"), "%s", err_text);
}

Test(driver, wrong_input_count_exits_one) {
  char path[128], args[256];
  snprintf(path, sizeof path, "%s/relu.onnx", tmpdir);
  write_one_node_model(path, "Relu");
  snprintf(args, sizeof args, "run '%s'", path);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "1 input") && strstr(err_text, "0 given"), "%s", err_text);
}

Test(driver, inspect_prints_the_graph_around_a_pass) {
  char path[128], args[256];
  snprintf(path, sizeof path, "%s/relu.onnx", tmpdir);
  write_one_node_model(path, "Relu");
  snprintf(args, sizeof args, "inspect '%s' --print-after lower", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_assert_str_eq(out_text, "; after lower\n"
                             "graph 'g' (%x: float[2])\n"
                             "  %y: float[2] = Relu(%x)  ; unary\n"
                             "  return %y\n",
                   "%s", out_text);
  snprintf(args, sizeof args, "inspect '%s' --print-before all", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_assert(strstr(out_text, "; before bind\n") && strstr(out_text, "; before memplan\n") &&
                !strstr(out_text, "; after"),
            "%s", out_text);
  snprintf(args, sizeof args, "inspect '%s' --print-after no_such_pass", path);
  cr_assert_eq(run(args), 2);
  cr_assert(strstr(err_text, "no pass is named 'no_such_pass'"), "%s", err_text);
}

Test(driver, several_models_are_one_unit) {
  char a[128], b[128], args[512];
  snprintf(a, sizeof a, "%s/a.onnx", tmpdir);
  snprintf(b, sizeof b, "%s/b.onnx", tmpdir);
  write_one_node_model(a, "Relu");
  write_one_node_model(b, "Sigmoid");
  snprintf(args, sizeof args, "inspect --json '%s' '%s'", a, b);
  cr_assert_eq(run(args), 0, "%s", err_text);
  /* one input x, both outputs named y: each gets its model's prefix */
  cr_assert(strstr(out_text, "\"inputs\":[{\"name\":\"x\""), "%s", out_text);
  cr_assert(strstr(out_text, "{\"name\":\"a/y\"") && strstr(out_text, "{\"name\":\"b/y\""),
            "%s", out_text);
  snprintf(args, sizeof args, "inspect --json intent='%s' ner='%s'", a, b);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_assert(strstr(out_text, "\"intent/y\"") && strstr(out_text, "\"ner/y\""), "%s", out_text);
  snprintf(args, sizeof args, "inspect '%s' '%s' --bind b:x", a, b);
  cr_assert_eq(run(args), 2);
  cr_assert(strstr(err_text, "--bind wants MODEL:INPUT=MODEL:INPUT like b:ids=a:input_ids, not "
                             "'b:x'"), "%s", err_text);
  snprintf(args, sizeof args, "compile '%s' '%s' -o %s/u.o --bind zz:x=a:x", a, b, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "--bind 'zz:x=a:x': no model is named 'zz' (the models are 'a', "
                             "'b')"), "%s", err_text);
  snprintf(args, sizeof args, "bench '%s' '%s' --bind b:x=b:x", a, b);
  cr_assert_eq(run(args), 1);
  cr_assert(strstr(err_text, "both inputs are model 'b''s"), "%s", err_text);
}
