/* Shared helpers of the data-movement kernels: element sizes and size-specialised moves.
 * These kernels move bytes and never look at values, so they dispatch on element size only. */
#ifndef HY_KERNELS_MOVEMENT_H
#define HY_KERNELS_MOVEMENT_H

#include <string.h>

#include "hydra/kernel.h"
#include "kernels/dtype_convert.h"
#include "kernels/parallel.h"

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

/* hy_parallel_for_work with the bytes moved as the work (a unit per 4-byte word). */
static inline void mv_parallel(const hy_exec *ex, int64_t bytes, int64_t n, hy_range_fn fn,
                               void *arg) {
  hy_parallel_for_work(ex, n, bytes / 4, fn, arg);
}

#endif
