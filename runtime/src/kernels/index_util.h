/* Shared by the index-family kernels (argmax, topk, cumsum, scatternd, einsum, ...): one X row per
 * numeric element type, so each kernel instantiates its typed loops from one macro, plus bfloat16
 * conversions and the axis-split [outer, n, inner] walk most of these ops share. */
#ifndef HY_INDEX_UTIL_H
#define HY_INDEX_UTIL_H

#include <stdint.h>
#include <string.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"
#include "kernels/movement.h" /* mv_elsize */

/* X(name, dtype, storage type, compute type, wrap type). Values are compared and combined in the
 * compute type (float for the 16-bit floats); integer sums and products run in the wrap type, an
 * unsigned 64-bit type, so overflow wraps instead of being undefined. */
#define IX_FLOAT_TYPES(X)                                                                          \
  X(f32, HY_DTYPE_FLOAT, float, float, float)                                                      \
  X(f64, HY_DTYPE_DOUBLE, double, double, double)                                                  \
  X(f16, HY_DTYPE_FLOAT16, uint16_t, float, float)                                                 \
  X(bf16, HY_DTYPE_BFLOAT16, uint16_t, float, float)
#define IX_INT_TYPES(X)                                                                            \
  X(i8, HY_DTYPE_INT8, int8_t, int64_t, uint64_t)                                                  \
  X(i16, HY_DTYPE_INT16, int16_t, int64_t, uint64_t)                                               \
  X(i32, HY_DTYPE_INT32, int32_t, int64_t, uint64_t)                                               \
  X(i64, HY_DTYPE_INT64, int64_t, int64_t, uint64_t)                                               \
  X(u8, HY_DTYPE_UINT8, uint8_t, uint64_t, uint64_t)                                               \
  X(u16, HY_DTYPE_UINT16, uint16_t, uint64_t, uint64_t)                                            \
  X(u32, HY_DTYPE_UINT32, uint32_t, uint64_t, uint64_t)                                            \
  X(u64, HY_DTYPE_UINT64, uint64_t, uint64_t, uint64_t)
#define IX_NUM_TYPES(X) IX_FLOAT_TYPES(X) IX_INT_TYPES(X)

static inline float ix_bf16_to_f32(uint16_t h) { return hy_k_bits_f32((uint32_t)h << 16); }
/* Round to nearest even; NaN stays a (quiet) NaN. */
static inline uint16_t ix_f32_to_bf16(float f) {
  uint32_t u = hy_k_f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* ix_ld_<name>: storage -> compute type; ix_st_<name>: compute -> storage type. */
#define IX_LDST(name, dt, ST, CT, WT)                                                              \
  static inline CT ix_ld_##name(ST v) { return (CT)v; }                                            \
  static inline ST ix_st_##name(CT v) { return (ST)v; }
IX_LDST(f32, 0, float, float, 0)
IX_LDST(f64, 0, double, double, 0)
IX_INT_TYPES(IX_LDST)
#undef IX_LDST
static inline float ix_ld_f16(uint16_t v) { return hy_k_f16_to_f32(v); }
static inline uint16_t ix_st_f16(float v) { return hy_k_f32_to_f16(v); }
static inline float ix_ld_bf16(uint16_t v) { return ix_bf16_to_f32(v); }
static inline uint16_t ix_st_bf16(float v) { return ix_f32_to_bf16(v); }

/* Element i of a numeric tensor as a double (exact for every integer that can index memory). */
static inline double ix_load_f64(int32_t dtype, const void *p, int64_t i) {
  switch (dtype) {
#define IX_LOAD_CASE(name, dt, ST, CT, WT)                                                         \
  case dt: return (double)ix_ld_##name(((const ST *)p)[i]);
    IX_NUM_TYPES(IX_LOAD_CASE)
#undef IX_LOAD_CASE
  default: return 0;
  }
}

/* Element k of an int32 or int64 index tensor. */
static inline int64_t ix_index(int32_t dtype, const void *p, int64_t k) {
  return dtype == HY_DTYPE_INT32 ? ((const int32_t *)p)[k] : ((const int64_t *)p)[k];
}

/* An axis split: the op works along the middle dim of [outer, n, inner]. */
typedef struct ix_axis {
  int64_t outer, n, inner;
} ix_axis;

/* The split of t at axis (0 <= axis < rank). */
static inline ix_axis ix_split(const hy_tdesc *t, int32_t axis) {
  ix_axis a = {1, t->dims[axis], 1};
  for (int32_t k = 0; k < axis; k++) a.outer *= t->dims[k];
  for (int32_t k = axis + 1; k < t->rank; k++) a.inner *= t->dims[k];
  return a;
}

#endif
