/* compress: the slices of in[0] along one axis whose entry in the bool condition in[1] is true
 * (Compress), as [outer, count, inner] written dense for the actual count, which goes to the
 * extent slot out[p->n_out] (kernel.h). Condition entries past the axis (or past m) are ignored.
 *   ints: [0] outer, [1] n (the axis), [2] inner, [3] element bytes, [4] m = min(len(cond), n). */
#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

hy_status hy_kernel_compress(const hy_kparams *p, const void *const *in, void *const *out,
                             void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 5 || p->n_in != 2 || p->n_out != 1) return HY_ERR_INTERNAL;
  int64_t outer = p->ints[0], n = p->ints[1], inner = p->ints[2], es = p->ints[3], m = p->ints[4];
  if (es <= 0 || m < 0 || m > n || m > hy_tdesc_numel(&p->in[1]) ||
      outer * n * inner != hy_tdesc_numel(&p->in[0]) ||
      hy_tdesc_numel(&p->out[0]) < outer * m * inner)
    return HY_ERR_INTERNAL;
  const uint8_t *cond = in[1], *x = in[0];
  uint8_t *y = out[0];
  int64_t count = 0;
  for (int64_t j = 0; j < m; j++)
    count += cond[j] != 0;
  size_t row = (size_t)(inner * es);
  for (int64_t o = 0, k = 0; o < outer; o++)
    for (int64_t j = 0; j < m; j++)
      if (cond[j]) memcpy(y + (size_t)k++ * row, x + (size_t)(o * n + j) * row, row);
  *(int64_t *)out[p->n_out] = count;
  return HY_OK;
}
