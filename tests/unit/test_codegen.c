/* Codegen: a hand-built graph (input → copy → arena → copy → output, plus outputs that are a
 * constant, a graph input and a repeated value) JIT-compiled and run through a session, and the
 * same graph written as an object file and header. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "hydra/gemm.h"
#include "hydra/model.h"
#include "model_builder.h"
#include "run/run_model.h"

typedef struct fixture {
  arena a;
  diag d;
  ir_graph *g;
} fixture;

static const float k_const[2] = {7.0f, 8.0f};

static ir_value *fvalue(ir_graph *g, const char *name, int32_t rank, const int64_t *dims) {
  ir_value *v = ir_value_new(g, name);
  v->type.dtype = HY_DTYPE_FLOAT;
  v->type.rank = rank;
  for (int32_t i = 0; i < rank; i++) v->type.dims[i] = dims[i];
  return v;
}

static void add_copy(ir_graph *g, ir_value *in, ir_value *out) {
  ir_node *n = ir_node_new(g, OP_UNKNOWN, "Identity", NULL, 1, 1);
  ir_node_set_input(g, n, 0, in);
  ir_node_set_output(g, n, 0, out);
  out->producer = n;
  n->lowered = arena_alloc(g->a, sizeof *n->lowered);
  n->lowered->kernel = HY_KERNEL_copy;
}

/* outputs: y (computed), y again, the constant c, the input x. */
static void build(fixture *f) {
  arena_init(&f->a);
  diag_init(&f->d);
  ir_graph *g = f->g = ir_graph_new(&f->a, &f->d, "hand.onnx");
  const int64_t dims[2] = {2, 3}, cdims[1] = {2};
  ir_value *x = fvalue(g, "in.x", 2, dims), *t = fvalue(g, "t", 2, dims);
  ir_value *y = fvalue(g, "y", 2, dims);
  ir_value *c = ir_const_new(g, "c", HY_DTYPE_FLOAT, 1, cdims, k_const);
  x->input_index = 0;
  x->mem = IR_MEM_INPUT;
  t->mem = IR_MEM_ARENA;
  t->offset = 64;
  y->output_index = 0;
  y->mem = IR_MEM_OUTPUT;
  add_copy(g, x, t);
  add_copy(g, t, y);
  g->inputs = arena_array(g->a, 1, sizeof *g->inputs);
  g->inputs[0] = x;
  g->n_inputs = 1;
  g->outputs = arena_array(g->a, 4, sizeof *g->outputs);
  g->outputs[0] = y;
  g->outputs[1] = y;
  g->outputs[2] = c;
  g->outputs[3] = x;
  g->n_outputs = 4;
  g->arena_bytes = 128;
}

static void run_and_check(const hy_model *m, int32_t n_threads) {
  hy_session_options opt = {.n_threads = n_threads};
  hy_session *s;
  cr_assert_eq(hy_session_create(m, &opt, &s), HY_OK);
  float x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {0}, y2[6] = {0}, c[2] = {0}, x2[6] = {0};
  const void *in[1] = {x};
  void *out[4] = {y, y2, c, x2};
  cr_assert_eq(hy_session_run(s, in, out), HY_OK, "%s", hy_session_error(s));
  for (int i = 0; i < 6; i++) {
    cr_expect_eq(y[i], x[i]);
    cr_expect_eq(y2[i], x[i]);
    cr_expect_eq(x2[i], x[i]);
  }
  cr_expect_eq(c[0], 7.0f);
  cr_expect_eq(c[1], 8.0f);
  hy_session_destroy(s);
}

Test(codegen, jit_runs_copy_graph) {
  fixture f;
  build(&f);
  cg_jit *j;
  hy_status st = cg_jit_compile(f.g, "hand model", NULL, &j);
  cr_assert_eq(st, HY_OK, "%s", f.d.msg);
  const hy_model *m = cg_jit_model(j);
  cr_assert_not_null(m);
  cr_expect_eq(m->abi, HY_MODEL_ABI);
  cr_expect_str_eq(m->name, "hand model");
  cr_expect_eq(m->n_inputs, 1);
  cr_expect_eq(m->n_outputs, 4);
  cr_expect_eq(m->arena_bytes, 128);
  cr_expect_str_eq(m->inputs[0].name, "in.x");
  cr_expect_eq(m->inputs[0].dtype, HY_DTYPE_FLOAT);
  cr_expect_eq(m->inputs[0].rank, 2);
  cr_expect_eq(m->inputs[0].dims[1], 3);
  cr_expect_eq(m->outputs[2].rank, 1);
  cr_expect_eq(m->outputs[2].dims[0], 2);
  run_and_check(m, 1);
  run_and_check(m, 3);
  cg_jit_free(j);
  arena_free(&f.a);
}

/* The conformance runner compiles many models in one process. */
Test(codegen, repeated_jit_compiles) {
  for (int i = 0; i < 20; i++) {
    fixture f;
    build(&f);
    cg_jit *j;
    cr_assert_eq(cg_jit_compile(f.g, "m", NULL, &j), HY_OK, "%s", f.d.msg);
    run_and_check(cg_jit_model(j), 1);
    cg_jit_free(j);
    arena_free(&f.a);
  }
}

Test(codegen, unlowered_node_is_an_error) {
  fixture f;
  build(&f);
  f.g->first->lowered = NULL;
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(f.g, "m", NULL, &j), HY_ERR_INTERNAL);
  cr_expect_null(j);
  cr_expect(strstr(f.d.msg, "not lowered"), "%s", f.d.msg);
  arena_free(&f.a);
}

static char *read_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = 0;
  fclose(fp);
  return buf;
}

Test(codegen, object_and_header) {
  fixture f;
  build(&f);
  char dir[] = "/tmp/hydra_cg_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char obj[128], hdr[128];
  snprintf(obj, sizeof obj, "%s/hand.o", dir);
  snprintf(hdr, sizeof hdr, "%s/hand.h", dir);
  hy_status st = cg_emit_object(f.g, "hand", NULL, CG_WEIGHTS_EMBED, obj, hdr, NULL);
  cr_assert_eq(st, HY_OK, "%s", f.d.msg);
  struct stat sb;
  cr_assert_eq(stat(obj, &sb), 0);
  cr_expect_gt(sb.st_size, 0);
  const char *h = read_file(hdr);
  cr_assert_not_null(h);
  cr_expect(strstr(h, "extern const hy_model hand_model;"), "%s", h);
  cr_expect(strstr(h, "hand_run(hand_ctx *ctx,\n    const float *in_x"), "%s", h);
  cr_expect(strstr(h, "float *y /* output"), "%s", h);
  cr_expect(strstr(h, "float *y_2 /* output"), "%s", h);
  cr_expect(strstr(h, "hand_run_tensors(hand_ctx *ctx"), "%s", h);
  unlink(obj);
  unlink(hdr);
  rmdir(dir);
  arena_free(&f.a);
}

/* --weights: the model's constants larger than a cache line go to the file, after its header;
 * the fixture's 8-byte constant and w's copy stay in the object. */
Test(codegen, weights_file) {
  fixture f;
  build(&f);
  static float w_data[32];
  for (int i = 0; i < 32; i++) w_data[i] = (float)i * 0.5f;
  const int64_t wd[1] = {32};
  ir_value *w = ir_const_new(f.g, "w", HY_DTYPE_FLOAT, 1, wd, w_data);
  ir_value *wy = fvalue(f.g, "wy", 1, wd);
  w->from_model = true;
  wy->mem = IR_MEM_ARENA;
  wy->offset = 0;
  add_copy(f.g, w, wy); /* a node reads w: it is the model's, 128 bytes */
  char dir[] = "/tmp/hydra_cg_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char obj[128], wts[128];
  snprintf(obj, sizeof obj, "%s/hand.o", dir);
  snprintf(wts, sizeof wts, "%s/hand.weights", dir);
  hy_status st = cg_emit_object(f.g, "hand", NULL, CG_WEIGHTS_FILE, obj, NULL, wts);
  cr_assert_eq(st, HY_OK, "%s", f.d.msg);
  FILE *fp = fopen(wts, "rb");
  cr_assert_not_null(fp);
  uint8_t got[512];
  size_t n = fread(got, 1, sizeof got, fp);
  fclose(fp);
  hy_weights_header h;
  cr_assert_geq(n, sizeof h);
  memcpy(&h, got, sizeof h);
  cr_expect_eq(memcmp(h.magic, HY_WEIGHTS_MAGIC, 8), 0);
  cr_expect_eq(h.bytes, (uint64_t)n);
  cr_expect_eq(n, sizeof h + sizeof w_data); /* w alone, right after the header */
  cr_expect_eq(memcmp(got + sizeof h, w_data, sizeof w_data), 0);
  cr_expect_neq(h.fingerprint, 0u);
  unlink(obj);
  unlink(wts);
  rmdir(dir);
  arena_free(&f.a);
}

Test(codegen, name_must_be_c_identifier) {
  fixture f;
  build(&f);
  cr_expect_eq(cg_emit_object(f.g, "9 bad", NULL, CG_WEIGHTS_EMBED, "/tmp/x.o", NULL, NULL),
               HY_ERR_INVALID_ARGUMENT);
  arena_free(&f.a);
}

/* ---- run-time errors name the node; models of many nodes compile in bounded parts ---- */

/* relu_0 .. relu_{n-1} chained on float[4], then Gather(chain, idx) named 'Gather_12'. Written
 * to path; idx int64[1] is a run-time input (nothing folds it). */
static void chain_then_gather(const char *path, int n_relu) {
  Onnx__ModelProto *m = mb_model(13);
  Onnx__GraphProto *g = m->graph;
  PUSH(g->input, g->n_input, value_info("t0", HY_DTYPE_FLOAT, "4"));
  PUSH(g->input, g->n_input, value_info("idx", HY_DTYPE_INT64, "1"));
  char name[64], in[64], out[64];
  for (int i = 0; i < n_relu; i++) {
    snprintf(name, sizeof name, "relu_%d", i);
    snprintf(in, sizeof in, "t%d", i);
    snprintf(out, sizeof out, "t%d", i + 1);
    PUSH(g->node, g->n_node, node_new("Relu", strdup(name), strdup(in), strdup(out)));
  }
  snprintf(in, sizeof in, "t%d,idx", n_relu);
  PUSH(g->node, g->n_node, node_new("Gather", "Gather_12", strdup(in), "y"));
  PUSH(g->output, g->n_output, value_info("y", HY_DTYPE_FLOAT, "1"));
  cr_assert(mb_write(m, path));
}

static void run_gather(int n_relu, int64_t index, hy_status want, const char *want_msg) {
  char path[] = "/tmp/hydra_cg_gather_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  chain_then_gather(path, n_relu);
  arena a;
  diag d;
  arena_init(&a);
  diag_init(&d);
  pass_binding b[2] = {{.input = "t0", .rank = 1, .dims = {4}}, {.input = "idx", .rank = 1, .dims = {1}}};
  ir_graph *g;
  setenv("HYDRA_SKIP_FUSION", "fuse_elementwise", 1); /* the chain stays n_relu nodes for codegen */
  cr_assert_eq(hc_compile_graph(&a, &d, path, b, 2, &g), HY_OK, "%s", d.msg);
  unsetenv("HYDRA_SKIP_FUSION");
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(g, "chain", NULL, &j), HY_OK, "%s", d.msg);
  const hy_model *m = cg_jit_model(j);
  cr_expect_eq(m->n_nodes, n_relu + 1);
  hy_session *s;
  cr_assert_eq(hy_session_create(m, NULL, &s), HY_OK);
  float x[4] = {-1, 2, -3, 4}, y[1] = {0};
  const void *ins[2] = {x, &index};
  void *outs[1] = {y};
  cr_expect_eq(hy_session_run(s, ins, outs), want, "%s", hy_session_error(s));
  if (want == HY_OK) cr_expect_eq(y[0], x[index] > 0 ? x[index] : 0);
  else {
    char full[512]; /* the message starts with the model's file, like the compiler's errors */
    snprintf(full, sizeof full, "%s: %s", path, want_msg);
    cr_expect_str_eq(hy_session_error(s), full);
  }
  hy_session_destroy(s);
  cg_jit_free(j);
  arena_free(&a);
  unlink(path);
}

Test(codegen, a_run_time_fault_names_the_node) {
  run_gather(2, 3, HY_OK, NULL);
  /* the file, the node and what the kernel found, as a compile-time error would say them */
  run_gather(2, 5000, HY_ERR_SHAPE,
             "node 'Gather_12' (Gather): index 5000 is out of range for axis 0 of size 4");
}

/* 600 nodes compile as three parts of at most 256 calls; the failing node is named from the
 * last part, and a good run goes through all of them. */
Test(codegen, a_long_chain_runs_in_parts_and_names_its_node) {
  run_gather(600, 1, HY_OK, NULL);
  run_gather(600, -5000, HY_ERR_SHAPE,
             "node 'Gather_12' (Gather): index -5000 is out of range for axis 0 of size 4");
}

/* Issue 8's size check: 30,000 nodes in 118 parts compile and run (about 7 s here, linear in
 * the node count; 100,000 take about 3.5 times as long, docs/reliability.md), and the output is
 * the chain's. */
Test(codegen, a_30000_node_chain_compiles_and_runs, .timeout = 120) {
  run_gather(30000, 2, HY_OK, NULL);
}

/* The GEMM family follows the target's own feature list, never the host's. */
Test(codegen, gemm_family_follows_the_target_features) {
  cr_expect_eq(cg_gemm_isa("x86_64-pc-linux-gnu", "+sse2,+avx2,+fma,+avx512f"), HY_GEMM_ISA_AVX512);
  cr_expect_eq(cg_gemm_isa("x86_64-pc-linux-gnu", "+avx2,+fma,-avx512f"), HY_GEMM_ISA_AVX2);
  cr_expect_eq(cg_gemm_isa("x86_64-pc-linux-gnu", "+avx512f,-avx512f,+avx2"), HY_GEMM_ISA_PORTABLE);
  cr_expect_eq(cg_gemm_isa("x86_64-unknown-linux-gnu", ""), HY_GEMM_ISA_PORTABLE);
  cr_expect_eq(cg_gemm_isa("i686-pc-linux-gnu", "+avx2,+fma"), HY_GEMM_ISA_AVX2);
  cr_expect_eq(cg_gemm_isa("aarch64-linux-gnu", "+neon,+avx512f"), HY_GEMM_ISA_PORTABLE);
  cr_expect_eq(cg_gemm_isa("x86_64-pc-linux-gnu", "+avx512fp16"), HY_GEMM_ISA_PORTABLE);
}
