/* reduce: the Reduce* family (and GlobalAveragePool / GlobalMaxPool, which reduce the spatial
 * dims). ints = {op (hy_reduce_op, in kernels_nn.def), mask (bit i: input dim i is reduced)}.
 * The output holds the kept dims in order (keepdims changes its shape, not its layout). Dims
 * are coalesced first, so a reduction over trailing contiguous dims becomes a row loop. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/nn_util.h"
#include "kernels/parallel.h"

typedef struct reduce_job {
  const void *x;
  void *y;
  int op;
  int32_t nk, nr;                           /* coalesced kept / reduced dims */
  int64_t ksize[HY_MAX_RANK], kstride[HY_MAX_RANK];
  int64_t rsize[HY_MAX_RANK], rstride[HY_MAX_RANK];
  int64_t count; /* reduced elements per output */
} reduce_job;

/* Splits the input dims into kept and reduced groups, merging neighbours of the same kind and
 * dropping size-1 dims; strides are in elements of the input. */
static void reduce_plan(const hy_tdesc *t, uint64_t mask, reduce_job *j) {
  int64_t stride = 1;
  int last = -1; /* kind of the most recently added group (coalescing runs right to left) */
  j->nk = j->nr = 0;
  j->count = 1;
  for (int32_t i = t->rank - 1; i >= 0; i--) {
    int64_t d = t->dims[i];
    int red = (int)((mask >> i) & 1);
    if (red) j->count *= d;
    if (d == 1) continue;
    int64_t *sz = red ? j->rsize : j->ksize, *st = red ? j->rstride : j->kstride;
    int32_t *cnt = red ? &j->nr : &j->nk;
    if (last == red && sz[*cnt - 1] * st[*cnt - 1] == stride) {
      sz[*cnt - 1] *= d;
    } else {
      sz[*cnt] = d;
      st[*cnt] = stride;
      (*cnt)++;
    }
    last = red;
    stride *= d;
  }
}

/* Offset of the r-th element of the reduced set (groups are stored innermost first). */
static inline int64_t reduce_offset(const reduce_job *j, int64_t r) {
  if (j->nr == 1) return r * j->rstride[0];
  int64_t off = 0;
  for (int32_t k = 0; k < j->nr; k++) {
    off += (r % j->rsize[k]) * j->rstride[k];
    r /= j->rsize[k];
  }
  return off;
}

static inline int64_t reduce_base(const reduce_job *j, int64_t o) {
  int64_t off = 0;
  for (int32_t k = 0; k < j->nk; k++) {
    off += (o % j->ksize[k]) * j->kstride[k];
    o /= j->ksize[k];
  }
  return off;
}

/* Every element of output o's reduced set as v (type ACC), running STMT. */
#define REDUCE_EACH(ACC, LOAD, STMT)                                                               \
  for (int64_t r = 0; r < j->count; r++) {                                                         \
    ACC v = LOAD(x[base + reduce_offset(j, r)]);                                                   \
    STMT;                                                                                          \
  }

/* One output element of any dtype; ACC is the compute type. Max and Min of an empty set are LO
 * and HI (-inf / +inf, or the type's extremes; bool: false / true). */
#define REDUCE_GENERIC(SFX, T, ACC, LOAD, STORE, ABS, LO, HI)                                      \
  static ACC reduce_one_##SFX(const reduce_job *j, int64_t base) {                                 \
    const T *x = j->x;                                                                             \
    ACC acc = 0;                                                                                   \
    switch (j->op) {                                                                               \
    case HY_REDUCE_SUM:                                                                            \
    case HY_REDUCE_MEAN:                                                                           \
    case HY_REDUCE_LOGSUM: REDUCE_EACH(ACC, LOAD, acc += v) break;                                 \
    case HY_REDUCE_L1: REDUCE_EACH(ACC, LOAD, acc += ABS(v)) break;                                \
    case HY_REDUCE_L2:                                                                             \
    case HY_REDUCE_SUMSQ: REDUCE_EACH(ACC, LOAD, acc += v * v) break;                              \
    case HY_REDUCE_PROD:                                                                           \
      acc = 1;                                                                                     \
      REDUCE_EACH(ACC, LOAD, acc *= v) break;                                                      \
    case HY_REDUCE_MAX:                                                                            \
      acc = LO;                                                                                    \
      REDUCE_EACH(ACC, LOAD, if (r == 0 || v > acc) acc = v) break;                                \
    case HY_REDUCE_MIN:                                                                            \
      acc = HI;                                                                                    \
      REDUCE_EACH(ACC, LOAD, if (r == 0 || v < acc) acc = v) break;                                \
    case HY_REDUCE_LOGSUMEXP: {                                                                    \
      ACC m = 0;                                                                                   \
      REDUCE_EACH(ACC, LOAD, if (r == 0 || v > m) m = v)                                           \
      double s = 0;                                                                                \
      REDUCE_EACH(ACC, LOAD, s += exp((double)v - (double)m))                                      \
      return (ACC)((double)m + log(s));                                                            \
    }                                                                                              \
    }                                                                                              \
    switch (j->op) {                                                                               \
    case HY_REDUCE_MEAN: return j->count ? (ACC)(acc / (ACC)j->count) : acc;                       \
    case HY_REDUCE_L2: return (ACC)sqrt((double)acc);                                              \
    case HY_REDUCE_LOGSUM: return (ACC)log((double)acc);                                           \
    default: return acc;                                                                           \
    }                                                                                              \
  }                                                                                                \
  static void reduce_outs_##SFX(void *arg, int64_t begin, int64_t end) {                           \
    const reduce_job *j = arg;                                                                     \
    for (int64_t o = begin; o < end; o++)                                                          \
      ((T *)j->y)[o] = STORE(reduce_one_##SFX(j, reduce_base(j, o)));                              \
  }

#define NN_ID(x) (x)
#define NN_IABS(x) ((x) < 0 ? -(x) : (x))
REDUCE_GENERIC(f32, float, float, NN_ID, NN_ID, fabsf, -INFINITY, INFINITY)
REDUCE_GENERIC(f64, double, double, NN_ID, NN_ID, fabs, -INFINITY, INFINITY)
REDUCE_GENERIC(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16, fabsf, -INFINITY, INFINITY)
REDUCE_GENERIC(bf16, uint16_t, float, hy_k_bf16_to_f32, hy_k_f32_to_bf16, fabsf, -INFINITY,
               INFINITY)
REDUCE_GENERIC(i32, int32_t, int64_t, NN_ID, (int32_t), NN_IABS, INT32_MIN, INT32_MAX)
REDUCE_GENERIC(i64, int64_t, int64_t, NN_ID, NN_ID, NN_IABS, INT64_MIN, INT64_MAX)
REDUCE_GENERIC(u32, uint32_t, uint64_t, NN_ID, (uint32_t), NN_ID, 0, UINT32_MAX)
REDUCE_GENERIC(u64, uint64_t, uint64_t, NN_ID, NN_ID, NN_ID, 0, UINT64_MAX)
REDUCE_GENERIC(i8, int8_t, int64_t, NN_ID, (int8_t), NN_IABS, INT8_MIN, INT8_MAX)
REDUCE_GENERIC(u8, uint8_t, uint64_t, NN_ID, (uint8_t), NN_ID, 0, UINT8_MAX)
/* bool (ReduceMax/Min-20 only: the hook refuses it for the others): false < true */
REDUCE_GENERIC(b8, uint8_t, uint64_t, NN_ID, (uint8_t), NN_ID, 0, 1)

/* float32 sum/mean/max over contiguous rows: the case transformers produce, vectorised. */
static void reduce_rows_f32(void *arg, int64_t begin, int64_t end) {
  const reduce_job *j = arg;
  int64_t n = j->count;
  for (int64_t o = begin; o < end; o++) {
    const float *x = (const float *)j->x + o * n;
    float r = j->op == HY_REDUCE_MAX ? nn_row_max(x, n) : nn_row_sum(x, n);
    ((float *)j->y)[o] = j->op == HY_REDUCE_MEAN ? r / (float)n : r;
  }
}

/* One strided reduced dim with the kept dims around it contiguous: x is [outer, R, inner] and y
 * [outer, inner] (mixture-of-experts gates: ReduceSum over the expert axis). */
static bool reduce_is_middle(const reduce_job *j) {
  if (j->nr != 1 || j->nk < 1 || j->nk > 2 || j->kstride[0] != 1 || j->count < 1) return false;
  if (j->rstride[0] != j->ksize[0]) return false;
  return j->nk == 1 || j->kstride[1] == j->ksize[0] * j->rsize[0];
}

/* float32 sum/mean/max of such a layout, outer rows [begin, end): whole inner rows are combined
 * (vectorised) instead of gathering R strided elements per output. Same order and comparisons
 * as reduce_outs_f32, so the same results. */
static void reduce_middle_f32(void *arg, int64_t begin, int64_t end) {
  const reduce_job *j = arg;
  int64_t inner = j->ksize[0], R = j->rsize[0];
  for (int64_t o = begin; o < end; o++) {
    const float *x = (const float *)j->x + o * R * inner;
    float *y = (float *)j->y + o * inner;
    for (int64_t i = 0; i < inner; i++) y[i] = x[i];
    for (int64_t r = 1; r < R; r++) {
      const float *xr = x + r * inner;
      if (j->op == HY_REDUCE_MAX)
        for (int64_t i = 0; i < inner; i++) y[i] = xr[i] > y[i] ? xr[i] : y[i];
      else
        for (int64_t i = 0; i < inner; i++) y[i] += xr[i];
    }
    if (j->op == HY_REDUCE_MEAN)
      for (int64_t i = 0; i < inner; i++) y[i] = y[i] / (float)R;
  }
}

static hy_range_fn reduce_fn(int32_t dtype) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: return reduce_outs_f32;
  case HY_DTYPE_DOUBLE: return reduce_outs_f64;
  case HY_DTYPE_FLOAT16: return reduce_outs_f16;
  case HY_DTYPE_BFLOAT16: return reduce_outs_bf16;
  case HY_DTYPE_INT32: return reduce_outs_i32;
  case HY_DTYPE_INT64: return reduce_outs_i64;
  case HY_DTYPE_UINT32: return reduce_outs_u32;
  case HY_DTYPE_UINT64: return reduce_outs_u64;
  case HY_DTYPE_INT8: return reduce_outs_i8;
  case HY_DTYPE_UINT8: return reduce_outs_u8;
  case HY_DTYPE_BOOL: return reduce_outs_b8;
  default: return 0;
  }
}

hy_status hy_kernel_reduce(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints < 2 || p->ints[0] < 0 || p->ints[0] >= HY_REDUCE_NOPS) return HY_ERR_INTERNAL;
  reduce_job j = {.x = in[0], .y = out[0], .op = (int)p->ints[0]};
  reduce_plan(&p->in[0], (uint64_t)p->ints[1], &j);
  int64_t n_out = hy_tdesc_numel(&p->out[0]);
  hy_range_fn fn = reduce_fn(p->in[0].dtype);
  if (!fn) return HY_ERR_DTYPE;
  bool vec_op = j.op == HY_REDUCE_SUM || j.op == HY_REDUCE_MEAN || j.op == HY_REDUCE_MAX;
  bool rows = p->in[0].dtype == HY_DTYPE_FLOAT && j.count > 0 && j.nr == 1 &&
              j.rstride[0] == 1 && vec_op;
  int64_t work = hy_tdesc_numel(&p->in[0]) + n_out;
  if (!rows && p->in[0].dtype == HY_DTYPE_FLOAT && vec_op && reduce_is_middle(&j)) {
    hy_parallel_for_work(ex, n_out / j.ksize[0], work, reduce_middle_f32, &j);
    return HY_OK;
  }
  hy_parallel_for_work(ex, n_out, work, rows ? reduce_rows_f32 : fn, &j);
  return HY_OK;
}
