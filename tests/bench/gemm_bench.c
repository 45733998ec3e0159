/* GFLOP/s of the native fp32 GEMM (hydra/gemm.h) at the BERT shapes, next to the single-core
 * fp32 FMA peak measured in the same run (24 independent 16-wide FMA chains), single-threaded and
 * with a 2-thread pthread parallel-for. Rounds interleave peak and GEMM runs so that a shared
 * machine's load hits both alike. bench/run.sh builds it as generated code runs the GEMM: gemm.c
 * compiled by clang-19 for this CPU, the micro-kernels from the built libhydrart:
 *   clang-19 -O3 -march=native -fno-math-errno -Iruntime/include -Iruntime/src \
 *       tests/bench/gemm_bench.c runtime/src/kernels/gemm.c runtime/src/gemm_isa.c \
 *       build/runtime/libhydrart.a -lpthread -lm -o gemm_bench
 * (The CMake target of the same name only keeps it compiling: its gemm.c is the portable one.
 * Compiling the micro-kernels with clang -march=native too is slower than the library's: 65
 * against 114 GFLOP/s at 128x768x768 on a Zen 4, where clang chains the row addresses.)
 * Arguments: [rounds] [isa: 0 portable, 1 avx2, 2 avx512 (default: the widest this CPU runs)]. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hydra/gemm.h"
#include "kernels/gemm_blocks.h"

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

typedef float v16f __attribute__((vector_size(64)));
#define CHAINS 24

/* GFLOP/s of CHAINS independent FMA chains (enough to cover the FMA latency on two ports), as
 * one function per instruction set: the CMake target is built without -march, so the AVX-512 one
 * is compiled for it by attribute and run when the CPU has it. No chain starts at a value where
 * x * m + a rounds back to x (about 0.1): the compiler would prove it constant and drop it. */
#define DEF_FMA_PEAK(name, attr)                                                                   \
  attr VEC512 static double name(void) {                                                           \
    v16f acc[CHAINS], m, a;                                                                        \
    for (int i = 0; i < 16; i++) m[i] = 0.999999f, a[i] = 1e-7f;                                   \
    for (int c = 0; c < CHAINS; c++) acc[c] = m * (float)c;                                        \
    const int64_t iters = 20000000;                                                                \
    double t0 = now(1);                                                                            \
    for (int64_t it = 0; it < iters; it++) {                                                       \
      _Pragma("GCC unroll 24") for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * m + a;          \
    }                                                                                              \
    double t = now(1) - t0;                                                                        \
    float sink = 0;                                                                                \
    for (int c = 0; c < CHAINS; c++) sink += acc[c][0];                                            \
    if (sink == 12345.f) printf(" ");                                                              \
    return 2.0 * 16 * CHAINS * (double)iters / t * 1e-9;                                           \
  }
DEF_FMA_PEAK(fma_peak_build, )
#if defined(__x86_64__) || defined(__i386__)
DEF_FMA_PEAK(fma_peak_avx512, __attribute__((target("avx512f,fma"))))
static double fma_peak(void) {
  return __builtin_cpu_supports("avx512f") ? fma_peak_avx512() : fma_peak_build();
}
#else
static double fma_peak(void) { return fma_peak_build(); }
#endif

/* A product and the epilogue its FusedMatMul applies (bias always; act; residual add). */
typedef struct shape {
  int64_t M, K, N;
  int32_t act;
  int res;
} shape;

/* How B is given: packed at run time, pre-packed (as the layout pass leaves weights), or
 * pre-packed and cold: each run takes the next of enough copies to fill 128 MiB, so B comes from
 * memory as the weights of a model larger than the last-level cache do. */
enum { PACKING, PREPACKED, COLD };

/* Best time of reps runs of one GEMM. */
static double gemm_time(shape s, const hy_exec *ex, int isa, int mode, int reps) {
  float *A = malloc(sizeof(float) * s.M * s.K), *B = malloc(sizeof(float) * s.K * s.N);
  float *C = malloc(sizeof(float) * s.M * s.N);
  size_t pb = hy_sgemm_packed_b_bytes(s.K, s.N);
  int copies = mode == COLD ? (int)((128u << 20) / pb) + 1 : 1;
  float *Bp = malloc(pb * (size_t)copies);
  float *bias = malloc(sizeof(float) * s.N), *R = malloc(sizeof(float) * s.M * s.N);
  void *scratch = malloc(hy_sgemm_scratch_bytes(s.M, s.N, s.K, HY_GEMM_MAX_TASKS));
  for (int64_t i = 0; i < s.M * s.K; i++) A[i] = (float)(i % 7) * 0.1f;
  for (int64_t i = 0; i < s.K * s.N; i++) B[i] = (float)(i % 5) * 0.1f;
  for (int64_t i = 0; i < s.N; i++) bias[i] = (float)(i % 3) * 0.1f;
  for (int64_t i = 0; i < s.M * s.N; i++) R[i] = (float)(i % 11) * 0.1f;
  for (int c = 0; c < copies; c++)
    hy_sgemm_pack_b(s.K, s.N, B, s.N, 1, Bp + c * (pb / sizeof(float)));
  int prepacked = mode != PACKING;
  hy_sgemm_args g = {.M = s.M, .N = s.N, .K = s.K, .alpha = 1, .A = A, .rsa = s.K, .csa = 1,
                     .B = prepacked ? Bp : B, .rsb = s.N, .csb = 1, .b_packed = prepacked,
                     .C = C, .ldc = s.N, .isa = isa};
  g.ep = (hy_gemm_epilogue){.bias = bias, .bias_scale = 1, .act = s.act, .res = s.res ? R : NULL,
                            .ldr = s.N};
  double best = 1e9;
  int cpu = !ex || ex->n_threads <= 1;
  for (int rep = 0; rep < reps; rep++) {
    if (mode == COLD) g.B = Bp + (rep % copies) * (pb / sizeof(float));
    double t0 = now(cpu);
    hy_sgemm_run(&g, scratch, HY_GEMM_MAX_TASKS, ex);
    double t = now(cpu) - t0;
    if (t < best) best = t;
  }
  free(A), free(B), free(C), free(Bp), free(scratch), free(bias), free(R);
  return best;
}


int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 3;
  int isa = argc > 2 ? atoi(argv[2]) : hy_gemm_host_isa();
  /* mt_bert_small's projections, fc1 (GELU) and fc2 (residual); mt_bert_base's at 1x128 and
   * 8x128; the small M of batch-1 heads (mmoe) */
  static const shape shapes[] = {
      {128, 256, 256, 0, 0},    {128, 256, 1024, HY_GEMM_ACT_GELU, 0},
      {128, 1024, 256, 0, 1},   {128, 768, 768, 0, 0},
      {128, 768, 3072, HY_GEMM_ACT_GELU, 0}, {128, 3072, 768, 0, 1},
      {1024, 768, 768, 0, 0},   {1024, 768, 3072, HY_GEMM_ACT_GELU, 0},
      {1024, 3072, 768, 0, 1},  {32, 64, 128, HY_GEMM_ACT_RELU, 0},
      {8, 768, 768, 0, 0},      {1, 768, 3072, 0, 0}};
  enum { NS = sizeof shapes / sizeof shapes[0] };
  hy_exec two = {.n_threads = 2, .parallel_for = pfor2};
  double peak = 0, best[NS][4];
  for (int s = 0; s < NS; s++)
    for (int k = 0; k < 4; k++) best[s][k] = 1e9;
  for (int r = 0; r < rounds; r++) {
    double p = fma_peak();
    if (p > peak) peak = p;
    for (int s = 0; s < NS; s++) {
      /* about 0.4 GFLOP of repetitions a shape, at least 3 */
      double fl = 2.0 * shapes[s].M * shapes[s].N * shapes[s].K;
      int reps = fl * 3 > 4e8 ? 3 : (int)(4e8 / fl);
      if (reps > 2000) reps = 2000;
      double t[4] = {gemm_time(shapes[s], NULL, isa, PREPACKED, reps),
                     gemm_time(shapes[s], NULL, isa, PACKING, reps),
                     gemm_time(shapes[s], &two, isa, PREPACKED, reps),
                     gemm_time(shapes[s], NULL, isa, COLD, reps)};
      for (int k = 0; k < 4; k++)
        if (t[k] < best[s][k]) best[s][k] = t[k];
    }
  }
  printf("single-core fp32 FMA peak: %.1f GFLOP/s (best of %d rounds); GEMM isa %d\n", peak, rounds,
         isa);
  printf("%-22s %24s %24s %16s %24s\n", "M x K x N epilogue", "1 thread, prepacked B",
         "1 thread, packing B", "2 threads", "1 thread, cold B");
  for (int s = 0; s < NS; s++) {
    double fl = 2.0 * shapes[s].M * shapes[s].N * shapes[s].K * 1e-9;
    char name[48];
    static const char *const acts[] = {"", "+relu", "+gelu", "+gelut", "+tanh", "+sigm"};
    snprintf(name, sizeof name, "%lldx%lldx%lld%s%s", (long long)shapes[s].M,
             (long long)shapes[s].K, (long long)shapes[s].N, acts[shapes[s].act],
             shapes[s].res ? "+res" : "");
    printf("%-22s %7.1f GF/s (%5.1f%% pk) %7.1f GF/s (%5.1f%% pk) %9.1f GF/s "
           "%9.1f GF/s (%5.1f%% pk)\n",
           name, fl / best[s][0], 100 * fl / best[s][0] / peak, fl / best[s][1],
           100 * fl / best[s][1] / peak, fl / best[s][2], fl / best[s][3],
           100 * fl / best[s][3] / peak);
  }
  return 0;
}
