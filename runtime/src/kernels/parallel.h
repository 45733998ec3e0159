/* Whether a kernel's loop is worth the thread pool: decided by the work it does, not always. */
#ifndef HY_KERNELS_PARALLEL_H
#define HY_KERNELS_PARALLEL_H

#include <stdbool.h>

#include "hydra/exec.h"

/* Work (elements read and written, or multiply-adds) under which a region stays on the calling
 * thread. Even with the workers spinning, handing out a region and waiting for the slowest worker
 * costs the caller about a microsecond, the time of a few thousand simple element operations;
 * below this the split saves less than it costs (mmoe's 32-row Softmax and ReduceSum). */
#define HY_PARALLEL_MIN_WORK ((int64_t)1 << 14)

/* Whether n tasks doing `work` in all go to the session's threads: more than one thread to give
 * them to, more than one task and enough work. A kernel that runs its loop inline otherwise (so
 * generated code specialises it on the constant attributes) asks this first. */
__attribute__((always_inline)) static inline bool hy_parallel_worth(const hy_exec *ex, int64_t n,
                                                                    int64_t work) {
  return ex && ex->n_threads > 1 && ex->parallel_for && n > 1 && work >= HY_PARALLEL_MIN_WORK;
}

/* hy_parallel_for when `work` is worth splitting, else one direct call. Always inlined, like
 * hy_parallel_for, so a constant fn stays a direct call in generated code. */
__attribute__((always_inline)) static inline void
hy_parallel_for_work(const hy_exec *ex, int64_t n, int64_t work, hy_range_fn fn, void *arg) {
  if (n <= 0) return;
  if (!hy_parallel_worth(ex, n, work)) {
    fn(arg, 0, n);
    return;
  }
  ex->parallel_for(ex->user, n, fn, arg);
}

#endif
