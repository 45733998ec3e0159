/* pad: out[0] = in[0] padded on every axis (Pad), in constant, reflect, edge or wrap mode.
 *   ints: [0] r, [1] mode (0 constant, 1 reflect, 2 edge, 3 wrap), [2, 4) the constant's bytes
 *         (the first element-size bytes of those 16, so a complex128 fits; used when in[2] is
 *         absent), [4, 4+r) pads before each axis (negative ones crop). Input and output shapes from the descriptors. When in[2]
 *         (Pad-11's constant_value) is present, its value is the constant. */
#include "movement.h"

enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

/* Input coordinate for output coordinate c on an axis of n input elements, or -1 (constant). */
static int64_t pad_source(int64_t c, int64_t n, int64_t mode) {
  if (c >= 0 && c < n) return c;
  if (mode == PAD_CONSTANT || n == 0) return -1;
  if (mode == PAD_WRAP) return (c % n + n) % n; /* the axis repeats: ... 1 2 | 0 1 2 | 0 1 ... */
  if (mode == PAD_EDGE || n == 1) return c < 0 ? 0 : n - 1;
  int64_t period = 2 * (n - 1); /* reflect without repeating the edge: 0 1 2 1 0 1 2 ... */
  c %= period;
  if (c < 0) c += period;
  return c < n ? c : period - c;
}

hy_status hy_kernel_pad(const hy_kparams *p, const void *const *in, void *const *out,
                        void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *id = &p->in[0], *od = &p->out[0];
  int64_t es = mv_elsize(od->dtype), n = hy_tdesc_numel(od);
  if (p->n_ints < 4 || es <= 0 || es > 16) return HY_ERR_INTERNAL;
  int32_t r = (int32_t)p->ints[0];
  if (r != id->rank || r != od->rank || p->n_ints < 4 + r) return HY_ERR_INTERNAL;
  const char *value = (const char *)&p->ints[2];
  if (p->n_in > 2 && in[2] && p->in[2].dtype) value = in[2];
  for (int64_t e = 0; e < n; e++) {
    int64_t rest = e, off = 0, stride = 1;
    for (int32_t k = r - 1; k >= 0 && off >= 0; k--) {
      int64_t c = rest % od->dims[k];
      rest /= od->dims[k];
      int64_t s = pad_source(c - p->ints[4 + k], id->dims[k], p->ints[1]);
      off = s < 0 ? -1 : off + s * stride;
      stride *= id->dims[k];
    }
    mv_move((char *)out[0] + e * es, off < 0 ? value : (const char *)in[0] + off * es, es);
  }
  return HY_OK;
}
