/* Row primitives for the nn kernels (softmax, normalisation, reductions): float32 loops written
 * with vector extensions, because the kernels are built without -ffast-math and LLVM will not
 * reassociate a scalar float reduction (sum, max) into vector lanes on its own. Target-neutral:
 * LLVM legalises the 16-lane types to whatever the target CPU has. */
#ifndef HY_NN_UTIL_H
#define HY_NN_UTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels/kernel_util.h"

/* Vectors only cross always-inlined calls, so the warning that their by-value ABI depends on
 * AVX-512 does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
/* Always inlined: no vector crosses a real call (gcc notes the ABI otherwise). */
#define NN_INLINE static inline __attribute__((always_inline))

typedef float nn_v16f __attribute__((vector_size(64)));
typedef int32_t nn_v16i __attribute__((vector_size(64)));
#define NN_LANES 16

/* Vectors are only returned, never passed by value (gcc notes a by-value 64-byte ABI change):
 * the helpers that take vectors are macros or take pointers. */
NN_INLINE nn_v16f nn_load(const float *p) {
  nn_v16f v;
  memcpy(&v, p, sizeof v);
  return v;
}
NN_INLINE nn_v16f nn_splat(float x) { return (nn_v16f){0} + x; }
#define nn_store(p, v)                                                                            \
  do {                                                                                            \
    nn_v16f st_ = (v);                                                                            \
    memcpy((p), &st_, sizeof st_);                                                                \
  } while (0)

/* The first k (< 16) elements of p, the other lanes fill. */
NN_INLINE nn_v16f nn_load_part(const float *p, int64_t k, float fill) {
  float buf[NN_LANES];
  for (int64_t i = 0; i < NN_LANES; i++) buf[i] = i < k ? p[i] : fill;
  return nn_load(buf);
}
NN_INLINE void nn_store_part(float *p, int64_t k, const nn_v16f *v) {
  float buf[NN_LANES];
  memcpy(buf, v, sizeof buf);
  for (int64_t i = 0; i < k; i++) p[i] = buf[i];
}

#define nn_select(mask, a, b) ((nn_v16f)(((nn_v16i)(a) & (mask)) | ((nn_v16i)(b) & ~(mask))))
#define nn_vmax(a, b)                                                                             \
  ({                                                                                              \
    nn_v16f ma_ = (a), mb_ = (b);                                                                 \
    nn_select(ma_ > mb_, ma_, mb_);                                                               \
  })

/* Across the lanes in a halving tree: 4 dependent steps instead of 15 (a row's reduction is on
 * the critical path of every softmax and attention row). The max is the same in any order; the
 * pairwise sum is as accurate as the sequential one. */
#define NN_HALVE(v, op)                                                                           \
  do {                                                                                            \
    v = op(v, __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6,   \
                                      7));                                                        \
    v = op(v, __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10,    \
                                      11));                                                       \
    v = op(v, __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12,    \
                                      13));                                                       \
    v = op(v, __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15,    \
                                      14));                                                       \
  } while (0)
#define NN_ADD(a, b) ((a) + (b))
NN_INLINE float nn_hsum(const nn_v16f *v) {
  nn_v16f s = *v;
  NN_HALVE(s, NN_ADD);
  return s[0];
}
NN_INLINE float nn_hmax(const nn_v16f *v) {
  nn_v16f m = *v;
  NN_HALVE(m, nn_vmax);
  return m[0];
}

/* exp on 16 lanes (Cephes expf: 2^n * p(r), r = x - n ln2), ~2 ulp; below -87 it is 0. It is
 * plain arithmetic, so it vectorises where a call to expf would stay scalar. */
NN_INLINE nn_v16f nn_vexp(const nn_v16f *px) {
  nn_v16f x = *px;
  nn_v16i tiny = x < nn_splat(-87.0f);
  x = nn_select(x > nn_splat(88.0f), nn_splat(88.0f), x);
  x = nn_select(tiny, nn_splat(-87.0f), x);
  nn_v16f fx = x * 1.44269504088896341f + 0.5f;
  nn_v16i n = __builtin_convertvector(fx, nn_v16i);
  n = n + (__builtin_convertvector(n, nn_v16f) > fx); /* truncation → floor (mask is -1) */
  nn_v16f nf = __builtin_convertvector(n, nn_v16f);
  x = x - nf * 0.693359375f + nf * 2.12194440e-4f;
  nn_v16f y = 1.9875691500E-4f * x + 1.3981999507E-3f;
  y = y * x + 8.3334519073E-3f;
  y = y * x + 4.1665795894E-2f;
  y = y * x + 1.6666665459E-1f;
  y = y * x + 5.0000001201E-1f;
  y = y * x * x + x + 1.0f;
  nn_v16i pow2 = (n + 127) << 23;
  y = y * (nn_v16f)pow2;
  return nn_select(tiny, nn_splat(0.0f), y);
}

NN_INLINE float nn_row_max(const float *x, int64_t n) {
  nn_v16f m = nn_splat(-INFINITY);
  int64_t i = 0;
  for (; i + NN_LANES <= n; i += NN_LANES) m = nn_vmax(m, nn_load(x + i));
  if (i < n) m = nn_vmax(m, nn_load_part(x + i, n - i, -INFINITY));
  return nn_hmax(&m);
}

NN_INLINE float nn_row_sum(const float *x, int64_t n) {
  nn_v16f s0 = nn_splat(0), s1 = nn_splat(0);
  int64_t i = 0;
  for (; i + 2 * NN_LANES <= n; i += 2 * NN_LANES) {
    s0 += nn_load(x + i);
    s1 += nn_load(x + i + NN_LANES);
  }
  for (; i + NN_LANES <= n; i += NN_LANES) s0 += nn_load(x + i);
  if (i < n) s1 += nn_load_part(x + i, n - i, 0.0f);
  s0 += s1;
  return nn_hsum(&s0);
}

/* sum of (x[i] - c)^2 */
NN_INLINE float nn_row_sqdiff(const float *x, int64_t n, float c) {
  nn_v16f s = nn_splat(0), vc = nn_splat(c);
  int64_t i = 0;
  for (; i + NN_LANES <= n; i += NN_LANES) {
    nn_v16f d = nn_load(x + i) - vc;
    s += d * d;
  }
  if (i < n) {
    nn_v16f d = nn_load_part(x + i, n - i, c) - vc;
    s += d * d;
  }
  return nn_hsum(&s);
}

/* y[i] = exp(x[i] - m) (y may be NULL: only the sum is wanted); returns the sum. */
NN_INLINE float nn_row_exp_sum(const float *x, float *y, int64_t n, float m) {
  nn_v16f s = nn_splat(0), vm = nn_splat(m);
  int64_t i = 0;
  for (; i + NN_LANES <= n; i += NN_LANES) {
    nn_v16f e = nn_load(x + i) - vm;
    e = nn_vexp(&e);
    if (y) nn_store(y + i, e);
    s += e;
  }
  if (i < n) {
    nn_v16f e = nn_load_part(x + i, n - i, -INFINITY) - vm;
    e = nn_vexp(&e);
    if (y) nn_store_part(y + i, n - i, &e);
    s += e;
  }
  return nn_hsum(&s);
}

/* v rounded to the precision of dt (float16, bfloat16; any other dtype leaves it). */
NN_INLINE float nn_round_to(int32_t dt, float v) {
  if (dt == HY_DTYPE_FLOAT16) return hy_k_f16_to_f32(hy_k_f32_to_f16(v));
  if (dt == HY_DTYPE_BFLOAT16) return hy_k_bf16_to_f32(hy_k_f32_to_bf16(v));
  return v;
}

/* The steps of a softmax computed in a 16-bit float type sm, as ONNX's reference computes it
 * (NumPy in the input type): x - max rounded, its exp rounded, the sum of those (a bfloat16 sum
 * adds one rounded term at a time, a float16 one accumulates in float, as NumPy does) rounded,
 * and each quotient rounded. For sm float they are plain float steps. Shared by Softmax and the
 * Attention kernel's float16/bfloat16 path; m is the row max, already in sm. */
NN_INLINE float nn_exact_exp(int32_t sm, float x, float m) {
  return nn_round_to(sm, expf(nn_round_to(sm, nn_round_to(sm, x) - m)));
}
NN_INLINE float nn_exact_add(int32_t sm, float sum, float e) {
  return sm == HY_DTYPE_BFLOAT16 ? nn_round_to(sm, sum + e) : sum + e;
}

#endif
