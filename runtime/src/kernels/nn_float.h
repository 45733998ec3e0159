/* The float instances of the nn kernels that compute in double (groupnorm, lrn, lpnorm, mvn,
 * resize): one GEN(SFX, T, LOAD, STORE) expansion per float dtype, LOAD giving a double and
 * STORE rounding one back, and the pick of the instance by dtype. */
#ifndef HY_NN_FLOAT_H
#define HY_NN_FLOAT_H

#include "hydra/kernel.h"
#include "kernels/kernel_util.h"

#define NN_LOAD_D(v) ((double)(v))
#define NN_LOAD_F16(v) ((double)hy_k_f16_to_f32(v))
#define NN_STORE_F32(v) ((float)(v))
#define NN_STORE_F64(v) ((double)(v))
#define NN_STORE_F16(v) hy_k_f32_to_f16((float)(v))

#define NN_FLOAT_INSTANCES(GEN)                                                                    \
  GEN(f32, float, NN_LOAD_D, NN_STORE_F32)                                                         \
  GEN(f64, double, NN_LOAD_D, NN_STORE_F64)                                                        \
  GEN(f16, uint16_t, NN_LOAD_F16, NN_STORE_F16)

/* The instance for dtype, NULL for a dtype that is not float, double or float16. */
static inline hy_range_fn nn_float_pick(int32_t dtype, hy_range_fn f32, hy_range_fn f64,
                                        hy_range_fn f16) {
  switch (dtype) {
  case HY_DTYPE_FLOAT: return f32;
  case HY_DTYPE_DOUBLE: return f64;
  case HY_DTYPE_FLOAT16: return f16;
  default: return NULL;
  }
}

#endif
