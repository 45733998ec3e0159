/* Shared helpers of the data-movement kernels: element sizes and size-specialised moves.
 * These kernels move bytes and never look at values, so they dispatch on element size only. */
#ifndef HY_KERNELS_MOVEMENT_H
#define HY_KERNELS_MOVEMENT_H

#include <string.h>

#include "hydra/kernel.h"

/* hy_dtype_size lives in dtype.c, which is not in the kernel bitcode; this inline copy lets LLVM
 * fold the size once the dtype is a constant. 0 for types that are not plain memory. */
static inline int64_t mv_elsize(int32_t dtype) {
  switch (dtype) {
  case HY_DTYPE_UINT8: case HY_DTYPE_INT8: case HY_DTYPE_BOOL: return 1;
  case HY_DTYPE_UINT16: case HY_DTYPE_INT16: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
    return 2;
  case HY_DTYPE_FLOAT: case HY_DTYPE_INT32: case HY_DTYPE_UINT32: return 4;
  case HY_DTYPE_INT64: case HY_DTYPE_DOUBLE: case HY_DTYPE_UINT64: case HY_DTYPE_COMPLEX64:
    return 8;
  case HY_DTYPE_COMPLEX128: return 16;
  default: return 0;
  }
}

/* The element sizes a kernel instantiates its inner loops for (a constant size turns each
 * memcpy into one load and one store). */
#define MV_SIZES(X) X(1) X(2) X(4) X(8) X(16)

#define MV_INLINE static inline __attribute__((always_inline))

/* Copies one element of es bytes. */
MV_INLINE void mv_move(char *dst, const char *src, int64_t es) { memcpy(dst, src, (size_t)es); }

/* Work below this many bytes is not worth handing to other threads. */
#define MV_PARALLEL_MIN_BYTES (1 << 16)

/* hy_parallel_for, or a direct call when the work is small. */
static inline void mv_parallel(const hy_exec *ex, int64_t bytes, int64_t n, hy_range_fn fn,
                               void *arg) {
  if (n <= 0) return;
  if (bytes < MV_PARALLEL_MIN_BYTES)
    fn(arg, 0, n);
  else
    hy_parallel_for(ex, n, fn, arg);
}

#endif
