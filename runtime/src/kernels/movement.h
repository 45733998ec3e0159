/* Shared helpers of the data-movement kernels: element sizes and size-specialised moves.
 * These kernels move bytes and never look at values, so they dispatch on element size only. */
#ifndef HY_KERNELS_MOVEMENT_H
#define HY_KERNELS_MOVEMENT_H

#include <string.h>

#include "hydra/kernel.h"
#include "kernels/dtype_convert.h"

/* Bytes of one element (hy_dtype_size, inline so LLVM folds it once the dtype is a constant);
 * 0 for types that are not plain memory or not whole bytes. */
static inline int64_t mv_elsize(int32_t dtype) {
  int32_t bits = hy_k_dtype_bits(dtype);
  return bits >= 8 ? bits / 8 : 0;
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
