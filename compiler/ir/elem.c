/* Element values by dtype: the one place that knows how a number is stored in each element
 * type, so hooks and passes that read a constant's value (or write one into a kernel's
 * attribute block) never guess an element's size. */
#include <string.h>

#include "ir/ir.h"

bool ir_dtype_is_float(hy_dtype t) {
  return t == HY_DTYPE_FLOAT || t == HY_DTYPE_DOUBLE || t == HY_DTYPE_FLOAT16 ||
         t == HY_DTYPE_BFLOAT16;
}

bool ir_dtype_is_int(hy_dtype t) {
  switch (t) {
  case HY_DTYPE_INT8: case HY_DTYPE_INT16: case HY_DTYPE_INT32: case HY_DTYPE_INT64:
  case HY_DTYPE_UINT8: case HY_DTYPE_UINT16: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
    return true;
  default: return false;
  }
}

bool ir_dtype_is_numeric(hy_dtype t) { return ir_dtype_is_float(t) || ir_dtype_is_int(t); }

bool ir_elem_get(hy_dtype dt, const void *data, int64_t i, double *out) {
  switch (dt) {
  case HY_DTYPE_BOOL: *out = ((const uint8_t *)data)[i] != 0; return true;
  case HY_DTYPE_UINT8: *out = ((const uint8_t *)data)[i]; return true;
  case HY_DTYPE_INT8: *out = ((const int8_t *)data)[i]; return true;
  case HY_DTYPE_UINT16: *out = ((const uint16_t *)data)[i]; return true;
  case HY_DTYPE_INT16: *out = ((const int16_t *)data)[i]; return true;
  case HY_DTYPE_UINT32: *out = ((const uint32_t *)data)[i]; return true;
  case HY_DTYPE_INT32: *out = ((const int32_t *)data)[i]; return true;
  case HY_DTYPE_UINT64: *out = (double)((const uint64_t *)data)[i]; return true;
  case HY_DTYPE_INT64: *out = (double)((const int64_t *)data)[i]; return true;
  case HY_DTYPE_FLOAT: *out = ((const float *)data)[i]; return true;
  case HY_DTYPE_DOUBLE: *out = ((const double *)data)[i]; return true;
  case HY_DTYPE_FLOAT16: *out = hy_f16_to_f32(((const uint16_t *)data)[i]); return true;
  case HY_DTYPE_BFLOAT16: *out = hy_bf16_to_f32(((const uint16_t *)data)[i]); return true;
  default: return false;
  }
}

/* Integers convert like C's casts, saturated to the type's range first so an out-of-range value
 * (or NaN, as 0) is never undefined behaviour. */
static int64_t clamp_to_i64(double v, double lo, double hi) {
  if (!(v == v)) return 0;
  return v < lo ? (int64_t)lo : v > hi ? (int64_t)hi : (int64_t)v;
}

bool ir_elem_set(hy_dtype dt, void *data, int64_t i, double v) {
  switch (dt) {
  case HY_DTYPE_BOOL: ((uint8_t *)data)[i] = v != 0; return true;
  case HY_DTYPE_UINT8: ((uint8_t *)data)[i] = (uint8_t)clamp_to_i64(v, 0, UINT8_MAX); return true;
  case HY_DTYPE_INT8: ((int8_t *)data)[i] = (int8_t)clamp_to_i64(v, INT8_MIN, INT8_MAX); return true;
  case HY_DTYPE_UINT16:
    ((uint16_t *)data)[i] = (uint16_t)clamp_to_i64(v, 0, UINT16_MAX);
    return true;
  case HY_DTYPE_INT16:
    ((int16_t *)data)[i] = (int16_t)clamp_to_i64(v, INT16_MIN, INT16_MAX);
    return true;
  case HY_DTYPE_UINT32:
    ((uint32_t *)data)[i] = (uint32_t)clamp_to_i64(v, 0, UINT32_MAX);
    return true;
  case HY_DTYPE_INT32:
    ((int32_t *)data)[i] = (int32_t)clamp_to_i64(v, INT32_MIN, INT32_MAX);
    return true;
  case HY_DTYPE_UINT64:
    ((uint64_t *)data)[i] = !(v > 0) ? 0 : v >= 0x1p64 ? UINT64_MAX : (uint64_t)v;
    return true;
  case HY_DTYPE_INT64:
    ((int64_t *)data)[i] = !(v == v) ? 0 : v >= 0x1p63 ? INT64_MAX : v < -0x1p63 ? INT64_MIN
                                                                                : (int64_t)v;
    return true;
  case HY_DTYPE_FLOAT: ((float *)data)[i] = (float)v; return true;
  case HY_DTYPE_DOUBLE: ((double *)data)[i] = v; return true;
  case HY_DTYPE_FLOAT16: ((uint16_t *)data)[i] = hy_f32_to_f16((float)v); return true;
  case HY_DTYPE_BFLOAT16: ((uint16_t *)data)[i] = hy_f32_to_bf16((float)v); return true;
  default: return false;
  }
}
