/* A small fixed pthread pool: the caller and n-1 workers claim chunks of [0, n) from an atomic
 * counter, so uneven chunks balance themselves. One job at a time; no allocation per job. */
#include "threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

struct hy_pool {
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  pthread_mutex_t job_mu; /* one job at a time when several threads share the pool */
  pthread_t *threads;
  int32_t n_workers, n_started;
  uint64_t generation; /* bumped per job; workers wait for a change */
  bool stop;
  int32_t active; /* workers still on the current job */
  hy_range_fn fn;
  void *arg;
  int64_t n, chunk;
  atomic_int_fast64_t next;
};

/* Set on workers and on a caller inside a job: nested parallel_for runs serially. */
static _Thread_local bool hy_in_pool;

static void hy_pool_work(hy_pool *p) {
  for (;;) {
    int64_t begin = atomic_fetch_add(&p->next, p->chunk);
    if (begin >= p->n) return;
    int64_t end = begin + p->chunk < p->n ? begin + p->chunk : p->n;
    p->fn(p->arg, begin, end);
  }
}

static void *hy_pool_worker(void *user) {
  hy_pool *p = user;
  hy_in_pool = true;
  uint64_t seen = 0;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (!p->stop && p->generation == seen) pthread_cond_wait(&p->work_cv, &p->mu);
    if (p->stop) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    seen = p->generation;
    pthread_mutex_unlock(&p->mu);
    hy_pool_work(p);
    pthread_mutex_lock(&p->mu);
    if (--p->active == 0) pthread_cond_signal(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
  }
}

hy_pool *hy_pool_create(int32_t n_threads) {
  hy_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->n_workers = n_threads > 1 ? n_threads - 1 : 0;
  p->threads = calloc((size_t)(p->n_workers > 0 ? p->n_workers : 1), sizeof *p->threads);
  if (!p->threads) {
    free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->job_mu, NULL);
  pthread_cond_init(&p->work_cv, NULL);
  pthread_cond_init(&p->done_cv, NULL);
  atomic_init(&p->next, 0);
  for (; p->n_started < p->n_workers; p->n_started++)
    if (pthread_create(&p->threads[p->n_started], NULL, hy_pool_worker, p) != 0) {
      hy_pool_destroy(p);
      return NULL;
    }
  return p;
}

void hy_pool_destroy(hy_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  for (int32_t i = 0; i < p->n_started; i++) pthread_join(p->threads[i], NULL);
  pthread_cond_destroy(&p->work_cv);
  pthread_cond_destroy(&p->done_cv);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->job_mu);
  free(p->threads);
  free(p);
}

void hy_pool_parallel_for(void *user, int64_t n, hy_range_fn fn, void *arg) {
  hy_pool *p = user;
  if (n <= 0) return;
  if (!p || p->n_workers == 0 || hy_in_pool || n == 1) {
    fn(arg, 0, n);
    return;
  }
  pthread_mutex_lock(&p->job_mu);
  int64_t pieces = (int64_t)(p->n_workers + 1) * 4; /* a few chunks per thread to balance */
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->chunk = (n + pieces - 1) / pieces;
  atomic_store(&p->next, 0);
  p->active = p->n_workers;
  p->generation++;
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  hy_in_pool = true;
  hy_pool_work(p);
  hy_in_pool = false;
  pthread_mutex_lock(&p->mu);
  while (p->active > 0) pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&p->job_mu);
}
