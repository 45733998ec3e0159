/* Normalisation kernels: layernorm (LayerNormalization) and batchnorm (BatchNormalization,
 * inference and training mode). Attribute blocks are documented beside each kernel. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/nn_util.h"
#include "kernels/parallel.h"

/* One parameter element of any float dtype, as double (parameters are per channel: cheap). */
static double nn_param(const void *p, int32_t dtype, int64_t i) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: return ((const float *)p)[i];
  case HY_DTYPE_DOUBLE: return ((const double *)p)[i];
  case HY_DTYPE_FLOAT16: return hy_k_f16_to_f32(((const uint16_t *)p)[i]);
  default: return 0;
  }
}

static bool nn_is_float(int32_t dtype) {
  return dtype == HY_DTYPE_FLOAT || dtype == HY_DTYPE_DOUBLE || dtype == HY_DTYPE_FLOAT16;
}

/* ---- layernorm ----
 * X viewed as [outer, n] (n = product of the dims from axis). Scale and B have n elements or
 * one (broadcast); B may be omitted. Outputs Y (X's dtype) and optionally Mean and InvStdDev
 * ([outer] float32, the stash type). ints = {outer, n}; floats = {epsilon}. */
typedef struct layernorm_job {
  const hy_kparams *p;
  const void *const *in;
  void *const *out;
  int64_t n;
  double eps;
} layernorm_job;

static void layernorm_stats_out(const layernorm_job *j, int64_t r, float mean, float inv) {
  if (j->p->n_out > 1 && j->out[1]) ((float *)j->out[1])[r] = mean;
  if (j->p->n_out > 2 && j->out[2]) ((float *)j->out[2])[r] = inv;
}

/* float32 with full-size Scale and B: the transformer case, vectorised. */
static void layernorm_rows_f32(void *arg, int64_t begin, int64_t end) {
  const layernorm_job *j = arg;
  const float *sc = j->in[1], *bi = j->in[2];
  int64_t n = j->n;
  for (int64_t r = begin; r < end; r++) {
    const float *x = (const float *)j->in[0] + r * n;
    float *y = (float *)j->out[0] + r * n;
    float mean = nn_row_sum(x, n) / (float)n;
    float inv = 1.0f / sqrtf(nn_row_sqdiff(x, n, mean) / (float)n + (float)j->eps);
    if (bi)
      for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mean) * inv * sc[i] + bi[i];
    else
      for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mean) * inv * sc[i];
    layernorm_stats_out(j, r, mean, inv);
  }
}

#define LAYERNORM_GENERIC(SFX, T, ACC, LOAD, STORE)                                              \
  static void layernorm_rows_generic_##SFX(void *arg, int64_t begin, int64_t end) {              \
    const layernorm_job *j = arg;                                                                 \
    const hy_kparams *p = j->p;                                                                   \
    int64_t n = j->n, ns = hy_tdesc_numel(&p->in[1]);                                             \
    int64_t nb = j->in[2] ? hy_tdesc_numel(&p->in[2]) : 0;                                        \
    for (int64_t r = begin; r < end; r++) {                                                       \
      const T *x = (const T *)j->in[0] + r * n;                                                   \
      T *y = (T *)j->out[0] + r * n;                                                              \
      ACC s = 0, q = 0;                                                                           \
      for (int64_t i = 0; i < n; i++) s += LOAD(x[i]);                                            \
      ACC mean = s / (ACC)n;                                                                      \
      for (int64_t i = 0; i < n; i++) q += (LOAD(x[i]) - mean) * (LOAD(x[i]) - mean);             \
      ACC inv = (ACC)1 / (ACC)sqrt((double)(q / (ACC)n) + j->eps);                                \
      for (int64_t i = 0; i < n; i++) {                                                           \
        ACC sc = (ACC)nn_param(j->in[1], p->in[1].dtype, ns == 1 ? 0 : i);                        \
        ACC bi = nb ? (ACC)nn_param(j->in[2], p->in[2].dtype, nb == 1 ? 0 : i) : 0;               \
        y[i] = STORE((LOAD(x[i]) - mean) * inv * sc + bi);                                        \
      }                                                                                           \
      layernorm_stats_out(j, r, (float)mean, (float)inv);                                         \
    }                                                                                             \
  }

#define NN_ID(x) (x)
LAYERNORM_GENERIC(f32, float, float, NN_ID, NN_ID)
LAYERNORM_GENERIC(f64, double, double, NN_ID, NN_ID)
LAYERNORM_GENERIC(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16)

hy_status hy_kernel_layernorm(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 2 || p->n_floats < 1 || p->n_in < 2) return HY_ERR_INTERNAL;
  int64_t outer = p->ints[0], n = p->ints[1];
  const void *in3[3] = {in[0], in[1], p->n_in > 2 ? in[2] : NULL};
  layernorm_job j = {p, in3, out, n, p->floats[0]};
  int64_t work = outer * n;
  if (work == 0) return HY_OK;
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT: {
    bool fast = p->in[1].dtype == HY_DTYPE_FLOAT && hy_tdesc_numel(&p->in[1]) == n &&
                (!in3[2] || (p->in[2].dtype == HY_DTYPE_FLOAT && hy_tdesc_numel(&p->in[2]) == n));
    hy_parallel_for_work(ex, outer, work, fast ? layernorm_rows_f32 : layernorm_rows_generic_f32,
                         &j);
    return HY_OK;
  }
  case HY_DTYPE_DOUBLE:
    hy_parallel_for_work(ex, outer, work, layernorm_rows_generic_f64, &j);
    return HY_OK;
  case HY_DTYPE_FLOAT16:
    hy_parallel_for_work(ex, outer, work, layernorm_rows_generic_f16, &j);
    return HY_OK;
  default: return HY_ERR_DTYPE;
  }
}

/* ---- batchnorm ----
 * X [N, C, spatial...]; inputs scale, B, mean, var of [C]. Inference: Y = (X - mean) /
 * sqrt(var + eps) * scale + B. Training (opset 14+): the statistics come from the batch
 * (population variance over N and spatial), and out[1], out[2] get the running mean and var
 * (input * momentum + batch * (1 - momentum)). ints = {N, C, spatial, training};
 * floats = {epsilon, momentum}. */
typedef struct batchnorm_job {
  const hy_kparams *p;
  const void *const *in;
  void *const *out;
  int64_t nb, c, sp;
  bool training;
} batchnorm_job;

/* Writes one running statistic in the dtype of the matching input. */
static void batchnorm_store(void *o, int32_t dtype, int64_t i, double v) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: ((float *)o)[i] = (float)v; break;
  case HY_DTYPE_DOUBLE: ((double *)o)[i] = v; break;
  case HY_DTYPE_FLOAT16: ((uint16_t *)o)[i] = hy_k_f32_to_f16((float)v); break;
  default: break;
  }
}

#define BATCHNORM_CHANNELS(SFX, T, ACC, LOAD, STORE)                                             \
  static void batchnorm_stats_##SFX(const batchnorm_job *j, int64_t ch, double *mean,            \
                                    double *var) {                                                \
    const T *x = j->in[0];                                                                        \
    double s = 0, q = 0, cnt = (double)(j->nb * j->sp);                                           \
    for (int64_t b = 0; b < j->nb; b++)                                                           \
      for (int64_t i = 0; i < j->sp; i++) s += LOAD(x[(b * j->c + ch) * j->sp + i]);              \
    *mean = cnt > 0 ? s / cnt : 0;                                                                \
    for (int64_t b = 0; b < j->nb; b++)                                                           \
      for (int64_t i = 0; i < j->sp; i++) {                                                       \
        double d = LOAD(x[(b * j->c + ch) * j->sp + i]) - *mean;                                  \
        q += d * d;                                                                               \
      }                                                                                           \
    *var = cnt > 0 ? q / cnt : 0;                                                                 \
  }                                                                                               \
  static void batchnorm_channels_##SFX(void *arg, int64_t begin, int64_t end) {                  \
    const batchnorm_job *j = arg;                                                                 \
    const hy_kparams *p = j->p;                                                                   \
    for (int64_t ch = begin; ch < end; ch++) {                                                    \
      double mean = nn_param(j->in[3], p->in[3].dtype, ch);                                       \
      double var = nn_param(j->in[4], p->in[4].dtype, ch);                                        \
      if (j->training) {                                                                          \
        double bm, bv, mom = p->floats[1];                                                        \
        batchnorm_stats_##SFX(j, ch, &bm, &bv);                                                   \
        if (p->n_out > 1 && j->out[1])                                                            \
          batchnorm_store(j->out[1], p->in[3].dtype, ch, mean * mom + bm * (1 - mom));            \
        if (p->n_out > 2 && j->out[2])                                                            \
          batchnorm_store(j->out[2], p->in[4].dtype, ch, var * mom + bv * (1 - mom));             \
        mean = bm;                                                                                \
        var = bv;                                                                                 \
      }                                                                                           \
      double a = nn_param(j->in[1], p->in[1].dtype, ch) / sqrt(var + p->floats[0]);               \
      ACC fa = (ACC)a, fb = (ACC)(nn_param(j->in[2], p->in[2].dtype, ch) - mean * a);             \
      for (int64_t b = 0; b < j->nb; b++) {                                                       \
        const T *x = (const T *)j->in[0] + (b * j->c + ch) * j->sp;                               \
        T *y = (T *)j->out[0] + (b * j->c + ch) * j->sp;                                          \
        for (int64_t i = 0; i < j->sp; i++) y[i] = STORE(LOAD(x[i]) * fa + fb);                   \
      }                                                                                           \
    }                                                                                             \
  }

BATCHNORM_CHANNELS(f32, float, float, NN_ID, NN_ID)
BATCHNORM_CHANNELS(f64, double, double, NN_ID, NN_ID)
BATCHNORM_CHANNELS(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16)

hy_status hy_kernel_batchnorm(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 4 || p->n_floats < 2 || p->n_in < 5) return HY_ERR_INTERNAL;
  for (int i = 1; i < 5; i++)
    if (!nn_is_float(p->in[i].dtype)) return HY_ERR_DTYPE;
  batchnorm_job j = {p, in, out, p->ints[0], p->ints[1], p->ints[2], p->ints[3] != 0};
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT: hy_parallel_for(ex, j.c, batchnorm_channels_f32, &j); return HY_OK;
  case HY_DTYPE_DOUBLE: hy_parallel_for(ex, j.c, batchnorm_channels_f64, &j); return HY_OK;
  case HY_DTYPE_FLOAT16: hy_parallel_for(ex, j.c, batchnorm_channels_f16, &j); return HY_OK;
  default: return HY_ERR_DTYPE;
  }
}
