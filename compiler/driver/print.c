/* Printing tensors for humans: element and shape formatting used by run and bench. */
#include <inttypes.h>

#include "../../runtime/src/kernels/dtype_convert.h"
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
  case HY_DTYPE_BFLOAT16:
    snprintf(buf, n, "%g", (double)hy_bf16_to_f32(((const uint16_t *)p)[i]));
    break;
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ:
    snprintf(buf, n, "%g",
             (double)hy_k_fmt_to_f32(hy_k_fmt_of(t->dtype), ((const uint8_t *)p)[i]));
    break;
  case HY_DTYPE_FLOAT4E2M1:
    snprintf(buf, n, "%g",
             (double)hy_k_fmt_to_f32(hy_k_fmt_of(t->dtype), hy_k_packed_get(p, i, 4)));
    break;
  case HY_DTYPE_FLOAT8E8M0:
    snprintf(buf, n, "%g", (double)hy_k_e8m0_to_f32(((const uint8_t *)p)[i]));
    break;
  case HY_DTYPE_INT4: snprintf(buf, n, "%d", hy_k_sext(hy_k_packed_get(p, i, 4), 4)); break;
  case HY_DTYPE_UINT4: snprintf(buf, n, "%u", hy_k_packed_get(p, i, 4)); break;
  case HY_DTYPE_INT2: snprintf(buf, n, "%d", hy_k_sext(hy_k_packed_get(p, i, 2), 2)); break;
  case HY_DTYPE_UINT2: snprintf(buf, n, "%u", hy_k_packed_get(p, i, 2)); break;
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
