/* ew_chain: a chain of float32 unary and binary ops fused into one node (FusedElementwise, made
 * by compiler/passes/fuse_elementwise.c), computed in one pass over memory instead of one per op.
 * The output is cut into blocks of up to EW_CHAIN_BLOCK elements of one row (binary's walk, with
 * a stride set per input); each step computes its block into a buffer on the stack, which stays
 * in L1, and the last step writes the output. Blocks are split between the session's threads.
 * Each op's arithmetic comes from ew_ops.h, the lists the one-op kernels use, so the chain gives
 * exactly what its nodes would. Layout of ints and floats: hydra/kernels_elementwise.def. */
#include <math.h>
#include <tgmath.h>

#include "kernels/ew_ops.h"
#include "kernels/parallel.h"

/* Elements of one block: 16 steps' buffers and 8 inputs' broadcast copies are 24 KB of stack. */
#define EW_CHAIN_BLOCK 256

typedef struct chain_job {
  const void *const *in;
  float *out;
  int32_t n_in, n_steps, rank;
  const int64_t *dims, *st, *steps;
  const double *floats;
  int64_t w, blocks; /* row width; blocks per row */
} chain_job;

/* dst[0..len) = op(a) or op(a, b); the cases come from ew_ops.h. */
#define CHAIN_UN_CASE(unused, code, E)                                                             \
  case code:                                                                                       \
    for (int64_t i = 0; i < len; i++) {                                                            \
      ew_ct x = a[i];                                                                              \
      dst[i] = (ew_ct)(E);                                                                         \
    }                                                                                              \
    return;
#define CHAIN_BIN_CASE(unused, code, E)                                                            \
  case code:                                                                                       \
    for (int64_t i = 0; i < len; i++) {                                                            \
      ew_ct x = a[i], y = b[i];                                                                    \
      dst[i] = (ew_ct)(E);                                                                         \
    }                                                                                              \
    return;

EW_INLINE void chain_unary(int64_t code, const float *a, float *dst, int64_t len, float al,
                           float be) {
  typedef float ew_ct;
  switch (code) { EW_UNARY_FLOAT_OPS(CHAIN_UN_CASE, 0) }
}

EW_INLINE void chain_binary(int64_t code, const float *a, const float *b, float *dst,
                            int64_t len) {
  typedef float ew_ct;
  switch (code) { EW_BINARY_FLOAT_OPS(CHAIN_BIN_CASE, 0) }
}

/* The codes the two switches above have a case for, from the same lists. */
#define CHAIN_CODE_CASE(unused, code, E) case code:
bool hy_ew_chain_supports(int64_t kind, int64_t code) {
  if (kind == HY_EW_CHAIN_UNARY) {
    switch (code) { EW_UNARY_FLOAT_OPS(CHAIN_CODE_CASE, 0) return true; }
  } else if (kind == HY_EW_CHAIN_BINARY) {
    switch (code) { EW_BINARY_FLOAT_OPS(CHAIN_CODE_CASE, 0) return true; }
  }
  return false;
}

/* One block: len elements from column b0 of the row whose inputs start at off[k]. */
EW_INLINE void chain_block(const chain_job *j, const int64_t *off, int64_t row, int64_t b0,
                           float step_buf[][EW_CHAIN_BLOCK], float splat[][EW_CHAIN_BLOCK]) {
  const float *src[HY_EW_CHAIN_MAX_IN + HY_EW_CHAIN_MAX_STEPS];
  int64_t len = j->w - b0 < EW_CHAIN_BLOCK ? j->w - b0 : EW_CHAIN_BLOCK;
  for (int32_t k = 0; k < j->n_in; k++) {
    const float *x = (const float *)j->in[k] + off[k];
    if (j->st[(int64_t)k * j->rank + j->rank - 1] != 0) { /* along the row (stride 1) */
      src[k] = x + b0;
    } else { /* one value per row: its copies make every operand a plain array */
      for (int64_t i = 0; i < len; i++) splat[k][i] = x[0];
      src[k] = splat[k];
    }
  }
  for (int32_t s = 0; s < j->n_steps; s++) {
    const int64_t *sp = j->steps + 4 * (int64_t)s;
    float *dst = s + 1 == j->n_steps ? j->out + row * j->w + b0 : step_buf[s];
    if (sp[0] == HY_EW_CHAIN_UNARY)
      chain_unary(sp[1], src[sp[2]], dst, len, (float)j->floats[2 * s],
                  (float)j->floats[2 * s + 1]);
    else
      chain_binary(sp[1], src[sp[2]], src[sp[3]], dst, len);
    src[j->n_in + s] = dst;
  }
}

/* Blocks [begin, end), block u being block u % blocks of row u / blocks: the inputs' offsets are
 * found once for the first row (divisions) and then moved row by row (binary's odometer). Inlined
 * where one thread runs them all, so generated code specialises it on the constant program. */
EW_INLINE void chain_blocks(const chain_job *j, int64_t begin, int64_t end) {
  float step_buf[HY_EW_CHAIN_MAX_STEPS][EW_CHAIN_BLOCK];
  float splat[HY_EW_CHAIN_MAX_IN][EW_CHAIN_BLOCK];
  int64_t idx[HY_MAX_RANK] = {0}, off[HY_EW_CHAIN_MAX_IN] = {0};
  int32_t rank = j->rank;
  int64_t row = begin / j->blocks, r = row;
  for (int32_t d = rank - 2; d >= 0; d--) {
    idx[d] = r % j->dims[d];
    r /= j->dims[d];
    for (int32_t k = 0; k < j->n_in; k++) off[k] += idx[d] * j->st[(int64_t)k * rank + d];
  }
  for (int64_t u = begin, b = begin - row * j->blocks; u < end; row++, b = 0) {
    for (; b < j->blocks && u < end; b++, u++)
      chain_block(j, off, row, b * EW_CHAIN_BLOCK, step_buf, splat);
    hy_k_next_row(rank, j->dims, idx, j->n_in, j->st, off);
  }
}

static void chain_range(void *arg, int64_t begin, int64_t end) { chain_blocks(arg, begin, end); }

hy_status hy_kernel_ew_chain(const hy_kparams *p, const void *const *in, void *const *out,
                             void *scratch, const hy_exec *ex) {
  (void)scratch;
  const int64_t *ip = p->ints;
  int32_t n_steps = (int32_t)ip[0], rank = (int32_t)ip[1];
  if (n_steps < 1 || n_steps > HY_EW_CHAIN_MAX_STEPS || p->n_in > HY_EW_CHAIN_MAX_IN)
    return HY_ERR_UNSUPPORTED;
  chain_job j = {.in = in, .out = out[0], .n_in = p->n_in, .n_steps = n_steps, .rank = rank,
                 .dims = ip + 2, .st = ip + 2 + rank, .steps = ip + 2 + rank + p->n_in * rank,
                 .floats = p->floats, .w = ip[2 + rank - 1]};
  if (j.w == 0) return HY_OK; /* empty: a broadcast input's first element may not exist */
  j.blocks = (j.w + EW_CHAIN_BLOCK - 1) / EW_CHAIN_BLOCK;
  int64_t units = hy_k_rows(rank, j.dims) * j.blocks;
  if (hy_parallel_worth(ex, units, hy_tdesc_numel(&p->out[0]) * n_steps))
    ex->parallel_for(ex->user, units, chain_range, &j);
  else
    chain_blocks(&j, 0, units);
  return HY_OK;
}
