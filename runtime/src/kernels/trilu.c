/* trilu: out[0] = in[0] with the elements above (upper 0) or below (upper 1) diagonal k of each
 * trailing matrix set to zero (Trilu). k comes from in[1] (an int64 scalar) when present, else
 * 0, so a run-time k works too. Zero is all-zero bytes in every dtype.
 *   ints: [0] upper (0: keep j <= i + k, 1: keep j >= i + k).
 * eyelike: out[0], a [rows, cols] matrix, is 1 on diagonal k and 0 elsewhere (EyeLike).
 *   ints: [0] k. */
#include "kernels/index_util.h"

hy_status hy_kernel_trilu(const hy_kparams *p, const void *const *in, void *const *out,
                          void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *t = &p->in[0];
  int64_t es = mv_elsize(t->dtype);
  if (p->n_ints < 1 || es <= 0 || t->rank < 2) return HY_ERR_INTERNAL;
  int64_t rows = t->dims[t->rank - 2], cols = t->dims[t->rank - 1];
  int64_t k = p->n_in > 1 && in[1] ? ((const int64_t *)in[1])[0] : 0;
  if (rows == 0 || cols == 0) return HY_OK;
  int64_t batch = hy_tdesc_numel(t) / (rows * cols);
  /* beyond rows + cols every row is kept whole or zeroed whole; clamping keeps i + k exact */
  if (k > rows + cols) k = rows + cols;
  if (k < -(rows + cols)) k = -(rows + cols);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t i = 0; i < rows; i++) {
      const char *src = (const char *)in[0] + ((b * rows + i) * cols) * es;
      char *dst = (char *)out[0] + ((b * rows + i) * cols) * es;
      int64_t edge = i + k + (p->ints[0] ? 0 : 1); /* first column past the lower part */
      edge = edge < 0 ? 0 : edge > cols ? cols : edge;
      int64_t keep_at = p->ints[0] ? edge : 0, keep_n = p->ints[0] ? cols - edge : edge;
      if (dst != src) memmove(dst + keep_at * es, src + keep_at * es, (size_t)(keep_n * es));
      if (p->ints[0])
        memset(dst, 0, (size_t)(edge * es));
      else
        memset(dst + edge * es, 0, (size_t)((cols - edge) * es));
    }
  return HY_OK;
}

/* Writes the value 1 of dtype at dst; false for a dtype without one. */
static bool store_one(int32_t dtype, void *dst) {
  switch (dtype) {
#define ONE_CASE(name, dt, ST, CT, WT)                                                             \
  case dt: {                                                                                       \
    ST v = ew_st_##name((CT)1);                                                                    \
    memcpy(dst, &v, sizeof v);                                                                     \
    return true;                                                                                   \
  }
    IX_NUM_TYPES(ONE_CASE)
#undef ONE_CASE
  case HY_DTYPE_BOOL: *(uint8_t *)dst = 1; return true;
  default: return false;
  }
}

hy_status hy_kernel_eyelike(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)in, (void)scratch, (void)ex;
  const hy_tdesc *t = &p->out[0];
  int64_t es = mv_elsize(t->dtype);
  if (p->n_ints < 1 || es <= 0 || t->rank != 2) return HY_ERR_INTERNAL;
  int64_t rows = t->dims[0], cols = t->dims[1], k = p->ints[0];
  memset(out[0], 0, (size_t)(rows * cols * es));
  for (int64_t i = 0; i < rows; i++) {
    /* column i + k, in range: k is bounded by the caller's int64 but i + k must not overflow */
    if (k >= cols || k <= -rows) break;
    int64_t j = i + k;
    if (j < 0) continue;
    if (j >= cols) break;
    if (!store_one(t->dtype, (char *)out[0] + (i * cols + j) * es)) return HY_ERR_DTYPE;
  }
  return HY_OK;
}
