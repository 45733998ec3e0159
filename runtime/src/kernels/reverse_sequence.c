/* reverse_sequence: out[0] = in[0] with, for each batch entry b, the first in[1][b] (int64) steps
 * along the time axis reversed and the rest copied (ReverseSequence). A length outside
 * [0, time steps] is HY_ERR_SHAPE, found before anything is written.
 *   ints: [0] batch_axis, [1] time_axis (distinct, in [0, rank)). */
#include "kernels/index_util.h"

hy_status hy_kernel_reverse_sequence(const hy_kparams *p, const void *const *in, void *const *out,
                                     void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *t = &p->in[0];
  int64_t es = mv_elsize(t->dtype);
  if (p->n_ints < 2 || p->n_in < 2 || es <= 0 || p->ints[0] < 0 || p->ints[0] >= t->rank ||
      p->ints[1] < 0 || p->ints[1] >= t->rank || p->ints[0] == p->ints[1] ||
      hy_tdesc_numel(&p->in[1]) != t->dims[p->ints[0]] || in[0] == out[0])
    return HY_ERR_INTERNAL;
  int64_t bstride = 1, tstride = 1;
  for (int32_t k = t->rank - 1; k > p->ints[0]; k--) bstride *= t->dims[k];
  for (int32_t k = t->rank - 1; k > p->ints[1]; k--) tstride *= t->dims[k];
  int64_t batch = t->dims[p->ints[0]], steps = t->dims[p->ints[1]], n = hy_tdesc_numel(t);
  const int64_t *lens = in[1];
  for (int64_t b = 0; b < batch; b++)
    if (lens[b] < 0 || lens[b] > steps) return HY_ERR_SHAPE;
  const char *x = in[0];
  char *y = out[0];
  for (int64_t e = 0; e < n; e++) {
    int64_t b = (e / bstride) % batch, s = (e / tstride) % steps, len = lens[b];
    int64_t from = s < len ? e + (len - 1 - 2 * s) * tstride : e;
    memcpy(y + e * es, x + from * es, (size_t)es);
  }
  return HY_OK;
}
