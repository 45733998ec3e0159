/* swiglu: SwiGLU, Y = Swish_alpha(A) * B with Swish_alpha(a) = a * Sigmoid(alpha * a), A and B
 * of one shape. float, double, float16 and bfloat16; float16 and bfloat16 compute in float and,
 * like the op's definition (Swish, then Mul, each producing the input type), round the Swish
 * result to the dtype before the product. floats = {alpha}. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

#define SWIGLU_ID(x) (x)
#define SWIGLU_LOOP(SFX, T, ACC, LOAD, STORE, EXP)                                                 \
  static void swiglu_##SFX(const T *a, const T *b, T *y, int64_t n, ACC alpha) {                   \
    for (int64_t i = 0; i < n; i++) {                                                              \
      ACC x = (ACC)LOAD(a[i]);                                                                     \
      ACC sw = (ACC)LOAD(STORE(x / ((ACC)1 + EXP(-alpha * x))));                                   \
      y[i] = STORE(sw * (ACC)LOAD(b[i]));                                                          \
    }                                                                                              \
  }
SWIGLU_LOOP(f32, float, float, SWIGLU_ID, SWIGLU_ID, expf)
SWIGLU_LOOP(f64, double, double, SWIGLU_ID, SWIGLU_ID, exp)
SWIGLU_LOOP(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16, expf)
SWIGLU_LOOP(bf16, uint16_t, float, hy_k_bf16_to_f32, hy_k_f32_to_bf16, expf)

hy_status hy_kernel_swiglu(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_in < 2 || p->n_out < 1 || p->n_floats < 1) return HY_ERR_INTERNAL;
  int64_t n = hy_tdesc_numel(&p->out[0]);
  if (hy_tdesc_numel(&p->in[0]) != n || hy_tdesc_numel(&p->in[1]) != n) return HY_ERR_INTERNAL;
  double alpha = p->floats[0];
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT: swiglu_f32(in[0], in[1], out[0], n, (float)alpha); break;
  case HY_DTYPE_DOUBLE: swiglu_f64(in[0], in[1], out[0], n, alpha); break;
  case HY_DTYPE_FLOAT16: swiglu_f16(in[0], in[1], out[0], n, (float)alpha); break;
  case HY_DTYPE_BFLOAT16: swiglu_bf16(in[0], in[1], out[0], n, (float)alpha); break;
  default: return HY_ERR_DTYPE;
  }
  return HY_OK;
}
