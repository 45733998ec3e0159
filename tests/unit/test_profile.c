/* Per-node profiling: a JIT compiled with a cg_profile times every node and still computes the
 * same result; `hydrac bench --profile` prints the time per op type and the slowest nodes. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "frontend/frontend.h"
#include "hydra/hydra.h"
#include "passes/passes.h"

#define SUITE "/usr/share/libonnx-testdata/data/node/"

/* A model of the suite through the frontend and every pass. */
static ir_graph *load_passes(arena *a, diag *d, const char *model) {
  ir_graph *g = NULL;
  cr_assert_eq(fe_load_model(a, d, model, &g), HY_OK, "%s", d->msg);
  cr_assert_eq(pass_run_all(g, NULL, 0), HY_OK, "%s", d->msg);
  return g;
}

Test(profile, jit_times_each_node_and_computes_the_same) {
  arena a;
  diag d;
  arena_init(&a);
  diag_init(&d);
  ir_graph *g = load_passes(&a, &d, SUITE "test_add/model.onnx");
  double ns[8] = {0};
  cg_profile p = {.n_nodes = g->n_nodes, .ns = ns, .thread_cpu_time = true};
  cg_jit *j;
  cr_assert_eq(cg_jit_compile_profiled(g, "m", NULL, &p, &j), HY_OK, "%s", d.msg);
  const hy_model *m = cg_jit_model(j);
  float x[60], y[60], z[60];
  for (int i = 0; i < 60; i++) x[i] = (float)i, y[i] = 0.5f * (float)i;
  const void *in[] = {x, y};
  void *out[] = {z};
  hy_session *s;
  cr_assert_eq(hy_session_create(m, NULL, &s), HY_OK);
  for (int r = 0; r < 3; r++) cr_assert_eq(hy_session_run(s, in, out), HY_OK);
  for (int i = 0; i < 60; i++) cr_expect_eq(z[i], 1.5f * (float)i);
  cr_expect_eq(g->n_nodes, 1);
  cr_expect_gt(ns[0], 0, "the Add node's time was not recorded");
  cr_expect_lt(ns[0], 1e9, "%g ns for three tiny Adds", ns[0]);
  hy_session_destroy(s);
  cg_jit_free(j);
  arena_free(&a);
}

/* hydrac is beside the test's build folder (../hydrac) or named by $HYDRAC. */
static void hydrac_path(char *buf, size_t n) {
  const char *env = getenv("HYDRAC");
  if (env) {
    snprintf(buf, n, "%s", env);
    return;
  }
  char self[4096];
  ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
  cr_assert_gt(k, 0);
  self[k] = '\0';
  snprintf(buf, n, "%s/../hydrac", dirname(self));
}

Test(profile, bench_profile_prints_op_table_then_percentiles) {
  char exe[4096], cmd[8192], out[16384];
  hydrac_path(exe, sizeof exe);
  snprintf(cmd, sizeof cmd, "'%s' bench " SUITE "test_erf/model.onnx --iters 3 --profile", exe);
  FILE *f = popen(cmd, "r");
  cr_assert_not_null(f);
  size_t len = fread(out, 1, sizeof out - 1, f);
  out[len] = '\0';
  cr_assert_eq(pclose(f), 0, "%s", out);
  cr_expect(strstr(out, "profile: 3 runs"), "%s", out);
  cr_expect(strstr(out, "Erf"), "%s", out);
  cr_expect(strstr(out, "hy_kernel_unary"), "%s", out);
  cr_expect(strstr(out, "slowest nodes:"), "%s", out);
  const char *last = strstr(out, "median_ms=");
  cr_assert_not_null(last, "%s", out);
  cr_expect_null(strchr(strchr(last, '\n') + 1, '\n'), "percentiles are not the last line: %s",
                 out);
}
