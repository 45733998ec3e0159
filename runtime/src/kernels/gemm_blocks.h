/* What the float GEMM (gemm.c) and the integer GEMM (qgemm.c) share: function attributes, block
 * sizes of their packed buffers and the split of C into per-task ranges of register tiles. */
#ifndef HY_KERNELS_GEMM_BLOCKS_H
#define HY_KERNELS_GEMM_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "hydra/exec.h"

/* Clang splits 512-bit vectors in two when the CPU's tuning prefers 256-bit ones (Intel server
 * parts) unless the function says it needs 512-bit registers; inlining keeps the larger width. */
#if defined(__clang__)
#define VEC512 __attribute__((min_vector_width(512)))
#else
#define VEC512
#endif

/* The task entry is inlined at every GEMM call so that in generated code each node reaches it
 * through a direct call with its constant job; one shared copy reached through the function
 * pointer ran mmoe's 32x64x128 GEMMs 3x slower. */
#define GEMM_INLINE static inline __attribute__((always_inline))

static inline int64_t gb_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t gb_round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
static inline size_t gb_align64(size_t x) { return (x + 63) & ~(size_t)63; }

/* Bytes of one packed block: min(kc, K) deep, min(block, n rounded up to tile) wide, es bytes an
 * element, 64-byte aligned. */
static inline size_t gb_block_bytes(int64_t n, int64_t K, int64_t tile, int64_t block, int64_t kc,
                                    size_t es) {
  return gb_align64((size_t)(gb_min(kc, K) * gb_min(block, gb_round_up(n, tile))) * es);
}

/* How C (M x N, MR x NR tiles) is split into tasks: ranges of column tiles (split_n) or row
 * tiles, one per thread (at most `tasks`) as long as each gets 2^17 multiply-adds or more: handing
 * a region to the pool costs about a microsecond, a few percent of that much work. */
typedef struct gb_split {
  int64_t n_tasks, tiles;
  int split_n;
} gb_split;

static inline gb_split gb_split_of(int64_t M, int64_t N, int64_t K, int64_t MR, int64_t NR,
                                   int32_t tasks, const hy_exec *ex) {
  int64_t tiles_m = (M + MR - 1) / MR, tiles_n = (N + NR - 1) / NR;
  int64_t t = ex && ex->parallel_for && ex->n_threads > 1 ? ex->n_threads : 1;
  if (t > tasks) t = tasks;
  int64_t by_work = M * N * K >> 17;
  if (t > by_work) t = by_work;
  gb_split s;
  s.split_n = tiles_n >= tiles_m || tiles_n >= 4 * t;
  s.tiles = s.split_n ? tiles_n : tiles_m;
  s.n_tasks = gb_min(t < 1 ? 1 : t, s.tiles);
  return s;
}

/* Task t's rectangle [*m0, *m1) x [*n0, *n1) of C. */
static inline void gb_task_rect(const gb_split *s, int64_t t, int64_t M, int64_t N, int64_t MR,
                                int64_t NR, int64_t *m0, int64_t *m1, int64_t *n0, int64_t *n1) {
  int64_t lo = t * s->tiles / s->n_tasks, hi = (t + 1) * s->tiles / s->n_tasks;
  *m0 = 0, *m1 = M, *n0 = 0, *n1 = N;
  if (s->split_n)
    *n0 = lo * NR, *n1 = gb_min(hi * NR, N);
  else
    *m0 = lo * MR, *m1 = gb_min(hi * MR, M);
}

#endif
