/* The session thread pool (runtime/src/threadpool.c): every index of every region runs exactly
 * once, whatever the thread count, region size or sequence of regions; nested regions run
 * serially; pools used from several threads at once and sessions run inside another pool's
 * region do not interfere; workers that parked between regions wake for the next. Correctness
 * only: speed is measured by bench/run.sh, never asserted. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "hydra/model.h"
#include "threadpool.h"

#define N_MAX 100000

typedef struct counts {
  atomic_int hits[N_MAX];
  atomic_int calls;
} counts;

static void count_range(void *arg, int64_t b, int64_t e) {
  counts *c = arg;
  atomic_fetch_add(&c->calls, 1);
  for (int64_t i = b; i < e; i++)
    atomic_fetch_add(&c->hits[i], 1);
}

static counts *new_counts(void) {
  counts *c = calloc(1, sizeof *c);
  cr_assert_not_null(c);
  return c;
}

/* Every index of [0, n) was hit `times` times and none past n. */
static void expect_hits(counts *c, int64_t n, int times) {
  for (int64_t i = 0; i < N_MAX; i++)
    cr_assert_eq(atomic_load(&c->hits[i]), i < n ? times : 0, "index %lld of %lld", (long long)i,
                 (long long)n);
}

Test(threadpool, every_index_once_for_many_sizes_and_thread_counts) {
  static const int64_t sizes[] = {1, 2, 3, 5, 7, 8, 9, 63, 64, 65, 1000, 4097, N_MAX};
  for (int32_t threads = 1; threads <= 9; threads++) {
    hy_pool *p = hy_pool_create(threads);
    cr_assert_not_null(p);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      counts *c = new_counts();
      hy_pool_parallel_for(p, sizes[k], count_range, c);
      expect_hits(c, sizes[k], 1);
      free(c);
    }
    hy_pool_destroy(p);
  }
}

Test(threadpool, empty_and_negative_ranges_call_nothing) {
  hy_pool *p = hy_pool_create(3);
  counts *c = new_counts();
  hy_pool_parallel_for(p, 0, count_range, c);
  hy_pool_parallel_for(p, -5, count_range, c);
  cr_expect_eq(atomic_load(&c->calls), 0);
  free(c);
  hy_pool_destroy(p);
}

/* Thousands of tiny regions back to back, as a model run makes: none lost or run twice. */
Test(threadpool, many_short_regions) {
  hy_pool *p = hy_pool_create(4);
  counts *c = new_counts();
  for (int r = 0; r < 20000; r++)
    hy_pool_parallel_for(p, 1 + r % 17, count_range, c);
  for (int64_t i = 0; i < 17; i++) {
    int want = 0;
    for (int r = 0; r < 20000; r++)
      want += i < 1 + r % 17;
    cr_assert_eq(atomic_load(&c->hits[i]), want, "index %lld", (long long)i);
  }
  cr_expect_eq(atomic_load(&c->hits[17]), 0);
  free(c);
  hy_pool_destroy(p);
}

/* Regions separated by pauses long enough for the workers to park: each wakes them again. */
Test(threadpool, parked_workers_wake_for_the_next_region) {
  hy_pool *p = hy_pool_create(3);
  counts *c = new_counts();
  for (int r = 0; r < 4; r++) {
    struct timespec pause = {0, 20 * 1000 * 1000}; /* 20 ms, past the spinning phase */
    nanosleep(&pause, NULL);
    hy_pool_parallel_for(p, 1000, count_range, c);
  }
  expect_hits(c, 1000, 4);
  free(c);
  hy_pool_destroy(p);
}

/* A region started inside a region runs on the calling thread, in full. */
typedef struct nest {
  hy_pool *p;
  counts *inner;
  atomic_int outer_calls;
} nest;

static void outer_range(void *arg, int64_t b, int64_t e) {
  nest *n = arg;
  for (int64_t i = b; i < e; i++) {
    atomic_fetch_add(&n->outer_calls, 1);
    hy_pool_parallel_for(n->p, 100, count_range, n->inner);
  }
}

Test(threadpool, nested_region_runs_serially_and_completely) {
  nest n = {hy_pool_create(4), new_counts(), 0};
  hy_pool_parallel_for(n.p, 50, outer_range, &n);
  cr_expect_eq(atomic_load(&n.outer_calls), 50);
  expect_hits(n.inner, 100, 50);
  cr_expect_eq(atomic_load(&n.inner->calls), 50, "each nested region is one serial call");
  free(n.inner);
  hy_pool_destroy(n.p);
}

/* Several threads sharing one pool take turns; each sees its own regions complete. */
typedef struct sharer {
  hy_pool *p;
  counts *c;
} sharer;

static void *share_loop(void *arg) {
  sharer *s = arg;
  for (int r = 0; r < 300; r++)
    hy_pool_parallel_for(s->p, 777, count_range, s->c);
  return NULL;
}

Test(threadpool, one_pool_shared_by_threads) {
  hy_pool *p = hy_pool_create(3);
  sharer s[3];
  pthread_t t[3];
  for (int i = 0; i < 3; i++) {
    s[i] = (sharer){p, new_counts()};
    cr_assert_eq(pthread_create(&t[i], NULL, share_loop, &s[i]), 0);
  }
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  for (int i = 0; i < 3; i++) {
    expect_hits(s[i].c, 777, 300);
    free(s[i].c);
  }
  hy_pool_destroy(p);
}

/* ---- sessions: a model whose entry makes `k_regions` regions over `k_n` indices ---- */

static _Atomic int64_t k_sum;
static void add_indices(void *arg, int64_t b, int64_t e) {
  (void)arg;
  int64_t s = 0;
  for (int64_t i = b; i < e; i++)
    s += i;
  atomic_fetch_add(&k_sum, s);
}

static hy_status regions_entry(uint8_t *arena, const void *const *in, void *const *out,
                               const hy_exec *ex) {
  (void)arena, (void)in, (void)out;
  for (int r = 0; r < 100; r++)
    hy_parallel_for(ex, 1000, add_indices, NULL);
  return HY_OK;
}
static const int64_t k_run_sum = 100 * (999 * 1000 / 2);

static hy_model regions_model(void) {
  return (hy_model){.abi = HY_MODEL_ABI, .name = "regions", .entry = regions_entry};
}

/* Two sessions with pools of their own, run at the same time from two threads. */
static void *run_session(void *arg) {
  hy_session *s = arg;
  for (int r = 0; r < 50; r++)
    if (hy_session_run(s, NULL, NULL) != HY_OK) return (void *)1;
  return NULL;
}

Test(threadpool, concurrent_sessions) {
  hy_model m = regions_model();
  hy_session_options o = {.n_threads = 3};
  hy_session *s[2];
  pthread_t t[2];
  atomic_store(&k_sum, 0);
  for (int i = 0; i < 2; i++)
    cr_assert_eq(hy_session_create(&m, &o, &s[i]), HY_OK);
  for (int i = 0; i < 2; i++)
    cr_assert_eq(pthread_create(&t[i], NULL, run_session, s[i]), 0);
  for (int i = 0; i < 2; i++) {
    void *rc;
    pthread_join(t[i], &rc);
    cr_expect_null(rc);
  }
  cr_expect_eq(atomic_load(&k_sum), 2 * 50 * k_run_sum);
  for (int i = 0; i < 2; i++)
    hy_session_destroy(s[i]);
}

/* A session run inside another session's region: its regions run serially on that thread. */
typedef struct inner_runs {
  hy_session *inner[4];
  atomic_int failures;
} inner_runs;

static void run_inner(void *arg, int64_t b, int64_t e) {
  inner_runs *ir = arg;
  for (int64_t i = b; i < e; i++)
    if (hy_session_run(ir->inner[i], NULL, NULL) != HY_OK) atomic_fetch_add(&ir->failures, 1);
}

static inner_runs *k_inner;
static hy_status outer_entry(uint8_t *arena, const void *const *in, void *const *out,
                             const hy_exec *ex) {
  (void)arena, (void)in, (void)out;
  hy_parallel_for(ex, 4, run_inner, k_inner);
  return HY_OK;
}

Test(threadpool, session_run_inside_a_region) {
  hy_model inner_m = regions_model();
  hy_model outer_m = {.abi = HY_MODEL_ABI, .name = "outer", .entry = outer_entry};
  hy_session_options o = {.n_threads = 2};
  inner_runs ir = {{NULL}, 0};
  k_inner = &ir;
  for (int i = 0; i < 4; i++)
    cr_assert_eq(hy_session_create(&inner_m, &o, &ir.inner[i]), HY_OK);
  hy_session *outer;
  cr_assert_eq(hy_session_create(&outer_m, &o, &outer), HY_OK);
  atomic_store(&k_sum, 0);
  for (int r = 0; r < 10; r++)
    cr_assert_eq(hy_session_run(outer, NULL, NULL), HY_OK);
  cr_expect_eq(atomic_load(&ir.failures), 0);
  cr_expect_eq(atomic_load(&k_sum), 10 * 4 * k_run_sum);
  hy_session_destroy(outer);
  for (int i = 0; i < 4; i++)
    hy_session_destroy(ir.inner[i]);
}

/* One thread: no pool; regions are single calls on the caller's thread. */
static pthread_t k_caller;
static atomic_int k_foreign;
static void note_thread(void *arg, int64_t b, int64_t e) {
  (void)arg, (void)b, (void)e;
  if (!pthread_equal(pthread_self(), k_caller)) atomic_fetch_add(&k_foreign, 1);
}
static hy_status note_entry(uint8_t *arena, const void *const *in, void *const *out,
                            const hy_exec *ex) {
  (void)arena, (void)in, (void)out;
  hy_parallel_for(ex, 1000, note_thread, NULL);
  return ex->n_threads == 1 && ex->parallel_for == NULL ? HY_OK : HY_ERR_INTERNAL;
}

Test(threadpool, one_thread_runs_on_the_caller) {
  hy_model m = {.abi = HY_MODEL_ABI, .name = "one", .entry = note_entry};
  hy_session_options o = {.n_threads = 1};
  hy_session *s;
  k_caller = pthread_self();
  atomic_store(&k_foreign, 0);
  cr_assert_eq(hy_session_create(&m, &o, &s), HY_OK);
  cr_expect_eq(hy_session_run(s, NULL, NULL), HY_OK);
  cr_expect_eq(atomic_load(&k_foreign), 0);
  hy_session_destroy(s);
}
