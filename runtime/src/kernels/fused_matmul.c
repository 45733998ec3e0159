/* FusedMatMul (compiler/passes/fuse_epilogue.c): a float MatMul or Gemm with its bias,
 * activation and residual Add applied by the GEMM's epilogue while each tile is in cache.
 *
 * fused_matmul: in A [..., K] (its leading dims are the rows), B [K, N] ([N, K] when transB; or
 * the packed-B layout), bias [N] (optional), residual shaped like the product (optional); out
 * Y [..., N].
 * ints: [transB, tasks, packed, act (HY_GEMM_ACT_*), has_bias, has_residual, outer, a_os, a_rs,
 * c_os, c_rs, r_os, r_rs]; floats: [alpha, beta (the bias' factor)]. scratch: as MatMul's.
 * The last seven reorder rows (a Transpose folded into the GEMM, compiler/ops/linalg.c): the
 * product runs as `outer` products of rows / outer rows each, the o-th reading A's rows from
 * row o * a_os in steps of a_rs, writing Y's from o * c_os in steps of c_rs and reading the
 * residual's from o * r_os in steps of r_rs; {1, 0, 1, 0, 1, 0, 1} is the plain product. */
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
  const int64_t outer = p->ints[6], a_os = p->ints[7], a_rs = p->ints[8], c_os = p->ints[9],
                c_rs = p->ints[10], r_os = p->ints[11], r_rs = p->ints[12];
  const float *A = in[0], *R = p->ints[5] ? in[3] : NULL;
  float *C = out[0];
  for (int64_t o = 0; o < outer; o++) {
    hy_sgemm_args g = {.M = rows / outer, .N = N, .K = K, .alpha = (float)p->floats[0],
                       .A = A + o * a_os * K, .rsa = a_rs * K, .csa = 1, .B = in[1],
                       .rsb = tb ? 1 : N, .csb = tb ? K : 1, .b_packed = p->ints[2] != 0,
                       .C = C + o * c_os * N, .ldc = c_rs * N, .isa = HY_GEMM_ISA_TARGET};
    g.ep = (hy_gemm_epilogue){.bias = p->ints[4] ? in[2] : NULL,
                              .bias_scale = (float)p->floats[1], .act = (int32_t)p->ints[3],
                              .res = R ? R + o * r_os * N : NULL, .ldr = r_rs * N};
    hy_sgemm_run(&g, scratch, (int32_t)p->ints[1], ex);
  }
  return HY_OK;
}
