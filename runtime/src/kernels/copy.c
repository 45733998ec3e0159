/* copy: out[0] = in[0] byte for byte (Identity, Reshape, Squeeze, Unsqueeze, Flatten, Dropout,
 * BitCast).
 * A second output, when present, is Dropout's mask: every element set to one ("kept").
 * No attribute block. */
#include "movement.h"

/* The bytes of the value 1 in dtype (a bool true, 1.0, 1), little-endian in *one. */
static int64_t mask_one(int32_t dtype, uint64_t *one) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: { float f = 1.0f; uint32_t u; memcpy(&u, &f, 4); *one = u; return 4; }
  case HY_DTYPE_DOUBLE: { double f = 1.0; memcpy(one, &f, 8); return 8; }
  case HY_DTYPE_FLOAT16: *one = 0x3C00; return 2;
  case HY_DTYPE_BFLOAT16: *one = 0x3F80; return 2;
  default: *one = 1; return mv_elsize(dtype);
  }
}

static void fill_mask(const hy_tdesc *t, void *dst) {
  uint64_t one;
  int64_t es = mask_one(t->dtype, &one), n = hy_tdesc_numel(t);
  if (es <= 0 || es > 8) return;
  for (int64_t i = 0; i < n; i++) memcpy((char *)dst + i * es, &one, (size_t)es);
}

hy_status hy_kernel_copy(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  /* whole bytes: the packed 2- and 4-bit types (BitCast between them) copy their last byte too */
  int64_t bits = hy_tdesc_numel(&p->out[0]) * hy_k_dtype_bits(p->out[0].dtype);
  size_t bytes = (size_t)((bits + 7) / 8);
  if (bytes && out[0] != in[0]) memmove(out[0], in[0], bytes);
  if (p->n_out > 1 && out[1]) fill_mask(&p->out[1], out[1]);
  return HY_OK;
}
