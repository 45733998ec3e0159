/* Diagnostics: the first error is kept with its message, later ones are dropped. */
#include <stdio.h>
#include <string.h>

#include "util/util.h"

void diag_init(diag *d) {
  d->status = HY_OK;
  d->msg[0] = '\0';
}

hy_status diag_verror(diag *d, hy_status s, const char *fmt, va_list ap) {
  if (d->status != HY_OK) return d->status;
  d->status = s;
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  return s;
}

hy_status diag_error(diag *d, hy_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hy_status r = diag_verror(d, s, fmt, ap);
  va_end(ap);
  return r;
}

bool mul_overflows_i64(int64_t a, int64_t b, int64_t *out) {
  if (a < 0 || b < 0) return true;
  return __builtin_mul_overflow(a, b, out);
}

const char *format_dims(char *buf, size_t n, int32_t rank, const int64_t *dims) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, n - k, "[");
  for (int32_t i = 0; i < rank && k < n; i++) {
    if (dims[i] < 0)
      k += (size_t)snprintf(buf + k, n - k, "%s?", i ? "," : "");
    else
      k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)dims[i]);
  }
  if (k < n) snprintf(buf + k, n - k, "]");
  return buf;
}
