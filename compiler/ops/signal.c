/* Hooks of the Fourier transforms: DFT (17: axis an attribute; 20: axis input 2) and STFT (17),
 * lowered to the dft and stft kernels (runtime/src/kernels/dft.c, stft.c), and the helpers of
 * signal.h. */
#include "ops/signal.h"

#include "hydra/signal.h"
#include "ops/index.h"

hy_status sig_input_count(ir_graph *g, ir_node *n, int32_t slot, const char *what, int64_t min,
                          int64_t *out) {
  const int64_t *v;
  int32_t count;
  hy_status s = ir_input_ints(g, n, slot, &v, &count);
  if (s) return s;
  if (count != 1)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input %d ('%s') must be a scalar, has %d values", slot, what, count);
  if (v[0] < min)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input %d ('%s') is %lld, must be at least %lld", slot, what,
                         (long long)v[0], (long long)min);
  if (v[0] > SIG_MAX_LEN)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input %d ('%s') is %lld, more than the %lld Hydra supports", slot, what,
                         (long long)v[0], (long long)SIG_MAX_LEN);
  *out = v[0];
  return HY_OK;
}

/* A signal input: float type, static shape, rank in [min_rank, max_rank], last dim 1 (real) or
 * 2 (complex). */
static hy_status signal_input(ir_graph *g, ir_node *n, int32_t slot, int32_t min_rank,
                              int32_t max_rank, const ir_type **t) {
  hy_status s = ix_input_numeric(g, n, slot, true, t);
  if (s) return s;
  int32_t r = (*t)->rank;
  if (r < min_rank || r > max_rank)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') has rank %d; it must be in [%d, %d]",
                         slot, n->in[slot]->name, r, min_rank, max_rank);
  if ((*t)->dims[r - 1] != 1 && (*t)->dims[r - 1] != 2)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input %d ('%s') has last dim %lld; it must be 1 (real) or 2 (complex)",
                         slot, n->in[slot]->name, (long long)(*t)->dims[r - 1]);
  return HY_OK;
}

/* The transform lengths the kernels take: up to 2^20, and at most 2^32 operations a line
 * (fft.h costs L times the sum of L's prime factors: a large prime length is a direct O(L^2)
 * sum). */
#define SIG_MAX_FFT ((int64_t)1 << 20)
#define SIG_MAX_FFT_WORK ((int64_t)1 << 32)

static hy_status fft_length_check(ir_graph *g, ir_node *n, const char *what, int64_t L) {
  if (L > SIG_MAX_FFT)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%s %lld is more than the %lld Hydra supports",
                         what, (long long)L, (long long)SIG_MAX_FFT);
  int64_t sum = 0, rest = L;
  for (int64_t p = 2; p * p <= rest; p++)
    for (; rest % p == 0; rest /= p)
      sum += p;
  if (rest > 1) sum += rest;
  if (L * sum <= SIG_MAX_FFT_WORK) return HY_OK;
  return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                       "%s %lld has the prime factor %lld: its transform would be a direct sum of "
                       "%lld operations a line, more than the %lld Hydra allows",
                       what, (long long)L, (long long)rest, (long long)(L * sum),
                       (long long)SIG_MAX_FFT_WORK);
}

/* ---- DFT ---- */
typedef struct dft_plan {
  const ir_type *t;
  int64_t axis, inverse, onesided, L;
} dft_plan;

/* axis: attribute (version 17, default 1) or input 2 (version 20, default -2); accepted in
 * [-r, -2] and [0, r-2]: the last dim holds the real and imaginary parts. */
static hy_status dft_axis(ir_graph *g, ir_node *n, int32_t r, int64_t *axis) {
  hy_status s = HY_OK;
  bool attr = n->version < 20;
  if (attr && ir_in_type(n, 2))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "DFT-17 has two inputs; axis as input 2 came with version 20");
  if (!attr && ir_attr_find(n, "axis"))
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL,
                         "is an attribute of DFT-17; version 20 takes the axis as input 2");
  *axis = -2;
  if (attr) {
    s = ix_attr_int(g, n, "axis", 1, axis);
  } else if (ir_in_type(n, 2)) {
    const int64_t *v;
    int32_t count;
    s = ir_input_ints(g, n, 2, &v, &count);
    if (!s && count != 1)
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                           "input 2 ('axis') must be a scalar, has %d values", count);
    if (!s) *axis = v[0];
  }
  if (s) return s;
  if (*axis >= -r && *axis <= r - 2 && *axis != -1) {
    if (*axis < 0) *axis += r;
    return HY_OK;
  }
  if (attr)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL,
                         "is %lld; for rank %d it must be in [%d, -2] or [0, %d]", (long long)*axis,
                         r, -r, r - 2);
  return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                       "input 2 ('axis') is %lld; for rank %d it must be in [%d, -2] or [0, %d]",
                       (long long)*axis, r, -r, r - 2);
}

static hy_status dft_get(ir_graph *g, ir_node *n, dft_plan *p) {
  hy_status s = signal_input(g, n, 0, 2, HY_MAX_RANK, &p->t);
  if (!s) s = ir_attr_flag(g, n, "inverse", 0, &p->inverse);
  if (!s) s = ir_attr_flag(g, n, "onesided", 0, &p->onesided);
  if (!s) s = dft_axis(g, n, p->t->rank, &p->axis);
  if (s) return s;
  int64_t len = p->t->dims[p->axis];
  bool irfft = p->inverse && p->onesided;
  if (ir_in_type(n, 1)) {
    s = sig_input_count(g, n, 1, "dft_length", 1, &p->L);
    return s ? s : fft_length_check(g, n, "dft_length", p->L);
  }
  p->L = irfft ? 2 * (len - 1) : len;
  if (p->L < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "the axis has %lld values, too few for a default dft_length",
                         (long long)len);
  return fft_length_check(g, n, "dft_length", p->L);
}

hy_status infer_dft(ir_graph *g, ir_node *n) {
  dft_plan p;
  hy_status s = dft_get(g, n, &p);
  if (s) return s;
  int64_t dims[HY_MAX_RANK];
  int32_t r = p.t->rank;
  for (int32_t i = 0; i < r; i++)
    dims[i] = p.t->dims[i];
  dims[p.axis] = p.onesided && !p.inverse ? p.L / 2 + 1 : p.L;
  dims[r - 1] = p.onesided && p.inverse ? 1 : 2;
  ir_set_out(n, 0, p.t->dtype, r, dims);
  return HY_OK;
}

hy_status lower_dft(ir_graph *g, ir_node *n, ir_lowered *l) {
  dft_plan p;
  hy_status s = dft_get(g, n, &p);
  if (s) return s;
  l->kernel = HY_KERNEL_dft;
  lower_int(l, p.axis);
  lower_int(l, p.inverse);
  lower_int(l, p.onesided);
  lower_int(l, p.L);
  l->scratch_bytes = hy_fft_scratch_bytes(p.L, p.t->dtype);
  return HY_OK;
}

/* ---- STFT ---- */
typedef struct stft_plan {
  const ir_type *t;
  int64_t step, L, onesided, frames;
} stft_plan;

static hy_status stft_get(ir_graph *g, ir_node *n, stft_plan *p) {
  hy_status s = signal_input(g, n, 0, 3, 3, &p->t);
  if (!s) s = ir_attr_flag(g, n, "onesided", 1, &p->onesided);
  if (!s) s = sig_input_count(g, n, 1, "frame_step", 1, &p->step);
  if (s) return s;
  int64_t len = p->t->dims[1], wlen = -1;
  const ir_type *w = ir_in_type(n, 2);
  if (w) {
    s = ix_input_numeric(g, n, 2, true, &w);
    if (s) return s;
    if (w->dtype != p->t->dtype)
      return ir_node_error(g, n, HY_ERR_DTYPE,
                           "input 2 ('window') has type %s, the signal %s: they must be equal",
                           hy_dtype_name(w->dtype), hy_dtype_name(p->t->dtype));
    if (w->rank != 1)
      return ir_node_error(g, n, HY_ERR_SHAPE, "input 2 ('window') must be 1-D, has rank %d",
                           w->rank);
    wlen = w->dims[0];
  }
  p->L = wlen >= 0 ? wlen : len;
  if (ir_in_type(n, 3)) {
    s = sig_input_count(g, n, 3, "frame_length", 1, &p->L);
    if (s) return s;
    if (wlen >= 0 && wlen != p->L)
      return ir_node_error(
          g, n, HY_ERR_SHAPE,
          "input 2 ('window') has %lld values, frame_length is %lld: they must be equal",
          (long long)wlen, (long long)p->L);
  }
  if (p->L < 1 || p->L > len)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "frame length %lld does not fit the signal's %lld samples",
                         (long long)p->L, (long long)len);
  s = fft_length_check(g, n, "frame length", p->L);
  if (s) return s;
  if (p->onesided && p->t->dims[2] == 2)
    return ir_attr_error(g, n, "onesided", HY_ERR_INVALID_MODEL,
                         "is 1 but the signal is complex: one-sided output needs a real signal");
  p->frames = (len - p->L) / p->step + 1;
  return HY_OK;
}

hy_status infer_stft(ir_graph *g, ir_node *n) {
  stft_plan p;
  hy_status s = stft_get(g, n, &p);
  if (s) return s;
  int64_t dims[4] = {p.t->dims[0], p.frames, p.onesided ? p.L / 2 + 1 : p.L, 2};
  ir_set_out(n, 0, p.t->dtype, 4, dims);
  return HY_OK;
}

hy_status lower_stft(ir_graph *g, ir_node *n, ir_lowered *l) {
  stft_plan p;
  hy_status s = stft_get(g, n, &p);
  if (s) return s;
  l->kernel = HY_KERNEL_stft;
  lower_int(l, p.step);
  lower_int(l, p.L);
  l->scratch_bytes = hy_fft_scratch_bytes(p.L, p.t->dtype);
  return HY_OK;
}
