/* Shared fixture of the unit tests that build IR graphs by hand: one arena, diag and graph per
 * test (open in the suite's .init, close in its .fini), a typed value constructor, and a node's
 * lowering and native kernel run. */
#ifndef HYDRA_TESTS_GRAPH_FIXTURE_H
#define HYDRA_TESTS_GRAPH_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static arena A;
static diag D;
static ir_graph *G;

/* A fresh graph whose messages name file; io_cap > 0 makes room for that many graph inputs and
 * outputs (tests that leave them alone pass 0). */
static inline void graph_fixture_open(const char *file, size_t io_cap) {
  arena_init(&A);
  diag_init(&D);
  G = ir_graph_new(&A, &D, file);
  if (io_cap) {
    G->inputs = arena_array(&A, io_cap, sizeof *G->inputs);
    G->outputs = arena_array(&A, io_cap, sizeof *G->outputs);
  }
}
static inline void graph_fixture_close(void) { arena_free(&A); }

/* A value of G with a static type. */
static inline ir_value *graph_fixture_value(const char *name, hy_dtype dt, int32_t rank,
                                            const int64_t *dims) {
  ir_value *v = ir_value_new(G, name);
  v->type.dtype = dt;
  v->type.rank = rank;
  for (int32_t i = 0; i < rank; i++)
    v->type.dims[i] = dims[i];
  return v;
}

/* A graph input of G with a static type (graph_fixture_open made room for it). */
static inline ir_value *graph_fixture_input(const char *name, hy_dtype dt, int32_t rank,
                                            const int64_t *dims) {
  ir_value *v = graph_fixture_value(name, dt, rank, dims);
  v->input_index = G->n_inputs;
  G->inputs[G->n_inputs++] = v;
  return v;
}

/* v becomes G's next graph output. */
static inline void graph_fixture_output(ir_value *v) {
  v->output_index = G->n_outputs;
  G->outputs[G->n_outputs++] = v;
}

/* out = type(a) or type(a, b) (b NULL), out typed like a (for elementwise ops). */
static inline ir_value *graph_fixture_op(const char *type, const char *out, ir_value *a,
                                         ir_value *b) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", type), type, NULL, b ? 2 : 1, 1);
  ir_node_set_input(G, n, 0, a);
  if (b) ir_node_set_input(G, n, 1, b);
  ir_node_set_output(G, n, 0, graph_fixture_value(out, a->type.dtype, a->type.rank, a->type.dims));
  return n->out[0];
}

/* ---- running a node natively: its lowering, then its kernel ---- */

/* Runs ranges in uneven chunks, in reverse order, so kernels that assume one range fail. */
static inline void graph_fixture_chunky_for(void *user, int64_t n, hy_range_fn fn, void *arg) {
  (void)user;
  int64_t step = n / 3 + 1;
  for (int64_t b = ((n - 1) / step) * step; b >= 0; b -= step)
    fn(arg, b, b + step < n ? b + step : n);
}

/* The kernel's view of a value (all zero for an omitted one). */
static inline hy_tdesc graph_fixture_tdesc(const ir_value *v) {
  hy_tdesc t;
  memset(&t, 0, sizeof t);
  if (!v) return t;
  t.dtype = v->type.dtype;
  t.rank = v->type.rank;
  for (int32_t i = 0; i < t.rank; i++)
    t.dims[i] = v->type.dims[i];
  return t;
}

/* Lowers n (already inferred) and runs its kernel on four chunky threads with the scratch the
 * lowering asked for. *lowered gets the lowering's status; returns the kernel's. */
static inline hy_status graph_fixture_kernel(ir_node *n, const void *const *in, void *const *out,
                                             hy_status *lowered) {
  static const hy_exec ex = {.n_threads = 4, .parallel_for = graph_fixture_chunky_for};
  ir_lowered l;
  memset(&l, 0, sizeof l);
  *lowered = ir_op_get(n->op)->lower(G, n, &l);
  if (*lowered != HY_OK || n->n_in > 8 || n->n_out > 8) return HY_ERR_INTERNAL;
  hy_tdesc ti[8], to[8];
  for (int32_t i = 0; i < n->n_in; i++)
    ti[i] = graph_fixture_tdesc(n->in[i]);
  for (int32_t i = 0; i < n->n_out; i++)
    to[i] = graph_fixture_tdesc(n->out[i]);
  hy_kparams p = {n->n_in, n->n_out, l.n_ints, l.n_floats, ti, to, l.ints, l.floats};
  void *scratch = l.scratch_bytes ? malloc((size_t)l.scratch_bytes) : NULL;
  hy_status s = hy_kernel_table[l.kernel](&p, in, out, scratch, &ex);
  free(scratch);
  return s;
}

/* A value with content data (NULL: known only at run time; the test passes its data to run),
 * and T(dtype, data, dims...) to write one inline. */
static inline ir_value *graph_fixture_tensor(hy_dtype dt, int32_t rank, const int64_t *dims,
                                             const void *data) {
  ir_value *v = graph_fixture_value("v", dt, rank, dims);
  v->data = data;
  return v;
}
#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define NDIMS(...) (int32_t)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
#define T(dt, data, ...) graph_fixture_tensor(dt, NDIMS(__VA_ARGS__), DIMS(__VA_ARGS__), data)

#endif
