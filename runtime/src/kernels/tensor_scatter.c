/* tensor_scatter: TensorScatter, the KV-cache update. present = past_cache, then for every
 * prefix (the dims before the sequence axis; dim 0 is the batch b) the update's sequence rows s
 * are written at cache row write_indices[b] + s (modulo the cache length in circular mode; in
 * linear mode a row outside the cache is an error, not a write). Elements are moved as bytes, so
 * any fixed-size dtype. ints = {axis (normalised, >= 1), circular}.
 * in: past_cache, update, write_indices? (int64 [batch]); out: present_cache. */
#include <string.h>

#include "hydra/kernel.h"

hy_status hy_kernel_tensor_scatter(const hy_kparams *p, const void *const *in, void *const *out,
                                   void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 2 || p->n_in < 2 || p->n_out < 1) return HY_ERR_INTERNAL;
  const hy_tdesc *past = &p->in[0], *upd = &p->in[1];
  int64_t axis = p->ints[0];
  bool circular = p->ints[1] != 0;
  size_t es = hy_dtype_size((hy_dtype)past->dtype);
  if (es == 0 || axis < 1 || axis >= past->rank || upd->rank != past->rank) return HY_ERR_INTERNAL;
  int64_t prefix = 1, inner = 1, M = past->dims[axis], S = upd->dims[axis];
  for (int32_t i = 0; i < axis; i++)
    prefix *= past->dims[i];
  for (int32_t i = (int32_t)axis + 1; i < past->rank; i++)
    inner *= past->dims[i];
  if (S > M) return HY_ERR_INTERNAL;
  const int64_t *wi = p->n_in > 2 && p->in[2].dtype != HY_DTYPE_UNDEFINED ? in[2] : NULL;
  int64_t per_batch = past->dims[0] ? prefix / past->dims[0] : 0;
  /* linear mode: check every write first, so an error leaves no half-written cache */
  if (wi && !circular)
    for (int64_t b = 0; b < past->dims[0]; b++)
      if (wi[b] < 0 || wi[b] > M - S) return HY_ERR_SHAPE;
  if (circular && M == 0 && S > 0) return HY_ERR_SHAPE;
  const char *src = in[0], *u = in[1];
  char *dst = out[0];
  size_t row = (size_t)inner * es;
  if (dst != src) memcpy(dst, src, (size_t)(prefix * M) * row);
  for (int64_t pi = 0; pi < prefix; pi++) {
    int64_t start = wi ? wi[pi / per_batch] : 0;
    for (int64_t s = 0; s < S; s++) {
      int64_t c = circular ? ((start % M) + s) % M : start + s;
      if (c < 0) c += M;
      memcpy(dst + (size_t)(pi * M + c) * row, u + (size_t)(pi * S + s) * row, row);
    }
  }
  return HY_OK;
}
