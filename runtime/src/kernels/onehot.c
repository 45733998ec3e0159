/* onehot: out[0][o, d, i] = in[2][1] (on) where index in[0][o, i] (negative ones counting from
 * the end) equals d, else in[2][0] (off) (OneHot). Indices of any numeric type; one that is not
 * an integer in [-depth, depth) ([0, depth) before version 11) selects nothing, as the spec says.
 *   ints: [0] outer, [1] depth, [2] inner (the indices' dims before / from the one-hot axis),
 *         [3] 1 when negative indices count from the end. */
#include <math.h>

#include "kernels/index_util.h"

hy_status hy_kernel_onehot(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  int64_t es = mv_elsize(p->out[0].dtype);
  if (p->n_ints < 4 || p->n_in < 3 || es <= 0 || hy_tdesc_numel(&p->in[2]) != 2 ||
      p->ints[0] * p->ints[2] != hy_tdesc_numel(&p->in[0]))
    return HY_ERR_INTERNAL;
  int64_t outer = p->ints[0], depth = p->ints[1], inner = p->ints[2];
  const char *off = in[2], *on = (const char *)in[2] + es;
  char *y = out[0];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      double v = ew_load_f64(p->in[0].dtype, in[0], o * inner + i);
      if (v < 0 && p->ints[3]) v += (double)depth;
      int64_t hit = v >= 0 && v < (double)depth && floor(v) == v ? (int64_t)v : -1;
      for (int64_t d = 0; d < depth; d++)
        memcpy(y + ((o * depth + d) * inner + i) * es, d == hit ? on : off, (size_t)es);
    }
  return HY_OK;
}
