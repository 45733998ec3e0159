/* The transform of one line of L complex values (interleaved re, im), shared by the dft and stft
 * kernels: radix-2 Cooley-Tukey in place when L is a power of two; otherwise mixed-radix
 * Cooley-Tukey by decimation in time, splitting off the smallest prime factor p at each level
 * and combining the p sub-transforms directly, O(L * sum of L's prime factors): 400 = 2^4 * 5^2
 * costs 18 operations a value, and a prime L is the direct O(L^2) sum. Twiddles come from one
 * table indexed mod L, so bin 0 (and bin L/2 of an even L) of a real signal has imaginary part
 * exactly 0. Bluestein was not used: it would make large prime lengths O(L log L) at the cost of
 * a convolution whose rounding error reaches every bin. Instantiated for float and double. */
#ifndef HY_FFT_H
#define HY_FFT_H

#include <math.h>
#include <stdint.h>

#include "hydra/exec.h"
#include "hydra/signal.h"

static inline int fft_is_pow2(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

/* tw[2j], tw[2j+1] = cos, -sin of 2*pi*j/L (the forward transform's e^{-2 pi i j / L}), computed
 * in double; the quarter turns are set exactly (1, -i, -1, i), so bins that must cancel do. */
#define FFT_IMPL(SFX, R)                                                                           \
  static void fft_twiddles_##SFX(R *tw, int64_t L) {                                               \
    for (int64_t j = 0; j < L; j++) {                                                              \
      double a = 2.0 * 3.14159265358979323846 * (double)j / (double)L;                             \
      double c = cos(a), s = sin(a);                                                               \
      if (4 * j % L == 0) { /* quarter turns: exact */                                             \
        int64_t q = 4 * j / L;                                                                     \
        c = q == 0 ? 1 : q == 2 ? -1 : 0;                                                          \
        s = q == 1 ? 1 : q == 3 ? -1 : 0;                                                          \
      }                                                                                            \
      tw[2 * j] = (R)c;                                                                            \
      tw[2 * j + 1] = (R)(-s);                                                                     \
    }                                                                                              \
  }                                                                                                \
  /* dst = the L-point transform of src[0], src[stride], ...; work: L complex values of room. */   \
  /* tw holds the top-level table; this level's e^{-2 pi i j / L} is tw[j * tws]. */               \
  static void fft_rec_##SFX(const R *src, int64_t stride, R *dst, R *work, int64_t L, const R *tw, \
                            int64_t tws, R sg) {                                                   \
    if (L == 1) {                                                                                  \
      dst[0] = src[0], dst[1] = src[1];                                                            \
      return;                                                                                      \
    }                                                                                              \
    int64_t p = 2;                                                                                 \
    while (L % p && p * p <= L)                                                                    \
      p++;                                                                                         \
    if (L % p) p = L; /* prime */                                                                  \
    int64_t m = L / p;                                                                             \
    for (int64_t r = 0; r < p; r++) /* sub-transform r of the samples r, r + p, ... */             \
      fft_rec_##SFX(src + 2 * r * stride, stride * p, dst + 2 * r * m, work + 2 * r * m, m, tw,    \
                    tws * p, sg);                                                                  \
    for (int64_t k = 0; k < m; k++)                                                                \
      for (int64_t q = 0; q < p; q++) { /* bin k + q*m: sum over r of sub_r[k] W^(r (k + q m)) */  \
        int64_t step = k + q * m, e = 0;                                                           \
        R re = 0, im = 0;                                                                          \
        for (int64_t r = 0; r < p; r++) {                                                          \
          const R *v = dst + 2 * (r * m + k);                                                      \
          R wr = tw[2 * e * tws], wi = sg * tw[2 * e * tws + 1];                                   \
          re += v[0] * wr - v[1] * wi;                                                             \
          im += v[0] * wi + v[1] * wr;                                                             \
          e += step;                                                                               \
          if (e >= L) e %= L;                                                                      \
        }                                                                                          \
        work[2 * step] = re, work[2 * step + 1] = im;                                              \
      }                                                                                            \
    for (int64_t i = 0; i < 2 * L; i++)                                                            \
      dst[i] = work[i];                                                                            \
  }                                                                                                \
  /* x: the line, transformed in place; tmp: 2L complex values of room. inverse conjugates the */  \
  /* twiddles (no 1/L: the caller scales). */                                                      \
  static void fft_line_##SFX(R *x, R *tmp, const R *tw, int64_t L, int inverse) {                  \
    R sg = inverse ? (R)(-1) : (R)1;                                                               \
    if (fft_is_pow2(L)) {                                                                          \
      for (int64_t i = 1, j = 0; i < L; i++) { /* bit-reversal permutation */                      \
        int64_t bit = L >> 1;                                                                      \
        for (; j & bit; bit >>= 1)                                                                 \
          j ^= bit;                                                                                \
        j |= bit;                                                                                  \
        if (i < j) {                                                                               \
          R re = x[2 * i], im = x[2 * i + 1];                                                      \
          x[2 * i] = x[2 * j], x[2 * i + 1] = x[2 * j + 1];                                        \
          x[2 * j] = re, x[2 * j + 1] = im;                                                        \
        }                                                                                          \
      }                                                                                            \
      for (int64_t len = 2; len <= L; len <<= 1) {                                                 \
        int64_t half = len >> 1, step = L / len;                                                   \
        for (int64_t b = 0; b < L; b += len)                                                       \
          for (int64_t k = 0; k < half; k++) {                                                     \
            R wr = tw[2 * k * step], wi = sg * tw[2 * k * step + 1];                               \
            R *u = x + 2 * (b + k), *v = x + 2 * (b + k + half);                                   \
            R tr = v[0] * wr - v[1] * wi, ti = v[0] * wi + v[1] * wr;                              \
            v[0] = u[0] - tr, v[1] = u[1] - ti;                                                    \
            u[0] += tr, u[1] += ti;                                                                \
          }                                                                                        \
      }                                                                                            \
      return;                                                                                      \
    }                                                                                              \
    fft_rec_##SFX(x, 1, tmp, tmp + 2 * L, L, tw, 1, sg);                                           \
    for (int64_t i = 0; i < 2 * L; i++)                                                            \
      x[i] = tmp[i];                                                                               \
  }

FFT_IMPL(f32, float)
FFT_IMPL(f64, double)

/* Transforms `lines` lines in HY_FFT_TASKS parallel tasks, each with its own line buffers:
 * line(job, l, x, tmp, tw) fills x, calls fft_line_<type> and stores the result. f64 selects the
 * compute type (and which of the two line functions runs). */
typedef void (*fft_line_fn)(const void *job, int64_t l, void *x, void *tmp, const void *tw);
typedef struct fft_run_job {
  const void *job;
  fft_line_fn line;
  char *scratch;
  int64_t L, lines, tasks, rb;
} fft_run_job;

static void fft_tasks(void *arg, int64_t begin, int64_t end) {
  const fft_run_job *r = arg;
  for (int64_t t = begin; t < end; t++) {
    char *x = r->scratch + (2 * r->L + t * 6 * r->L) * r->rb, *tmp = x + 2 * r->L * r->rb;
    for (int64_t l = t * r->lines / r->tasks; l < (t + 1) * r->lines / r->tasks; l++)
      r->line(r->job, l, x, tmp, r->scratch);
  }
}

static inline void fft_run(const hy_exec *ex, void *scratch, int f64, int64_t L, int64_t lines,
                           fft_line_fn line_f32, fft_line_fn line_f64, const void *job) {
  fft_run_job r = {job,        f64 ? line_f64 : line_f32,
                   scratch,    L,
                   lines,      lines < HY_FFT_TASKS ? lines : HY_FFT_TASKS,
                   f64 ? 8 : 4};
  if (f64)
    fft_twiddles_f64((double *)scratch, L);
  else
    fft_twiddles_f32((float *)scratch, L);
  hy_parallel_for(ex, r.tasks, fft_tasks, &r);
}

#endif
