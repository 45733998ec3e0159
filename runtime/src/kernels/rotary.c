/* rotary: RotaryEmbedding. X is [B, H, S, hs] (rank3 0) or [B, S, H * hs] (rank3 1); the first
 * rd elements of each head vector are rotated in pairs, (x[i], x[i + rd/2]) or, interleaved,
 * (x[2i], x[2i + 1]), by the angle whose cos and sin are row p of the caches:
 * real = cos * x1 - sin * x2, imag = sin * x1 + cos * x2; the rest is copied. With position_ids
 * (int64 [B, S]) the caches are [max_pos, rd/2] and p = position_ids[b, s] (out of range: an
 * error); without, they are [B, S, rd/2] and the row is (b, s). float, float16 and bfloat16, all
 * computed in float. ints = {B, H, S, hs, rd, interleaved, rank3, max_pos}. */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

hy_status hy_kernel_rotary(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 8 || p->n_in < 3) return HY_ERR_INTERNAL;
  const int64_t *a = p->ints;
  int64_t B = a[0], H = a[1], S = a[2], hs = a[3], rd = a[4], max_pos = a[7], half = rd / 2;
  bool inter = a[5] != 0, rank3 = a[6] != 0;
  int32_t dt = p->in[0].dtype;
  if (dt != HY_DTYPE_FLOAT && dt != HY_DTYPE_FLOAT16 && dt != HY_DTYPE_BFLOAT16)
    return HY_ERR_DTYPE;
  const int64_t *pos = p->n_in > 3 && p->in[3].dtype != HY_DTYPE_UNDEFINED ? in[3] : NULL;
  const void *x = in[0], *cs = in[1], *sn = in[2];
  void *y = out[0];
  for (int64_t b = 0; b < B; b++)
    for (int64_t s = 0; s < S; s++) {
      int64_t row = b * S + s;
      if (pos) {
        row = pos[b * S + s];
        if (row < 0 || row >= max_pos) return HY_ERR_SHAPE;
      }
      for (int64_t h = 0; h < H; h++) {
        int64_t base = rank3 ? (b * S + s) * H * hs + h * hs : ((b * H + h) * S + s) * hs;
        for (int64_t i = 0; i < half; i++) {
          int64_t i1 = inter ? 2 * i : i, i2 = inter ? 2 * i + 1 : i + half;
          float c = (float)hy_k_load_real(cs, dt, row * half + i);
          float sv = (float)hy_k_load_real(sn, dt, row * half + i);
          float x1 = (float)hy_k_load_real(x, dt, base + i1);
          float x2 = (float)hy_k_load_real(x, dt, base + i2);
          hy_k_store_real(y, dt, base + i1, c * x1 - sv * x2);
          hy_k_store_real(y, dt, base + i2, sv * x1 + c * x2);
        }
        for (int64_t i = rd; i < hs; i++)
          hy_k_store_real(y, dt, base + i, hy_k_load_real(x, dt, base + i));
      }
    }
  return HY_OK;
}
