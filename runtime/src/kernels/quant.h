/* Internal helpers of the quantization kernels (quant.c, quant_matmul.c, quant_conv.c): loads of
 * the scale and real-valued types as float, rounding to a precision, and saturating stores of
 * the quantized integer types. Each takes the dtype as an argument; in generated code the dtype
 * is a constant, so the switches fold away inside the loops.
 *
 * The quantized element types are the cases of q_range / q_store: a new one (int4, float8, ...)
 * is a case there (and in the hooks' q_is_quantized), nothing else. */
#ifndef HY_KERNELS_QUANT_H
#define HY_KERNELS_QUANT_H

#include <math.h>
#include <stdint.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

#define Q_INLINE static inline __attribute__((always_inline))

/* bfloat16 is the upper half of a float; rounding to nearest even, NaN kept quiet. */
Q_INLINE float q_bf16_to_f32(uint16_t h) { return hy_k_bits_f32((uint32_t)h << 16); }
Q_INLINE uint16_t q_f32_to_bf16(float f) {
  uint32_t u = hy_k_f32_bits(f);
  uint32_t r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  return (uint16_t)(f != f ? (u >> 16) | 0x40u : r);
}

/* Element i of a float, float16, bfloat16, double or int32 tensor as a float. */
Q_INLINE float q_ld_real(int32_t dt, const void *p, int64_t i) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: return hy_k_f16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_BFLOAT16: return q_bf16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_INT32: return (float)((const int32_t *)p)[i];
  case HY_DTYPE_DOUBLE: return (float)((const double *)p)[i];
  default: return ((const float *)p)[i];
  }
}

Q_INLINE void q_st_real(int32_t dt, void *p, int64_t i, float v) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_f16(v); return;
  case HY_DTYPE_BFLOAT16: ((uint16_t *)p)[i] = q_f32_to_bf16(v); return;
  default: ((float *)p)[i] = v; return;
  }
}

/* v rounded to the precision dt (float16, bfloat16; float leaves it). */
Q_INLINE float q_round_to(int32_t dt, float v) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: return hy_k_f16_to_f32(hy_k_f32_to_f16(v));
  case HY_DTYPE_BFLOAT16: return q_bf16_to_f32(q_f32_to_bf16(v));
  default: return v;
  }
}

/* Element i of a quantized (or int32) tensor; 0 when p is NULL (an omitted zero point). */
Q_INLINE int32_t q_ld_int(int32_t dt, const void *p, int64_t i) {
  if (!p) return 0;
  switch (dt) {
  case HY_DTYPE_UINT8: return ((const uint8_t *)p)[i];
  case HY_DTYPE_INT8: return ((const int8_t *)p)[i];
  case HY_DTYPE_UINT16: return ((const uint16_t *)p)[i];
  case HY_DTYPE_INT16: return ((const int16_t *)p)[i];
  default: return ((const int32_t *)p)[i];
  }
}

/* The saturation range of a quantized type. */
Q_INLINE void q_range(int32_t dt, float *lo, float *hi) {
  switch (dt) {
  case HY_DTYPE_INT8: *lo = -128.0f, *hi = 127.0f; return;
  case HY_DTYPE_UINT16: *lo = 0.0f, *hi = 65535.0f; return;
  case HY_DTYPE_INT16: *lo = -32768.0f, *hi = 32767.0f; return;
  default: *lo = 0.0f, *hi = 255.0f; return;
  }
}

/* Stores v, already rounded, saturated to [lo, hi] (NaN gives hi). */
Q_INLINE void q_store(int32_t dt, void *p, int64_t i, float v, float lo, float hi) {
  int32_t r = (int32_t)fmaxf(fminf(v, hi), lo);
  switch (dt) {
  case HY_DTYPE_INT8: ((int8_t *)p)[i] = (int8_t)r; return;
  case HY_DTYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)r; return;
  case HY_DTYPE_INT16: ((int16_t *)p)[i] = (int16_t)r; return;
  default: ((uint8_t *)p)[i] = (uint8_t)r; return;
  }
}

/* Requantizes an int32 accumulator: saturate(rint(acc * mult) + zero) into y[i], in double as the
 * ONNX reference does (int32 times a float scale). */
Q_INLINE void q_requant(int32_t dt, void *y, int64_t i, int32_t acc, double mult, int32_t zero,
                        float lo, float hi) {
  q_store(dt, y, i, (float)fmax(fmin(rint((double)acc * mult) + zero, hi), lo), lo, hi);
}

#endif
