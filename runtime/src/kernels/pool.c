/* Pooling kernels: maxpool (MaxPool, with the optional Indices output), avgpool (AveragePool)
 * and lppool (LpPool: the p-norm of the window, padding counting as zeros). Input
 * [N, C, s0, s1, s2] with 1 to 3 spatial dims; the lowering pads the spatial attributes to three
 * dims with leading 1s, so one 3-deep loop serves 1-D, 2-D and 3-D.
 * ints = {kernel[3], strides[3], pads_begin[3], dilations[3], in[3], out[3],
 *         count_include_pad, storage_order, pads_end[3]}, then for lppool {p}. */
#include <math.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

enum { POOL_NINTS = 23 };

typedef struct pool_geom {
  int64_t k[3], s[3], pb[3], d[3], in[3], out[3], pe[3];
  int64_t count_include_pad, storage_order, p;
  int64_t in_size, out_size; /* elements per (n, c) plane */
} pool_geom;

typedef struct pool_job {
  const pool_geom *g;
  const void *x;
  void *y;
  int64_t *idx; /* maxpool Indices, or NULL */
} pool_job;

static void pool_geom_read(const hy_kparams *p, pool_geom *g) {
  for (int i = 0; i < 3; i++) {
    g->k[i] = p->ints[i];
    g->s[i] = p->ints[3 + i];
    g->pb[i] = p->ints[6 + i];
    g->d[i] = p->ints[9 + i];
    g->in[i] = p->ints[12 + i];
    g->out[i] = p->ints[15 + i];
    g->pe[i] = p->ints[20 + i];
  }
  g->count_include_pad = p->ints[18];
  g->storage_order = p->ints[19];
  g->p = p->n_ints > POOL_NINTS ? p->ints[POOL_NINTS] : 0;
  g->in_size = g->in[0] * g->in[1] * g->in[2];
  g->out_size = g->out[0] * g->out[1] * g->out[2];
}

/* The Indices value of input position (a, b, c) of plane pl: row-major, or column-major over
 * the spatial dims when storage_order is 1 (leading padded dims have size 1, so both work). */
static int64_t pool_index(const pool_geom *g, int64_t pl, int64_t a, int64_t b, int64_t c) {
  if (g->storage_order)
    return pl * g->in_size + a + b * g->in[0] + c * g->in[0] * g->in[1];
  return pl * g->in_size + (a * g->in[1] + b) * g->in[2] + c;
}

/* Visits the window of output position (o0, o1, o2): BODY sees the input coordinates a, b, c
 * (inside the input) and the flat offset off within the plane. */
#define POOL_WINDOW(g, o0, o1, o2, BODY)                                                         \
  for (int64_t k0 = 0; k0 < (g)->k[0]; k0++) {                                                   \
    int64_t a = (o0) * (g)->s[0] - (g)->pb[0] + k0 * (g)->d[0];                                  \
    if (a < 0 || a >= (g)->in[0]) continue;                                                      \
    for (int64_t k1 = 0; k1 < (g)->k[1]; k1++) {                                                 \
      int64_t b = (o1) * (g)->s[1] - (g)->pb[1] + k1 * (g)->d[1];                                \
      if (b < 0 || b >= (g)->in[1]) continue;                                                    \
      for (int64_t k2 = 0; k2 < (g)->k[2]; k2++) {                                               \
        int64_t c = (o2) * (g)->s[2] - (g)->pb[2] + k2 * (g)->d[2];                              \
        if (c < 0 || c >= (g)->in[2]) continue;                                                  \
        int64_t off = (a * (g)->in[1] + b) * (g)->in[2] + c;                                     \
        BODY;                                                                                    \
      }                                                                                          \
    }                                                                                            \
  }

/* Window taps along one dim that lie inside [lo, hi). */
static int64_t pool_taps(int64_t start, int64_t k, int64_t d, int64_t lo, int64_t hi) {
  int64_t n = 0;
  for (int64_t i = 0; i < k; i++) n += start + i * d >= lo && start + i * d < hi;
  return n;
}

/* Divisor of an average window: the taps inside the input, or inside the padded input when
 * count_include_pad is set. */
static int64_t pool_count(const pool_geom *g, int64_t o0, int64_t o1, int64_t o2) {
  int64_t o[3] = {o0, o1, o2}, n = 1;
  for (int i = 0; i < 3; i++) {
    int64_t st = o[i] * g->s[i] - g->pb[i];
    n *= g->count_include_pad ? pool_taps(st, g->k[i], g->d[i], -g->pb[i], g->in[i] + g->pe[i])
                              : pool_taps(st, g->k[i], g->d[i], 0, g->in[i]);
  }
  return n;
}

#define POOL_KERNELS(SFX, T, ACC, LOAD, STORE, LOWEST)                                           \
  static void maxpool_planes_##SFX(void *arg, int64_t begin, int64_t end) {                      \
    const pool_job *j = arg;                                                                      \
    const pool_geom *g = j->g;                                                                    \
    for (int64_t pl = begin; pl < end; pl++) {                                                    \
      const T *x = (const T *)j->x + pl * g->in_size;                                             \
      T *y = (T *)j->y + pl * g->out_size;                                                        \
      int64_t o = 0;                                                                              \
      for (int64_t o0 = 0; o0 < g->out[0]; o0++)                                                  \
        for (int64_t o1 = 0; o1 < g->out[1]; o1++)                                                \
          for (int64_t o2 = 0; o2 < g->out[2]; o2++, o++) {                                       \
            ACC m = LOWEST;                                                                       \
            int64_t best = -1;                                                                    \
            POOL_WINDOW(g, o0, o1, o2, {                                                          \
              ACC v = LOAD(x[off]);                                                               \
              if (best < 0 || v > m) {                                                            \
                m = v;                                                                            \
                best = pool_index(g, pl, a, b, c);                                                \
              }                                                                                   \
            })                                                                                    \
            y[o] = STORE(m);                                                                      \
            if (j->idx) j->idx[pl * g->out_size + o] = best < 0 ? 0 : best;                       \
          }                                                                                       \
    }                                                                                             \
  }                                                                                               \
  static void avgpool_planes_##SFX(void *arg, int64_t begin, int64_t end) {                      \
    const pool_job *j = arg;                                                                      \
    const pool_geom *g = j->g;                                                                    \
    for (int64_t pl = begin; pl < end; pl++) {                                                    \
      const T *x = (const T *)j->x + pl * g->in_size;                                             \
      T *y = (T *)j->y + pl * g->out_size;                                                        \
      int64_t o = 0;                                                                              \
      for (int64_t o0 = 0; o0 < g->out[0]; o0++)                                                  \
        for (int64_t o1 = 0; o1 < g->out[1]; o1++)                                                \
          for (int64_t o2 = 0; o2 < g->out[2]; o2++, o++) {                                       \
            ACC s = 0;                                                                            \
            POOL_WINDOW(g, o0, o1, o2, { s += LOAD(x[off]); })                                    \
            int64_t cnt = pool_count(g, o0, o1, o2);                                              \
            y[o] = STORE(cnt ? s / (ACC)cnt : 0);                                                 \
          }                                                                                       \
    }                                                                                             \
  }

/* sum |x|^p over the window, then the p-th root; p is a small whole number */
#define LPPOOL_PLANES(SFX, T, LOAD, STORE)                                                       \
  static void lppool_planes_##SFX(void *arg, int64_t begin, int64_t end) {                       \
    const pool_job *j = arg;                                                                      \
    const pool_geom *g = j->g;                                                                    \
    for (int64_t pl = begin; pl < end; pl++) {                                                    \
      const T *x = (const T *)j->x + pl * g->in_size;                                             \
      T *y = (T *)j->y + pl * g->out_size;                                                        \
      int64_t o = 0;                                                                              \
      for (int64_t o0 = 0; o0 < g->out[0]; o0++)                                                  \
        for (int64_t o1 = 0; o1 < g->out[1]; o1++)                                                \
          for (int64_t o2 = 0; o2 < g->out[2]; o2++, o++) {                                       \
            double s = 0;                                                                         \
            POOL_WINDOW(g, o0, o1, o2, {                                                          \
              double v = fabs((double)LOAD(x[off]));                                              \
              s += g->p == 1 ? v : g->p == 2 ? v * v : pow(v, (double)g->p);                     \
            })                                                                                    \
            y[o] = STORE(g->p == 1 ? s : g->p == 2 ? sqrt(s) : pow(s, 1.0 / (double)g->p));       \
          }                                                                                       \
    }                                                                                             \
  }

#define NN_ID(x) (x)
#define POOL_TO_F32(x) ((float)(x))
#define POOL_TO_F16(x) hy_k_f32_to_f16((float)(x))
LPPOOL_PLANES(f32, float, NN_ID, POOL_TO_F32)
LPPOOL_PLANES(f64, double, NN_ID, NN_ID)
LPPOOL_PLANES(f16, uint16_t, hy_k_f16_to_f32, POOL_TO_F16)
POOL_KERNELS(f32, float, float, NN_ID, NN_ID, -INFINITY)
POOL_KERNELS(f64, double, double, NN_ID, NN_ID, -INFINITY)
POOL_KERNELS(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16, -INFINITY)
POOL_KERNELS(i8, int8_t, int32_t, NN_ID, (int8_t), INT8_MIN)
POOL_KERNELS(u8, uint8_t, int32_t, NN_ID, (uint8_t), 0)

/* Shared entry: checks the block, runs the per-dtype plane function. */
static hy_status pool_run(const hy_kparams *p, const void *const *in, void *const *out,
                          const hy_exec *ex, bool is_max, bool lp) {
  if (p->n_ints < POOL_NINTS || p->in[0].rank < 3) return HY_ERR_INTERNAL;
  pool_geom g;
  pool_geom_read(p, &g);
  int64_t *idx = is_max && p->n_out > 1 ? out[1] : NULL;
  pool_job j = {&g, in[0], out[0], idx};
  int64_t planes = p->in[0].dims[0] * p->in[0].dims[1];
  hy_range_fn fn;
  if (lp) {
    switch (p->in[0].dtype) {
    case HY_DTYPE_FLOAT: fn = lppool_planes_f32; break;
    case HY_DTYPE_DOUBLE: fn = lppool_planes_f64; break;
    case HY_DTYPE_FLOAT16: fn = lppool_planes_f16; break;
    default: return HY_ERR_DTYPE;
    }
    if (g.p < 1) return HY_ERR_INTERNAL;
    hy_parallel_for(ex, planes, fn, &j);
    return HY_OK;
  }
  switch (p->in[0].dtype) {
  case HY_DTYPE_FLOAT: fn = is_max ? maxpool_planes_f32 : avgpool_planes_f32; break;
  case HY_DTYPE_DOUBLE: fn = is_max ? maxpool_planes_f64 : avgpool_planes_f64; break;
  case HY_DTYPE_FLOAT16: fn = is_max ? maxpool_planes_f16 : avgpool_planes_f16; break;
  case HY_DTYPE_INT8: fn = is_max ? maxpool_planes_i8 : avgpool_planes_i8; break;
  case HY_DTYPE_UINT8: fn = is_max ? maxpool_planes_u8 : avgpool_planes_u8; break;
  default: return HY_ERR_DTYPE;
  }
  hy_parallel_for(ex, planes, fn, &j);
  return HY_OK;
}

hy_status hy_kernel_maxpool(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch;
  return pool_run(p, in, out, ex, true, false);
}

hy_status hy_kernel_avgpool(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch;
  return pool_run(p, in, out, ex, false, false);
}

hy_status hy_kernel_lppool(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  if (p->n_ints <= POOL_NINTS) return HY_ERR_INTERNAL;
  return pool_run(p, in, out, ex, false, true);
}
