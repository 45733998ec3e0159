/* Internal helpers of the quantization kernels (quant.c, quant_matmul.c, quant_conv.c): loads of
 * the scale and real-valued types as float, rounding to a precision, and saturating stores of
 * the quantized types. Each takes the dtype as an argument; in generated code the dtype is a
 * constant, so the switches fold away inside the loops.
 *
 * The quantized integer types (8- and 16-bit, and the packed 4- and 2-bit ones) are the cases of
 * q_range / q_store / q_ld_int; the quantized float types (float8, float4e2m1) go through
 * dtype_convert.h's format description (q_is_float_q, q_ld_fq, q_st_fq). */
#ifndef HY_KERNELS_QUANT_H
#define HY_KERNELS_QUANT_H

#include <math.h>
#include <stdint.h>

#include "hydra/kernel.h"
#include "kernels/dtype_convert.h"
#include "kernels/kernel_util.h"

#define Q_INLINE static inline __attribute__((always_inline))

/* Element i of a float, float16, bfloat16, float8e8m0 (an MX scale), double or int32 tensor as a
 * float. */
Q_INLINE float q_ld_real(int32_t dt, const void *p, int64_t i) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: return hy_k_f16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_BFLOAT16: return hy_k_bf16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_FLOAT8E8M0: return hy_k_e8m0_to_f32(((const uint8_t *)p)[i]);
  case HY_DTYPE_INT32: return (float)((const int32_t *)p)[i];
  case HY_DTYPE_DOUBLE: return (float)((const double *)p)[i];
  default: return ((const float *)p)[i];
  }
}

Q_INLINE void q_st_real(int32_t dt, void *p, int64_t i, float v) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_f16(v); return;
  case HY_DTYPE_BFLOAT16: ((uint16_t *)p)[i] = hy_k_f32_to_bf16(v); return;
  default: ((float *)p)[i] = v; return;
  }
}

/* v rounded to the precision dt (float16, bfloat16; float leaves it). */
Q_INLINE float q_round_to(int32_t dt, float v) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: return hy_k_f16_to_f32(hy_k_f32_to_f16(v));
  case HY_DTYPE_BFLOAT16: return hy_k_bf16_to_f32(hy_k_f32_to_bf16(v));
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
  case HY_DTYPE_UINT4: return (int32_t)hy_k_packed_get(p, i, 4);
  case HY_DTYPE_INT4: return hy_k_sext(hy_k_packed_get(p, i, 4), 4);
  case HY_DTYPE_UINT2: return (int32_t)hy_k_packed_get(p, i, 2);
  case HY_DTYPE_INT2: return hy_k_sext(hy_k_packed_get(p, i, 2), 2);
  default: return ((const int32_t *)p)[i];
  }
}

/* The saturation range of a quantized integer type. */
Q_INLINE void q_range(int32_t dt, float *lo, float *hi) {
  switch (dt) {
  case HY_DTYPE_INT8: *lo = -128.0f, *hi = 127.0f; return;
  case HY_DTYPE_UINT16: *lo = 0.0f, *hi = 65535.0f; return;
  case HY_DTYPE_INT16: *lo = -32768.0f, *hi = 32767.0f; return;
  case HY_DTYPE_UINT4: *lo = 0.0f, *hi = 15.0f; return;
  case HY_DTYPE_INT4: *lo = -8.0f, *hi = 7.0f; return;
  case HY_DTYPE_UINT2: *lo = 0.0f, *hi = 3.0f; return;
  case HY_DTYPE_INT2: *lo = -2.0f, *hi = 1.0f; return;
  default: *lo = 0.0f, *hi = 255.0f; return;
  }
}

/* Stores v, already rounded, saturated to [lo, hi] (NaN gives hi). The packed types set their
 * element's bits and keep the rest of the byte. */
Q_INLINE void q_store(int32_t dt, void *p, int64_t i, float v, float lo, float hi) {
  int32_t r = (int32_t)fmaxf(fminf(v, hi), lo);
  switch (dt) {
  case HY_DTYPE_INT8: ((int8_t *)p)[i] = (int8_t)r; return;
  case HY_DTYPE_UINT16: ((uint16_t *)p)[i] = (uint16_t)r; return;
  case HY_DTYPE_INT16: ((int16_t *)p)[i] = (int16_t)r; return;
  case HY_DTYPE_UINT4: case HY_DTYPE_INT4: hy_k_packed_set(p, i, 4, (uint32_t)r); return;
  case HY_DTYPE_UINT2: case HY_DTYPE_INT2: hy_k_packed_set(p, i, 2, (uint32_t)r); return;
  default: ((uint8_t *)p)[i] = (uint8_t)r; return;
  }
}

/* The quantized float types: float8 (one byte an element) and float4e2m1 (packed two a byte). */
Q_INLINE bool q_is_float_q(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ: case HY_DTYPE_FLOAT4E2M1:
    return true;
  default:
    return false;
  }
}

/* Element i of such a tensor as a float (exact); 0 when p is NULL (an omitted zero point). */
Q_INLINE float q_ld_fq(int32_t dt, const void *p, int64_t i) {
  if (!p) return 0.0f;
  uint32_t code = dt == HY_DTYPE_FLOAT4E2M1 ? hy_k_packed_get(p, i, 4) : ((const uint8_t *)p)[i];
  return hy_k_fmt_to_f32(hy_k_fmt_of(dt), code);
}

/* v rounded to nearest even into such a type (Cast's rules, saturating when asked). */
Q_INLINE void q_st_fq(int32_t dt, void *p, int64_t i, double v, int32_t saturate) {
  uint32_t code = hy_k_f64_to_fmt(hy_k_fmt_of(dt), v, saturate);
  if (dt == HY_DTYPE_FLOAT4E2M1)
    hy_k_packed_set(p, i, 4, code);
  else
    ((uint8_t *)p)[i] = (uint8_t)code;
}

/* Requantizes an int32 accumulator: saturate(rint(acc * mult) + zero) into y[i], in double as the
 * ONNX reference does (int32 times a float scale). */
Q_INLINE void q_requant(int32_t dt, void *y, int64_t i, int32_t acc, double mult, int32_t zero,
                        float lo, float hi) {
  q_store(dt, y, i, (float)fmax(fmin(rint((double)acc * mult) + zero, hi), lo), lo, hi);
}

#endif
