/* Attention fusion on hand-built graphs: each exporter's pattern (torch 1.13's BERT with its
 * additive mask, ViT without one, torch 2's scaled-dot-product decomposition, a Where mask)
 * becomes one Attention node computing what the unfused graph computes; near misses (the
 * probabilities read elsewhere, a per-key scale, a mask of another shape) stay and are counted. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "graph_fixture.h"
#include "hydra/hydra.h"
#include "ir_text.h"
#include "passes/passes.h"

#define NB 2 /* batch */
#define NS 5 /* sequence */
#define NH 2 /* heads */
#define ND 4 /* head size */
#define NE (NH * ND)

/* The graph the builders below add to (G, or the unfused twin). */
static ir_graph *B;

static void setup(void) {
  graph_fixture_open("t.onnx", 4);
  G->opset = 14;
}
TestSuite(fuse_attention, .init = setup, .fini = graph_fixture_close);

typedef enum variant {
  BERT,         /* Div after the scores, additive (1 - m) * -10000 mask, K by Transpose(0,2,3,1) */
  VIT,          /* Mul by 1/sqrt(D), no mask, K by Transpose(0,2,1,3) then (0,1,3,2) */
  SDPA,         /* torch 2's decomposition: Q and K^T (a 3-D transpose between Reshapes) each
                   scaled by sqrt(1/sqrt(D)), a bool mask made additive by Where(m, 0, -inf),
                   the probabilities of fully masked rows zeroed by Where(IsNaN(p), 0, p) */
  WHERE_MASK,   /* Where(cond, scores, -inf) */
  PROBS_READ,   /* near miss: the probabilities are a graph output too */
  VECTOR_SCALE, /* near miss: a per-key scale */
  MASK_PER_ROW, /* near miss: the mask is [B,1,S,1] */
  /* GPT-style causal masks on the BERT layout (Mul by 1/sqrt(D) after the scores) */
  CAUSAL_WHERE,   /* Where(const upper triangle, -inf, scores), torch's masked_fill(tri == 0) */
  CAUSAL_TRILU,   /* Where(Trilu(ones), scores, -inf) (Trilu k=0, lower) */
  CAUSAL_ADD_PAD, /* Add of a constant [S,S] 0/-inf lower triangle, then the additive padding */
  TRILU_K1,       /* Trilu k=1: one diagonal more, not causal: an explicit mask */
  TRILU_UPPER,    /* Trilu upper=1: not causal: an explicit mask */
  /* nn.MultiheadAttention: packed in_proj [S,B,3E] sliced in three, heads folded into the
   * batch ([S,B*H,D] then Transpose 1,0,2), a bool key padding mask made additive */
  MHA_TORCH1,     /* torch 1.13: 3-D scores, K by Transpose(1,2,0), mask [B*H,1,S] */
  MHA_TORCH2,     /* torch 2: 4-D views of the 3-D heads, K^T by Transpose(0,2,1) between
                     Reshapes, sqrt scales on Q and K, mask [B,H,1,S], merge by Transpose
                     (2,0,1,3) */
  MHA_PROBS_READ, /* near miss: MHA_TORCH1 whose probabilities are read twice */
  MHA_CAUSAL_PAD, /* MHA_TORCH1 with torch 1.13's merged masks: Where(padding, -inf, causal) */
  MHA2_CAUSAL_PAD, /* MHA_TORCH2 with torch 2's merged masks: [B*H,S,S] causal + padding,
                      viewed as [B,H,S,S] */
} variant;

static ir_value *value(const char *name, hy_dtype dt, int32_t rank, const int64_t *dims) {
  ir_value *v = ir_value_new(B, name);
  v->type.dtype = dt;
  v->type.rank = rank;
  for (int32_t i = 0; i < rank; i++) v->type.dims[i] = dims[i];
  return v;
}

static ir_value *input(const char *name, hy_dtype dt, int32_t rank, const int64_t *dims) {
  ir_value *v = value(name, dt, rank, dims);
  v->input_index = B->n_inputs;
  B->inputs[B->n_inputs++] = v;
  return v;
}

static void output(ir_value *v) {
  v->output_index = B->n_outputs;
  B->outputs[B->n_outputs++] = v;
}

/* A float constant: n values base, base + step, ... (or pseudo-random ones when step is NAN). */
static ir_value *fconst(int32_t rank, const int64_t *dims, float base, float step) {
  int64_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= dims[i];
  float *p = arena_array(B->a, (size_t)n, sizeof *p);
  for (int64_t i = 0; i < n; i++)
    p[i] = isnan(step) ? base * (float)((i * 37 + 11) % 29 - 14) / 14.0f : base + step * (float)i;
  return ir_const_new(B, "c", HY_DTYPE_FLOAT, rank, dims, p);
}

static ir_value *iconst(int32_t n, const int64_t *vals) {
  int64_t *p = arena_array(B->a, (size_t)n, sizeof *p);
  memcpy(p, vals, (size_t)n * sizeof *p);
  const int64_t d[] = {n};
  return ir_const_new(B, "shape", HY_DTYPE_INT64, 1, d, p);
}

static ir_node *node(const char *type, ir_value *a, ir_value *b) {
  ir_node *n = ir_node_new(B, ir_op_lookup("", type), type, NULL, b ? 2 : 1, 1);
  n->version = ir_onnx_op_version(type, B->opset); /* as import sets it: Softmax-13's axis */
  ir_node_set_input(B, n, 0, a);
  if (b) ir_node_set_input(B, n, 1, b);
  ir_node_set_output(B, n, 0, ir_value_new(B, "t"));
  return n;
}
static ir_value *op(const char *type, ir_value *a, ir_value *b) { return node(type, a, b)->out[0]; }

static ir_value *transpose_n(ir_value *x, int32_t rank, const int64_t *p) {
  ir_node *n = node("Transpose", x, NULL);
  ir_attr *at = arena_array(B->a, 1, sizeof *at);
  int64_t *perm = arena_array(B->a, (size_t)rank, sizeof *perm);
  memcpy(perm, p, (size_t)rank * sizeof *perm);
  at[0] = (ir_attr){.name = "perm", .kind = IR_ATTR_INTS, .ints = perm, .n = rank};
  n->attrs = at;
  n->n_attrs = 1;
  return n->out[0];
}

static ir_value *transpose(ir_value *x, int64_t a, int64_t b, int64_t c, int64_t d) {
  return transpose_n(x, 4, DIMS(a, b, c, d));
}

static ir_value *reshape(ir_value *x, int32_t rank, const int64_t *dims) {
  return op("Reshape", x, iconst(rank, dims));
}

/* x [B,S,E] → Linear → [B,S,H,D] */
static ir_value *proj_split(ir_value *x, float w) {
  ir_value *y = op("Add", fconst(1, DIMS(NE), 0.1f * w, 0.01f),
                   op("MatMul", x, fconst(2, DIMS(NE, NE), w, NAN)));
  return reshape(y, 4, DIMS(NB, NS, NH, ND));
}

static ir_value *scalar(float f) { return fconst(0, NULL, f, 0); }

static ir_value *where(ir_value *c, ir_value *a, ir_value *b) {
  ir_node *w = ir_node_new(B, OP_Where, "Where", NULL, 3, 1);
  w->version = 16;
  ir_node_set_input(B, w, 0, c);
  ir_node_set_input(B, w, 1, a);
  ir_node_set_input(B, w, 2, b);
  ir_node_set_output(B, w, 0, ir_value_new(B, "t"));
  return w->out[0];
}

static ir_node *node_n(const char *type, int32_t n_in, ir_value *const *in, int32_t n_out) {
  ir_node *n = ir_node_new(B, ir_op_lookup("", type), type, NULL, n_in, n_out);
  n->version = ir_onnx_op_version(type, B->opset);
  for (int32_t i = 0; i < n_in; i++)
    ir_node_set_input(B, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++)
    ir_node_set_output(B, n, i, ir_value_new(B, "t"));
  return n;
}

static void set_int(ir_node *n, const char *name, int64_t v) {
  ir_attr *at = arena_array(B->a, 1, sizeof *at);
  at[0] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
  n->attrs = at;
  n->n_attrs = 1;
}

/* [S,S] bool constant: true at j <= i + k (lower) or j >= i + k (upper) */
static ir_value *triangle(int64_t k, bool upper) {
  unsigned char *p = arena_array(B->a, NS * NS, 1);
  for (int i = 0; i < NS; i++)
    for (int j = 0; j < NS; j++)
      p[i * NS + j] = upper ? j >= i + k : j <= i + k;
  return ir_const_new(B, "tri", HY_DTYPE_BOOL, 2, DIMS(NS, NS), p);
}

/* The keep-condition of a Trilu(ones [S,S], k, upper), as torch builds a causal buffer. */
static ir_value *trilu_keep(int64_t k, int64_t upper) {
  ir_value *in[2] = {fconst(2, DIMS(NS, NS), 1.0f, 0), iconst(1, DIMS(k))};
  in[1] = ir_const_new(B, "k", HY_DTYPE_INT64, 0, NULL, in[1]->data);
  ir_node *t = node_n("Trilu", 2, in, 1);
  set_int(t, "upper", upper);
  return op("Equal", t->out[0], scalar(1.0f));
}

static ir_value *where(ir_value *c, ir_value *a, ir_value *b);

/* [S,S] float constant: 0 at j <= i, -inf past it (nn.Transformer's square subsequent mask) */
static ir_value *causal_additive(void) {
  float *p = arena_array(B->a, NS * NS, sizeof *p);
  for (int i = 0; i < NS; i++)
    for (int j = 0; j < NS; j++)
      p[i * NS + j] = j <= i ? 0.0f : -INFINITY;
  return ir_const_new(B, "causal", HY_DTYPE_FLOAT, 2, DIMS(NS, NS), p);
}

/* nn.MultiheadAttention's layer as torch 1.13 or torch 2 writes it, x [S,B,E], m bool [B,S]. */
static void build_mha(variant v, ir_value *x, ir_value *m) {
  const int64_t nb = NB * NH;
  m = op("Not", m, NULL); /* True = padded, as key_padding_mask says; no row loses every key */
  ir_value *proj = op("Add", fconst(1, DIMS(3 * NE), 0.05f, 0.01f),
                      op("MatMul", x, fconst(2, DIMS(NE, 3 * NE), 0.6f, NAN)));
  ir_value *qkv[3];
  for (int i = 0; i < 3; i++) {
    ir_value *in[4] = {proj, iconst(1, DIMS(i * NE)), iconst(1, DIMS((i + 1) * NE)),
                       iconst(1, DIMS(2))};
    qkv[i] = reshape(node_n("Slice", 4, in, 1)->out[0], 3, DIMS(NS, nb, ND));
  }
  ir_value *q = transpose_n(qkv[0], 3, DIMS(1, 0, 2)), *k, *val;
  val = transpose_n(qkv[2], 3, DIMS(1, 0, 2));
  /* the padding mask, additive: -inf where padded */
  ir_value *pad = where(m, scalar(-INFINITY), scalar(0));
  ir_value *s, *mask;
  float inv = 1.0f / sqrtf((float)ND);
  if (v == MHA_TORCH2 || v == MHA2_CAUSAL_PAD) {
    q = op("Mul", reshape(q, 4, DIMS(NB, NH, NS, ND)), scalar(sqrtf(inv)));
    k = transpose_n(transpose_n(qkv[1], 3, DIMS(1, 0, 2)), 3, DIMS(0, 2, 1));
    k = op("Mul", reshape(k, 4, DIMS(NB, NH, ND, NS)), scalar(sqrtf(inv)));
    val = reshape(val, 4, DIMS(NB, NH, NS, ND));
    mask = op("Expand", reshape(pad, 4, DIMS(NB, 1, 1, NS)), iconst(4, DIMS(NB, NH, 1, NS)));
    if (v == MHA2_CAUSAL_PAD)
      mask = reshape(op("Add", reshape(causal_additive(), 3, DIMS(1, NS, NS)),
                        reshape(mask, 3, DIMS(nb, 1, NS))),
                     4, DIMS(NB, NH, NS, NS));
    s = op("Add", op("MatMul", q, k), mask);
  } else {
    q = op("Div", q, scalar(sqrtf((float)ND)));
    k = transpose_n(qkv[1], 3, DIMS(1, 2, 0));
    ir_value *mb = op("Expand", reshape(m, 4, DIMS(NB, 1, 1, NS)), iconst(4, DIMS(NB, NH, 1, NS)));
    mb = reshape(mb, 3, DIMS(nb, 1, NS));
    if (v == MHA_CAUSAL_PAD) /* masked_fill of the float causal mask by the padding */
      mask = where(mb, scalar(-INFINITY), causal_additive());
    else
      mask = where(mb, scalar(-INFINITY), scalar(0));
    s = op("Add", op("Mul", op("MatMul", q, k), scalar(1.0f)), op("Mul", mask, scalar(1.0f)));
  }
  ir_value *p = op("Softmax", s, NULL);
  ir_value *o = op("MatMul", p, val);
  if (v == MHA_TORCH2 || v == MHA2_CAUSAL_PAD)
    o = transpose(o, 2, 0, 1, 3);
  else
    o = transpose_n(o, 3, DIMS(1, 0, 2));
  ir_value *y = reshape(o, 2, DIMS(NS * NB, NE));
  output(op("MatMul", y, fconst(2, DIMS(NE, NE), 0.4f, NAN)));
  if (v == MHA_PROBS_READ) output(p);
}

/* One attention layer of the given variant into B; inputs x [B,S,E] and m (the mask's input). */
static void build(ir_graph *g, variant v) {
  B = g;
  if (v >= MHA_TORCH1) {
    ir_value *xs = input("x", HY_DTYPE_FLOAT, 3, DIMS(NS, NB, NE));
    build_mha(v, xs, input("m", HY_DTYPE_BOOL, 2, DIMS(NB, NS)));
    return;
  }
  ir_value *x = input("x", HY_DTYPE_FLOAT, 3, DIMS(NB, NS, NE));
  ir_value *m = NULL;
  if (v == WHERE_MASK || v == SDPA)
    m = input("m", HY_DTYPE_BOOL, 4, DIMS(NB, 1, 1, NS));
  else if (v == BERT || v == MASK_PER_ROW || v == CAUSAL_ADD_PAD)
    m = input("m", HY_DTYPE_FLOAT, 2, DIMS(NB, NS));
  ir_value *q = transpose(proj_split(x, 0.5f), 0, 2, 1, 3);
  ir_value *k = proj_split(x, 0.7f);
  ir_value *val = transpose(proj_split(x, 0.3f), 0, 2, 1, 3);
  if (v == VIT)
    k = transpose(transpose(k, 0, 2, 1, 3), 0, 1, 3, 2);
  else if (v == SDPA)
    k = reshape(transpose_n(reshape(transpose(k, 0, 2, 1, 3), 3, DIMS(NB * NH, NS, ND)), 3,
                            DIMS(0, 2, 1)),
                4, DIMS(NB, NH, ND, NS));
  else
    k = transpose(k, 0, 2, 3, 1);
  float inv = 1.0f / sqrtf((float)ND);
  if (v == SDPA) {
    q = op("Mul", q, scalar(sqrtf(inv)));
    k = op("Mul", k, scalar(sqrtf(inv)));
  }
  ir_value *s = op("MatMul", q, k);
  if (v == VIT)
    s = op("Mul", scalar(inv), s);
  else if (v == VECTOR_SCALE)
    s = op("Mul", s, fconst(1, DIMS(NS), inv, 0.01f));
  else if (v != SDPA)
    s = op("Div", s, scalar(sqrtf((float)ND)));
  if (v == BERT || v == MASK_PER_ROW) {
    const int64_t *shape = v == BERT ? DIMS(NB, 1, 1, NS) : DIMS(NB, 1, NS, 1);
    ir_value *add = op("Mul", op("Sub", scalar(1), reshape(m, 4, shape)), scalar(-10000.0f));
    s = op("Add", s, add);
  } else if (v == WHERE_MASK) {
    s = where(m, s, scalar(-INFINITY));
  } else if (v == SDPA) {
    s = op("Add", s, where(m, scalar(0), scalar(-INFINITY)));
  } else if (v == CAUSAL_WHERE) {
    s = where(triangle(1, true), scalar(-INFINITY), s);
  } else if (v == CAUSAL_TRILU || v == TRILU_K1 || v == TRILU_UPPER) {
    s = where(trilu_keep(v == TRILU_K1, v == TRILU_UPPER), s, scalar(-INFINITY));
  } else if (v == CAUSAL_ADD_PAD) {
    ir_value *pad =
        op("Mul", op("Sub", scalar(1), reshape(m, 4, DIMS(NB, 1, 1, NS))), scalar(-10000.0f));
    s = op("Add", op("Add", s, causal_additive()), pad);
  }
  ir_value *p = op("Softmax", s, NULL);
  if (v == SDPA) p = where(op("IsNaN", p, NULL), scalar(0), p);
  ir_value *o = op("MatMul", p, val);
  ir_value *y = reshape(transpose(o, 0, 2, 1, 3), 3, DIMS(NB, NS, NE));
  output(op("MatMul", y, fconst(2, DIMS(NE, NE), 0.4f, NAN)));
  if (v == PROBS_READ) output(p);
}

/* The pipeline without the attention fusion (what the graph computed before it existed). */
static hy_status run_unfused(ir_graph *g) {
  setenv("HYDRA_SKIP_FUSION", "fuse_gelu,fuse_attention", 1);
  hy_status s = pass_run_all(g, NULL, 0);
  unsetenv("HYDRA_SKIP_FUSION");
  return s;
}

static int count_op(const ir_graph *g, ir_op o) {
  int k = 0;
  for (ir_node *n = g->first; n; n = n->next) k += n->op == o;
  return k;
}

#define OUT_N (NB * NS * NE)

/* Runs g on fixed inputs: out gets the first output (OUT_N floats). */
static void run(ir_graph *g, float *out, diag *d) {
  static float x[NB * NS * NE], mf[NB * NS];
  static unsigned char mb[NB * NS];
  for (int i = 0; i < NB * NS * NE; i++) x[i] = (float)((i * 53) % 31) / 15.0f - 1.0f;
  for (int i = 0; i < NB * NS; i++) {
    mf[i] = i % NS < NS - 1 - i / NS ? 1.0f : 0.0f; /* the batch's last keys padded */
    mb[i] = mf[i] != 0;
  }
  const void *in[2] = {x, g->n_inputs > 1 && g->inputs[1]->type.dtype == HY_DTYPE_BOOL
                              ? (const void *)mb
                              : (const void *)mf};
  float probs[NB * NH * NS * NS];
  void *outs[2] = {out, probs};
  cg_jit *j;
  cr_assert_eq(cg_jit_compile(g, "m", NULL, &j), HY_OK, "%s", d->msg);
  hy_session *s;
  cr_assert_eq(hy_session_create(cg_jit_model(j), NULL, &s), HY_OK);
  cr_assert_eq(hy_session_run(s, in, outs), HY_OK);
  hy_session_destroy(s);
  cg_jit_free(j);
}

/* Builds v into G (full pipeline) and into a twin graph (no attention fusion); both compute the
 * same to 1e-5. */
static void check_same_values(variant v) {
  build(G, v);
  cr_assert_eq(pass_run_all(G, NULL, 0), HY_OK, "%s", D.msg);
  arena a2;
  diag d2;
  arena_init(&a2);
  diag_init(&d2);
  ir_graph *g2 = ir_graph_new(&a2, &d2, "t.onnx");
  g2->opset = 14;
  g2->inputs = arena_array(&a2, 4, sizeof *g2->inputs);
  g2->outputs = arena_array(&a2, 4, sizeof *g2->outputs);
  build(g2, v);
  cr_assert_eq(run_unfused(g2), HY_OK, "%s", d2.msg);
  cr_assert_eq(count_op(g2, OP_Attention), 0);
  float fused[OUT_N], plain[OUT_N];
  run(G, fused, &D);
  run(g2, plain, &d2);
  double worst = 0, mag = 0;
  for (int i = 0; i < OUT_N; i++) {
    worst = fmax(worst, fabs((double)fused[i] - plain[i]));
    mag = fmax(mag, fabs((double)plain[i]));
  }
  cr_expect(worst <= 1e-5, "fused and unfused outputs differ by %g", worst);
  cr_expect(mag > 0.1, "the outputs are all near zero (%g): the test would not see a difference",
            mag);
  arena_free(&a2);
}

/* What the fused graph must look like: one Attention reading the three projections' outputs,
 * nothing of the split, scores, softmax or merge left. */
static void expect_fused(int masks) {
  cr_expect_eq(G->stats.attention_fused, 1);
  cr_expect_eq(G->stats.attention_near_miss, 0);
  cr_assert_eq(count_op(G, OP_Attention), 1);
  cr_expect_eq(count_op(G, OP_Softmax), 0);
  cr_expect_eq(count_op(G, OP_Transpose), 0);
  /* q, k, v and the output projection (the epilogue fusion folds their bias Adds in) */
  cr_expect_eq(count_op(G, OP_MatMul) + count_op(G, OP_FusedMatMul), 4);
  ir_node *at = NULL;
  for (ir_node *n = G->first; n; n = n->next)
    if (n->op == OP_Attention) at = n;
  cr_expect_eq(at->n_in, masks ? 4 : 3);
  for (int i = 0; i < 3; i++) {
    ir_node *p = at->in[i]->producer;
    cr_expect(p && (p->op == OP_FusedMatMul || (p->op == OP_Add && p->in[1]->producer &&
                                                  p->in[1]->producer->op == OP_MatMul)),
              "Attention input %d is not a projection's output", i);
  }
  cr_expect_eq(ir_attr_int(at, "q_num_heads", 0), NH);
  cr_expect_eq(ir_attr_int(at, "kv_num_heads", 0), NH);
  cr_expect_float_eq(ir_attr_float(at, "scale", 0), 0.5f, 1e-6);
  cr_expect(strstr(at->name, "FusedAttention"), "name %s", at->name);
}

Test(fuse_attention, bert_with_additive_mask) {
  check_same_values(BERT);
  expect_fused(1);
  cr_expect_eq(count_op(G, OP_Reshape), 1); /* the mask's [B,S] → [B,1,1,S] only */
}

Test(fuse_attention, vit_without_mask) {
  check_same_values(VIT);
  expect_fused(0);
  cr_expect_eq(count_op(G, OP_Reshape), 0);
}

Test(fuse_attention, torch2_decomposition) {
  check_same_values(SDPA);
  expect_fused(1);
  cr_expect_eq(count_op(G, OP_IsNaN), 0);
}

Test(fuse_attention, where_mask_becomes_additive) {
  check_same_values(WHERE_MASK);
  expect_fused(1);
  ir_node *at = G->last->in[0]->producer;
  cr_assert_eq(at->op, OP_Attention);
  const ir_type *mt = &at->in[3]->type;
  cr_expect_eq(mt->dtype, HY_DTYPE_FLOAT);
  cr_expect(mt->rank == 4 && mt->dims[0] == NB && mt->dims[1] == 1 && mt->dims[2] == 1 &&
                mt->dims[3] == NS,
            "the mask is not the condition's [B,1,1,S]");
}

/* Near misses: left as they were, counted, and still computing the same. */
static void expect_near_miss(void) {
  cr_expect_eq(G->stats.attention_fused, 0);
  cr_expect_eq(G->stats.attention_near_miss, 1);
  cr_expect_eq(count_op(G, OP_Attention), 0);
  cr_expect_eq(count_op(G, OP_Softmax), 1);
}

Test(fuse_attention, probabilities_read_elsewhere_stay) {
  check_same_values(PROBS_READ);
  expect_near_miss();
}

Test(fuse_attention, per_key_scale_stays) {
  check_same_values(VECTOR_SCALE);
  expect_near_miss();
}

Test(fuse_attention, mask_of_another_shape_stays) {
  check_same_values(MASK_PER_ROW);
  expect_near_miss();
}

static ir_node *the_attention(void) {
  for (ir_node *n = G->first; n; n = n->next)
    if (n->op == OP_Attention) return n;
  cr_assert_fail("no Attention node");
  return NULL;
}

/* GPT-style causal masks: the constant triangle becomes is_causal, the node reads no mask. */
Test(fuse_attention, causal_where_becomes_is_causal) {
  check_same_values(CAUSAL_WHERE);
  expect_fused(0);
  cr_expect_eq(ir_attr_int(the_attention(), "is_causal", 0), 1);
}

Test(fuse_attention, causal_trilu_becomes_is_causal) {
  check_same_values(CAUSAL_TRILU);
  expect_fused(0);
  cr_expect_eq(ir_attr_int(the_attention(), "is_causal", 0), 1);
  cr_expect_eq(count_op(G, OP_Trilu), 0);
}

/* The causal constant is dropped, the padding mask after it stays the node's mask. */
Test(fuse_attention, causal_additive_with_padding) {
  check_same_values(CAUSAL_ADD_PAD);
  expect_fused(1);
  ir_node *at = the_attention();
  cr_expect_eq(ir_attr_int(at, "is_causal", 0), 1);
  const ir_type *mt = &at->in[3]->type;
  cr_expect(mt->rank == 4 && mt->dims[0] == NB && mt->dims[2] == 1 && mt->dims[3] == NS,
            "the mask is not the padding's [B,1,1,S]");
}

/* A triangle that is not the causal one (one diagonal more; the upper one) is no is_causal: it
 * stays the node's explicit mask, which computes what the graph did. */
Test(fuse_attention, trilu_k1_is_an_explicit_mask) {
  check_same_values(TRILU_K1);
  expect_fused(1);
  cr_expect_eq(ir_attr_int(the_attention(), "is_causal", 0), 0);
}

Test(fuse_attention, trilu_upper_is_an_explicit_mask) {
  check_same_values(TRILU_UPPER);
  expect_fused(1);
  cr_expect_eq(ir_attr_int(the_attention(), "is_causal", 0), 0);
}

/* nn.MultiheadAttention: one Attention over the sliced projections, heads B*H (the kernel's
 * batch 1: the [S,B,E] rows are its [1,S,B*E]), the padding mask [B*H,1,S]. */
static void expect_mha_fused(void) {
  cr_expect_eq(G->stats.attention_fused, 1);
  cr_expect_eq(G->stats.attention_near_miss, 0);
  cr_expect_eq(count_op(G, OP_Softmax), 0);
  cr_expect_eq(count_op(G, OP_Transpose), 0);
  ir_node *at = the_attention();
  cr_expect_eq(ir_attr_int(at, "q_num_heads", 0), NB * NH);
  cr_expect_eq(ir_attr_int(at, "kv_num_heads", 0), NB * NH);
  cr_expect_float_eq(ir_attr_float(at, "scale", 0), 0.5f, 1e-6);
  cr_assert_eq(at->n_in, 4);
  for (int i = 0; i < 3; i++) {
    ir_node *r = at->in[i]->producer;
    cr_expect(r && r->op == OP_Reshape && r->in[0]->producer && r->in[0]->producer->op == OP_Slice,
              "Attention input %d is not its slice of the packed projection", i);
  }
  const ir_type *mt = &at->in[3]->type;
  cr_expect(mt->rank == 3 && mt->dims[0] == NB * NH && mt->dims[2] == NS,
            "the mask is not [B*H, q, S]");
}

Test(fuse_attention, mha_torch1) {
  check_same_values(MHA_TORCH1);
  expect_mha_fused();
}

Test(fuse_attention, mha_torch2) {
  check_same_values(MHA_TORCH2);
  expect_mha_fused();
}

/* torch 1.13's merged Where(padding, -inf, causal): is_causal and the padding's own mask. */
Test(fuse_attention, mha_causal_and_padding) {
  check_same_values(MHA_CAUSAL_PAD);
  expect_mha_fused();
  ir_node *at = the_attention();
  cr_expect_eq(ir_attr_int(at, "is_causal", 0), 1);
  cr_expect_eq(at->in[3]->type.dims[1], 1, "the mask still holds the causal rows");
}

/* torch 2's causal + padding, added as [B*H,S,S] and viewed as [B,H,S,S]. */
Test(fuse_attention, mha_torch2_causal_and_padding) {
  check_same_values(MHA2_CAUSAL_PAD);
  expect_mha_fused();
  ir_node *at = the_attention();
  cr_expect_eq(ir_attr_int(at, "is_causal", 0), 1);
  cr_expect_eq(at->in[3]->type.dims[1], 1, "the mask still holds the causal rows");
}

Test(fuse_attention, mha_probabilities_read_elsewhere_stay) {
  check_same_values(MHA_PROBS_READ);
  expect_near_miss();
}

/* The rewrite as text, on the smallest case. */
Test(fuse_attention, vit_as_text) {
  build(G, VIT);
  cr_assert_eq(pass_infer_shapes(G), HY_OK, "%s", D.msg);
  cr_assert_eq(pass_cse(G), HY_OK, "%s", D.msg);
  cr_assert_eq(pass_fuse_attention(G), HY_OK, "%s", D.msg);
  ir_text_assert_eq(
      G, "graph '' (%x: float[2,5,8])\n"
         "  %c: float[8,8] = const #3b13922c\n"
         "  %c.1: float[8] = const [0.05,0.0600000024,0.07,0.08,0.09,0.099999994,0.11,0.120000005]\n"
         "  %c.2: float[8,8] = const #7dae262d\n"
         "  %c.3: float[8] = const [0.07,0.08,0.09,0.1,0.11,0.12,0.13,0.14]\n"
         "  %c.4: float[8,8] = const #558c7693\n"
         "  %c.5: float[8] = const [0.0300000012,0.04,0.05,0.0600000024,0.07,0.08,0.09,0.1]\n"
         "  %c.6: float[8,8] = const #d3235012\n"
         "  %t: float[2,5,8] = MatMul(%x, %c)\n"
         "  %t.1: float[2,5,8] = Add(%c.1, %t)\n"
         "  %t.2: float[2,5,8] = MatMul(%x, %c.2)\n"
         "  %t.3: float[2,5,8] = Add(%c.3, %t.2)\n"
         "  %t.4: float[2,5,8] = MatMul(%x, %c.4)\n"
         "  %t.5: float[2,5,8] = Add(%c.5, %t.4)\n"
         "  %t.6: float[2,5,8] = Attention(%t.1, %t.3, %t.5) {kv_num_heads=2, q_num_heads=2, "
         "scale=0.5}\n"
         "  %t.7: float[2,5,8] = MatMul(%t.6, %c.6)\n"
         "  return %t.7\n");
}
