/* argmax: out[0] (int64) = the index along the axis of the largest (or smallest) element of each
 * [outer, n, inner] line (ArgMax, ArgMin). Ties go to the first index, or to the last with
 * select_last; a NaN counts as larger and smaller than any number (numpy's rule: the first NaN
 * wins).
 *   ints: [0] outer, [1] n (> 0), [2] inner, [3] 1 for the smallest, [4] select_last.
 * hardmax: out[0] has in[0]'s type and shape, 1 at the first largest element of each line and 0
 * elsewhere (Hardmax).
 *   ints: [0] outer, [1] n, [2] inner (opsets before 13 pass the flattened [outer, n] view). */
#include "kernels/index_util.h"

typedef struct arg_job {
  const void *x;
  int64_t outer, n, inner;
  bool min, last;
} arg_job;

/* The winning index of the line starting at base (element offsets, stride inner). */
#define ARG_LINE(name, dt, ST, CT, WT)                                                             \
  static int64_t arg_line_##name(const arg_job *j, int64_t base) {                                \
    const ST *x = (const ST *)j->x + base;                                                         \
    CT best = ew_ld_##name(x[0]);                                                                  \
    int64_t at = 0;                                                                                \
    for (int64_t i = 1; i < j->n; i++) {                                                           \
      CT v = ew_ld_##name(x[i * j->inner]);                                                        \
      if (best != best) break; /* a NaN already won */                                             \
      bool win = v != v || (j->min ? (j->last ? v <= best : v < best)                              \
                                   : (j->last ? v >= best : v > best));                            \
      if (win) best = v, at = i;                                                                   \
    }                                                                                              \
    return at;                                                                                     \
  }
IX_NUM_TYPES(ARG_LINE)
#undef ARG_LINE

static bool arg_job_of(const hy_kparams *p, const void *x, arg_job *j) {
  if (p->n_ints < 3 || p->ints[1] <= 0) return false;
  *j = (arg_job){x, p->ints[0], p->ints[1], p->ints[2], p->n_ints > 3 && p->ints[3],
                 p->n_ints > 4 && p->ints[4]};
  return j->outer * j->n * j->inner == hy_tdesc_numel(&p->in[0]);
}

hy_status hy_kernel_argmax(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  arg_job j;
  if (!arg_job_of(p, in[0], &j) || p->out[0].dtype != HY_DTYPE_INT64) return HY_ERR_INTERNAL;
  int64_t *y = out[0];
  switch (p->in[0].dtype) {
#define ARG_CASE(name, dt, ST, CT, WT)                                                             \
  case dt:                                                                                         \
    for (int64_t o = 0; o < j.outer; o++)                                                          \
      for (int64_t i = 0; i < j.inner; i++)                                                        \
        y[o * j.inner + i] = arg_line_##name(&j, o * j.n * j.inner + i);                           \
    return HY_OK;
    IX_NUM_TYPES(ARG_CASE)
#undef ARG_CASE
  default: return HY_ERR_DTYPE;
  }
}

hy_status hy_kernel_hardmax(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  arg_job j;
  if (hy_tdesc_numel(&p->in[0]) == 0) return HY_OK; /* an empty axis included */
  if (!arg_job_of(p, in[0], &j)) return HY_ERR_INTERNAL;
  j.min = j.last = false;
  /* the winners are found before anything is written: out[0] may be in[0]'s buffer */
  switch (p->in[0].dtype) {
#define HARD_CASE(name, dt, ST, CT, WT)                                                            \
  case dt:                                                                                         \
    for (int64_t o = 0; o < j.outer; o++)                                                          \
      for (int64_t i = 0; i < j.inner; i++) {                                                      \
        int64_t base = o * j.n * j.inner + i, at = arg_line_##name(&j, base);                      \
        ST *y = (ST *)out[0] + base;                                                               \
        for (int64_t k = 0; k < j.n; k++) y[k * j.inner] = ew_st_##name((CT)(k == at));            \
      }                                                                                            \
    return HY_OK;
    IX_FLOAT_TYPES(HARD_CASE)
#undef HARD_CASE
  default: return HY_ERR_DTYPE;
  }
}
