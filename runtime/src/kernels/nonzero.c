/* nonzero: the coordinates of the non-zero elements of in[0] (NonZero), int64 [rank, count] with
 * the elements in row-major order, written dense for the actual count, which goes to the extent
 * slot out[p->n_out] (kernel.h). A scalar is one element of rank 1 (numpy's rule). An element is
 * zero when its bits outside sign_mask are all clear: sign_mask is the sign bit of the types with
 * a negative zero, so -0.0 is zero while a NaN or the fnuz types' 0x80 (NaN) is not.
 *   ints: [0] element bytes (1, 2, 4 or 8), [1] sign_mask, [2] rank r (1 for a scalar),
 *         [3 .. 3+r) the dims. */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

static inline uint64_t nz_bits(const uint8_t *x, int64_t i, int64_t es) {
  uint8_t b1;
  uint16_t b2;
  uint32_t b4;
  uint64_t b8;
  switch (es) {
  case 1: memcpy(&b1, x + i, 1); return b1;
  case 2: memcpy(&b2, x + 2 * i, 2); return b2;
  case 4: memcpy(&b4, x + 4 * i, 4); return b4;
  default: memcpy(&b8, x + 8 * i, 8); return b8;
  }
}

hy_status hy_kernel_nonzero(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 3 || p->n_out != 1 || p->ints[2] < 1 || p->ints[2] > HY_MAX_RANK ||
      p->n_ints < 3 + p->ints[2] || p->out[0].rank != 2)
    return HY_ERR_INTERNAL;
  int64_t es = p->ints[0], r = p->ints[2];
  uint64_t keep = ~(uint64_t)p->ints[1];
  const int64_t *dims = p->ints + 3;
  int64_t numel = 1;
  for (int64_t d = 0; d < r; d++)
    numel *= dims[d];
  if ((es != 1 && es != 2 && es != 4 && es != 8) || numel != hy_tdesc_numel(&p->in[0]) ||
      p->out[0].dims[0] != r || p->out[0].dims[1] < numel)
    return HY_ERR_INTERNAL;
  const uint8_t *x = in[0];
  int64_t count = 0;
  for (int64_t i = 0; i < numel; i++)
    count += (nz_bits(x, i, es) & keep) != 0;
  int64_t *y = out[0];
  for (int64_t i = 0, j = 0; i < numel; i++) {
    if (!(nz_bits(x, i, es) & keep)) continue;
    for (int64_t d = r - 1, rem = i; d >= 0; d--) {
      y[d * count + j] = rem % dims[d];
      rem /= dims[d];
    }
    j++;
  }
  *(int64_t *)out[p->n_out] = count;
  return HY_OK;
}
