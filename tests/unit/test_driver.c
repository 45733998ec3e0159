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

#include "model_builder.h"
#include "onnx.pb-c.h"
#include "tensor_io.h"

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

/* x:float[batch,4] · W[4,32] → the exact-erf GELU chain (fused into one Gelu) → two heads:
 * ya = Relu, yb = Neg(Sigmoid) (one FusedElementwise). W is 32 wide, one packed panel: packing
 * keeps its 512 bytes. */
static void write_two_head_model(const char *path) {
  static const float w[4 * 32] = {0.5f};
  static const float sqrt2 = 1.41421356f, one = 1.0f, half = 0.5f;
  static const int64_t wdims[] = {4, 32};
  Onnx__ModelProto *m = mb_model(14);
  Onnx__GraphProto *g = m->graph;
  PUSH(g->input, g->n_input, value_info("x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, "batch,4"));
  PUSH(g->output, g->n_output, value_info("ya", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, NULL));
  PUSH(g->output, g->n_output, value_info("yb", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, NULL));
  PUSH(g->initializer, g->n_initializer,
       tensor("W", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, wdims, w, sizeof w));
  PUSH(g->initializer, g->n_initializer,
       tensor("sqrt2", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &sqrt2, 4));
  PUSH(g->initializer, g->n_initializer,
       tensor("one", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &one, 4));
  PUSH(g->initializer, g->n_initializer,
       tensor("half", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &half, 4));
  PUSH(g->node, g->n_node, node_new("MatMul", "proj", "x,W", "h"));
  PUSH(g->node, g->n_node, node_new("Div", "gelu_div", "h,sqrt2", "d"));
  PUSH(g->node, g->n_node, node_new("Erf", "gelu_erf", "d", "e"));
  PUSH(g->node, g->n_node, node_new("Add", "gelu_add", "e,one", "a"));
  PUSH(g->node, g->n_node, node_new("Mul", "gelu_mul", "h,a", "p"));
  PUSH(g->node, g->n_node, node_new("Mul", "gelu_half", "p,half", "gl"));
  PUSH(g->node, g->n_node, node_new("Relu", "head_a", "gl", "ya"));
  PUSH(g->node, g->n_node, node_new("Sigmoid", "head_b1", "gl", "s"));
  PUSH(g->node, g->n_node, node_new("Neg", "head_b2", "s", "yb"));
  cr_assert(mb_write(m, path));
}

/* The text of the cluster whose label starts with label, up to its closing brace. */
static const char *cluster_text(const char *dot, const char *label, char *buf, size_t n) {
  char key[128];
  snprintf(key, sizeof key, "label=\"%s", label);
  const char *p = strstr(dot, key), *end = p ? strstr(p, "\n  }\n") : NULL;
  cr_assert(p && end, "no cluster labelled '%s' in:\n%s", label, dot);
  cr_assert_lt((size_t)(end - p), n);
  memcpy(buf, p, (size_t)(end - p));
  buf[end - p] = '\0';
  return buf;
}

/* Every edge's ends are declared nodes, braces balance, one digraph. */
static void check_dot_structure(const char *dot, int n_clusters) {
  cr_assert(!strncmp(dot, "digraph \"", 9), "%s", dot);
  int depth = 0, clusters = 0;
  for (const char *c = dot; *c; c++) {
    if (*c == '"') /* labels may hold braces: skip quoted text */
      for (c++; *c && *c != '"'; c++)
        if (*c == '\\' && c[1]) c++;
    depth += *c == '{' ? 1 : *c == '}' ? -1 : 0;
    cr_assert_geq(depth, 0, "%s", dot);
  }
  cr_assert_eq(depth, 0, "%s", dot);
  for (const char *p = dot; (p = strstr(p, "subgraph cluster_")); p++)
    clusters++;
  cr_assert_eq(clusters, n_clusters, "%s", dot);
  for (const char *line = dot; line && *line;
       line = strchr(line, '\n'), line = line ? line + 1 : 0) {
    char from[32], to[32], decl[40];
    if (sscanf(line, " %31[a-z0-9] -> %31[a-z0-9];", from, to) != 2) continue;
    snprintf(decl, sizeof decl, "\n    %s [", from);
    char decl2[40];
    snprintf(decl2, sizeof decl2, "\n  %s [", from);
    cr_assert(strstr(dot, decl) || strstr(dot, decl2), "edge from undeclared %s:\n%s", from, dot);
    snprintf(decl, sizeof decl, "\n    %s [", to);
    snprintf(decl2, sizeof decl2, "\n  %s [", to);
    cr_assert(strstr(dot, decl) || strstr(dot, decl2), "edge to undeclared %s:\n%s", to, dot);
  }
}

Test(driver, inspect_dot_clusters_shared_part_and_heads) {
  char path[128], args[512], buf[4096];
  snprintf(path, sizeof path, "%s/heads.onnx", tmpdir);
  write_two_head_model(path);
  snprintf(args, sizeof args, "inspect '%s' --shape x=2x4 --dot", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  check_dot_structure(out_text, 3);
  /* MatMul and the GELU chain are one FusedMatMul (the Gelu fusion, then the epilogue's) */
  const char *shared = cluster_text(out_text, "shared by every output (1 node)", buf, sizeof buf);
  cr_assert(strstr(shared, "\\nFusedMatMul (fused)\\n") && strstr(shared, "filled"), "%s",
            out_text);
  cluster_text(out_text, "head: ya (1 node)", buf, sizeof buf);
  cr_assert(strstr(buf, "head_a\\nRelu") && strstr(buf, "label=\"ya\\n"), "%s", out_text);
  /* Sigmoid then Neg: one chain, computed in one pass */
  cluster_text(out_text, "head: yb (1 node)", buf, sizeof buf);
  cr_assert(strstr(buf, "head_b2/FusedElementwise\\nFusedElementwise (fused)") &&
                strstr(buf, "filled"),
            "%s", out_text);
  if (system("command -v dot >/dev/null 2>&1") == 0) { /* Graphviz itself, when installed */
    snprintf(args, sizeof args, "inspect '%s' --shape x=2x4 --dot | dot -Tsvg >'%s/g.svg'", path,
             tmpdir);
    cr_assert_eq(run(args), 0, "dot rejected it: %s", err_text);
  }
  snprintf(args, sizeof args, "inspect '%s' --dot --json", path);
  cr_assert_eq(run(args), 2);
}

Test(driver, inspect_json_has_the_documented_keys) {
  char path[128], args[512];
  snprintf(path, sizeof path, "%s/heads.onnx", tmpdir);
  write_two_head_model(path);
  snprintf(args, sizeof args, "inspect '%s' --shape x=2x4 --json", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  const char *keys[] = {"{\"graph\":\"g\"", ",\"inputs\":[{\"name\":\"x\",\"type\":\"float[2,4]\"",
                        ",\"outputs\":[{\"name\":\"ya\"", ",\"opsets\":{\"ai.onnx\":14}",
                        ",\"nodes\":[{", ",\"fused\":{\"FusedMatMul\":1,\"FusedElementwise\":1}",
                        ",\"attention\":{\"fused\":0,\"unfused\":0}", ",\"arena_bytes\":",
                        /* W once: packed (one 32-wide panel, 512 bytes), not also its original;
                         * the GELU's scalars went with the chain */
                        ",\"weight_bytes\":512,\"entries\":[{\"name\":\"default\""};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    cr_assert(strstr(out_text, keys[i]), "no %s in %s", keys[i], out_text);
  const char *ops = strstr(out_text, ",\"ops\":{");
  cr_assert(ops, "%s", out_text);
  cr_assert(strstr(ops, "\"FusedMatMul\":1") && !strstr(ops, "\"MatMul\"") && !strstr(ops, "Erf") &&
                !strstr(ops, "Gelu"),
            "%s", ops);
  cr_assert(strstr(out_text, "\"op\":\"FusedMatMul\",\"fused\":true"), "%s", out_text);
  cr_assert(strstr(out_text, "\"op\":\"Relu\",\"fused\":false"), "%s", out_text);
}

Test(driver, inspect_without_shape_lists_what_the_model_declares) {
  char path[128], args[512];
  snprintf(path, sizeof path, "%s/heads.onnx", tmpdir);
  write_two_head_model(path);
  snprintf(args, sizeof args, "inspect '%s'", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  const char *lines[] = {"opsets: ai.onnx 14\n", "inputs:\n  x: float[batch,4]\n",
                         "outputs:\n  ya: ",     "  yb: ",
                         "x: dim 0 'batch'",     "--shape x=<batch>x4\n"};
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
    cr_assert(strstr(out_text, lines[i]), "no '%s' in %s", lines[i], out_text);
  snprintf(args, sizeof args, "inspect '%s' --json", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_assert(strstr(out_text, "\"opsets\":{\"ai.onnx\":14}") &&
                strstr(out_text,
                       "\"symbolic_dims\":[{\"input\":\"x\",\"dim\":0,\"symbol\":\"batch\"}]") &&
                strstr(out_text, "\"shape_hint\":\"--shape x=<batch>x4\"") &&
                !strstr(out_text, "\"ops\""),
            "%s", out_text);
  /* with the shape the passes run */
  snprintf(args, sizeof args, "inspect '%s' --shape x=3x4", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_assert(strstr(out_text, "ops:") && strstr(out_text, "FusedMatMul=1"), "%s", out_text);
}

/* x:float[b,s] and z:float[b,s] add into r = Relu(x + z) (one FusedElementwise), read by every
 * output; s = Sigmoid(r) is read by yb and yc only; w:float[b,f] feeds ya alone. */
static void write_three_head_model(const char *path) {
  Onnx__ModelProto *m = mb_model(14);
  Onnx__GraphProto *g = m->graph;
  const int f32 = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
  PUSH(g->input, g->n_input, value_info("x", f32, "b,s"));
  PUSH(g->input, g->n_input, value_info("z", f32, "b,s"));
  PUSH(g->input, g->n_input, value_info("w", f32, "b,f"));
  PUSH(g->output, g->n_output, value_info("ya", f32, NULL));
  PUSH(g->output, g->n_output, value_info("yb", f32, NULL));
  PUSH(g->output, g->n_output, value_info("yc", f32, NULL));
  PUSH(g->output, g->n_output, value_info("yw", f32, NULL));
  PUSH(g->node, g->n_node, node_new("Add", "sum", "x,z", "xz"));
  PUSH(g->node, g->n_node, node_new("Relu", "enc", "xz", "r"));
  PUSH(g->node, g->n_node, node_new("Tanh", "head_a", "r", "ya"));
  PUSH(g->node, g->n_node, node_new("Sigmoid", "pool", "r", "s"));
  PUSH(g->node, g->n_node, node_new("Neg", "head_b", "s", "yb"));
  PUSH(g->node, g->n_node, node_new("Abs", "head_c", "s", "yc"));
  PUSH(g->node, g->n_node, node_new("Relu", "head_w", "w", "yw"));
  cr_assert(mb_write(m, path));
}

Test(driver, inspect_dot_gives_a_part_some_heads_share_its_own_cluster) {
  char path[128], args[512], buf[4096];
  snprintf(path, sizeof path, "%s/three.onnx", tmpdir);
  write_three_head_model(path);
  snprintf(args, sizeof args, "inspect '%s' --shape x=2x3 --shape w=2x5 --dot", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  /* sum and enc, fused, serve ya, yb, yc (not yw): a shared part, but not every output's */
  check_dot_structure(out_text, 6);
  cluster_text(out_text, "shared by ya, yb, yc (1 node)", buf, sizeof buf);
  cr_assert(strstr(buf, "enc/FusedElementwise\\nFusedElementwise (fused)"), "%s", out_text);
  cluster_text(out_text, "shared by yb, yc (1 node)", buf, sizeof buf);
  cr_assert(strstr(buf, "pool\\nSigmoid"), "%s", out_text);
  cluster_text(out_text, "head: yw (1 node)", buf, sizeof buf);
  cr_assert(strstr(buf, "head_w\\nRelu"), "%s", out_text);
  cr_assert(strstr(out_text, "head: ya (1 node)") && strstr(out_text, "head: yb (1 node)") &&
                strstr(out_text, "head: yc (1 node)"),
            "%s", out_text);
}

Test(driver, inspect_without_shape_asks_for_each_symbol_once) {
  char path[128], args[512];
  snprintf(path, sizeof path, "%s/three.onnx", tmpdir);
  write_three_head_model(path);
  snprintf(args, sizeof args, "inspect '%s'", path);
  cr_assert_eq(run(args), 0, "%s", err_text);
  /* z's b and s come with x's shape; w's f does not */
  cr_assert(strstr(out_text, "\n  --shape x=<b>x<s> --shape w=<b>x<f>\n"), "%s", out_text);
  cr_assert(strstr(out_text, "  z: dim 0 'b' dim 1 's'\n"), "%s", out_text);
  snprintf(args, sizeof args, "inspect '%s' --shape x=2x3 --shape w=2x5", path);
  cr_assert_eq(run(args), 0, "the hint's shapes are enough: %s", err_text);
}

/* ---- entries: --outputs on run and bench, --entry on compile and inspect ---- */

/* x:float[2] → Relu → y1 and x → Neg → y2, at dir/heads.onnx, with dir/x.pb = {1, -2}. */
static void write_two_heads(char *model, size_t n, char *input, size_t ni) {
  snprintf(model, n, "%s/heads.onnx", tmpdir);
  snprintf(input, ni, "%s/x.pb", tmpdir);
  Onnx__ModelProto *m = mb_model(13);
  Onnx__GraphProto *g = m->graph;
  PUSH(g->input, g->n_input, value_info("x", HY_DTYPE_FLOAT, "2"));
  PUSH(g->node, g->n_node, node_new("Relu", "relu", "x", "y1"));
  PUSH(g->node, g->n_node, node_new("Neg", "neg", "x", "y2"));
  PUSH(g->output, g->n_output, value_info("y1", HY_DTYPE_FLOAT, "2"));
  PUSH(g->output, g->n_output, value_info("y2", HY_DTYPE_FLOAT, "2"));
  cr_assert(mb_write(m, model));
  float x[2] = {1, -2};
  hy_tensor t = {HY_DTYPE_FLOAT, 1, {2}, x};
  char err[256];
  cr_assert_eq(pb_tensor_write(input, &t, "x", err, sizeof err), HY_OK, "%s", err);
}

Test(driver, run_outputs_computes_only_those) {
  char model[128], input[128], args[512];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "run '%s' '%s' --outputs y2", model, input);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect_str_eq(out_text, "output 0 'y2': float[2] = -1 2\n");
  snprintf(args, sizeof args, "run '%s' '%s' --outputs y2,y1 --threads 2", model, input);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect_str_eq(out_text, "output 0 'y2': float[2] = -1 2\noutput 1 'y1': float[2] = 1 0\n");
  snprintf(args, sizeof args, "run '%s' '%s' --outputs y3", model, input);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "heads.onnx") && strstr(err_text, "no output named 'y3'") &&
                strstr(err_text, "(outputs: y1, y2)"),
            "%s", err_text);
}

Test(driver, bench_outputs_times_the_entry) {
  char model[128], input[128], args[512];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "bench '%s' --outputs y2 --iters 2 --warmup 0", model);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(strstr(out_text, " nodes=2 entry_nodes=1 ") && strstr(out_text, "\nmedian_ms=") &&
                strstr(out_text, "\ndefault_median_ms=") && strstr(out_text, " entry_vs_default="),
            "%s", out_text);
  snprintf(args, sizeof args, "bench '%s' --iters 2 --warmup 0", model);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(strstr(out_text, " nodes=2 entry_nodes=2 ") && !strstr(out_text, "default_median"),
            "%s", out_text);
  snprintf(args, sizeof args, "bench '%s' --outputs y1,nope", model);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "no output named 'nope' (outputs: y1, y2)"), "%s", err_text);
}

Test(driver, inspect_reports_nodes_per_entry) {
  char model[128], input[128], args[512];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "inspect '%s' --entry neg=y2", model);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(strstr(out_text, "entries:\n  default: 2 nodes, outputs y1, y2\n"
                             "  neg: 1 nodes, outputs y2\n"),
            "%s", out_text);
  snprintf(args, sizeof args, "inspect '%s' --json --entry neg=y2 --entry both=y2,y1", model);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(strstr(out_text, ",\"entries\":[{\"name\":\"default\",\"outputs\":[\"y1\",\"y2\"],"
                             "\"nodes\":2},{\"name\":\"neg\",\"outputs\":[\"y2\"],\"nodes\":1},"
                             "{\"name\":\"both\",\"outputs\":[\"y2\",\"y1\"],\"nodes\":2}]}\n"),
            "%s", out_text);
}

Test(driver, compile_entry_adds_its_functions) {
  char model[128], input[128], args[768];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "compile '%s' -o '%s/h.o' --entry neg=y2 --entry relu=y1", model,
           tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  char hdr[128], h[8192];
  snprintf(hdr, sizeof hdr, "%s/h.h", tmpdir);
  slurp(hdr, h, sizeof h);
  cr_expect(strstr(h, "/* Entry 'neg': fills y2;\n * reads x;\n * runs 1 of the model's 2 nodes") &&
                strstr(h, "h_run_neg(h_ctx *ctx") && strstr(h, "h_run_relu_tensors(h_ctx *ctx"),
            "%s", h);
}

Test(driver, entry_flags_are_checked) {
  char model[128], input[128], args[768];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "compile '%s' -o '%s/h.o' --entry neg", model, tmpdir);
  cr_assert_eq(run(args), 2);
  cr_expect(strstr(err_text, "--entry wants NAME=OUTPUT[,OUTPUT...]") && strstr(err_text, "'neg'"),
            "%s", err_text);
  snprintf(args, sizeof args, "inspect '%s' --entry =y1", model);
  cr_assert_eq(run(args), 2);
  snprintf(args, sizeof args, "compile '%s' -o '%s/h.o' --entry neg=y3", model, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "entry 'neg'") && strstr(err_text, "no output named 'y3'"), "%s",
            err_text);
  snprintf(args, sizeof args, "compile '%s' -o '%s/h.o' --entry ne-g=y2", model, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "entry name 'ne-g' is not a C identifier"), "%s", err_text);
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

Test(driver, help_command_prints_that_commands_help) {
  const char *cmds[] = {"run", "compile", "inspect", "bench"};
  for (int i = 0; i < 4; i++) {
    char a[64], want[64];
    snprintf(a, sizeof a, "help %s", cmds[i]);
    snprintf(want, sizeof want, "usage: hydrac %s ", cmds[i]);
    cr_assert_eq(run(a), 0, "%s", a);
    cr_expect(strstr(out_text, want), "%s: %s", a, out_text);
  }
  cr_assert_eq(run("help frobnicate"), 2);
  cr_expect(strstr(err_text, "unknown command 'frobnicate'"), "%s", err_text);
  cr_assert_eq(run("help run compile"), 2);
}

static bool exists(const char *dir, const char *rel) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  return access(p, F_OK) == 0;
}

Test(driver, output_paths_create_their_folders) {
  char model[128], input[128], args[768];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "compile '%s' -o '%s/new/deeper/h.o' --weights file", model, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(exists(tmpdir, "new/deeper/h.o") && exists(tmpdir, "new/deeper/h.h") &&
            exists(tmpdir, "new/deeper/h.weights"));
  snprintf(args, sizeof args, "compile '%s' -o '%s/o/h.o' --header '%s/inc/hydra/h.h'", model,
           tmpdir, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(exists(tmpdir, "o/h.o") && exists(tmpdir, "inc/hydra/h.h"));
  snprintf(args, sizeof args, "run '%s' '%s' -o '%s/res/a/b'", model, input, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(exists(tmpdir, "res/a/b/output_0.pb") && exists(tmpdir, "res/a/b/output_1.pb"));
  /* a path through a file is still an error naming it */
  snprintf(args, sizeof args, "compile '%s' -o '%s/new/deeper/h.o/x.o'", model, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "h.o"), "%s", err_text);
}

/* ---- inputs bound by the TensorProto's name ---- */

static void write_pb(const char *name, const char *file, float v0, float v1) {
  char path[256], err[256];
  snprintf(path, sizeof path, "%s/%s", tmpdir, file);
  float x[2] = {v0, v1};
  hy_tensor t = {HY_DTYPE_FLOAT, 1, {2}, x};
  cr_assert_eq(pb_tensor_write(path, &t, name, err, sizeof err), HY_OK, "%s", err);
}

/* a, b: float[2] → Sub → y at dir/sub.onnx; a.pb {5, 7} named a, b.pb {1, 2} named b, c.pb named
 * c, and unnamed copies of a and b (na.pb, nb.pb): a swap of a and b changes y's sign. */
static void write_sub(char *model, size_t n) {
  snprintf(model, n, "%s/sub.onnx", tmpdir);
  Onnx__ModelProto *m = mb_model(13);
  Onnx__GraphProto *g = m->graph;
  PUSH(g->input, g->n_input, value_info("a", HY_DTYPE_FLOAT, "2"));
  PUSH(g->input, g->n_input, value_info("b", HY_DTYPE_FLOAT, "2"));
  PUSH(g->node, g->n_node, node_new("Sub", "sub", "a,b", "y"));
  PUSH(g->output, g->n_output, value_info("y", HY_DTYPE_FLOAT, "2"));
  cr_assert(mb_write(m, model));
  write_pb("a", "a.pb", 5, 7);
  write_pb("b", "b.pb", 1, 2);
  write_pb("c", "c.pb", 1, 2);
  write_pb(NULL, "na.pb", 5, 7);
  write_pb(NULL, "nb.pb", 1, 2);
}

Test(driver, run_binds_inputs_by_tensor_name) {
  char model[128], args[768];
  write_sub(model, sizeof model);
  const char *orders[] = {"a.pb b.pb", "b.pb a.pb", "nb.pb a.pb", "b.pb na.pb", "na.pb nb.pb"};
  for (int i = 0; i < 5; i++) {
    char files[128] = "", *save = NULL, list[64];
    strcpy(list, orders[i]);
    for (char *f = strtok_r(list, " ", &save); f; f = strtok_r(NULL, " ", &save))
      snprintf(files + strlen(files), sizeof files - strlen(files), " '%s/%s'", tmpdir, f);
    snprintf(args, sizeof args, "run '%s'%s", model, files);
    cr_assert_eq(run(args), 0, "%s: %s", orders[i], err_text);
    cr_expect_str_eq(out_text, "output 0 'y': float[2] = 4 5\n", "%s", orders[i]);
  }
  snprintf(args, sizeof args, "run '%s' '%s/a.pb' '%s/c.pb'", model, tmpdir, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "c.pb: tensor 'c' is no input of ") && strstr(err_text, "sub.onnx") &&
                strstr(err_text, "(the inputs are: a, b)"),
            "%s", err_text);
  snprintf(args, sizeof args, "run '%s' '%s/a.pb' '%s/a.pb'", model, tmpdir, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "input 'a' is given twice"), "%s", err_text);
}

Test(driver, bench_input_binds_by_tensor_name) {
  char model[128], args[768];
  write_sub(model, sizeof model);
  snprintf(args, sizeof args, "bench '%s' --input '%s/b.pb' --input '%s/a.pb' --iters 1", model,
           tmpdir, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  snprintf(args, sizeof args, "bench '%s' --input 1='%s/nb.pb' --input a='%s/a.pb' --iters 1",
           model, tmpdir, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  snprintf(args, sizeof args, "bench '%s' --input '%s/c.pb'", model, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "c.pb: tensor 'c' is no input of ") &&
                strstr(err_text, "(the inputs are: a, b)"),
            "%s", err_text);
  snprintf(args, sizeof args, "bench '%s' --input a='%s/b.pb'", model, tmpdir);
  cr_assert_eq(run(args), 1);
  cr_expect(strstr(err_text, "b.pb: tensor 'b' given for input 0 ('a')"), "%s", err_text);
  snprintf(args, sizeof args, "bench '%s' --input '%s/na.pb'", model, tmpdir);
  cr_assert_eq(run(args), 2);
  cr_expect(strstr(err_text, "na.pb: the tensor has no name"), "%s", err_text);
}

Test(driver, weights_file_header_says_where_it_is_found) {
  char model[128], input[128], args[768], hdr[160], h[8192];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "compile '%s' -o '%s/w/h.o' --weights file", model, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  snprintf(hdr, sizeof hdr, "%s/w/h.h", tmpdir);
  slurp(hdr, h, sizeof h);
  cr_expect(strstr(h, "constants are in the file h.weights") &&
                strstr(h, "$HYDRA_WEIGHTS_DIR/h.weights") && strstr(h, "opt->weights_path") &&
                strstr(h, "h_error(NULL)"),
            "%s", h);
  snprintf(args, sizeof args, "compile '%s' -o '%s/e/h.o'", model, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  snprintf(hdr, sizeof hdr, "%s/e/h.h", tmpdir);
  slurp(hdr, h, sizeof h);
  cr_expect(!strstr(h, "HYDRA_WEIGHTS_DIR"), "an embedded-weights header: %s", h);
}

/* --weights-file names the file (its folder made), so objects for other shapes look for the same
 * one; it cannot be combined with --weights embed. */
Test(driver, weights_file_option_names_the_file) {
  char model[128], input[128], args[768], hdr[160], h[8192];
  write_two_heads(model, sizeof model, input, sizeof input);
  snprintf(args, sizeof args, "compile '%s' -o '%s/wf/h.o' --weights-file '%s/shared/m.weights'",
           model, tmpdir, tmpdir);
  cr_assert_eq(run(args), 0, "%s", err_text);
  cr_expect(exists(tmpdir, "shared/m.weights") && !exists(tmpdir, "wf/h.weights"));
  snprintf(hdr, sizeof hdr, "%s/wf/h.h", tmpdir);
  slurp(hdr, h, sizeof h);
  cr_expect(strstr(h, "constants are in the file m.weights") &&
                strstr(h, "$HYDRA_WEIGHTS_DIR/m.weights"),
            "%s", h);
  snprintf(args, sizeof args, "compile '%s' -o '%s/wf/h.o' --weights embed --weights-file x.w",
           model, tmpdir);
  cr_assert_eq(run(args), 2);
  cr_expect(strstr(err_text, "--weights-file writes a weights file: not with --weights embed"),
            "%s", err_text);
}
