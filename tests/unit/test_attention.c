/* attention family: Attention, RMSNormalization and RotaryEmbedding nodes built by hand, run
 * through their infer and lower hooks and their native kernels (with a chunking parallel_for and
 * the planned scratch), compared with naive computations written here: full score matrices,
 * plain softmax, explicit broadcasting. Also the errors for malformed nodes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/src/kernels/kernel_util.h"
#include "graph_fixture.h"

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(attention, .init = setup, .fini = graph_fixture_close);

/* ---- graph building and running ---- */

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}

/* A node with n_in input slots (NULL: omitted) and the outputs flagged in out_mask. */
static ir_node *node(const char *op, int version, ir_value **in, int32_t n_in, int32_t n_out,
                     unsigned out_mask) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, "n1", n_in, n_out);
  cr_assert(n->op != OP_UNKNOWN, "op %s is in the table", op);
  n->opset = n->version = version;
  for (int32_t i = 0; i < n_in; i++)
    if (in[i]) ir_node_set_input(G, n, i, in[i]);
  for (int32_t i = 0; i < n_out; i++)
    if (out_mask & (1u << i)) ir_node_set_output(G, n, i, ir_value_new(G, "y"));
  n->attrs = arena_array(&A, 12, sizeof *n->attrs);
  return n;
}

static void attr_i(ir_node *n, const char *name, int64_t v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}
static void attr_f(ir_node *n, const char *name, float v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_FLOAT, .f = v};
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

/* infer, lower, then the kernel; returns its status. */
static hy_status run_status(ir_node *n, const void *const *in, void *const *out) {
  cr_assert_eq(infer(n), HY_OK, "infer: %s", D.msg);
  hy_status lowered, s = graph_fixture_kernel(n, in, out, &lowered);
  cr_assert_eq(lowered, HY_OK, "lower: %s", D.msg);
  return s;
}
static void run(ir_node *n, const void *const *in, void *const *out) {
  cr_assert_eq(run_status(n, in, out), HY_OK);
}

static void fill(float *x, int64_t n, uint32_t seed) {
  for (int64_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (float)((seed >> 8) % 2001) / 1000.0f - 1.0f;
  }
}

static void assert_close(double got, double want, double tol, const char *what, int64_t i) {
  if (isnan(want)) {
    cr_assert(isnan(got), "%s[%lld]: got %.9g, expected NaN", what, (long long)i, got);
    return;
  }
  if (isinf(want)) {
    cr_assert_eq(got, want, "%s[%lld]: got %.9g, expected %.9g", what, (long long)i, got, want);
    return;
  }
  cr_assert(fabs(got - want) <= tol * (1 + fabs(want)), "%s[%lld]: got %.9g, expected %.9g",
            what, (long long)i, got, want);
}

static void expect_error(ir_node *n, hy_status want, const char *needle) {
  diag_init(&D); /* the first error wins: forget the previous case's */
  cr_assert_eq(infer(n), want, "status; message: %s", D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' should mention '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "n1"), "message '%s' names the node", D.msg);
}

/* ---- Attention: the naive reference ---- */

typedef struct attn_case {
  int64_t B, qH, kvH, Sq, Skv, P, D, Dv;
  bool rank3, causal;
  int mode; /* qk_matmul_output_mode; -1: no score output */
  float scale, softcap; /* scale 0: the default 1/sqrt(D) */
  int mask;             /* 0 none, 1 float (additive), 2 bool */
  int32_t mask_rank;
  int64_t mdims[4];
  const int64_t *nonpad; /* opset 24 */
  bool present;
  bool window;          /* opset 25: left/right window sizes (-1: unbounded) */
  int64_t left, right;
  int32_t sm; /* softmax_precision, 0: none */
} attn_case;

static int64_t numel4(const int64_t *d, int32_t r) {
  int64_t n = 1;
  for (int32_t i = 0; i < r; i++) n *= d[i];
  return n;
}

/* Element (b, h, s, e) of a Q/K/V/Y tensor in either layout. */
static int64_t at(const attn_case *c, int64_t heads, int64_t S, int64_t size, int64_t b, int64_t h,
                  int64_t s, int64_t e) {
  return c->rank3 ? (b * S + s) * heads * size + h * size + e
                  : ((b * heads + h) * S + s) * size + e;
}

/* Y [B,qH,Sq,Dv]-ordered via `at`, qk [B,qH,Sq,T], presents [B,kvH,T,D/Dv]. */
static void ref_attention(const attn_case *c, const float *q, const float *k, const float *v,
                          const void *mask, const float *pk, const float *pv, double *y,
                          double *qk, double *prk, double *prv) {
  int64_t T = c->P + c->Skv, grp = c->qH / c->kvH;
  double scale = c->scale > 0 ? c->scale : 1 / sqrt((double)c->D);
  for (int64_t b = 0; b < c->B; b++)
    for (int64_t g = 0; g < c->kvH; g++)
      for (int64_t j = 0; j < T; j++) {
        for (int64_t d = 0; d < c->D; d++)
          prk[((b * c->kvH + g) * T + j) * c->D + d] =
              j < c->P ? pk[((b * c->kvH + g) * c->P + j) * c->D + d]
                       : k[at(c, c->kvH, c->Skv, c->D, b, g, j - c->P, d)];
        for (int64_t d = 0; d < c->Dv; d++)
          prv[((b * c->kvH + g) * T + j) * c->Dv + d] =
              j < c->P ? pv[((b * c->kvH + g) * c->P + j) * c->Dv + d]
                       : v[at(c, c->kvH, c->Skv, c->Dv, b, g, j - c->P, d)];
      }
  int64_t md[4] = {1, 1, 1, 1};
  for (int32_t i = 0; i < c->mask_rank; i++) md[4 - c->mask_rank + i] = c->mdims[i];
  double *sc = malloc((size_t)T * sizeof *sc), *bias = malloc((size_t)T * sizeof *bias);
  for (int64_t b = 0; b < c->B; b++)
    for (int64_t h = 0; h < c->qH; h++)
      for (int64_t i = 0; i < c->Sq; i++) {
        int64_t g = h / grp;
        bool any = false;
        double mx = -INFINITY;
        for (int64_t j = 0; j < T; j++) {
          double s = 0;
          for (int64_t d = 0; d < c->D; d++)
            s += (double)q[at(c, c->qH, c->Sq, c->D, b, h, i, d)] *
                 prk[((b * c->kvH + g) * T + j) * c->D + d];
          s *= scale;
          double *qko = qk ? &qk[((b * c->qH + h) * c->Sq + i) * T + j] : NULL;
          if (qko && c->mode == 0) *qko = s;
          if (c->softcap > 0) s = c->softcap * tanh(s / c->softcap);
          if (qko && c->mode == 1) *qko = s;
          double bi = 0;
          if (c->mask) {
            if (j >= md[3]) {
              bi = -INFINITY;
            } else {
              int64_t o = (((md[0] == 1 ? 0 : b) * md[1] + (md[1] == 1 ? 0 : h)) * md[2] +
                           (md[2] == 1 ? 0 : i)) * md[3] + j;
              bi = c->mask == 2 ? (((const uint8_t *)mask)[o] ? 0 : -INFINITY)
                                : ((const float *)mask)[o];
            }
          }
          int64_t off = c->nonpad && !c->P ? c->nonpad[b] - c->Sq : c->P;
          if (c->causal && j > i + off) bi += -INFINITY;
          if (c->window && c->left >= 0 && j < i + off - c->left) bi += -INFINITY;
          if (c->window && c->right >= 0 && j > i + off + c->right) bi += -INFINITY;
          if (c->nonpad && j >= c->nonpad[b]) bi += -INFINITY;
          if (bi != -INFINITY) any = true;
          s += bi;
          if (qko && c->mode == 2) *qko = s;
          sc[j] = s;
          bias[j] = bi;
          if (s > mx) mx = s;
        }
        double sum = 0;
        for (int64_t j = 0; j < T; j++) sum += (sc[j] = mx == -INFINITY ? 0 : exp(sc[j] - mx));
        for (int64_t j = 0; j < T; j++) {
          sc[j] = any && sum > 0 ? sc[j] / sum : 0;
          if (qk && c->mode == 3) qk[((b * c->qH + h) * c->Sq + i) * T + j] = sc[j];
        }
        for (int64_t e = 0; e < c->Dv; e++) {
          double acc = 0;
          for (int64_t j = 0; j < T; j++)
            acc += sc[j] * prv[((b * c->kvH + g) * T + j) * c->Dv + e];
          y[at(c, c->qH, c->Sq, c->Dv, b, h, i, e)] = acc;
        }
      }
  free(sc);
  free(bias);
}

static ir_node *attn_node(const attn_case *c, int version, hy_dtype dt) {
  int64_t T = c->P + c->Skv;
  int64_t q3[3] = {c->B, c->Sq, c->qH * c->D}, k3[3] = {c->B, c->Skv, c->kvH * c->D},
          v3[3] = {c->B, c->Skv, c->kvH * c->Dv};
  int64_t q4[4] = {c->B, c->qH, c->Sq, c->D}, k4[4] = {c->B, c->kvH, c->Skv, c->D},
          v4[4] = {c->B, c->kvH, c->Skv, c->Dv};
  int64_t pk4[4] = {c->B, c->kvH, c->P, c->D}, pv4[4] = {c->B, c->kvH, c->P, c->Dv};
  int64_t nb[1] = {c->B};
  (void)T;
  ir_value *in[7] = {0};
  in[0] = c->rank3 ? val(dt, 3, q3) : val(dt, 4, q4);
  in[1] = c->rank3 ? val(dt, 3, k3) : val(dt, 4, k4);
  in[2] = c->rank3 ? val(dt, 3, v3) : val(dt, 4, v4);
  if (c->mask) in[3] = val(c->mask == 2 ? HY_DTYPE_BOOL : dt, c->mask_rank, c->mdims);
  if (c->P) {
    in[4] = val(dt, 4, pk4);
    in[5] = val(dt, 4, pv4);
  }
  if (c->nonpad) in[6] = val(HY_DTYPE_INT64, 1, nb);
  unsigned outs = 1u | (c->present ? 6u : 0u) | (c->mode >= 0 ? 8u : 0u);
  ir_node *n = node("Attention", version, in, c->nonpad ? 7 : 6, 4, outs);
  if (c->rank3) {
    attr_i(n, "q_num_heads", c->qH);
    attr_i(n, "kv_num_heads", c->kvH);
  }
  if (c->causal) attr_i(n, "is_causal", 1);
  if (c->mode >= 0) attr_i(n, "qk_matmul_output_mode", c->mode);
  if (c->scale > 0) attr_f(n, "scale", c->scale);
  if (c->softcap > 0) attr_f(n, "softcap", c->softcap);
  if (c->window) {
    attr_i(n, "left_window_size", c->left);
    attr_i(n, "right_window_size", c->right);
  }
  if (c->sm) attr_i(n, "softmax_precision", c->sm);
  return n;
}

/* Runs the case in float32 and checks every requested output against ref_attention. */
static void check_attention(const attn_case *c, uint32_t seed) {
  int64_t T = c->P + c->Skv;
  int64_t nq = c->B * c->qH * c->Sq * c->D, nk = c->B * c->kvH * c->Skv * c->D,
          nv = c->B * c->kvH * c->Skv * c->Dv, ny = c->B * c->qH * c->Sq * c->Dv;
  int64_t npk = c->B * c->kvH * c->P * c->D, npv = c->B * c->kvH * c->P * c->Dv;
  int64_t nqk = c->B * c->qH * c->Sq * T, nprk = c->B * c->kvH * T * c->D,
          nprv = c->B * c->kvH * T * c->Dv, nm = c->mask ? numel4(c->mdims, c->mask_rank) : 0;
  float *q = malloc((size_t)nq * 4), *k = malloc((size_t)nk * 4), *v = malloc((size_t)nv * 4);
  float *pk = malloc((size_t)(npk + 1) * 4), *pv = malloc((size_t)(npv + 1) * 4);
  float *y = malloc((size_t)ny * 4), *qk = malloc((size_t)nqk * 4);
  float *prk = malloc((size_t)nprk * 4), *prv = malloc((size_t)nprv * 4);
  double *wy = malloc((size_t)ny * 8), *wqk = malloc((size_t)nqk * 8);
  double *wprk = malloc((size_t)nprk * 8), *wprv = malloc((size_t)nprv * 8);
  void *mask = malloc((size_t)(nm + 1) * 4);
  fill(q, nq, seed);
  fill(k, nk, seed + 1);
  fill(v, nv, seed + 2);
  fill(pk, npk, seed + 3);
  fill(pv, npv, seed + 4);
  if (c->mask == 1) {
    fill(mask, nm, seed + 5);
    for (int64_t i = 0; i < nm; i += 7) ((float *)mask)[i] = -INFINITY;
  } else if (c->mask == 2) {
    for (int64_t i = 0; i < nm; i++) ((uint8_t *)mask)[i] = (uint8_t)((i * 5 + seed) % 3 != 0);
  }
  ir_node *n = attn_node(c, c->window ? 25 : c->nonpad ? 24 : 23, HY_DTYPE_FLOAT);
  const void *in[7] = {q, k, v, c->mask ? mask : NULL, c->P ? pk : NULL, c->P ? pv : NULL,
                       c->nonpad};
  void *out[4] = {y, c->present ? prk : NULL, c->present ? prv : NULL, c->mode >= 0 ? qk : NULL};
  run(n, in, out);
  ref_attention(c, q, k, v, mask, pk, pv, wy, c->mode >= 0 ? wqk : NULL, wprk, wprv);
  for (int64_t i = 0; i < ny; i++) assert_close(y[i], wy[i], 1e-4, "Y", i);
  if (c->present) {
    for (int64_t i = 0; i < nprk; i++)
      cr_assert_eq(prk[i], (float)wprk[i], "present_key[%lld]", (long long)i);
    for (int64_t i = 0; i < nprv; i++)
      cr_assert_eq(prv[i], (float)wprv[i], "present_value[%lld]", (long long)i);
  }
  if (c->mode >= 0)
    for (int64_t i = 0; i < nqk; i++) assert_close(qk[i], wqk[i], 1e-4, "qk_matmul_output", i);
  free(q), free(k), free(v), free(pk), free(pv), free(y), free(qk), free(prk), free(prv);
  free(wy), free(wqk), free(wprk), free(wprv), free(mask);
}

Test(attention, mha_4d_with_an_additive_mask_broadcast_over_batch_and_heads) {
  attn_case c = {.B = 2, .qH = 3, .kvH = 3, .Sq = 4, .Skv = 6, .D = 8, .Dv = 8, .mode = -1,
                 .mask = 1, .mask_rank = 2, .mdims = {4, 6}};
  check_attention(&c, 1);
}

Test(attention, gqa_3d_causal_with_past_present_and_softmax_scores) {
  attn_case c = {.B = 2, .qH = 6, .kvH = 2, .Sq = 5, .Skv = 3, .P = 4, .D = 4, .Dv = 6,
                 .rank3 = true, .causal = true, .mode = 3, .present = true};
  check_attention(&c, 2);
}

Test(attention, every_score_output_mode_with_softcap_and_scale) {
  for (int mode = 0; mode < 4; mode++) {
    attn_case c = {.B = 1, .qH = 2, .kvH = 1, .Sq = 3, .Skv = 5, .D = 8, .Dv = 4, .mode = mode,
                   .scale = 0.3f, .softcap = 1.5f, .mask = 1, .mask_rank = 4,
                   .mdims = {1, 2, 3, 5}};
    check_attention(&c, 10 + (uint32_t)mode);
  }
}

/* More than one block of query rows and more than one key tile, a tile boundary inside the
 * past cache and one at its end: the online softmax must rescale across tiles. */
Test(attention, long_sequences_stream_over_key_tiles) {
  attn_case c = {.B = 1, .qH = 2, .kvH = 2, .Sq = 70, .Skv = 300, .P = 270, .D = 16, .Dv = 8,
                 .mode = -1, .present = true};
  check_attention(&c, 3);
  attn_case d = c;
  d.causal = true; /* the frontier lets blocks skip whole tiles */
  d.mask = 1, d.mask_rank = 3, d.mdims[0] = 2, d.mdims[1] = 70, d.mdims[2] = 500;
  check_attention(&d, 4);
  attn_case e = c;
  e.mode = 3; /* scores wanted: no skipping, every tile written */
  e.causal = true;
  check_attention(&e, 5);
}

/* float32 packs each head's keys and values once per task and reuses them for every block of
 * its queries (and, with grouped heads, for every query head of the group). Head sizes off the
 * 8-key transposes and the 32-wide panels, a past cache ending off a multiple of 8, blocks of
 * uneven rows split between tasks mid-head: each must still give the reference's answer. */
Test(attention, packed_heads_are_reused_across_blocks_groups_and_tasks) {
  attn_case c = {.B = 2, .qH = 6, .kvH = 2, .Sq = 150, .Skv = 77, .P = 13, .D = 20, .Dv = 40,
                 .rank3 = true, .mode = -1, .mask = 1, .mask_rank = 2, .mdims = {150, 90}};
  check_attention(&c, 21);
  attn_case d = c;
  d.rank3 = false, d.causal = true, d.mask = 0, d.D = 72, d.Dv = 33, d.P = 0, d.Skv = 200;
  check_attention(&d, 22);
  attn_case e = {.B = 1, .qH = 4, .kvH = 4, .Sq = 1, .Skv = 300, .D = 64, .Dv = 64,
                 .rank3 = true, .mode = -1}; /* one query row per head: decoding */
  check_attention(&e, 23);
}

Test(attention, bool_mask_shorter_than_the_keys_and_fully_masked_rows_are_zero) {
  attn_case c = {.B = 2, .qH = 2, .kvH = 2, .Sq = 3, .Skv = 5, .D = 4, .Dv = 4, .mode = 3,
                 .mask = 2, .mask_rank = 4, .mdims = {2, 1, 3, 3}};
  check_attention(&c, 6);
  /* an all-False row: zero output and zero probabilities, not NaN */
  int64_t qd[4] = {1, 1, 2, 4}, md[2] = {2, 2};
  float q[8], k[8], v[8], y[8], qk[4];
  fill(q, 8, 7), fill(k, 8, 8), fill(v, 8, 9);
  uint8_t m[4] = {0, 0, 1, 1};
  ir_value *ins[4] = {val(HY_DTYPE_FLOAT, 4, qd), val(HY_DTYPE_FLOAT, 4, qd),
                      val(HY_DTYPE_FLOAT, 4, qd), val(HY_DTYPE_BOOL, 2, md)};
  ir_node *n = node("Attention", 23, ins, 4, 4, 9u);
  attr_i(n, "qk_matmul_output_mode", 3);
  const void *pin[4] = {q, k, v, m};
  void *pout[4] = {y, NULL, NULL, qk};
  run(n, pin, pout);
  for (int i = 0; i < 4; i++) cr_assert_eq(y[i], 0.0f, "Y row 0 [%d] = %g", i, (double)y[i]);
  cr_assert(qk[0] == 0 && qk[1] == 0 && fabsf(qk[2] + qk[3] - 1) < 1e-6f, "probabilities");
}

Test(attention, nonpad_kv_seqlen_pads_keys_and_moves_the_causal_frontier) {
  int64_t nonpad[2] = {4, 2};
  attn_case c = {.B = 2, .qH = 2, .kvH = 1, .Sq = 3, .Skv = 6, .D = 4, .Dv = 4, .mode = -1,
                 .causal = true, .nonpad = nonpad};
  check_attention(&c, 7); /* batch 1: offset -1, so its first row is empty (zero) */
  attn_case d = c;
  d.causal = false, d.mode = 2, d.mask = 1, d.mask_rank = 4, d.mdims[0] = 2, d.mdims[1] = 2,
  d.mdims[2] = 3, d.mdims[3] = 5;
  check_attention(&d, 8);
}

/* Hostile lengths act like the nearest meaningful ones: INT64_MAX lets every row see every
 * key, INT64_MIN pads them all (zero rows); no overflow, no read outside K/V. */
Test(attention, nonpad_kv_seqlen_extremes_are_clamped) {
  int64_t extreme[2] = {INT64_MAX, INT64_MIN}, tame[2] = {9, -1};
  attn_case c = {.B = 2, .qH = 1, .kvH = 1, .Sq = 3, .Skv = 6, .D = 4, .Dv = 4, .mode = -1,
                 .causal = true, .nonpad = tame};
  check_attention(&c, 9);
  float q[24], k[48], v[48], y[2][24];
  fill(q, 24, 1), fill(k, 48, 2), fill(v, 48, 3);
  for (int t = 0; t < 2; t++) {
    c.nonpad = t ? extreme : tame;
    const void *in[7] = {q, k, v, NULL, NULL, NULL, c.nonpad};
    void *out[4] = {y[t], NULL, NULL, NULL};
    run(attn_node(&c, 24, HY_DTYPE_FLOAT), in, out);
  }
  for (int i = 0; i < 24; i++) cr_assert_eq(y[1][i], y[0][i], "Y[%d]", i);
  for (int i = 12; i < 24; i++) cr_assert_eq(y[1][i], 0.0f, "batch 1 is all padding");
}

Test(attention, float16_double_and_bfloat16_compute_like_float) {
  int64_t dims[4] = {1, 2, 5, 8};
  float q[80], k[80], v[80];
  fill(q, 80, 11), fill(k, 80, 12), fill(v, 80, 13);
  attn_case c = {.B = 1, .qH = 2, .kvH = 2, .Sq = 5, .Skv = 5, .D = 8, .Dv = 8, .mode = -1,
                 .causal = true};
  double want[80], pk[80], pv[80];
  ref_attention(&c, q, k, v, NULL, NULL, NULL, want, NULL, pk, pv);
  hy_dtype dts[3] = {HY_DTYPE_DOUBLE, HY_DTYPE_FLOAT16, HY_DTYPE_BFLOAT16};
  for (int t = 0; t < 3; t++) {
    double qd[80], kd[80], vd[80], yd[80];
    uint16_t qh[80], kh[80], vh[80], yh[80];
    for (int i = 0; i < 80; i++) {
      qd[i] = q[i], kd[i] = k[i], vd[i] = v[i];
      bool f16 = dts[t] == HY_DTYPE_FLOAT16;
      qh[i] = f16 ? hy_k_f32_to_f16(q[i]) : hy_k_f32_to_bf16(q[i]);
      kh[i] = f16 ? hy_k_f32_to_f16(k[i]) : hy_k_f32_to_bf16(k[i]);
      vh[i] = f16 ? hy_k_f32_to_f16(v[i]) : hy_k_f32_to_bf16(v[i]);
    }
    ir_value *in[3] = {val(dts[t], 4, dims), val(dts[t], 4, dims), val(dts[t], 4, dims)};
    ir_node *n = node("Attention", 23, in, 3, 1, 1u);
    attr_i(n, "is_causal", 1);
    bool dbl = dts[t] == HY_DTYPE_DOUBLE;
    const void *pin[3] = {dbl ? (void *)qd : qh, dbl ? (void *)kd : kh, dbl ? (void *)vd : vh};
    void *pout[1] = {dbl ? (void *)yd : yh};
    run(n, pin, pout);
    double tol = dbl ? 1e-6 : dts[t] == HY_DTYPE_FLOAT16 ? 4e-3 : 3e-2;
    for (int i = 0; i < 80; i++) {
      double got = dbl ? yd[i]
                       : dts[t] == HY_DTYPE_FLOAT16 ? hy_k_f16_to_f32(yh[i])
                                                    : hy_k_bf16_to_f32(yh[i]);
      assert_close(got, want[i], tol, hy_dtype_name(dts[t]), i);
    }
  }
}

/* Version 25's sliding window, alone and with everything it composes with: the causal frontier,
 * a past cache or nonpad_kv_seqlen (which move the query's absolute position), masks, score
 * outputs, GQA, and key tiles that whole blocks may skip. */
Test(attention, sliding_windows_compose_with_masks_caches_and_tiles) {
  attn_case c = {.B = 2, .qH = 2, .kvH = 1, .Sq = 4, .Skv = 6, .D = 8, .Dv = 6, .mode = 3,
                 .causal = true, .window = true, .left = 2, .right = -1};
  check_attention(&c, 50);
  attn_case d = c;
  d.causal = false, d.left = 2, d.right = 1, d.mode = 2; /* bidirectional */
  check_attention(&d, 51);
  attn_case e = d;
  e.left = -1, e.right = 0, e.mask = 2, e.mask_rank = 1, e.mdims[0] = 6, e.rank3 = true;
  check_attention(&e, 52);
  int64_t nonpad[2] = {5, 3};
  attn_case f = c;
  f.nonpad = nonpad, f.mask = 1, f.mask_rank = 3, f.mdims[0] = 2, f.mdims[1] = 4, f.mdims[2] = 6;
  check_attention(&f, 53);
  attn_case g = c;
  g.P = 5, g.left = 0, g.mode = -1, g.present = true; /* each query sees only its own key */
  check_attention(&g, 54);
  attn_case h = {.B = 1, .qH = 2, .kvH = 2, .Sq = 150, .Skv = 600, .D = 16, .Dv = 8, .mode = -1,
                 .causal = true, .window = true, .left = 40, .right = -1};
  check_attention(&h, 55); /* blocks start past whole tiles of keys */
  h.nonpad = (int64_t[]){INT64_MAX}, h.left = INT64_MAX, h.right = INT64_MAX, h.causal = false;
  attn_case open = h;
  open.nonpad = NULL, open.window = false;
  int64_t n = 150 * 2 * 16, nk = 600 * 2 * 16, nv = 600 * 2 * 8;
  float *q = malloc((size_t)n * 4), *k = malloc((size_t)nk * 4), *v = malloc((size_t)nv * 4);
  float *y[2] = {malloc(2400 * 4), malloc(2400 * 4)};
  fill(q, n, 1), fill(k, nk, 2), fill(v, nv, 3);
  /* hostile bounds and lengths: like no window and no padding at all, no overflow */
  const void *in[7] = {q, k, v, NULL, NULL, NULL, h.nonpad};
  run(attn_node(&h, 25, HY_DTYPE_FLOAT), in, (void *[]){y[0], NULL, NULL, NULL});
  in[6] = NULL;
  run(attn_node(&open, 23, HY_DTYPE_FLOAT), in, (void *[]){y[1], NULL, NULL, NULL});
  for (int i = 0; i < 2400; i++) cr_assert_eq(y[0][i], y[1][i], "Y[%d]", i);
  free(q), free(k), free(v), free(y[0]), free(y[1]);
}

/* float inputs with softmax_precision double: computed in double, still matching. */
Test(attention, float_inputs_with_a_double_softmax) {
  attn_case c = {.B = 1, .qH = 4, .kvH = 2, .Sq = 4, .Skv = 6, .D = 8, .Dv = 6, .mode = 3,
                 .causal = true, .softcap = 2.0f, .sm = HY_DTYPE_DOUBLE, .mask = 2,
                 .mask_rank = 4, .mdims = {1, 4, 4, 6}};
  check_attention(&c, 60);
}

/* float16 and bfloat16 follow the op's function body in their own type: Q and K scaled by the
 * rounded root and rounded, the scores rounded, the softmax's exp, sum and quotient rounded
 * (a bfloat16 sum term by term, a float16 one in float), P.V accumulated in float. Bit for bit. */
static float round_to(hy_dtype dt, float x) {
  return dt == HY_DTYPE_FLOAT16 ? hy_k_f16_to_f32(hy_k_f32_to_f16(x))
                                : hy_k_bf16_to_f32(hy_k_f32_to_bf16(x));
}
Test(attention, half_types_round_where_the_definition_does) {
  enum { H = 2, S = 5, KV = 7, DD = 8 };
  int64_t qd[4] = {1, H, S, DD}, kd[4] = {1, H, KV, DD}, md[2] = {S, KV};
  hy_dtype dts[2] = {HY_DTYPE_FLOAT16, HY_DTYPE_BFLOAT16};
  for (int t = 0; t < 2; t++) {
    hy_dtype dt = dts[t];
    float q[H * S * DD], k[H * KV * DD], v[H * KV * DD], m[S * KV];
    uint16_t qh[H * S * DD], kh[H * KV * DD], vh[H * KV * DD], mh[S * KV], yh[H * S * DD];
    fill(q, H * S * DD, 70), fill(k, H * KV * DD, 71), fill(v, H * KV * DD, 72);
    fill(m, S * KV, 73);
#define TO16(x) (dt == HY_DTYPE_FLOAT16 ? hy_k_f32_to_f16(x) : hy_k_f32_to_bf16(x))
#define FROM16(x) (dt == HY_DTYPE_FLOAT16 ? hy_k_f16_to_f32(x) : hy_k_bf16_to_f32(x))
    for (int i = 0; i < H * S * DD; i++) qh[i] = TO16(q[i] + 1);
    for (int i = 0; i < H * KV * DD; i++) kh[i] = TO16(k[i] + 1), vh[i] = TO16(v[i]);
    for (int i = 0; i < S * KV; i++) mh[i] = TO16(m[i] / 2);
    ir_value *in[4] = {val(dt, 4, qd), val(dt, 4, kd), val(dt, 4, kd), val(dt, 2, md)};
    ir_node *n = node("Attention", 23, in, 4, 1, 1u);
    attr_i(n, "is_causal", 1);
    run(n, (const void *[]){qh, kh, vh, mh}, (void *[]){yh});
    float rt = round_to(dt, sqrtf(1 / sqrtf(DD)));
    for (int h = 0; h < H; h++)
      for (int i = 0; i < S; i++) {
        float x[KV], mx = -INFINITY, sum = 0;
        for (int j = 0; j < KV; j++) {
          float acc = 0;
          for (int d = 0; d < DD; d++)
            acc += round_to(dt, FROM16(qh[(h * S + i) * DD + d]) * rt) *
                   round_to(dt, FROM16(kh[(h * KV + j) * DD + d]) * rt);
          float bias = FROM16(mh[i * KV + j]) + (j > i ? -INFINITY : 0.0f);
          x[j] = round_to(dt, round_to(dt, acc) + bias);
          mx = x[j] > mx ? x[j] : mx;
        }
        for (int j = 0; j < KV; j++) {
          x[j] = round_to(dt, expf(round_to(dt, x[j] - mx)));
          sum = dt == HY_DTYPE_BFLOAT16 ? round_to(dt, sum + x[j]) : sum + x[j];
        }
        sum = round_to(dt, sum);
        for (int e = 0; e < DD; e++) {
          float acc = 0;
          for (int j = 0; j < KV; j++)
            acc += round_to(dt, x[j] / sum) * FROM16(vh[(h * KV + j) * DD + e]);
          uint16_t got = yh[(h * S + i) * DD + e];
          cr_assert_eq(got, TO16(acc), "%s Y[%d, %d, %d]: got %g, expected %g",
                       hy_dtype_name(dt), h, i, e, (double)FROM16(got), (double)acc);
        }
      }
#undef TO16
#undef FROM16
  }
}

/* ---- Attention: malformed nodes ---- */

Test(attention, head_counts_and_shapes_are_checked) {
  int64_t q3[3] = {2, 4, 24}, k3[3] = {2, 6, 24}, q4[4] = {2, 3, 4, 8}, k4[4] = {2, 2, 6, 8};
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 3, q3), val(HY_DTYPE_FLOAT, 3, k3),
                     val(HY_DTYPE_FLOAT, 3, k3)};
  ir_node *n = node("Attention", 23, in, 3, 1, 1u);
  attr_i(n, "q_num_heads", 3);
  expect_error(n, HY_ERR_INVALID_MODEL, "kv_num_heads");
  attr_i(n, "kv_num_heads", 5);
  expect_error(n, HY_ERR_SHAPE, "does not divide K's hidden size 24");
  n->attrs[1].i = 2; /* K's head size becomes 12, Q's is 8 */
  expect_error(n, HY_ERR_SHAPE, "head sizes of Q (8) and K (12) differ");
  ir_value *in4[3] = {val(HY_DTYPE_FLOAT, 4, q4), val(HY_DTYPE_FLOAT, 4, k4),
                      val(HY_DTYPE_FLOAT, 4, k4)};
  expect_error(node("Attention", 23, in4, 3, 1, 1u), HY_ERR_SHAPE, "not a multiple");
  int64_t kbad[4] = {2, 3, 6, 7};
  ir_value *in5[3] = {val(HY_DTYPE_FLOAT, 4, q4), val(HY_DTYPE_FLOAT, 4, kbad),
                      val(HY_DTYPE_FLOAT, 4, kbad)};
  expect_error(node("Attention", 23, in5, 3, 1, 1u), HY_ERR_SHAPE, "head sizes");
  ir_value *in6[3] = {val(HY_DTYPE_FLOAT, 4, q4), val(HY_DTYPE_FLOAT, 3, k3),
                      val(HY_DTYPE_FLOAT, 4, k4)};
  expect_error(node("Attention", 23, in6, 3, 1, 1u), HY_ERR_SHAPE, "ranks");
  ir_value *in7[3] = {val(HY_DTYPE_INT32, 4, q4), val(HY_DTYPE_INT32, 4, q4),
                      val(HY_DTYPE_INT32, 4, q4)};
  expect_error(node("Attention", 23, in7, 3, 1, 1u), HY_ERR_DTYPE, "int32");
}

Test(attention, masks_caches_and_attributes_are_checked) {
  int64_t q4[4] = {2, 3, 4, 8}, k4[4] = {2, 3, 6, 8}, m_bad[2] = {3, 6}, m_long[2] = {4, 7};
  int64_t pk[4] = {2, 3, 5, 8}, nb[1] = {2};
  ir_value *in[7] = {val(HY_DTYPE_FLOAT, 4, q4), val(HY_DTYPE_FLOAT, 4, k4),
                     val(HY_DTYPE_FLOAT, 4, k4), val(HY_DTYPE_FLOAT, 2, m_bad)};
  expect_error(node("Attention", 23, in, 4, 1, 1u), HY_ERR_SHAPE, "attn_mask");
  in[3] = val(HY_DTYPE_FLOAT, 2, m_long);
  expect_error(node("Attention", 23, in, 4, 1, 1u), HY_ERR_SHAPE, "<= 6");
  in[3] = val(HY_DTYPE_INT32, 2, m_long);
  expect_error(node("Attention", 23, in, 4, 1, 1u), HY_ERR_UNSUPPORTED, "int32");
  in[3] = NULL;
  in[4] = val(HY_DTYPE_FLOAT, 4, pk);
  expect_error(node("Attention", 23, in, 6, 1, 1u), HY_ERR_INVALID_MODEL, "together");
  in[5] = val(HY_DTYPE_FLOAT, 4, q4);
  expect_error(node("Attention", 23, in, 6, 1, 1u), HY_ERR_SHAPE, "past_value");
  in[5] = val(HY_DTYPE_FLOAT, 4, pk);
  in[6] = val(HY_DTYPE_INT64, 1, nb);
  expect_error(node("Attention", 24, in, 7, 1, 1u), HY_ERR_INVALID_MODEL, "cannot be combined");
  in[4] = in[5] = NULL;
  expect_error(node("Attention", 23, in, 7, 1, 1u), HY_ERR_INVALID_MODEL, "version 24");
  ir_node *n = node("Attention", 23, in, 3, 1, 1u);
  attr_i(n, "qk_matmul_output_mode", 4);
  expect_error(n, HY_ERR_INVALID_MODEL, "qk_matmul_output_mode");
  n = node("Attention", 23, in, 3, 1, 1u);
  attr_f(n, "softcap", -1.0f);
  expect_error(n, HY_ERR_INVALID_MODEL, "softcap");
  n = node("Attention", 23, in, 3, 1, 1u);
  attr_i(n, "softmax_precision", HY_DTYPE_INT64);
  expect_error(n, HY_ERR_INVALID_MODEL, "softmax_precision");
  n = node("Attention", 24, in, 3, 1, 1u);
  attr_i(n, "left_window_size", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "version 25");
  n = node("Attention", 25, in, 3, 1, 1u);
  attr_i(n, "right_window_size", -2);
  expect_error(n, HY_ERR_INVALID_MODEL, "right_window_size");
  n = node("Attention", 25, in, 3, 1, 1u);
  attr_i(n, "q_num_heads", 3); /* agrees with the 4-D Q, but version 25 forbids it */
  expect_error(n, HY_ERR_INVALID_MODEL, "must not be given with 4-D");
  n = node("Attention", 23, in, 3, 1, 1u);
  attr_i(n, "q_num_heads", 2); /* 4-D input with 3 heads */
  expect_error(n, HY_ERR_INVALID_MODEL, "q_num_heads");
}

/* ---- RMSNormalization ---- */

static void check_rms(int32_t rank, const int64_t *dims, int64_t axis, int32_t srank,
                      const int64_t *sdims, float eps) {
  int64_t n = numel4(dims, rank), ns = numel4(sdims, srank);
  float x[512], s[512], y[512];
  fill(x, n, 21);
  fill(s, ns, 22);
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, rank, dims), val(HY_DTYPE_FLOAT, srank, sdims)};
  ir_node *nd = node("RMSNormalization", 23, in, 2, 1, 1u);
  attr_i(nd, "axis", axis);
  attr_f(nd, "epsilon", eps);
  const void *pin[2] = {x, s};
  void *pout[1] = {y};
  run(nd, pin, pout);
  int64_t a = axis < 0 ? axis + rank : axis, inner = 1;
  for (int32_t i = (int32_t)a; i < rank; i++) inner *= dims[i];
  for (int64_t r = 0; r < n / inner; r++) {
    double q = 0;
    for (int64_t i = 0; i < inner; i++) q += (double)x[r * inner + i] * x[r * inner + i];
    double inv = 1 / sqrt(q / (double)inner + eps);
    for (int64_t i = 0; i < inner; i++) {
      int64_t e = r * inner + i, rest = e, so = 0, st = 1;
      for (int32_t d = rank - 1; d >= rank - srank; d--) { /* explicit broadcast of scale */
        int64_t k = rest % dims[d];
        rest /= dims[d];
        if (sdims[d - (rank - srank)] != 1) so += k * st;
        st *= sdims[d - (rank - srank)];
      }
      assert_close(y[e], x[e] * inv * s[so], 1e-5, "Y", e);
    }
  }
}

Test(attention, rmsnorm_over_the_trailing_dims_with_broadcast_scale) {
  int64_t x4[4] = {2, 3, 4, 5}, s1[1] = {5}, s2[2] = {4, 5}, s3[3] = {3, 1, 5};
  check_rms(4, x4, -1, 1, s1, 1e-5f);
  check_rms(4, x4, 2, 2, s2, 1e-3f);
  check_rms(4, x4, 1, 3, s3, 1e-5f); /* scale broadcast inside the normalised dims */
  int64_t x2[2] = {4, 40}, sb[2] = {4, 1};
  check_rms(2, x2, 1, 2, sb, 1e-5f); /* scale varies with the row: not one row's worth */
  int64_t x3[3] = {3, 4, 40}, s40[1] = {40};
  check_rms(3, x3, -1, 1, s40, 0.1f); /* the vector path with its tail */
}

Test(attention, rmsnorm_errors) {
  int64_t x[2] = {3, 4}, sbad[1] = {3};
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 2, x), val(HY_DTYPE_FLOAT, 1, sbad)};
  expect_error(node("RMSNormalization", 23, in, 2, 1, 1u), HY_ERR_SHAPE, "does not broadcast");
  in[1] = val(HY_DTYPE_FLOAT, 1, x + 1);
  ir_node *n = node("RMSNormalization", 23, in, 2, 1, 1u);
  attr_i(n, "axis", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "axis");
  n = node("RMSNormalization", 23, in, 2, 1, 1u);
  attr_i(n, "stash_type", HY_DTYPE_FLOAT16);
  expect_error(n, HY_ERR_UNSUPPORTED, "stash_type");
  n = node("RMSNormalization", 23, in, 2, 1, 1u);
  attr_f(n, "epsilon", -1.0f);
  expect_error(n, HY_ERR_INVALID_MODEL, "epsilon");
}

/* ---- RotaryEmbedding ---- */

static void check_rope(bool rank3, bool interleaved, int64_t rd, bool pos_ids) {
  const int64_t B = 2, H = 3, S = 4, hs = 8, maxp = 10;
  int64_t half = (rd ? rd : hs) / 2, n = B * H * S * hs;
  int64_t x4[4] = {B, H, S, hs}, x3[3] = {B, S, H * hs}, c2[2] = {maxp, half},
          c3[3] = {B, S, half}, pd[2] = {B, S};
  float x[192], y[192], cs[64], sn[64];
  int64_t pos[8] = {3, 0, 9, 5, 1, 1, 7, 2};
  fill(x, n, 31);
  fill(cs, 64, 32);
  fill(sn, 64, 33);
  ir_value *in[4] = {rank3 ? val(HY_DTYPE_FLOAT, 3, x3) : val(HY_DTYPE_FLOAT, 4, x4),
                     pos_ids ? val(HY_DTYPE_FLOAT, 2, c2) : val(HY_DTYPE_FLOAT, 3, c3),
                     pos_ids ? val(HY_DTYPE_FLOAT, 2, c2) : val(HY_DTYPE_FLOAT, 3, c3),
                     pos_ids ? val(HY_DTYPE_INT64, 2, pd) : NULL};
  ir_node *nd = node("RotaryEmbedding", 23, in, pos_ids ? 4 : 3, 1, 1u);
  if (rank3) attr_i(nd, "num_heads", H);
  if (interleaved) attr_i(nd, "interleaved", 1);
  if (rd) attr_i(nd, "rotary_embedding_dim", rd);
  const void *pin[4] = {x, cs, sn, pos};
  void *pout[1] = {y};
  run(nd, pin, pout);
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t s = 0; s < S; s++) {
        int64_t base = rank3 ? (b * S + s) * H * hs + h * hs : ((b * H + h) * S + s) * hs;
        int64_t row = pos_ids ? pos[b * S + s] : b * S + s;
        for (int64_t e = 0; e < hs; e++) {
          double want = x[base + e];
          if (e < 2 * half) {
            int64_t i = interleaved ? e / 2 : e % half;
            bool first = interleaved ? e % 2 == 0 : e < half;
            double x1 = x[base + (interleaved ? 2 * i : i)];
            double x2 = x[base + (interleaved ? 2 * i + 1 : i + half)];
            double c = cs[row * half + i], si = sn[row * half + i];
            want = first ? c * x1 - si * x2 : si * x1 + c * x2;
          }
          assert_close(y[base + e], want, 1e-6, "Y", base + e);
        }
      }
}

Test(attention, rotary_halves_interleaved_partial_and_position_ids) {
  check_rope(false, false, 0, true);
  check_rope(false, true, 0, true);
  check_rope(false, false, 4, true);
  check_rope(false, true, 4, false);
  check_rope(true, false, 0, true);
  check_rope(true, true, 6, false);
}

Test(attention, rotary_position_out_of_range_is_an_error_not_a_read) {
  int64_t x4[4] = {1, 1, 2, 4}, c2[2] = {3, 2}, pd[2] = {1, 2};
  float x[8] = {0}, y[8], cs[6] = {0}, sn[6] = {0};
  int64_t pos[2] = {1, 3};
  ir_value *in[4] = {val(HY_DTYPE_FLOAT, 4, x4), val(HY_DTYPE_FLOAT, 2, c2),
                     val(HY_DTYPE_FLOAT, 2, c2), val(HY_DTYPE_INT64, 2, pd)};
  ir_node *nd = node("RotaryEmbedding", 23, in, 4, 1, 1u);
  const void *pin[4] = {x, cs, sn, pos};
  void *pout[1] = {y};
  cr_assert_eq(run_status(nd, pin, pout), HY_ERR_SHAPE);
}

Test(attention, rotary_errors) {
  int64_t x4[4] = {1, 2, 3, 8}, x3[3] = {1, 3, 16}, c2[2] = {5, 4}, c3[3] = {1, 3, 3};
  int64_t pd[2] = {1, 3};
  ir_value *in[4] = {val(HY_DTYPE_FLOAT, 3, x3), val(HY_DTYPE_FLOAT, 2, c2),
                     val(HY_DTYPE_FLOAT, 2, c2), val(HY_DTYPE_INT64, 2, pd)};
  expect_error(node("RotaryEmbedding", 23, in, 4, 1, 1u), HY_ERR_INVALID_MODEL, "num_heads");
  in[0] = val(HY_DTYPE_FLOAT, 4, x4);
  ir_node *n = node("RotaryEmbedding", 23, in, 4, 1, 1u);
  attr_i(n, "rotary_embedding_dim", 5);
  expect_error(n, HY_ERR_INVALID_MODEL, "rotary_embedding_dim");
  in[1] = in[2] = val(HY_DTYPE_FLOAT, 3, c3);
  expect_error(node("RotaryEmbedding", 23, in, 4, 1, 1u), HY_ERR_SHAPE, "cos_cache");
  expect_error(node("RotaryEmbedding", 23, in, 3, 1, 1u), HY_ERR_SHAPE, "[1, 3, 4]");
  in[1] = in[2] = val(HY_DTYPE_FLOAT16, 2, c2);
  expect_error(node("RotaryEmbedding", 23, in, 4, 1, 1u), HY_ERR_DTYPE, "like X");
}
