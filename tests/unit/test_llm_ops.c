/* The LLM-era neighbours of Attention (SwiGLU, TensorScatter, CausalConvWithState,
 * LinearAttention): each built as a node, run through its infer and lower hooks and its native
 * kernel (chunking parallel_for, planned scratch), and compared with naive computations written
 * here from the ONNX definitions; plus the errors for malformed nodes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/src/kernels/kernel_util.h"
#include "node_fixture.h"

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(llm_ops, .init = setup, .fini = graph_fixture_close);

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

static void run(ir_node *n, const void *const *in, void *const *out) {
  cr_assert_eq(fixture_run_status(n, in, out), HY_OK, "kernel");
}

static void expect_error(ir_node *n, hy_status want, const char *needle) {
  diag_init(&D);
  cr_assert_eq(infer(n), want, "status; message: %s", D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' should mention '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "n1"), "message '%s' names the node", D.msg);
}

static float bf16r(float x) { return hy_k_bf16_to_f32(hy_k_f32_to_bf16(x)); }

/* ---- SwiGLU ---- */

Test(llm_ops, swiglu_gates_b_with_swish_of_a) {
  int64_t dims[3] = {2, 3, 5};
  float a[30], b[30], y[30];
  fill(a, 30, 1), fill(b, 30, 2);
  float alphas[2] = {1.0f, 0.5f};
  for (int t = 0; t < 2; t++) {
    ir_value *in[2] = {val(HY_DTYPE_FLOAT, 3, dims), val(HY_DTYPE_FLOAT, 3, dims)};
    ir_node *n = fixture_node("SwiGLU", 28, in, 2, 1);
    if (t) attr_f(n, "alpha", alphas[t]);
    run(n, (const void *[]){a, b}, (void *[]){y});
    assert_dims(n->out[0], 3, dims);
    for (int i = 0; i < 30; i++) {
      double want = a[i] / (1 + exp(-alphas[t] * (double)a[i])) * b[i];
      assert_close(y[i], want, 1e-5, "Y", i);
    }
  }
}

/* bfloat16 rounds the Swish result before the product, as Swish then Mul would. */
Test(llm_ops, swiglu_bfloat16_rounds_like_swish_then_mul) {
  int64_t dims[1] = {40};
  float a[40], b[40];
  uint16_t ah[40], bh[40], yh[40];
  fill(a, 40, 3), fill(b, 40, 4);
  for (int i = 0; i < 40; i++)
    ah[i] = hy_k_f32_to_bf16(a[i]), bh[i] = hy_k_f32_to_bf16(b[i]);
  ir_value *in[2] = {val(HY_DTYPE_BFLOAT16, 1, dims), val(HY_DTYPE_BFLOAT16, 1, dims)};
  run(fixture_node("SwiGLU", 28, in, 2, 1), (const void *[]){ah, bh}, (void *[]){yh});
  for (int i = 0; i < 40; i++) {
    float x = hy_k_bf16_to_f32(ah[i]);
    float want = bf16r(bf16r(x / (1 + expf(-x))) * hy_k_bf16_to_f32(bh[i]));
    cr_assert_eq(hy_k_bf16_to_f32(yh[i]), want, "Y[%d]", i);
  }
}

Test(llm_ops, swiglu_errors) {
  int64_t d1[2] = {2, 4}, d2[2] = {1, 4};
  ir_value *in[2] = {val(HY_DTYPE_FLOAT, 2, d1), val(HY_DTYPE_FLOAT, 2, d2)};
  expect_error(fixture_node("SwiGLU", 28, in, 2, 1), HY_ERR_SHAPE, "identical shapes");
  in[1] = val(HY_DTYPE_FLOAT16, 2, d1);
  expect_error(fixture_node("SwiGLU", 28, in, 2, 1), HY_ERR_DTYPE, "float16");
  in[0] = in[1] = val(HY_DTYPE_INT32, 2, d1);
  expect_error(fixture_node("SwiGLU", 28, in, 2, 1), HY_ERR_DTYPE, "int32");
  in[0] = in[1] = val(HY_DTYPE_FLOAT, 2, d1);
  ir_node *n = fixture_node("SwiGLU", 28, in, 2, 1);
  attr_f(n, "alpha", INFINITY);
  expect_error(n, HY_ERR_INVALID_MODEL, "alpha");
}

/* ---- TensorScatter ---- */

/* Naive: present = past, then row s of update written at write_indices[b] + s (mod M). */
static void ref_scatter(const int64_t *dims, int32_t rank, int32_t axis, int64_t S,
                        const float *past, const float *upd, const int64_t *wi, bool circ,
                        float *want) {
  int64_t pre = 1, inner = 1, M = dims[axis];
  for (int32_t i = 0; i < axis; i++)
    pre *= dims[i];
  for (int32_t i = axis + 1; i < rank; i++)
    inner *= dims[i];
  memcpy(want, past, (size_t)(pre * M * inner) * sizeof *want);
  for (int64_t p = 0; p < pre; p++)
    for (int64_t s = 0; s < S; s++) {
      int64_t c = (wi ? wi[p / (pre / dims[0])] : 0) + s;
      if (circ) c = ((c % M) + M) % M;
      for (int64_t e = 0; e < inner; e++)
        want[(p * M + c) * inner + e] = upd[(p * S + s) * inner + e];
    }
}

static void check_scatter(int32_t rank, const int64_t *dims, int64_t axis_attr, int32_t axis,
                          int64_t S, const int64_t *wi, bool circ) {
  int64_t udims[4], n = 1, nu = 1, bd[1] = {dims[0]};
  for (int32_t i = 0; i < rank; i++) {
    udims[i] = i == axis ? S : dims[i];
    n *= dims[i], nu *= udims[i];
  }
  float past[256], upd[256], y[256], want[256];
  fill(past, n, 5), fill(upd, nu, 6);
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, rank, dims), val(HY_DTYPE_FLOAT, rank, udims),
                     wi ? val(HY_DTYPE_INT64, 1, bd) : NULL};
  ir_node *nd = fixture_node("TensorScatter", 24, in, 3, 1);
  if (axis_attr != -2) attr_i(nd, "axis", axis_attr);
  if (circ) attr_s(nd, "mode", "circular");
  run(nd, (const void *[]){past, upd, wi}, (void *[]){y});
  assert_dims(nd->out[0], rank, dims);
  ref_scatter(dims, rank, axis, S, past, upd, wi, circ, want);
  for (int64_t i = 0; i < n; i++)
    cr_assert_eq(y[i], want[i], "present[%lld]", (long long)i);
}

Test(llm_ops, tensor_scatter_linear_circular_and_default_indices) {
  int64_t d4[4] = {2, 3, 6, 4}, d3[3] = {3, 5, 2};
  int64_t wi4[2] = {1, 4}, wi3[3] = {0, 3, 2}, wrap[2] = {5, -1};
  check_scatter(4, d4, -2, 2, 2, wi4, false);
  check_scatter(4, d4, -2, 2, 3, NULL, false); /* no write_indices: rows 0 .. S-1 */
  check_scatter(3, d3, 1, 1, 2, wi3, false);
  check_scatter(4, d4, 2, 2, 4, wrap, true); /* wraps past the end, and from -1 */
  check_scatter(4, d4, -3, 1, 3, wi4, true); /* the sequence on axis 1 */
}

/* In linear mode a write past the cache's end is an error, and nothing is written. */
Test(llm_ops, tensor_scatter_out_of_range_write_is_an_error) {
  int64_t d[3] = {2, 4, 2}, u[3] = {2, 2, 2}, bd[1] = {2}, wi[2] = {0, 3};
  int64_t past[16], upd[8], y[16];
  for (int i = 0; i < 16; i++)
    past[i] = i, y[i] = -7;
  for (int i = 0; i < 8; i++)
    upd[i] = 100 + i;
  ir_value *in[3] = {val(HY_DTYPE_INT64, 3, d), val(HY_DTYPE_INT64, 3, u),
                     val(HY_DTYPE_INT64, 1, bd)};
  ir_node *n = fixture_node("TensorScatter", 24, in, 3, 1);
  attr_i(n, "axis", 1);
  cr_assert_eq(fixture_run_status(n, (const void *[]){past, upd, wi}, (void *[]){y}), HY_ERR_SHAPE);
  for (int i = 0; i < 16; i++)
    cr_assert_eq(y[i], -7, "untouched [%d]", i);
  wi[1] = 2; /* int64 elements move as bytes like any other */
  run(n, (const void *[]){past, upd, wi}, (void *[]){y});
  cr_assert(y[0] == 100 && y[3] == 103 && y[4] == 4 && y[12] == 104 && y[15] == 107);
}

Test(llm_ops, tensor_scatter_errors) {
  int64_t d[3] = {2, 4, 2}, longer[3] = {2, 5, 2}, other[3] = {2, 4, 3}, bd[1] = {2}, b3[1] = {3};
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 3, d), val(HY_DTYPE_FLOAT, 3, longer), NULL};
  ir_node *n = fixture_node("TensorScatter", 24, in, 3, 1);
  attr_i(n, "axis", 1);
  expect_error(n, HY_ERR_SHAPE, "update may be shorter");
  in[1] = val(HY_DTYPE_FLOAT, 3, other);
  n = fixture_node("TensorScatter", 24, in, 3, 1);
  attr_i(n, "axis", 1);
  expect_error(n, HY_ERR_SHAPE, "agree on every dim");
  in[1] = val(HY_DTYPE_FLOAT, 3, d);
  n = fixture_node("TensorScatter", 24, in, 3, 1);
  attr_i(n, "axis", 0);
  expect_error(n, HY_ERR_INVALID_MODEL, "axis");
  n = fixture_node("TensorScatter", 24, in, 3, 1);
  attr_i(n, "axis", 3);
  expect_error(n, HY_ERR_INVALID_MODEL, "axis");
  n = fixture_node("TensorScatter", 24, in, 3, 1);
  attr_s(n, "mode", "ring");
  expect_error(n, HY_ERR_INVALID_MODEL, "'ring' is not one of linear, circular");
  in[2] = val(HY_DTYPE_INT32, 1, bd);
  expect_error(fixture_node("TensorScatter", 24, in, 3, 1), HY_ERR_DTYPE, "write_indices");
  in[2] = val(HY_DTYPE_INT64, 1, b3);
  expect_error(fixture_node("TensorScatter", 24, in, 3, 1), HY_ERR_SHAPE, "[2] (the batch size)");
  in[2] = NULL;
  in[0] = in[1] = val(HY_DTYPE_INT4, 3, d);
  expect_error(fixture_node("TensorScatter", 24, in, 3, 1), HY_ERR_UNSUPPORTED, "int4");
}

/* ---- CausalConvWithState ---- */

typedef struct cconv_case {
  int64_t B, C, L, k;
  bool bias, past, silu;
} cconv_case;

/* Naive, from the definition: pad = past (or zeros), seq = pad ++ x, a valid depthwise conv. */
static void check_cconv(const cconv_case *c, uint32_t seed) {
  int64_t h = c->k - 1, nx = c->B * c->C * c->L, ns = c->B * c->C * h;
  float x[512], w[64], bias[16], past[256], y[512], pres[256];
  fill(x, nx, seed), fill(w, c->C * c->k, seed + 1), fill(bias, c->C, seed + 2);
  fill(past, ns, seed + 3);
  int64_t xd[3] = {c->B, c->C, c->L}, wd[3] = {c->C, 1, c->k}, bd[1] = {c->C},
          sd[3] = {c->B, c->C, h};
  ir_value *in[4] = {val(HY_DTYPE_FLOAT, 3, xd), val(HY_DTYPE_FLOAT, 3, wd),
                     c->bias ? val(HY_DTYPE_FLOAT, 1, bd) : NULL,
                     c->past ? val(HY_DTYPE_FLOAT, 3, sd) : NULL};
  ir_node *n = fixture_node("CausalConvWithState", 27, in, 4, 2);
  if (c->silu) attr_s(n, "activation", "silu");
  run(n, (const void *[]){x, w, c->bias ? bias : NULL, c->past ? past : NULL}, (void *[]){y, pres});
  assert_dims(n->out[0], 3, xd);
  assert_dims(n->out[1], 3, sd);
  for (int64_t b = 0; b < c->B; b++)
    for (int64_t ch = 0; ch < c->C; ch++) {
      double seq[64];
      for (int64_t i = 0; i < h + c->L; i++)
        seq[i] = i < h ? (c->past ? past[(b * c->C + ch) * h + i] : 0)
                       : x[(b * c->C + ch) * c->L + i - h];
      for (int64_t t = 0; t < c->L; t++) {
        double acc = c->bias ? bias[ch] : 0;
        for (int64_t j = 0; j < c->k; j++)
          acc += w[ch * c->k + j] * seq[t + j];
        if (c->silu) acc = acc / (1 + exp(-acc));
        assert_close(y[(b * c->C + ch) * c->L + t], acc, 1e-5, "output", t);
      }
      for (int64_t i = 0; i < h; i++)
        cr_assert_eq(pres[(b * c->C + ch) * h + i], (float)seq[c->L + i], "present_state[%lld]",
                     (long long)i);
    }
}

Test(llm_ops, causal_conv_with_and_without_state_bias_and_silu) {
  check_cconv(&(cconv_case){.B = 2, .C = 3, .L = 7, .k = 4}, 10);
  check_cconv(&(cconv_case){.B = 2, .C = 3, .L = 7, .k = 4, .bias = true, .past = true}, 11);
  check_cconv(&(cconv_case){.B = 1, .C = 4, .L = 1, .k = 3, .past = true, .silu = true}, 12);
  check_cconv(&(cconv_case){.B = 2, .C = 2, .L = 5, .k = 1, .bias = true}, 13); /* no state */
  /* an input shorter than the state: the new state keeps part of the old one */
  check_cconv(&(cconv_case){.B = 2, .C = 2, .L = 2, .k = 5, .past = true, .silu = true}, 14);
}

/* float16: the convolution is rounded to float16 before the activation. */
Test(llm_ops, causal_conv_float16_rounds_before_silu) {
  int64_t xd[3] = {1, 2, 6}, wd[3] = {2, 1, 3};
  float x[12], w[6];
  uint16_t xh[12], wh[6], yh[12], ph[4];
  fill(x, 12, 20), fill(w, 6, 21);
  for (int i = 0; i < 12; i++)
    xh[i] = hy_k_f32_to_f16(x[i]);
  for (int i = 0; i < 6; i++)
    wh[i] = hy_k_f32_to_f16(w[i]);
  ir_value *in[2] = {val(HY_DTYPE_FLOAT16, 3, xd), val(HY_DTYPE_FLOAT16, 3, wd)};
  ir_node *n = fixture_node("CausalConvWithState", 27, in, 2, 2);
  attr_s(n, "activation", "swish");
  run(n, (const void *[]){xh, wh}, (void *[]){yh, ph});
  for (int c = 0; c < 2; c++)
    for (int t = 0; t < 6; t++) {
      float acc = 0;
      for (int j = 0; j < 3; j++)
        if (t + j >= 2)
          acc += hy_k_f16_to_f32(wh[c * 3 + j]) * hy_k_f16_to_f32(xh[c * 6 + t + j - 2]);
      float conv = hy_k_f16_to_f32(hy_k_f32_to_f16(acc));
      cr_assert_eq(yh[c * 6 + t], hy_k_f32_to_f16(conv / (1 + expf(-conv))), "Y[%d, %d]", c, t);
    }
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < 2; i++)
      cr_assert_eq(ph[c * 2 + i], xh[c * 6 + 4 + i], "present_state");
}

Test(llm_ops, causal_conv_errors) {
  int64_t xd[3] = {2, 3, 5}, wd[3] = {3, 1, 4}, wbad[3] = {2, 1, 4}, w0[3] = {3, 1, 0},
          sbad[3] = {2, 3, 2}, bbad[1] = {4}, x2[2] = {3, 5};
  ir_value *in[4] = {val(HY_DTYPE_FLOAT, 3, xd), val(HY_DTYPE_FLOAT, 3, wbad), NULL, NULL};
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_SHAPE, "weight");
  in[1] = val(HY_DTYPE_FLOAT, 3, w0);
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_SHAPE, "kernel size 0");
  in[1] = val(HY_DTYPE_FLOAT, 3, wd);
  in[3] = val(HY_DTYPE_FLOAT, 3, sbad);
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_SHAPE, "[2, 3, 3]");
  in[3] = NULL;
  in[2] = val(HY_DTYPE_FLOAT, 1, bbad);
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_SHAPE, "bias");
  in[2] = val(HY_DTYPE_FLOAT16, 1, bbad);
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_DTYPE, "like input");
  in[2] = NULL;
  ir_node *n = fixture_node("CausalConvWithState", 27, in, 4, 2);
  attr_s(n, "activation", "gelu");
  expect_error(n, HY_ERR_INVALID_MODEL, "activation");
  in[0] = val(HY_DTYPE_FLOAT, 2, x2);
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_SHAPE, "[batch, channels");
  in[0] = val(HY_DTYPE_DOUBLE, 3, xd);
  expect_error(fixture_node("CausalConvWithState", 27, in, 4, 2), HY_ERR_DTYPE, "double");
}

/* ---- LinearAttention ---- */

typedef struct lin_case {
  int64_t B, T, Hq, Hkv, dk, dv;
  const char *rule; /* NULL: the default gated_delta */
  bool per_key_decay, beta_per_head, past;
  float scale; /* 0: default */
} lin_case;

/* The recurrence as the definition states it, in double, one (batch, kv head) at a time. */
static void ref_linear(const lin_case *c, bool gated, bool delta, const float *q, const float *k,
                       const float *v, const float *past, const float *g, const float *beta,
                       double *y, double *state) {
  double scale = c->scale != 0 ? c->scale : 1 / sqrt((double)c->dk);
  int64_t grp = c->Hq / c->Hkv, gl = c->per_key_decay ? c->Hkv * c->dk : c->Hkv;
  for (int64_t b = 0; b < c->B; b++)
    for (int64_t h = 0; h < c->Hkv; h++) {
      double *S = state + (b * c->Hkv + h) * c->dk * c->dv;
      for (int64_t e = 0; e < c->dk * c->dv; e++)
        S[e] = past ? past[(b * c->Hkv + h) * c->dk * c->dv + e] : 0;
      for (int64_t t = 0; t < c->T; t++) {
        const float *kt = k + (b * c->T + t) * c->Hkv * c->dk + h * c->dk;
        const float *vt = v + (b * c->T + t) * c->Hkv * c->dv + h * c->dv;
        double u[16];
        for (int64_t m = 0; m < c->dv; m++)
          u[m] = vt[m];
        if (gated)
          for (int64_t d = 0; d < c->dk; d++) {
            double f = exp(g[(b * c->T + t) * gl + (c->per_key_decay ? h * c->dk + d : h)]);
            for (int64_t m = 0; m < c->dv; m++)
              S[d * c->dv + m] *= f;
          }
        if (delta) {
          double bt =
              beta[(b * c->T + t) * (c->beta_per_head ? c->Hkv : 1) + (c->beta_per_head ? h : 0)];
          for (int64_t m = 0; m < c->dv; m++) {
            double r = 0;
            for (int64_t d = 0; d < c->dk; d++)
              r += S[d * c->dv + m] * kt[d];
            u[m] = bt * (u[m] - r);
          }
        }
        for (int64_t d = 0; d < c->dk; d++)
          for (int64_t m = 0; m < c->dv; m++)
            S[d * c->dv + m] += kt[d] * u[m];
        for (int64_t hq = 0; hq < c->Hq; hq++) {
          if (hq / grp != h) continue;
          const float *qt = q + (b * c->T + t) * c->Hq * c->dk + hq * c->dk;
          for (int64_t m = 0; m < c->dv; m++) {
            double o = 0;
            for (int64_t d = 0; d < c->dk; d++)
              o += qt[d] * S[d * c->dv + m];
            y[(b * c->T + t) * c->Hq * c->dv + hq * c->dv + m] = scale * o;
          }
        }
      }
    }
}

static void check_linear(const lin_case *c, uint32_t seed) {
  const char *rule = c->rule ? c->rule : "gated_delta";
  bool gated = strstr(rule, "gated") != NULL, delta = strstr(rule, "delta") != NULL;
  int64_t nq = c->B * c->T * c->Hq * c->dk, nk = c->B * c->T * c->Hkv * c->dk,
          nv = c->B * c->T * c->Hkv * c->dv, ns = c->B * c->Hkv * c->dk * c->dv;
  int64_t gl = c->per_key_decay ? c->Hkv * c->dk : c->Hkv, bl = c->beta_per_head ? c->Hkv : 1;
  int64_t ny = c->B * c->T * c->Hq * c->dv;
  float *q = malloc((size_t)nq * 4), *k = malloc((size_t)nk * 4), *v = malloc((size_t)nv * 4);
  float *past = malloc((size_t)ns * 4), *g = malloc((size_t)(c->B * c->T * gl) * 4);
  float *beta = malloc((size_t)(c->B * c->T * bl) * 4), *y = malloc((size_t)ny * 4);
  float *st = malloc((size_t)ns * 4);
  double *wy = malloc((size_t)ny * 8), *wst = malloc((size_t)ns * 8);
  fill(q, nq, seed), fill(k, nk, seed + 1), fill(v, nv, seed + 2), fill(past, ns, seed + 3);
  fill(g, c->B * c->T * gl, seed + 4), fill(beta, c->B * c->T * bl, seed + 5);
  for (int64_t i = 0; i < nq; i++)
    q[i] /= 8;
  for (int64_t i = 0; i < nk; i++)
    k[i] /= 8;
  for (int64_t i = 0; i < c->B * c->T * gl; i++)
    g[i] = -fabsf(g[i]) / 8; /* decays */
  for (int64_t i = 0; i < c->B * c->T * bl; i++)
    beta[i] = 1 / (1 + expf(-beta[i]));
  int64_t qd[3] = {c->B, c->T, c->Hq * c->dk}, kd[3] = {c->B, c->T, c->Hkv * c->dk},
          vd[3] = {c->B, c->T, c->Hkv * c->dv}, sd[4] = {c->B, c->Hkv, c->dk, c->dv},
          gd[3] = {c->B, c->T, gl}, bd[3] = {c->B, c->T, bl};
  ir_value *in[6] = {val(HY_DTYPE_FLOAT, 3, qd),
                     val(HY_DTYPE_FLOAT, 3, kd),
                     val(HY_DTYPE_FLOAT, 3, vd),
                     c->past ? val(HY_DTYPE_FLOAT, 4, sd) : NULL,
                     gated ? val(HY_DTYPE_FLOAT, 3, gd) : NULL,
                     delta ? val(HY_DTYPE_FLOAT, 3, bd) : NULL};
  ir_node *n = fixture_node("LinearAttention", 27, in, 6, 2);
  attr_i(n, "q_num_heads", c->Hq);
  attr_i(n, "kv_num_heads", c->Hkv);
  if (c->rule) attr_s(n, "update_rule", c->rule);
  if (c->scale != 0) attr_f(n, "scale", c->scale);
  run(n, (const void *[]){q, k, v, c->past ? past : NULL, gated ? g : NULL, delta ? beta : NULL},
      (void *[]){y, st});
  int64_t yd[3] = {c->B, c->T, c->Hq * c->dv};
  assert_dims(n->out[0], 3, yd);
  assert_dims(n->out[1], 4, sd);
  ref_linear(c, gated, delta, q, k, v, c->past ? past : NULL, g, beta, wy, wst);
  for (int64_t i = 0; i < ny; i++)
    assert_close(y[i], wy[i], 1e-4, "output", i);
  for (int64_t i = 0; i < ns; i++)
    assert_close(st[i], wst[i], 1e-4, "present_state", i);
  free(q), free(k), free(v), free(past), free(g), free(beta), free(y), free(st), free(wy);
  free(wst);
}

Test(llm_ops, linear_attention_every_update_rule) {
  check_linear(&(lin_case){2, 5, 2, 2, 4, 3, "linear", false, false, false, 0}, 30);
  check_linear(&(lin_case){2, 5, 2, 2, 4, 3, "gated", true, false, true, 0}, 31);
  check_linear(&(lin_case){2, 5, 2, 2, 4, 3, "gated", false, false, false, 0}, 32);
  check_linear(&(lin_case){2, 5, 2, 2, 4, 3, "delta", false, true, true, 0.3f}, 33);
  check_linear(&(lin_case){2, 5, 2, 2, 4, 3, NULL, true, true, true, 0}, 34);
}

Test(llm_ops, linear_attention_gqa_mqa_scalar_beta_and_decode) {
  check_linear(&(lin_case){2, 4, 4, 2, 4, 5, NULL, true, true, false, 0}, 40);  /* GQA */
  check_linear(&(lin_case){1, 3, 4, 1, 3, 2, NULL, false, false, true, 0}, 41); /* MQA */
  check_linear(&(lin_case){2, 1, 2, 2, 4, 4, NULL, true, true, true, 0}, 42);   /* T = 1 */
}

Test(llm_ops, linear_attention_errors) {
  int64_t qd[3] = {2, 3, 8}, vd[3] = {2, 3, 6}, gd[3] = {2, 3, 3}, bd[3] = {2, 3, 2},
          sd[4] = {2, 2, 4, 4};
  ir_value *in[6] = {val(HY_DTYPE_FLOAT, 3, qd),
                     val(HY_DTYPE_FLOAT, 3, qd),
                     val(HY_DTYPE_FLOAT, 3, vd),
                     NULL,
                     NULL,
                     NULL};
  ir_node *n = fixture_node("LinearAttention", 27, in, 6, 2);
  attr_i(n, "q_num_heads", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "kv_num_heads");
  attr_i(n, "kv_num_heads", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "requires input 4 (decay)");
  attr_s(n, "update_rule", "linear");
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  n->attrs[2].s = "exotic";
  expect_error(n, HY_ERR_INVALID_MODEL, "update_rule");
  n->attrs[2].s = "delta";
  expect_error(n, HY_ERR_INVALID_MODEL, "requires input 5 (beta)");
  n->attrs[1].i = 3;
  expect_error(n, HY_ERR_INVALID_MODEL, "not a multiple");
  in[4] = val(HY_DTYPE_FLOAT, 3, gd);
  in[5] = val(HY_DTYPE_FLOAT, 3, bd);
  n = fixture_node("LinearAttention", 27, in, 6, 2);
  attr_i(n, "q_num_heads", 2), attr_i(n, "kv_num_heads", 2);
  expect_error(n, HY_ERR_SHAPE, "decay");
  in[4] = NULL;
  n = fixture_node("LinearAttention", 27, in, 6, 2);
  attr_i(n, "q_num_heads", 2), attr_i(n, "kv_num_heads", 2), attr_s(n, "update_rule", "linear");
  expect_error(n, HY_ERR_INVALID_MODEL, "does not take input 5 (beta)");
  in[5] = NULL;
  in[3] = val(HY_DTYPE_FLOAT, 4, sd);
  n = fixture_node("LinearAttention", 27, in, 6, 2);
  attr_i(n, "q_num_heads", 2), attr_i(n, "kv_num_heads", 2), attr_s(n, "update_rule", "linear");
  expect_error(n, HY_ERR_SHAPE, "past_state");
}
