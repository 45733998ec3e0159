/* The scratch the Fourier-transform kernels (dft, stft) need, shared by their lowering hooks
 * (which reserve it) and the kernels (which carve it): a twiddle table of L complex values and,
 * for each of HY_FFT_TASKS parallel tasks, three line buffers of L complex values (the line, the
 * transform's output and its work space). The compute type is double for double tensors and
 * float for the others. */
#ifndef HYDRA_SIGNAL_H
#define HYDRA_SIGNAL_H

#include <stdint.h>

#include "hydra/hydra.h"

#define HY_FFT_TASKS 4

/* Bytes of one real of the compute type for element type dt. */
static inline int64_t hy_fft_real_bytes(int32_t dt) { return dt == HY_DTYPE_DOUBLE ? 8 : 4; }

static inline int64_t hy_fft_scratch_bytes(int64_t L, int32_t dt) {
  return (2 * L + HY_FFT_TASKS * 6 * L) * hy_fft_real_bytes(dt);
}

#endif
