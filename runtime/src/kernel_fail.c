/* hy_kernel_fail: the one way a kernel reports why it failed (kernel.h). Out of line, so the
 * kernels' bitcode carries a call instead of a copy of vsnprintf's caller in every node. */
#include <stdarg.h>
#include <stdio.h>

#include "hydra/kernel.h"

hy_status hy_kernel_fail(const hy_exec *ex, hy_status s, const char *fmt, ...) {
  if (!ex || !ex->detail || ex->detail_size <= 0) return s;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(ex->detail, (size_t)ex->detail_size, fmt, ap);
  va_end(ap);
  return s;
}
