/* Shared by the unit tests that run single nodes through their hooks and native kernels
 * (test_nn.c, test_nn_new.c, test_llm_ops.c): building and running a node, attribute setters, a
 * parallel_for that splits ranges unevenly and in reverse, operand descriptors, comparisons and
 * deterministic data. */
#ifndef HYDRA_TESTS_NODE_FIXTURE_H
#define HYDRA_TESTS_NODE_FIXTURE_H

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "graph_fixture.h"

static inline void attr_i(ir_node *n, const char *name, int64_t v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}
static inline void attr_f(ir_node *n, const char *name, float v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_FLOAT, .f = v};
}
static inline void attr_s(ir_node *n, const char *name, const char *s) {
  n->attrs[n->n_attrs++] =
      (ir_attr){.name = name, .kind = IR_ATTR_STRING, .s = s, .s_len = strlen(s)};
}
static inline void attr_ints(ir_node *n, const char *name, const int64_t *v, int32_t cnt) {
  int64_t *copy = arena_array(&A, (size_t)cnt + 1, sizeof *copy);
  memcpy(copy, v, (size_t)cnt * sizeof *v);
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INTS, .ints = copy, .n = cnt};
}

/* A node of op (its version at opset) with n_in input slots (NULL: omitted) and n_out outputs,
 * named n1, with room for 12 attributes. */
static inline ir_node *fixture_node(const char *op, int opset, ir_value **in, int32_t n_in,
                                    int32_t n_out) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, "n1", n_in, n_out);
  cr_assert(n->op != OP_UNKNOWN, "op %s is in the table", op);
  n->opset = opset;
  n->version = ir_onnx_op_version(op, opset);
  for (int32_t i = 0; i < n_in; i++)
    if (in[i]) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++)
    ir_node_set_output(G, n, i, ir_value_new(G, "y"));
  n->attrs = arena_array(&A, 12, sizeof *n->attrs);
  return n;
}

/* Infers and lowers n (both must succeed) and runs its kernel; the kernel's status. */
static inline hy_status fixture_run_status(ir_node *n, const void *const *in, void *const *out) {
  cr_assert_eq(ir_op_get(n->op)->infer(G, n), HY_OK, "infer: %s", D.msg);
  hy_status lowered, s = graph_fixture_kernel(n, in, out, &lowered);
  cr_assert_eq(lowered, HY_OK, "lower: %s", D.msg);
  return s;
}

/* Runs ranges in uneven chunks, in reverse order, so kernels that assume one range fail. */
static inline void chunky_for(void *user, int64_t n, hy_range_fn fn, void *arg) {
  (void)user;
  int64_t step = n / 3 + 1;
  for (int64_t b = ((n - 1) / step) * step; b >= 0; b -= step)
    fn(arg, b, b + step < n ? b + step : n);
}
static const hy_exec EX = {.n_threads = 4, .parallel_for = chunky_for};

static inline hy_tdesc tdesc_of(const ir_value *v) {
  hy_tdesc t;
  memset(&t, 0, sizeof t);
  if (!v) return t;
  t.dtype = v->type.dtype;
  t.rank = v->type.rank;
  for (int32_t i = 0; i < t.rank; i++)
    t.dims[i] = v->type.dims[i];
  return t;
}

static inline void assert_close(double got, double want, double tol, const char *what, int64_t i) {
  cr_assert(fabs(got - want) <= tol * (1 + fabs(want)), "%s[%lld]: got %.9g, expected %.9g", what,
            (long long)i, got, want);
}

static inline void assert_dims(const ir_value *v, int32_t rank, const int64_t *dims) {
  cr_assert_eq(v->type.rank, rank, "rank %d, expected %d", v->type.rank, rank);
  for (int32_t i = 0; i < rank; i++)
    cr_assert_eq(v->type.dims[i], dims[i], "dim %d: %lld, expected %lld", i,
                 (long long)v->type.dims[i], (long long)dims[i]);
}

static inline void fill(float *x, int64_t n, uint32_t seed) {
  for (int64_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)((seed >> 8) % 2001) / 250.0f - 4.0f;
  }
}

#endif
