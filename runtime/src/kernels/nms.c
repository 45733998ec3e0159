/* nms: NonMaxSuppression. For each batch b and class c, the boxes scoring above score_threshold
 * (all when it is omitted), best score first (equal scores: lower index first), greedily kept
 * unless their IoU with a box already kept for (b, c) exceeds iou_threshold, at most
 * max_output_boxes_per_class each. out[0] is int64 [count, 3] rows (b, c, box) in that order,
 * dense for the actual count, which goes to the extent slot out[p->n_out] (kernel.h); a count
 * past the planned bound (out[0]'s dims[0]) is HY_ERR_SHAPE. Boxes are [y1, x1, y2, x2] (corners
 * in either order), or with center_point_box [x_center, y_center, width, height].
 *   in: boxes float [B, N, 4], scores float [B, C, N], then optional max_output_boxes_per_class
 *       (int64), iou_threshold (float), score_threshold (float), each one value or empty.
 *   ints: [0] B, [1] C, [2] N, [3] center_point_box.  scratch: 3 * N int64s. */
#include "hydra/kernel.h"
#include "kernels/sort_util.h"

typedef struct nms_ctx {
  const float *scores; /* this (b, c)'s N scores */
} nms_ctx;

static bool nms_before(const void *ctx, int64_t a, int64_t b) {
  const float *s = ((const nms_ctx *)ctx)->scores;
  return s[a] > s[b]; /* the stable sort keeps equal scores in index order */
}

/* The box's x and y extents, min first. */
static inline void nms_extent(const float *bx, bool center, float *x0, float *x1, float *y0,
                              float *y1) {
  if (center) {
    *x0 = bx[0] - bx[2] / 2, *x1 = bx[0] + bx[2] / 2;
    *y0 = bx[1] - bx[3] / 2, *y1 = bx[1] + bx[3] / 2;
    return;
  }
  *y0 = bx[0] < bx[2] ? bx[0] : bx[2], *y1 = bx[0] < bx[2] ? bx[2] : bx[0];
  *x0 = bx[1] < bx[3] ? bx[1] : bx[3], *x1 = bx[1] < bx[3] ? bx[3] : bx[1];
}

static bool nms_suppresses(const float *a, const float *b, bool center, float iou_threshold) {
  float ax0, ax1, ay0, ay1, bx0, bx1, by0, by1;
  nms_extent(a, center, &ax0, &ax1, &ay0, &ay1);
  nms_extent(b, center, &bx0, &bx1, &by0, &by1);
  float ix0 = ax0 > bx0 ? ax0 : bx0, ix1 = ax1 < bx1 ? ax1 : bx1;
  float iy0 = ay0 > by0 ? ay0 : by0, iy1 = ay1 < by1 ? ay1 : by1;
  if (ix1 <= ix0 || iy1 <= iy0) return false;
  float inter = (ix1 - ix0) * (iy1 - iy0);
  float area_a = (ax1 - ax0) * (ay1 - ay0), area_b = (bx1 - bx0) * (by1 - by0);
  float uni = area_a + area_b - inter;
  if (inter <= 0 || area_a <= 0 || area_b <= 0 || uni <= 0) return false;
  return inter / uni > iou_threshold;
}

hy_status hy_kernel_nms(const hy_kparams *p, const void *const *in, void *const *out, void *scratch,
                        const hy_exec *ex) {
  (void)ex;
  if (p->n_ints < 4 || p->n_out != 1 || p->n_in < 2 || p->out[0].rank != 2) return HY_ERR_INTERNAL;
  int64_t nb = p->ints[0], nc = p->ints[1], n = p->ints[2], bound = p->out[0].dims[0];
  bool center = p->ints[3] != 0;
  if (hy_tdesc_numel(&p->in[0]) != nb * n * 4 || hy_tdesc_numel(&p->in[1]) != nb * nc * n ||
      (n > 0 && !scratch))
    return HY_ERR_INTERNAL;
  int64_t max_out = 0;
  float iou_threshold = 0, score_threshold = 0;
  bool has_score = p->n_in > 4 && in[4] && hy_tdesc_numel(&p->in[4]) > 0;
  if (p->n_in > 2 && in[2] && hy_tdesc_numel(&p->in[2]) > 0) max_out = *(const int64_t *)in[2];
  if (p->n_in > 3 && in[3] && hy_tdesc_numel(&p->in[3]) > 0) iou_threshold = *(const float *)in[3];
  if (has_score) score_threshold = *(const float *)in[4];
  if (max_out > n) max_out = n;
  const float *boxes = in[0], *scores = in[1];
  int64_t *cand = scratch, *tmp = cand + n, *kept = tmp + n, *y = out[0], count = 0;
  for (int64_t b = 0; b < nb; b++)
    for (int64_t c = 0; c < nc && max_out > 0; c++) {
      nms_ctx ctx = {scores + (b * nc + c) * n};
      int64_t m = 0, k = 0;
      for (int64_t i = 0; i < n; i++)
        if (!has_score || ctx.scores[i] > score_threshold) cand[m++] = i;
      hy_k_sort_indices(cand, tmp, m, nms_before, &ctx);
      for (int64_t q = 0; q < m && k < max_out; q++) {
        const float *box = boxes + (b * n + cand[q]) * 4;
        bool keep = true;
        for (int64_t j = 0; j < k && keep; j++)
          keep = !nms_suppresses(box, boxes + (b * n + kept[j]) * 4, center, iou_threshold);
        if (!keep) continue;
        if (count >= bound) return HY_ERR_SHAPE;
        kept[k++] = cand[q];
        y[count * 3] = b, y[count * 3 + 1] = c, y[count * 3 + 2] = cand[q];
        count++;
      }
    }
  *(int64_t *)out[p->n_out] = count;
  return HY_OK;
}
