/* cumsum: out[0] = the running sum (or product) of in[0] along one axis (CumSum, CumProd), each
 * [outer, n, inner] line in order or in reverse, inclusive or exclusive (the first output of an
 * exclusive scan is 0, or 1 for a product). Sums run in the element type (float for float16 and
 * bfloat16), integer ones wrapping.
 *   ints: [0] outer, [1] n, [2] inner, [3] exclusive, [4] reverse, [5] 1 for a product. */
#include "kernels/index_util.h"

#define SCAN_TYPE(name, dt, ST, CT, WT)                                                            \
  static void scan_##name(const hy_kparams *p, const ST *x, ST *y) {                               \
    int64_t outer = p->ints[0], n = p->ints[1], inner = p->ints[2];                                \
    bool excl = p->ints[3], rev = p->ints[4], prod = p->ints[5];                                   \
    for (int64_t o = 0; o < outer; o++)                                                            \
      for (int64_t i = 0; i < inner; i++) {                                                        \
        CT acc = prod ? (CT)1 : (CT)0;                                                             \
        for (int64_t s = 0; s < n; s++) {                                                          \
          int64_t at = o * n * inner + (rev ? n - 1 - s : s) * inner + i;                          \
          CT v = ew_ld_##name(x[at]); /* read first: y may be x */                                 \
          CT next = prod ? (CT)((WT)acc * (WT)v) : (CT)((WT)acc + (WT)v);                          \
          y[at] = ew_st_##name(excl ? acc : next);                                                 \
          acc = next;                                                                              \
        }                                                                                          \
      }                                                                                            \
  }
IX_NUM_TYPES(SCAN_TYPE)
#undef SCAN_TYPE

hy_status hy_kernel_cumsum(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 6 || p->ints[0] * p->ints[1] * p->ints[2] != hy_tdesc_numel(&p->in[0]))
    return HY_ERR_INTERNAL;
  switch (p->in[0].dtype) {
#define SCAN_CASE(name, dt, ST, CT, WT)                                                            \
  case dt: scan_##name(p, in[0], out[0]); return HY_OK;
    IX_NUM_TYPES(SCAN_CASE)
#undef SCAN_CASE
  default: return HY_ERR_DTYPE;
  }
}
