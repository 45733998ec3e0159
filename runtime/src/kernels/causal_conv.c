/* causal_conv: CausalConvWithState, the stateful causal depthwise 1-D convolution. Per (batch,
 * channel) the sequence is past_state (k - 1 values, zeros when absent) followed by the input;
 * output[t] = bias + sum_j weight[j] * seq[t + j], then SiLU (x * Sigmoid(x)) when asked;
 * present_state is the last k - 1 values of seq. float, float16 and bfloat16, accumulated in
 * float; the convolution's result is rounded to the dtype before the activation, as the op's
 * definition (a Conv, then the activation) has it. ints = {B, C, L, k, silu}.
 * in: input [B, C, L], weight [C, 1, k], bias? [C], past_state? [B, C, k - 1];
 * out: output [B, C, L], present_state? [B, C, k - 1]. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

static inline const void *cc_opt(const hy_kparams *p, const void *const *in, int32_t i) {
  return i < p->n_in && p->in[i].dtype != HY_DTYPE_UNDEFINED ? in[i] : NULL;
}

hy_status hy_kernel_causal_conv(const hy_kparams *p, const void *const *in, void *const *out,
                                void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 5 || p->n_in < 2 || p->n_out < 1) return HY_ERR_INTERNAL;
  int64_t B = p->ints[0], C = p->ints[1], L = p->ints[2], k = p->ints[3], h = k - 1;
  bool silu = p->ints[4] != 0;
  int32_t dt = p->in[0].dtype;
  if (dt != HY_DTYPE_FLOAT && dt != HY_DTYPE_FLOAT16 && dt != HY_DTYPE_BFLOAT16)
    return HY_ERR_DTYPE;
  if (k < 1) return HY_ERR_INTERNAL;
  const void *x = in[0], *w = in[1], *bias = cc_opt(p, in, 2), *past = cc_opt(p, in, 3);
  void *y = out[0], *present = p->n_out > 1 ? out[1] : NULL;
  for (int64_t b = 0; b < B; b++)
    for (int64_t c = 0; c < C; c++) {
      int64_t xr = (b * C + c) * L, pr = (b * C + c) * h;
/* element i of the channel's sequence past ++ input */
#define CC_SEQ(i)                                                                                  \
  ((i) < h ? (past ? (float)hy_k_load_real(past, dt, pr + (i)) : 0.0f)                             \
           : (float)hy_k_load_real(x, dt, xr + (i) - h))
      float b0 = bias ? (float)hy_k_load_real(bias, dt, c) : 0.0f;
      for (int64_t t = 0; t < L; t++) {
        float acc = b0;
        for (int64_t j = 0; j < k; j++)
          acc += (float)hy_k_load_real(w, dt, c * k + j) * CC_SEQ(t + j);
        hy_k_store_real(y, dt, xr + t, acc);
        if (silu) {
          float v = (float)hy_k_load_real(y, dt, xr + t);
          hy_k_store_real(y, dt, xr + t, v / (1.0f + expf(-v)));
        }
      }
      if (present)
        for (int64_t i = 0; i < h; i++)
          hy_k_store_real(present, dt, pr + i, CC_SEQ(L + i));
#undef CC_SEQ
    }
  return HY_OK;
}
