/* unary: out[i] = f(in[i]) for every one-input elementwise op (Abs ... Sign, IsNaN, IsInf, Not,
 * BitwiseNot). ints {op (hy_ew_unary)}, floats {alpha, beta}. Same shape in and out; the output
 * dtype is the input's, except IsNaN and IsInf (bool). Math runs in float for float16 and
 * bfloat16, in the type itself otherwise. */
#include <math.h>
#include <tgmath.h>

#include "kernels/ew_util.h"

/* float32 exp, tanh and erf as straight-line code (selects, no calls) so the loops over them
 * vectorise; libm's expf/tanhf/erff are opaque calls that keep the loop scalar. Accuracy is a
 * few ulp (the unit tests sweep them against double libm); double keeps libm. */
EW_INLINE float ew_expf(float x) {
  /* e^x = 2^n * e^r, |r| <= ln2/2; Cephes' polynomial for e^r; 2^n applied in two halves so
   * results down to the subnormals and up to overflow come out right */
  /* NaN takes 0 here (the result is x anyway): converting a NaN n to int would be UB */
  float xc = x < -104.f ? -104.f : x > 89.f ? 89.f : x == x ? x : 0.f;
  float n = floorf(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  int32_t ni = (int32_t)n, n1 = ni / 2, n2 = ni - n1;
  float s1 = hy_k_bits_f32((uint32_t)(n1 + 127) << 23);
  float s2 = hy_k_bits_f32((uint32_t)(n2 + 127) << 23);
  return x != x ? x : p * s1 * s2;
}

/* Rational minimax fits (as in Eigen's fast tanh/erf): odd numerator over even denominator. */
EW_INLINE float ew_tanhf(float x) {
  float xc = x < -7.90531110763549805f ? -7.90531110763549805f
             : x > 7.90531110763549805f ? 7.90531110763549805f : x;
  float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  float t = xc * p / q;
  return fabsf(x) < 0.0004f ? x : t; /* tiny: tanh x = x, also keeps -0 and NaN */
}

EW_INLINE float ew_erff(float x) {
  float xc = x < -4.f ? -4.f : x > 4.f ? 4.f : x; /* erf is +-1 in float beyond */
  float x2 = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x != x ? x : xc * p / q;
}

/* The fast float versions for float compute types, libm for double. */
#define EW_EXP(x) _Generic((x), float: ew_expf, default: exp)(x)
#define EW_TANH(x) _Generic((x), float: ew_tanhf, default: tanh)(x)
#define EW_ERF(x) _Generic((x), float: ew_erff, default: erf)(x)

/* Sigmoid without overflow: exp of a non-positive argument only. */
#define EW_SIGMOID(x) ((x) >= 0 ? 1 / (1 + EW_EXP(-(x))) : EW_EXP(x) / (1 + EW_EXP(x)))
/* Softplus log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact where the naive form overflows. */
#define EW_SOFTPLUS(x) (((x) > 0 ? (x) : 0) + log1p(EW_EXP(-fabs(x))))

/* Gelu's tanh approximation: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
#define EW_GELU_TANH(x)                                                                            \
  ((x) * (ew_ct)0.5 *                                                                              \
   (1 + EW_TANH((ew_ct)0.79788456080286536 * ((x) + (ew_ct)0.044715 * (x) * (x) * (x)))))

/* One tight loop: x is the loaded element, E its image; ew_ct is the function's compute type. */
#define UN_MAP(name, E)                                                                            \
  for (int64_t i = 0; i < n; i++) {                                                                \
    ew_ct x = ew_ld_##name(a[i]);                                                                  \
    o[i] = ew_st_##name((ew_ct)(E));                                                               \
  }                                                                                                \
  return HY_OK;

#define UN_FLOAT_FN(name, dt, ST, CT, UT)                                                          \
  EW_INLINE hy_status un_##name(int64_t op, const ST *a, void *out, int64_t n, CT al, CT be) {     \
    ST *o = out;                                                                                   \
    typedef CT ew_ct;                                                                              \
    switch (op) {                                                                                  \
    case HY_UN_ABS: UN_MAP(name, fabs(x))                                                          \
    case HY_UN_NEG: UN_MAP(name, -x)                                                               \
    case HY_UN_SQRT: UN_MAP(name, sqrt(x))                                                         \
    case HY_UN_EXP: UN_MAP(name, EW_EXP(x))                                                        \
    case HY_UN_LOG: UN_MAP(name, log(x))                                                           \
    case HY_UN_TANH: UN_MAP(name, EW_TANH(x))                                                      \
    case HY_UN_RELU: UN_MAP(name, x < 0 ? 0 : x)                                                   \
    case HY_UN_SIGMOID: UN_MAP(name, EW_SIGMOID(x))                                                \
    case HY_UN_ERF: UN_MAP(name, EW_ERF(x))                                                        \
    case HY_UN_RECIPROCAL: UN_MAP(name, 1 / x)                                                     \
    case HY_UN_FLOOR: UN_MAP(name, floor(x))                                                       \
    case HY_UN_CEIL: UN_MAP(name, ceil(x))                                                         \
    case HY_UN_SIN: UN_MAP(name, sin(x))                                                           \
    case HY_UN_COS: UN_MAP(name, cos(x))                                                           \
    case HY_UN_SOFTPLUS: UN_MAP(name, EW_SOFTPLUS(x))                                              \
    case HY_UN_LEAKYRELU: UN_MAP(name, x < 0 ? al * x : x)                                         \
    case HY_UN_ELU: UN_MAP(name, x < 0 ? al * expm1(x) : x)                                        \
    case HY_UN_HARDSIGMOID: UN_MAP(name, fmax((CT)0, fmin((CT)1, al * x + be)))                    \
    case HY_UN_SIGN: UN_MAP(name, x > 0 ? 1 : x < 0 ? -1 : x)                                      \
    case HY_UN_ROUND: UN_MAP(name, rint(x)) /* half to even in the default rounding mode */        \
    case HY_UN_TAN: UN_MAP(name, tan(x))                                                           \
    case HY_UN_ASIN: UN_MAP(name, asin(x))                                                         \
    case HY_UN_ACOS: UN_MAP(name, acos(x))                                                         \
    case HY_UN_ATAN: UN_MAP(name, atan(x))                                                         \
    case HY_UN_SINH: UN_MAP(name, sinh(x))                                                         \
    case HY_UN_COSH: UN_MAP(name, cosh(x))                                                         \
    case HY_UN_ASINH: UN_MAP(name, asinh(x))                                                       \
    case HY_UN_ACOSH: UN_MAP(name, acosh(x))                                                       \
    case HY_UN_ATANH: UN_MAP(name, atanh(x))                                                       \
    case HY_UN_SELU: UN_MAP(name, be * (x > 0 ? x : al * expm1(x)))                                \
    case HY_UN_THRESHOLDEDRELU: UN_MAP(name, x > al ? x : 0)                                       \
    case HY_UN_HARDSWISH: UN_MAP(name, x * fmax((ew_ct)0, fmin((ew_ct)1, x / 6 + (ew_ct)0.5)))     \
    case HY_UN_SOFTSIGN: UN_MAP(name, x / (1 + fabs(x)))                                           \
    case HY_UN_CELU: UN_MAP(name, fmax((ew_ct)0, x) + fmin((ew_ct)0, al * expm1(x / al)))          \
    case HY_UN_SHRINK: UN_MAP(name, x < -al ? x + be : x > al ? x - be : 0)                        \
    case HY_UN_GELU: UN_MAP(name, x * (ew_ct)0.5 * (1 + EW_ERF(x * (ew_ct)0.70710678118654752)))  \
    case HY_UN_GELU_TANH: UN_MAP(name, EW_GELU_TANH(x))                                            \
    case HY_UN_MISH: UN_MAP(name, x * EW_TANH(EW_SOFTPLUS(x)))                                     \
    case HY_UN_SWISH: UN_MAP(name, x * EW_SIGMOID(al * x))                                         \
    case HY_UN_ISNAN: {                                                                            \
      uint8_t *ob = out;                                                                           \
      for (int64_t i = 0; i < n; i++) ob[i] = isnan(ew_ld_##name(a[i]));                           \
      return HY_OK;                                                                                \
    }                                                                                              \
    case HY_UN_ISINF: { /* al: detect_negative, be: detect_positive */                             \
      uint8_t *ob = out;                                                                           \
      for (int64_t i = 0; i < n; i++) {                                                            \
        ew_ct x = ew_ld_##name(a[i]);                                                              \
        ob[i] = isinf(x) && (x < 0 ? al != 0 : be != 0);                                           \
      }                                                                                            \
      return HY_OK;                                                                                \
    }                                                                                              \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_FLOAT_TYPES(UN_FLOAT_FN)

/* Integers: negation wraps (in the wrap type) like two's complement hardware. */
#define UN_SIGNED_FN(name, dt, ST, CT, UT)                                                         \
  EW_INLINE hy_status un_##name(int64_t op, const ST *a, void *out, int64_t n) {                   \
    ST *o = out;                                                                                   \
    typedef CT ew_ct;                                                                              \
    switch (op) {                                                                                  \
    case HY_UN_ABS: UN_MAP(name, x < 0 ? (CT)(0 - (UT)x) : x)                                      \
    case HY_UN_NEG: UN_MAP(name, (CT)(0 - (UT)x))                                                  \
    case HY_UN_RELU: UN_MAP(name, x < 0 ? 0 : x)                                                   \
    case HY_UN_SIGN: UN_MAP(name, (x > 0) - (x < 0))                                               \
    case HY_UN_BITNOT: UN_MAP(name, (CT)~(UT)x)                                                    \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_SIGNED_TYPES(UN_SIGNED_FN)

#define UN_UNSIGNED_FN(name, dt, ST, CT, UT)                                                       \
  EW_INLINE hy_status un_##name(int64_t op, const ST *a, void *out, int64_t n) {                   \
    ST *o = out;                                                                                   \
    typedef CT ew_ct;                                                                              \
    switch (op) {                                                                                  \
    case HY_UN_ABS: UN_MAP(name, x)                                                                \
    case HY_UN_NEG: UN_MAP(name, (CT)(0 - (UT)x))                                                  \
    case HY_UN_RELU: UN_MAP(name, x)                                                               \
    case HY_UN_SIGN: UN_MAP(name, x != 0)                                                          \
    case HY_UN_BITNOT: UN_MAP(name, (CT)~(UT)x)                                                    \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_UNSIGNED_TYPES(UN_UNSIGNED_FN)

EW_INLINE hy_status un_b8(int64_t op, const uint8_t *a, void *out, int64_t n) {
  uint8_t *o = out;
  if (op != HY_UN_NOT) return HY_ERR_UNSUPPORTED;
  for (int64_t i = 0; i < n; i++) o[i] = !a[i];
  return HY_OK;
}

hy_status hy_kernel_unary(const hy_kparams *p, const void *const *in, void *const *out,
                          void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  int64_t n = hy_tdesc_numel(&p->out[0]), op = p->ints[0];
  double al = p->n_floats > 0 ? p->floats[0] : 0, be = p->n_floats > 1 ? p->floats[1] : 0;
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT: return un_f32(op, in[0], out[0], n, (float)al, (float)be);
  case HY_DTYPE_DOUBLE: return un_f64(op, in[0], out[0], n, al, be);
  case HY_DTYPE_FLOAT16: return un_f16(op, in[0], out[0], n, (float)al, (float)be);
  case HY_DTYPE_BFLOAT16: return un_bf16(op, in[0], out[0], n, (float)al, (float)be);
#define UN_INT_CASE(name, dt, ST, CT, UT)                                                          \
  case dt: return un_##name(op, in[0], out[0], n);
    EW_SIGNED_TYPES(UN_INT_CASE)
    EW_UNSIGNED_TYPES(UN_INT_CASE)
    EW_BOOL_TYPES(UN_INT_CASE)
#undef UN_INT_CASE
  }
  return HY_ERR_DTYPE;
}
