/* strided: out[0] is a strided view of in[0] made dense (Transpose, Slice, Expand, Tile,
 * DepthToSpace, SpaceToDepth). The lowering describes the view:
 *   ints: [0] r (1..MV_STRIDED_MAX_DIMS), [1] base offset into in[0] in elements,
 *         [2, 2+r) dims of the view (row-major; their product is out[0]'s element count),
 *         [2+r, 2+2r) the input stride of each view dim in elements (0 repeats, as in Expand).
 * Out element (i0..ir-1) = in[base + sum ik*stride_k]. The lowering coalesces dims so the inner
 * loop is as long as possible. Inner loops: a memcpy'd row (stride 1), a broadcast row (stride 0),
 * a blocked 2-D transpose when another dim has stride 1 (Transpose's usual case), else a gather. */
#include "movement.h"

#define MV_STRIDED_MAX_DIMS 16
#define MV_TILE 32

typedef struct strided_job {
  const char *src;
  char *dst;
  int32_t r;
  int32_t tile_ax; /* view dim whose input stride is 1, tiled against the last dim; -1: none */
  int64_t base;
  int64_t n_blocks; /* blocks of MV_TILE along tile_ax (1 when not tiling) */
  int64_t dims[MV_STRIDED_MAX_DIMS], istr[MV_STRIDED_MAX_DIMS], ostr[MV_STRIDED_MAX_DIMS];
} strided_job;

/* One row along the last view dim: n elements at input stride s into a dense destination. */
MV_INLINE void strided_row(char *d, const char *s, int64_t n, int64_t st, int64_t es) {
  if (st == 1) {
    memcpy(d, s, (size_t)(n * es));
  } else if (st == 0) {
    for (int64_t i = 0; i < n; i++) mv_move(d + i * es, s, es);
  } else {
    for (int64_t i = 0; i < n; i++) mv_move(d + i * es, s + i * st * es, es);
  }
}

/* Rows [k0,k1) of tile_ax against the whole last dim, in MV_TILE x MV_TILE blocks so both the
 * reads (contiguous along tile_ax) and the writes (contiguous along the last dim) stay in cache. */
MV_INLINE void strided_tile(const strided_job *j, char *d, const char *s, int64_t k0, int64_t k1,
                            int64_t es) {
  int32_t a = j->tile_ax, l = j->r - 1;
  int64_t n = j->dims[l], sl = j->istr[l], oa = j->ostr[a];
  for (int64_t l0 = 0; l0 < n; l0 += MV_TILE) {
    int64_t l1 = l0 + MV_TILE < n ? l0 + MV_TILE : n;
    for (int64_t k = k0; k < k1; k++)
      for (int64_t i = l0; i < l1; i++) mv_move(d + (k * oa + i) * es, s + (k + i * sl) * es, es);
  }
}

/* Work unit u: an outer coordinate (every dim but the last and tile_ax) and a block of tile_ax. */
MV_INLINE void strided_units(const strided_job *j, int64_t b, int64_t e, int64_t es) {
  int32_t l = j->r - 1;
  for (int64_t u = b; u < e; u++) {
    int64_t blk = u % j->n_blocks, rest = u / j->n_blocks, io = j->base, oo = 0;
    for (int32_t k = l - 1; k >= 0; k--) {
      if (k == j->tile_ax) continue;
      int64_t c = rest % j->dims[k];
      rest /= j->dims[k];
      io += c * j->istr[k];
      oo += c * j->ostr[k];
    }
    if (j->tile_ax < 0) {
      strided_row(j->dst + oo * es, j->src + io * es, j->dims[l], j->istr[l], es);
    } else {
      int64_t k0 = blk * MV_TILE, k1 = k0 + MV_TILE;
      if (k1 > j->dims[j->tile_ax]) k1 = j->dims[j->tile_ax];
      strided_tile(j, j->dst + oo * es, j->src + io * es, k0, k1, es);
    }
  }
}

#define STRIDED_RANGE(ES)                                                                          \
  static void strided_range_##ES(void *arg, int64_t b, int64_t e) { strided_units(arg, b, e, ES); }
MV_SIZES(STRIDED_RANGE)
#undef STRIDED_RANGE

/* Fills j from the attribute block; the number of work units, or -1 when the block is bad. */
static int64_t strided_plan(const hy_kparams *p, strided_job *j) {
  if (p->n_ints < 2) return -1;
  int32_t r = (int32_t)p->ints[0];
  if (r < 1 || r > MV_STRIDED_MAX_DIMS || p->n_ints < 2 + 2 * r) return -1;
  j->r = r;
  j->base = p->ints[1];
  j->tile_ax = -1;
  int64_t o = 1;
  for (int32_t k = r - 1; k >= 0; k--) {
    j->dims[k] = p->ints[2 + k];
    j->istr[k] = p->ints[2 + r + k];
    j->ostr[k] = o;
    o *= j->dims[k];
    /* tiling pays when the last dim is gathered and some other dim reads contiguously */
    if (k < r - 1 && j->istr[k] == 1 && j->istr[r - 1] > 1 && j->tile_ax < 0) j->tile_ax = k;
  }
  if (o != hy_tdesc_numel(&p->out[0])) return -1;
  if (o == 0) return 0;
  j->n_blocks = j->tile_ax < 0 ? 1 : (j->dims[j->tile_ax] + MV_TILE - 1) / MV_TILE;
  int64_t units = j->n_blocks;
  for (int32_t k = 0; k < r - 1; k++)
    if (k != j->tile_ax) units *= j->dims[k];
  return units;
}

hy_status hy_kernel_strided(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch;
  int64_t es = mv_elsize(p->out[0].dtype);
  strided_job j;
  int64_t units = strided_plan(p, &j);
  if (units < 0 || es <= 0) return HY_ERR_INTERNAL;
  j.src = in[0];
  j.dst = out[0];
  hy_range_fn fn = NULL;
  switch (es) {
#define STRIDED_CASE(ES) case ES: fn = strided_range_##ES; break;
    MV_SIZES(STRIDED_CASE)
#undef STRIDED_CASE
  default: return HY_ERR_INTERNAL;
  }
  mv_parallel(ex, hy_tdesc_numel(&p->out[0]) * es, units, fn, &j);
  return HY_OK;
}
