/* Elementwise kernels' dtype tables: one X row per element type, so each kernel instantiates
 * its loops per dtype from one macro instead of copies. Private to the elementwise kernels. */
#ifndef HY_EW_UTIL_H
#define HY_EW_UTIL_H

#include <math.h>
#include <stdint.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

/* X(name, dtype, storage type, compute type, wrap type). The compute type is what the math runs
 * in (float for float16 and bfloat16, whose stores round to nearest even); integer arithmetic
 * runs in the wrap type, an unsigned type at least as wide as int, so overflow wraps instead of
 * being undefined. Every elementwise kernel instantiates its float loops from this list, so a
 * float type added here is computed by all of them. */
#define EW_FLOAT_TYPES(X)                                                                          \
  X(f32, HY_DTYPE_FLOAT, float, float, float)                                                      \
  X(f64, HY_DTYPE_DOUBLE, double, double, double)                                                  \
  X(f16, HY_DTYPE_FLOAT16, uint16_t, float, float)                                                 \
  X(bf16, HY_DTYPE_BFLOAT16, uint16_t, float, float)
#define EW_SIGNED_TYPES(X)                                                                         \
  X(i8, HY_DTYPE_INT8, int8_t, int8_t, uint32_t)                                                   \
  X(i16, HY_DTYPE_INT16, int16_t, int16_t, uint32_t)                                               \
  X(i32, HY_DTYPE_INT32, int32_t, int32_t, uint32_t)                                               \
  X(i64, HY_DTYPE_INT64, int64_t, int64_t, uint64_t)
#define EW_UNSIGNED_TYPES(X)                                                                       \
  X(u8, HY_DTYPE_UINT8, uint8_t, uint8_t, uint32_t)                                                \
  X(u16, HY_DTYPE_UINT16, uint16_t, uint16_t, uint32_t)                                            \
  X(u32, HY_DTYPE_UINT32, uint32_t, uint32_t, uint32_t)                                            \
  X(u64, HY_DTYPE_UINT64, uint64_t, uint64_t, uint64_t)
#define EW_BOOL_TYPES(X) X(b8, HY_DTYPE_BOOL, uint8_t, uint8_t, uint32_t)
#define EW_ALL_TYPES(X)                                                                            \
  EW_FLOAT_TYPES(X) EW_SIGNED_TYPES(X) EW_UNSIGNED_TYPES(X) EW_BOOL_TYPES(X)

#define EW_UNUSED __attribute__((unused))
/* In the kernel bitcode (HY_KERNEL_BITCODE) every level of an elementwise kernel is inlined into
 * the kernel entry, and codegen inlines the entry into each call site with its constant
 * hy_kparams: the dtype and op switches then fold while the body is cloned, so a call site costs
 * only its own loop, not all of them. The native copies (constant folding) have no constants to
 * fold: forced inlining there only multiplied every op by every dtype in one function, which took
 * gcc -O3 over 90 s and clang with ASan+UBSan over 8 minutes for binary.c alone (48 s without). */
#if defined(HY_KERNEL_BITCODE)
#define EW_INLINE static inline __attribute__((always_inline))
#else
#define EW_INLINE static inline
#endif

/* ew_ld_<name>: storage -> compute type; ew_st_<name>: compute -> storage type. */
#define EW_LDST(name, dt, ST, CT, UT)                                                              \
  static inline CT ew_ld_##name(ST v) { return (CT)v; }                                            \
  static inline ST ew_st_##name(CT v) { return (ST)v; }
EW_LDST(f32, 0, float, float, 0)
EW_LDST(f64, 0, double, double, 0)
EW_SIGNED_TYPES(EW_LDST)
EW_UNSIGNED_TYPES(EW_LDST)
EW_BOOL_TYPES(EW_LDST)
#undef EW_LDST
static inline float ew_ld_f16(uint16_t v) { return hy_k_f16_to_f32(v); }
static inline uint16_t ew_st_f16(float v) { return hy_k_f32_to_f16(v); }
static inline float ew_ld_bf16(uint16_t v) { return hy_k_bf16_to_f32(v); }
static inline uint16_t ew_st_bf16(float v) { return hy_k_f32_to_bf16(v); }

/* Any element as a double, and a double into any element type (integers saturate, NaN becomes
 * 0: float->int conversion out of range is undefined in C). For the rare mixed-type paths (Pow
 * with different base and exponent types); after inlining on constant dtypes the switch folds. */
static inline double ew_load_f64(int32_t dt, const void *p, int64_t i) {
  switch (dt) {
#define EW_LOAD_CASE(name, dtype, ST, CT, UT)                                                      \
  case dtype: return (double)ew_ld_##name(((const ST *)p)[i]);
    EW_ALL_TYPES(EW_LOAD_CASE)
#undef EW_LOAD_CASE
  }
  return 0;
}

static inline int64_t ew_f64_to_i64(double v) {
  if (!(v == v)) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}

static inline uint64_t ew_f64_to_u64(double v) {
  return v >= 18446744073709551615.0 ? UINT64_MAX : v > 0 ? (uint64_t)v : 0;
}

static inline void ew_store_f64(int32_t dt, void *p, int64_t i, double v) {
  switch (dt) {
  case HY_DTYPE_FLOAT: ((float *)p)[i] = (float)v; return;
  case HY_DTYPE_DOUBLE: ((double *)p)[i] = v; return;
  case HY_DTYPE_FLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_f16((float)v); return;
  case HY_DTYPE_BFLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_bf16((float)v); return;
  case HY_DTYPE_BOOL: ((uint8_t *)p)[i] = v != 0; return;
  case HY_DTYPE_UINT64: ((uint64_t *)p)[i] = ew_f64_to_u64(v); return;
#define EW_STORE_CASE(name, dtype, ST, CT, UT)                                                     \
  case dtype: ((ST *)p)[i] = (ST)ew_f64_to_i64(v); return;
    EW_SIGNED_TYPES(EW_STORE_CASE)
    EW_STORE_CASE(u8, HY_DTYPE_UINT8, uint8_t, uint8_t, uint32_t)
    EW_STORE_CASE(u16, HY_DTYPE_UINT16, uint16_t, uint16_t, uint32_t)
    EW_STORE_CASE(u32, HY_DTYPE_UINT32, uint32_t, uint32_t, uint32_t)
#undef EW_STORE_CASE
  }
}

#endif
