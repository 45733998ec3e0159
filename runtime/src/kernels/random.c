/* The random-valued kernels: random_fill (RandomUniform, RandomNormal and their Like forms),
 * bernoulli, multinomial, and dropout in training mode.
 *
 * The generator is counter-based: draw i of the stream with key k is splitmix64's mix of
 * k + (i + 1) * gamma, which is exactly the i-th output of splitmix64 started at state k (Steele,
 * Lea and Flood, "Fast splittable pseudorandom number generators", 2014). A draw depends on its
 * key and index alone: no state passes from element to element, and the values do not depend on
 * how the work is split.
 *
 * Every attribute block starts ints = {has_seed, seed}: seed is the seed attribute's bits (a
 * float's IEEE bits, Dropout's int). With a seed, the key is a mix of it and every run gives the
 * same values, as in onnx.reference (which seeds a fresh numpy generator on every call). Without
 * one, ONNX leaves the seed to the runtime: each run draws a fresh key from the clock and a
 * process-wide call counter, so unseeded random ops differ from run to run (a Dropout in training
 * mode must not drop the same elements every time). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <time.h>

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

#define RNG_GAMMA 0x9e3779b97f4a7c15ULL
#define RNG_TWO_PI 6.283185307179586

static inline uint64_t rng_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Draw i in [0, 1), 53 random bits. */
static inline double rng_unit(uint64_t key, uint64_t i) {
  return (double)(rng_mix(key + (i + 1) * RNG_GAMMA) >> 11) * 0x1.0p-53;
}

static uint64_t rng_key(const hy_kparams *p) {
  if (p->ints[0]) return rng_mix((uint64_t)p->ints[1] ^ 0x5851f42d4c957f2dULL);
  static uint64_t calls; /* distinct keys for runs within one clock tick */
  struct timespec ts = {0, 0};
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
  return rng_mix(((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ rng_mix(n));
}

static bool is_real(int32_t dt) {
  return dt == HY_DTYPE_FLOAT || dt == HY_DTYPE_DOUBLE || dt == HY_DTYPE_FLOAT16 ||
         dt == HY_DTYPE_BFLOAT16;
}

/* Stores 0 or 1 as element i of a numeric or bool array (Bernoulli's output, Dropout's mask). */
static bool store_bit(void *p, int32_t dt, int64_t i, int v) {
  switch (dt) {
  case HY_DTYPE_BOOL:
  case HY_DTYPE_UINT8:
  case HY_DTYPE_INT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
  case HY_DTYPE_UINT16:
  case HY_DTYPE_INT16: ((uint16_t *)p)[i] = (uint16_t)v; break;
  case HY_DTYPE_UINT32:
  case HY_DTYPE_INT32: ((uint32_t *)p)[i] = (uint32_t)v; break;
  case HY_DTYPE_UINT64:
  case HY_DTYPE_INT64: ((uint64_t *)p)[i] = (uint64_t)v; break;
  default:
    if (!is_real(dt)) return false;
    hy_k_store_real(p, dt, i, v);
  }
  return true;
}

/* random_fill: out[0] (float, double, float16, bfloat16) filled from one distribution; in[0], the
 * Like forms' input, gives only the shape. ints = {has_seed, seed, dist (0 uniform, 1 normal)};
 * floats = {low, high} for uniform (values in [low, high]: rounding to the dtype may reach high,
 * as numpy's may), {mean, scale} for normal (Box-Muller on draws 2i and 2i + 1). */
hy_status hy_kernel_random_fill(const hy_kparams *p, const void *const *in, void *const *out,
                                void *scratch, const hy_exec *ex) {
  (void)in, (void)scratch, (void)ex;
  if (p->n_ints < 3 || p->n_floats < 2 || p->n_out < 1) return HY_ERR_INTERNAL;
  int32_t dt = p->out[0].dtype;
  if (!is_real(dt)) return HY_ERR_DTYPE;
  uint64_t key = rng_key(p);
  double a = p->floats[0], b = p->floats[1];
  int64_t n = hy_tdesc_numel(&p->out[0]);
  for (int64_t i = 0; i < n; i++) {
    double v;
    if (p->ints[2] == 0) {
      v = a + (b - a) * rng_unit(key, (uint64_t)i);
    } else {
      double u1 = 1.0 - rng_unit(key, 2 * (uint64_t)i), u2 = rng_unit(key, 2 * (uint64_t)i + 1);
      v = a + b * sqrt(-2.0 * log(u1)) * cos(RNG_TWO_PI * u2);
    }
    hy_k_store_real(out[0], dt, i, v);
  }
  return HY_OK;
}

/* bernoulli: out[i] = 1 with probability in[0][i], else 0. in[0] float, double, float16 or
 * bfloat16; out[0] any numeric type or bool. ints = {has_seed, seed}. A probability outside
 * [0, 1] (or NaN) is HY_ERR_INVALID_ARGUMENT. */
hy_status hy_kernel_bernoulli(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 2 || p->n_in < 1 || p->n_out < 1) return HY_ERR_INTERNAL;
  int32_t it = p->in[0].dtype, ot = p->out[0].dtype;
  if (!is_real(it)) return HY_ERR_DTYPE;
  uint64_t key = rng_key(p);
  int64_t n = hy_tdesc_numel(&p->out[0]);
  for (int64_t i = 0; i < n; i++) {
    double prob = hy_k_load_real(in[0], it, i);
    if (!(prob >= 0 && prob <= 1)) return HY_ERR_INVALID_ARGUMENT;
    if (!store_bit(out[0], ot, i, rng_unit(key, (uint64_t)i) < prob)) return HY_ERR_DTYPE;
  }
  return HY_OK;
}

/* multinomial: in[0] [B, C] unnormalised log-probabilities (float, double, float16, bfloat16);
 * out[0] [B, S] int32 or int64, S class indices drawn for each row. ints = {has_seed, seed}. A
 * row with no finite positive mass (all -inf, a NaN, a +inf) is HY_ERR_INVALID_ARGUMENT. */
hy_status hy_kernel_multinomial(const hy_kparams *p, const void *const *in, void *const *out,
                                void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 2 || p->n_in < 1 || p->n_out < 1 || p->in[0].rank != 2 || p->out[0].rank != 2)
    return HY_ERR_INTERNAL;
  int32_t it = p->in[0].dtype, ot = p->out[0].dtype;
  if (!is_real(it) || (ot != HY_DTYPE_INT32 && ot != HY_DTYPE_INT64)) return HY_ERR_DTYPE;
  uint64_t key = rng_key(p);
  int64_t rows = p->in[0].dims[0], c = p->in[0].dims[1], s = p->out[0].dims[1];
  for (int64_t r = 0; r < rows; r++) {
    double m = -INFINITY, total = 0;
    for (int64_t k = 0; k < c; k++) {
      double v = hy_k_load_real(in[0], it, r * c + k);
      if (isnan(v)) return HY_ERR_INVALID_ARGUMENT;
      m = v > m ? v : m;
    }
    if (!isfinite(m)) return HY_ERR_INVALID_ARGUMENT;
    for (int64_t k = 0; k < c; k++)
      total += exp(hy_k_load_real(in[0], it, r * c + k) - m);
    for (int64_t j = 0; j < s; j++) {
      /* the first class whose cumulative mass passes the draw; rounding falls to the last class
       * with any mass */
      double target = rng_unit(key, (uint64_t)(r * s + j)) * total, acc = 0;
      int64_t pick = -1;
      for (int64_t k = 0; k < c && (pick < 0 || acc <= target); k++) {
        double w = exp(hy_k_load_real(in[0], it, r * c + k) - m);
        if (w > 0) pick = k;
        acc += w;
      }
      if (ot == HY_DTYPE_INT32)
        ((int32_t *)out[0])[r * s + j] = (int32_t)pick;
      else
        ((int64_t *)out[0])[r * s + j] = pick;
    }
  }
  return HY_OK;
}

/* dropout: in[0] data (float, double, float16, bfloat16), in[1] ratio (optional scalar), in[2]
 * training_mode (optional bool scalar); out[0] like in[0], out[1] the mask (optional: bool, or
 * in[0]'s type before opset 10). ints = {has_seed, seed, always_training (Dropout before opset 7
 * with is_test 0)}; floats = {the ratio when in[1] is absent}.
 * Training: each element is kept with probability 1 - ratio, y = x / (1 - ratio) where kept and
 * 0 elsewhere; ratio 1 drops everything. Otherwise y = x and the mask is all ones. A ratio
 * outside [0, 1] is HY_ERR_INVALID_ARGUMENT. */
hy_status hy_kernel_dropout(const hy_kparams *p, const void *const *in, void *const *out,
                            void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  if (p->n_ints < 3 || p->n_floats < 1 || p->n_in < 1 || p->n_out < 1) return HY_ERR_INTERNAL;
  int32_t dt = p->in[0].dtype;
  void *mask = p->n_out > 1 ? out[1] : NULL;
  if (!is_real(dt)) return HY_ERR_DTYPE;
  bool training = p->ints[2] || (p->n_in > 2 && in[2] && *(const uint8_t *)in[2]);
  double ratio = p->floats[0];
  if (p->n_in > 1 && in[1]) {
    if (!is_real(p->in[1].dtype)) return HY_ERR_DTYPE;
    ratio = hy_k_load_real(in[1], p->in[1].dtype, 0);
  }
  if (training && !(ratio >= 0 && ratio <= 1)) return HY_ERR_INVALID_ARGUMENT;
  int64_t n = hy_tdesc_numel(&p->out[0]);
  if (!training) {
    int64_t es = dt == HY_DTYPE_DOUBLE ? 8 : dt == HY_DTYPE_FLOAT ? 4 : 2;
    if (out[0] != in[0]) memmove(out[0], in[0], (size_t)(n * es));
  }
  uint64_t key = training ? rng_key(p) : 0;
  double scale = ratio < 1 ? 1.0 / (1.0 - ratio) : 0;
  for (int64_t i = 0; i < n; i++) {
    bool keep = !training || rng_unit(key, (uint64_t)i) >= ratio;
    if (training) hy_k_store_real(out[0], dt, i, keep ? hy_k_load_real(in[0], dt, i) * scale : 0.0);
    if (mask && !store_bit(mask, p->out[1].dtype, i, keep)) return HY_ERR_DTYPE;
  }
  return HY_OK;
}
