/* One core's fp32 fused multiply-add peak, measured: the yardstick for bench/run.sh's
 * "% of peak" column. Built by run.sh with the host compiler and -march=native.
 *
 * Independent accumulator chains of x = x * a + b on the widest vector the build targets (GCC
 * vector extensions, so the same source runs on AVX-512, AVX2 or SSE machines); enough chains
 * hide the FMA latency on every port. Each chain count is timed a few times and the best is
 * kept: on a shared machine the fastest repetition is the one the others disturbed least.
 *
 * usage: peak_fma [SECONDS_PER_TRY=0.2]
 * prints: peak_gflops=G vector_bits=B chains=C */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif

typedef float vf __attribute__((vector_size(LANES * sizeof(float))));

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The results land here so the compiler cannot drop the loops. */
static volatile float keep;

/* Each chain is its own named variable (an array would live in memory): R8(M) expands M(i) for
 * chains 0..7, R12 / R16 / R24 for more. */
#define R8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#define R12(M) R8(M) M(8) M(9) M(10) M(11)
#define R16(M) R12(M) M(12) M(13) M(14) M(15)
#define R24(M) R16(M) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23)
/* Chain i starts at (i + 2) * a. Not at a itself: a * a + b rounds back to a, a fixed point, so
 * the compilers proved that chain constant and dropped its FMA (8 chains ran 7 FMAs a round and
 * the peak read 8/7 too high). */
#define DECL(i) vf x##i = a * (float)(i + 2);
#define STEP(i) x##i = x##i * a + b;
#define SUM(i) s += x##i;

/* `iters` rounds of one FMA on each of C chains; returns the FLOPs done. The multiplier is just
 * under 1 and the addend small, so the values neither overflow nor become denormal. */
#define CHAINS(C)                                                                                  \
  static double run_##C(long iters) {                                                              \
    vf a = (vf){0} + 0.999999f, b = (vf){0} + 1e-6f, s = {0};                                      \
    R##C(DECL)                                                                                     \
    for (long it = 0; it < iters; it++) {                                                          \
      R##C(STEP)                                                                                   \
    }                                                                                              \
    R##C(SUM)                                                                                      \
    float t = 0;                                                                                   \
    for (int l = 0; l < LANES; l++) t += s[l];                                                     \
    keep = t;                                                                                      \
    return 2.0 * LANES * C * (double)iters;                                                        \
  }
CHAINS(8)
CHAINS(12)
CHAINS(16)
CHAINS(24)

typedef double (*kernel)(long);

/* GFLOP/s of one try lasting about `secs` (the first call sizes the loop). */
static double gflops(kernel k, double secs) {
  long iters = 1 << 14;
  for (;;) {
    double t0 = seconds();
    double flops = k(iters);
    double dt = seconds() - t0;
    if (dt >= secs) return flops / dt * 1e-9;
    iters = dt > 1e-4 ? (long)((double)iters * secs / dt * 1.05) : iters * 8;
  }
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 0.2;
  if (!(secs > 0)) {
    fprintf(stderr, "usage: peak_fma [SECONDS_PER_TRY > 0]\n");
    return 2;
  }
  const struct {
    kernel k;
    int chains;
  } ks[] = {{run_8, 8}, {run_12, 12}, {run_16, 16}, {run_24, 24}};
  double best = 0;
  int best_chains = 0;
  for (int rep = 0; rep < 3; rep++)
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
      double g = gflops(ks[i].k, secs);
      if (g > best) best = g, best_chains = ks[i].chains;
    }
  printf("peak_gflops=%.1f vector_bits=%d chains=%d\n", best, LANES * 32, best_chains);
  return 0;
}
