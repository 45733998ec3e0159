/* Elementwise family: the kernels called natively on hand-made hy_kparams against naive
 * expectations (math, integer corner cases, broadcasting, float16), and the infer/lower hooks on
 * tiny hand-built graphs (types, broadcasting errors, the coalesced broadcast walk). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../runtime/src/kernels/kernel_util.h"
#include "graph_fixture.h"

/* ---- kernel calls ---- */

static hy_tdesc desc(hy_dtype dt, int32_t rank, const int64_t *dims) {
  hy_tdesc t;
  memset(&t, 0, sizeof t);
  t.dtype = dt;
  t.rank = rank;
  for (int32_t i = 0; i < rank; i++) t.dims[i] = dims[i];
  return t;
}

static hy_status call(hy_kernel_id k, int32_t n_in, const hy_tdesc *ti, const void *const *in,
                      const hy_tdesc *to, void *out, const int64_t *ints, int32_t n_ints,
                      const double *floats, int32_t n_floats) {
  hy_kparams p = {n_in, 1, n_ints, n_floats, ti, to, ints, floats};
  void *outs[1] = {out};
  return hy_kernel_table[k](&p, in, outs, NULL, NULL);
}

/* Same-shape unary call on n floats. */
static void unary_f32(hy_ew_unary op, const float *x, float *y, int64_t n, double alpha,
                      double beta) {
  hy_tdesc t = desc(HY_DTYPE_FLOAT, 1, &n);
  const void *in[1] = {x};
  int64_t ints[1] = {op};
  double fl[2] = {alpha, beta};
  cr_assert_eq(call(HY_KERNEL_unary, 1, &t, in, &t, y, ints, 1, fl, 2), HY_OK);
}

static void assert_close(double got, double want, const char *what, int64_t i) {
  double tol = 1e-7 + 1e-5 * fabs(want);
  if (isnan(want))
    cr_assert(isnan(got), "%s[%lld]: got %g, expected NaN", what, (long long)i, got);
  else
    cr_assert(got == want || fabs(got - want) <= tol, "%s[%lld]: got %.9g, expected %.9g", what,
              (long long)i, got, want);
}

/* ---- float16 helpers (kernel_util.h) ---- */

Test(f16, every_half_widens_like_the_runtime) {
  for (uint32_t h = 0; h < 65536; h++) {
    float a = hy_k_f16_to_f32((uint16_t)h), b = hy_f16_to_f32((uint16_t)h);
    if (isnan(b))
      cr_assert(isnan(a), "half 0x%04x", h);
    else
      cr_assert(memcmp(&a, &b, 4) == 0, "half 0x%04x: %g vs %g", h, (double)a, (double)b);
  }
}

Test(f16, floats_narrow_with_round_to_nearest_even) {
  /* a sweep of bit patterns over every exponent, plus the ties and the edges */
  for (uint64_t u = 0; u < 0x100000000ull; u += 65521) {
    uint32_t bits = (uint32_t)u;
    float f;
    memcpy(&f, &bits, 4);
    uint16_t a = hy_k_f32_to_f16(f), b = hy_f32_to_f16(f);
    if (isnan(f))
      cr_assert((a & 0x7c00) == 0x7c00 && (a & 0x3ff), "NaN 0x%08x stays NaN", bits);
    else
      cr_assert_eq(a, b, "float 0x%08x (%g): 0x%04x vs 0x%04x", bits, (double)f, a, b);
  }
  const float edge[] = {65504.f, 65520.f, 65519.99f, 1.0009765625f, 1.00048828125f,
                        1.00146484375f, 5.9604645e-8f, 2.98e-8f, 6.1035156e-5f, -0.f, INFINITY};
  for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
    cr_assert_eq(hy_k_f32_to_f16(edge[i]), hy_f32_to_f16(edge[i]), "edge %g", (double)edge[i]);
}

/* ---- unary ---- */

static double ref_unary(hy_ew_unary op, double x, double al, double be) {
  switch (op) {
  case HY_UN_ABS: return fabs(x);
  case HY_UN_NEG: return -x;
  case HY_UN_SQRT: return sqrt(x);
  case HY_UN_EXP: return exp(x);
  case HY_UN_LOG: return log(x);
  case HY_UN_TANH: return tanh(x);
  case HY_UN_RELU: return x > 0 ? x : 0;
  case HY_UN_SIGMOID: return 1 / (1 + exp(-x));
  case HY_UN_ERF: return erf(x);
  case HY_UN_RECIPROCAL: return 1 / x;
  case HY_UN_FLOOR: return floor(x);
  case HY_UN_CEIL: return ceil(x);
  case HY_UN_SIN: return sin(x);
  case HY_UN_COS: return cos(x);
  case HY_UN_SOFTPLUS: return log(exp(x) + 1);
  case HY_UN_LEAKYRELU: return x < 0 ? al * x : x;
  case HY_UN_ELU: return x < 0 ? al * (exp(x) - 1) : x;
  case HY_UN_HARDSIGMOID: return fmax(0, fmin(1, al * x + be));
  case HY_UN_SIGN: return x > 0 ? 1 : x < 0 ? -1 : 0;
  default: return NAN;
  }
}

Test(unary, float_ops_match_reference_math) {
  const float x[] = {-3.5f, -1.f, -0.25f, 0.f, 0.3f, 1.f, 2.5f, 7.f};
  const int64_t n = sizeof x / sizeof *x;
  for (int op = HY_UN_ABS; op <= HY_UN_SIGN; op++) {
    float y[8];
    double al = op == HY_UN_HARDSIGMOID ? 0.2 : 0.1, be = 0.5;
    unary_f32((hy_ew_unary)op, x, y, n, al, be);
    for (int64_t i = 0; i < n; i++) {
      double want = ref_unary((hy_ew_unary)op, (double)x[i], (double)(float)al, be);
      char what[32];
      snprintf(what, sizeof what, "op %d", op);
      assert_close(y[i], want, what, i);
    }
  }
}

/* The float32 exp/tanh/erf are vectorisable approximations: sweep them against double libm
 * (tighter than ONNX's rtol 1e-3) including the clamps, the subnormal range and NaN. */
Test(unary, fast_float_math_is_accurate) {
  enum { N = 20001 };
  static float x[N + 6], y[N + 6];
  for (int i = 0; i < N; i++) x[i] = -110.f + 200.f * (float)i / (N - 1);
  const float extra[] = {0.f, -0.f, 1e-6f, -3e-5f, INFINITY, -INFINITY};
  memcpy(x + N, extra, sizeof extra);
  const struct {
    hy_ew_unary op;
    double (*ref)(double);
  } fns[] = {{HY_UN_EXP, exp}, {HY_UN_TANH, tanh}, {HY_UN_ERF, erf}};
  for (int f = 0; f < 3; f++) {
    unary_f32(fns[f].op, x, y, N + 6, 0, 0);
    for (int i = 0; i < N + 6; i++) {
      double want = fns[f].ref((double)x[i]);
      if (want > 3.4e38) { /* overflows float */
        cr_assert(isinf(y[i]) && y[i] > 0, "op %d(%g) = %g", fns[f].op, (double)x[i], (double)y[i]);
        continue;
      }
      double tol = 1e-44 + 2e-6 * fabs(want);
      cr_assert(fabs(y[i] - want) <= tol, "op %d(%.9g) = %.9g, expected %.9g", fns[f].op,
                (double)x[i], (double)y[i], want);
    }
    float nan_in = NAN, nan_out;
    unary_f32(fns[f].op, &nan_in, &nan_out, 1, 0, 0);
    cr_assert(isnan(nan_out), "op %d keeps NaN", fns[f].op);
  }
}

Test(unary, sigmoid_and_softplus_do_not_overflow) {
  const float x[] = {-1000.f, -100.f, 100.f, 1000.f};
  float y[4];
  unary_f32(HY_UN_SIGMOID, x, y, 4, 0, 0);
  cr_assert(y[0] == 0 && y[1] >= 0 && y[1] < 1e-30f && y[2] == 1 && y[3] == 1, "%g %g %g %g",
            (double)y[0], (double)y[1], (double)y[2], (double)y[3]);
  unary_f32(HY_UN_SOFTPLUS, x, y, 4, 0, 0);
  cr_assert(y[0] == 0 && y[2] == 100 && y[3] == 1000, "%g %g %g", (double)y[0], (double)y[2],
            (double)y[3]);
}

Test(unary, integers_wrap_and_isnan_gives_bool) {
  int64_t n = 4;
  const int8_t x[] = {-128, -5, 0, 7};
  int8_t y[4];
  hy_tdesc t = desc(HY_DTYPE_INT8, 1, &n);
  const void *in[1] = {x};
  int64_t op[1] = {HY_UN_ABS};
  cr_assert_eq(call(HY_KERNEL_unary, 1, &t, in, &t, y, op, 1, NULL, 0), HY_OK);
  cr_assert(y[0] == -128 && y[1] == 5 && y[2] == 0 && y[3] == 7, "abs int8 wraps at -128");
  op[0] = HY_UN_SIGN;
  cr_assert_eq(call(HY_KERNEL_unary, 1, &t, in, &t, y, op, 1, NULL, 0), HY_OK);
  cr_assert(y[0] == -1 && y[1] == -1 && y[2] == 0 && y[3] == 1);

  const float f[] = {NAN, 1.f, INFINITY, -0.f};
  uint8_t b[4];
  hy_tdesc tf = desc(HY_DTYPE_FLOAT, 1, &n), tb = desc(HY_DTYPE_BOOL, 1, &n);
  const void *inf[1] = {f};
  op[0] = HY_UN_ISNAN;
  cr_assert_eq(call(HY_KERNEL_unary, 1, &tf, inf, &tb, b, op, 1, NULL, 0), HY_OK);
  cr_assert(b[0] == 1 && b[1] == 0 && b[2] == 0 && b[3] == 0);
}

Test(unary, float16_computes_in_float) {
  int64_t n = 3;
  const float xs[] = {4.f, 2.f, 0.5f};
  uint16_t x[3], y[3];
  for (int i = 0; i < 3; i++) x[i] = hy_f32_to_f16(xs[i]);
  hy_tdesc t = desc(HY_DTYPE_FLOAT16, 1, &n);
  const void *in[1] = {x};
  int64_t op[1] = {HY_UN_SQRT};
  cr_assert_eq(call(HY_KERNEL_unary, 1, &t, in, &t, y, op, 1, NULL, 0), HY_OK);
  for (int i = 0; i < 3; i++)
    cr_assert(fabs(hy_f16_to_f32(y[i]) - sqrt(xs[i])) < 1e-3, "sqrt(%g) in float16", xs[i]);
}

/* bfloat16 computes in float and rounds to nearest even on store (ew_util.h), for every op. */
Test(unary, bfloat16_computes_in_float_and_rounds_to_nearest_even) {
  int64_t n = 4;
  const float xs[] = {-2.f, -0.5f, 1.f, 3.f};
  uint16_t x[4], y[4];
  for (int i = 0; i < 4; i++) x[i] = hy_f32_to_bf16(xs[i]);
  hy_tdesc t = desc(HY_DTYPE_BFLOAT16, 1, &n);
  const void *in[1] = {x};
  int64_t op[1] = {HY_UN_CELU};
  double alpha[2] = {1.5, 0};
  cr_assert_eq(call(HY_KERNEL_unary, 1, &t, in, &t, y, op, 1, alpha, 2), HY_OK);
  for (int i = 0; i < 4; i++) {
    float want = fmaxf(0, xs[i]) + fminf(0, 1.5f * expm1f(xs[i] / 1.5f));
    cr_assert_eq(y[i], hy_f32_to_bf16(want), "celu(%g): 0x%04x, expected 0x%04x", xs[i], y[i],
                 hy_f32_to_bf16(want));
  }
  /* 1 + 2^-8 is a tie between bfloat16 neighbours 1 and 1 + 2^-7: it goes to the even one, 1 */
  uint16_t a[1] = {hy_f32_to_bf16(1.f)}, b[1] = {hy_f32_to_bf16(0x1p-8f)}, s[1];
  int64_t one = 1, blk[5] = {HY_BIN_ADD, 1, 1, 1, 1}; /* rank 1, dims {1}, strides {1}, {1} */
  hy_tdesc ti[2] = {desc(HY_DTYPE_BFLOAT16, 1, &one), desc(HY_DTYPE_BFLOAT16, 1, &one)};
  const void *ab[2] = {a, b};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, ab, &ti[0], s, blk, 5, NULL, 0), HY_OK);
  cr_assert_eq(s[0], 0x3f80, "1 + 2^-8 in bfloat16: 0x%04x", s[0]);
  b[0] = hy_f32_to_bf16(0x1.8p-8f); /* above the tie: rounds up */
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, ab, &ti[0], s, blk, 5, NULL, 0), HY_OK);
  cr_assert_eq(s[0], 0x3f81, "1 + 1.5 * 2^-8 in bfloat16: 0x%04x", s[0]);
}

/* ---- binary (hand-made broadcast blocks) ---- */

Test(binary, bias_row_broadcast_over_rows) {
  /* [2,3] + [3]: dims {2,3}, a strides {3,1}, b strides {0,1} */
  const int64_t od[] = {2, 3}, bd[] = {3};
  const float a[] = {1, 2, 3, 4, 5, 6}, b[] = {10, 20, 30};
  float y[6];
  hy_tdesc ti[2] = {desc(HY_DTYPE_FLOAT, 2, od), desc(HY_DTYPE_FLOAT, 1, bd)};
  hy_tdesc to = desc(HY_DTYPE_FLOAT, 2, od);
  const void *in[2] = {a, b};
  const int64_t ints[] = {HY_BIN_ADD, 2, 2, 3, 3, 1, 0, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &to, y, ints, 8, NULL, 0), HY_OK);
  const float want[] = {11, 22, 33, 14, 25, 36};
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], want[i], "element %d", i);
}

Test(binary, scalar_on_either_side) {
  int64_t n = 4, one = 1;
  const float a[] = {1, 2, 4, 8}, s[] = {2};
  float y[4];
  hy_tdesc ti[2] = {desc(HY_DTYPE_FLOAT, 0, NULL), desc(HY_DTYPE_FLOAT, 1, &n)};
  hy_tdesc to = desc(HY_DTYPE_FLOAT, 1, &n);
  const void *in[2] = {s, a};
  const int64_t ints[] = {HY_BIN_DIV, 1, 4, 0, 1}; /* 2 / a */
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &to, y, ints, 5, NULL, 0), HY_OK);
  cr_assert(y[0] == 2 && y[1] == 1 && y[2] == 0.5f && y[3] == 0.25f);
  (void)one;
}

Test(binary, integer_division_truncates_and_never_traps) {
  int64_t n = 6;
  const int32_t a[] = {7, -7, 7, 5, INT32_MIN, 9}, b[] = {2, 2, -2, 0, -1, -1};
  int32_t y[6];
  hy_tdesc t = desc(HY_DTYPE_INT32, 1, &n);
  hy_tdesc ti[2] = {t, t};
  const void *in[2] = {a, b};
  const int64_t ints[] = {HY_BIN_DIV, 1, 6, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  const int32_t want[] = {3, -3, -3, 0, INT32_MIN, -9};
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], want[i], "element %d: %d", i, y[i]);

  const uint8_t ua[] = {200, 7}, ub[] = {0, 2};
  uint8_t uy[2];
  int64_t two = 2;
  hy_tdesc tu = desc(HY_DTYPE_UINT8, 1, &two), tui[2] = {tu, tu};
  const void *uin[2] = {ua, ub};
  const int64_t uints[] = {HY_BIN_DIV, 1, 2, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, tui, uin, &tu, uy, uints, 5, NULL, 0), HY_OK);
  cr_assert(uy[0] == 0 && uy[1] == 3);
}

Test(binary, mod_follows_divisor_or_dividend_sign_and_shifts_saturate) {
  int64_t n = 6;
  const int32_t a[] = {7, -7, 7, -7, 5, INT32_MIN}, b[] = {3, 3, -3, -3, 0, -1};
  int32_t y[6];
  hy_tdesc t = desc(HY_DTYPE_INT32, 1, &n), ti[2] = {t, t};
  const void *in[2] = {a, b};
  int64_t ints[] = {HY_BIN_MOD, 1, 6, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  const int32_t py[] = {1, 2, -2, -1, 0, 0}; /* numpy's % ; by 0 and MIN % -1 defined as 0 */
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], py[i], "mod element %d: %d", i, y[i]);
  ints[0] = HY_BIN_FMOD;
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  const int32_t c[] = {1, -1, 1, -1, 0, 0};
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], c[i], "fmod element %d: %d", i, y[i]);

  int64_t k = 4;
  const uint8_t s[] = {1, 0x81, 3, 200}, sh[] = {7, 1, 8, 200};
  uint8_t o[4];
  hy_tdesc tu = desc(HY_DTYPE_UINT8, 1, &k), tui[2] = {tu, tu};
  const void *uin[2] = {s, sh};
  int64_t sints[] = {HY_BIN_SHL, 1, 4, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, tui, uin, &tu, o, sints, 5, NULL, 0), HY_OK);
  cr_assert(o[0] == 0x80 && o[1] == 0x02 && o[2] == 0 && o[3] == 0, "shl %x %x %x %x", o[0], o[1],
            o[2], o[3]);
  sints[0] = HY_BIN_SHR;
  cr_assert_eq(call(HY_KERNEL_binary, 2, tui, uin, &tu, o, sints, 5, NULL, 0), HY_OK);
  cr_assert(o[0] == 0 && o[1] == 0x40 && o[2] == 0 && o[3] == 0);
}

Test(binary, integer_arithmetic_wraps) {
  int64_t n = 3;
  const uint8_t a[] = {250, 3, 16}, b[] = {10, 5, 16};
  uint8_t y[3];
  hy_tdesc t = desc(HY_DTYPE_UINT8, 1, &n), ti[2] = {t, t};
  const void *in[2] = {a, b};
  int64_t ints[] = {HY_BIN_ADD, 1, 3, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  cr_assert(y[0] == 4 && y[1] == 8 && y[2] == 32);
  ints[0] = HY_BIN_SUB;
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  cr_assert(y[0] == 240 && y[1] == 254 && y[2] == 0);
  ints[0] = HY_BIN_MUL;
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  cr_assert(y[0] == (uint8_t)2500 && y[1] == 15 && y[2] == 0);
}

Test(binary, integer_pow_and_mixed_type_pow) {
  int64_t n = 5;
  const int64_t a[] = {2, -2, 2, 1, -1}, b[] = {10, 3, -1, -5, -3};
  int64_t y[5];
  hy_tdesc t = desc(HY_DTYPE_INT64, 1, &n), ti[2] = {t, t};
  const void *in[2] = {a, b};
  const int64_t ints[] = {HY_BIN_POW, 1, 5, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  const int64_t want[] = {1024, -8, 0, 1, -1};
  for (int i = 0; i < 5; i++) cr_assert_eq(y[i], want[i], "element %d", i);

  /* float base, int64 exponent: the result has the base's type */
  const float fa[] = {1.5f, 2.f, 4.f, -2.f, 3.f};
  float fy[5];
  hy_tdesc tf = desc(HY_DTYPE_FLOAT, 1, &n), tm[2] = {tf, t};
  const void *min[2] = {fa, b};
  cr_assert_eq(call(HY_KERNEL_binary, 2, tm, min, &tf, fy, ints, 5, NULL, 0), HY_OK);
  for (int i = 0; i < 5; i++) assert_close(fy[i], pow(fa[i], (double)b[i]), "pow mixed", i);

  /* int32 base, float exponent: truncated into int32 */
  const int32_t ia[] = {4, 9, 2, 3, 10};
  const float fe[] = {0.5f, 0.5f, 3.f, 2.f, -1.f};
  int32_t iy[5];
  hy_tdesc ti32 = desc(HY_DTYPE_INT32, 1, &n), tm2[2] = {ti32, tf};
  const void *in2[2] = {ia, fe};
  cr_assert_eq(call(HY_KERNEL_binary, 2, tm2, in2, &ti32, iy, ints, 5, NULL, 0), HY_OK);
  const int32_t iwant[] = {2, 3, 8, 9, 0};
  for (int i = 0; i < 5; i++) cr_assert_eq(iy[i], iwant[i], "element %d: %d", i, iy[i]);
}

Test(binary, comparisons_and_logic_give_bool) {
  int64_t n = 4;
  const float a[] = {1, 2, 3, NAN}, b[] = {2, 2, 2, 2};
  uint8_t y[4];
  hy_tdesc t = desc(HY_DTYPE_FLOAT, 1, &n), ti[2] = {t, t}, tb = desc(HY_DTYPE_BOOL, 1, &n);
  const void *in[2] = {a, b};
  const struct {
    hy_ew_binary op;
    uint8_t want[4];
  } cases[] = {{HY_BIN_EQUAL, {0, 1, 0, 0}},      {HY_BIN_LESS, {1, 0, 0, 0}},
               {HY_BIN_GREATER, {0, 0, 1, 0}},    {HY_BIN_LESS_EQUAL, {1, 1, 0, 0}},
               {HY_BIN_GREATER_EQUAL, {0, 1, 1, 0}}};
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    const int64_t ints[] = {cases[c].op, 1, 4, 1, 1};
    cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &tb, y, ints, 5, NULL, 0), HY_OK);
    cr_assert(memcmp(y, cases[c].want, 4) == 0, "op %d", cases[c].op);
  }
  const uint8_t p[] = {0, 0, 1, 1}, q[] = {0, 1, 0, 1};
  const void *lin[2] = {p, q};
  hy_tdesc tl[2] = {tb, tb};
  const struct {
    hy_ew_binary op;
    uint8_t want[4];
  } logic[] = {{HY_BIN_AND, {0, 0, 0, 1}}, {HY_BIN_OR, {0, 1, 1, 1}}, {HY_BIN_XOR, {0, 1, 1, 0}}};
  for (size_t c = 0; c < 3; c++) {
    const int64_t ints[] = {logic[c].op, 1, 4, 1, 1};
    cr_assert_eq(call(HY_KERNEL_binary, 2, tl, lin, &tb, y, ints, 5, NULL, 0), HY_OK);
    cr_assert(memcmp(y, logic[c].want, 4) == 0, "logic op %d", logic[c].op);
  }
}

Test(binary, float16_add_and_max) {
  int64_t n = 3;
  uint16_t a[3], b[3], y[3];
  const float fa[] = {1.5f, -2.f, 100.f}, fb[] = {0.25f, 3.f, -1.f};
  for (int i = 0; i < 3; i++) a[i] = hy_f32_to_f16(fa[i]), b[i] = hy_f32_to_f16(fb[i]);
  hy_tdesc t = desc(HY_DTYPE_FLOAT16, 1, &n), ti[2] = {t, t};
  const void *in[2] = {a, b};
  int64_t ints[] = {HY_BIN_ADD, 1, 3, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  for (int i = 0; i < 3; i++) cr_assert_eq(hy_f16_to_f32(y[i]), fa[i] + fb[i]);
  ints[0] = HY_BIN_MAX;
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  for (int i = 0; i < 3; i++) cr_assert_eq(hy_f16_to_f32(y[i]), fmaxf(fa[i], fb[i]));
}

/* ---- variadic, where, clip, cast ---- */

Test(variadic, max_and_mean_of_three_broadcast_inputs) {
  /* out [2,2]; in0 [2,2], in1 [2] (row), in2 [2,1] (column) */
  const int64_t od[] = {2, 2}, rd[] = {2}, cd[] = {2, 1};
  const float a[] = {1, 8, 3, 4}, r[] = {5, 0}, c[] = {2, 6};
  float y[4];
  hy_tdesc ti[3] = {desc(HY_DTYPE_FLOAT, 2, od), desc(HY_DTYPE_FLOAT, 1, rd),
                    desc(HY_DTYPE_FLOAT, 2, cd)};
  hy_tdesc to = desc(HY_DTYPE_FLOAT, 2, od);
  const void *in[3] = {a, r, c};
  int64_t ints[] = {HY_BIN_MAX, 3, 2, 2, 2, 2, 1, 0, 1, 1, 0};
  cr_assert_eq(call(HY_KERNEL_variadic, 3, ti, in, &to, y, ints, 11, NULL, 0), HY_OK);
  const float want_max[] = {5, 8, 6, 6};
  for (int i = 0; i < 4; i++) cr_assert_eq(y[i], want_max[i], "max element %d", i);
  ints[0] = HY_BIN_MEAN;
  cr_assert_eq(call(HY_KERNEL_variadic, 3, ti, in, &to, y, ints, 11, NULL, 0), HY_OK);
  const float want_mean[] = {8 / 3.f, 10 / 3.f, 14 / 3.f, 10 / 3.f};
  for (int i = 0; i < 4; i++) assert_close(y[i], want_mean[i], "mean", i);
}

Test(where, broadcast_condition_selects_int64) {
  /* cond [2,1], x [2,3], y scalar */
  const int64_t od[] = {2, 3}, cd[] = {2, 1};
  const uint8_t c[] = {1, 0};
  const int64_t x[] = {1, 2, 3, 4, 5, 6}, yv[] = {-1};
  int64_t out[6];
  hy_tdesc ti[3] = {desc(HY_DTYPE_BOOL, 2, cd), desc(HY_DTYPE_INT64, 2, od),
                    desc(HY_DTYPE_INT64, 0, NULL)};
  hy_tdesc to = desc(HY_DTYPE_INT64, 2, od);
  const void *in[3] = {c, x, yv};
  const int64_t ints[] = {2, 2, 3, 1, 0, 3, 1, 0, 0};
  cr_assert_eq(call(HY_KERNEL_where, 3, ti, in, &to, out, ints, 9, NULL, 0), HY_OK);
  const int64_t want[] = {1, 2, 3, -1, -1, -1};
  for (int i = 0; i < 6; i++) cr_assert_eq(out[i], want[i], "element %d", i);
}

Test(clip, bounds_from_inputs_attributes_or_none) {
  int64_t n = 5;
  const float x[] = {-3, -1, 0, 1, 3}, lo[] = {-1}, hi[] = {2};
  float y[5];
  hy_tdesc t = desc(HY_DTYPE_FLOAT, 1, &n), s = desc(HY_DTYPE_FLOAT, 0, NULL);
  hy_tdesc ti[3] = {t, s, s};
  const void *in[3] = {x, lo, hi};
  const int64_t none[2] = {0, 0};
  cr_assert_eq(call(HY_KERNEL_clip, 3, ti, in, &t, y, none, 2, (double[]){0, 0}, 2), HY_OK);
  const float want[] = {-1, -1, 0, 1, 2};
  for (int i = 0; i < 5; i++) cr_assert_eq(y[i], want[i], "inputs: element %d", i);
  /* max only (min omitted) */
  const void *in_max[3] = {x, NULL, hi};
  ti[1].dtype = 0;
  cr_assert_eq(call(HY_KERNEL_clip, 3, ti, in_max, &t, y, none, 2, (double[]){0, 0}, 2), HY_OK);
  cr_assert(y[0] == -3 && y[4] == 2);
  /* attributes (opset < 11): min only */
  const int64_t min_only[2] = {1, 0};
  cr_assert_eq(call(HY_KERNEL_clip, 1, ti, in, &t, y, min_only, 2, (double[]){0.5, 0}, 2), HY_OK);
  cr_assert(y[0] == 0.5f && y[4] == 3);
  /* int8 with min > max: every element is max */
  const int8_t xi[] = {-100, 0, 100, 5, -5}, il[] = {10}, ih[] = {-10};
  int8_t yi[5];
  hy_tdesc t8 = desc(HY_DTYPE_INT8, 1, &n), s8 = desc(HY_DTYPE_INT8, 0, NULL);
  hy_tdesc ti8[3] = {t8, s8, s8};
  const void *in8[3] = {xi, il, ih};
  cr_assert_eq(call(HY_KERNEL_clip, 3, ti8, in8, &t8, yi, none, 2, (double[]){0, 0}, 2), HY_OK);
  for (int i = 0; i < 5; i++) cr_assert_eq(yi[i], -10);
}

Test(cast, numeric_pairs_float16_and_bool) {
  int64_t n = 4;
  const float f[] = {1.7f, -2.9f, 0.f, 65504.f};
  hy_tdesc tf = desc(HY_DTYPE_FLOAT, 1, &n);
  const void *in[1] = {f};
  int32_t i32[4];
  hy_tdesc ti = desc(HY_DTYPE_INT32, 1, &n);
  cr_assert_eq(call(HY_KERNEL_cast, 1, &tf, in, &ti, i32, NULL, 0, NULL, 0), HY_OK);
  cr_assert(i32[0] == 1 && i32[1] == -2 && i32[2] == 0 && i32[3] == 65504, "truncates");
  uint8_t b[4];
  hy_tdesc tb = desc(HY_DTYPE_BOOL, 1, &n);
  cr_assert_eq(call(HY_KERNEL_cast, 1, &tf, in, &tb, b, NULL, 0, NULL, 0), HY_OK);
  cr_assert(b[0] == 1 && b[1] == 1 && b[2] == 0 && b[3] == 1);
  uint16_t h[4];
  hy_tdesc th = desc(HY_DTYPE_FLOAT16, 1, &n);
  cr_assert_eq(call(HY_KERNEL_cast, 1, &tf, in, &th, h, NULL, 0, NULL, 0), HY_OK);
  for (int i = 0; i < 4; i++) cr_assert_eq(h[i], hy_f32_to_f16(f[i]), "to float16 %d", i);
  double d[4];
  hy_tdesc td = desc(HY_DTYPE_DOUBLE, 1, &n);
  const void *inh[1] = {h};
  cr_assert_eq(call(HY_KERNEL_cast, 1, &th, inh, &td, d, NULL, 0, NULL, 0), HY_OK);
  for (int i = 0; i < 4; i++) cr_assert_eq(d[i], (double)hy_f16_to_f32(h[i]));
  const uint64_t big[] = {UINT64_MAX, 1, 0, 1ull << 40};
  int64_t i64[4];
  hy_tdesc tu = desc(HY_DTYPE_UINT64, 1, &n), t64 = desc(HY_DTYPE_INT64, 1, &n);
  const void *inu[1] = {big};
  cr_assert_eq(call(HY_KERNEL_cast, 1, &tu, inu, &t64, i64, NULL, 0, NULL, 0), HY_OK);
  cr_assert(i64[0] == -1 && i64[3] == (int64_t)1 << 40, "uint64 -> int64 keeps the bits");
}

/* ---- hooks on hand-built graphs ---- */

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(hooks, .init = setup, .fini = graph_fixture_close);

static ir_value *val(const char *name, hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value(name, dt, rank, dims);
}

static ir_node *node(const char *op, ir_value **in, int32_t n_in) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, "n1", n_in, 1);
  for (int32_t i = 0; i < n_in; i++) ir_node_set_input(G, n, i, in[i]);
  ir_node_set_output(G, n, 0, ir_value_new(G, "y"));
  return n;
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

Test(hooks, binary_broadcasts_and_comparisons_give_bool) {
  const int64_t d1[] = {2, 1, 4}, d2[] = {3, 1};
  ir_value *in[2] = {val("a", HY_DTYPE_FLOAT, 3, d1), val("b", HY_DTYPE_FLOAT, 2, d2)};
  ir_node *n = node("Add", in, 2);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  const ir_type *t = &n->out[0]->type;
  cr_assert(t->dtype == HY_DTYPE_FLOAT && t->rank == 3 && t->dims[0] == 2 && t->dims[1] == 3 &&
            t->dims[2] == 4);
  ir_node *e = node("Less", in, 2);
  cr_assert_eq(infer(e), HY_OK, "%s", D.msg);
  cr_assert_eq(e->out[0]->type.dtype, HY_DTYPE_BOOL);
}

Test(hooks, shapes_that_do_not_broadcast_are_an_error) {
  const int64_t d1[] = {2, 3}, d2[] = {4};
  ir_value *in[2] = {val("a", HY_DTYPE_FLOAT, 2, d1), val("b", HY_DTYPE_FLOAT, 1, d2)};
  cr_assert_eq(infer(node("Mul", in, 2)), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "node 'n1' (Mul)") && strstr(D.msg, "broadcast"), "%s", D.msg);
}

/* An opset-6 node with integer attributes {name, value}. */
static ir_node *legacy_node(const char *op, ir_value **in, const char *const *names,
                            const int64_t *vals, int32_t n_attrs) {
  ir_node *n = node(op, in, 2);
  n->opset = 6;
  n->attrs = arena_array(&A, (size_t)n_attrs + 1, sizeof *n->attrs);
  for (int32_t i = 0; i < n_attrs; i++)
    n->attrs[i] = (ir_attr){.name = names[i], .kind = IR_ATTR_INT, .i = vals[i]};
  n->n_attrs = n_attrs;
  return n;
}

Test(hooks, opset6_broadcast_needs_the_attribute_and_a_suffix_axis) {
  const int64_t d1[] = {2, 3}, d2[] = {3};
  ir_value *in[2] = {val("a", HY_DTYPE_FLOAT, 2, d1), val("b", HY_DTYPE_FLOAT, 1, d2)};
  const char *const names[] = {"broadcast", "axis"};
  const int64_t on_axis1[] = {1, 1}, on_axis0[] = {1, 0}, off[] = {0};
  ir_node *ok = legacy_node("Add", in, names, on_axis1, 2);
  cr_assert_eq(infer(ok), HY_OK, "%s", D.msg);
  cr_assert(ok->out[0]->type.rank == 2 && ok->out[0]->type.dims[1] == 3);
  cr_assert_eq(infer(legacy_node("Mul", in, names, off, 1)), HY_ERR_SHAPE);
  cr_assert(strstr(D.msg, "node 'n1' (Mul)") && strstr(D.msg, "'broadcast' is 0"), "%s", D.msg);
  diag_init(&D);
  cr_assert_eq(infer(legacy_node("Sub", in, names, on_axis0, 2)), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "attribute 'axis'") && strstr(D.msg, "legacy broadcast"), "%s", D.msg);
}

Test(hooks, where_shapes_that_do_not_broadcast_are_an_error) {
  const int64_t d1[] = {2, 3}, d2[] = {3, 3};
  ir_value *in[3] = {val("c", HY_DTYPE_BOOL, 2, d1), val("x", HY_DTYPE_FLOAT, 1, d1 + 1),
                     val("y", HY_DTYPE_FLOAT, 2, d2)};
  cr_assert_eq(infer(node("Where", in, 3)), HY_ERR_SHAPE, "%s", D.msg);
}

Test(hooks, dtype_errors_name_the_input) {
  const int64_t d[] = {2};
  ir_value *xi = val("ids", HY_DTYPE_INT32, 1, d);
  cr_assert_eq(infer(node("Sqrt", &xi, 1)), HY_ERR_DTYPE);
  cr_assert(strstr(D.msg, "input 0 ('ids')") && strstr(D.msg, "int32"), "%s", D.msg);
  diag_init(&D);
  ir_value *mixed[2] = {val("f", HY_DTYPE_FLOAT, 1, d), xi};
  cr_assert_eq(infer(node("Add", mixed, 2)), HY_ERR_DTYPE);
  cr_assert(strstr(D.msg, "input 1"), "%s", D.msg);
  diag_init(&D);
  ir_value *cond[3] = {val("c", HY_DTYPE_FLOAT, 1, d), mixed[0], mixed[0]};
  cr_assert_eq(infer(node("Where", cond, 3)), HY_ERR_DTYPE);
  cr_assert(strstr(D.msg, "('c')") && strstr(D.msg, "bool"), "%s", D.msg);
}

Test(hooks, pow_keeps_the_base_type_and_cast_checks_to) {
  const int64_t d[] = {3};
  ir_value *in[2] = {val("b", HY_DTYPE_INT64, 1, d), val("e", HY_DTYPE_FLOAT, 1, d)};
  ir_node *p = node("Pow", in, 2);
  cr_assert_eq(infer(p), HY_OK, "%s", D.msg);
  cr_assert_eq(p->out[0]->type.dtype, HY_DTYPE_INT64);

  ir_node *c = node("Cast", in, 1);
  c->attrs = arena_array(&A, 1, sizeof *c->attrs);
  c->n_attrs = 1;
  c->attrs[0] = (ir_attr){.name = "to", .kind = IR_ATTR_INT, .i = HY_DTYPE_FLOAT16};
  cr_assert_eq(infer(c), HY_OK, "%s", D.msg);
  cr_assert_eq(c->out[0]->type.dtype, HY_DTYPE_FLOAT16);
  c->attrs[0].i = HY_DTYPE_STRING;
  cr_assert_eq(infer(c), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "attribute 'to'"), "%s", D.msg);
}

/* Naive numpy broadcasting: the element of operand t for output flat index i. */
static int64_t bcast_index(const ir_type *t, const ir_type *out, int64_t i) {
  int64_t idx = 0, stride = 1;
  for (int32_t d = out->rank - 1; d >= 0; d--) {
    int64_t coord = i % out->dims[d];
    i /= out->dims[d];
    int32_t j = d - (out->rank - t->rank);
    if (j < 0) continue;
    if (t->dims[j] != 1) idx += coord * stride;
    stride *= t->dims[j];
  }
  return idx;
}

/* infer + lower + the kernel, against the naive broadcast of a - b. */
static void check_sub_walk(int32_t ra, const int64_t *da, int32_t rb, const int64_t *db) {
  ir_value *in[2] = {val("a", HY_DTYPE_FLOAT, ra, da), val("b", HY_DTYPE_FLOAT, rb, db)};
  ir_node *n = node("Sub", in, 2);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  ir_lowered l;
  memset(&l, 0, sizeof l);
  cr_assert_eq(ir_op_get(n->op)->lower(G, n, &l), HY_OK, "%s", D.msg);
  const ir_type *to = &n->out[0]->type;
  int64_t na = ir_type_numel(&in[0]->type), nb = ir_type_numel(&in[1]->type);
  int64_t no = ir_type_numel(to);
  float *a = arena_array(&A, (size_t)na, 4), *b = arena_array(&A, (size_t)nb, 4);
  float *y = arena_array(&A, (size_t)no + 1, 4);
  for (int64_t i = 0; i < na; i++) a[i] = (float)(i * 10);
  for (int64_t i = 0; i < nb; i++) b[i] = (float)i;
  hy_tdesc ti[2] = {desc(HY_DTYPE_FLOAT, ra, da), desc(HY_DTYPE_FLOAT, rb, db)};
  hy_tdesc tout = desc(HY_DTYPE_FLOAT, to->rank, to->dims);
  const void *ins[2] = {a, b};
  cr_assert_eq(call(l.kernel, 2, ti, ins, &tout, y, l.ints, l.n_ints, l.floats, l.n_floats), HY_OK);
  for (int64_t i = 0; i < no; i++) {
    float want = a[bcast_index(&in[0]->type, to, i)] - b[bcast_index(&in[1]->type, to, i)];
    cr_assert_eq(y[i], want, "ranks %d/%d, element %lld: %g vs %g", ra, rb, (long long)i,
                 (double)y[i], (double)want);
  }
}

Test(hooks, lowered_broadcast_walk_matches_numpy) {
  const int64_t s234[] = {2, 3, 4}, s4[] = {4}, s214[] = {2, 1, 4}, s31[] = {3, 1}, s1[] = {1},
                s23[] = {2, 3}, s5113[] = {5, 1, 1, 3}, s1421[] = {1, 4, 2, 1}, s0[] = {0, 3},
                s13[] = {1, 3}, s231[] = {2, 3, 1}, s1x[] = {1, 1, 1};
  check_sub_walk(3, s234, 1, s4);
  check_sub_walk(3, s214, 2, s31);
  check_sub_walk(1, s1, 2, s23);
  check_sub_walk(0, NULL, 2, s23);
  check_sub_walk(2, s23, 0, NULL);
  check_sub_walk(4, s5113, 4, s1421);
  check_sub_walk(2, s0, 2, s13);
  check_sub_walk(3, s231, 2, s13);
  check_sub_walk(3, s234, 3, s234);
  check_sub_walk(3, s1x, 0, NULL);
}

Test(hooks, same_shape_and_scalar_lower_to_one_contiguous_row) {
  const int64_t s[] = {4, 5, 6};
  ir_value *in[2] = {val("a", HY_DTYPE_FLOAT, 3, s), val("b", HY_DTYPE_FLOAT, 0, NULL)};
  ir_node *n = node("Add", in, 2);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  ir_lowered l;
  memset(&l, 0, sizeof l);
  cr_assert_eq(ir_op_get(n->op)->lower(G, n, &l), HY_OK);
  /* {op, rank 1, 120, a stride 1, b stride 0} */
  cr_assert(l.n_ints == 5 && l.ints[1] == 1 && l.ints[2] == 120 && l.ints[3] == 1 &&
            l.ints[4] == 0, "n_ints %d rank %lld", l.n_ints, (long long)l.ints[1]);
}

/* ---- newer versions and the ops of opsets 18 to 24 ---- */

Test(unary, gelu_tanh_mish_swish_match_their_formulas) {
  const float x[] = {-6.f, -2.f, -0.5f, 0.f, 0.25f, 1.f, 3.f, 9.f};
  float y[8];
  unary_f32(HY_UN_GELU_TANH, x, y, 8, 0, 0);
  for (int i = 0; i < 8; i++) {
    double v = x[i];
    double want = 0.5 * v * (1 + tanh(0.79788456080286536 * (v + 0.044715 * v * v * v)));
    assert_close(y[i], want, "gelu", i);
  }
  unary_f32(HY_UN_MISH, x, y, 8, 0, 0);
  for (int i = 0; i < 8; i++) assert_close(y[i], x[i] * tanh(log1p(exp(x[i]))), "mish", i);
  unary_f32(HY_UN_SWISH, x, y, 8, 1.5, 0);
  for (int i = 0; i < 8; i++) assert_close(y[i], x[i] / (1 + exp(-1.5 * x[i])), "swish", i);
}

Test(unary, isinf_detects_the_chosen_signs_and_bitwise_not) {
  int64_t n = 5;
  const float f[] = {INFINITY, -INFINITY, NAN, 1e38f, -0.f};
  uint8_t b[5];
  hy_tdesc tf = desc(HY_DTYPE_FLOAT, 1, &n), tb = desc(HY_DTYPE_BOOL, 1, &n);
  const void *in[1] = {f};
  int64_t op[1] = {HY_UN_ISINF};
  const double flags[3][2] = {{1, 1}, {1, 0}, {0, 1}}; /* detect_negative, detect_positive */
  const uint8_t want[3][2] = {{1, 1}, {0, 1}, {1, 0}}; /* for +inf, -inf */
  for (int k = 0; k < 3; k++) {
    cr_assert_eq(call(HY_KERNEL_unary, 1, &tf, in, &tb, b, op, 1, flags[k], 2), HY_OK);
    cr_assert(b[0] == want[k][0] && b[1] == want[k][1] && !b[2] && !b[3] && !b[4],
              "flags %d: %d %d %d %d %d", k, b[0], b[1], b[2], b[3], b[4]);
  }
  const int16_t s[] = {0, -1, 5, INT16_MIN, INT16_MAX};
  int16_t o[5];
  hy_tdesc ts = desc(HY_DTYPE_INT16, 1, &n);
  const void *sin_[1] = {s};
  op[0] = HY_UN_BITNOT;
  cr_assert_eq(call(HY_KERNEL_unary, 1, &ts, sin_, &ts, o, op, 1, NULL, 0), HY_OK);
  for (int i = 0; i < 5; i++) cr_assert_eq(o[i], (int16_t)~s[i], "not element %d: %d", i, o[i]);
}

Test(binary, bitwise_ops_and_signed_shifts_of_version_28) {
  int64_t n = 6;
  const int8_t a[] = {-128, -7, 7, 0x55, -1, 64}, b[] = {1, 1, 9, 1, -1, 2};
  int8_t y[6];
  hy_tdesc t = desc(HY_DTYPE_INT8, 1, &n), ti[2] = {t, t};
  const void *in[2] = {a, b};
  int64_t ints[] = {HY_BIN_BITAND, 1, 6, 1, 1};
  const int8_t and_[] = {0, 1, 1, 1, -1, 0}, or_[] = {-127, -7, 15, 0x55, -1, 66},
               xor_[] = {-127, -8, 14, 0x54, 0, 66};
  const int8_t *want[3] = {and_, or_, xor_};
  for (int k = 0; k < 3; k++) {
    ints[0] = HY_BIN_BITAND + k;
    cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
    for (int i = 0; i < 6; i++) cr_assert_eq(y[i], want[k][i], "op %d element %d: %d", k, i, y[i]);
  }
  /* left: wraps past the sign bit; right: arithmetic; by 9 or -1 only the sign fill is left */
  const int8_t shl[] = {0, -14, 0, -86, 0, 0}, shr[] = {-64, -4, 0, 42, -1, 16};
  ints[0] = HY_BIN_SHL;
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], shl[i], "shl element %d: %d", i, y[i]);
  ints[0] = HY_BIN_SHR;
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  for (int i = 0; i < 6; i++) cr_assert_eq(y[i], shr[i], "shr element %d: %d", i, y[i]);
}

Test(binary, float_mod28_takes_the_divisor_sign_and_its_special_cases) {
  int64_t n = 8;
  const double a[] = {7, -7, 7, -0.0, 5, INFINITY, 3, -3}, b[] = {3, 3, -3, 2, 0, 2, INFINITY,
                                                                   INFINITY};
  const double want[] = {1, 2, -2, 0.0, NAN, NAN, 3, INFINITY};
  double y[8];
  hy_tdesc t = desc(HY_DTYPE_DOUBLE, 1, &n), ti[2] = {t, t};
  const void *in[2] = {a, b};
  int64_t ints[] = {HY_BIN_MOD, 1, 8, 1, 1};
  cr_assert_eq(call(HY_KERNEL_binary, 2, ti, in, &t, y, ints, 5, NULL, 0), HY_OK);
  for (int i = 0; i < 8; i++) assert_close(y[i], want[i], "mod", i);
  cr_assert(!signbit(y[3]), "-0 mod 2 is +0 (the divisor's sign)");
}

/* A node at a given op version (the model's opset that means it). */
static ir_node *node_at(const char *op, int32_t opset, ir_value **in, int32_t n_in) {
  ir_node *n = node(op, in, n_in);
  n->opset = opset;
  n->version = ir_onnx_op_version(op, opset);
  return n;
}

Test(hooks, mod_bitshift_and_gelu_follow_their_versions) {
  const int64_t d[] = {3};
  ir_value *f[2] = {val("a", HY_DTYPE_FLOAT, 1, d), val("b", HY_DTYPE_FLOAT, 1, d)};
  cr_assert_eq(infer(node_at("Mod", 13, f, 2)), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'fmod': must be 1 for float inputs before Mod-28"), "%s",
            D.msg);
  cr_assert_eq(infer(node_at("Mod", 28, f, 2)), HY_OK, "%s", D.msg);
  ir_value *s[2] = {val("x", HY_DTYPE_INT32, 1, d), val("y", HY_DTYPE_INT32, 1, d)};
  ir_node *sh = node_at("BitShift", 11, s, 2);
  sh->attrs = arena_array(&A, 1, sizeof *sh->attrs);
  sh->attrs[sh->n_attrs++] = (ir_attr){.name = "direction", .kind = IR_ATTR_STRING, .s = "RIGHT"};
  diag_init(&D);
  cr_assert_eq(infer(sh), HY_ERR_DTYPE);
  cr_assert(strstr(D.msg, "BitShift-11 takes unsigned integers"), "%s", D.msg);
  sh->opset = sh->version = 28;
  cr_assert_eq(infer(sh), HY_OK, "%s", D.msg);
  ir_node *g = node_at("Gelu", 20, f, 1);
  g->attrs = arena_array(&A, 1, sizeof *g->attrs);
  g->attrs[g->n_attrs++] = (ir_attr){.name = "approximate", .kind = IR_ATTR_STRING, .s = "tanh"};
  cr_assert_eq(infer(g), HY_OK, "%s", D.msg);
  ir_lowered l;
  memset(&l, 0, sizeof l);
  cr_assert_eq(ir_op_get(g->op)->lower(G, g, &l), HY_OK);
  cr_assert_eq(l.ints[0], HY_UN_GELU_TANH);
  g->attrs[0].s = "fast";
  diag_init(&D);
  cr_assert_eq(infer(g), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'approximate': 'fast' is not 'none' or 'tanh'"), "%s", D.msg);
  g->attrs[0] = (ir_attr){.name = "approximate", .kind = IR_ATTR_INT, .i = 1};
  diag_init(&D);
  cr_assert_eq(infer(g), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'approximate': must be a string"), "%s", D.msg);
}

Test(hooks, new_ops_check_their_types_take_bfloat16_and_refuse_float8) {
  const int64_t d[] = {2};
  ir_value *f = val("f", HY_DTYPE_FLOAT, 1, d), *i = val("i", HY_DTYPE_UINT16, 1, d);
  ir_node *n = node_at("IsInf", 20, &f, 1);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_BOOL);
  ir_value *ii[2] = {i, i};
  n = node_at("BitwiseXor", 18, ii, 2);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_UINT16);
  cr_assert_eq(infer(node_at("BitwiseNot", 18, &f, 1)), HY_ERR_DTYPE);
  cr_assert(strstr(D.msg, "expected an integer type"), "%s", D.msg);
  diag_init(&D);
  /* bfloat16 computes like float16; float8 is refused by name before any kernel */
  ir_value *bf = val("bf", HY_DTYPE_BFLOAT16, 1, d), *f8 = val("f8", HY_DTYPE_FLOAT8E4M3FN, 1, d);
  const char *ops[] = {"Mish", "Swish", "Sin", "Celu", "HardSwish"};
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
    diag_init(&D);
    ir_node *b = node_at(ops[k], 28, &bf, 1);
    cr_assert_eq(infer(b), HY_OK, "%s: %s", ops[k], D.msg);
    cr_assert_eq(b->out[0]->type.dtype, HY_DTYPE_BFLOAT16, "%s", ops[k]);
    cr_assert_eq(infer(node_at(ops[k], 28, &f8, 1)), HY_ERR_UNSUPPORTED, "%s", ops[k]);
    cr_assert(strstr(D.msg, "type float8e4m3fn; not supported yet"), "%s: %s", ops[k], D.msg);
  }
}
