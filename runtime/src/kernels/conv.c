/* Conv (1-D/2-D/3-D and beyond, groups, strides, dilations, pads) as im2col + GEMM: each group's
 * input patches are copied into a column matrix in scratch and multiplied by the group's weights
 * (float through the packed GEMM; double and float16 through hy_gemm_any's loops).
 *
 * conv: in X [N, C, sp...], W [M, C/group, k...], B [M] (optional); out Y [N, M, osp...].
 * ints: [nsp, group, tasks, im2col, kernel[nsp], strides[nsp], dilations[nsp], pads_begin[nsp],
 * pads_end[nsp]]. im2col 0 means a 1x1 kernel with unit strides and no pads: X is already the
 * column matrix. scratch: hy_conv_col_bytes(C/group * kvol, out spatial size, es) when im2col,
 * then hy_sgemm_scratch_bytes(M/group, out spatial size, C/group * kvol, tasks) for float. */
#include <string.h>

#include "kernels/linalg.h"

/* One row of the column matrix along the innermost spatial dim: out position o reads input
 * i = o*stride - pad + kpos*dilation, zero outside. Elements are copied as bits (0 bits = 0.0). */
#define IM2COL_ROW(T)                                                                              \
  static void im2col_row_##T(const void *x, void *c, int64_t n, int64_t st, int64_t first,         \
                             int64_t iw) {                                                         \
    const T *xs = x;                                                                               \
    T *cs = c;                                                                                     \
    for (int64_t o = 0; o < n; o++) {                                                              \
      int64_t i = o * st + first;                                                                  \
      cs[o] = i >= 0 && i < iw ? xs[i] : (T)0;                                                     \
    }                                                                                              \
  }
IM2COL_ROW(uint16_t)
IM2COL_ROW(uint32_t)
IM2COL_ROW(uint64_t)

static void im2col_row(size_t es, const void *x, void *c, int64_t n, int64_t st, int64_t first,
                       int64_t iw) {
  if (es == 2) im2col_row_uint16_t(x, c, n, st, first, iw);
  else if (es == 4) im2col_row_uint32_t(x, c, n, st, first, iw);
  else im2col_row_uint64_t(x, c, n, st, first, iw);
}

/* Rows (channel c, kernel position kp) of the column matrix for one group's Cg channels at x. */
static void im2col_patch(const hy_conv_geo *g, const char *xc, const int64_t *kp, char *crow) {
  int32_t last = g->nsp - 1;
  int64_t ow = g->odims[last], iw = g->idims[last];
  int64_t idx[HY_MAX_RANK] = {0};
  int64_t rows = g->osz / ow;
  for (int64_t r = 0; r < rows; r++) {
    /* input offset of the outer coordinates, or -1 when one of them falls in the padding */
    int64_t off = 0;
    for (int32_t d = 0; d < last && off >= 0; d++) {
      int64_t i = idx[d] * g->st[d] - g->pb[d] + kp[d] * g->dl[d];
      off = i >= 0 && i < g->idims[d] ? off * g->idims[d] + i : -1;
    }
    char *dst = crow + (size_t)(r * ow) * g->es;
    if (off < 0)
      memset(dst, 0, (size_t)ow * g->es);
    else
      im2col_row(g->es, xc + (size_t)(off * iw) * g->es, dst, ow, g->st[last],
                 kp[last] * g->dl[last] - g->pb[last], iw);
    for (int32_t d = last - 1; d >= 0; d--) { /* odometer over the outer out dims */
      if (++idx[d] < g->odims[d]) break;
      idx[d] = 0;
    }
  }
}

void hy_conv_im2col(const hy_conv_geo *g, const char *x, char *col) {
  for (int64_t c = 0; c < g->Cg; c++)
    for (int64_t kidx = 0; kidx < g->kvol; kidx++) {
      int64_t kp[HY_MAX_RANK], rest = kidx;
      for (int32_t d = g->nsp - 1; d >= 0; d--) {
        kp[d] = rest % g->k[d];
        rest /= g->k[d];
      }
      im2col_patch(g, x + (size_t)(c * g->isz) * g->es, kp,
                   col + (size_t)((c * g->kvol + kidx) * g->osz) * g->es);
    }
}

/* Every row m of the Mg x osz output block starts as bias[m]. */
static void fill_bias(const hy_conv_geo *g, const char *bias, char *y) {
  for (int64_t m = 0; m < g->Mg; m++)
    for (int64_t o = 0; o < g->osz; o++)
      memcpy(y + (size_t)(m * g->osz + o) * g->es, bias + (size_t)m * g->es, g->es);
}

hy_status hy_kernel_conv(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  const hy_tdesc *x = &p->in[0], *y = &p->out[0];
  hy_conv_geo g;
  hy_conv_geo_of(p, hy_linalg_esize(y->dtype), &g);
  int32_t tasks = (int32_t)p->ints[2];
  bool use_col = p->ints[3] != 0;
  if (g.osz == 0) return HY_OK;
  int64_t rows = g.Cg * g.kvol;
  char *col = scratch;
  char *gemm_scratch = use_col ? col + hy_conv_col_bytes(rows, g.osz, g.es) : scratch;
  bool has_b = p->n_in > 2 && in[2] && p->in[2].dtype != HY_DTYPE_UNDEFINED;
  for (int64_t n = 0; n < x->dims[0]; n++)
    for (int64_t gi = 0; gi < g.group; gi++) {
      const char *xg = (const char *)in[0] + (size_t)((n * x->dims[1] + gi * g.Cg) * g.isz) * g.es;
      char *yg = (char *)out[0] + (size_t)((n * y->dims[1] + gi * g.Mg) * g.osz) * g.es;
      if (use_col) hy_conv_im2col(&g, xg, col);
      if (has_b) fill_bias(&g, (const char *)in[2] + (size_t)(gi * g.Mg) * g.es, yg);
      const char *wg = (const char *)in[1] + (size_t)(gi * g.Mg * rows) * g.es;
      hy_status s = hy_gemm_any((hy_dtype)y->dtype, g.Mg, g.osz, rows, 1.0, wg, rows, 1,
                                use_col ? col : xg, g.osz, 1, has_b ? 1.0 : 0.0, yg, g.osz,
                                gemm_scratch, tasks, ex);
      if (s != HY_OK) return s;
    }
  return HY_OK;
}
