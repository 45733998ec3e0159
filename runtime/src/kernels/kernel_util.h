/* Helpers shared by kernels: float16 <-> float conversion as static inline code (the runtime's
 * dtype.c is not part of the kernel bitcode) and the broadcasting row walk. Keep small and stable:
 * other families include it. */
#ifndef HY_KERNEL_UTIL_H
#define HY_KERNEL_UTIL_H

#include <stdint.h>
#include <string.h>

#include "hydra/hydra.h"

static inline float hy_k_bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static inline uint32_t hy_k_f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* IEEE half -> single, exact. Branch-free (selects only) so loops over it vectorise; the
 * subnormal case renormalises with one float subtraction (after F. Giesen's half_to_float). */
static inline float hy_k_f16_to_f32(uint16_t h) {
  const uint32_t shifted_exp = 0x7c00u << 13;
  uint32_t o = ((uint32_t)h & 0x7fffu) << 13, exp = o & shifted_exp;
  o += (uint32_t)(127 - 15) << 23;
  uint32_t inf_nan = o + ((uint32_t)(128 - 16) << 23);
  uint32_t sub = hy_k_f32_bits(hy_k_bits_f32(o + (1u << 23)) - hy_k_bits_f32(113u << 23));
  o = exp == shifted_exp ? inf_nan : exp == 0 ? sub : o;
  return hy_k_bits_f32(o | ((uint32_t)h & 0x8000u) << 16);
}

/* single -> half, round to nearest even; infinities kept, NaN becomes a quiet NaN. Subnormal
 * halves round through one float addition, which is exact-to-nearest in the default rounding
 * mode (after F. Giesen's float_to_half_fast3_rtne). */
static inline uint16_t hy_k_f32_to_f16(float f) {
  uint32_t x = hy_k_f32_bits(f), sign = x & 0x80000000u;
  x ^= sign;
  const uint32_t f16max = (uint32_t)(127 + 16) << 23;
  /* 2^-1: adding it rounds a float below 2^-14 to a multiple of the half subnormal step */
  const uint32_t magic = (uint32_t)((127 - 15) + (23 - 10) + 1) << 23;
  uint32_t big = x > 0x7f800000u ? 0x7e00u : 0x7c00u;
  uint32_t sub = hy_k_f32_bits(hy_k_bits_f32(x) + hy_k_bits_f32(magic)) - magic;
  uint32_t norm = (x + ((uint32_t)(15 - 127) << 23) + 0xfffu + ((x >> 13) & 1u)) >> 13;
  uint32_t o = x >= f16max ? big : x < (113u << 23) ? sub : norm;
  return (uint16_t)(o | sign >> 16);
}

/* bfloat16 (the top half of a float) <-> single; the narrowing rounds to nearest even and keeps
 * NaN a (quiet) NaN. */
static inline float hy_k_bf16_to_f32(uint16_t h) { return hy_k_bits_f32((uint32_t)h << 16); }
static inline uint16_t hy_k_f32_to_bf16(float f) {
  uint32_t u = hy_k_f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* Element i of a float, double, float16 or bfloat16 array as double, and its store (rounded to
 * the dtype); for kernels that take those four dtypes one element at a time. */
static inline double hy_k_load_real(const void *p, int32_t dt, int64_t i) {
  switch (dt) {
  case HY_DTYPE_FLOAT: return ((const float *)p)[i];
  case HY_DTYPE_DOUBLE: return ((const double *)p)[i];
  case HY_DTYPE_FLOAT16: return hy_k_f16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_BFLOAT16: return hy_k_bf16_to_f32(((const uint16_t *)p)[i]);
  default: return 0;
  }
}
static inline void hy_k_store_real(void *p, int32_t dt, int64_t i, double v) {
  switch (dt) {
  case HY_DTYPE_FLOAT: ((float *)p)[i] = (float)v; break;
  case HY_DTYPE_DOUBLE: ((double *)p)[i] = v; break;
  case HY_DTYPE_FLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_f16((float)v); break;
  case HY_DTYPE_BFLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_bf16((float)v); break;
  default: break;
  }
}

/* The broadcasting walk. An elementwise kernel over operands broadcast to one output sees, from
 * its lowering, the (coalesced) output dims and for each operand its element strides per dim
 * (0 where the operand is broadcast). The innermost dim is the kernel's tight loop; this
 * advances the odometer idx[0..rank-2] to the next row and moves each operand's offset
 * off[k] along its strides st[k * rank + d]. */
static inline void hy_k_next_row(int32_t rank, const int64_t *dims, int64_t *idx, int32_t n_ops,
                                 const int64_t *st, int64_t *off) {
  for (int32_t d = rank - 2; d >= 0; d--) {
    for (int32_t k = 0; k < n_ops; k++) off[k] += st[k * rank + d];
    if (++idx[d] < dims[d]) return;
    for (int32_t k = 0; k < n_ops; k++) off[k] -= st[k * rank + d] * dims[d];
    idx[d] = 0;
  }
}

/* Number of rows (product of all but the innermost dim) of such a walk. */
static inline int64_t hy_k_rows(int32_t rank, const int64_t *dims) {
  int64_t r = 1;
  for (int32_t d = 0; d + 1 < rank; d++) r *= dims[d];
  return r;
}

#endif
