/* A small fixed pthread pool behind hy_exec.parallel_for (sessions created with n_threads > 1). */
#ifndef HYDRA_THREADPOOL_H
#define HYDRA_THREADPOOL_H

#include "hydra/exec.h"

typedef struct hy_pool hy_pool;

/* n_threads counts the calling thread: n_threads - 1 workers are started. NULL on failure. */
hy_pool *hy_pool_create(int32_t n_threads);
void hy_pool_destroy(hy_pool *p);
/* A hy_parallel_for_fn with user = the pool. Allocates nothing; a call made from inside a
 * range (nested parallelism) runs serially on the calling thread. */
void hy_pool_parallel_for(void *user, int64_t n, hy_range_fn fn, void *arg);

#endif
