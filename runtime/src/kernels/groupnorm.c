/* groupnorm (GroupNormalization, InstanceNormalization): X [N, C, spatial...] in G groups of C/G
 * consecutive channels; each (image, group) is normalised by its own mean and (population)
 * variance, computed in double, then scaled and shifted per channel or per group.
 * in X, scale, bias (C values when per_channel, else G); out Y like X.
 * ints = {N, C, G, spatial, per_channel}; floats = {epsilon}. */
#include <math.h>

#include "kernels/nn_float.h"

typedef struct groupnorm_job {
  const hy_kparams *p;
  const void *const *in;
  void *y;
  int64_t C, G, sp, per_channel;
  double eps;
} groupnorm_job;

#define GROUPNORM_ROWS(SFX, T, LOAD, STORE)                                                        \
  static void groupnorm_rows_##SFX(void *arg, int64_t begin, int64_t end) {                        \
    const groupnorm_job *j = arg;                                                                  \
    int64_t cg = j->C / j->G, len = cg * j->sp;                                                    \
    const T *sc = j->in[1], *bi = j->in[2];                                                        \
    for (int64_t r = begin; r < end; r++) { /* r = image * G + group */                            \
      const T *x = (const T *)j->in[0] + r * len;                                                  \
      T *y = (T *)j->y + r * len;                                                                  \
      double s = 0, q = 0;                                                                         \
      for (int64_t i = 0; i < len; i++)                                                            \
        s += LOAD(x[i]);                                                                           \
      double mean = len ? s / (double)len : 0;                                                     \
      for (int64_t i = 0; i < len; i++)                                                            \
        q += (LOAD(x[i]) - mean) * (LOAD(x[i]) - mean);                                            \
      double inv = 1 / sqrt((len ? q / (double)len : 0) + j->eps);                                 \
      int64_t g = r % j->G;                                                                        \
      for (int64_t c = 0; c < cg; c++) {                                                           \
        int64_t k = j->per_channel ? g * cg + c : g;                                               \
        double a = LOAD(sc[k]) * inv, b = LOAD(bi[k]) - mean * a;                                  \
        for (int64_t i = c * j->sp; i < (c + 1) * j->sp; i++)                                      \
          y[i] = STORE(LOAD(x[i]) * a + b);                                                        \
      }                                                                                            \
    }                                                                                              \
  }

NN_FLOAT_INSTANCES(GROUPNORM_ROWS)

hy_status hy_kernel_groupnorm(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 5 || p->n_floats < 1 || p->n_in < 3) return HY_ERR_INTERNAL;
  groupnorm_job j = {p, in, out[0], p->ints[1], p->ints[2], p->ints[3], p->ints[4], p->floats[0]};
  if (j.G < 1 || j.C % j.G != 0) return HY_ERR_INTERNAL;
  for (int i = 1; i < 3; i++)
    if (p->in[i].dtype != p->in[0].dtype ||
        hy_tdesc_numel(&p->in[i]) != (j.per_channel ? j.C : j.G))
      return HY_ERR_INTERNAL;
  hy_range_fn fn =
      nn_float_pick(p->in[0].dtype, groupnorm_rows_f32, groupnorm_rows_f64, groupnorm_rows_f16);
  if (!fn) return HY_ERR_DTYPE;
  hy_parallel_for(ex, p->ints[0] * j.G, fn, &j);
  return HY_OK;
}
