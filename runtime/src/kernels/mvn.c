/* mvn (MeanVarianceNormalization): Y = (X - mean) / (sqrt(variance) + 1e-9), mean and population
 * variance over the axes of a mask, one pair per position of the other axes, accumulated in
 * double in scratch. ints = {axes mask (bit d: axis d is reduced)};
 * scratch: 2 doubles per position of the kept axes. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

/* Flat index among the kept axes of element coordinates c. */
static int64_t mvn_slot(const hy_tdesc *t, uint64_t mask, const int64_t *c) {
  int64_t k = 0;
  for (int32_t d = 0; d < t->rank; d++)
    if (!(mask >> d & 1)) k = k * t->dims[d] + c[d];
  return k;
}

static void mvn_next(const hy_tdesc *t, int64_t *c) {
  for (int32_t d = t->rank - 1; d >= 0; d--) {
    if (++c[d] < t->dims[d]) return;
    c[d] = 0;
  }
}

#define MVN_RUN(SFX, T, LOAD, STORE)                                                               \
  static void mvn_##SFX(const hy_tdesc *t, uint64_t mask, const T *x, T *y, double *acc,           \
                        int64_t kept) {                                                            \
    int64_t numel = hy_tdesc_numel(t), per = kept ? numel / kept : 0, c[HY_MAX_RANK];              \
    double *mean = acc, *var = acc + kept;                                                         \
    for (int64_t k = 0; k < 2 * kept; k++)                                                         \
      acc[k] = 0;                                                                                  \
    memset(c, 0, sizeof c);                                                                        \
    for (int64_t e = 0; e < numel; e++, mvn_next(t, c))                                            \
      mean[mvn_slot(t, mask, c)] += LOAD(x[e]);                                                    \
    for (int64_t k = 0; k < kept; k++)                                                             \
      mean[k] /= (double)per;                                                                      \
    memset(c, 0, sizeof c);                                                                        \
    for (int64_t e = 0; e < numel; e++, mvn_next(t, c)) {                                          \
      int64_t k = mvn_slot(t, mask, c);                                                            \
      var[k] += (LOAD(x[e]) - mean[k]) * (LOAD(x[e]) - mean[k]);                                   \
    }                                                                                              \
    for (int64_t k = 0; k < kept; k++)                                                             \
      var[k] = sqrt(var[k] / (double)per) + 1e-9;                                                  \
    memset(c, 0, sizeof c);                                                                        \
    for (int64_t e = 0; e < numel; e++, mvn_next(t, c)) {                                          \
      int64_t k = mvn_slot(t, mask, c);                                                            \
      y[e] = STORE((LOAD(x[e]) - mean[k]) / var[k]);                                               \
    }                                                                                              \
  }

#define MVN_LOAD(v) ((double)(v))
#define MVN_F16_LOAD(v) ((double)hy_k_f16_to_f32(v))
#define MVN_F16_STORE(v) hy_k_f32_to_f16((float)(v))
#define MVN_F32_STORE(v) ((float)(v))
#define MVN_F64_STORE(v) (v)
MVN_RUN(f32, float, MVN_LOAD, MVN_F32_STORE)
MVN_RUN(f64, double, MVN_LOAD, MVN_F64_STORE)
MVN_RUN(f16, uint16_t, MVN_F16_LOAD, MVN_F16_STORE)

hy_status hy_kernel_mvn(const hy_kparams *p, const void *const *in, void *const *out, void *scratch,
                        const hy_exec *ex) {
  (void)ex;
  const hy_tdesc *t = &p->in[0];
  if (p->n_ints < 1) return HY_ERR_INTERNAL;
  uint64_t mask = (uint64_t)p->ints[0];
  int64_t kept = 1;
  for (int32_t d = 0; d < t->rank; d++)
    if (!(mask >> d & 1)) kept *= t->dims[d];
  if (hy_tdesc_numel(t) == 0) return HY_OK;
  switch (t->dtype) {
  case HY_DTYPE_FLOAT: mvn_f32(t, mask, in[0], out[0], scratch, kept); return HY_OK;
  case HY_DTYPE_DOUBLE: mvn_f64(t, mask, in[0], out[0], scratch, kept); return HY_OK;
  case HY_DTYPE_FLOAT16: mvn_f16(t, mask, in[0], out[0], scratch, kept); return HY_OK;
  default: return HY_ERR_DTYPE;
  }
}
