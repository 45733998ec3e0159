/* maxunpool (MaxUnpool): Y is zero but for X's values, each put where its index (I, flat over the
 * unpooled shape, as MaxPool's Indices output numbers its input) says. The unpooled shape may be
 * smaller than Y (an output_shape that MaxPool's rounding lost): it fills Y's leading corner.
 * in X, I [same shape], output_shape (unread); out Y.
 * ints = {rank, unpooled dims[rank]}. An index outside the unpooled shape is HY_ERR_SHAPE. */
#include <string.h>

#include "hydra/kernel.h"

static size_t unpool_esize(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: return 2;
  case HY_DTYPE_DOUBLE: return 8;
  default: return 4;
  }
}

hy_status hy_kernel_maxunpool(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *y = &p->out[0];
  int32_t r = y->rank;
  if (p->n_ints < 1 + r || p->ints[0] != r || p->in[1].dtype != HY_DTYPE_INT64)
    return HY_ERR_INTERNAL;
  const int64_t *udims = p->ints + 1, *idx = in[1];
  int64_t total = 1;
  for (int32_t d = 0; d < r; d++)
    total *= udims[d];
  size_t es = unpool_esize(y->dtype);
  memset(out[0], 0, (size_t)hy_tdesc_numel(y) * es);
  int64_t n = hy_tdesc_numel(&p->in[0]);
  for (int64_t j = 0; j < n; j++) {
    int64_t v = idx[j];
    if (v < 0 || v >= total) return HY_ERR_SHAPE;
    int64_t off = 0, stride = 1; /* the same coordinates in Y's dims */
    for (int32_t d = r - 1; d >= 0; d--) {
      off += (v % udims[d]) * stride;
      v /= udims[d];
      stride *= y->dims[d];
    }
    memcpy((char *)out[0] + (size_t)off * es, (const char *)in[0] + (size_t)j * es, es);
  }
  return HY_OK;
}
