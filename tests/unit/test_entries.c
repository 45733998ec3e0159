/* Entries: a model with a shared trunk and three heads compiled with named entries. Each entry's
 * cone holds what its outputs need and nothing else; bad entries are refused with messages
 * naming them; an output an entry computes without filling it lives in the arena; the JIT and
 * object code run each entry (one and two threads) to the default entry's values; the session
 * names an unknown entry; an entry's value-dependent output gets its actual shape. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "ir/entry.h"
#include "model_builder.h"
#include "run/run_model.h"

static char path[64];

/* x, z: float[2,3]. t = Relu(x) ("trunk"); ya = Neg(t); yb = Abs(Exp(t)); yz = Sqrt(z).
 * Outputs ya, yb, yz and t itself (which the heads also read). */
static void write_heads_model(void) {
  Onnx__ModelProto *m = mb_model(13);
  Onnx__GraphProto *g = m->graph;
  PUSH(g->input, g->n_input, value_info("x", HY_DTYPE_FLOAT, "2,3"));
  PUSH(g->input, g->n_input, value_info("z", HY_DTYPE_FLOAT, "2,3"));
  PUSH(g->node, g->n_node, node_new("Relu", "trunk", "x", "t"));
  PUSH(g->node, g->n_node, node_new("Neg", "head_a", "t", "ya"));
  PUSH(g->node, g->n_node, node_new("Exp", "head_b1", "t", "hb"));
  PUSH(g->node, g->n_node, node_new("Abs", "head_b2", "hb", "yb"));
  PUSH(g->node, g->n_node, node_new("Sqrt", "head_z", "z", "yz"));
  const char *outs[] = {"ya", "yb", "yz", "t"};
  for (int i = 0; i < 4; i++)
    PUSH(g->output, g->n_output, value_info(outs[i], HY_DTYPE_FLOAT, "2,3"));
  cr_assert(mb_write(m, path));
}

static void setup(void) {
  /* the heads as written: chain fusion would make head_b one node (test_fuse_elementwise.c) */
  setenv("HYDRA_SKIP_FUSION", "fuse_elementwise", 1);
  strcpy(path, "/tmp/hydra_entries_XXXXXX");
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  write_heads_model();
}
static void teardown(void) { unlink(path); }
TestSuite(entries, .init = setup, .fini = teardown);

typedef struct unit {
  arena a;
  diag d;
  ir_graph *g;
} unit;

static const hc_entry_spec k_entries[] = {{"a", "ya"}, {"bz", "yb,yz"}};

/* The model compiled with the entries e[0..n); the status of hc_compile_graph_observed. */
static hy_status compile(unit *u, const hc_entry_spec *e, int32_t n) {
  arena_init(&u->a);
  diag_init(&u->d);
  return hc_compile_graph_observed(&u->a, &u->d, path, NULL, 0, e, n, NULL, &u->g);
}

/* The names of the cone's nodes in order, space-separated. */
static const char *cone_nodes(const ir_graph *g, const ir_cone *c, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = '\0';
  for (const ir_node *x = g->first; x; x = x->next)
    if (c->node[x->id]) k += (size_t)snprintf(buf + k, n - k, "%s%s", k ? " " : "", x->name);
  return buf;
}

Test(entries, the_cone_holds_what_the_outputs_need) {
  unit u;
  cr_assert_eq(compile(&u, k_entries, 2), HY_OK, "%s", u.d.msg);
  cr_assert_eq(u.g->n_entries, 2);
  ir_cone c;
  char buf[256];
  cr_assert_eq(ir_entry_cone(u.g, ir_entry_find(u.g, "a"), &c), HY_OK);
  cr_expect_str_eq(cone_nodes(u.g, &c, buf, sizeof buf), "trunk head_a");
  cr_expect_eq(c.n_nodes, 2);
  cr_expect(c.input[0] && !c.input[1] && c.n_inputs == 1);
  cr_assert_eq(ir_entry_cone(u.g, ir_entry_find(u.g, "bz"), &c), HY_OK);
  cr_expect_str_eq(cone_nodes(u.g, &c, buf, sizeof buf), "trunk head_b1 head_b2 head_z");
  cr_expect(c.input[0] && c.input[1] && c.n_inputs == 2);
  cr_assert_eq(ir_entry_cone(u.g, NULL, &c), HY_OK);
  cr_expect_eq(c.n_nodes, 5);
  cr_expect_null(ir_entry_find(u.g, IR_DEFAULT_ENTRY));
  arena_free(&u.a);
}

Test(entries, an_unknown_output_is_named_with_the_outputs_listed) {
  unit u;
  const hc_entry_spec e[] = {{"a", "ya,nope"}};
  cr_assert_eq(compile(&u, e, 1), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(u.d.msg, path) && strstr(u.d.msg, "entry 'a'") &&
                strstr(u.d.msg, "no output named 'nope'") &&
                strstr(u.d.msg, "(outputs: ya, yb, yz, t)"),
            "%s", u.d.msg);
  arena_free(&u.a);
}

/* The message of adding entry name with outputs to a freshly compiled unit (entries a, bz). */
static const char *add_error(const char *name, const char *outputs, char *buf, size_t n) {
  unit u;
  cr_assert_eq(compile(&u, k_entries, 2), HY_OK, "%s", u.d.msg);
  cr_expect_eq(ir_entry_add_named(u.g, name, outputs), HY_ERR_INVALID_ARGUMENT, "%s", name);
  snprintf(buf, n, "%s", u.d.msg);
  arena_free(&u.a);
  return buf;
}

Test(entries, bad_entries_are_refused_naming_them) {
  char m[DIAG_MSG_MAX];
  cr_expect(strstr(add_error("a", "yb", m, sizeof m), "entry 'a' is given twice"), "%s", m);
  cr_expect(strstr(add_error("default", "yb", m, sizeof m), "entry 'default' is the name"), "%s",
            m);
  cr_expect(strstr(add_error("c", "yb,yb", m, sizeof m), "entry 'c' lists output 'yb' twice"), "%s",
            m);
  cr_expect(strstr(add_error("", "yb", m, sizeof m), "needs a name"), "%s", m);
  cr_expect(strstr(add_error("c", "", m, sizeof m), "no output named ''"), "%s", m);
  unit u;
  cr_assert_eq(compile(&u, NULL, 0), HY_OK, "%s", u.d.msg);
  const int32_t out_of_range[] = {4};
  cr_expect_eq(ir_entry_add(u.g, "c", out_of_range, 1), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(u.d.msg, "out of range"), "%s", u.d.msg);
  arena_free(&u.a);
}

/* t is an output that entry a computes (ya needs it) without filling it: it must live in the
 * arena, for the whole run, not in the caller's buffer that a run of 'a' does not pass. */
Test(entries, an_output_an_entry_does_not_fill_lives_in_the_arena) {
  unit u;
  cr_assert_eq(compile(&u, NULL, 0), HY_OK, "%s", u.d.msg);
  cr_expect_eq(u.g->outputs[3]->mem, IR_MEM_OUTPUT);
  arena_free(&u.a);
  cr_assert_eq(compile(&u, k_entries, 2), HY_OK, "%s", u.d.msg);
  const ir_value *t = u.g->outputs[3];
  cr_expect_eq(t->mem, IR_MEM_ARENA);
  for (const ir_node *n = t->producer->next; n; n = n->next) /* nothing later overlaps it */
    for (int32_t i = 0; i < n->n_out; i++) {
      const ir_value *v = n->out[i];
      if (v->mem == IR_MEM_ARENA)
        cr_expect(v->offset >= t->offset + 64 || v->offset + 64 <= t->offset, "%s", v->name);
    }
  bool stray[64] = {false};
  cr_assert_lt(u.g->n_values, 64);
  cr_expect_eq(ir_entry_stray_outputs(u.g, stray), 1);
  cr_expect(stray[t->id]);
  arena_free(&u.a);
}

static const float k_x[6] = {-1, 2, -3, 4, 0.5f, -0.25f}, k_z[6] = {1, 4, 9, 16, 0.25f, 2};

/* The expected value of output o (0 ya, 1 yb, 2 yz, 3 t) at i. */
static float expect(int o, int i) {
  float t = k_x[i] > 0 ? k_x[i] : 0;
  return o == 0 ? -t : o == 1 ? fabsf(expf(t)) : o == 2 ? sqrtf(k_z[i]) : t;
}

static void expect_output(const float *got, int o) {
  for (int i = 0; i < 6; i++)
    cr_expect(fabsf(got[i] - expect(o, i)) <= 1e-6f * (1 + fabsf(expect(o, i))),
              "output %d [%d]: %g, expected %g", o, i, got[i], expect(o, i));
}

static void run_entries(const hy_model *m, int32_t threads) {
  hy_session_options opt = {.n_threads = threads};
  hy_session *s;
  cr_assert_eq(hy_session_create(m, &opt, &s), HY_OK);
  float ya[6] = {0}, yb[6] = {0}, yz[6] = {0}, t[6] = {0};
  const void *in_a[] = {k_x};
  void *out_a[] = {ya};
  cr_assert_eq(hy_session_run_entry(s, "a", in_a, out_a), HY_OK, "%s", hy_session_error(s));
  expect_output(ya, 0);
  hy_tensor tin[] = {{HY_DTYPE_FLOAT, 2, {2, 3}, (void *)k_x},
                     {HY_DTYPE_FLOAT, 2, {2, 3}, (void *)k_z}};
  hy_tensor tout[] = {{HY_DTYPE_FLOAT, 2, {2, 3}, yb}, {HY_DTYPE_FLOAT, 2, {2, 3}, yz}};
  cr_assert_eq(hy_session_run_entry_tensors(s, "bz", tin, 2, tout, 2), HY_OK, "%s",
               hy_session_error(s));
  expect_output(yb, 1);
  expect_output(yz, 2);
  memset(ya, 0, sizeof ya);
  memset(yb, 0, sizeof yb);
  const void *in_all[] = {k_x, k_z};
  void *out_all[] = {ya, yb, yz, t};
  cr_assert_eq(hy_session_run_entry(s, "default", in_all, out_all), HY_OK, "%s",
               hy_session_error(s));
  for (int o = 0; o < 4; o++)
    expect_output(out_all[o], o);
  cr_expect_eq(hy_session_run_entry(s, "nope", in_a, out_a), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(hy_session_error(s), "has no entry 'nope' (entries: default, a, bz)"), "%s",
            hy_session_error(s));
  cr_expect_eq(hy_session_run_entry_tensors(s, "bz", tin, 1, tout, 2), HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(hy_session_error(s), "(entry 'bz') takes 2 inputs and 2 outputs, got 1 and 2"),
            "%s", hy_session_error(s));
  hy_session_destroy(s);
}

Test(entries, jit_entries_compute_their_outputs) {
  unit u;
  cr_assert_eq(compile(&u, k_entries, 2), HY_OK, "%s", u.d.msg);
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(u.g, "heads", NULL, &j), HY_OK, "%s", u.d.msg);
  const hy_model *m = cg_jit_model(j);
  cr_assert_eq(m->n_entries, 3);
  const hy_entry_desc *d = &m->entries[0], *a = hy_model_entry(m, "a"), *bz = &m->entries[2];
  cr_expect_str_eq(d->name, "default");
  cr_expect(d->n_inputs == 2 && d->n_outputs == 4 && d->n_nodes == 5);
  cr_assert_not_null(a);
  cr_expect(a->n_inputs == 1 && a->inputs[0] == 0 && a->n_outputs == 1 && a->outputs[0] == 0);
  cr_expect_eq(a->n_nodes, 2);
  cr_expect_str_eq(bz->name, "bz");
  cr_expect(bz->n_inputs == 2 && bz->n_outputs == 2 && bz->outputs[0] == 1 && bz->outputs[1] == 2);
  cr_expect_eq(bz->n_nodes, 4);
  cr_expect_null(hy_model_entry(m, "nope"));
  run_entries(m, 1);
  run_entries(m, 2);
  cg_jit_free(j);
  arena_free(&u.a);
}

Test(entries, run_model_returns_only_the_outputs_asked_for) {
  hy_tensor in[] = {{HY_DTYPE_FLOAT, 2, {2, 3}, (void *)k_x},
                    {HY_DTYPE_FLOAT, 2, {2, 3}, (void *)k_z}};
  hc_run_options opt = {.n_threads = 2, .outputs = "yz,ya"};
  hy_tensor *out = NULL;
  int32_t n_out = 0;
  char **names = NULL;
  diag d;
  diag_init(&d);
  cr_assert_eq(hc_run_model_named(path, in, 2, &opt, &out, &n_out, &names, &d), HY_OK, "%s", d.msg);
  cr_assert_eq(n_out, 2);
  cr_expect_str_eq(names[0], "yz");
  cr_expect_str_eq(names[1], "ya");
  expect_output(out[0].data, 2);
  expect_output(out[1].data, 0);
  hc_tensors_free(out, n_out);
  hc_names_free(names, n_out);
  opt.outputs = "yz,yq";
  diag_init(&d);
  cr_expect_eq(hc_run_model_named(path, in, 2, &opt, &out, &n_out, NULL, &d),
               HY_ERR_INVALID_ARGUMENT);
  cr_expect(strstr(d.msg, "no output named 'yq' (outputs: ya, yb, yz, t)"), "%s", d.msg);
}

static char *slurp(const char *p) {
  FILE *f = fopen(p, "rb");
  cr_assert_not_null(f);
  static char buf[16384];
  size_t k = fread(buf, 1, sizeof buf - 1, f);
  buf[k] = '\0';
  fclose(f);
  return buf;
}

Test(entries, the_header_documents_each_entry) {
  unit u;
  cr_assert_eq(compile(&u, k_entries, 2), HY_OK, "%s", u.d.msg);
  char obj[96], hdr[96];
  snprintf(obj, sizeof obj, "%s.o", path);
  snprintf(hdr, sizeof hdr, "%s.h", path);
  cr_assert_eq(cg_emit_object(u.g, "heads", NULL, CG_WEIGHTS_EMBED, obj, hdr, NULL), HY_OK, "%s",
               u.d.msg);
  const char *h = slurp(hdr);
  cr_expect(strstr(h, "/* Entry 'a': fills ya;\n * reads x;\n * runs 2 of the model's 5 nodes"), "%s",
            h);
  cr_expect(strstr(h, "static inline hy_status heads_run_a(heads_ctx *ctx,\n"
                      "    const float *x /* input \"x\": float[2,3] */,\n"
                      "    float *ya /* output \"ya\": float[2,3] */) {"),
            "%s", h);
  cr_expect(strstr(h, "hy_session_run_entry((hy_session *)ctx, \"a\", in_, out_)"), "%s", h);
  cr_expect(strstr(h, "/* Entry 'bz': fills yb, yz;\n * reads x, z;"), "%s", h);
  cr_expect(strstr(h, "heads_run_bz_tensors(heads_ctx *ctx"), "%s", h);
  cr_expect(strstr(h, "static inline hy_status heads_run_tensors("), "%s", h);
  unlink(obj);
  unlink(hdr);
  arena_free(&u.a);
}

Test(entries, entry_names_must_make_distinct_c_functions) {
  const hc_entry_spec bad[][2] = {{{"a-b", "ya"}, {"c", "yb"}},
                                  {{"tensors", "ya"}, {"c", "yb"}},
                                  {{"a", "ya"}, {"a_tensors", "yb"}}};
  const char *why[] = {"entry name 'a-b' is not a C identifier", "entry name 'tensors' would",
                       "entry name 'a_tensors' would"};
  for (int i = 0; i < 3; i++) {
    unit u;
    cr_assert_eq(compile(&u, bad[i], 2), HY_OK, "%s", u.d.msg);
    cr_expect_eq(cg_emit_object(u.g, "heads", NULL, CG_WEIGHTS_EMBED, "/tmp/unused.o", NULL, NULL),
                 HY_ERR_INVALID_ARGUMENT);
    cr_expect(strstr(u.d.msg, why[i]), "%s", u.d.msg);
    arena_free(&u.a);
  }
}

/* An entry whose output has a value-dependent shape reports its actual dims, as the default
 * entry does. x:float[6] → NonZero → nz (int64[1,<=6]); Relu → r. */
Test(entries, a_bounded_output_of_an_entry_gets_its_actual_shape) {
  Onnx__ModelProto *mp = mb_model(13);
  Onnx__GraphProto *gp = mp->graph;
  PUSH(gp->input, gp->n_input, value_info("x", HY_DTYPE_FLOAT, "6"));
  PUSH(gp->node, gp->n_node, node_new("Relu", "relu", "x", "r"));
  PUSH(gp->node, gp->n_node, node_new("NonZero", "nonzero", "x", "nz"));
  PUSH(gp->output, gp->n_output, value_info("r", HY_DTYPE_FLOAT, "6"));
  PUSH(gp->output, gp->n_output, value_info("nz", HY_DTYPE_INT64, NULL));
  cr_assert(mb_write(mp, path));
  unit u;
  const hc_entry_spec e[] = {{"nz_only", "nz"}};
  cr_assert_eq(compile(&u, e, 1), HY_OK, "%s", u.d.msg);
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(u.g, "bounded", NULL, &j), HY_OK, "%s", u.d.msg);
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), NULL, &s), HY_OK);
  float x[6] = {0, 1, 0, 2, 3, 0};
  int64_t nz[6] = {0};
  hy_tensor in = {HY_DTYPE_FLOAT, 1, {6}, x}, out = {HY_DTYPE_INT64, 2, {1, 6}, nz};
  cr_assert_eq(hy_session_run_entry_tensors(s, "nz_only", &in, 1, &out, 1), HY_OK, "%s",
               hy_session_error(s));
  cr_expect(out.rank == 2 && out.dims[0] == 1 && out.dims[1] == 3, "[%lld,%lld]",
            (long long)out.dims[0], (long long)out.dims[1]);
  cr_expect(nz[0] == 1 && nz[1] == 3 && nz[2] == 4);
  hy_session_destroy(s);
  cg_jit_free(j);
  arena_free(&u.a);
}
