/* unary: out[i] = f(in[i]) for every one-input elementwise op (Abs ... Sign, IsNaN, IsInf, Not,
 * BitwiseNot). ints {op (hy_ew_unary)}, floats {alpha, beta}. Same shape in and out; the output
 * dtype is the input's, except IsNaN and IsInf (bool). Math runs in float for float16 and
 * bfloat16, in the type itself otherwise. */
#include <math.h>
#include <tgmath.h>

#include "kernels/ew_ops.h"

/* One tight loop: x is the loaded element, E its image; ew_ct is the function's compute type. */
#define UN_MAP(name, E)                                                                            \
  for (int64_t i = 0; i < n; i++) {                                                                \
    ew_ct x = ew_ld_##name(a[i]);                                                                  \
    o[i] = ew_st_##name((ew_ct)(E));                                                               \
  }                                                                                                \
  return HY_OK;

/* One case of the float switch, from ew_ops.h's list. */
#define UN_FLOAT_CASE(name, code, E)                                                               \
  case code: UN_MAP(name, E)

#define UN_FLOAT_FN(name, dt, ST, CT, UT)                                                          \
  EW_INLINE hy_status un_##name(int64_t op, const ST *a, void *out, int64_t n, CT al, CT be) {     \
    ST *o = out;                                                                                   \
    typedef CT ew_ct;                                                                              \
    switch (op) {                                                                                  \
      EW_UNARY_FLOAT_OPS(UN_FLOAT_CASE, name)                                                      \
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
