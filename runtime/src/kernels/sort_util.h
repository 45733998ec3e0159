/* A stable merge sort of int64 indices under a caller's order, for the kernels that rank elements
 * (unique, nms). Bottom-up, into caller-provided scratch: kernels never allocate. Always inlined,
 * so a constant comparator folds into the loop. */
#ifndef HY_SORT_UTIL_H
#define HY_SORT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* before(ctx, a, b): a strictly precedes b. */
typedef bool (*hy_k_before_fn)(const void *ctx, int64_t a, int64_t b);

/* Sorts idx[0..n) stably by before; tmp holds n int64s. */
static inline __attribute__((always_inline)) void
hy_k_sort_indices(int64_t *idx, int64_t *tmp, int64_t n, hy_k_before_fn before, const void *ctx) {
  int64_t *src = idx, *dst = tmp;
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi)
        dst[k++] = before(ctx, src[b], src[a]) ? src[b++] : src[a++];
      while (a < mid)
        dst[k++] = src[a++];
      while (b < hi)
        dst[k++] = src[b++];
    }
    int64_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != idx) memcpy(idx, src, (size_t)n * sizeof *idx);
}

#endif
