/* Tensor comparison for the test tools: exact dtype/shape, tolerant floats (the narrow float
 * types by value), exact integers (the packed 2- and 4-bit ones element by element). */
#include "compare.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../runtime/src/kernels/dtype_convert.h"

typedef enum { KIND_FLOAT, KIND_SIGNED, KIND_UNSIGNED, KIND_STRING, KIND_OTHER } elem_kind;

static elem_kind kind_of(hy_dtype t) {
  switch (t) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
  case HY_DTYPE_COMPLEX64: case HY_DTYPE_COMPLEX128: case HY_DTYPE_FLOAT8E4M3FN:
  case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2: case HY_DTYPE_FLOAT8E5M2FNUZ:
  case HY_DTYPE_FLOAT8E8M0: case HY_DTYPE_FLOAT4E2M1:
    return KIND_FLOAT;
  case HY_DTYPE_INT8: case HY_DTYPE_INT16: case HY_DTYPE_INT32: case HY_DTYPE_INT64:
  case HY_DTYPE_INT4: case HY_DTYPE_INT2:
    return KIND_SIGNED;
  case HY_DTYPE_UINT8: case HY_DTYPE_UINT16: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
  case HY_DTYPE_BOOL: case HY_DTYPE_UINT4: case HY_DTYPE_UINT2:
    return KIND_UNSIGNED;
  case HY_DTYPE_STRING:
    return KIND_STRING;
  default:
    return KIND_OTHER;
  }
}

/* Scalar i of a float-kind tensor (complex tensors count real and imaginary parts). */
static double float_at(hy_dtype t, const void *p, int64_t i) {
  switch (t) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_COMPLEX64: return ((const float *)p)[i];
  case HY_DTYPE_DOUBLE: case HY_DTYPE_COMPLEX128: return ((const double *)p)[i];
  case HY_DTYPE_FLOAT16: return hy_f16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_BFLOAT16: return hy_bf16_to_f32(((const uint16_t *)p)[i]);
  case HY_DTYPE_FLOAT8E8M0: return hy_k_e8m0_to_f32(((const uint8_t *)p)[i]);
  case HY_DTYPE_FLOAT4E2M1: return hy_k_fmt_to_f32(hy_k_fmt_of(t), hy_k_packed_get(p, i, 4));
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ: return hy_k_fmt_to_f32(hy_k_fmt_of(t), ((const uint8_t *)p)[i]);
  default: return 0;
  }
}

static int64_t signed_at(hy_dtype t, const void *p, int64_t i) {
  switch (t) {
  case HY_DTYPE_INT8: return ((const int8_t *)p)[i];
  case HY_DTYPE_INT16: return ((const int16_t *)p)[i];
  case HY_DTYPE_INT32: return ((const int32_t *)p)[i];
  case HY_DTYPE_INT4: return hy_k_sext(hy_k_packed_get(p, i, 4), 4);
  case HY_DTYPE_INT2: return hy_k_sext(hy_k_packed_get(p, i, 2), 2);
  default: return ((const int64_t *)p)[i];
  }
}

static uint64_t unsigned_at(hy_dtype t, const void *p, int64_t i) {
  switch (t) {
  case HY_DTYPE_UINT8: case HY_DTYPE_BOOL: return ((const uint8_t *)p)[i];
  case HY_DTYPE_UINT16: return ((const uint16_t *)p)[i];
  case HY_DTYPE_UINT32: return ((const uint32_t *)p)[i];
  case HY_DTYPE_UINT4: return hy_k_packed_get(p, i, 4);
  case HY_DTYPE_UINT2: return hy_k_packed_get(p, i, 2);
  default: return ((const uint64_t *)p)[i];
  }
}

/* Equal within tolerance; NaN equals NaN, infinities must match exactly. */
static bool float_close(double a, double e, cmp_tol tol) {
  if (isnan(a) || isnan(e)) return isnan(a) && isnan(e);
  if (a == e) return true;
  if (isinf(a) || isinf(e)) return false;
  return fabs(a - e) <= tol.atol + tol.rtol * fabs(e);
}

/* Compares scalar i; on mismatch writes both values into ga/ea. */
static bool elem_equal(hy_dtype t, const void *g, const void *e, int64_t i, cmp_tol tol,
                       char *ga, char *ea, size_t n) {
  switch (kind_of(t)) {
  case KIND_FLOAT: {
    double a = float_at(t, g, i), b = float_at(t, e, i);
    if (float_close(a, b, tol)) return true;
    snprintf(ga, n, "%.9g", a);
    snprintf(ea, n, "%.9g", b);
    return false;
  }
  case KIND_SIGNED: {
    int64_t a = signed_at(t, g, i), b = signed_at(t, e, i);
    if (a == b) return true;
    snprintf(ga, n, "%" PRId64, a);
    snprintf(ea, n, "%" PRId64, b);
    return false;
  }
  case KIND_UNSIGNED: {
    uint64_t a = unsigned_at(t, g, i), b = unsigned_at(t, e, i);
    if (a == b) return true;
    snprintf(ga, n, "%" PRIu64, a);
    snprintf(ea, n, "%" PRIu64, b);
    return false;
  }
  case KIND_STRING: { /* strings are arrays of NUL-terminated char pointers */
    const char *a = ((const char *const *)g)[i], *b = ((const char *const *)e)[i];
    if (a && b && strcmp(a, b) == 0) return true;
    snprintf(ga, n, "\"%.60s\"", a ? a : "(null)");
    snprintf(ea, n, "\"%.60s\"", b ? b : "(null)");
    return false;
  }
  default:
    return false;
  }
}

static bool same_shape(const hy_tensor *a, const hy_tensor *b) {
  if (a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

static void dims_str(const hy_tensor *t, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int32_t i = 0; i < t->rank && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%" PRId64, i ? "," : "", t->dims[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

/* Writes "[i,j,k]" for flat scalar index i of t (complex: the element's index, then re/im). */
static void index_str(const hy_tensor *t, int64_t flat, bool complex, char *buf, size_t n) {
  int64_t idx[HY_MAX_RANK];
  int64_t rest = complex ? flat / 2 : flat;
  for (int32_t d = t->rank - 1; d >= 0; d--) {
    int64_t dim = t->dims[d] > 0 ? t->dims[d] : 1;
    idx[d] = rest % dim;
    rest /= dim;
  }
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int32_t d = 0; d < t->rank && k < n; d++)
    k += (size_t)snprintf(buf + k, n - k, "%s%" PRId64, d ? "," : "", idx[d]);
  if (k < n) snprintf(buf + k, n - k, "]%s", complex ? (flat % 2 ? ".im" : ".re") : "");
}

bool cmp_types(const hy_tensor *got, const hy_tensor *expected, char *msg, size_t n) {
  if (got->dtype != expected->dtype) {
    snprintf(msg, n, "dtype %s, expected %s", hy_dtype_name(got->dtype),
             hy_dtype_name(expected->dtype));
    return false;
  }
  if (!same_shape(got, expected)) {
    char a[128], b[128];
    dims_str(got, a, sizeof a);
    dims_str(expected, b, sizeof b);
    snprintf(msg, n, "shape %s, expected %s", a, b);
    return false;
  }
  return true;
}

bool cmp_value_at(const hy_tensor *t, int64_t i, double *v) {
  switch (kind_of(t->dtype)) {
  case KIND_FLOAT:
    if (t->dtype == HY_DTYPE_COMPLEX64 || t->dtype == HY_DTYPE_COMPLEX128) return false;
    *v = float_at(t->dtype, t->data, i);
    return true;
  case KIND_SIGNED: *v = (double)signed_at(t->dtype, t->data, i); return true;
  case KIND_UNSIGNED: *v = (double)unsigned_at(t->dtype, t->data, i); return true;
  default: return false;
  }
}

bool cmp_tensors(const hy_tensor *got, const hy_tensor *expected, cmp_tol tol, char *msg,
                 size_t n) {
  if (!cmp_types(got, expected, msg, n)) return false;
  if (kind_of(got->dtype) == KIND_OTHER) {
    snprintf(msg, n, "cannot compare dtype %s", hy_dtype_name(got->dtype));
    return false;
  }
  bool complex = got->dtype == HY_DTYPE_COMPLEX64 || got->dtype == HY_DTYPE_COMPLEX128;
  int64_t count = hy_tensor_numel(expected) * (complex ? 2 : 1);
  if (count > 0 && (!got->data || !expected->data)) {
    snprintf(msg, n, "missing data");
    return false;
  }
  int64_t first = -1, bad = 0;
  char ga[96] = "", ea[96] = "", a[96], b[96];
  for (int64_t i = 0; i < count; i++) {
    if (elem_equal(got->dtype, got->data, expected->data, i, tol, a, b, sizeof a)) continue;
    if (first < 0) {
      first = i;
      memcpy(ga, a, sizeof ga);
      memcpy(ea, b, sizeof ea);
    }
    bad++;
  }
  if (first < 0) return true;
  char idx[160];
  index_str(expected, first, complex, idx, sizeof idx);
  snprintf(msg, n, "element %s (flat %" PRId64 "): got %s, expected %s; %" PRId64 " of %" PRId64
           " values differ (rtol %g, atol %g)",
           idx, first, ga, ea, bad, count, tol.rtol, tol.atol);
  return false;
}
