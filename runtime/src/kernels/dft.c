/* dft: DFT along one axis of a [..., 1 or 2] tensor (real, or complex as re, im pairs).
 * ints: [axis, inverse, onesided, L]: L is dft_length; the axis holds n input values (cropped or
 * zero-padded to L) and out.dims[axis] output values (L, or L/2+1 for the one-sided forward
 * transform). inverse with onesided is IRFFT: the input's first L/2+1 bins stand for the
 * Hermitian spectrum of a real signal of length L, which is the (real) output. The inverse is
 * scaled by 1/L. Computed in double for double tensors, float otherwise (fft.h); scratch is
 * hy_fft_scratch_bytes(L, dtype). */
#include "fft.h"
#include "hydra/kernel.h"
#include "kernel_util.h"

typedef struct dft_job {
  const void *in;
  void *out;
  int32_t dt, cin, cout, inverse, irfft;
  int64_t n, L, nout, inner;
} dft_job;

#define DFT_IMPL(SFX, R)                                                                           \
  static void dft_line_##SFX(const void *job, int64_t line, void *xv, void *tmpv,                  \
                             const void *twv) {                                                    \
    const dft_job *j = job;                                                                        \
    R *x = xv;                                                                                     \
    int64_t o = line / j->inner, i = line % j->inner, L = j->L;                                    \
    /* element (o, k, i, c) of the input / output */                                               \
    int64_t ib = o * j->n * j->inner + i, ob = o * j->nout * j->inner + i;                         \
    for (int64_t k = 0; k < L; k++) {                                                              \
      int64_t src = k, conj = 0;                                                                   \
      if (j->irfft && k > L / 2) src = L - k, conj = 1; /* X[L-k] = conj X[k] */                   \
      R re = 0, im = 0;                                                                            \
      if (src < j->n) {                                                                            \
        int64_t e = (ib + src * j->inner) * j->cin;                                                \
        re = (R)hy_k_load_real(j->in, j->dt, e);                                                   \
        if (j->cin == 2) im = (R)hy_k_load_real(j->in, j->dt, e + 1);                              \
      }                                                                                            \
      x[2 * k] = re, x[2 * k + 1] = conj ? -im : im;                                               \
    }                                                                                              \
    fft_line_##SFX(x, tmpv, twv, L, j->inverse);                                                   \
    R scale = j->inverse ? (R)(1.0 / (double)L) : (R)1;                                            \
    for (int64_t k = 0; k < j->nout; k++) {                                                        \
      int64_t e = (ob + k * j->inner) * j->cout;                                                   \
      hy_k_store_real(j->out, j->dt, e, x[2 * k] * scale);                                         \
      if (j->cout == 2) hy_k_store_real(j->out, j->dt, e + 1, x[2 * k + 1] * scale);               \
    }                                                                                              \
  }

DFT_IMPL(f32, float)
DFT_IMPL(f64, double)

hy_status hy_kernel_dft(const hy_kparams *p, const void *const *in, void *const *out, void *scratch,
                        const hy_exec *ex) {
  const hy_tdesc *ti = &p->in[0], *to = &p->out[0];
  int64_t axis = p->ints[0];
  int32_t r = ti->rank;
  if (r < 2 || axis < 0 || axis > r - 2 || to->rank != r) return HY_ERR_INTERNAL;
  dft_job j = {.in = in[0],
               .out = out[0],
               .dt = ti->dtype,
               .cin = (int32_t)ti->dims[r - 1],
               .cout = (int32_t)to->dims[r - 1],
               .inverse = (int32_t)p->ints[1],
               .irfft = (int32_t)(p->ints[1] && p->ints[2]),
               .n = ti->dims[axis],
               .L = p->ints[3],
               .nout = to->dims[axis],
               .inner = 1};
  int64_t outer = 1;
  for (int32_t d = 0; d < axis; d++)
    outer *= ti->dims[d];
  for (int32_t d = (int32_t)axis + 1; d < r - 1; d++)
    j.inner *= ti->dims[d];
  if (outer * j.inner == 0 || j.nout == 0) return HY_OK;
  if (j.L <= 0 || j.nout > j.L || !scratch) return HY_ERR_INTERNAL;
  fft_run(ex, scratch, j.dt == HY_DTYPE_DOUBLE, j.L, outer * j.inner, dft_line_f32, dft_line_f64,
          &j);
  return HY_OK;
}
