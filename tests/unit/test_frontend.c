/* frontend/: ModelProto → IR. Hostile models are built here with the generated protobuf-c
 * structs, packed, and loaded; every error message is checked word for word. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/frontend.h"
#include "model_builder.h"
#include "onnx.pb-c.h"
#include "tensor_io.h"

#define SUITE "/usr/share/libonnx-testdata/data"

static arena A;
static diag D;
static ir_graph *G;
static char tmpdir[64];

static void setup(void) {
  arena_init(&A);
  diag_init(&D);
  G = NULL;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hydra_test_fe_XXXXXX");
  cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void) {
  arena_free(&A);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  (void)!system(cmd);
}

TestSuite(frontend, .init = setup, .fini = teardown);

/* ---- a small model builder (test processes exit after each test; nothing is freed) ---- */

static Onnx__GraphProto *graph_new(const char *name) {
  Onnx__GraphProto *g = calloc(1, sizeof *g);
  onnx__graph_proto__init(g);
  g->name = (char *)name;
  return g;
}

static void model_import(Onnx__ModelProto *m, const char *domain, int64_t version) {
  Onnx__OperatorSetIdProto *o = calloc(1, sizeof *o);
  onnx__operator_set_id_proto__init(o);
  o->domain = (char *)domain;
  o->has_version = 1;
  o->version = version;
  PUSH(m->opset_import, m->n_opset_import, o);
}

static Onnx__ModelProto *model_new(int64_t opset) {
  Onnx__ModelProto *m = calloc(1, sizeof *m);
  onnx__model_proto__init(m);
  m->has_ir_version = 1;
  m->ir_version = 8;
  m->graph = graph_new("test");
  model_import(m, "", opset);
  return m;
}

static Onnx__NodeProto *add_node(Onnx__GraphProto *g, const char *op, const char *name,
                                 const char *ins, const char *outs) {
  Onnx__NodeProto *n = node_new(op, name, ins, outs);
  PUSH(g->node, g->n_node, n);
  return n;
}

/* dims: "2,N,?" (? = no value), NULL: no shape. */
static void add_input(Onnx__GraphProto *g, const char *name, int dtype, const char *dims) {
  PUSH(g->input, g->n_input, value_info(name, dtype, dims));
}

static void add_output(Onnx__GraphProto *g, const char *name) {
  Onnx__ValueInfoProto *vi = calloc(1, sizeof *vi);
  onnx__value_info_proto__init(vi);
  vi->name = (char *)name;
  PUSH(g->output, g->n_output, vi);
}

static Onnx__TensorProto *tensor_f32(const char *name, int32_t rank, const int64_t *dims,
                                     const float *vals, size_t n) {
  return tensor(name, HY_DTYPE_FLOAT, rank, dims, vals, n * sizeof(float));
}

static hy_status load_dir(Onnx__ModelProto *m, const char *dir) {
  size_t n = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(m, buf);
  return fe_load_model_bytes(&A, &D, "model.onnx", buf, n, dir, &G);
}

static hy_status load(Onnx__ModelProto *m) { return load_dir(m, NULL); }

static hy_status save_and_load(Onnx__ModelProto *m, char *path, size_t len) {
  snprintf(path, len, "%s/model.onnx", tmpdir);
  size_t n = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(m, buf);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fwrite(buf, 1, n, f);
  fclose(f);
  return fe_load_model(&A, &D, path, &G);
}

static void write_file(const char *name, const void *p, size_t n) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fwrite(p, 1, n, f);
  fclose(f);
}

#define ASSERT_ERR(call, want_status, want_msg)                                                \
  do {                                                                                         \
    cr_assert_eq((call), (want_status), "status %d: %s", (int)D.status, D.msg);               \
    cr_assert_str_eq(D.msg, (want_msg));                                                       \
  } while (0)

#define ASSERT_OK(call) cr_assert_eq((call), HY_OK, "%s", D.msg)

/* ---- models that load ---- */

Test(frontend, typed_inputs_and_outputs) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "2,N,?");
  add_input(m->graph, "u", HY_DTYPE_INT64, NULL);
  add_node(m->graph, "Identity", "id", "x", "y");
  add_output(m->graph, "y");
  add_output(m->graph, "x");
  ASSERT_OK(load(m));
  cr_assert_eq(G->opset, 13);
  cr_assert_eq(G->n_inputs, 2);
  const ir_type *t = &G->inputs[0]->type;
  cr_assert_eq(t->dtype, HY_DTYPE_FLOAT);
  cr_assert_eq(t->rank, 3);
  cr_assert_eq(t->dims[0], 2);
  cr_assert_eq(t->dims[1], -1);
  cr_assert_str_eq(t->sym[1], "N");
  cr_assert_eq(t->dims[2], -1);
  cr_assert_null(t->sym[2]);
  cr_assert_eq(G->inputs[1]->type.rank, -1);
  cr_assert_eq(G->inputs[1]->input_index, 1);
  cr_assert_eq(G->n_nodes, 1);
  cr_assert_eq(G->first->op, OP_Identity);
  cr_assert_eq(G->first->opset, 13);
  cr_assert_eq(G->first->in[0], G->inputs[0]);
  cr_assert_eq(G->n_outputs, 2);
  cr_assert_eq(G->outputs[0], G->first->out[0]);
  cr_assert_eq(G->outputs[1], G->inputs[0]);
  cr_assert_eq(G->outputs[1]->output_index, 1);
}

Test(frontend, sorts_nodes_and_names_unnamed_ones) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "a", HY_DTYPE_FLOAT, "1");
  add_node(m->graph, "Identity", "", "c", "d");
  add_node(m->graph, "Identity", "second", "b", "c");
  add_node(m->graph, "Identity", NULL, "a", "b");
  add_output(m->graph, "d");
  ASSERT_OK(load(m));
  cr_assert_str_eq(G->first->name, "Identity_2");
  cr_assert_str_eq(G->first->next->name, "second");
  cr_assert_str_eq(G->last->name, "Identity_0");
  cr_assert_eq(G->outputs[0]->producer, G->last);
}

Test(frontend, initializers_become_aligned_constants) {
  static const int64_t dims[2] = {2, 3};
  static const float vals[6] = {1, 2, 3, 4, 5, 6};
  /* raw_data at an odd address in the packed buffer must not leak into the IR */
  Onnx__ModelProto *m = model_new(13);
  PUSH(m->graph->initializer, m->graph->n_initializer, tensor_f32("w", 2, dims, vals, 6));
  add_input(m->graph, "w", HY_DTYPE_FLOAT, "2,3"); /* an initializer listed as input stays constant */
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "2,3");
  add_node(m->graph, "Identity", "id", "w", "y");
  add_output(m->graph, "y");
  ASSERT_OK(load(m));
  cr_assert_eq(G->n_inputs, 1);
  cr_assert_str_eq(G->inputs[0]->name, "x");
  ir_value *w = G->first->in[0];
  cr_assert_str_eq(w->name, "w");
  cr_assert_eq(w->type.dtype, HY_DTYPE_FLOAT);
  cr_assert_eq(w->type.rank, 2);
  cr_assert_eq(w->type.dims[1], 3);
  cr_assert_eq((uintptr_t)w->data % 16, 0);
  cr_assert_arr_eq(w->data, vals, sizeof vals);
  cr_assert_null(w->producer);
}

Test(frontend, packed_and_float8_initializers_and_inputs_load) {
  static const int64_t d5[1] = {5}, d2[1] = {2};
  static const uint8_t int4s[3] = {0x98, 0x10, 0x07}; /* -8 -7 0 1 7, padded */
  static const uint8_t f8[2] = {0x7e, 0x38};          /* 448, 1 */
  Onnx__ModelProto *m = model_new(25);
  PUSH(m->graph->initializer, m->graph->n_initializer,
       tensor("q", HY_DTYPE_INT4, 1, d5, int4s, 3));
  PUSH(m->graph->initializer, m->graph->n_initializer,
       tensor("s", HY_DTYPE_FLOAT8E4M3FN, 1, d2, f8, 2));
  add_input(m->graph, "x", HY_DTYPE_FLOAT8E5M2, "4");
  add_node(m->graph, "Cast", "c1", "q", "a");
  add_node(m->graph, "Cast", "c2", "s", "b");
  add_node(m->graph, "Cast", "c3", "x", "c");
  for (int i = 0; i < 3; i++) {
    Onnx__AttributeProto *to =
        add_attr(m->graph->node[i], "to", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    to->has_i = 1, to->i = HY_DTYPE_FLOAT;
  }
  add_output(m->graph, "a");
  add_output(m->graph, "b");
  add_output(m->graph, "c");
  ASSERT_OK(load(m));
  ir_value *q = G->first->in[0], *sv = G->first->next->in[0];
  cr_assert_eq(q->type.dtype, HY_DTYPE_INT4);
  cr_assert_eq(ir_type_bytes(&q->type), 3);
  cr_assert_arr_eq(q->data, int4s, 3);
  cr_assert_eq(sv->type.dtype, HY_DTYPE_FLOAT8E4M3FN);
  cr_assert_arr_eq(sv->data, f8, 2);
  cr_assert_eq(G->inputs[0]->type.dtype, HY_DTYPE_FLOAT8E5M2);
}

Test(frontend, omitted_optional_inputs_are_null) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Dropout", "drop", "x,,", "y,");
  add_output(m->graph, "y");
  ASSERT_OK(load(m));
  cr_assert_eq(G->first->n_in, 3);
  cr_assert_eq(G->first->in[0], G->inputs[0]);
  cr_assert_null(G->first->in[1]);
  cr_assert_null(G->first->in[2]);
  cr_assert_eq(G->first->n_out, 2);
  cr_assert_null(G->first->out[1]);
}

Test(frontend, attributes_of_every_kind) {
  static const int64_t dims[1] = {2};
  static const float tv[2] = {0.5f, -1};
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "id", "x", "y");
  Onnx__AttributeProto *a;
  a = add_attr(n, "f", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  a->has_f = 1, a->f = 1.5f;
  a = add_attr(n, "i", -1); /* no type: old models; the i field says INT */
  a->has_i = 1, a->i = -7;
  a = add_attr(n, "s", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  a->has_s = 1, a->s.data = (uint8_t *)"abc", a->s.len = 3;
  static float fs[2] = {1, 2};
  a = add_attr(n, "fs", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
  a->n_floats = 2, a->floats = fs;
  static int64_t is[3] = {3, 4, 5};
  a = add_attr(n, "is", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = 3, a->ints = is;
  static ProtobufCBinaryData ss[2] = {{1, (uint8_t *)"p"}, {2, (uint8_t *)"qr"}};
  a = add_attr(n, "ss", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
  a->n_strings = 2, a->strings = ss;
  a = add_attr(n, "t", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
  a->t = tensor_f32("", 1, dims, tv, 2);
  add_output(m->graph, "y");
  ASSERT_OK(load(m));
  const ir_node *in = G->first;
  cr_assert_eq(in->n_attrs, 7);
  cr_assert_eq(ir_attr_float(in, "f", 0), 1.5f);
  cr_assert_eq(ir_attr_int(in, "i", 0), -7);
  cr_assert_str_eq(ir_attr_string(in, "s", ""), "abc");
  const float *fv;
  const int64_t *iv;
  int32_t cnt;
  cr_assert(ir_attr_floats(in, "fs", &fv, &cnt));
  cr_assert_eq(cnt, 2);
  cr_assert_eq(fv[1], 2.0f);
  cr_assert(ir_attr_ints(in, "is", &iv, &cnt));
  cr_assert_eq(cnt, 3);
  cr_assert_eq(iv[2], 5);
  const ir_attr *sa = ir_attr_find(in, "ss");
  cr_assert_eq(sa->kind, IR_ATTR_STRINGS);
  cr_assert_str_eq(sa->strings[1], "qr");
  const ir_attr *ta = ir_attr_find(in, "t");
  cr_assert_eq(ta->kind, IR_ATTR_TENSOR);
  cr_assert_eq(ta->tensor->type.dims[0], 2);
  cr_assert_arr_eq(ta->tensor->data, tv, sizeof tv);
}

Test(frontend, graph_attributes_are_imported_with_their_parent) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "outer", "x", "y");
  Onnx__GraphProto *body = graph_new("body");
  add_node(body, "Identity", "inner", "x", "z"); /* reads the enclosing graph's x */
  add_output(body, "z");
  Onnx__AttributeProto *a = add_attr(n, "body", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);
  a->g = body;
  add_output(m->graph, "y");
  ASSERT_OK(load(m));
  const ir_attr *ga = ir_attr_find(G->first, "body");
  cr_assert_eq(ga->kind, IR_ATTR_GRAPH);
  ir_graph *sub = ga->graph;
  cr_assert_eq(sub->parent, G);
  cr_assert_str_eq(sub->name, "body");
  cr_assert_str_eq(sub->first->name, "inner");
  cr_assert_eq(sub->first->in[0], G->inputs[0]);
  cr_assert_eq(sub->outputs[0], sub->first->out[0]);
}

/* A subgraph's reads of outer names order the node that holds it after their producers. */
Test(frontend, subgraph_outer_reads_order_the_parent) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "holder", "x", "y");
  add_node(m->graph, "Identity", "late", "x", "t");
  Onnx__GraphProto *body = graph_new("body");
  add_node(body, "Identity", "inner", "t", "z");
  add_output(body, "z");
  add_attr(n, "body", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH)->g = body;
  add_output(m->graph, "y");
  ASSERT_OK(load(m));
  cr_assert_str_eq(G->first->name, "late");
  cr_assert_str_eq(G->last->name, "holder");
}

/* ---- hostile models ---- */

Test(frontend, lists_every_unsupported_op) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Foo", "a", "x", "p");
  add_node(m->graph, "Bar", "b", "p", "q");
  add_node(m->graph, "Identity", "ok", "q", "r");
  add_node(m->graph, "Bar", "c", "r", "s");
  add_output(m->graph, "s");
  ASSERT_ERR(load(m), HY_ERR_UNSUPPORTED,
             "model.onnx: unsupported ops: Foo (node 'a'), Bar (nodes 'b', 'c')");
}

Test(frontend, unsupported_ops_in_subgraphs_and_domains_are_listed_too) {
  Onnx__ModelProto *m = model_new(13);
  model_import(m, "com.example", 1);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "id", "x", "y");
  n = add_node(m->graph, "Baz", "z", "y", "w");
  n->domain = "com.example";
  Onnx__GraphProto *body = graph_new("body");
  add_node(body, "Foo", "inner", "x", "o");
  add_output(body, "o");
  add_attr(m->graph->node[0], "body", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH)->g = body;
  add_output(m->graph, "w");
  ASSERT_ERR(load(m), HY_ERR_UNSUPPORTED,
             "model.onnx: unsupported ops: Foo (node 'inner'), Baz (domain 'com.example') (node 'z')");
}

Test(frontend, refuses_a_domain_the_model_does_not_import) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Baz", "z", "x", "w")->domain = "com.example";
  add_output(m->graph, "w");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'z' (Baz): the model imports no opset of domain 'com.example'");
}

Test(frontend, takes_a_model_at_the_newest_opset_node_by_node) {
  /* Relu last changed at 14: a model at opset 28 means Relu-14, which Hydra implements. */
  Onnx__ModelProto *m = model_new(IR_NEWEST_OPSET);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Relu", "r", "x", "y");
  add_output(m->graph, "y");
  cr_assert_eq(load(m), HY_OK, "%s", D.msg);
  cr_assert_eq(G->first->version, 14);
  cr_assert_eq(G->first->opset, IR_NEWEST_OPSET);
}

Test(frontend, refuses_an_op_version_hydra_lacks_naming_it) {
  Onnx__ModelProto *m = model_new(18);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Relu", "r", "x", "y");
  add_node(m->graph, "StringNormalizer", "inf", "y", "z"); /* an op Hydra has not got at all */
  add_output(m->graph, "z");
  /* A version newer than the row's upto: the message names op, version and what Hydra has. */
  cr_assert_eq(load(m), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "StringNormalizer (node 'inf')"), "%s", D.msg);
  cr_assert_eq(ir_onnx_op_version("ReduceMean", 18), 18);
  cr_assert_eq(ir_onnx_op_version("ReduceMean", 17), 13);
  cr_assert_eq(ir_onnx_op_version("Relu", 5), 1);
  cr_assert_eq(ir_onnx_op_version("Gelu", 19), 0);
  cr_assert_eq(ir_onnx_op_version("NoSuchOp", 28), 0);
}

Test(frontend, refuses_a_node_past_the_newest_known_opset) {
  Onnx__ModelProto *m = model_new(IR_NEWEST_OPSET + 1);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Identity", "id", "x", "y");
  add_output(m->graph, "y");
  char want[256];
  snprintf(want, sizeof want, "model.onnx: unsupported ops: Identity at opset %d (Hydra knows "
           "ONNX's op versions up to opset %d) (node 'id')", IR_NEWEST_OPSET + 1, IR_NEWEST_OPSET);
  ASSERT_ERR(load(m), HY_ERR_UNSUPPORTED, want);
}

Test(frontend, refuses_an_op_before_onnx_had_it) {
  Onnx__ModelProto *m = model_new(17);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Gelu", "g", "x", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_UNSUPPORTED, "model.onnx: unsupported ops: Gelu at opset 17 (ONNX "
             "has it from opset 20) (node 'g')");
}

/* The absent-input check is one, table-driven: every op's required slots, before any hook. */
Test(frontend, refuses_an_empty_required_input_for_every_op) {
  for (int op = 1; op < OP_COUNT; op++) {
    const ir_op_info *info = ir_op_get((ir_op)op);
    if (info->domain && *info->domain) continue; /* Hydra's own (FusedMatMul): made by passes */
    for (int32_t empty = 0; empty < info->min_in; empty++) {
      Onnx__ModelProto *m = model_new(info->upto);
      add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
      Onnx__NodeProto *n = add_node(m->graph, info->name, "n", "", "y");
      for (int32_t i = 0; i < info->min_in; i++) PUSH(n->input, n->n_input, i == empty ? "" : "x");
      for (int32_t i = 1; i < info->min_out; i++) /* ops that must give several outputs (TopK) */
        PUSH(n->output, n->n_output, i == 1 ? "y1" : i == 2 ? "y2" : "y3");
      add_output(m->graph, "y");
      char want[256];
      snprintf(want, sizeof want, "model.onnx: node 'n' (%s): input %d is required by %s but is "
               "empty (absent)", info->name, empty, info->name);
      ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL, want);
      teardown();
      setup();
    }
  }
}

Test(frontend, refuses_an_element_type_hydra_lacks) {
  Onnx__ModelProto *m = model_new(21);
  add_input(m->graph, "x", 27 /* float6e2m3 */, "4");
  add_node(m->graph, "Identity", "id", "x", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_UNSUPPORTED, "model.onnx: graph input 'x' has element type 27, which "
             "Hydra does not support yet");
}

Test(frontend, refuses_default_ops_without_a_default_opset) {
  Onnx__ModelProto *m = model_new(13);
  m->opset_import[0]->domain = "com.example";
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Identity", "id", "x", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'id' (Identity): the model imports no opset of the default ONNX domain");
}

/* Training models of the suite import only ai.onnx.preview.training: their ops are listed. */
Test(frontend, lists_ops_of_unknown_domains_in_suite_models) {
  const char *p = SUITE "/node/test_adagrad/model.onnx";
  char want[512];
  snprintf(want, sizeof want, "%s: unsupported ops: Adagrad (domain 'ai.onnx.preview.training') "
           "(node 'Adagrad_0')", p);
  ASSERT_ERR(fe_load_model(&A, &D, p, &G), HY_ERR_UNSUPPORTED, want);
}

Test(frontend, refuses_an_input_nobody_defines) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "a", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Add", "x", "a,foo", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'x' (Add): input 1 'foo' is not produced by any node, initializer or "
             "graph input");
}

Test(frontend, refuses_a_subgraph_input_nobody_defines) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "a", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "holder", "a", "y");
  Onnx__GraphProto *body = graph_new("body");
  add_node(body, "Identity", "inner", "nowhere", "z");
  add_output(body, "z");
  add_attr(n, "body", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH)->g = body;
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'inner' (Identity): input 0 'nowhere' is not produced by any node, "
             "initializer or graph input");
}

Test(frontend, refuses_a_graph_output_nobody_defines) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "a", HY_DTYPE_FLOAT, "4");
  add_output(m->graph, "zz");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: graph output 'zz' is not produced by any node, initializer or graph input");
}

/* The first node only consumes the cycle; the message names a node on it. */
Test(frontend, refuses_a_cycle_naming_a_node_on_it) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Identity", "tail", "q", "out");
  add_node(m->graph, "Add", "p_node", "x,q", "p");
  add_node(m->graph, "Identity", "q_node", "p", "q");
  add_output(m->graph, "out");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: the graph has a cycle through node 'q_node' (Identity)");
}

Test(frontend, refuses_a_node_that_reads_its_own_output) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Add", "self", "x,y", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL, "model.onnx: the graph has a cycle through node 'self' (Add)");
}

Test(frontend, refuses_two_nodes_producing_one_name) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Identity", "a", "x", "y");
  add_node(m->graph, "Identity", NULL, "x", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL, "model.onnx: nodes 'a' and 'Identity_1' both produce 'y'");
}

Test(frontend, refuses_a_node_overwriting_an_input) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Identity", "a", "x", "x");
  add_output(m->graph, "x");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'a' (Identity): output 0 'x' is also a graph input or initializer");
}

Test(frontend, refuses_wrong_arity) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_node(m->graph, "Identity", "id", "x,x", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'id' (Identity): has 2 inputs, Identity takes 1 to 1");
}

Test(frontend, refuses_bad_attribute_kinds) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "id", "x", "y");
  add_attr(n, "nothing", -1);
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'id' (Identity): attribute 'nothing': kind UNDEFINED (0) is not a "
             "valid attribute kind");
}

Test(frontend, refuses_sparse_tensor_attributes) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "id", "x", "y");
  add_attr(n, "sparse", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR);
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_UNSUPPORTED,
             "model.onnx: node 'id' (Identity): attribute 'sparse': kind SPARSE_TENSOR is not supported");
}

Test(frontend, refuses_an_attribute_given_twice) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "id", "x", "y");
  add_attr(n, "k", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)->has_i = 1;
  add_attr(n, "k", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)->has_i = 1;
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL, "model.onnx: node 'id' (Identity): attribute 'k': given twice");
}

Test(frontend, refuses_initializer_dims_that_overflow) {
  static const int64_t dims[2] = {INT64_MAX / 2, 3};
  static const float v[1] = {0};
  Onnx__ModelProto *m = model_new(13);
  PUSH(m->graph->initializer, m->graph->n_initializer, tensor_f32("w", 2, dims, v, 1));
  add_node(m->graph, "Identity", "id", "w", "y");
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: initializer 'w': dims [4611686018427387903,3]: element count overflows 64 bits");
}

Test(frontend, refuses_attribute_tensors_of_the_wrong_size) {
  static const int64_t dims[1] = {3};
  static const float v[2] = {0};
  Onnx__ModelProto *m = model_new(13);
  Onnx__NodeProto *n = add_node(m->graph, "Constant", "c", "", "y");
  add_attr(n, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR)->t = tensor_f32("", 1, dims, v, 2);
  add_output(m->graph, "y");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL,
             "model.onnx: node 'c' (Constant): attribute 'value': raw_data holds 8 bytes but dims [3] "
             "of float need 12");
}

Test(frontend, refuses_negative_input_dims) {
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4,5");
  m->graph->input[0]->type->tensor_type->shape->dim[1]->dim_value = -5;
  add_output(m->graph, "x");
  ASSERT_ERR(load(m), HY_ERR_INVALID_MODEL, "model.onnx: graph input 'x': dimension 1 is -5");
}

Test(frontend, refuses_garbage_and_truncated_files) {
  const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  ASSERT_ERR(fe_load_model_bytes(&A, &D, "model.onnx", junk, sizeof junk, NULL, &G),
             HY_ERR_INVALID_MODEL,
             "model.onnx: not an ONNX model (protobuf parse failed: truncated or garbage)");
  Onnx__ModelProto *m = model_new(13);
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "4");
  add_output(m->graph, "x");
  size_t n = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(n);
  onnx__model_proto__pack(m, buf);
  diag_init(&D);
  ASSERT_ERR(fe_load_model_bytes(&A, &D, "model.onnx", buf, n - 3, NULL, &G), HY_ERR_INVALID_MODEL,
             "model.onnx: not an ONNX model (protobuf parse failed: truncated or garbage)");
}

/* ---- external data ---- */

static Onnx__ModelProto *external_model(const char *location, const char *offset, const char *length) {
  static const int64_t dims[1] = {4};
  Onnx__ModelProto *m = model_new(13);
  Onnx__TensorProto *t = tensor_f32("w", 1, dims, NULL, 0);
  t->has_raw_data = 0;
  t->has_data_location = 1;
  t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  const char *kv[3][2] = {{"location", location}, {"offset", offset}, {"length", length}};
  for (int i = 0; i < 3; i++) {
    if (!kv[i][1]) continue;
    Onnx__StringStringEntryProto *e = calloc(1, sizeof *e);
    onnx__string_string_entry_proto__init(e);
    e->key = (char *)kv[i][0];
    e->value = (char *)kv[i][1];
    PUSH(t->external_data, t->n_external_data, e);
  }
  PUSH(m->graph->initializer, m->graph->n_initializer, t);
  add_node(m->graph, "Identity", "id", "w", "y");
  add_output(m->graph, "y");
  return m;
}

Test(frontend, loads_external_data_from_the_models_folder) {
  float data[6] = {9, 1, 2, 3, 4, 9};
  write_file("weights.bin", data, sizeof data);
  char path[256];
  ASSERT_OK(save_and_load(external_model("weights.bin", "4", "16"), path, sizeof path));
  ir_value *w = G->first->in[0];
  cr_assert_eq((uintptr_t)w->data % 16, 0);
  cr_assert_arr_eq(w->data, data + 1, 16);
}

Test(frontend, refuses_external_data_leaving_the_folder) {
  char path[256], want[512];
  ASSERT_ERR(save_and_load(external_model("../x", NULL, NULL), path, sizeof path),
             HY_ERR_INVALID_MODEL, (snprintf(want, sizeof want, "%s: initializer 'w': external data "
                                             "location '../x' leaves the model's folder", path), want));
  diag_init(&D);
  ASSERT_ERR(save_and_load(external_model("sub/../../x", NULL, NULL), path, sizeof path),
             HY_ERR_INVALID_MODEL, (snprintf(want, sizeof want, "%s: initializer 'w': external data "
                                             "location 'sub/../../x' leaves the model's folder", path), want));
  diag_init(&D);
  ASSERT_ERR(save_and_load(external_model("/etc/passwd", NULL, NULL), path, sizeof path),
             HY_ERR_INVALID_MODEL, (snprintf(want, sizeof want, "%s: initializer 'w': external data "
                                             "location '/etc/passwd' leaves the model's folder", path), want));
}

Test(frontend, refuses_a_symlink_leaving_the_folder) {
  char link[256], path[256], want[512];
  snprintf(link, sizeof link, "%s/escape.bin", tmpdir);
  cr_assert_eq(symlink("/etc/hostname", link), 0);
  ASSERT_ERR(save_and_load(external_model("escape.bin", NULL, NULL), path, sizeof path),
             HY_ERR_INVALID_MODEL, (snprintf(want, sizeof want, "%s: initializer 'w': external data "
                                             "location 'escape.bin' leaves the model's folder", path), want));
}

Test(frontend, refuses_external_data_past_the_end) {
  float data[3] = {1, 2, 3};
  write_file("short.bin", data, sizeof data);
  char path[256], want[512];
  ASSERT_ERR(save_and_load(external_model("short.bin", "8", "16"), path, sizeof path),
             HY_ERR_INVALID_MODEL, (snprintf(want, sizeof want, "%s: initializer 'w': external data "
                                             "reads past the end of 'short.bin' (offset 8 + length 16 > size 12)", path), want));
  /* without a length the rest of the file is read, and its size must match the dims */
  diag_init(&D);
  ASSERT_ERR(save_and_load(external_model("short.bin", NULL, NULL), path, sizeof path),
             HY_ERR_INVALID_MODEL, (snprintf(want, sizeof want, "%s: initializer 'w': raw_data holds "
                                             "12 bytes but dims [4] of float need 16", path), want));
}

Test(frontend, refuses_external_data_without_a_folder) {
  ASSERT_ERR(load(external_model("weights.bin", NULL, NULL)), HY_ERR_INVALID_MODEL,
             "model.onnx: initializer 'w': external data 'weights.bin' but the model was given "
             "without a folder");
}

/* ---- real models of the ONNX suite ---- */

Test(frontend, loads_the_suite_add_model) {
  hy_status s = fe_load_model(&A, &D, SUITE "/node/test_add/model.onnx", &G);
  if (ir_op_lookup("", "Add") == OP_UNKNOWN) { /* the elementwise ops may not be in yet */
    cr_assert_eq(s, HY_ERR_UNSUPPORTED);
    cr_assert_str_eq(D.msg, SUITE "/node/test_add/model.onnx: unsupported ops: Add (node 'Add_0')");
    return;
  }
  ASSERT_OK(s);
  cr_assert_eq(G->n_inputs, 2);
  cr_assert_eq(G->first->op, OP_Add);
  cr_assert_eq(G->first->in[1], G->inputs[1]);
  hy_tensor t;
  char err[1024];
  cr_assert_eq(pb_tensor_read(SUITE "/node/test_add/test_data_set_0/input_1.pb", &t, NULL, err,
                              sizeof err), HY_OK, "%s", err);
  cr_assert_eq(t.rank, G->inputs[1]->type.rank);
  for (int i = 0; i < t.rank; i++) cr_assert_eq(t.dims[i], G->inputs[1]->type.dims[i]);
  pb_tensor_free(&t);
}

Test(frontend, loads_a_pytorch_converted_model) {
  ASSERT_OK(fe_load_model(&A, &D, SUITE "/pytorch-converted/test_PixelShuffle/model.onnx", &G));
  cr_assert_eq(G->opset, 6);
  cr_assert_eq(G->n_nodes, 5);
  cr_assert_eq(G->n_inputs, 1);
  cr_assert_str_eq(G->first->name, "Constant_0");
  cr_assert_eq(G->first->op, OP_Constant);
  const ir_attr *v = ir_attr_find(G->first, "value");
  cr_assert_eq(v->kind, IR_ATTR_TENSOR);
  cr_assert_eq(v->tensor->type.dtype, HY_DTYPE_INT64);
  const int64_t want[6] = {1, 1, 3, 3, 4, 4};
  cr_assert_arr_eq(v->tensor->data, want, sizeof want);
  cr_assert_eq(G->last->op, OP_Reshape);
  cr_assert_eq(G->outputs[0], G->last->out[0]);
  hy_tensor t;
  char err[1024];
  cr_assert_eq(pb_tensor_read(SUITE "/pytorch-converted/test_PixelShuffle/test_data_set_0/input_0.pb",
                              &t, NULL, err, sizeof err), HY_OK, "%s", err);
  cr_assert_eq(t.rank, 4);
  for (int i = 0; i < 4; i++) cr_assert_eq(t.dims[i], G->inputs[0]->type.dims[i]);
  pb_tensor_free(&t);
}

/* Fault injection (Lua's ltests habit): the N-th arena allocation fails, for every N; the import
 * must end with HY_ERR_OUT_OF_MEMORY (never a crash or a half graph reported as fine). */
static void fail_every_allocation(const void *bytes, size_t len, const char *path) {
  int64_t n;
  bool loaded = false;
  for (n = 0; n < 100000 && !loaded; n++) {
    arena a;
    diag d;
    ir_graph *g = NULL;
    arena_init(&a);
    diag_init(&d);
    a.fail_after = n;
    hy_status s = path ? fe_load_model(&a, &d, path, &g)
                       : fe_load_model_bytes(&a, &d, "model.onnx", bytes, len, NULL, &g);
    if (s == HY_OK) {
      cr_assert_not_null(g);
      loaded = true;
    } else {
      cr_assert_eq(s, HY_ERR_OUT_OF_MEMORY, "allocation %lld: %s", (long long)n, d.msg);
    }
    arena_free(&a);
  }
  cr_assert(loaded);
  cr_assert_gt(n, 10); /* the injection really hit allocations */
}

Test(frontend, every_allocation_failure_is_reported) {
  fail_every_allocation(NULL, 0, SUITE "/pytorch-converted/test_PixelShuffle/model.onnx");
  /* a model with every attribute kind, a subgraph and an initializer */
  static const int64_t dims[1] = {2};
  static const float tv[2] = {0.5f, -1};
  static int64_t is[3] = {3, 4, 5};
  static ProtobufCBinaryData ss[2] = {{1, (uint8_t *)"p"}, {2, (uint8_t *)"qr"}};
  Onnx__ModelProto *m = model_new(13);
  PUSH(m->graph->initializer, m->graph->n_initializer, tensor_f32("w", 1, dims, tv, 2));
  add_input(m->graph, "x", HY_DTYPE_FLOAT, "N,2");
  add_node(m->graph, "Identity", NULL, "t", "y");
  Onnx__NodeProto *n = add_node(m->graph, "Identity", "holder", "x", "t");
  add_attr(n, "t", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR)->t = tensor_f32("", 1, dims, tv, 2);
  Onnx__AttributeProto *a = add_attr(n, "is", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = 3, a->ints = is;
  a = add_attr(n, "ss", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
  a->n_strings = 2, a->strings = ss;
  Onnx__GraphProto *body = graph_new("body");
  add_node(body, "Identity", "inner", "w", "z");
  add_output(body, "z");
  add_attr(n, "body", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH)->g = body;
  add_output(m->graph, "y");
  size_t len = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(len);
  onnx__model_proto__pack(m, buf);
  fail_every_allocation(buf, len, NULL);
}
