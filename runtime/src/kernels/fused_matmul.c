/* FusedMatMul (compiler/passes/fuse_epilogue.c): a float MatMul or Gemm with its bias,
 * activation and residual Add applied by the GEMM's epilogue while each tile is in cache.
 *
 * fused_matmul: in A [..., K] (its leading dims are the rows), B [K, N] ([N, K] when transB; or
 * the packed-B layout), bias [N] (optional), residual shaped like Y (optional); out Y [..., N].
 * ints: [transB, tasks, packed, act (HY_GEMM_ACT_*), has_bias, has_residual]; floats: [alpha,
 * beta (the bias' factor)]. scratch: as MatMul's. */
#include "hydra/gemm.h"
#include "hydra/kernel.h"

hy_status hy_kernel_fused_matmul(const hy_kparams *p, const void *const *in, void *const *out,
                                 void *scratch, const hy_exec *ex) {
  const hy_tdesc *a = &p->in[0], *y = &p->out[0];
  if (y->dtype != HY_DTYPE_FLOAT) return HY_ERR_DTYPE;
  int64_t K = a->rank > 0 ? a->dims[a->rank - 1] : 1, N = y->rank > 0 ? y->dims[y->rank - 1] : 1;
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < a->rank; i++) rows *= a->dims[i];
  bool tb = p->ints[0] != 0;
  hy_sgemm_args g = {.M = rows, .N = N, .K = K, .alpha = (float)p->floats[0], .A = in[0],
                     .rsa = K, .csa = 1, .B = in[1], .rsb = tb ? 1 : N, .csb = tb ? K : 1,
                     .b_packed = p->ints[2] != 0, .C = out[0], .ldc = N,
                     .isa = HY_GEMM_ISA_TARGET};
  g.ep = (hy_gemm_epilogue){.bias = p->ints[4] ? in[2] : NULL, .bias_scale = (float)p->floats[1],
                            .act = (int32_t)p->ints[3], .res = p->ints[5] ? in[3] : NULL,
                            .ldr = N};
  hy_sgemm_run(&g, scratch, (int32_t)p->ints[1], ex);
  return HY_OK;
}
