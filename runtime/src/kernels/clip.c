/* clip: out = min(max(x, lo), hi) elementwise. ints {has_min_attr, has_max_attr}, floats
 * {min, max}: the bounds of opset < 11; from opset 11 they are the optional scalar inputs 1 and
 * 2, which win when present. A missing bound does not clip. When lo > hi every element is hi
 * (numpy's clip). */
#include "kernels/ew_util.h"

#define CLIP_FN(name, dt, ST, CT, UT)                                                              \
  EW_INLINE void clip_##name(const hy_kparams *p, const void *const *in, ST *o, int64_t n) {       \
    const ST *a = in[0];                                                                           \
    bool has_lo = (p->n_in > 1 && in[1]) || (p->n_ints > 0 && p->ints[0]);                         \
    bool has_hi = (p->n_in > 2 && in[2]) || (p->n_ints > 1 && p->ints[1]);                         \
    CT lo = p->n_in > 1 && in[1] ? ew_ld_##name(*(const ST *)in[1])                                \
            : has_lo             ? (CT)p->floats[0]                                                \
                                 : 0;                                                              \
    CT hi = p->n_in > 2 && in[2] ? ew_ld_##name(*(const ST *)in[2])                                \
            : has_hi             ? (CT)p->floats[1]                                                \
                                 : 0;                                                              \
    for (int64_t i = 0; i < n; i++) {                                                              \
      CT x = ew_ld_##name(a[i]);                                                                   \
      x = has_lo && x < lo ? lo : x;                                                               \
      x = has_hi && x > hi ? hi : x;                                                               \
      o[i] = ew_st_##name(x);                                                                      \
    }                                                                                              \
  }
EW_FLOAT_TYPES(CLIP_FN)
EW_SIGNED_TYPES(CLIP_FN)
EW_UNSIGNED_TYPES(CLIP_FN)

hy_status hy_kernel_clip(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  int64_t n = hy_tdesc_numel(&p->out[0]);
  switch (p->in[0].dtype) {
#define CLIP_CASE(name, dt, ST, CT, UT)                                                            \
  case dt: clip_##name(p, in, out[0], n); return HY_OK;
    EW_FLOAT_TYPES(CLIP_CASE)
    EW_SIGNED_TYPES(CLIP_CASE)
    EW_UNSIGNED_TYPES(CLIP_CASE)
#undef CLIP_CASE
  }
  return HY_ERR_DTYPE;
}
