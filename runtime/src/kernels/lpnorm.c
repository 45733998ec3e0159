/* lpnorm (LpNormalization): X viewed as [outer, n, inner]; each of the outer * inner vectors of
 * n elements (stride inner) is divided by its L1 or L2 norm; a zero vector stays zero (ONNX
 * defines 0 / 0 as 0 here). ints = {outer, n, inner, p}. */
#include <math.h>

#include "kernels/nn_float.h"

typedef struct lpnorm_job {
  const hy_kparams *p;
  const void *x;
  void *y;
} lpnorm_job;

#define LPNORM_ROWS(SFX, T, LOAD, STORE)                                                           \
  static void lpnorm_rows_##SFX(void *arg, int64_t begin, int64_t end) {                           \
    const lpnorm_job *j = arg;                                                                     \
    const int64_t n = j->p->ints[1], inner = j->p->ints[2], l1 = j->p->ints[3] == 1;               \
    for (int64_t o = begin; o < end; o++)                                                          \
      for (int64_t i = 0; i < inner; i++) {                                                        \
        const T *x = (const T *)j->x + o * n * inner + i;                                          \
        T *y = (T *)j->y + o * n * inner + i;                                                      \
        double s = 0;                                                                              \
        for (int64_t k = 0; k < n; k++) {                                                          \
          double v = LOAD(x[k * inner]);                                                           \
          s += l1 ? fabs(v) : v * v;                                                               \
        }                                                                                          \
        double norm = l1 ? s : sqrt(s);                                                            \
        for (int64_t k = 0; k < n; k++)                                                            \
          y[k * inner] = STORE(norm == 0 ? 0.0 : LOAD(x[k * inner]) / norm);                       \
      }                                                                                            \
  }

NN_FLOAT_INSTANCES(LPNORM_ROWS)

hy_status hy_kernel_lpnorm(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 4 || (p->ints[3] != 1 && p->ints[3] != 2)) return HY_ERR_INTERNAL;
  lpnorm_job j = {p, in[0], out[0]};
  hy_range_fn fn = nn_float_pick(p->in[0].dtype, lpnorm_rows_f32, lpnorm_rows_f64, lpnorm_rows_f16);
  if (!fn) return HY_ERR_DTYPE;
  hy_parallel_for(ex, p->ints[0], fn, &j);
  return HY_OK;
}
