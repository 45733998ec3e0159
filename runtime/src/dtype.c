/* Status names, dtype sizes and names, float16/bfloat16 conversion, tensor helpers. */
#include <string.h>

#include "hydra/hydra.h"
#include "kernels/dtype_convert.h"

const char *hy_status_name(hy_status s) {
  switch (s) {
  case HY_OK: return "ok";
  case HY_ERR_INVALID_ARGUMENT: return "invalid argument";
  case HY_ERR_INVALID_MODEL: return "invalid model";
  case HY_ERR_UNSUPPORTED: return "unsupported";
  case HY_ERR_SHAPE: return "shape error";
  case HY_ERR_DTYPE: return "type error";
  case HY_ERR_OUT_OF_MEMORY: return "out of memory";
  case HY_ERR_IO: return "I/O error";
  case HY_ERR_INTERNAL: return "internal error";
  case HY_ERR_BUSY: return "session busy: it is running in another thread";
  }
  return "unknown status";
}

int32_t hy_dtype_bits(hy_dtype t) { return hy_k_dtype_bits(t); }

size_t hy_dtype_bytes(hy_dtype t, int64_t n) {
  int32_t bits = hy_dtype_bits(t);
  if (bits >= 8) return (size_t)n * (size_t)(bits / 8);
  return ((size_t)n * (size_t)bits + 7) / 8;
}

size_t hy_dtype_size(hy_dtype t) {
  int32_t bits = hy_dtype_bits(t);
  return bits >= 8 ? (size_t)bits / 8 : 0;
}

const char *hy_dtype_name(hy_dtype t) {
  switch (t) {
  case HY_DTYPE_FLOAT: return "float";
  case HY_DTYPE_UINT8: return "uint8";
  case HY_DTYPE_INT8: return "int8";
  case HY_DTYPE_UINT16: return "uint16";
  case HY_DTYPE_INT16: return "int16";
  case HY_DTYPE_INT32: return "int32";
  case HY_DTYPE_INT64: return "int64";
  case HY_DTYPE_STRING: return "string";
  case HY_DTYPE_BOOL: return "bool";
  case HY_DTYPE_FLOAT16: return "float16";
  case HY_DTYPE_DOUBLE: return "double";
  case HY_DTYPE_UINT32: return "uint32";
  case HY_DTYPE_UINT64: return "uint64";
  case HY_DTYPE_COMPLEX64: return "complex64";
  case HY_DTYPE_COMPLEX128: return "complex128";
  case HY_DTYPE_BFLOAT16: return "bfloat16";
  case HY_DTYPE_FLOAT8E4M3FN: return "float8e4m3fn";
  case HY_DTYPE_FLOAT8E4M3FNUZ: return "float8e4m3fnuz";
  case HY_DTYPE_FLOAT8E5M2: return "float8e5m2";
  case HY_DTYPE_FLOAT8E5M2FNUZ: return "float8e5m2fnuz";
  case HY_DTYPE_UINT4: return "uint4";
  case HY_DTYPE_INT4: return "int4";
  case HY_DTYPE_FLOAT4E2M1: return "float4e2m1";
  case HY_DTYPE_FLOAT8E8M0: return "float8e8m0";
  case HY_DTYPE_UINT2: return "uint2";
  case HY_DTYPE_INT2: return "int2";
  case HY_DTYPE_FLOAT6E2M3: return "float6e2m3";
  case HY_DTYPE_FLOAT6E3M2: return "float6e3m2";
  case HY_DTYPE_UNDEFINED: break;
  }
  return "undefined";
}

/* IEEE half <-> single, round to nearest even; NaN and infinities kept. */
float hy_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      int e = -1;
      do { man <<= 1; e++; } while (!(man & 0x400u));
      bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
    }
  } else {
    bits = sign | (exp + 112u) << 23 | man << 13;
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t hy_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u, absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) /* inf or NaN */
    return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u | ((absx >> 13) & 0x3ffu) : 0));
  if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* rounds to inf */
  if (absx < 0x38800000u) { /* subnormal half or zero */
    if (absx < 0x33000000u) return (uint16_t)sign;
    uint32_t e = absx >> 23, man = (absx & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e; /* 14..24 */
    uint32_t h = man >> shift, rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) h++;
    return (uint16_t)(sign | h);
  }
  uint32_t h = ((absx - 0x38000000u) >> 13), rem = absx & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
  return (uint16_t)(sign | h);
}

float hy_bf16_to_f32(uint16_t h) { return hy_k_bf16_to_f32(h); }
uint16_t hy_f32_to_bf16(float f) { return hy_k_f32_to_bf16(f); }

int64_t hy_tensor_numel(const hy_tensor *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

size_t hy_tensor_bytes(const hy_tensor *t) {
  return hy_dtype_bytes(t->dtype, hy_tensor_numel(t));
}
