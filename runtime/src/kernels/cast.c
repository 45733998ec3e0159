/* cast: out[i] = (to type) in[i] between every pair of numeric dtypes, bool, bfloat16, the
 * float8 types, float4e2m1 and the packed 2/4-bit integers (Cast, CastLike).
 * Attribute block: ints {saturate, round_mode (hy_cast_round)} ( both optional, default 1 and
 * 'up'): saturate applies to float8 targets, round_mode to float8e8m0 (dtype_convert.h).
 * To bool is x != 0; floats to integers truncate toward zero (out of range is undefined in ONNX:
 * NaN gives 0 and values saturate at int64's range, uint64's for uint64, before the low bits are
 * kept (CAST_CONVERT), and 0 for the 2/4-bit ones, as ONNX's reference); integers to narrower
 * integers keep the low bits. Narrowing between floats rounds
 * once, to nearest even. */
#include "kernels/dtype_convert.h"
#include "kernels/ew_util.h"

/* ---- the common pairs: one typed loop each ---- */

#define CAST_TYPES(X) EW_ALL_TYPES(X)

#define CAST_FROM(sname_, sdt, SST, SCT, SUT)                                                      \
  EW_INLINE hy_status cast_from_##sname_(const SST *a, int32_t to, void *out, int64_t n) {         \
    switch (to) {                                                                                  \
      CAST_NUMERIC_TARGETS(sname_)                                                                 \
    case HY_DTYPE_BOOL: {                                                                          \
      uint8_t *o = out;                                                                            \
      for (int64_t i = 0; i < n; i++) o[i] = ew_ld_##sname_(a[i]) != 0;                            \
      return HY_OK;                                                                                \
    }                                                                                              \
    }                                                                                              \
    return HY_ERR_DTYPE;                                                                           \
  }

/* CAST_TO needs the source name as `sname`: bind it through one more expansion. */
#define CAST_NUMERIC_TARGETS(s) CAST_TARGETS_(s)
#define CAST_TARGETS_(s)                                                                           \
  CAST_TO_WITH(s, f32, HY_DTYPE_FLOAT, float, float)                                               \
  CAST_TO_WITH(s, f64, HY_DTYPE_DOUBLE, double, double)                                            \
  CAST_TO_WITH(s, f16, HY_DTYPE_FLOAT16, uint16_t, float)                                          \
  CAST_TO_WITH(s, bf16, HY_DTYPE_BFLOAT16, uint16_t, float)                                        \
  CAST_TO_WITH(s, i8, HY_DTYPE_INT8, int8_t, int8_t)                                               \
  CAST_TO_WITH(s, i16, HY_DTYPE_INT16, int16_t, int16_t)                                           \
  CAST_TO_WITH(s, i32, HY_DTYPE_INT32, int32_t, int32_t)                                           \
  CAST_TO_WITH(s, i64, HY_DTYPE_INT64, int64_t, int64_t)                                           \
  CAST_TO_WITH(s, u8, HY_DTYPE_UINT8, uint8_t, uint8_t)                                            \
  CAST_TO_WITH(s, u16, HY_DTYPE_UINT16, uint16_t, uint16_t)                                        \
  CAST_TO_WITH(s, u32, HY_DTYPE_UINT32, uint32_t, uint32_t)                                        \
  CAST_TO_WITH(s, u64, HY_DTYPE_UINT64, uint64_t, uint64_t)
#define CAST_TO_WITH(sname, dname, ddt, DST, DCT)                                                  \
  case ddt: {                                                                                      \
    DST *o = out;                                                                                  \
    for (int64_t i = 0; i < n; i++) o[i] = ew_st_##dname(CAST_CONVERT(DCT, ew_ld_##sname(a[i])));  \
    return HY_OK;                                                                                  \
  }
/* A source value into the target's compute type. C leaves a float outside an integer type's range
 * undefined (the import fuzzer's UBSan found -inf cast to int8): a float goes into an integer
 * type as the element-wise path (cast_store, ew_store_f64) puts it, NaN 0 and saturating at
 * int64's range (uint64's for uint64) before the low bits are kept; other pairs convert as C does. */
#define CAST_CONVERT(DCT, v)                                                                       \
  _Generic((v), float: CAST_FLOAT_TO(DCT, v), double: CAST_FLOAT_TO(DCT, v), default: (DCT)(v))
#define CAST_FLOAT_TO(DCT, v)                                                                      \
  _Generic((DCT)0, float: (DCT)(v), double: (DCT)(v), uint64_t: (DCT)ew_f64_to_u64(v),            \
           default: (DCT)ew_f64_to_i64(v))
CAST_TYPES(CAST_FROM)

/* Pairs the typed loops would round twice (through float on the way to a 16-bit float). */
static inline bool cast_rounds_twice(int32_t from, int32_t to) {
  bool to16 = to == HY_DTYPE_FLOAT16 || to == HY_DTYPE_BFLOAT16;
  return to16 && (from == HY_DTYPE_DOUBLE || from == HY_DTYPE_INT32 || from == HY_DTYPE_INT64 ||
                  from == HY_DTYPE_UINT32 || from == HY_DTYPE_UINT64);
}

static inline bool cast_typed(int32_t dt) {
  switch (dt) {
#define CAST_IS(name, dtype, ST, CT, UT) case dtype:
    CAST_TYPES(CAST_IS)
#undef CAST_IS
    return true;
  }
  return false;
}

/* ---- every other pair: element by element through a wide value ---- */

/* An element as a float (exact in double for every float source) or an integer (int64 bits;
 * uns marks a uint64 whose value may exceed INT64_MAX). */
typedef struct cast_val {
  double f;
  int64_t i;
  int32_t is_float, uns;
} cast_val;

EW_INLINE cast_val cast_load(int32_t dt, const void *p, int64_t i) {
  cast_val v = {0, 0, 0, 0};
  const uint8_t *b = p;
  switch (dt) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
    v.f = dt == HY_DTYPE_BFLOAT16 ? hy_k_bf16_to_f32(((const uint16_t *)p)[i])
                                  : ew_load_f64(dt, p, i);
    v.is_float = 1;
    return v;
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ:
    v.f = hy_k_fmt_to_f32(hy_k_fmt_of(dt), b[i]), v.is_float = 1;
    return v;
  case HY_DTYPE_FLOAT4E2M1:
    v.f = hy_k_fmt_to_f32(hy_k_fmt_of(dt), hy_k_packed_get(b, i, 4)), v.is_float = 1;
    return v;
  case HY_DTYPE_FLOAT8E8M0: v.f = hy_k_e8m0_to_f32(b[i]), v.is_float = 1; return v;
  case HY_DTYPE_INT4: v.i = hy_k_sext(hy_k_packed_get(b, i, 4), 4); return v;
  case HY_DTYPE_INT2: v.i = hy_k_sext(hy_k_packed_get(b, i, 2), 2); return v;
  case HY_DTYPE_UINT4: v.i = hy_k_packed_get(b, i, 4); return v;
  case HY_DTYPE_UINT2: v.i = hy_k_packed_get(b, i, 2); return v;
  case HY_DTYPE_UINT64: v.i = (int64_t)((const uint64_t *)p)[i], v.uns = 1; return v;
#define CAST_LOAD_INT(name, dtype, ST, CT, UT)                                                     \
  case dtype: v.i = (int64_t)((const ST *)p)[i]; return v;
    EW_SIGNED_TYPES(CAST_LOAD_INT)
    CAST_LOAD_INT(u8, HY_DTYPE_UINT8, uint8_t, 0, 0)
    CAST_LOAD_INT(u16, HY_DTYPE_UINT16, uint16_t, 0, 0)
    CAST_LOAD_INT(u32, HY_DTYPE_UINT32, uint32_t, 0, 0)
    CAST_LOAD_INT(b8, HY_DTYPE_BOOL, uint8_t, 0, 0)
#undef CAST_LOAD_INT
  }
  return v;
}

/* A 2/4-bit integer code: floats truncated (0 when out of range), integers keep the low bits. */
EW_INLINE uint32_t cast_small_int(cast_val v, int32_t bits, int32_t is_signed) {
  int32_t lo = is_signed ? -(1 << (bits - 1)) : 0;
  int32_t hi = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  if (v.is_float) return hy_k_f64_to_small_int(v.f, lo, hi, bits);
  return (uint32_t)v.i & ((1u << bits) - 1);
}

EW_INLINE hy_status cast_store(int32_t dt, void *p, int64_t i, cast_val v, int32_t saturate,
                               int32_t round_mode) {
  uint8_t *b = p;
  double f = v.is_float ? v.f : hy_k_i64_to_f64_sticky(v.i, v.uns);
  switch (dt) {
  case HY_DTYPE_FLOAT: ((float *)p)[i] = (float)f; return HY_OK;
  case HY_DTYPE_DOUBLE:
    ((double *)p)[i] = v.is_float ? f : v.uns ? (double)(uint64_t)v.i : (double)v.i;
    return HY_OK;
  case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16: /* saturate is for float8 only */
    ((uint16_t *)p)[i] = (uint16_t)hy_k_f64_to_fmt(hy_k_fmt_of(dt), f, 0);
    return HY_OK;
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ:
    b[i] = (uint8_t)hy_k_f64_to_fmt(hy_k_fmt_of(dt), f, saturate);
    return HY_OK;
  case HY_DTYPE_FLOAT4E2M1:
    hy_k_packed_set(b, i, 4, hy_k_f64_to_fmt(hy_k_fmt_of(dt), f, 1));
    return HY_OK;
  case HY_DTYPE_FLOAT8E8M0: b[i] = hy_k_f64_to_e8m0(f, saturate, round_mode); return HY_OK;
  case HY_DTYPE_INT4: hy_k_packed_set(b, i, 4, cast_small_int(v, 4, 1)); return HY_OK;
  case HY_DTYPE_UINT4: hy_k_packed_set(b, i, 4, cast_small_int(v, 4, 0)); return HY_OK;
  case HY_DTYPE_INT2: hy_k_packed_set(b, i, 2, cast_small_int(v, 2, 1)); return HY_OK;
  case HY_DTYPE_UINT2: hy_k_packed_set(b, i, 2, cast_small_int(v, 2, 0)); return HY_OK;
  case HY_DTYPE_BOOL: b[i] = v.is_float ? v.f != 0 : v.i != 0; return HY_OK;
  case HY_DTYPE_INT8: case HY_DTYPE_INT16: case HY_DTYPE_INT32: case HY_DTYPE_INT64:
  case HY_DTYPE_UINT8: case HY_DTYPE_UINT16: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
    if (v.is_float) ew_store_f64(dt, p, i, v.f);
    else
      switch (dt) {
#define CAST_STORE_INT(name, dtype, ST, CT, UT)                                                    \
  case dtype: ((ST *)p)[i] = (ST)v.i; break;
        EW_SIGNED_TYPES(CAST_STORE_INT)
        EW_UNSIGNED_TYPES(CAST_STORE_INT)
#undef CAST_STORE_INT
      }
    return HY_OK;
  }
  return HY_ERR_DTYPE;
}

hy_status hy_kernel_cast(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  int64_t n = hy_tdesc_numel(&p->out[0]);
  int32_t from = p->in[0].dtype, to = p->out[0].dtype;
  if (cast_typed(from) && cast_typed(to) && !cast_rounds_twice(from, to)) {
    switch (from) {
#define CAST_CASE(name, dt, ST, CT, UT)                                                            \
  case dt: return cast_from_##name(in[0], to, out[0], n);
      CAST_TYPES(CAST_CASE)
#undef CAST_CASE
    }
    return HY_ERR_DTYPE;
  }
  int32_t saturate = p->n_ints > 0 ? (int32_t)p->ints[0] : 1;
  int32_t round_mode = p->n_ints > 1 ? (int32_t)p->ints[1] : HY_CAST_ROUND_UP;
  if (n > 0 && hy_k_dtype_bits(to) < 8) /* the padding bits of a packed output are zero */
    ((uint8_t *)out[0])[(n * hy_k_dtype_bits(to) - 1) / 8] = 0;
  for (int64_t i = 0; i < n; i++) {
    hy_status s = cast_store(to, out[0], i, cast_load(from, in[0], i), saturate, round_mode);
    if (s != HY_OK) return s;
  }
  return HY_OK;
}
