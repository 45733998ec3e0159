/* Merging models (frontend/merge.c): small hand-written models merged into one unit — inputs
 * unified by name or --bind, clashing outputs and inner names prefixed, each node naming its own
 * file, opsets per model, an entry per model — and, end to end, the merged unit computing each
 * model's outputs with the shared work done once, and each model's entry only its own work. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_builder.h"
#include "ir/entry.h"
#include "run/run_model.h"

static const int64_t k_wdims[2] = {3, 3};
static const float k_w[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const float k_w_other[9] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static char g_dir[64];

static const char *path_of(const char *file) {
  static char buf[8][128];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, 128, "%s/%s", g_dir, file);
  return p;
}

/* FILE: y = OP(MatMul(in, W)) with in float[dims], W an initializer named "W" (nodes "mm" and
 * "act"), at opset; the output is named out. */
static const char *write_model(const char *file, int64_t opset, const char *in, const char *dims,
                               const float *w, const char *op, const char *out) {
  Onnx__ModelProto *m = mb_model(opset);
  Onnx__GraphProto *g = m->graph;
  PUSH(g->input, g->n_input, value_info(in, HY_DTYPE_FLOAT, dims));
  PUSH(g->initializer, g->n_initializer, tensor("W", HY_DTYPE_FLOAT, 2, k_wdims, w, sizeof k_w));
  char *ins = malloc(strlen(in) + 3);
  sprintf(ins, "%s,W", in);
  PUSH(g->node, g->n_node, node_new("MatMul", "mm", ins, "h"));
  PUSH(g->node, g->n_node, node_new(op, "act", "h", out));
  PUSH(g->output, g->n_output, value_info(out, HY_DTYPE_FLOAT, NULL));
  const char *path = path_of(file);
  cr_assert(mb_write(m, path));
  return path;
}

static void setup(void) {
  strcpy(g_dir, "/tmp/hydra_merge_XXXXXX");
  cr_assert(mkdtemp(g_dir));
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  cr_expect_eq(system(cmd), 0);
}

typedef struct unit {
  arena a;
  diag d;
  ir_graph *g;
} unit;

/* Loads the models (paths[i], named names[i] or by stem when NULL) with the binds. */
static hy_status load(unit *u, int n, const char *const *paths, const char *const *names,
                      int n_binds, const char *const *binds) {
  fe_model_ref refs[4];
  for (int i = 0; i < n; i++)
    refs[i] = (fe_model_ref){paths[i], names ? names[i] : NULL};
  fe_models m = {refs, n, binds, n_binds};
  arena_init(&u->a);
  diag_init(&u->d);
  return fe_load_models(&u->a, &u->d, &m, &u->g);
}

static ir_node *node_named(const ir_graph *g, const char *name) {
  for (ir_node *n = g->first; n; n = n->next)
    if (!strcmp(n->name, name)) return n;
  return NULL;
}

static ir_value *value_named(const ir_graph *g, const char *name) {
  for (int32_t i = 0; i < g->n_values; i++)
    if (!strcmp(g->values[i]->name, name)) return g->values[i];
  return NULL;
}

TestSuite(merge, .init = setup, .fini = teardown);

Test(merge, same_inputs_are_one_and_clashing_names_get_the_model_prefix) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 13, "x", "2,3", k_w_other, "Sigmoid", "y")};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 0, NULL), HY_OK, "%s", u.d.msg);
  ir_graph *g = u.g;
  cr_assert_eq(g->n_inputs, 1);
  cr_expect_str_eq(g->inputs[0]->name, "x");
  cr_assert_eq(g->n_outputs, 2);
  cr_expect_str_eq(g->outputs[0]->name, "a/y");
  cr_expect_str_eq(g->outputs[1]->name, "b/y");
  cr_assert_eq(g->n_sources, 2);
  cr_expect_str_eq(g->sources[0].name, "a");
  cr_expect_str_eq(g->sources[0].file, p[0]);
  cr_expect_eq(g->sources[0].first_output, 0);
  cr_expect_eq(g->sources[0].n_outputs, 1);
  cr_expect_str_eq(g->sources[1].name, "b");
  cr_expect_eq(g->sources[1].first_output, 1);
  cr_expect_eq(g->sources[1].n_outputs, 1);
  /* both models read the one input; b's initializer, intermediate and nodes are renamed */
  cr_expect_eq(g->inputs[0]->n_uses, 2);
  ir_value *wa = value_named(g, "W"), *wb = value_named(g, "b/W");
  cr_assert(wa && wb);
  cr_expect_eq(((const float *)wa->data)[0], 1.0f);
  cr_expect_eq(((const float *)wb->data)[0], 9.0f);
  cr_expect(value_named(g, "h") && value_named(g, "b/h"));
  ir_node *ma = node_named(g, "mm"), *mb = node_named(g, "b/mm");
  cr_assert(ma && mb && node_named(g, "act") && node_named(g, "b/act"));
  /* opsets stay per model: Relu at 14, Sigmoid at 13 */
  cr_expect_eq(node_named(g, "act")->opset, 14);
  cr_expect_eq(node_named(g, "b/act")->opset, 13);
  cr_expect_eq(g->n_nodes, 4);
  for (int32_t i = 0; i < g->n_values; i++)
    cr_expect_eq(g->values[i]->id, i);
  arena_free(&u.a);
}

Test(merge, a_node_error_names_the_nodes_own_file) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 14, "x", "2,3", k_w, "Relu", "z")};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 0, NULL), HY_OK, "%s", u.d.msg);
  ir_node *n = node_named(u.g, "b/mm");
  cr_assert(n);
  ir_node_error(u.g, n, HY_ERR_SHAPE, "bad");
  char want[256];
  snprintf(want, sizeof want, "%s: node 'b/mm' (MatMul): bad", p[1]);
  cr_expect_str_eq(u.d.msg, want);
  /* distinct output names are kept as they are */
  cr_expect_str_eq(u.g->outputs[0]->name, "y");
  cr_expect_str_eq(u.g->outputs[1]->name, "z");
  arena_free(&u.a);
}

Test(merge, a_shape_error_in_the_second_model_names_its_file) {
  /* b's MatMul takes x [2,3] by a W of [4,3]: the infer pass fails there, in b */
  static const int64_t dims43[2] = {4, 3};
  static const float w12[12] = {0};
  Onnx__ModelProto *m = mb_model(14);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "2,3"));
  PUSH(m->graph->initializer, m->graph->n_initializer,
       tensor("W", HY_DTYPE_FLOAT, 2, dims43, w12, sizeof w12));
  PUSH(m->graph->node, m->graph->n_node, node_new("MatMul", "mm", "x,W", "h"));
  PUSH(m->graph->output, m->graph->n_output, value_info("h", HY_DTYPE_FLOAT, NULL));
  const char *pb = path_of("b.onnx");
  cr_assert(mb_write(m, pb));
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"), pb};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 0, NULL), HY_OK, "%s", u.d.msg);
  cr_assert_neq(pass_run_all(u.g, NULL, 0), HY_OK);
  char want[256];
  snprintf(want, sizeof want, "%s: node 'b/mm' (MatMul)", pb);
  cr_expect(!strncmp(u.d.msg, want, strlen(want)), "%s", u.d.msg);
  arena_free(&u.a);
}

Test(merge, given_names_replace_the_stems) {
  const char *p[2] = {write_model("m1.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("m2.onnx", 14, "x", "2,3", k_w, "Relu", "y")};
  const char *names[2] = {"intent", "ner"};
  unit u;
  cr_assert_eq(load(&u, 2, p, names, 0, NULL), HY_OK, "%s", u.d.msg);
  cr_expect_str_eq(u.g->outputs[0]->name, "intent/y");
  cr_expect_str_eq(u.g->outputs[1]->name, "ner/y");
  cr_expect_str_eq(u.g->name, "intent+ner");
  arena_free(&u.a);
}

Test(merge, a_differing_input_of_one_name_is_an_error_naming_both_files) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 14, "x", "4,3", k_w, "Relu", "z")};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 0, NULL), HY_ERR_INVALID_ARGUMENT);
  char want[512];
  snprintf(want, sizeof want,
           "%s and %s both have an input 'x', as float[2,3] and float[4,3]: one name is one "
           "input, so they must agree; or map b's to another input with --bind b:x=a:INPUT",
           p[0], p[1]);
  cr_expect_str_eq(u.d.msg, want);
  arena_free(&u.a);
}

Test(merge, a_bind_maps_an_input_to_another_models) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 14, "feat", "?,3", k_w, "Relu", "z")};
  const char *binds[1] = {"b:feat=a:x"};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 1, binds), HY_OK, "%s", u.d.msg);
  cr_assert_eq(u.g->n_inputs, 1);
  cr_expect_str_eq(u.g->inputs[0]->name, "x");
  cr_expect_eq(u.g->inputs[0]->n_uses, 2);
  cr_expect_null(value_named(u.g, "feat"));
  arena_free(&u.a);
}

Test(merge, a_bind_lets_an_input_of_one_name_read_another) {
  /* b's x differs from a's, so only a bind to another input of a makes the unit */
  const char *pa = path_of("a.onnx");
  Onnx__ModelProto *m = mb_model(14);
  PUSH(m->graph->input, m->graph->n_input, value_info("x", HY_DTYPE_FLOAT, "2,3"));
  PUSH(m->graph->input, m->graph->n_input, value_info("x4", HY_DTYPE_FLOAT, "4,3"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Relu", "r", "x", "y"));
  PUSH(m->graph->node, m->graph->n_node, node_new("Relu", "r4", "x4", "y4"));
  PUSH(m->graph->output, m->graph->n_output, value_info("y", HY_DTYPE_FLOAT, NULL));
  PUSH(m->graph->output, m->graph->n_output, value_info("y4", HY_DTYPE_FLOAT, NULL));
  cr_assert(mb_write(m, pa));
  const char *p[2] = {pa, write_model("b.onnx", 14, "x", "4,3", k_w, "Relu", "z")};
  const char *binds[1] = {"b:x=a:x4"};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 1, binds), HY_OK, "%s", u.d.msg);
  cr_assert_eq(u.g->n_inputs, 2);
  cr_expect_str_eq(u.g->inputs[1]->name, "x4");
  cr_expect_eq(u.g->inputs[1]->n_uses, 2);
  arena_free(&u.a);
}

static void expect_bind_error(const char *bind, const char *want_fmt) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 14, "feat", "2,4", k_w, "Relu", "z")};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 1, &bind), HY_ERR_INVALID_ARGUMENT, "%s", bind);
  char want[512];
  snprintf(want, sizeof want, want_fmt, p[1], p[0]);
  cr_expect_str_eq(u.d.msg, want);
  arena_free(&u.a);
}

Test(merge, bad_binds_are_clear_errors) {
  expect_bind_error("b:feat",
                    "--bind 'b:feat': expected MODEL:INPUT=MODEL:INPUT (b:ids=a:input_ids)");
  expect_bind_error("zz:feat=a:x",
                    "--bind 'zz:feat=a:x': no model is named 'zz' (the models are 'a', 'b')");
  expect_bind_error(
      "b:ids=a:x", "--bind 'b:ids=a:x': model 'b' (%s) has no input 'ids' (its inputs are 'feat')");
  expect_bind_error("b:feat=b:feat", "--bind 'b:feat=b:feat': both inputs are model 'b''s; a "
                                     "bind maps an input of one model to another model's");
  expect_bind_error("b:feat=a:x",
                    "--bind 'b:feat=a:x': %s's input 'feat' is float[2,4] but %s's input 'x' is "
                    "float[2,3]");
}

Test(merge, bind_specs_parse_into_four_parts) {
  fe_bind b;
  cr_assert(fe_bind_parse("b:in:0=a:input_ids", &b));
  cr_expect_eq(b.n[0], 1);
  cr_expect(!strncmp(b.s[1], "in:0", b.n[1]) && b.n[1] == 4);
  cr_expect(!strncmp(b.s[2], "a", b.n[2]) && b.n[2] == 1);
  cr_expect(!strncmp(b.s[3], "input_ids", b.n[3]) && b.n[3] == 9);
  const char *bad[] = {"", "b", "b:x", "b:x=a", "b:x=a:", ":x=a:y", "b:=a:y", "b:x=:y"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_expect(!fe_bind_parse(bad[i], &b), "'%s' parsed", bad[i]);
}

Test(merge, two_models_of_one_stem_must_be_named) {
  char d2[128];
  snprintf(d2, sizeof d2, "%s/sub", g_dir);
  cr_assert_eq(mkdir(d2, 0777), 0);
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("sub/a.onnx", 14, "x", "2,3", k_w, "Relu", "z")};
  unit u;
  cr_assert_eq(load(&u, 2, p, NULL, 0, NULL), HY_ERR_INVALID_ARGUMENT);
  char want[512];
  snprintf(want, sizeof want,
           "%s and %s are both named 'a'; name them apart with NAME=FILE (intent=%s)", p[0], p[1],
           p[1]);
  cr_expect_str_eq(u.d.msg, want);
  arena_free(&u.a);
}

/* Runs the unit of the given models on x and returns its outputs. */
static hy_tensor *run_unit(int n, const char *const *paths, const float *x, int32_t *n_out) {
  fe_model_ref refs[4];
  for (int i = 0; i < n; i++)
    refs[i] = (fe_model_ref){paths[i], NULL};
  fe_models m = {refs, n, NULL, 0};
  hy_tensor in = {HY_DTYPE_FLOAT, 2, {2, 3}, (void *)x};
  hy_tensor *out = NULL;
  diag d;
  diag_init(&d);
  cr_assert_eq(hc_run_models_named(&m, &in, 1, NULL, &out, n_out, NULL, &d), HY_OK, "%s", d.msg);
  return out;
}

/* The unit of the two models at paths (by stem) with x bound to [2,3], through every pass with
 * the entries e[0..n_e) added. */
static hy_status compile_pair(unit *u, const char *const *paths, const hc_entry_spec *e,
                              int32_t n_e) {
  fe_model_ref refs[2] = {{paths[0], NULL}, {paths[1], NULL}};
  fe_models m = {refs, 2, NULL, 0};
  arena_init(&u->a);
  diag_init(&u->d);
  pass_binding bind = {.input = "x", .rank = 2, .dims = {2, 3}};
  return hc_compile_models_observed(&u->a, &u->d, &m, &bind, 1, e, n_e, NULL, &u->g);
}

Test(merge, the_unit_computes_each_models_outputs_sharing_equal_work) {
  /* the same W under two files: after CSE one MatMul feeds both heads */
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 13, "x", "2,3", k_w, "Sigmoid", "z")};
  const float x[6] = {0.5f, -1, 2, -0.25f, 1, -3};
  int32_t na, nb, nu;
  hy_tensor *ya = run_unit(1, &p[0], x, &na), *yb = run_unit(1, &p[1], x, &nb);
  hy_tensor *yu = run_unit(2, p, x, &nu);
  cr_assert_eq(na, 1);
  cr_assert_eq(nb, 1);
  cr_assert_eq(nu, 2);
  cr_expect_eq(memcmp(yu[0].data, ya[0].data, 6 * sizeof(float)), 0);
  cr_expect_eq(memcmp(yu[1].data, yb[0].data, 6 * sizeof(float)), 0);
  hc_tensors_free(ya, na);
  hc_tensors_free(yb, nb);
  hc_tensors_free(yu, nu);

  unit u;
  cr_assert_eq(compile_pair(&u, p, NULL, 0), HY_OK, "%s", u.d.msg);
  int matmuls = 0;
  for (ir_node *n = u.g->first; n; n = n->next)
    matmuls += n->op == OP_MatMul;
  cr_expect_eq(matmuls, 1);
  cr_expect_eq(u.g->n_nodes, 3);
  arena_free(&u.a);
}

static const ir_entry *entry_named(const ir_graph *g, const char *name) {
  const ir_entry *e = ir_entry_find(g, name);
  cr_assert(e, "no entry '%s' (the unit has %d)", name, g->n_entries);
  return e;
}

Test(merge, each_model_gets_an_entry_of_its_name_computing_its_own_outputs) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 14, "x", "2,3", k_w, "Sigmoid", "z")};
  const char *names[2] = {"intent-head", "ner"}; /* '-' cannot be in a C name: '_' */
  unit u;
  cr_assert_eq(load(&u, 2, p, names, 0, NULL), HY_OK, "%s", u.d.msg);
  cr_assert_eq(u.g->n_entries, 2);
  const ir_entry *a = entry_named(u.g, "intent_head"), *b = entry_named(u.g, "ner");
  cr_assert_eq(a->n_outputs, 1);
  cr_expect_str_eq(u.g->outputs[a->outputs[0]]->name, "y");
  cr_assert_eq(b->n_outputs, 1);
  cr_expect_str_eq(u.g->outputs[b->outputs[0]]->name, "z");
  arena_free(&u.a);

  /* one model is its own default entry: nothing is added */
  cr_assert_eq(load(&u, 1, p, NULL, 0, NULL), HY_OK, "%s", u.d.msg);
  cr_expect_eq(u.g->n_entries, 0);
  arena_free(&u.a);
}

Test(merge, a_models_entry_runs_only_its_own_work) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 13, "x", "2,3", k_w, "Sigmoid", "z")};
  unit u;
  cr_assert_eq(compile_pair(&u, p, NULL, 0), HY_OK, "%s", u.d.msg);
  /* the unit: one shared MatMul, a Relu and a Sigmoid; b's entry: the MatMul and the Sigmoid */
  cr_assert_eq(u.g->n_nodes, 3);
  ir_cone c;
  cr_assert_eq(ir_entry_cone(u.g, entry_named(u.g, "b"), &c), HY_OK, "%s", u.d.msg);
  int in_cone = 0;
  for (ir_node *n = u.g->first; n; n = n->next) {
    in_cone += c.node[n->id];
    if (n->op == OP_Relu) cr_expect(!c.node[n->id], "b's entry runs a's Relu");
  }
  cr_expect_eq(in_cone, 2);
  arena_free(&u.a);
}

Test(merge, an_entry_named_like_a_model_or_two_models_of_one_c_name_are_errors) {
  const char *p[2] = {write_model("a.onnx", 14, "x", "2,3", k_w, "Relu", "y"),
                      write_model("b.onnx", 14, "x", "2,3", k_w, "Sigmoid", "z")};
  hc_entry_spec spec = {"a", "z"};
  unit u;
  cr_assert_eq(compile_pair(&u, p, &spec, 1), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(u.d.msg, "entry 'a' is given twice (each merged model has an entry of its name)"),
            "%s", u.d.msg);
  arena_free(&u.a);

  const char *clash[2] = {"head-1", "head_1"};
  cr_assert_eq(load(&u, 2, p, clash, 0, NULL), HY_ERR_INVALID_ARGUMENT);
  char want[512];
  snprintf(want, sizeof want,
           "%s: model 'head_1' would give the unit a second entry 'head_1' (another model's entry "
           "has that name); name it apart with NAME=%s",
           p[1], p[1]);
  cr_expect_str_eq(u.d.msg, want);
  arena_free(&u.a);
}
