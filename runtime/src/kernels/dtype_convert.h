/* Conversions of the narrow element types, for kernels (bitcode) and the runtime alike:
 * bfloat16, the float8 family (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ), float4 E2M1, float8 E8M0 and
 * the packed 2- and 4-bit integers. The rules are ONNX's (Cast's tables; docs/technical/float8.md
 * and float4.md): narrowing rounds to nearest even, float8 saturates to the largest finite value
 * when asked, and otherwise goes to inf or NaN as the format allows. Static inline: a kernel with
 * constant dtypes keeps only its own format's branch. */
#ifndef HY_DTYPE_CONVERT_H
#define HY_DTYPE_CONVERT_H

#include <math.h>
#include <stdint.h>

#include "hydra/hydra.h"
#include "hydra/kernel.h"
#include "kernel_util.h" /* beside this file: tests include it by path */

/* ---- element widths (hy_dtype_bits is this; kernels call it inline so it folds) ---- */

static inline int32_t hy_k_dtype_bits(int32_t t) {
  switch (t) {
  case HY_DTYPE_UINT2: case HY_DTYPE_INT2: return 2;
  case HY_DTYPE_UINT4: case HY_DTYPE_INT4: case HY_DTYPE_FLOAT4E2M1: return 4;
  case HY_DTYPE_UINT8: case HY_DTYPE_INT8: case HY_DTYPE_BOOL: case HY_DTYPE_FLOAT8E4M3FN:
  case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2: case HY_DTYPE_FLOAT8E5M2FNUZ:
  case HY_DTYPE_FLOAT8E8M0: return 8;
  case HY_DTYPE_UINT16: case HY_DTYPE_INT16: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
    return 16;
  case HY_DTYPE_FLOAT: case HY_DTYPE_INT32: case HY_DTYPE_UINT32: return 32;
  case HY_DTYPE_INT64: case HY_DTYPE_DOUBLE: case HY_DTYPE_UINT64: case HY_DTYPE_COMPLEX64:
    return 64;
  case HY_DTYPE_COMPLEX128: return 128;
  case HY_DTYPE_STRING: case HY_DTYPE_UNDEFINED: case HY_DTYPE_FLOAT6E2M3:
  case HY_DTYPE_FLOAT6E3M2: return 0;
  }
  return 0;
}

/* ---- bfloat16: hy_k_bf16_to_f32 / hy_k_f32_to_bf16 live in kernel_util.h ---- */

/* ---- small floats: one description, one decoder, one encoder ---- */

/* How a format spends its top exponent and the sign of zero. */
typedef enum hy_k_fkind {
  HY_FK_IEEE, /* top exponent: inf (mantissa 0) and NaN (E5M2, float16, bfloat16) */
  HY_FK_FN,   /* no inf; only S.1111.111 is NaN (E4M3FN) */
  HY_FK_FNUZ, /* no inf, no -0; 0x80 (the "negative zero") is the one NaN */
  HY_FK_NONE, /* no inf, no NaN (E2M1) */
} hy_k_fkind;

typedef struct hy_k_fmt {
  int32_t ebits, mbits, bias, kind;
} hy_k_fmt;

/* The format of a narrow float dtype; {0} for the others. */
static inline hy_k_fmt hy_k_fmt_of(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT8E4M3FN: return (hy_k_fmt){4, 3, 7, HY_FK_FN};
  case HY_DTYPE_FLOAT8E4M3FNUZ: return (hy_k_fmt){4, 3, 8, HY_FK_FNUZ};
  case HY_DTYPE_FLOAT8E5M2: return (hy_k_fmt){5, 2, 15, HY_FK_IEEE};
  case HY_DTYPE_FLOAT8E5M2FNUZ: return (hy_k_fmt){5, 2, 16, HY_FK_FNUZ};
  case HY_DTYPE_FLOAT4E2M1: return (hy_k_fmt){2, 1, 1, HY_FK_NONE};
  case HY_DTYPE_FLOAT16: return (hy_k_fmt){5, 10, 15, HY_FK_IEEE};
  case HY_DTYPE_BFLOAT16: return (hy_k_fmt){8, 7, 127, HY_FK_IEEE};
  }
  return (hy_k_fmt){0, 0, 0, 0};
}

/* 2^e as a double, e in [-1022, 1023]. */
static inline double hy_k_pow2(int32_t e) {
  uint64_t u = (uint64_t)(e + 1023) << 52;
  double d;
  memcpy(&d, &u, 8);
  return d;
}

/* Unbiased exponent of a finite double (-1023 for zero and subnormals). */
static inline int32_t hy_k_exp_of(double a) {
  uint64_t u;
  memcpy(&u, &a, 8);
  return (int32_t)((u >> 52) & 0x7ff) - 1023;
}

/* Bit patterns of a format: its largest finite magnitude, the NaN and inf it produces. */
static inline uint32_t hy_k_fmt_maxcode(hy_k_fmt f) {
  uint32_t emax = (1u << f.ebits) - 1, mmask = (1u << f.mbits) - 1;
  if (f.kind == HY_FK_IEEE) return (emax - 1) << f.mbits | mmask;
  if (f.kind == HY_FK_FN) return emax << f.mbits | (mmask - 1);
  return emax << f.mbits | mmask;
}

/* A code of format f (low 1 + ebits + mbits bits) as a float: exact, every such value is a
 * float. */
static inline float hy_k_fmt_to_f32(hy_k_fmt f, uint32_t code) {
  uint32_t top = 1u << (f.ebits + f.mbits), emax = (1u << f.ebits) - 1, mmask = (1u << f.mbits) - 1;
  uint32_t e = (code >> f.mbits) & emax, m = code & mmask;
  float sign = (code & top) ? -1.0f : 1.0f;
  if (f.kind == HY_FK_FNUZ && (code & (2 * top - 1)) == top) return NAN;
  if (f.kind == HY_FK_FN && e == emax && m == mmask) return sign * NAN;
  if (f.kind == HY_FK_IEEE && e == emax) return m ? sign * NAN : sign * INFINITY;
  if (e == 0) return sign * (float)m * hy_k_bits_f32((uint32_t)(127 + 1 - f.bias - f.mbits) << 23);
  return sign * hy_k_bits_f32((uint32_t)((int32_t)e - f.bias + 127) << 23 | m << (23 - f.mbits));
}

/* x rounded to nearest even into format f. Out of range (after rounding) and infinities give
 * the largest finite value when saturate is set (E2M1, which has no inf or NaN, always
 * saturates), else inf where the format has one and NaN where not. NaN gives NaN, or +max for
 * E2M1: float4.md's table (NaN -> 6; ORT 1.31.1's CPU Cast has no E2M1). onnx 1.23's Cast test
 * data (test_cast*_FLOAT*_to_FLOAT4E2M1) expect -0: ml_dtypes' float4_e2m1fn astype made it, its
 * +NaN -> 0x8 (-NaN -> 0x0), a sign flip no rule states. Hydra keeps the spec's table. */
static inline uint32_t hy_k_f64_to_fmt(hy_k_fmt f, double x, int32_t saturate) {
  uint32_t top = 1u << (f.ebits + f.mbits), emax = (1u << f.ebits) - 1;
  uint32_t s = signbit(x) ? top : 0, maxcode = hy_k_fmt_maxcode(f);
  double a = fabs(x);
  if (f.kind == HY_FK_NONE) saturate = 1;
  if (a != a) {
    switch (f.kind) {
    case HY_FK_IEEE: return s | emax << f.mbits | 1u << (f.mbits - 1);
    case HY_FK_FN: return s | emax << f.mbits | ((1u << f.mbits) - 1);
    case HY_FK_FNUZ: return top;
    default: return maxcode;
    }
  }
  double r = a;
  if (a != INFINITY) { /* round to the format's spacing at a's binade (or the subnormal one) */
    int32_t e = hy_k_exp_of(a), emin = 1 - f.bias;
    double q = hy_k_pow2((e < emin ? emin : e) - f.mbits);
    r = rint(a / q) * q;
  }
  double maxv = hy_k_fmt_to_f32(f, maxcode);
  if (r > maxv) {
    if (saturate) return s | maxcode;
    if (f.kind == HY_FK_IEEE) return s | emax << f.mbits;
    if (f.kind == HY_FK_FN) return s | emax << f.mbits | ((1u << f.mbits) - 1);
    return top; /* FNUZ */
  }
  if (r == 0) return f.kind == HY_FK_FNUZ ? 0 : s;
  int32_t er = hy_k_exp_of(r);
  if (er < 1 - f.bias) return s | (uint32_t)(r / hy_k_pow2(1 - f.bias - f.mbits));
  uint32_t m = (uint32_t)(r / hy_k_pow2(er - f.mbits)) - (1u << f.mbits);
  return s | (uint32_t)(er + f.bias) << f.mbits | m;
}

/* ---- float8 E8M0: an unsigned power of two 2^(code - 127); 0xFF is NaN ---- */

static inline float hy_k_e8m0_to_f32(uint8_t c) {
  if (c == 0xff) return NAN;
  return hy_k_bits_f32(c ? (uint32_t)c << 23 : 0x00400000u); /* code 0 is the subnormal 2^-127 */
}

/* Cast's rules: 'up' rounds away from zero, 'down' toward it, 'nearest' to the nearer power with
 * ties (1.5 * 2^k) up. Past the largest power, and for inf: the largest when saturating, else
 * NaN. Below 2^-127 (zero included): 2^-127 when rounding up or saturating, else NaN. The sign
 * is ignored (negative inputs are undefined in ONNX). */
static inline uint8_t hy_k_f64_to_e8m0(double x, int32_t saturate, int32_t mode) {
  double a = fabs(x);
  if (a != a) return 0xff;
  if (a == INFINITY) return saturate ? 0xfe : 0xff;
  uint64_t u;
  memcpy(&u, &a, 8);
  uint64_t frac = u & ((1ull << 52) - 1);
  int32_t e = hy_k_exp_of(a);
  if (e == -1023) frac = 1, e = -1100; /* zero and double subnormals: far below 2^-127 */
  int32_t c = e + 127;
  if (mode == HY_CAST_ROUND_UP) c += frac != 0;
  else if (mode == HY_CAST_ROUND_NEAREST) c += frac >= (1ull << 51);
  if (c < 0) return (mode == HY_CAST_ROUND_UP || saturate) ? 0 : 0xff;
  if (c > 0xfe) return saturate ? 0xfe : 0xff;
  return (uint8_t)c;
}

/* ---- packed 2- and 4-bit elements: element i of a buffer, low bits first ---- */

static inline uint32_t hy_k_packed_get(const uint8_t *p, int64_t i, int32_t bits) {
  int64_t per = 8 / bits;
  return (uint32_t)(p[i / per] >> (i % per * bits)) & ((1u << bits) - 1);
}

/* Read-modify-write of element i's bits; the other elements of the byte are kept. */
static inline void hy_k_packed_set(uint8_t *p, int64_t i, int32_t bits, uint32_t code) {
  int64_t per = 8 / bits;
  uint32_t sh = (uint32_t)(i % per * bits), mask = ((1u << bits) - 1) << sh;
  p[i / per] = (uint8_t)((p[i / per] & ~mask) | ((code << sh) & mask));
}

/* A signed code of `bits` bits, sign-extended. */
static inline int32_t hy_k_sext(uint32_t code, int32_t bits) {
  return (int32_t)code - (int32_t)((code >> (bits - 1)) << bits);
}

/* A float into a signed (lo < 0) or unsigned 2/4-bit range: truncated toward zero; NaN and
 * values out of range (undefined in ONNX) give 0, as ONNX's reference does. */
static inline uint32_t hy_k_f64_to_small_int(double v, int32_t lo, int32_t hi, int32_t bits) {
  double t = trunc(v);
  if (!(t >= lo && t <= hi)) return 0;
  return (uint32_t)(int32_t)t & ((1u << bits) - 1);
}

/* An int64 as a double that rounds correctly into any format of at most 51 significant bits:
 * beyond 2^53 the dropped bits become a sticky bit (round to odd), so the value rounds once. */
static inline double hy_k_i64_to_f64_sticky(int64_t v, int32_t is_unsigned) {
  uint64_t m = is_unsigned ? (uint64_t)v : v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  double sign = !is_unsigned && v < 0 ? -1.0 : 1.0;
  if (m < (1ull << 53)) return sign * (double)m;
  int32_t sh = 0;
  while ((m >> sh) >= (1ull << 53)) sh++;
  uint64_t kept = m >> sh | ((m & ((1ull << sh) - 1)) != 0);
  return sign * (double)kept * hy_k_pow2(sh);
}

#endif
