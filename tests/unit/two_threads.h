/* A parallel_for on two threads for the unit tests of threaded kernels: the upper half of each
 * range runs on a new thread. */
#ifndef HYDRA_TESTS_TWO_THREADS_H
#define HYDRA_TESTS_TWO_THREADS_H

#include <criterion/criterion.h>
#include <pthread.h>

#include "hydra/exec.h"

typedef struct half_job {
  hy_range_fn fn;
  void *arg;
  int64_t b, e;
} half_job;
static inline void *half_run(void *p) {
  half_job *h = p;
  h->fn(h->arg, h->b, h->e);
  return NULL;
}
static inline void pfor2(void *user, int64_t n, hy_range_fn fn, void *arg) {
  (void)user;
  half_job h = {fn, arg, n / 2, n};
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, half_run, &h), 0);
  fn(arg, 0, n / 2);
  pthread_join(t, NULL);
}
static const hy_exec two_threads = {.n_threads = 2, .parallel_for = pfor2};

#endif
