/* gathernd / scatternd: index tuples into the leading dims of data (GatherND, ScatterND).
 * in[1] holds the indices (int64, or int32), whose last dim m is the tuple length; a tuple picks
 * the slice data[b.., i_0, .., i_(m-1), ...] of the trailing dims. Negative indices count from the
 * end; any index outside [-d, d) is HY_ERR_SHAPE, found before anything is written.
 * gathernd: out[0] = the picked slices in tuple order.
 *   ints: [0] batch_dims b (the first b dims of data and indices run in step).
 * scatternd: out[0] = in[0] with the slices at the tuples replaced by (or combined with) those of
 * in[2], in tuple order.
 *   ints: [0] reduction (index_reduction below). */
#include "kernels/index_util.h"

/* The layout both kernels walk: batches of tuples, each tuple naming one slice. */
typedef struct nd_plan {
  int64_t batches, tuples, m, slice, batch_span; /* batch_span: data elements per batch */
  int64_t stride[HY_MAX_RANK], dim[HY_MAX_RANK]; /* per tuple component */
} nd_plan;

static bool nd_plan_of(const hy_tdesc *d, const hy_tdesc *id, int64_t b, nd_plan *pl) {
  if (id->rank < 1 || b < 0 || b >= id->rank || b >= d->rank) return false;
  pl->m = id->dims[id->rank - 1];
  if (pl->m < 0 || b + pl->m > d->rank) return false;
  pl->batches = 1, pl->tuples = 1, pl->slice = 1;
  for (int32_t k = 0; k < b; k++) pl->batches *= d->dims[k];
  for (int32_t k = (int32_t)b; k < id->rank - 1; k++) pl->tuples *= id->dims[k];
  for (int32_t k = (int32_t)(b + pl->m); k < d->rank; k++) pl->slice *= d->dims[k];
  int64_t s = pl->slice;
  for (int64_t j = pl->m - 1; j >= 0; j--) {
    pl->dim[j] = d->dims[b + j];
    pl->stride[j] = s;
    s *= pl->dim[j];
  }
  pl->batch_span = s;
  return true;
}

/* Data offset of tuple u (counting across batches); -1 when an index is out of range. */
static int64_t nd_offset(const nd_plan *pl, int32_t idx_dtype, const void *idx, int64_t u) {
  int64_t off = (u / (pl->tuples ? pl->tuples : 1)) * pl->batch_span;
  for (int64_t j = 0; j < pl->m; j++) {
    int64_t v = ix_index(idx_dtype, idx, u * pl->m + j), d = pl->dim[j];
    if (v < -d || v >= d) return -1;
    off += (v < 0 ? v + d : v) * pl->stride[j];
  }
  return off;
}

static bool nd_check(const nd_plan *pl, int32_t idx_dtype, const void *idx) {
  for (int64_t u = 0; u < pl->batches * pl->tuples; u++)
    if (nd_offset(pl, idx_dtype, idx, u) < 0) return false;
  return true;
}

hy_status hy_kernel_gathernd(const hy_kparams *p, const void *const *in, void *const *out,
                             void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  nd_plan pl;
  int64_t es = mv_elsize(p->in[0].dtype);
  int32_t it = p->in[1].dtype;
  if (p->n_ints < 1 || es <= 0 || (it != HY_DTYPE_INT64 && it != HY_DTYPE_INT32) ||
      !nd_plan_of(&p->in[0], &p->in[1], p->ints[0], &pl))
    return HY_ERR_INTERNAL;
  if (!nd_check(&pl, it, in[1])) return HY_ERR_SHAPE;
  for (int64_t u = 0; u < pl.batches * pl.tuples; u++)
    memcpy((char *)out[0] + u * pl.slice * es,
           (const char *)in[0] + nd_offset(&pl, it, in[1], u) * es, (size_t)(pl.slice * es));
  return HY_OK;
}

enum index_reduction { RED_NONE, RED_ADD, RED_MUL, RED_MAX, RED_MIN };

/* dst[i] = f(dst[i], src[i]) for a slice of n elements. */
#define COMBINE_TYPE(name, dt, ST, CT, WT)                                                         \
  static void combine_##name(int64_t red, ST *dst, const ST *src, int64_t n) {                     \
    for (int64_t i = 0; i < n; i++) {                                                              \
      CT a = ew_ld_##name(dst[i]), b = ew_ld_##name(src[i]);                                       \
      CT r = red == RED_ADD   ? (CT)((WT)a + (WT)b)                                                \
             : red == RED_MUL ? (CT)((WT)a * (WT)b)                                                \
             : red == RED_MAX ? (b > a ? b : a)                                                    \
                              : (b < a ? b : a);                                                   \
      dst[i] = ew_st_##name(r);                                                                    \
    }                                                                                              \
  }
IX_NUM_TYPES(COMBINE_TYPE)
#undef COMBINE_TYPE

static bool combine(int32_t dtype, int64_t red, void *dst, const void *src, int64_t n) {
  switch (dtype) {
#define COMBINE_CASE(name, dt, ST, CT, WT)                                                         \
  case dt: combine_##name(red, dst, src, n); return true;
    IX_NUM_TYPES(COMBINE_CASE)
#undef COMBINE_CASE
  default: return false;
  }
}

hy_status hy_kernel_scatternd(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  nd_plan pl;
  int64_t es = mv_elsize(p->in[0].dtype);
  int32_t it = p->in[1].dtype;
  if (p->n_ints < 1 || p->n_in < 3 || es <= 0 || (it != HY_DTYPE_INT64 && it != HY_DTYPE_INT32) ||
      !nd_plan_of(&p->in[0], &p->in[1], 0, &pl) ||
      hy_tdesc_numel(&p->in[2]) != pl.tuples * pl.slice)
    return HY_ERR_INTERNAL;
  int64_t red = p->ints[0];
  if (!nd_check(&pl, it, in[1])) return HY_ERR_SHAPE;
  if (out[0] != in[0]) memmove(out[0], in[0], (size_t)(hy_tdesc_numel(&p->in[0]) * es));
  for (int64_t u = 0; u < pl.tuples; u++) {
    char *dst = (char *)out[0] + nd_offset(&pl, it, in[1], u) * es;
    const char *src = (const char *)in[2] + u * pl.slice * es;
    if (red == RED_NONE)
      memcpy(dst, src, (size_t)(pl.slice * es));
    else if (!combine(p->in[0].dtype, red, dst, src, pl.slice))
      return HY_ERR_DTYPE;
  }
  return HY_OK;
}
