/* lrn (LRN): X [N, C, spatial...]; each element is divided by (bias + alpha / size * the sum of
 * squares over a window of size channels around its own)^beta, the window reaching
 * floor((size-1)/2) channels down and ceil((size-1)/2) up, cut at the edges.
 * ints = {N, C, spatial, size}; floats = {alpha, beta, bias}. */
#include <math.h>

#include "kernels/nn_float.h"

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

NN_FLOAT_INSTANCES(LRN_PLANES)

hy_status hy_kernel_lrn(const hy_kparams *p, const void *const *in, void *const *out, void *scratch,
                        const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 4 || p->n_floats < 3 || p->ints[3] < 1) return HY_ERR_INTERNAL;
  lrn_job j = {p, in[0], out[0]};
  hy_range_fn fn = nn_float_pick(p->in[0].dtype, lrn_planes_f32, lrn_planes_f64, lrn_planes_f16);
  if (!fn) return HY_ERR_DTYPE;
  hy_parallel_for(ex, p->ints[0] * p->ints[1], fn, &j);
  return HY_OK;
}
