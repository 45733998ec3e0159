/* Internal interface of the linalg kernels (gemm.c, matmul.c, conv.c): a GEMM over any of their
 * dtypes. float goes to the packed GEMM (hydra/gemm.h); the others, which the ONNX suite tests but
 * no model spends time on, use a plain dot-product loop. */
#ifndef HY_KERNELS_LINALG_H
#define HY_KERNELS_LINALG_H

#include "hydra/gemm.h"
#include "hydra/kernel.h"

/* C = alpha * A * B + beta * C (beta == 0 never reads C) for M x K by K x N strided views, strides
 * in elements. scratch/tasks as for hy_sgemm (only float uses them). HY_ERR_DTYPE for a dtype
 * outside float, double, float16, int32, int64, uint32, uint64. */
/* Element size of the linalg dtypes (hy_dtype_size lives outside the kernel bitcode). */
static inline size_t hy_linalg_esize(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: return 2;
  case HY_DTYPE_FLOAT: case HY_DTYPE_INT32: case HY_DTYPE_UINT32: return 4;
  default: return 8;
  }
}

hy_status hy_gemm_any(hy_dtype dt, int64_t M, int64_t N, int64_t K, double alpha, const void *A,
                      int64_t rsa, int64_t csa, const void *B, int64_t rsb, int64_t csb,
                      double beta, void *C, int64_t ldc, void *scratch, int32_t tasks,
                      const hy_exec *ex);

#endif
