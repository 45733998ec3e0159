/* QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear.
 *
 * quantize_linear / dequantize_linear: in x, scale, zero point (optional); out y. The scale and
 * zero point index of element (o, a, i) of x viewed as [outer, D, inner] (D the quantization
 * axis) is o * s_outer + (a / block) * s_axis + i * s_inner: per-tensor is all strides 0,
 * per-axis s_axis 1, blocked s_outer = ceil(D / block) * inner, s_axis = inner, s_inner = 1.
 * ints: [outer, D, inner, block, s_outer, s_axis, s_inner], then for quantize [precision,
 * saturate]: precision is the dtype the division runs in (float, float16 or bfloat16 round x,
 * the scale and the quotient to it; double divides in double, for int32 x or scale). Quantize to
 * an integer type (8-, 16-, 4- or 2-bit) rounds the quotient half to even, adds the zero point
 * and saturates to y's range; to a float type (float8, float4e2m1) it adds the zero point's value
 * and converts by Cast's rules (round to nearest even; saturate, the attribute, picks max or
 * inf/NaN for float8 out of range; float4e2m1 always saturates). Dequantize computes
 * (x - zero point) * scale in float (double for int32 x) and rounds to y's type.
 *
 * dynamic_quantize_linear: in x (float); out y (uint8, x's shape), y_scale, y_zero_point
 * (scalars). No attribute block. */
#include "kernels/quant.h"

typedef struct q_view {
  int64_t outer, D, inner, block, so, sa, si;
} q_view;

Q_INLINE q_view q_view_of(const hy_kparams *p) {
  const int64_t *v = p->ints;
  return (q_view){v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
}

static inline const void *q_opt_in(const hy_kparams *p, const void *const *in, int32_t i) {
  return p->n_in > i && p->in[i].dtype != HY_DTYPE_UNDEFINED ? in[i] : NULL;
}

hy_status hy_kernel_quantize_linear(const hy_kparams *p, const void *const *in, void *const *out,
                                    void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  q_view v = q_view_of(p);
  int32_t prec = (int32_t)p->ints[7], sat = (int32_t)p->ints[8], xt = p->in[0].dtype;
  int32_t st = p->in[1].dtype, yt = p->out[0].dtype;
  bool fq = q_is_float_q(yt);
  const void *x = in[0], *s = in[1], *z = q_opt_in(p, in, 2);
  float lo = 0, hi = 0;
  if (!fq) q_range(yt, &lo, &hi);
  for (int64_t o = 0; o < v.outer; o++)
    for (int64_t a = 0; a < v.D; a++) {
      int64_t base = o * v.so + (a / v.block) * v.sa, row = (o * v.D + a) * v.inner;
      for (int64_t i = 0; i < v.inner; i++) {
        int64_t qi = base + i * v.si;
        double qv; /* x / scale in the precision */
        if (prec == HY_DTYPE_DOUBLE) {
          double xv = xt == HY_DTYPE_INT32 ? (double)((const int32_t *)x)[row + i]
                                           : (double)q_ld_real(xt, x, row + i);
          double sv = st == HY_DTYPE_INT32 ? (double)((const int32_t *)s)[qi]
                                           : (double)q_ld_real(st, s, qi);
          qv = xv / sv;
        } else {
          float xv = q_round_to(prec, q_ld_real(xt, x, row + i));
          float sv = q_round_to(prec, q_ld_real(st, s, qi));
          qv = q_round_to(prec, xv / sv);
        }
        if (fq) {
          q_st_fq(yt, out[0], row + i, qv + q_ld_fq(yt, z, qi), sat);
        } else {
          double r = rint(qv) + q_ld_int(yt, z, qi); /* clamped before it becomes a float */
          q_store(yt, out[0], row + i, (float)fmax(fmin(r, hi), lo), lo, hi);
        }
      }
    }
  return HY_OK;
}

hy_status hy_kernel_dequantize_linear(const hy_kparams *p, const void *const *in,
                                      void *const *out, void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  q_view v = q_view_of(p);
  int32_t xt = p->in[0].dtype, st = p->in[1].dtype, yt = p->out[0].dtype;
  const void *x = in[0], *s = in[1], *z = q_opt_in(p, in, 2);
  for (int64_t o = 0; o < v.outer; o++)
    for (int64_t a = 0; a < v.D; a++) {
      int64_t base = o * v.so + (a / v.block) * v.sa, row = (o * v.D + a) * v.inner;
      for (int64_t i = 0; i < v.inner; i++) {
        int64_t qi = base + i * v.si;
        float sv = q_ld_real(st, s, qi), y;
        if (q_is_float_q(xt))
          y = (q_ld_fq(xt, x, row + i) - q_ld_fq(xt, z, qi)) * sv;
        else if (xt == HY_DTYPE_INT32) /* the difference may leave int32 and float's 24 bits */
          y = (float)((double)((int64_t)q_ld_int(xt, x, row + i) - q_ld_int(xt, z, qi)) * sv);
        else
          y = (float)(q_ld_int(xt, x, row + i) - q_ld_int(xt, z, qi)) * sv;
        q_st_real(yt, out[0], row + i, y);
      }
    }
  return HY_OK;
}

hy_status hy_kernel_dynamic_quantize_linear(const hy_kparams *p, const void *const *in,
                                            void *const *out, void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  const float *x = in[0];
  int64_t n = hy_tdesc_numel(&p->in[0]);
  /* The range always includes 0, so that 0 is exactly representable. Sixteen running minima and
   * maxima: LLVM vectorises those, not one min / max reduction over the loop. */
  float lmn[16] = {0}, lmx[16] = {0}, mn = 0.0f, mx = 0.0f;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
#pragma GCC unroll 16
    for (int l = 0; l < 16; l++) {
      lmn[l] = fminf(lmn[l], x[i + l]);
      lmx[l] = fmaxf(lmx[l], x[i + l]);
    }
  for (; i < n; i++) {
    lmn[0] = fminf(lmn[0], x[i]);
    lmx[0] = fmaxf(lmx[0], x[i]);
  }
  for (int l = 0; l < 16; l++) {
    mn = fminf(mn, lmn[l]);
    mx = fmaxf(mx, lmx[l]);
  }
  float scale = (mx == mn ? 1.0f : mx - mn) / 255.0f;
  float zp = rintf(fmaxf(0.0f, fminf(255.0f, 0.0f - mn / scale)));
  uint8_t *y = out[0];
  for (int64_t k = 0; k < n; k++) q_store(HY_DTYPE_UINT8, y, k, rintf(x[k] / scale) + zp, 0, 255);
  *(float *)out[1] = scale;
  *(uint8_t *)out[2] = (uint8_t)zp;
  return HY_OK;
}
