/* The per-element expressions of the float elementwise ops, as X-macro lists, so the one-op
 * kernels (unary.c, binary.c) and the fused chain (ew_chain.c) compute each op from one
 * definition: a fused node gives exactly what the nodes it replaced would. An expression reads
 * x (and y), the attributes al and be, and names the compute type ew_ct; tgmath picks the libm
 * function of that type. Private to the elementwise kernels. */
#ifndef HY_EW_OPS_H
#define HY_EW_OPS_H

#include "kernels/ew_math.h"

/* X(A, code, expression in x, al, be), A passed through to X: every unary op whose float result
 * has the input's type (IsNaN and IsInf, which give bool, are the unary kernel's own). */
#define EW_UNARY_FLOAT_OPS(X, A)                                                                   \
  X(A, HY_UN_ABS, fabs(x))                                                                         \
  X(A, HY_UN_NEG, -x)                                                                              \
  X(A, HY_UN_SQRT, sqrt(x))                                                                        \
  X(A, HY_UN_EXP, EW_EXP(x))                                                                       \
  X(A, HY_UN_LOG, log(x))                                                                          \
  X(A, HY_UN_TANH, EW_TANH(x))                                                                     \
  X(A, HY_UN_RELU, x < 0 ? 0 : x)                                                                  \
  X(A, HY_UN_SIGMOID, EW_SIGMOID(x))                                                               \
  X(A, HY_UN_ERF, EW_ERF(x))                                                                       \
  X(A, HY_UN_RECIPROCAL, 1 / x)                                                                    \
  X(A, HY_UN_FLOOR, floor(x))                                                                      \
  X(A, HY_UN_CEIL, ceil(x))                                                                        \
  X(A, HY_UN_SIN, sin(x))                                                                          \
  X(A, HY_UN_COS, cos(x))                                                                          \
  X(A, HY_UN_SOFTPLUS, EW_SOFTPLUS(x))                                                             \
  X(A, HY_UN_LEAKYRELU, x < 0 ? al * x : x)                                                        \
  X(A, HY_UN_ELU, x < 0 ? al * expm1(x) : x)                                                       \
  X(A, HY_UN_HARDSIGMOID, fmax((ew_ct)0, fmin((ew_ct)1, al * x + be)))                             \
  X(A, HY_UN_SIGN, x > 0 ? 1 : x < 0 ? -1 : x)                                                     \
  X(A, HY_UN_ROUND, rint(x)) /* half to even in the default rounding mode */                       \
  X(A, HY_UN_TAN, tan(x))                                                                          \
  X(A, HY_UN_ASIN, asin(x))                                                                        \
  X(A, HY_UN_ACOS, acos(x))                                                                        \
  X(A, HY_UN_ATAN, atan(x))                                                                        \
  X(A, HY_UN_SINH, sinh(x))                                                                        \
  X(A, HY_UN_COSH, cosh(x))                                                                        \
  X(A, HY_UN_ASINH, asinh(x))                                                                      \
  X(A, HY_UN_ACOSH, acosh(x))                                                                      \
  X(A, HY_UN_ATANH, atanh(x))                                                                      \
  X(A, HY_UN_SELU, be * (x > 0 ? x : al * expm1(x)))                                               \
  X(A, HY_UN_THRESHOLDEDRELU, x > al ? x : 0)                                                      \
  X(A, HY_UN_HARDSWISH, x * fmax((ew_ct)0, fmin((ew_ct)1, x / 6 + (ew_ct)0.5)))                    \
  X(A, HY_UN_SOFTSIGN, x / (1 + fabs(x)))                                                          \
  X(A, HY_UN_CELU, fmax((ew_ct)0, x) + fmin((ew_ct)0, al * expm1(x / al)))                         \
  X(A, HY_UN_SHRINK, x < -al ? x + be : x > al ? x - be : 0)                                       \
  X(A, HY_UN_GELU, x * (ew_ct)0.5 * (1 + EW_ERF(x * (ew_ct)0.70710678118654752)))                  \
  X(A, HY_UN_GELU_TANH, EW_GELU_TANH(x))                                                           \
  X(A, HY_UN_MISH, x * EW_TANH(EW_SOFTPLUS(x)))                                                    \
  X(A, HY_UN_SWISH, x * EW_SIGMOID(al * x))

/* Floating remainder with the divisor's sign (Mod-28 with fmod=0): fmod moved into the divisor's
 * half-line; a zero result takes the divisor's sign, x = +-inf or y = 0 give NaN (from fmod), and
 * y = +-inf gives x or, opposite in sign, y itself (fmod(x, inf) + inf). */
#define EW_FLOORMOD_FN(fn, T)                                                                      \
  static inline T fn(T x, T y) {                                                                   \
    T r = fmod(x, y);                                                                              \
    if (r == 0) return copysign((T)0, y);                                                          \
    return (r < 0) != (y < 0) ? r + y : r;                                                         \
  }
EW_FLOORMOD_FN(ew_floormodf, float)
EW_FLOORMOD_FN(ew_floormod, double)
#undef EW_FLOORMOD_FN
#define EW_FLOORMOD(x, y) _Generic((x), float: ew_floormodf, default: ew_floormod)(x, y)

/* X(A, code, expression in x and y): the float binary ops whose result has the operands' type
 * (Mean's pairwise step is Add's; the comparisons, which give bool, are the binary kernel's own).
 * NaN propagates through Min/Max like numpy's minimum/maximum. */
#define EW_BINARY_FLOAT_OPS(X, A)                                                                  \
  X(A, HY_BIN_ADD, x + y)                                                                          \
  X(A, HY_BIN_SUB, x - y)                                                                          \
  X(A, HY_BIN_MUL, x * y)                                                                          \
  X(A, HY_BIN_DIV, x / y)                                                                          \
  X(A, HY_BIN_POW, pow(x, y))                                                                      \
  X(A, HY_BIN_POW2, ((void)y, x * x)) /* libm's pow costs ~10 ns an element; these, one */         \
  X(A, HY_BIN_POW3, ((void)y, x * x * x))                                                          \
  X(A, HY_BIN_MIN, isnan(x) || x < y ? x : y)                                                      \
  X(A, HY_BIN_MAX, isnan(x) || x > y ? x : y)                                                      \
  X(A, HY_BIN_PRELU, x < 0 ? y * x : x)                                                            \
  X(A, HY_BIN_FMOD, fmod(x, y))                                                                    \
  X(A, HY_BIN_MOD, EW_FLOORMOD(x, y))

#endif
