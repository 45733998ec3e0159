/* The float32 math of the elementwise kernels that other kernels share (the GEMM's fused
 * activations compute exactly what the unfused Gelu, Tanh and Sigmoid nodes would). */
#ifndef HY_EW_MATH_H
#define HY_EW_MATH_H

#include <math.h>

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

#endif
