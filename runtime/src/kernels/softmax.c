/* softmax: Softmax and LogSoftmax over the middle dim of the input viewed as [outer, n, inner].
 * Attribute block: ints = {outer, n, inner, log (0 Softmax, 1 LogSoftmax)}. The lowering folds
 * both axis semantics into that view: before opset 13 the input is coerced to 2-D at axis
 * (inner = 1, n = product of the dims from axis); from 13 n is the one axis.
 * Numerically stable: the max of each group is subtracted before exp. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/nn_util.h"
#include "kernels/parallel.h"

typedef struct softmax_job {
  const void *x;
  void *y;
  int64_t n, inner;
  int log;
} softmax_job;

/* float32 rows (inner == 1): the BERT attention case, vectorised, one row per task. */
static void softmax_rows_f32(void *arg, int64_t begin, int64_t end) {
  const softmax_job *j = arg;
  for (int64_t r = begin; r < end; r++) {
    const float *x = (const float *)j->x + r * j->n;
    float *y = (float *)j->y + r * j->n;
    int64_t n = j->n;
    float m = nn_row_max(x, n);
    if (j->log) {
      float lse = m + logf(nn_row_exp_sum(x, NULL, n, m));
      for (int64_t i = 0; i < n; i++) y[i] = x[i] - lse;
    } else {
      float inv = 1.0f / nn_row_exp_sum(x, y, n, m);
      for (int64_t i = 0; i < n; i++) y[i] *= inv;
    }
  }
}

/* Any dtype, any inner: one strided group of n elements per task index (outer * inner of them).
 * ACC is the compute type (float for float16). */
#define SOFTMAX_GENERIC(SFX, T, ACC, LOAD, STORE, EXP, LOG)                                      \
  static void softmax_groups_##SFX(void *arg, int64_t begin, int64_t end) {                      \
    const softmax_job *j = arg;                                                                   \
    const T *xs = j->x;                                                                           \
    T *ys = j->y;                                                                                 \
    for (int64_t g = begin; g < end; g++) {                                                       \
      int64_t base = (g / j->inner) * j->n * j->inner + g % j->inner, st = j->inner;              \
      ACC m = LOAD(xs[base]), s = 0;                                                              \
      for (int64_t i = 1; i < j->n; i++) {                                                        \
        ACC v = LOAD(xs[base + i * st]);                                                          \
        m = v > m ? v : m;                                                                        \
      }                                                                                           \
      for (int64_t i = 0; i < j->n; i++) s += EXP(LOAD(xs[base + i * st]) - m);                   \
      ACC lse = m + LOG(s);                                                                       \
      for (int64_t i = 0; i < j->n; i++) {                                                        \
        ACC d = LOAD(xs[base + i * st]);                                                          \
        ys[base + i * st] = STORE(j->log ? d - lse : EXP(d - m) / s);                             \
      }                                                                                           \
    }                                                                                             \
  }

#define NN_ID(x) (x)
SOFTMAX_GENERIC(f32, float, float, NN_ID, NN_ID, expf, logf)
SOFTMAX_GENERIC(f64, double, double, NN_ID, NN_ID, exp, log)
SOFTMAX_GENERIC(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16, expf, logf)
SOFTMAX_GENERIC(bf16, uint16_t, float, hy_k_bf16_to_f32, hy_k_f32_to_bf16, expf, logf)

/* float16 and bfloat16 Softmax computes in the input type as ONNX defines it (its reference runs
 * NumPy in that type): each step rounded (nn_exact_exp, nn_exact_add). The difference from a
 * float softmax rounded once reaches a few units in the last place, more than the 1e-3 relative
 * tolerance of the ONNX suite. LogSoftmax keeps the float path above. */
#define SOFTMAX_EXACT(SFX, DT, LOAD, STORE)                                                       \
  static void softmax_exact_##SFX(void *arg, int64_t begin, int64_t end) {                       \
    const softmax_job *j = arg;                                                                   \
    const uint16_t *xs = j->x;                                                                    \
    uint16_t *ys = j->y;                                                                          \
    for (int64_t g = begin; g < end; g++) {                                                       \
      int64_t base = (g / j->inner) * j->n * j->inner + g % j->inner, st = j->inner;              \
      float m = LOAD(xs[base]), s = 0;                                                            \
      for (int64_t i = 1; i < j->n; i++) {                                                        \
        float v = LOAD(xs[base + i * st]);                                                        \
        m = v > m ? v : m;                                                                        \
      }                                                                                           \
      for (int64_t i = 0; i < j->n; i++)                                                          \
        s = nn_exact_add(DT, s, nn_exact_exp(DT, LOAD(xs[base + i * st]), m));                   \
      s = nn_round_to(DT, s);                                                                   \
      for (int64_t i = 0; i < j->n; i++)                                                          \
        ys[base + i * st] = STORE(nn_exact_exp(DT, LOAD(xs[base + i * st]), m) / s);             \
    }                                                                                             \
  }
SOFTMAX_EXACT(f16, HY_DTYPE_FLOAT16, hy_k_f16_to_f32, hy_k_f32_to_f16)
SOFTMAX_EXACT(bf16, HY_DTYPE_BFLOAT16, hy_k_bf16_to_f32, hy_k_f32_to_bf16)

hy_status hy_kernel_softmax(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 4) return HY_ERR_INTERNAL;
  int64_t outer = p->ints[0], n = p->ints[1], inner = p->ints[2];
  softmax_job j = {in[0], out[0], n, inner, (int)p->ints[3]};
  int64_t work = outer * n * inner;
  if (work == 0) return HY_OK;
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT:
    if (inner == 1)
      hy_parallel_for_work(ex, outer, work, softmax_rows_f32, &j);
    else
      hy_parallel_for_work(ex, outer * inner, work, softmax_groups_f32, &j);
    return HY_OK;
  case HY_DTYPE_DOUBLE:
    hy_parallel_for_work(ex, outer * inner, work, softmax_groups_f64, &j);
    return HY_OK;
  case HY_DTYPE_FLOAT16:
    hy_parallel_for_work(ex, outer * inner, work, j.log ? softmax_groups_f16 : softmax_exact_f16,
                         &j);
    return HY_OK;
  case HY_DTYPE_BFLOAT16:
    hy_parallel_for_work(ex, outer * inner, work, j.log ? softmax_groups_bf16 : softmax_exact_bf16,
                         &j);
    return HY_OK;
  default: return HY_ERR_DTYPE;
  }
}
