/* Passes on hand-built graphs: binding shapes and symbols, constant folding of shape chains, DCE,
 * simplification around graph outputs, and the pipeline's error reporting. */
#include <criterion/criterion.h>
#include <string.h>

#include "graph_fixture.h"
#include "passes/passes.h"

static void setup(void) { graph_fixture_open("t.onnx", 16); }
TestSuite(passes, .init = setup, .fini = graph_fixture_close);

/* A value of dtype dt; dims[i] < 0 is the symbol syms[i] (or unknown when syms is NULL). */
static ir_value *val(const char *name, hy_dtype dt, int32_t rank, const int64_t *dims,
                     const char *const *syms) {
  ir_value *v = graph_fixture_value(name, dt, rank, dims);
  for (int32_t i = 0; i < rank; i++) v->type.sym[i] = syms ? syms[i] : NULL;
  return v;
}

static ir_value *input(const char *name, hy_dtype dt, int32_t rank, const int64_t *dims,
                       const char *const *syms) {
  ir_value *v = val(name, dt, rank, dims, syms);
  v->input_index = G->n_inputs;
  G->inputs[G->n_inputs++] = v;
  return v;
}

static void output(ir_value *v) {
  if (v->output_index < 0) v->output_index = G->n_outputs;
  G->outputs[G->n_outputs++] = v;
}

static ir_value *const_i64(const char *name, int32_t rank, const int64_t *dims, const int64_t *data,
                           int64_t n) {
  int64_t *copy = arena_array(&A, (size_t)n + 1, sizeof *copy);
  memcpy(copy, data, (size_t)n * sizeof *copy);
  return ir_const_new(G, name, HY_DTYPE_INT64, rank, dims, copy);
}

/* A node of ONNX op `op` (OP_UNKNOWN when Hydra has no such op: then only structure matters). */
static ir_node *node(const char *op, const char *name, ir_value **in, int32_t n_in, ir_value **out,
                     int32_t n_out) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, name, n_in, n_out);
  for (int32_t i = 0; i < n_in; i++) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++) ir_node_set_output(G, n, i, out[i]);
  return n;
}

static const int64_t d2x4[] = {2, 4};

/* ---- bind ---- */

Test(passes, bind_gives_each_symbol_one_value) {
  const int64_t dyn2[] = {-1, -1}, dyn1[] = {-1};
  const char *const s_bs[] = {"batch", "seq"}, *const s_b[] = {"batch"};
  ir_value *a = input("a", HY_DTYPE_FLOAT, 2, dyn2, s_bs);
  ir_value *b = input("b", HY_DTYPE_FLOAT, 1, dyn1, s_b);
  pass_binding bind = {.input = "a", .rank = 2, .dims = {3, 7}};
  cr_assert_eq(pass_bind_inputs(G, &bind, 1), HY_OK, "%s", D.msg);
  cr_assert(ir_type_is_static(&a->type) && a->type.dims[0] == 3 && a->type.dims[1] == 7);
  cr_assert_eq(b->type.dims[0], 3, "the unbound input takes 'batch' from the bound one");
}

Test(passes, bind_conflicting_symbol_is_an_error) {
  const int64_t dyn2[] = {-1, 4}, dyn1[] = {-1};
  const char *const s_b4[] = {"batch", NULL}, *const s_b[] = {"batch"};
  input("a", HY_DTYPE_FLOAT, 2, dyn2, s_b4);
  input("b", HY_DTYPE_FLOAT, 1, dyn1, s_b);
  pass_binding bind[] = {{.input = "a", .rank = 2, .dims = {2, 4}},
                         {.input = "b", .rank = 1, .dims = {3}}};
  cr_assert_eq(pass_bind_inputs(G, bind, 2), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "'batch'") && strstr(D.msg, "'a'") && strstr(D.msg, "'b'"), "%s", D.msg);
}

Test(passes, bind_contradicting_a_static_dim_is_an_error) {
  input("a", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  pass_binding bind = {.input = "a", .rank = 2, .dims = {2, 5}};
  cr_assert_eq(pass_bind_inputs(G, &bind, 1), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "float[2,4]") && strstr(D.msg, "[2,5]"), "%s", D.msg);
}

Test(passes, bind_rank_mismatch_is_an_error) {
  input("a", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  pass_binding bind = {.input = "a", .rank = 3, .dims = {2, 4, 1}};
  cr_assert_eq(pass_bind_inputs(G, &bind, 1), HY_ERR_SHAPE, "%s", D.msg);
}

Test(passes, bind_unknown_input_name_lists_the_inputs) {
  input("tokens", HY_DTYPE_INT64, 2, d2x4, NULL);
  pass_binding bind = {.input = "nope", .rank = 2, .dims = {2, 4}};
  cr_assert_eq(pass_bind_inputs(G, &bind, 1), HY_ERR_INVALID_ARGUMENT);
  cr_assert(strstr(D.msg, "'nope'") && strstr(D.msg, "tokens"), "%s", D.msg);
}

Test(passes, bind_unbound_symbolic_dim_is_an_error_naming_it) {
  const int64_t dyn2[] = {-1, 4};
  const char *const s_b4[] = {"batch", NULL};
  input("a", HY_DTYPE_FLOAT, 2, dyn2, s_b4);
  cr_assert_eq(pass_bind_inputs(G, NULL, 0), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "'a'") && strstr(D.msg, "batch"), "%s", D.msg);
}

Test(passes, bind_keeps_the_value_for_shape_inference) {
  const int64_t d1[] = {2};
  ir_value *s = input("shape", HY_DTYPE_INT64, 1, d1, NULL);
  static const int64_t content[] = {3, 4};
  pass_binding bind = {.input = "shape", .rank = 1, .dims = {2}, .value = content};
  cr_assert_eq(pass_bind_inputs(G, &bind, 1), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_value_known(s), content);
  cr_assert_null(s->data, "a bound input stays a run-time input");
}

/* ---- dce ---- */

Test(passes, dce_removes_what_no_output_needs) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *t1 = val("t1", HY_DTYPE_FLOAT, 2, d2x4, NULL), *y = val("y", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *t2 = val("t2", HY_DTYPE_FLOAT, 2, d2x4, NULL), *t3 = val("t3", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  node("LiveA", "a", &x, 1, &t1, 1);
  node("DeadC", "c", &x, 1, &t2, 1);
  node("LiveB", "b", &t1, 1, &y, 1);
  node("DeadD", "d", &t2, 1, &t3, 1);
  output(y);
  cr_assert_eq(pass_dce(G), HY_OK);
  cr_assert_eq(ir_verify(G, "dce"), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 2);
  cr_assert_str_eq(G->first->name, "a");
  cr_assert_str_eq(G->last->name, "b");
  cr_assert_eq(x->n_uses, 1, "the dead node's use of x is gone");
}

Test(passes, dce_keeps_a_node_with_one_used_output) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *outs[2] = {val("o0", HY_DTYPE_FLOAT, 2, d2x4, NULL), val("o1", HY_DTYPE_FLOAT, 2, d2x4, NULL)};
  node("Split2", "s", &x, 1, outs, 2);
  output(outs[1]);
  cr_assert_eq(pass_dce(G), HY_OK);
  cr_assert_eq(G->n_nodes, 1);
}

/* ---- simplify ---- */

Test(passes, simplify_removes_an_identity_chain_inside_the_graph) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *i1 = val("i1", HY_DTYPE_FLOAT, 2, d2x4, NULL), *i2 = val("i2", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *y = val("y", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  node("Identity", "id1", &x, 1, &i1, 1);
  node("Identity", "id2", &i1, 1, &i2, 1);
  ir_node *use = node("Consumer", "use", &i2, 1, &y, 1);
  output(y);
  cr_assert_eq(pass_simplify(G), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_verify(G, "simplify"), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 1);
  cr_assert_eq(use->in[0], x);
}

Test(passes, simplify_keeps_the_output_name_when_an_identity_ends_the_graph) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *t = val("t", HY_DTYPE_FLOAT, 2, d2x4, NULL), *u = val("u", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *y = val("y", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_node *p = node("Producer", "p", &x, 1, &t, 1);
  node("Identity", "id1", &t, 1, &u, 1);
  node("Identity", "id2", &u, 1, &y, 1);
  output(y);
  cr_assert_eq(pass_simplify(G), HY_OK, "%s", D.msg);
  cr_assert_eq(ir_verify(G, "simplify"), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 1);
  cr_assert_eq(G->outputs[0], y);
  cr_assert_str_eq(G->outputs[0]->name, "y");
  cr_assert_eq(p->out[0], y, "the producer writes the graph output directly");
}

Test(passes, simplify_keeps_an_identity_from_a_graph_input_to_an_output) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *y = val("y", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  node("Identity", "id", &x, 1, &y, 1);
  output(y);
  cr_assert_eq(pass_simplify(G), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 1, "the output still has its own buffer to be copied into");
  cr_assert_str_eq(G->outputs[0]->name, "y");
}

Test(passes, simplify_keeps_an_identity_between_two_outputs) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *t = val("t", HY_DTYPE_FLOAT, 2, d2x4, NULL), *y = val("y", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  node("Producer", "p", &x, 1, &t, 1);
  node("Identity", "id", &t, 1, &y, 1);
  output(t);
  output(y);
  cr_assert_eq(pass_simplify(G), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 2);
  cr_assert(G->outputs[0] == t && G->outputs[1] == y);
}

/* ---- infer / fold ---- */

/* Shape → Gather → Concat → Reshape: everything but the Reshape folds away. */
Test(passes, fold_shape_chain_into_a_constant_reshape_target) {
  const int64_t d3[] = {2, 3, 4}, d1[] = {1}, d0[] = {0};
  ir_value *x = input("x", HY_DTYPE_FLOAT, 3, d3, NULL);
  ir_value *shape = val("shape", HY_DTYPE_UNDEFINED, -1, d0, NULL);
  ir_value *first = val("first", HY_DTYPE_UNDEFINED, -1, d0, NULL);
  ir_value *target = val("target", HY_DTYPE_UNDEFINED, -1, d0, NULL);
  ir_value *y = val("y", HY_DTYPE_UNDEFINED, -1, d0, NULL);
  ir_value *idx = const_i64("idx", 1, d1, (const int64_t[]){0}, 1);
  ir_value *minus1 = const_i64("minus1", 1, d1, (const int64_t[]){-1}, 1);
  node("Shape", "shape", &x, 1, &shape, 1);
  node("Gather", "gather", (ir_value *[]){shape, idx}, 2, &first, 1);
  ir_node *concat = node("Concat", "concat", (ir_value *[]){first, minus1}, 2, &target, 1);
  concat->attrs = arena_array(&A, 1, sizeof *concat->attrs);
  concat->attrs[0] = (ir_attr){.name = "axis", .kind = IR_ATTR_INT, .i = 0};
  concat->n_attrs = 1;
  node("Reshape", "reshape", (ir_value *[]){x, target}, 2, &y, 1);
  output(y);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  cr_assert_eq(G->n_nodes, 1);
  cr_assert_str_eq(G->first->op_type, "Reshape");
  cr_assert(y->type.rank == 2 && y->type.dims[0] == 2 && y->type.dims[1] == 12);
  const ir_value *t = G->first->in[1];
  cr_assert_not_null(t->data, "the Reshape target is a folded constant");
  cr_assert(((const int64_t *)t->data)[0] == 2 && ((const int64_t *)t->data)[1] == -1);
  cr_assert_eq(G->arena_bytes, 0, "input to output: no intermediate");
  cr_assert_not_null(G->first->lowered);
}

Test(passes, fold_reports_a_kernel_error_with_the_node) {
  const int64_t d3[] = {3}, d1[] = {1}, d0[] = {0};
  ir_value *data = const_i64("data", 1, d3, (const int64_t[]){1, 2, 3}, 3);
  ir_value *idx = const_i64("idx", 1, d1, (const int64_t[]){7}, 1);
  ir_value *g = val("g", HY_DTYPE_UNDEFINED, -1, d0, NULL), *y = val("y", HY_DTYPE_UNDEFINED, -1, d0, NULL);
  ir_value *x = input("x", HY_DTYPE_INT64, 1, d1, NULL);
  node("Gather", "bad_gather", (ir_value *[]){data, idx}, 2, &g, 1);
  node("Add", "add", (ir_value *[]){g, x}, 2, &y, 1);
  output(y);
  cr_assert_neq(pass_run_all(G, NULL, 0), HY_OK);
  cr_assert(strstr(D.msg, "bad_gather"), "%s", D.msg);
}

Test(passes, infer_refuses_an_op_hydra_lacks) {
  ir_value *x = input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  ir_value *y = val("y", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  node("NoSuchOpAnywhere", "mystery", &x, 1, &y, 1);
  output(y);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "mystery") && strstr(D.msg, "NoSuchOpAnywhere"), "%s", D.msg);
}

/* ---- pipeline ---- */

Test(passes, pipeline_names_the_pass_of_an_internal_error) {
  input("x", HY_DTYPE_FLOAT, 2, d2x4, NULL);
  output(val("orphan", HY_DTYPE_FLOAT, 2, d2x4, NULL)); /* nothing produces it */
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_ERR_INTERNAL);
  cr_assert(strstr(D.msg, "pass 'bind'"), "%s", D.msg);
}

/* run binds an input's value: a shape computed from it at run time is also known to inference,
 * while the computing node stays in the model. */
Test(passes, bound_values_flow_through_nodes_to_shape_inference) {
  const int64_t d12[] = {12}, d2[] = {2}, d0[] = {0};
  ir_value *x = input("x", HY_DTYPE_FLOAT, 1, d12, NULL);
  ir_value *s = input("s", HY_DTYPE_INT64, 1, d2, NULL);
  ir_value *zero = const_i64("zero", 1, d2, (const int64_t[]){0, 0}, 2);
  ir_value *s2 = val("s2", HY_DTYPE_UNDEFINED, -1, d0, NULL), *y = val("y", HY_DTYPE_UNDEFINED, -1, d0, NULL);
  node("Add", "add", (ir_value *[]){s, zero}, 2, &s2, 1);
  node("Reshape", "reshape", (ir_value *[]){x, s2}, 2, &y, 1);
  output(y);
  static const int64_t content[] = {3, 4};
  pass_binding b[] = {{.input = "x", .rank = 1, .dims = {12}}, {.input = "s", .rank = 1, .dims = {2}, .value = content}};
  cr_assert_eq(pass_run_all(G, b, 2), HY_OK, "%s", D.msg);
  cr_assert(y->type.rank == 2 && y->type.dims[0] == 3 && y->type.dims[1] == 4);
  cr_assert_eq(G->n_nodes, 2, "the Add still runs: its input is a run-time input");
  cr_assert_null(s2->data);
}
