/* linear_attention: LinearAttention, the recurrent form of linear attention, token by token in
 * float. Per batch and key/value head the state S [dk, dv] starts at past_state (zeros when
 * absent) and for each token t:
 *   gated rules:  S *= exp(g_t)            (g per key row, or one per head)
 *   delta rules:  v_t = beta_t * (v_t - S^T k_t)
 *   always:       S += k_t (outer) v_t;    o_t = scale * q_t^T S for each query head of the group
 * ints = {B, T, q_heads, kv_heads, dk, dv, gated, delta, decay_per_key (decay is [B, T,
 * kv_heads * dk], else [B, T, kv_heads]), beta_per_head (beta is [B, T, kv_heads], else
 * [B, T, 1])}; floats = {scale}. Q/K/V/decay/beta share one dtype (float, float16, bfloat16);
 * past_state and present_state another of those.
 * in: query [B, T, Hq * dk], key [B, T, Hkv * dk], value [B, T, Hkv * dv], past_state?
 * [B, Hkv, dk, dv], decay?, beta?; out: output [B, T, Hq * dv], present_state? [B, Hkv, dk, dv].
 * scratch: (dk * dv + dv) floats: one head's state and its retrieved row. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

static inline const void *la_opt(const hy_kparams *p, const void *const *in, int32_t i) {
  return i < p->n_in && p->in[i].dtype != HY_DTYPE_UNDEFINED ? in[i] : NULL;
}

hy_status hy_kernel_linear_attention(const hy_kparams *p, const void *const *in, void *const *out,
                                     void *scratch, const hy_exec *ex) {
  (void)ex;
  if (p->n_ints < 10 || p->n_floats < 1 || p->n_in < 3 || p->n_out < 1) return HY_ERR_INTERNAL;
  const int64_t *a = p->ints;
  int64_t B = a[0], T = a[1], Hq = a[2], Hkv = a[3], dk = a[4], dv = a[5];
  bool gated = a[6] != 0, delta = a[7] != 0, g_key = a[8] != 0, b_head = a[9] != 0;
  if (Hkv < 1 || Hq % Hkv || (!scratch && dk * dv + dv > 0)) return HY_ERR_INTERNAL;
  int64_t group = Hq / Hkv;
  float scale = (float)p->floats[0];
  int32_t dt = p->in[0].dtype;
  const void *q = in[0], *k = in[1], *v = in[2], *past = la_opt(p, in, 3);
  const void *decay = la_opt(p, in, 4), *beta = la_opt(p, in, 5);
  if ((gated && !decay) || (delta && !beta)) return HY_ERR_INTERNAL;
  int32_t sdt = past ? p->in[3].dtype : p->n_out > 1 ? p->out[1].dtype : dt;
  void *y = out[0], *present = p->n_out > 1 ? out[1] : NULL;
  float *S = scratch, *ret = S + dk * dv;
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < Hkv; h++) {
      int64_t s0 = (b * Hkv + h) * dk * dv;
      for (int64_t e = 0; e < dk * dv; e++)
        S[e] = past ? (float)hy_k_load_real(past, sdt, s0 + e) : 0.0f;
      for (int64_t t = 0; t < T; t++) {
        int64_t row = b * T + t, kr = (row * Hkv + h) * dk, vr = (row * Hkv + h) * dv;
        if (gated)
          for (int64_t d = 0; d < dk; d++) {
            float g = expf((float)hy_k_load_real(decay, dt, g_key ? kr + d : row * Hkv + h));
            for (int64_t m = 0; m < dv; m++)
              S[d * dv + m] *= g;
          }
        for (int64_t m = 0; m < dv; m++)
          ret[m] = (float)hy_k_load_real(v, dt, vr + m);
        if (delta) {
          float bt = (float)hy_k_load_real(beta, dt, b_head ? row * Hkv + h : row);
          for (int64_t m = 0; m < dv; m++) {
            float r = 0;
            for (int64_t d = 0; d < dk; d++)
              r += S[d * dv + m] * (float)hy_k_load_real(k, dt, kr + d);
            ret[m] = bt * (ret[m] - r);
          }
        }
        for (int64_t d = 0; d < dk; d++) {
          float kd = (float)hy_k_load_real(k, dt, kr + d);
          for (int64_t m = 0; m < dv; m++)
            S[d * dv + m] += kd * ret[m];
        }
        for (int64_t hq = h * group; hq < (h + 1) * group; hq++) {
          int64_t qr = (row * Hq + hq) * dk, yr = (row * Hq + hq) * dv;
          for (int64_t m = 0; m < dv; m++) {
            float o = 0;
            for (int64_t d = 0; d < dk; d++)
              o += (float)hy_k_load_real(q, dt, qr + d) * S[d * dv + m];
            hy_k_store_real(y, dt, yr + m, scale * o);
          }
        }
      }
      if (present)
        for (int64_t e = 0; e < dk * dv; e++)
          hy_k_store_real(present, sdt, s0 + e, S[e]);
    }
  return HY_OK;
}
