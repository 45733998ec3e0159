/* ConvInteger and QLinearConv: Conv's im2col (conv.c) over X minus its zero point as int16, so
 * the padding contributes zero, then per group the integer GEMM (hydra/qgemm.h) of W (minus its
 * per-output-channel zero point) by the column matrix.
 *
 * Both start with Conv's attribute block (linalg.h: [nsp, group, tasks, im2col, kernel[nsp],
 * strides[nsp], dilations[nsp], pads_begin[nsp], pads_end[nsp]]) and append:
 * conv_integer: in X, W (uint8 / int8), x_zero_point (scalar), w_zero_point (scalar or [M]), both
 *   optional; out Y int32. appended ints: [zw_period] (M, or 0 for a scalar).
 * qlinear_conv: in x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point,
 *   B (int32 [M], optional); out y (y_zero_point's type). appended ints: [sw_period, zw_period].
 *   y = saturate(rint((acc + B) * (x_scale * w_scale / y_scale)) + y_zero_point), the scale
 *   product in the scales' type, the rest in double (as the ONNX reference).
 * scratch: hy_qconv_scratch_of(...).total. */
#include "hydra/qgemm.h"
#include "kernels/linalg.h"
#include "kernels/quant.h"

typedef struct qconv_io {
  const void *x, *zx, *w, *zw;
  int32_t xt, wt;
  int64_t zw_period;
} qconv_io;

/* The int32 product of group gi of image n into c (Mg x osz). */
static void qconv_group(const hy_kparams *p, const hy_conv_geo *g, const qconv_io *io,
                        const int16_t *xs, int16_t *col, bool use_col, int64_t gi, int32_t *c,
                        void *gemm_scratch, const hy_exec *ex) {
  const int16_t *xg = xs + gi * g->Cg * g->isz;
  if (use_col) hy_conv_im2col(g, (const char *)xg, (char *)col);
  int64_t rows = g->Cg * g->kvol;
  hy_qgemm_args q = {.M = g->Mg, .N = g->osz, .K = rows, .a_type = io->wt,
                     .b_type = HY_DTYPE_INT16, .A = (const char *)io->w + gi * g->Mg * rows,
                     .lda = rows, .B = use_col ? col : xg, .ldb = g->osz, .za = io->zw,
                     .za_first = gi * g->Mg, .za_period = io->zw_period, .C = c, .ldc = g->osz};
  hy_qgemm(&q, gemm_scratch, (int32_t)p->ints[2], ex);
}

/* X of image n minus its zero point, as int16. */
static void qconv_shift(const hy_conv_geo *g, const qconv_io *io, int64_t n, int64_t channels,
                        int16_t *xs) {
  int64_t cnt = channels * g->isz;
  int32_t z = q_ld_int(io->xt, io->zx, 0);
  if (io->xt == HY_DTYPE_UINT8) {
    const uint8_t *x = (const uint8_t *)io->x + n * cnt;
    for (int64_t i = 0; i < cnt; i++) xs[i] = (int16_t)(x[i] - z);
  } else {
    const int8_t *x = (const int8_t *)io->x + n * cnt;
    for (int64_t i = 0; i < cnt; i++) xs[i] = (int16_t)(x[i] - z);
  }
}

static hy_qconv_scratch qconv_layout(const hy_kparams *p, const hy_conv_geo *g, int requant) {
  return hy_qconv_scratch_of(p->in[0].dims[1], g->isz, g->Cg * g->kvol, g->osz, g->Mg,
                             p->ints[3] != 0, requant, (int32_t)p->ints[2]);
}

static inline const void *opt_in(const hy_kparams *p, const void *const *in, int32_t i) {
  return p->n_in > i && p->in[i].dtype != HY_DTYPE_UNDEFINED ? in[i] : NULL;
}

hy_status hy_kernel_conv_integer(const hy_kparams *p, const void *const *in, void *const *out,
                                 void *scratch, const hy_exec *ex) {
  hy_conv_geo g;
  hy_conv_geo_of(p, 2, &g);
  if (g.osz == 0) return HY_OK;
  qconv_io io = {.x = in[0], .zx = opt_in(p, in, 2), .w = in[1], .zw = opt_in(p, in, 3),
                 .xt = p->in[0].dtype, .wt = p->in[1].dtype,
                 .zw_period = p->ints[4 + 5 * g.nsp]};
  hy_qconv_scratch sl = qconv_layout(p, &g, 0);
  char *base = (char *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  int64_t C = p->in[0].dims[1], M = p->out[0].dims[1];
  for (int64_t n = 0; n < p->in[0].dims[0]; n++) {
    qconv_shift(&g, &io, n, C, (int16_t *)(base + sl.xs));
    for (int64_t gi = 0; gi < g.group; gi++)
      qconv_group(p, &g, &io, (int16_t *)(base + sl.xs), (int16_t *)(base + sl.col),
                  p->ints[3] != 0, gi, (int32_t *)out[0] + (n * M + gi * g.Mg) * g.osz,
                  base + sl.gemm, ex);
  }
  return HY_OK;
}

hy_status hy_kernel_qlinear_conv(const hy_kparams *p, const void *const *in, void *const *out,
                                 void *scratch, const hy_exec *ex) {
  hy_tdesc td[2] = {p->in[0], p->in[3]}; /* X and W where hy_conv_geo_of looks for them */
  hy_kparams gp = *p;
  gp.in = td;
  hy_conv_geo g;
  hy_conv_geo_of(&gp, 2, &g);
  if (g.osz == 0) return HY_OK;
  int64_t sw_p = p->ints[4 + 5 * g.nsp], zw_p = p->ints[5 + 5 * g.nsp];
  qconv_io io = {.x = in[0], .zx = in[2], .w = in[3], .zw = in[5], .xt = p->in[0].dtype,
                 .wt = p->in[3].dtype, .zw_period = zw_p};
  hy_qconv_scratch sl = qconv_layout(&gp, &g, 1);
  char *base = (char *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
  int32_t *acc = (int32_t *)(base + sl.acc);
  int32_t yt = p->out[0].dtype, st = p->in[1].dtype;
  const int32_t *bias = opt_in(p, in, 8);
  float sx = q_ld_real(st, in[1], 0), sy = q_ld_real(p->in[6].dtype, in[6], 0), lo, hi;
  int32_t zy = q_ld_int(yt, in[7], 0);
  q_range(yt, &lo, &hi);
  int64_t C = p->in[0].dims[1], M = p->out[0].dims[1];
  size_t ys = yt == HY_DTYPE_UINT16 || yt == HY_DTYPE_INT16 ? 2 : 1;
  for (int64_t n = 0; n < p->in[0].dims[0]; n++) {
    qconv_shift(&g, &io, n, C, (int16_t *)(base + sl.xs));
    for (int64_t gi = 0; gi < g.group; gi++) {
      qconv_group(&gp, &g, &io, (int16_t *)(base + sl.xs), (int16_t *)(base + sl.col),
                  p->ints[3] != 0, gi, acc, base + sl.gemm, ex);
      char *y = (char *)out[0] + (size_t)((n * M + gi * g.Mg) * g.osz) * ys;
      for (int64_t m = 0; m < g.Mg; m++) {
        int64_t oc = gi * g.Mg + m;
        float sw = q_ld_real(st, in[4], sw_p ? oc % sw_p : 0);
        float mult = q_round_to(st, q_round_to(st, sx * sw) / sy);
        int32_t b = bias ? bias[oc] : 0;
        for (int64_t o = 0; o < g.osz; o++)
          q_requant(yt, y, m * g.osz + o, (int32_t)((uint32_t)acc[m * g.osz + o] + (uint32_t)b),
                    mult, zy, lo, hi);
      }
    }
  }
  return HY_OK;
}
