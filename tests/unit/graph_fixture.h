/* Shared fixture of the unit tests that build IR graphs by hand: one arena, diag and graph per
 * test (open in the suite's .init, close in its .fini), a typed value constructor and the kernel
 * descriptor of a value. */
#ifndef HYDRA_TESTS_GRAPH_FIXTURE_H
#define HYDRA_TESTS_GRAPH_FIXTURE_H

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
  for (int32_t i = 0; i < rank; i++) v->type.dims[i] = dims[i];
  return v;
}

/* The kernel's descriptor of v (dtype 0 for an omitted value). */
static inline hy_tdesc graph_fixture_tdesc(const ir_value *v) {
  hy_tdesc t;
  memset(&t, 0, sizeof t);
  if (!v) return t;
  t.dtype = v->type.dtype;
  t.rank = v->type.rank;
  for (int32_t i = 0; i < t.rank; i++) t.dims[i] = v->type.dims[i];
  return t;
}

#endif
