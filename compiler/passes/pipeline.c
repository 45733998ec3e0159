/* The pipeline: bind → dce → infer/fold → simplify → cse → fusions (GELU, LayerNorm, then GEMM
 * epilogues, which take the Gelu nodes the first makes, then elementwise chains of what is left)
 * → Transposes of GEMM rows folded into the GEMMs → dce → layout → lower → plan, ir_verify after
 * each pass. An internal error always says which pass it came from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes/pass_internal.h"

typedef struct pass_def {
  const char *name;
  hy_status (*run)(ir_graph *g);
} pass_def;

/* DCE runs first too: dead nodes need no shapes (and may not have any). */
static const pass_def pass_list[] = {
    {"dce", pass_dce},       {"infer", pass_infer_shapes}, {"simplify", pass_simplify},
    {"cse", pass_cse},       {"fuse_attention", pass_fuse_attention},
    {"fuse_gelu", pass_fuse_gelu}, {"fuse_layernorm", pass_fuse_layernorm},
    {"fuse_epilogue", pass_fuse_epilogue}, {"fuse_elementwise", pass_fuse_elementwise},
    {"fold_transpose", pass_fold_transpose},
    {"dce", pass_dce},       {"layout", pass_layout},      {"lower", pass_lower},
    {"memplan", pass_plan_memory},
};

/* Prefixes "internal error in pass 'x': " to an internal error's message (first error kept). */
static void name_pass(diag *d, const char *pass) {
  if (d->status != HY_ERR_INTERNAL || strstr(d->msg, "internal error in pass")) return;
  char prefix[128];
  int n = snprintf(prefix, sizeof prefix, "internal error in pass '%s': ", pass);
  size_t plen = n > 0 && (size_t)n < sizeof prefix ? (size_t)n : 0;
  size_t keep = strnlen(d->msg, sizeof d->msg - 1);
  if (keep + plen >= sizeof d->msg) keep = sizeof d->msg - 1 - plen;
  memmove(d->msg + plen, d->msg, keep);
  memcpy(d->msg, prefix, plen);
  d->msg[plen + keep] = '\0';
}

/* The pass's status, with a diagnostic guaranteed (a failing pass without one is a bug). */
static hy_status after_pass(ir_graph *g, const char *pass, hy_status s) {
  if (s != HY_OK && !diag_failed(g->d))
    diag_error(g->d, HY_ERR_INTERNAL, "%s: pass failed with %s but gave no message", g->file,
               hy_status_name(s));
  if (s == HY_OK && !diag_failed(g->d)) s = ir_verify(g, pass);
  if (s == HY_OK && diag_failed(g->d)) s = g->d->status; /* an error recorded, OK returned */
  if (s != HY_OK) name_pass(g->d, pass);
  return s != HY_OK ? g->d->status : HY_OK;
}

/* HYDRA_SKIP_FUSION=fuse_attention[,fuse_gelu...] leaves those fusions out, to measure what one
 * gains in the same build (docs/profiling.md); only fuse_* and fold_transpose can be left out
 * (the others are needed for correctness or codegen). */
static bool skipped(const char *pass) {
  const char *list = getenv("HYDRA_SKIP_FUSION");
  size_t n = strlen(pass);
  if (!list || (strncmp(pass, "fuse_", 5) && strcmp(pass, "fold_transpose"))) return false;
  for (const char *p = strstr(list, pass); p; p = strstr(p + 1, pass))
    if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ',')) return true;
  return false;
}

const char *pass_name(size_t i) {
  if (i == 0) return "bind";
  return i <= sizeof pass_list / sizeof pass_list[0] ? pass_list[i - 1].name : NULL;
}

static void observe(const pass_observer *obs, const ir_graph *g, const char *pass, bool after) {
  if (obs && obs->fn) obs->fn(obs->user, g, pass, after);
}

hy_status pass_run_observed(ir_graph *g, const pass_binding *b, int32_t n,
                            const pass_observer *obs) {
  if (diag_failed(g->d)) return g->d->status;
  observe(obs, g, "bind", false);
  if (after_pass(g, "bind", pass_bind_inputs(g, b, n)) != HY_OK) return g->d->status;
  observe(obs, g, "bind", true);
  for (size_t i = 0; i < sizeof pass_list / sizeof pass_list[0]; i++) {
    if (skipped(pass_list[i].name)) continue;
    observe(obs, g, pass_list[i].name, false);
    if (after_pass(g, pass_list[i].name, pass_list[i].run(g)) != HY_OK) return g->d->status;
    observe(obs, g, pass_list[i].name, true);
  }
  return HY_OK;
}

hy_status pass_run_all(ir_graph *g, const pass_binding *b, int32_t n) {
  return pass_run_observed(g, b, n, NULL);
}
