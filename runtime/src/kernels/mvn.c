/* mvn (MeanVarianceNormalization): Y = (X - mean) / (sqrt(variance) + 1e-9), mean and population
 * variance over the axes of a mask, one pair per position of the other axes, accumulated in
 * double in scratch. ints = {axes mask (bit d: axis d is reduced)};
 * scratch: 2 doubles per position of the kept axes. */
#include <math.h>

#include "kernels/nn_float.h"

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

typedef struct mvn_job {
  const hy_tdesc *t;
  uint64_t mask;
  const void *x;
  void *y;
  double *acc; /* kept means, then kept deviations */
  int64_t kept;
} mvn_job;

/* One pass over everything (the statistics of a position come from all over the tensor), so it
 * is run as a single range. */
#define MVN_RUN(SFX, T, LOAD, STORE)                                                               \
  static void mvn_##SFX(void *arg, int64_t begin, int64_t end) {                                   \
    (void)begin, (void)end;                                                                        \
    const mvn_job *j = arg;                                                                        \
    const hy_tdesc *t = j->t;                                                                      \
    const T *x = j->x;                                                                             \
    T *y = j->y;                                                                                   \
    int64_t numel = hy_tdesc_numel(t), kept = j->kept, per = kept ? numel / kept : 0;              \
    int64_t c[HY_MAX_RANK];                                                                        \
    double *mean = j->acc, *var = j->acc + kept;                                                   \
    for (int64_t k = 0; k < 2 * kept; k++)                                                         \
      j->acc[k] = 0;                                                                               \
    memset(c, 0, sizeof c);                                                                        \
    for (int64_t e = 0; e < numel; e++, mvn_next(t, c))                                            \
      mean[mvn_slot(t, j->mask, c)] += LOAD(x[e]);                                                 \
    for (int64_t k = 0; k < kept; k++)                                                             \
      mean[k] /= (double)per;                                                                      \
    memset(c, 0, sizeof c);                                                                        \
    for (int64_t e = 0; e < numel; e++, mvn_next(t, c)) {                                          \
      int64_t k = mvn_slot(t, j->mask, c);                                                         \
      var[k] += (LOAD(x[e]) - mean[k]) * (LOAD(x[e]) - mean[k]);                                   \
    }                                                                                              \
    for (int64_t k = 0; k < kept; k++)                                                             \
      var[k] = sqrt(var[k] / (double)per) + 1e-9;                                                  \
    memset(c, 0, sizeof c);                                                                        \
    for (int64_t e = 0; e < numel; e++, mvn_next(t, c)) {                                          \
      int64_t k = mvn_slot(t, j->mask, c);                                                         \
      y[e] = STORE((LOAD(x[e]) - mean[k]) / var[k]);                                               \
    }                                                                                              \
  }

NN_FLOAT_INSTANCES(MVN_RUN)

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
  hy_range_fn fn = nn_float_pick(t->dtype, mvn_f32, mvn_f64, mvn_f16);
  if (!fn) return HY_ERR_DTYPE;
  mvn_job j = {t, mask, in[0], out[0], scratch, kept};
  fn(&j, 0, 1);
  return HY_OK;
}
