/* einsum: a general contraction (Einsum). The lowering names every distinct label of the
 * equation (letters and broadcast ellipsis dims), output labels first, summed labels after, and
 * gives each input's element stride per label (0 where the label is not in the input or the
 * input broadcasts it; a label repeated in one input adds its strides, which walks a diagonal):
 *   out[o..] = sum over the summed labels of prod_i in[i][sum_l idx_l * stride_il].
 * Floats accumulate in double, integers in wrapping 64-bit arithmetic.
 *   ints: [0] inputs n, [1] labels L, [2] output labels, [3 .. 3+L) label sizes,
 *         then n rows of L strides. */
#include "kernels/index_util.h"

#define ES_MAX_IN 16
#define ES_MAX_LABELS 64
#define ES_PARTS 8

typedef struct es_plan {
  int64_t n, labels, n_out;
  const int64_t *size, *stride; /* stride[i * labels + l] */
} es_plan;

typedef struct es_job {
  const es_plan *pl;
  const void *const *in;
  void *y;
} es_job;

/* One output element (labels [0, n_out) at idx) summed over the other labels; the innermost
 * summed label runs as a tight loop (a dot product for two inputs), the others as an odometer. */
#define ES_TYPE(name, dt, ST, CT, WT, ACC)                                                         \
  static ACC es_one_##name(const es_plan *pl, const void *const *in, int64_t *idx,                \
                           const int64_t *base) {                                                  \
    int64_t off[ES_MAX_IN], st[ES_MAX_IN], in_l = pl->labels - 1, len = 1;                         \
    ACC acc = 0;                                                                                   \
    for (int64_t l = pl->n_out; l < pl->labels; l++)                                               \
      if (pl->size[l] == 0) return acc;                                                            \
    if (in_l >= pl->n_out)                                                                         \
      len = pl->size[in_l];                                                                        \
    else                                                                                           \
      in_l = pl->labels; /* nothing is summed */                                                   \
    for (int64_t i = 0; i < pl->n; i++) {                                                          \
      off[i] = base[i];                                                                            \
      st[i] = in_l < pl->labels ? pl->stride[i * pl->labels + in_l] : 0;                           \
    }                                                                                              \
    const ST *a = in[0], *b = pl->n > 1 ? in[1] : in[0];                                           \
    for (;;) {                                                                                     \
      if (pl->n == 2) { /* ES_PARTS partial sums: independent chains the compiler can widen */   \
        ACC part[ES_PARTS] = {0};                                                                  \
        int64_t k = 0;                                                                             \
        for (; k + ES_PARTS <= len; k += ES_PARTS)                                                 \
          for (int64_t q = 0; q < ES_PARTS; q++)                                                   \
            part[q] = (ACC)(part[q] + (ACC)ew_ld_##name(a[off[0] + (k + q) * st[0]]) *             \
                                          (ACC)ew_ld_##name(b[off[1] + (k + q) * st[1]]));         \
        for (; k < len; k++)                                                                       \
          part[0] = (ACC)(part[0] + (ACC)ew_ld_##name(a[off[0] + k * st[0]]) *                     \
                                        (ACC)ew_ld_##name(b[off[1] + k * st[1]]));                 \
        for (int64_t q = 0; q < ES_PARTS; q++) acc = (ACC)(acc + part[q]);                         \
      } else {                                                                                     \
        for (int64_t k = 0; k < len; k++) {                                                        \
          ACC term = 1;                                                                            \
          for (int64_t i = 0; i < pl->n; i++)                                                      \
            term = (ACC)(term * (ACC)ew_ld_##name(((const ST *)in[i])[off[i] + k * st[i]]));      \
          acc = (ACC)(acc + term);                                                                 \
        }                                                                                          \
      }                                                                                            \
      int64_t l = in_l - 1; /* odometer over the other summed labels */                            \
      for (; l >= pl->n_out; l--) {                                                                \
        for (int64_t i = 0; i < pl->n; i++) off[i] += pl->stride[i * pl->labels + l];             \
        if (++idx[l] < pl->size[l]) break;                                                         \
        for (int64_t i = 0; i < pl->n; i++) off[i] -= pl->stride[i * pl->labels + l] * idx[l];    \
        idx[l] = 0;                                                                                \
      }                                                                                            \
      if (l < pl->n_out) return acc;                                                               \
    }                                                                                              \
  }                                                                                                \
  /* Output elements [begin, end). */                                                              \
  static void es_range_##name(void *arg, int64_t begin, int64_t end) {                             \
    const es_job *j = arg;                                                                         \
    const es_plan *pl = j->pl;                                                                     \
    int64_t idx[ES_MAX_LABELS] = {0}, base[ES_MAX_IN] = {0}, rest = begin;                         \
    for (int64_t l = pl->n_out - 1; l >= 0; l--) {                                                 \
      idx[l] = rest % pl->size[l];                                                                 \
      rest /= pl->size[l];                                                                         \
      for (int64_t i = 0; i < pl->n; i++) base[i] += idx[l] * pl->stride[i * pl->labels + l];     \
    }                                                                                              \
    for (int64_t o = begin; o < end; o++) {                                                        \
      ((ST *)j->y)[o] = ew_st_##name((CT)es_one_##name(pl, j->in, idx, base));                     \
      for (int64_t l = pl->n_out - 1; l >= 0; l--) { /* odometer over the output labels */       \
        for (int64_t i = 0; i < pl->n; i++) base[i] += pl->stride[i * pl->labels + l];            \
        if (++idx[l] < pl->size[l]) break;                                                         \
        for (int64_t i = 0; i < pl->n; i++) base[i] -= pl->stride[i * pl->labels + l] * idx[l];  \
        idx[l] = 0;                                                                                \
      }                                                                                            \
    }                                                                                              \
  }
#define ES_FLOAT(name, dt, ST, CT, WT) ES_TYPE(name, dt, ST, CT, WT, double)
#define ES_INT(name, dt, ST, CT, WT) ES_TYPE(name, dt, ST, CT, WT, uint64_t)
IX_FLOAT_TYPES(ES_FLOAT)
IX_INT_TYPES(ES_INT)
#undef ES_FLOAT
#undef ES_INT
#undef ES_TYPE

hy_status hy_kernel_einsum(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 3) return HY_ERR_INTERNAL;
  es_plan pl = {p->ints[0], p->ints[1], p->ints[2], p->ints + 3, p->ints + 3 + p->ints[1]};
  if (pl.n != p->n_in || pl.n < 1 || pl.n > ES_MAX_IN || pl.labels > ES_MAX_LABELS ||
      pl.n_out < 0 || pl.n_out > pl.labels || p->n_ints != 3 + pl.labels * (1 + pl.n))
    return HY_ERR_INTERNAL;
  /* the largest offset each input can reach must lie inside it */
  for (int64_t i = 0; i < pl.n; i++) {
    int64_t last = 0;
    bool empty = false;
    for (int64_t l = 0; l < pl.labels; l++) {
      empty = empty || pl.size[l] == 0;
      last += (pl.size[l] - 1) * pl.stride[i * pl.labels + l];
    }
    if (p->in[i].dtype != p->out[0].dtype) return HY_ERR_INTERNAL;
    if (!empty && (last < 0 || last >= hy_tdesc_numel(&p->in[i]))) return HY_ERR_INTERNAL;
  }
  es_job j = {&pl, in, out[0]};
  int64_t count = hy_tdesc_numel(&p->out[0]), work = count;
  for (int64_t l = pl.n_out; l < pl.labels; l++) work *= pl.size[l];
  if (count == 0) return HY_OK;
  switch (p->out[0].dtype) {
#define ES_CASE(name, dt, ST, CT, WT)                                                              \
  case dt:                                                                                         \
    if (work < (1 << 16))                                                                          \
      es_range_##name(&j, 0, count);                                                               \
    else                                                                                           \
      hy_parallel_for(ex, count, es_range_##name, &j);                                             \
    return HY_OK;
    IX_NUM_TYPES(ES_CASE)
#undef ES_CASE
  default: return HY_ERR_DTYPE;
  }
}
