/* gather: out[0][o, j, i] = in[0][o, idx[j], i] (Gather). in[1] holds the indices, int32 or
 * int64, negative ones counting from the end; any index outside [-n, n) is HY_ERR_SHAPE.
 *   ints: [0] outer (product of data dims before axis), [1] n (data dim at axis),
 *         [2] inner (product of data dims after axis), [3] number of indices, [4] the axis (for
 *         the message a bad index gets). */
#include "kernel_util.h"
#include "movement.h"

typedef struct gather_job {
  const char *src;
  char *dst;
  const void *idx;
  int32_t idx_dtype;
  int64_t n, inner, n_idx, row_bytes;
} gather_job;

static int64_t raw_index(const void *idx, int32_t dtype, int64_t k) {
  return dtype == HY_DTYPE_INT32 ? ((const int32_t *)idx)[k] : ((const int64_t *)idx)[k];
}

static int64_t gather_index(const gather_job *j, int64_t k) {
  int64_t v = raw_index(j->idx, j->idx_dtype, k);
  return v < 0 ? v + j->n : v;
}

/* The fault every index kernel here reports: HY_ERR_SHAPE, naming the index and the axis. */
static hy_status index_fault(const hy_exec *ex, int64_t v, int64_t axis, int64_t n) {
  return hy_kernel_fail(ex, HY_ERR_SHAPE, "index %lld is out of range for axis %lld of size %lld",
                        (long long)v, (long long)axis, (long long)n);
}

/* Unit u copies one row of inner elements: outer coordinate u / n_idx, index u % n_idx. */
static void gather_range(void *arg, int64_t b, int64_t e) {
  const gather_job *j = arg;
  for (int64_t u = b; u < e; u++) {
    int64_t o = u / j->n_idx, k = gather_index(j, u % j->n_idx);
    memcpy(j->dst + u * j->row_bytes, j->src + (o * j->n + k) * j->row_bytes,
           (size_t)j->row_bytes);
  }
}

hy_status hy_kernel_gather(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  int64_t es = mv_elsize(p->out[0].dtype);
  if (p->n_ints < 5 || es <= 0) return HY_ERR_INTERNAL;
  int32_t it = p->in[1].dtype;
  if (it != HY_DTYPE_INT32 && it != HY_DTYPE_INT64) return HY_ERR_DTYPE;
  gather_job j = {in[0], out[0], in[1], it, p->ints[1], p->ints[2], p->ints[3], p->ints[2] * es};
  /* every index is checked before anything is written, so no read can leave the data */
  for (int64_t k = 0; k < j.n_idx; k++) {
    int64_t v = gather_index(&j, k);
    if (v < 0 || v >= j.n) return index_fault(ex, raw_index(j.idx, it, k), p->ints[4], j.n);
  }
  int64_t units = p->ints[0] * j.n_idx;
  mv_parallel(ex, units * j.row_bytes, units, gather_range, &j);
  return HY_OK;
}

/* ---- GatherElements / ScatterElements: one index per element along one axis ----
 *   ints: [0] axis, [1] scatter's reduction (0 none, 1 add, 2 mul, 3 max, 4 min; absent: none).
 *   Shapes from the descriptors: data in[0]; indices in[1] (same rank, int32 or int64); updates
 *   in[2] for scatter. Any index outside [-n, n) is HY_ERR_SHAPE. */

/* Offset in data (dims d) of indices element e (dims id) with its axis coordinate replaced by the
 * index; -1 when the index is out of range. */
static int64_t elements_offset(const hy_tdesc *d, const hy_tdesc *id, const void *idx,
                               int64_t axis, int64_t e) {
  int64_t off = 0, stride = 1, rest = e;
  int64_t v = raw_index(idx, id->dtype, e), n = d->dims[axis];
  if (v < -n || v >= n) return -1;
  if (v < 0) v += n;
  for (int32_t k = id->rank - 1; k >= 0; k--) {
    int64_t c = rest % id->dims[k];
    rest /= id->dims[k];
    off += (k == axis ? v : c) * stride;
    stride *= d->dims[k];
  }
  return off;
}

static hy_status elements_fault(const hy_kparams *p, const void *idx, int64_t e,
                                const hy_exec *ex) {
  int64_t axis = p->ints[0];
  return index_fault(ex, raw_index(idx, p->in[1].dtype, e), axis, p->in[0].dims[axis]);
}

static bool elements_ok(const hy_kparams *p) {
  int32_t it = p->in[1].dtype;
  return p->n_ints >= 1 && (it == HY_DTYPE_INT32 || it == HY_DTYPE_INT64) &&
         p->in[1].rank == p->in[0].rank && p->ints[0] >= 0 && p->ints[0] < p->in[0].rank &&
         mv_elsize(p->in[0].dtype) > 0;
}

hy_status hy_kernel_gather_elements(const hy_kparams *p, const void *const *in,
                                    void *const *out, void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (!elements_ok(p)) return HY_ERR_INTERNAL;
  int64_t es = mv_elsize(p->in[0].dtype), n = hy_tdesc_numel(&p->in[1]);
  for (int64_t e = 0; e < n; e++) {
    int64_t off = elements_offset(&p->in[0], &p->in[1], in[1], p->ints[0], e);
    if (off < 0) return elements_fault(p, in[1], e, ex);
    memcpy((char *)out[0] + e * es, (const char *)in[0] + off * es, (size_t)es);
  }
  return HY_OK;
}

enum { SCATTER_NONE, SCATTER_ADD, SCATTER_MUL, SCATTER_MAX, SCATTER_MIN };

#define SCATTER_COMBINE(T, dst, src, red)                                                          \
  do {                                                                                             \
    T a_, b_;                                                                                      \
    memcpy(&a_, dst, sizeof a_);                                                                   \
    memcpy(&b_, src, sizeof b_);                                                                   \
    a_ = (T)SCATTER_REDUCE(a_, b_, red);                                                           \
    memcpy(dst, &a_, sizeof a_);                                                                   \
  } while (0)

/* The reduction of a and b in their own type (the result is converted back to it). */
#define SCATTER_REDUCE(a, b, red)                                                                  \
  ((red) == SCATTER_ADD   ? (a) + (b)                                                              \
   : (red) == SCATTER_MUL ? (a) * (b)                                                              \
   : (red) == SCATTER_MAX ? ((b) > (a) ? (b) : (a))                                                \
                          : ((b) < (a) ? (b) : (a)))

/* dst = dst op src in dtype (add, mul, max, min); false for a dtype without arithmetic here. */
static bool scatter_combine(int32_t dtype, int64_t red, char *dst, const char *src) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: SCATTER_COMBINE(float, dst, src, red); return true;
  case HY_DTYPE_DOUBLE: SCATTER_COMBINE(double, dst, src, red); return true;
  case HY_DTYPE_INT8: SCATTER_COMBINE(int8_t, dst, src, red); return true;
  case HY_DTYPE_UINT8: SCATTER_COMBINE(uint8_t, dst, src, red); return true;
  case HY_DTYPE_INT16: SCATTER_COMBINE(int16_t, dst, src, red); return true;
  case HY_DTYPE_UINT16: SCATTER_COMBINE(uint16_t, dst, src, red); return true;
  case HY_DTYPE_INT32: SCATTER_COMBINE(int32_t, dst, src, red); return true;
  case HY_DTYPE_UINT32: SCATTER_COMBINE(uint32_t, dst, src, red); return true;
  case HY_DTYPE_INT64: SCATTER_COMBINE(int64_t, dst, src, red); return true;
  case HY_DTYPE_UINT64: SCATTER_COMBINE(uint64_t, dst, src, red); return true;
  case HY_DTYPE_FLOAT16: {
    uint16_t a, b;
    memcpy(&a, dst, 2), memcpy(&b, src, 2);
    float x = hy_k_f16_to_f32(a), y = hy_k_f16_to_f32(b);
    a = hy_k_f32_to_f16(SCATTER_REDUCE(x, y, red));
    memcpy(dst, &a, 2);
    return true;
  }
  default: return false;
  }
}

hy_status hy_kernel_scatter_elements(const hy_kparams *p, const void *const *in,
                                     void *const *out, void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (!elements_ok(p)) return HY_ERR_INTERNAL;
  int64_t es = mv_elsize(p->in[0].dtype), n = hy_tdesc_numel(&p->in[1]);
  /* indices are checked first so a bad one leaves the output untouched */
  for (int64_t e = 0; e < n; e++)
    if (elements_offset(&p->in[0], &p->in[1], in[1], p->ints[0], e) < 0)
      return elements_fault(p, in[1], e, ex);
  if (out[0] != in[0])
    memmove(out[0], in[0], (size_t)(hy_tdesc_numel(&p->in[0]) * es));
  int64_t red = p->n_ints > 1 ? p->ints[1] : SCATTER_NONE;
  for (int64_t e = 0; e < n; e++) {
    int64_t off = elements_offset(&p->in[0], &p->in[1], in[1], p->ints[0], e);
    char *dst = (char *)out[0] + off * es;
    const char *src = (const char *)in[2] + e * es;
    if (red == SCATTER_NONE)
      memcpy(dst, src, (size_t)es);
    else if (!scatter_combine(p->in[0].dtype, red, dst, src))
      return HY_ERR_DTYPE;
  }
  return HY_OK;
}
