/* Generators of the signal family, tensors computed from scalars alone: the window kernel
 * (HannWindow, HammingWindow, BlackmanWindow) and melweightmatrix (MelWeightMatrix). The output
 * shape carries the sizes (the lowering read them at compile time); values are computed in
 * double and stored into any real output type (integers truncate toward zero, as numpy's astype
 * in ONNX's reference). */
#include "hydra/kernel.h"
#include "kernels/ew_util.h"

static inline void gen_store(void *p, int32_t dt, int64_t i, double v) {
  if (dt == HY_DTYPE_BFLOAT16)
    hy_k_store_real(p, dt, i, v);
  else
    ew_store_f64(dt, p, i, v);
}

/* window: out [size]. ints: [kind (0 Hann, 1 Hamming, 2 Blackman), periodic]. A periodic window
 * of size N is the first N points of the symmetric window of size N + 1; a symmetric window of
 * size 1 is [1] (its formula would divide by zero). Hamming's coefficients are 25/46 and 21/46,
 * as ONNX's reference and test data. */
hy_status hy_kernel_window(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)in, (void)scratch, (void)ex;
  const double pi = 3.14159265358979323846;
  int64_t size = p->out[0].dims[0], kind = p->ints[0];
  double m = (double)(p->ints[1] ? size : size - 1);
  for (int64_t n = 0; n < size; n++) {
    double a = 2 * pi * (double)n / m, v;
    if (m <= 0)
      v = 1;
    else if (kind == 0)
      v = 0.5 - 0.5 * cos(a);
    else if (kind == 1)
      v = 25.0 / 46.0 - 21.0 / 46.0 * cos(a);
    else
      v = 0.42 - 0.5 * cos(a) + 0.08 * cos(2 * a);
    gen_store(out[0], p->out[0].dtype, n, v);
  }
  return HY_OK;
}

/* melweightmatrix: out [dft_length/2 + 1, num_mel_bins]. ints: [dft_length]. Inputs 2-4 are
 * sample_rate (int32/int64), lower_edge_hertz and upper_edge_hertz (any real type), read at run
 * time. num_mel_bins + 2 points equally spaced in mel (mel(f) = 2595 log10(1 + f/700)) from the
 * lower edge, in steps of (upper - lower) / (num_mel_bins + 2) mels, are mapped to spectrogram
 * bins floor((dft_length + 1) * f / sample_rate); bin i's filter is the triangle rising from
 * point i to point i+1 (value 1) and falling to point i+2. An invalid argument error when a
 * sample rate is not positive or a triangle falls outside the spectrogram's bins. */
hy_status hy_kernel_melweightmatrix(const hy_kparams *p, const void *const *in, void *const *out,
                                    void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *to = &p->out[0];
  int64_t bins = to->dims[0], mels = to->dims[1], dft = p->ints[0];
  int32_t dt = to->dtype;
  double sr = p->in[2].dtype == HY_DTYPE_INT64 ? (double)*(const int64_t *)in[2]
                                               : (double)*(const int32_t *)in[2];
  double lo = hy_k_load_real(in[3], p->in[3].dtype, 0),
         hi = hy_k_load_real(in[4], p->in[4].dtype, 0);
  if (!(sr > 0)) return HY_ERR_INVALID_ARGUMENT;
  for (int64_t i = 0; i < bins * mels; i++)
    gen_store(out[0], dt, i, 0);
  double lo_mel = 2595.0 * log1p(lo / 700.0) / log(10.0);
  double step = (2595.0 * log1p(hi / 700.0) / log(10.0) - lo_mel) / (double)(mels + 2);
  int64_t pt[3];
  for (int64_t i = 0; i < mels; i++) {
    for (int64_t k = 0; k < 3; k++) {
      double f = 700.0 * expm1(((double)(i + k) * step + lo_mel) / 2595.0 * log(10.0));
      double b = floor((double)(dft + 1) * f / sr);
      /* points 0 and 1 are written, point 2 only bounds the falling edge */
      if (!(b >= 0 && b < (double)(k < 2 ? bins : bins + 1))) return HY_ERR_INVALID_ARGUMENT;
      pt[k] = (int64_t)b;
    }
    int64_t rise = pt[1] - pt[0], fall = pt[2] - pt[1];
    if (rise == 0) gen_store(out[0], dt, pt[1] * mels + i, 1);
    for (int64_t j = pt[0]; rise != 0 && j <= pt[1]; j++)
      gen_store(out[0], dt, j * mels + i, (double)(j - pt[0]) / (double)rise);
    for (int64_t j = pt[1]; fall > 0 && j < pt[2]; j++)
      gen_store(out[0], dt, j * mels + i, (double)(pt[2] - j) / (double)fall);
  }
  return HY_OK;
}
