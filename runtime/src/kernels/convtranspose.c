/* ConvTranspose and Col2Im, which share their second half: column blocks scatter-added into an
 * image (col2im). A column matrix [C * kvol, L] holds, for each channel c and kernel position k,
 * one value per block position l of a grid; it lands at image position l*stride - pad_begin +
 * k*dilation when that is inside the image. ConvTranspose makes its columns with one GEMM per
 * (image, group): W_g^T [Mg*kvol, Cg] x X_g [Cg, input size], the input's grid being X's spatial
 * dims.
 *
 * convtranspose: in X [N, C, sp...], W [C, M/group, k...], B [M] (optional); out Y [N, M, osp...].
 *   ints: [nsp, group, tasks, kernel[nsp], strides[nsp], dilations[nsp], pads_begin[nsp]].
 *   scratch: hy_conv_col_bytes(M/group * kvol, input size, es), then for float
 *   hy_sgemm_scratch_bytes(M/group * kvol, input size, C/group, tasks).
 * col2im: in input [N, C * kvol, L] (image_shape and block_shape inputs unread: their values are
 *   in the block); out [N, C, image...].
 *   ints: [nsp, kernel[nsp], strides[nsp], dilations[nsp], pads_begin[nsp], grid[nsp]]. */
#include <string.h>

#include "kernels/kernel_util.h"
#include "kernels/linalg.h"

typedef struct col2im_geo {
  int32_t nsp;
  const int64_t *k, *st, *dl, *pb, *grid, *img;
  int64_t kvol, L, isz;
} col2im_geo;

#define COL2IM_ADD(SFX, T, ACC, LOAD, STORE)                                                       \
  static void col2im_add_##SFX(const col2im_geo *g, int64_t channels, const T *col, T *img) {      \
    for (int64_t c = 0; c < channels; c++)                                                         \
      for (int64_t kidx = 0; kidx < g->kvol; kidx++) {                                             \
        int64_t kp[HY_MAX_RANK], rest = kidx;                                                      \
        for (int32_t d = g->nsp - 1; d >= 0; d--) {                                                \
          kp[d] = rest % g->k[d];                                                                  \
          rest /= g->k[d];                                                                         \
        }                                                                                          \
        const T *src = col + (c * g->kvol + kidx) * g->L;                                          \
        T *dst = img + c * g->isz;                                                                 \
        int64_t lc[HY_MAX_RANK] = {0};                                                             \
        for (int64_t l = 0; l < g->L; l++) {                                                       \
          int64_t off = 0;                                                                         \
          for (int32_t d = 0; d < g->nsp && off >= 0; d++) {                                       \
            int64_t i = lc[d] * g->st[d] - g->pb[d] + kp[d] * g->dl[d];                            \
            off = i >= 0 && i < g->img[d] ? off * g->img[d] + i : -1;                              \
          }                                                                                        \
          if (off >= 0) dst[off] = STORE((ACC)LOAD(dst[off]) + (ACC)LOAD(src[l]));                 \
          for (int32_t d = g->nsp - 1; d >= 0; d--) {                                              \
            if (++lc[d] < g->grid[d]) break;                                                       \
            lc[d] = 0;                                                                             \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
  }

#define CT_ID(x) (x)
COL2IM_ADD(f32, float, float, CT_ID, CT_ID)
COL2IM_ADD(f64, double, double, CT_ID, CT_ID)
COL2IM_ADD(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16)

static hy_status col2im_add(int32_t dtype, const col2im_geo *g, int64_t channels, const void *col,
                            void *img) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: col2im_add_f32(g, channels, col, img); return HY_OK;
  case HY_DTYPE_DOUBLE: col2im_add_f64(g, channels, col, img); return HY_OK;
  case HY_DTYPE_FLOAT16: col2im_add_f16(g, channels, col, img); return HY_OK;
  default: return HY_ERR_DTYPE;
  }
}

static void geo_sizes(col2im_geo *g) {
  g->kvol = g->L = g->isz = 1;
  for (int32_t d = 0; d < g->nsp; d++) {
    g->kvol *= g->k[d];
    g->L *= g->grid[d];
    g->isz *= g->img[d];
  }
}

hy_status hy_kernel_col2im(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *x = &p->in[0], *y = &p->out[0];
  int32_t nsp = p->n_ints > 0 ? (int32_t)p->ints[0] : 0;
  if (nsp < 1 || p->n_ints < 1 + 5 * nsp || x->rank != 3 || y->rank != 2 + nsp)
    return HY_ERR_INTERNAL;
  col2im_geo g = {.nsp = nsp,
                  .k = p->ints + 1,
                  .st = p->ints + 1 + nsp,
                  .dl = p->ints + 1 + 2 * nsp,
                  .pb = p->ints + 1 + 3 * nsp,
                  .grid = p->ints + 1 + 4 * nsp,
                  .img = y->dims + 2};
  geo_sizes(&g);
  if (g.L != x->dims[2] || g.kvol * y->dims[1] != x->dims[1]) return HY_ERR_INTERNAL;
  size_t es = hy_linalg_esize(y->dtype);
  memset(out[0], 0, (size_t)hy_tdesc_numel(y) * es);
  for (int64_t n = 0; n < y->dims[0]; n++) {
    hy_status s = col2im_add(y->dtype, &g, y->dims[1],
                             (const char *)in[0] + (size_t)(n * x->dims[1] * g.L) * es,
                             (char *)out[0] + (size_t)(n * y->dims[1] * g.isz) * es);
    if (s != HY_OK) return s;
  }
  return HY_OK;
}

hy_status hy_kernel_convtranspose(const hy_kparams *p, const void *const *in, void *const *out,
                                  void *scratch, const hy_exec *ex) {
  const hy_tdesc *x = &p->in[0], *w = &p->in[1], *y = &p->out[0];
  int32_t nsp = p->n_ints > 0 ? (int32_t)p->ints[0] : 0;
  if (nsp < 1 || p->n_ints < 3 + 4 * nsp || x->rank != 2 + nsp || y->rank != x->rank)
    return HY_ERR_INTERNAL;
  int64_t group = p->ints[1];
  int32_t tasks = (int32_t)p->ints[2];
  col2im_geo g = {.nsp = nsp,
                  .k = p->ints + 3,
                  .st = p->ints + 3 + nsp,
                  .dl = p->ints + 3 + 2 * nsp,
                  .pb = p->ints + 3 + 3 * nsp,
                  .grid = x->dims + 2,
                  .img = y->dims + 2};
  geo_sizes(&g);
  int64_t Cg = x->dims[1] / group, Mg = w->dims[1], rows = Mg * g.kvol;
  size_t es = hy_linalg_esize(y->dtype);
  bool has_b = p->n_in > 2 && in[2] && p->in[2].dtype != HY_DTYPE_UNDEFINED;
  char *col = scratch, *gemm_scratch = col + hy_conv_col_bytes(rows, g.L, es);
  /* Y starts as the bias (or zero) */
  for (int64_t n = 0; n < y->dims[0]; n++)
    for (int64_t m = 0; m < y->dims[1]; m++) {
      char *dst = (char *)out[0] + (size_t)((n * y->dims[1] + m) * g.isz) * es;
      if (!has_b) {
        memset(dst, 0, (size_t)g.isz * es);
        continue;
      }
      for (int64_t i = 0; i < g.isz; i++)
        memcpy(dst + (size_t)i * es, (const char *)in[2] + (size_t)m * es, es);
    }
  if (g.L == 0 || rows == 0) return HY_OK;
  for (int64_t n = 0; n < x->dims[0]; n++)
    for (int64_t gi = 0; gi < group; gi++) {
      const char *xg = (const char *)in[0] + (size_t)((n * x->dims[1] + gi * Cg) * g.L) * es;
      const char *wg = (const char *)in[1] + (size_t)(gi * Cg * rows) * es;
      hy_status s = hy_gemm_any((hy_dtype)y->dtype, rows, g.L, Cg, 1.0, wg, 1, rows, xg, g.L, 1,
                                0.0, col, g.L, gemm_scratch, tasks, ex);
      if (s == HY_OK)
        s = col2im_add(y->dtype, &g, Mg, col,
                       (char *)out[0] + (size_t)((n * y->dims[1] + gi * Mg) * g.isz) * es);
      if (s != HY_OK) return s;
    }
  return HY_OK;
}
