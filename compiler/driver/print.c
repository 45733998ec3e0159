/* Printing tensors for humans: element and shape formatting used by run and bench. */
#include <inttypes.h>

#include "driver/driver.h"

const char *drv_format_shape(const hy_tensor *t, char *buf, size_t n) {
  char dims[256];
  snprintf(buf, n, "%s%s", hy_dtype_name(t->dtype), format_dims(dims, sizeof dims, t->rank, t->dims));
  return buf;
}

void drv_format_elem(const hy_tensor *t, int64_t i, char *buf, size_t n) {
  const void *p = t->data;
  switch (t->dtype) {
  case HY_DTYPE_FLOAT: snprintf(buf, n, "%g", (double)((const float *)p)[i]); break;
  case HY_DTYPE_DOUBLE: snprintf(buf, n, "%g", ((const double *)p)[i]); break;
  case HY_DTYPE_FLOAT16: snprintf(buf, n, "%g", (double)hy_f16_to_f32(((const uint16_t *)p)[i])); break;
  case HY_DTYPE_BFLOAT16: {
    union { uint32_t u; float f; } c = {.u = (uint32_t)((const uint16_t *)p)[i] << 16};
    snprintf(buf, n, "%g", (double)c.f);
    break;
  }
  case HY_DTYPE_INT8: snprintf(buf, n, "%d", ((const int8_t *)p)[i]); break;
  case HY_DTYPE_UINT8: snprintf(buf, n, "%u", ((const uint8_t *)p)[i]); break;
  case HY_DTYPE_INT16: snprintf(buf, n, "%d", ((const int16_t *)p)[i]); break;
  case HY_DTYPE_UINT16: snprintf(buf, n, "%u", ((const uint16_t *)p)[i]); break;
  case HY_DTYPE_INT32: snprintf(buf, n, "%" PRId32, ((const int32_t *)p)[i]); break;
  case HY_DTYPE_UINT32: snprintf(buf, n, "%" PRIu32, ((const uint32_t *)p)[i]); break;
  case HY_DTYPE_INT64: snprintf(buf, n, "%" PRId64, ((const int64_t *)p)[i]); break;
  case HY_DTYPE_UINT64: snprintf(buf, n, "%" PRIu64, ((const uint64_t *)p)[i]); break;
  case HY_DTYPE_BOOL: snprintf(buf, n, "%s", ((const uint8_t *)p)[i] ? "true" : "false"); break;
  default: snprintf(buf, n, "?"); break;
  }
}
