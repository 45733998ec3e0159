/* rmsnorm: RMSNormalization. X viewed as [outer, n] (n = product of the dims from axis):
 * Y = X / sqrt(mean(X^2) + epsilon) * Scale, Scale broadcasting unidirectionally to X. X, Scale
 * and Y (Scale's dtype) are each float, double, float16 or bfloat16; the statistics are computed
 * in float, or double when the stash type asks for it.
 * ints = {outer, n, stash_double, full (Scale is one row of n elements, the same for every row)};
 * floats = {epsilon}. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/nn_util.h"

/* Scale's element for X's flat index i: Scale right-aligned to X, broadcast where its dim is 1. */
static int64_t rms_scale_index(const hy_tdesc *x, const hy_tdesc *s, int64_t i) {
  int64_t off = 0, st = 1;
  for (int32_t d = x->rank - 1; d >= 0; d--) {
    int64_t k = i % x->dims[d];
    i /= x->dims[d];
    int32_t sd = d - (x->rank - s->rank);
    if (sd < 0) break;
    if (s->dims[sd] != 1) off += k * st;
    st *= s->dims[sd];
  }
  return off;
}

typedef struct rms_job {
  const hy_kparams *p;
  const void *x, *s;
  void *y;
  int64_t n;
  bool dbl, full; /* full: Scale holds exactly one row's n elements */
  double eps;
} rms_job;

/* float32 X, Scale and Y with a full Scale: the transformer case, vectorised. */
static void rms_rows_f32(void *arg, int64_t begin, int64_t end) {
  const rms_job *j = arg;
  const float *sc = j->s;
  for (int64_t r = begin; r < end; r++) {
    const float *x = (const float *)j->x + r * j->n;
    float *y = (float *)j->y + r * j->n;
    float inv = 1.0f / sqrtf(nn_row_sqdiff(x, j->n, 0.0f) / (float)j->n + (float)j->eps);
    for (int64_t i = 0; i < j->n; i++) y[i] = x[i] * inv * sc[i];
  }
}

static void rms_rows_any(void *arg, int64_t begin, int64_t end) {
  const rms_job *j = arg;
  const hy_kparams *p = j->p;
  int32_t xt = p->in[0].dtype, st = p->in[1].dtype, yt = p->out[0].dtype;
  for (int64_t r = begin; r < end; r++) {
    double inv;
    if (j->dbl) {
      double q = 0;
      for (int64_t i = 0; i < j->n; i++) {
        double v = hy_k_load_real(j->x, xt, r * j->n + i);
        q += v * v;
      }
      inv = 1.0 / sqrt(q / (double)j->n + j->eps);
    } else {
      float q = 0;
      for (int64_t i = 0; i < j->n; i++) {
        float v = (float)hy_k_load_real(j->x, xt, r * j->n + i);
        q += v * v;
      }
      inv = 1.0f / sqrtf(q / (float)j->n + (float)j->eps);
    }
    for (int64_t i = 0; i < j->n; i++) {
      int64_t e = r * j->n + i;
      double xn = hy_k_load_real(j->x, xt, e) * inv;
      if (!j->dbl) xn = (float)xn;
      int64_t si = j->full ? i : rms_scale_index(&p->in[0], &p->in[1], e);
      hy_k_store_real(j->y, yt, e, xn * hy_k_load_real(j->s, st, si));
    }
  }
}

static bool rms_dtype_ok(int32_t dt) {
  return dt == HY_DTYPE_FLOAT || dt == HY_DTYPE_DOUBLE || dt == HY_DTYPE_FLOAT16 ||
         dt == HY_DTYPE_BFLOAT16;
}

hy_status hy_kernel_rmsnorm(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 4 || p->n_floats < 1 || p->n_in < 2) return HY_ERR_INTERNAL;
  if (!rms_dtype_ok(p->in[0].dtype) || !rms_dtype_ok(p->in[1].dtype) ||
      p->out[0].dtype != p->in[1].dtype)
    return HY_ERR_DTYPE;
  int64_t outer = p->ints[0], n = p->ints[1];
  if (outer * n == 0) return HY_OK;
  rms_job j = {p, in[0], in[1], out[0], n, p->ints[2] != 0, p->ints[3] != 0,
               p->floats[0]};
  bool f32 = p->in[0].dtype == HY_DTYPE_FLOAT && p->in[1].dtype == HY_DTYPE_FLOAT;
  hy_parallel_for(ex, outer, f32 && j.full && !j.dbl ? rms_rows_f32 : rms_rows_any, &j);
  return HY_OK;
}
