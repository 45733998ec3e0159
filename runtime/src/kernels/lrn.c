/* lrn (LRN): X [N, C, spatial...]; each element is divided by (bias + alpha / size * the sum of
 * squares over a window of size channels around its own)^beta, the window reaching
 * floor((size-1)/2) channels down and ceil((size-1)/2) up, cut at the edges.
 * ints = {N, C, spatial, size}; floats = {alpha, beta, bias}. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

typedef struct lrn_job {
  const hy_kparams *p;
  const void *x;
  void *y;
} lrn_job;

#define LRN_PLANES(SFX, T, LOAD, STORE)                                                            \
  static void lrn_planes_##SFX(void *arg, int64_t begin, int64_t end) {                            \
    const lrn_job *j = arg;                                                                        \
    const int64_t C = j->p->ints[1], sp = j->p->ints[2], size = j->p->ints[3];                     \
    const double alpha = j->p->floats[0], beta = j->p->floats[1], bias = j->p->floats[2];          \
    for (int64_t pl = begin; pl < end; pl++) { /* pl = image * C + channel */                      \
      int64_t c = pl % C, lo = c - (size - 1) / 2, hi = c + size / 2;                              \
      lo = lo < 0 ? 0 : lo;                                                                        \
      hi = hi >= C ? C - 1 : hi;                                                                   \
      const T *x = (const T *)j->x + (pl - c) * sp;                                                \
      T *y = (T *)j->y + pl * sp;                                                                  \
      for (int64_t i = 0; i < sp; i++) {                                                           \
        double sq = 0;                                                                             \
        for (int64_t k = lo; k <= hi; k++)                                                         \
          sq += LOAD(x[k * sp + i]) * LOAD(x[k * sp + i]);                                         \
        y[i] = STORE(LOAD(x[c * sp + i]) / pow(bias + alpha / (double)size * sq, beta));           \
      }                                                                                            \
    }                                                                                              \
  }

#define LRN_LOAD(v) ((double)(v))
#define LRN_F16_LOAD(v) ((double)hy_k_f16_to_f32(v))
#define LRN_F16_STORE(v) hy_k_f32_to_f16((float)(v))
#define LRN_F32_STORE(v) ((float)(v))
#define LRN_F64_STORE(v) (v)
LRN_PLANES(f32, float, LRN_LOAD, LRN_F32_STORE)
LRN_PLANES(f64, double, LRN_LOAD, LRN_F64_STORE)
LRN_PLANES(f16, uint16_t, LRN_F16_LOAD, LRN_F16_STORE)

hy_status hy_kernel_lrn(const hy_kparams *p, const void *const *in, void *const *out, void *scratch,
                        const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 4 || p->n_floats < 3 || p->ints[3] < 1) return HY_ERR_INTERNAL;
  lrn_job j = {p, in[0], out[0]};
  hy_range_fn fn;
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT: fn = lrn_planes_f32; break;
  case HY_DTYPE_DOUBLE: fn = lrn_planes_f64; break;
  case HY_DTYPE_FLOAT16: fn = lrn_planes_f16; break;
  default: return HY_ERR_DTYPE;
  }
  hy_parallel_for(ex, p->ints[0] * p->ints[1], fn, &j);
  return HY_OK;
}
