/* stft: short-time Fourier transform of a [batch, length, 1 or 2] signal into
 * [batch, frames, bins, 2]: frame f is samples f*step .. f*step+L-1, times the window (input 2,
 * [L], when present), transformed by an L-point DFT whose first `bins` values are written (L, or
 * L/2+1 one-sided). ints: [step, L]. Computed in double for double tensors, float otherwise
 * (fft.h); scratch is hy_fft_scratch_bytes(L, dtype). */
#include "fft.h"
#include "hydra/kernel.h"
#include "kernel_util.h"

typedef struct stft_job {
  const void *sig, *win;
  void *out;
  int32_t dt, c;
  int64_t len, step, L, frames, bins;
} stft_job;

#define STFT_IMPL(SFX, R)                                                                          \
  static void stft_line_##SFX(const void *job, int64_t line, void *xv, void *tmpv,                 \
                              const void *twv) {                                                   \
    const stft_job *j = job;                                                                       \
    R *x = xv;                                                                                     \
    int64_t b = line / j->frames, f = line % j->frames, L = j->L;                                  \
    int64_t s0 = b * j->len + f * j->step; /* frame start, in samples */                           \
    for (int64_t k = 0; k < L; k++) {                                                              \
      R w = j->win ? (R)hy_k_load_real(j->win, j->dt, k) : (R)1, re = 0, im = 0;                   \
      if (f * j->step + k < j->len) { /* frames end inside the signal; kept as a guard */          \
        re = (R)hy_k_load_real(j->sig, j->dt, (s0 + k) * j->c);                                    \
        if (j->c == 2) im = (R)hy_k_load_real(j->sig, j->dt, (s0 + k) * j->c + 1);                 \
      }                                                                                            \
      x[2 * k] = re * w, x[2 * k + 1] = im * w;                                                    \
    }                                                                                              \
    fft_line_##SFX(x, tmpv, twv, L, 0);                                                            \
    for (int64_t k = 0; k < j->bins; k++) {                                                        \
      hy_k_store_real(j->out, j->dt, (line * j->bins + k) * 2, x[2 * k]);                          \
      hy_k_store_real(j->out, j->dt, (line * j->bins + k) * 2 + 1, x[2 * k + 1]);                  \
    }                                                                                              \
  }

STFT_IMPL(f32, float)
STFT_IMPL(f64, double)

hy_status hy_kernel_stft(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  const hy_tdesc *ti = &p->in[0], *to = &p->out[0];
  if (ti->rank != 3 || to->rank != 4) return HY_ERR_INTERNAL;
  stft_job j = {.sig = in[0],
                .win = p->n_in > 2 ? in[2] : NULL,
                .out = out[0],
                .dt = ti->dtype,
                .c = (int32_t)ti->dims[2],
                .len = ti->dims[1],
                .step = p->ints[0],
                .L = p->ints[1],
                .frames = to->dims[1],
                .bins = to->dims[2]};
  int64_t lines = ti->dims[0] * j.frames;
  if (lines == 0 || j.bins == 0) return HY_OK;
  if (j.L <= 0 || j.bins > j.L || !scratch) return HY_ERR_INTERNAL;
  fft_run(ex, scratch, j.dt == HY_DTYPE_DOUBLE, j.L, lines, stft_line_f32, stft_line_f64, &j);
  return HY_OK;
}
