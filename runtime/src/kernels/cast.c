/* cast: out[i] = (to type) in[i] for every pair of numeric dtypes, float16 and bool included
 * (Cast, CastLike). No attribute block: the dtypes are the descriptors'. To bool is x != 0;
 * floats to integers truncate toward zero (out of range is the C conversion, as in numpy). */
#include "kernels/ew_util.h"

#define CAST_FROM(sname_, sdt, SST, SCT, SUT)                                                      \
  EW_INLINE hy_status cast_from_##sname_(const SST *a, int32_t to, void *out, int64_t n) {         \
    switch (to) {                                                                                  \
      CAST_NUMERIC_TARGETS(sname_)                                                                 \
    case HY_DTYPE_BOOL: {                                                                          \
      uint8_t *o = out;                                                                            \
      for (int64_t i = 0; i < n; i++) o[i] = ew_ld_##sname_(a[i]) != 0;                            \
      return HY_OK;                                                                                \
    }                                                                                              \
    }                                                                                              \
    return HY_ERR_DTYPE;                                                                           \
  }

/* CAST_TO needs the source name as `sname`: bind it through one more expansion. */
#define CAST_NUMERIC_TARGETS(s) CAST_TARGETS_(s)
#define CAST_TARGETS_(s)                                                                           \
  CAST_TO_WITH(s, f32, HY_DTYPE_FLOAT, float, float)                                               \
  CAST_TO_WITH(s, f64, HY_DTYPE_DOUBLE, double, double)                                            \
  CAST_TO_WITH(s, f16, HY_DTYPE_FLOAT16, uint16_t, float)                                          \
  CAST_TO_WITH(s, i8, HY_DTYPE_INT8, int8_t, int8_t)                                               \
  CAST_TO_WITH(s, i16, HY_DTYPE_INT16, int16_t, int16_t)                                           \
  CAST_TO_WITH(s, i32, HY_DTYPE_INT32, int32_t, int32_t)                                           \
  CAST_TO_WITH(s, i64, HY_DTYPE_INT64, int64_t, int64_t)                                           \
  CAST_TO_WITH(s, u8, HY_DTYPE_UINT8, uint8_t, uint8_t)                                            \
  CAST_TO_WITH(s, u16, HY_DTYPE_UINT16, uint16_t, uint16_t)                                        \
  CAST_TO_WITH(s, u32, HY_DTYPE_UINT32, uint32_t, uint32_t)                                        \
  CAST_TO_WITH(s, u64, HY_DTYPE_UINT64, uint64_t, uint64_t)
#define CAST_TO_WITH(sname, dname, ddt, DST, DCT)                                                  \
  case ddt: {                                                                                      \
    DST *o = out;                                                                                  \
    for (int64_t i = 0; i < n; i++) o[i] = ew_st_##dname((DCT)ew_ld_##sname(a[i]));                \
    return HY_OK;                                                                                  \
  }
EW_ALL_TYPES(CAST_FROM)

hy_status hy_kernel_cast(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  (void)scratch;
  (void)ex;
  int64_t n = hy_tdesc_numel(&p->out[0]);
  int32_t to = p->out[0].dtype;
  switch (p->in[0].dtype) {
#define CAST_CASE(name, dt, ST, CT, UT)                                                            \
  case dt: return cast_from_##name(in[0], to, out[0], n);
    EW_ALL_TYPES(CAST_CASE)
#undef CAST_CASE
  }
  return HY_ERR_DTYPE;
}
