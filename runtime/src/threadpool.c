/* The session's thread pool: the caller and the workers that join a job claim chunks of [0, n)
 * from an atomic counter, so uneven chunks balance themselves. One job at a time; no allocation
 * per job.
 *
 * A model run is hundreds of parallel regions a few microseconds apart, so waking sleeping
 * threads for each (a futex round trip, tens of microseconds on a busy machine) cost more than
 * the regions saved. Instead a worker that finishes a job spins for the next one a while (pause,
 * then yielding the core) and only then parks on a condition variable. Publishing a job is one
 * atomic store; the caller takes the mutex to wake workers only when one is parked.
 *
 * The caller does not wait for every worker, only for those that joined the job: `state` holds
 * the job's number, a "closed" bit and how many workers are inside. A worker joins by a CAS that
 * fails once the caller has closed the job (every index claimed), so a worker the OS has not
 * scheduled never holds up a region; the caller waits for the ones inside (spin, yield, park). */
#include "threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* How long a waiting thread spins (pause) before it starts yielding, and yields before it parks.
 * A run's regions are microseconds apart; between runs a parked worker costs nothing. */
#define HY_POOL_SPIN_NS 50000
#define HY_POOL_YIELD_NS 2000000

/* state: job number << 32 | HY_JOB_CLOSED | workers inside the job. */
#define HY_JOB_CLOSED 0x80000000u
#define HY_JOB_INSIDE 0x7fffffffu

struct hy_pool {
  /* The current job: written by the caller before it publishes `state`, read by workers that
   * joined it (the CAS that joins acquires what the publishing store released). */
  hy_range_fn fn;
  void *arg;
  int64_t n, chunk;
  atomic_int_fast64_t next; /* first index not yet claimed */
  _Atomic uint64_t state;
  atomic_int parked;         /* workers asleep on work_cv */
  atomic_bool caller_parked; /* the caller asleep on done_cv */
  atomic_bool stop;
  pthread_mutex_t mu; /* guards the sleeps on work_cv and done_cv */
  pthread_cond_t work_cv, done_cv;
  pthread_mutex_t job_mu; /* one job at a time if several threads share the pool */
  pthread_t *threads;
  int32_t n_workers, n_started;
};

/* Set on workers and on a caller inside a job: a nested parallel_for runs serially. */
static _Thread_local bool hy_in_pool;

static inline void hy_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

static int64_t hy_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Spins, then yields, until done(p, v) holds or the time runs out; true when it holds. */
static bool hy_spin_until(hy_pool *p, uint32_t v, bool (*done)(hy_pool *, uint32_t)) {
  int64_t start = 0;
  for (uint32_t i = 0;; i++) {
    if (done(p, v)) return true;
    if ((i & 63) != 63) {
      hy_cpu_relax();
      continue;
    }
    int64_t t = hy_now_ns();
    if (!start) start = t;
    if (t - start >= HY_POOL_YIELD_NS) return false;
    if (t - start >= HY_POOL_SPIN_NS) sched_yield();
  }
}

static uint32_t hy_job_number(uint64_t state) { return (uint32_t)(state >> 32); }

static bool hy_job_posted(hy_pool *p, uint32_t seen) {
  return hy_job_number(atomic_load(&p->state)) != seen ||
         atomic_load_explicit(&p->stop, memory_order_relaxed);
}

static bool hy_workers_out(hy_pool *p, uint32_t unused) {
  (void)unused;
  return (atomic_load(&p->state) & HY_JOB_INSIDE) == 0;
}

/* Joins job `job` unless the caller has closed it (or a newer one is up); true when joined. */
static bool hy_join(hy_pool *p, uint32_t job) {
  uint64_t s = atomic_load(&p->state);
  while (hy_job_number(s) == job && !(s & HY_JOB_CLOSED))
    if (atomic_compare_exchange_weak(&p->state, &s, s + 1)) return true;
  return false;
}

static void hy_pool_work(hy_pool *p) {
  for (;;) {
    int64_t begin = atomic_fetch_add_explicit(&p->next, p->chunk, memory_order_relaxed);
    if (begin >= p->n) return;
    int64_t end = begin + p->chunk < p->n ? begin + p->chunk : p->n;
    p->fn(p->arg, begin, end);
  }
}

static void *hy_pool_worker(void *user) {
  hy_pool *p = user;
  hy_in_pool = true;
  uint32_t seen = 0;
  for (;;) {
    if (!hy_spin_until(p, seen, hy_job_posted)) {
      /* Park. `parked` is raised before `state` is read again (both sequentially consistent)
       * and the caller stores `state` before it reads `parked`: one of the two sees the other. */
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->parked, 1);
      while (!hy_job_posted(p, seen))
        pthread_cond_wait(&p->work_cv, &p->mu);
      atomic_fetch_sub(&p->parked, 1);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load(&p->stop)) return NULL;
    seen = hy_job_number(atomic_load(&p->state));
    if (!hy_join(p, seen)) continue; /* finished without us */
    hy_pool_work(p);
    uint64_t before = atomic_fetch_sub(&p->state, 1);
    if ((before & HY_JOB_INSIDE) == 1 && (before & HY_JOB_CLOSED) &&
        atomic_load(&p->caller_parked)) {
      pthread_mutex_lock(&p->mu); /* the caller is in pthread_cond_wait or about to re-check */
      pthread_cond_signal(&p->done_cv);
      pthread_mutex_unlock(&p->mu);
    }
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
  atomic_init(&p->state, 0);
  atomic_init(&p->parked, 0);
  atomic_init(&p->caller_parked, false);
  atomic_init(&p->stop, false);
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
  atomic_store(&p->stop, true);
  pthread_cond_broadcast(&p->work_cv);
  pthread_mutex_unlock(&p->mu);
  for (int32_t i = 0; i < p->n_started; i++)
    pthread_join(p->threads[i], NULL);
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
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->chunk = (n + pieces - 1) / pieces;
  atomic_store_explicit(&p->next, 0, memory_order_relaxed);
  uint32_t job = hy_job_number(atomic_load(&p->state)) + 1;
  atomic_store(&p->state, (uint64_t)job << 32); /* publishes the job, open, nobody inside */
  if (atomic_load(&p->parked) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
  }
  hy_in_pool = true;
  hy_pool_work(p);
  hy_in_pool = false;
  /* Every index is claimed: close the job to latecomers, wait for the workers inside. */
  atomic_fetch_or(&p->state, HY_JOB_CLOSED);
  if (!hy_spin_until(p, 0, hy_workers_out)) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->caller_parked, true);
    while (!hy_workers_out(p, 0))
      pthread_cond_wait(&p->done_cv, &p->mu);
    atomic_store(&p->caller_parked, false);
    pthread_mutex_unlock(&p->mu);
  }
  pthread_mutex_unlock(&p->job_mu);
}
