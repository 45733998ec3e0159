/* binary and variadic: broadcasting two-input elementwise ops (Add ... Pow, comparisons, And/Or/
 * Xor) and their n-input folds (Sum, Mean, Min, Max). The lowering hands over coalesced output
 * dims and per-operand element strides (layout in hydra/kernels_elementwise.def), so the kernel is
 * a walk over rows of the innermost dim, each row a tight loop. */
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <tgmath.h>

#include "kernels/ew_ops.h"

/* Integer powers by squaring, wrapping like repeated multiplication. A negative exponent gives
 * the truncated real result: 1 for base 1, +-1 for base -1, 0 otherwise (also for base 0, where
 * the real result does not exist: defined, never a trap). */
static inline uint64_t ew_ipow_u(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  for (; e; e >>= 1, b *= b)
    if (e & 1) r *= b;
  return r;
}
static inline int64_t ew_ipow_s(int64_t b, int64_t e) {
  if (e < 0) return b == 1 ? 1 : b == -1 ? ((e & 1) ? -1 : 1) : 0;
  return (int64_t)ew_ipow_u((uint64_t)b, (uint64_t)e);
}

/* Integer remainder with the divisor's sign (Mod with fmod=0, numpy's %); by 0 it gives 0 and
 * by -1 it gives 0 without evaluating MIN % -1, which traps. */
static inline int64_t ew_pymod(int64_t x, int64_t y) {
  if (y == 0 || y == -1) return 0;
  int64_t r = x % y;
  return r != 0 && ((r < 0) != (y < 0)) ? r + y : r;
}

/* Signed shifts (version 28): by a negative amount or the width or more only the sign fill is
 * left (-1 for a right shift of a negative x, else 0); the right shift is arithmetic (as gcc and
 * clang define >> of a negative value) and the left one wraps in the unsigned type. */
#define EW_SHIFT_OUT(y) ((y) < 0 || (y) >= 8 * (int64_t)sizeof(ew_ct))
#define EW_SHL_S(x, y) (EW_SHIFT_OUT(y) ? (ew_ct)0 : (ew_ct)((ew_ut)(x) << (y)))
#define EW_SHR_S(x, y) (EW_SHIFT_OUT(y) ? (ew_ct)((x) < 0 ? -1 : 0) : (ew_ct)((x) >> (y)))

/* Rows of the innermost dim (element types ew_st/ew_ct/ew_ut, typedefs of the enclosing
 * function) in one of four stride patterns (each operand contiguous or a
 * broadcast scalar along the row); OUT is the stored element computed from x and y. */
#define BIN_WALK(name, OT, OUT)                                                                    \
  {                                                                                                \
    int64_t idx[HY_MAX_RANK] = {0}, off[2] = {0, 0};                                               \
    int64_t w = dims[rank - 1], rows = hy_k_rows(rank, dims);                                      \
    if (w == 0) return HY_OK; /* empty: a broadcast operand's pa[0] / pb[0] may not exist */       \
    bool ca = st[rank - 1] != 0, cb = st[2 * rank - 1] != 0;                                       \
    OT *o = out;                                                                                   \
    for (int64_t r = 0; r < rows; r++, o += w) {                                                   \
      const ew_st *pa = a + off[0], *pb = b + off[1];                                              \
      if (ca && cb) {                                                                              \
        for (int64_t i = 0; i < w; i++) {                                                          \
          ew_ct x = ew_ld_##name(pa[i]), y = ew_ld_##name(pb[i]);                                  \
          o[i] = OUT;                                                                              \
        }                                                                                          \
      } else if (ca) {                                                                             \
        ew_ct y = ew_ld_##name(pb[0]);                                                             \
        for (int64_t i = 0; i < w; i++) {                                                          \
          ew_ct x = ew_ld_##name(pa[i]);                                                           \
          o[i] = OUT;                                                                              \
        }                                                                                          \
      } else if (cb) {                                                                             \
        ew_ct x = ew_ld_##name(pa[0]);                                                             \
        for (int64_t i = 0; i < w; i++) {                                                          \
          ew_ct y = ew_ld_##name(pb[i]);                                                           \
          o[i] = OUT;                                                                              \
        }                                                                                          \
      } else {                                                                                     \
        ew_ct x = ew_ld_##name(pa[0]), y = ew_ld_##name(pb[0]);                                    \
        OT v = OUT;                                                                                \
        for (int64_t i = 0; i < w; i++) o[i] = v;                                                  \
      }                                                                                            \
      hy_k_next_row(rank, dims, idx, 2, st, off);                                                  \
    }                                                                                              \
    return HY_OK;                                                                                  \
  }

#define BIN_ARITH(name, E) BIN_WALK(name, ew_st, ew_st_##name((ew_ct)(E)))
#define BIN_COMPARE_CASES(name)                                                                    \
  case HY_BIN_EQUAL: BIN_WALK(name, uint8_t, x == y)                                               \
  case HY_BIN_LESS: BIN_WALK(name, uint8_t, x < y)                                                 \
  case HY_BIN_GREATER: BIN_WALK(name, uint8_t, x > y)                                              \
  case HY_BIN_LESS_EQUAL: BIN_WALK(name, uint8_t, x <= y)                                          \
  case HY_BIN_GREATER_EQUAL: BIN_WALK(name, uint8_t, x >= y)
/* Integer add/sub/mul in the wrap type; min/max without NaN concerns. */
#define BIN_INT_CASES(name)                                                                        \
  case HY_BIN_ADD:                                                                                 \
  case HY_BIN_MEAN: BIN_ARITH(name, (ew_ut)x + (ew_ut)y)                                           \
  case HY_BIN_SUB: BIN_ARITH(name, (ew_ut)x - (ew_ut)y)                                            \
  case HY_BIN_MUL: BIN_ARITH(name, (ew_ut)x * (ew_ut)y)                                            \
  case HY_BIN_MIN: BIN_ARITH(name, x < y ? x : y)                                                  \
  case HY_BIN_MAX: BIN_ARITH(name, x > y ? x : y)                                                  \
    BIN_COMPARE_CASES(name)

#define BIN_BITWISE_CASES(name)                                                                    \
  case HY_BIN_BITAND: BIN_ARITH(name, (ew_ut)x & (ew_ut)y)                                         \
  case HY_BIN_BITOR: BIN_ARITH(name, (ew_ut)x | (ew_ut)y)                                          \
  case HY_BIN_BITXOR: BIN_ARITH(name, (ew_ut)x ^ (ew_ut)y)

#define BIN_SIGNATURE(name, ST)                                                                    \
  EW_INLINE hy_status bin_##name(int64_t op, int32_t rank, const int64_t *dims, const int64_t *st, \
                              const ST *a, const ST *b, void *out)

/* Floats: the arithmetic from ew_ops.h's list (Mean's pairwise step is Add). */
#define BIN_FLOAT_CASE(name, code, E)                                                              \
  case code: BIN_ARITH(name, E)
#define BIN_FLOAT_FN(name, dt, ST, CT, UT)                                                         \
  BIN_SIGNATURE(name, ST) {                                                                        \
    typedef ST ew_st;                                                                              \
    typedef CT ew_ct;                                                                              \
    typedef UT ew_ut EW_UNUSED;                                                                    \
    switch (op) {                                                                                  \
    case HY_BIN_MEAN: BIN_ARITH(name, x + y)                                                       \
      EW_BINARY_FLOAT_OPS(BIN_FLOAT_CASE, name)                                                    \
      BIN_COMPARE_CASES(name)                                                                      \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_FLOAT_TYPES(BIN_FLOAT_FN)

/* Signed division truncates; by 0 it gives 0 and MIN / -1 wraps: defined, never a trap. */
#define BIN_SIGNED_FN(name, dt, ST, CT, UT)                                                        \
  BIN_SIGNATURE(name, ST) {                                                                        \
    typedef ST ew_st;                                                                              \
    typedef CT ew_ct;                                                                              \
    typedef UT ew_ut EW_UNUSED;                                                                    \
    switch (op) {                                                                                  \
      BIN_INT_CASES(name)                                                                          \
    case HY_BIN_DIV: BIN_ARITH(name, y == 0 ? 0 : y == -1 ? (CT)(0 - (UT)x) : x / y)               \
    case HY_BIN_POW: BIN_ARITH(name, ew_ipow_s(x, y))                                              \
    case HY_BIN_PRELU: BIN_ARITH(name, x < 0 ? (CT)((UT)x * (UT)y) : x)                            \
    case HY_BIN_FMOD: BIN_ARITH(name, y == 0 || y == -1 ? 0 : x % y)                               \
    case HY_BIN_MOD: BIN_ARITH(name, ew_pymod(x, y))                                               \
    case HY_BIN_SHL: BIN_ARITH(name, EW_SHL_S(x, y))                                               \
    case HY_BIN_SHR: BIN_ARITH(name, EW_SHR_S(x, y))                                               \
      BIN_BITWISE_CASES(name)                                                                      \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_SIGNED_TYPES(BIN_SIGNED_FN)

#define BIN_UNSIGNED_FN(name, dt, ST, CT, UT)                                                      \
  BIN_SIGNATURE(name, ST) {                                                                        \
    typedef ST ew_st;                                                                              \
    typedef CT ew_ct;                                                                              \
    typedef UT ew_ut EW_UNUSED;                                                                    \
    switch (op) {                                                                                  \
      BIN_INT_CASES(name)                                                                          \
    case HY_BIN_DIV: BIN_ARITH(name, y == 0 ? 0 : x / y)                                           \
    case HY_BIN_POW: BIN_ARITH(name, ew_ipow_u(x, y))                                              \
    case HY_BIN_PRELU: BIN_ARITH(name, ((void)y, x))                                               \
    case HY_BIN_MOD:                                                                               \
    case HY_BIN_FMOD: BIN_ARITH(name, y == 0 ? 0 : x % y)                                          \
    case HY_BIN_SHL: BIN_ARITH(name, y >= 8 * sizeof(CT) ? 0 : (UT)x << y)                         \
    case HY_BIN_SHR: BIN_ARITH(name, y >= 8 * sizeof(CT) ? 0 : x >> y)                             \
      BIN_BITWISE_CASES(name)                                                                      \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_UNSIGNED_TYPES(BIN_UNSIGNED_FN)

#define BIN_BOOL_FN(name, dt, ST, CT, UT)                                                          \
  BIN_SIGNATURE(name, ST) {                                                                        \
    typedef ST ew_st;                                                                              \
    typedef CT ew_ct;                                                                              \
    typedef UT ew_ut EW_UNUSED;                                                                    \
    switch (op) {                                                                                  \
    case HY_BIN_AND: BIN_ARITH(name, x & y)                                                        \
    case HY_BIN_OR: BIN_ARITH(name, x | y)                                                         \
    case HY_BIN_XOR: BIN_ARITH(name, x ^ y)                                                        \
      BIN_COMPARE_CASES(name)                                                                      \
    }                                                                                              \
    return HY_ERR_UNSUPPORTED;                                                                     \
  }
EW_BOOL_TYPES(BIN_BOOL_FN)

/* Pow with base and exponent of different types (opset 12+): computed in double, stored in the
 * base's type. Not a hot path; the per-element dtype switches fold after inlining. */
EW_INLINE hy_status bin_pow_mixed(int32_t ta, int32_t tb, int32_t rank, const int64_t *dims,
                               const int64_t *st, const void *a, const void *b, void *out) {
  int64_t idx[HY_MAX_RANK] = {0}, off[2] = {0, 0};
  int64_t w = dims[rank - 1], rows = hy_k_rows(rank, dims);
  int64_t sa = st[rank - 1], sb = st[2 * rank - 1];
  for (int64_t r = 0, k = 0; r < rows; r++) {
    for (int64_t i = 0; i < w; i++, k++) {
      double x = ew_load_f64(ta, a, off[0] + i * sa), y = ew_load_f64(tb, b, off[1] + i * sb);
      ew_store_f64(ta, out, k, pow(x, y));
    }
    hy_k_next_row(rank, dims, idx, 2, st, off);
  }
  return HY_OK;
}

/* out = a op b over the walk (rank, dims, st = {a strides, b strides}); a and b have dtypes ta
 * and tb (equal except for Pow). out may be a itself. */
EW_INLINE hy_status ew_binary_apply(int64_t op, int32_t ta, int32_t tb, int32_t rank,
                                 const int64_t *dims, const int64_t *st, const void *a,
                                 const void *b, void *out) {
  if (ta != tb) {
    if (op != HY_BIN_POW) return HY_ERR_DTYPE;
    return bin_pow_mixed(ta, tb, rank, dims, st, a, b, out);
  }
  switch (ta) {
#define BIN_CASE(name, dt, ST, CT, UT)                                                             \
  case dt: return bin_##name(op, rank, dims, st, a, b, out);
    EW_ALL_TYPES(BIN_CASE)
#undef BIN_CASE
  }
  return HY_ERR_DTYPE;
}

hy_status hy_kernel_binary(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  const int64_t *ip = p->ints;
  int32_t rank = (int32_t)ip[1];
  return ew_binary_apply(ip[0], p->in[0].dtype, p->in[1].dtype, rank, ip + 2, ip + 2 + rank,
                         in[0], in[1], out[0]);
}

/* Mean's last step: the sum divided by the input count (float types only). */
EW_INLINE hy_status ew_scale_mean(int32_t dt, void *out, int64_t numel, int64_t count) {
  switch (dt) {
#define MEAN_CASE(name, dtype, ST, CT, UT)                                                         \
  case dtype: {                                                                                    \
    ST *o = out;                                                                                   \
    for (int64_t i = 0; i < numel; i++) o[i] = ew_st_##name(ew_ld_##name(o[i]) / (CT)count);       \
    return HY_OK;                                                                                  \
  }
    EW_FLOAT_TYPES(MEAN_CASE)
#undef MEAN_CASE
  }
  return HY_ERR_DTYPE;
}

/* Folds the inputs left to right into out: out = in0 op in1, then out = out op in_k with out
 * walked contiguously. */
hy_status hy_kernel_variadic(const hy_kparams *p, const void *const *in, void *const *out,
                             void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  const int64_t *ip = p->ints;
  int64_t op = ip[0], n = ip[1], numel = hy_tdesc_numel(&p->out[0]);
  int32_t rank = (int32_t)ip[2], dt = p->out[0].dtype;
  const int64_t *dims = ip + 3, *st = ip + 3 + rank;
  if (n == 1) { /* one input: its shape is the output's */
    size_t bytes = (size_t)numel * hy_dtype_size((hy_dtype)dt);
    if (bytes && out[0] != in[0]) memmove(out[0], in[0], bytes);
    return HY_OK;
  }
  hy_status s = ew_binary_apply(op, dt, dt, rank, dims, st, in[0], in[1], out[0]);
  int64_t pair[2 * HY_MAX_RANK];
  int64_t c = 1;
  for (int32_t d = rank - 1; d >= 0; d--) {
    pair[d] = c;
    c *= dims[d];
  }
  for (int64_t k = 2; k < n && s == HY_OK; k++) {
    memcpy(pair + rank, st + k * rank, (size_t)rank * sizeof *st);
    s = ew_binary_apply(op, dt, dt, rank, dims, pair, out[0], in[k], out[0]);
  }
  if (s == HY_OK && op == HY_BIN_MEAN) s = ew_scale_mean(dt, out[0], numel, n);
  return s;
}
