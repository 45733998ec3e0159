/* where: out = cond ? x : y, all three broadcast to out. ints {rank, dims[rank],
 * strides[3][rank]} (cond, x, y; coalesced, 0 where broadcast). The select moves bits, so one
 * loop per element size serves every dtype. */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

#define WHERE_WALK(T)                                                                              \
  {                                                                                                \
    const uint8_t *c = in[0];                                                                      \
    const T *x = in[1], *y = in[2];                                                                \
    T *o = out[0];                                                                                 \
    int64_t idx[HY_MAX_RANK] = {0}, off[3] = {0, 0, 0};                                            \
    int64_t w = dims[rank - 1], rows = hy_k_rows(rank, dims);                                      \
    int64_t sc = st[rank - 1], sx = st[2 * rank - 1], sy = st[3 * rank - 1];                       \
    for (int64_t r = 0; r < rows; r++, o += w) {                                                   \
      const uint8_t *pc = c + off[0];                                                              \
      const T *px = x + off[1], *py = y + off[2];                                                  \
      for (int64_t i = 0; i < w; i++) o[i] = pc[i * sc] ? px[i * sx] : py[i * sy];                 \
      hy_k_next_row(rank, dims, idx, 3, st, off);                                                  \
    }                                                                                              \
    return HY_OK;                                                                                  \
  }

hy_status hy_kernel_where(const hy_kparams *p, const void *const *in, void *const *out,
                          void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  int32_t rank = (int32_t)p->ints[0];
  const int64_t *dims = p->ints + 1, *st = p->ints + 1 + rank;
  switch (hy_dtype_size((hy_dtype)p->out[0].dtype)) {
  case 1: WHERE_WALK(uint8_t)
  case 2: WHERE_WALK(uint16_t)
  case 4: WHERE_WALK(uint32_t)
  case 8: WHERE_WALK(uint64_t)
  }
  return HY_ERR_DTYPE;
}
