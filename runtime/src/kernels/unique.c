/* unique: the distinct items of in[0] (Unique): its elements, or with an axis its slices along
 * it, items compared lexicographically in row-major order with NaN after every number and equal
 * to NaN. out[0] the U distinct items (sorted ascending, or in order of first occurrence),
 * [outer, U, inner] dense; out[1] (int64 [U]) each one's first index; out[2] (int64 [n]) each
 * item's position in out[0]; out[3] (int64 [U]) how often each occurs. Any may be omitted. U goes
 * to the extent slot out[p->n_out] (kernel.h), which exists unless only out[2] (static) is kept.
 *   ints: [0] outer, [1] n (items), [2] inner, [3] sorted, [4] element bytes, [5] 1: report U.
 *   scratch: 6 * n int64s. */
#include "kernels/index_util.h"
#include "kernels/sort_util.h"

#define UQ_TYPES(X) IX_NUM_TYPES(X) EW_BOOL_TYPES(X)

typedef struct uq_ctx {
  const void *x;
  int64_t outer, n, inner;
  int32_t dtype;
} uq_ctx;

#define UQ_CMP(name, dt, ST, CT, WT)                                                               \
  static inline int uq_cmp_##name(const uq_ctx *c, int64_t a, int64_t b) {                         \
    const ST *x = c->x;                                                                            \
    for (int64_t o = 0; o < c->outer; o++)                                                         \
      for (int64_t i = 0; i < c->inner; i++) {                                                     \
        CT u = ew_ld_##name(x[(o * c->n + a) * c->inner + i]);                                     \
        CT v = ew_ld_##name(x[(o * c->n + b) * c->inner + i]);                                     \
        bool un = u != u, vn = v != v;                                                             \
        if (un || vn) {                                                                            \
          if (un != vn) return un ? 1 : -1;                                                        \
        } else if (u != v) {                                                                       \
          return u < v ? -1 : 1;                                                                   \
        }                                                                                          \
      }                                                                                            \
    return 0;                                                                                      \
  }
UQ_TYPES(UQ_CMP)
#undef UQ_CMP

static inline int uq_cmp(const uq_ctx *c, int64_t a, int64_t b) {
  switch (c->dtype) {
#define UQ_CASE(name, dt, ST, CT, WT)                                                              \
  case dt: return uq_cmp_##name(c, a, b);
    UQ_TYPES(UQ_CASE)
#undef UQ_CASE
  default: return 0;
  }
}

static bool uq_before(const void *ctx, int64_t a, int64_t b) { return uq_cmp(ctx, a, b) < 0; }

static bool uq_dtype_ok(int32_t dt) {
  switch (dt) {
#define UQ_OK(name, dt_, ST, CT, WT)                                                               \
  case dt_: return true;
    UQ_TYPES(UQ_OK)
#undef UQ_OK
  default: return false;
  }
}

hy_status hy_kernel_unique(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)ex;
  if (p->n_ints < 6 || p->n_out < 1 || p->n_out > 4) return HY_ERR_INTERNAL;
  uq_ctx c = {in[0], p->ints[0], p->ints[1], p->ints[2], p->in[0].dtype};
  int64_t n = c.n, es = p->ints[4];
  if (c.outer * n * c.inner != hy_tdesc_numel(&p->in[0]) || es <= 0 || (n > 0 && !scratch))
    return HY_ERR_INTERNAL;
  if (!uq_dtype_ok(c.dtype)) return HY_ERR_DTYPE;
  int64_t *perm = scratch, *tmp = perm + n, *grp = tmp + n, *first = grp + n, *cnt = first + n,
          *rank = cnt + n;
  for (int64_t i = 0; i < n; i++)
    perm[i] = i;
  hy_k_sort_indices(perm, tmp, n, uq_before, &c);
  int64_t u = 0;
  for (int64_t q = 0; q < n; q++) {
    if (q == 0 || uq_cmp(&c, perm[q - 1], perm[q]) != 0) { /* stable: the smallest index first */
      first[u] = perm[q];
      cnt[u++] = 0;
    }
    grp[perm[q]] = u - 1;
    cnt[u - 1]++;
  }
  bool sorted = p->ints[3] != 0;
  for (int64_t g = 0; g < u; g++)
    rank[g] = sorted ? g : -1;
  for (int64_t i = 0, next = 0; !sorted && i < n; i++)
    if (rank[grp[i]] < 0) rank[grp[i]] = next++;
  uint8_t *y = out[0];
  int64_t *first_out = p->n_out > 1 ? out[1] : NULL, *inverse = p->n_out > 2 ? out[2] : NULL,
          *counts = p->n_out > 3 ? out[3] : NULL;
  size_t row = (size_t)(c.inner * es);
  const uint8_t *x = in[0];
  for (int64_t g = 0; g < u; g++) {
    int64_t r = rank[g];
    for (int64_t o = 0; y && o < c.outer; o++)
      memcpy(y + (size_t)(o * u + r) * row, x + (size_t)(o * n + first[g]) * row, row);
    if (first_out) first_out[r] = first[g];
    if (counts) counts[r] = cnt[g];
  }
  for (int64_t i = 0; inverse && i < n; i++)
    inverse[i] = rank[grp[i]];
  if (p->ints[5]) *(int64_t *)out[p->n_out] = u;
  return HY_OK;
}
