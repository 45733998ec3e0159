/* topk: the k largest (or smallest) elements of each [outer, n, inner] line of in[0], sorted best
 * first, equal values in index order (TopK): out[0] their values, out[1] (int64) their indices,
 * both [outer, k, inner] (when out[1] is omitted, the indices go to scratch, outer * k * inner
 * int64s). NaN counts as larger than any number. Each line keeps its best indices
 * sorted in out[1] while it is scanned (binary search, then a shift), so no scratch is needed.
 * With a run-time K (input 1), k is that value, checked against n (HY_ERR_SHAPE outside
 * [0, n]); both outputs are [outer, K, inner] dense at the start of their bound's buffers, and K
 * goes to the extent slot out[p->n_out] (kernel.h).
 *   ints: [0] outer, [1] n, [2] inner, [3] k (0 <= k <= n; with a run-time K its bound, n),
 *         [4] largest, [5] 1: K is read from in[1] at run time. */
#include "kernels/index_util.h"

/* a strictly before b in the order of the result (larger first when largest) */
#define TOPK_GT(a, b) ((a) > (b) || ((a) != (a) && (b) == (b)))
#define TOPK_BEFORE(a, b, largest) ((largest) ? TOPK_GT(a, b) : TOPK_GT(b, a))

#define TOPK_TYPE(name, dt, ST, CT, WT)                                                            \
  static void topk_##name(const hy_kparams *p, int64_t k, const ST *x, ST *y, int64_t *idx) {     \
    int64_t outer = p->ints[0], n = p->ints[1], inner = p->ints[2];                               \
    bool largest = p->ints[4];                                                                     \
    for (int64_t o = 0; o < outer; o++)                                                            \
      for (int64_t i = 0; i < inner; i++) {                                                        \
        const ST *line = x + o * n * inner + i;                                                    \
        int64_t *best = idx + o * k * inner + i, cnt = 0;                                          \
        for (int64_t s = 0; s < n; s++) {                                                          \
          CT v = ew_ld_##name(line[s * inner]);                                                    \
          /* first slot whose element v beats; earlier equal ones stay ahead */                    \
          int64_t lo = 0, hi = cnt;                                                                \
          while (lo < hi) {                                                                        \
            int64_t mid = lo + (hi - lo) / 2;                                                      \
            CT m = ew_ld_##name(line[best[mid * inner] * inner]);                                  \
            if (TOPK_BEFORE(v, m, largest))                                                        \
              hi = mid;                                                                            \
            else                                                                                   \
              lo = mid + 1;                                                                        \
          }                                                                                        \
          if (lo >= k) continue;                                                                   \
          if (cnt < k) cnt++;                                                                      \
          for (int64_t q = cnt - 1; q > lo; q--) best[q * inner] = best[(q - 1) * inner];          \
          best[lo * inner] = s;                                                                    \
        }                                                                                          \
        ST *vals = y ? y + o * k * inner + i : NULL;                                               \
        for (int64_t q = 0; vals && q < k; q++) vals[q * inner] = line[best[q * inner] * inner];   \
      }                                                                                            \
  }
IX_NUM_TYPES(TOPK_TYPE)
#undef TOPK_TYPE

hy_status hy_kernel_topk(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 6 || p->n_out < 2 || p->ints[3] < 0 || p->ints[3] > p->ints[1] ||
      p->ints[0] * p->ints[1] * p->ints[2] != hy_tdesc_numel(&p->in[0]))
    return HY_ERR_INTERNAL;
  int64_t *idx = out[1] ? out[1] : scratch, k = p->ints[3];
  if (!idx) return HY_ERR_INTERNAL;
  if (p->ints[5]) {
    if (p->n_in < 2 || !in[1]) return HY_ERR_INTERNAL;
    k = *(const int64_t *)in[1];
    if (k < 0 || k > p->ints[1]) return HY_ERR_SHAPE;
    *(int64_t *)out[p->n_out] = k;
  }
  switch (p->in[0].dtype) {
#define TOPK_CASE(name, dt, ST, CT, WT)                                                            \
  case dt: topk_##name(p, k, in[0], out[0], idx); return HY_OK;
    IX_NUM_TYPES(TOPK_CASE)
#undef TOPK_CASE
  default: return HY_ERR_DTYPE;
  }
}
