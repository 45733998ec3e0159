/* GFLOP/s of the native packed fp32 GEMM (hydra/gemm.h) at BERT shapes, single-threaded and with
 * a 2-thread pthread parallel-for. Built by hand:
 *   gcc -O3 -march=native -Iruntime/include -Iruntime/src tests/bench/gemm_bench.c \
 *       runtime/src/kernels/gemm.c -lpthread -o /tmp/gemm_bench */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hydra/gemm.h"

/* Single-threaded runs are timed in thread CPU time so that other processes on a shared
 * machine (preemption) do not count; two-thread runs in wall time. */
static double now(int cpu) {
  struct timespec ts;
  clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A two-thread parallel-for: the second half of the range runs on a fresh thread. */
typedef struct half { hy_range_fn fn; void *arg; int64_t b, e; } half;
static void *run_half(void *p) {
  half *h = p;
  h->fn(h->arg, h->b, h->e);
  return NULL;
}
static void pfor2(void *user, int64_t n, hy_range_fn fn, void *arg) {
  (void)user;
  half h = {fn, arg, n / 2, n};
  pthread_t t;
  pthread_create(&t, NULL, run_half, &h);
  fn(arg, 0, n / 2);
  pthread_join(t, NULL);
}

static void bench(int64_t M, int64_t K, int64_t N, const hy_exec *ex, int prepacked) {
  float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
  float *C = malloc(sizeof(float) * M * N);
  float *Bp = malloc(hy_sgemm_packed_b_bytes(K, N));
  void *scratch = malloc(hy_sgemm_scratch_bytes(M, N, K, HY_GEMM_MAX_TASKS));
  for (int64_t i = 0; i < M * K; i++) A[i] = (float)(i % 7) * 0.1f;
  for (int64_t i = 0; i < K * N; i++) B[i] = (float)(i % 5) * 0.1f;
  hy_sgemm_pack_b(K, N, B, N, 1, Bp);
  double best = 1e9;
  for (int rep = 0; rep < 50; rep++) {
    int cpu = !ex || ex->n_threads <= 1;
    double t0 = now(cpu);
    if (prepacked)
      hy_sgemm_prepacked(M, N, K, 1.0f, A, K, 1, Bp, 0.0f, C, N, scratch, HY_GEMM_MAX_TASKS, ex);
    else
      hy_sgemm(M, N, K, 1.0f, A, K, 1, B, N, 1, 0.0f, C, N, scratch, HY_GEMM_MAX_TASKS, ex);
    double t = now(cpu) - t0;
    if (t < best) best = t;
  }
  printf("M=%-4lld K=%-5lld N=%-5lld threads=%d %-9s %7.3f ms %6.1f GFLOP/s (best of 50)\n", (long long)M,
         (long long)K, (long long)N, ex ? ex->n_threads : 1, prepacked ? "prepacked" : "packing",
         best * 1e3, 2.0 * M * N * K / best * 1e-9);
  free(A), free(B), free(C), free(Bp), free(scratch);
}

int main(void) {
  static const int64_t shapes[][3] = {{128, 768, 768}, {128, 768, 3072}, {128, 3072, 768}};
  hy_exec two = {2, pfor2, NULL};
  for (int s = 0; s < 3; s++)
    for (int pp = 0; pp < 2; pp++) {
      bench(shapes[s][0], shapes[s][1], shapes[s][2], NULL, pp);
      bench(shapes[s][0], shapes[s][1], shapes[s][2], &two, pp);
    }
  return 0;
}
