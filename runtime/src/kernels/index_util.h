/* Shared by the index-family kernels (argmax, topk, cumsum, scatternd, einsum, ...): one X row per
 * numeric element type (the elementwise kernels' table), so each kernel instantiates its typed
 * loops from one macro, and reading int32/int64 indices. */
#ifndef HY_INDEX_UTIL_H
#define HY_INDEX_UTIL_H

#include <stdint.h>
#include <string.h>

#include "hydra/kernel.h"
#include "kernels/ew_util.h"
#include "kernels/kernel_util.h"
#include "kernels/movement.h" /* mv_elsize */

/* The dtype table of the elementwise kernels (ew_util.h: X(name, dtype, storage type, compute
 * type, wrap type), ew_ld_<name> / ew_st_<name>), bfloat16 included. Values are compared in the
 * compute type; integer sums and products run in the wrap type. */
#define IX_FLOAT_TYPES(X) EW_FLOAT_TYPES(X)
#define IX_INT_TYPES(X) EW_SIGNED_TYPES(X) EW_UNSIGNED_TYPES(X)
#define IX_NUM_TYPES(X) IX_FLOAT_TYPES(X) IX_INT_TYPES(X)

/* Element k of an int32 or int64 index tensor. */
static inline int64_t ix_index(int32_t dtype, const void *p, int64_t k) {
  return dtype == HY_DTYPE_INT32 ? ((const int32_t *)p)[k] : ((const int64_t *)p)[k];
}

#endif
