/* Execution environment handed to every kernel: how to run work in parallel.
 * The caller decides threading (a thread count at session create, or its own parallel-for). */
#ifndef HYDRA_EXEC_H
#define HYDRA_EXEC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Runs fn(arg, begin, end) over disjoint ranges covering [0, n). */
typedef void (*hy_range_fn)(void *arg, int64_t begin, int64_t end);
typedef void (*hy_parallel_for_fn)(void *user, int64_t n, hy_range_fn fn, void *arg);

typedef struct hy_exec {
  int32_t n_threads;               /* 1 (or 0) runs everything on the calling thread */
  hy_parallel_for_fn parallel_for; /* NULL: serial */
  void *user;
  /* Where a failing kernel says what went wrong ("index 5000 is out of range for axis 0 of
   * size 1000"), through hy_kernel_fail on the calling thread; NULL: nowhere. */
  char *detail;
  int32_t detail_size;
} hy_exec;

/* Serial when ex is NULL, has one thread or no parallel_for. Always inlined: a kernel's call
 * with a constant fn then becomes a direct call that generated code specialises per node. */
__attribute__((always_inline)) static inline void hy_parallel_for(const hy_exec *ex, int64_t n,
                                                                  hy_range_fn fn, void *arg) {
  if (n <= 0) return;
  if (!ex || ex->n_threads <= 1 || !ex->parallel_for || n == 1) {
    fn(arg, 0, n);
    return;
  }
  ex->parallel_for(ex->user, n, fn, arg);
}

#ifdef __cplusplus
}
#endif

#endif
