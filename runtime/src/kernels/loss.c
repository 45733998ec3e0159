/* nll_loss: NegativeLogLikelihoodLoss, and SoftmaxCrossEntropyLoss (the same loss of the
 * log-softmax over dim 1).
 * in[0]: input [N, C, d1..dk] (float, double, float16, bfloat16); in[1]: target [N, d1..dk],
 * int32 or int64; in[2]: weight [C] (optional). out[0]: the loss, [N, d1..dk] for reduction none,
 * a scalar otherwise; out[1]: SoftmaxCrossEntropyLoss's log_prob, like in[0] (optional).
 * Attribute block: ints = {N, C, D (the product of d1..dk), reduction (hy_loss_reduction),
 * has_ignore, ignore_index, softmax (0 NLL, 1 SCE)}.
 * An element whose target is ignore_index costs 0 and weighs 0; any other target outside [0, C)
 * is HY_ERR_SHAPE. mean divides the sum by the summed weights of the elements not ignored (their
 * count without weights), as ONNX defines it. Sums are in double. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

/* log(sum(exp(x[c]))) over the C values at stride D from x's element base. */
static double log_sum_exp(const void *x, int32_t dt, int64_t base, int64_t c, int64_t d) {
  double m = -INFINITY, s = 0;
  for (int64_t k = 0; k < c; k++) {
    double v = hy_k_load_real(x, dt, base + k * d);
    m = v > m ? v : m;
  }
  if (isinf(m)) return m; /* all -inf (or an inf): exp would give NaN below */
  for (int64_t k = 0; k < c; k++)
    s += exp(hy_k_load_real(x, dt, base + k * d) - m);
  return m + log(s);
}

static int64_t target_at(const void *t, int32_t dt, int64_t i) {
  return dt == HY_DTYPE_INT32 ? ((const int32_t *)t)[i] : ((const int64_t *)t)[i];
}

hy_status hy_kernel_nll_loss(const hy_kparams *p, const void *const *in, void *const *out,
                             void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 7 || p->n_in < 2) return HY_ERR_INTERNAL;
  int64_t nb = p->ints[0], c = p->ints[1], d = p->ints[2], red = p->ints[3];
  bool has_ignore = p->ints[4] != 0, softmax = p->ints[6] != 0;
  int64_t ignore = p->ints[5];
  int32_t dt = p->in[0].dtype, tdt = p->in[1].dtype;
  const void *w = p->n_in > 2 ? in[2] : NULL;
  void *log_prob = p->n_out > 1 ? out[1] : NULL;
  if (tdt != HY_DTYPE_INT32 && tdt != HY_DTYPE_INT64) return HY_ERR_DTYPE;
  double total = 0, wsum = 0;
  for (int64_t i = 0; i < nb; i++) {
    for (int64_t j = 0; j < d; j++) {
      int64_t base = i * c * d + j, t = target_at(in[1], tdt, i * d + j);
      double lse = softmax ? log_sum_exp(in[0], dt, base, c, d) : 0;
      if (log_prob)
        for (int64_t k = 0; k < c; k++)
          hy_k_store_real(log_prob, dt, base + k * d,
                          hy_k_load_real(in[0], dt, base + k * d) - lse);
      double loss = 0, wt = 0;
      if (!(has_ignore && t == ignore)) {
        if (t < 0 || t >= c) return HY_ERR_SHAPE;
        wt = w ? hy_k_load_real(w, dt, t) : 1.0;
        loss = -wt * (hy_k_load_real(in[0], dt, base + t * d) - lse);
      }
      if (red == HY_LOSS_NONE) hy_k_store_real(out[0], dt, i * d + j, loss);
      total += loss;
      wsum += wt;
    }
  }
  if (red == HY_LOSS_SUM) hy_k_store_real(out[0], dt, 0, total);
  if (red == HY_LOSS_MEAN) hy_k_store_real(out[0], dt, 0, total / wsum);
  return HY_OK;
}
