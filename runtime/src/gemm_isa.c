/* The GEMM micro-kernel family of the native runtime (constant folding in the compiler, tests):
 * what this build's compiler flags allow. Generated code gets its own definition from codegen. */
#include "hydra/gemm.h"

#if defined(__AVX512F__)
const int32_t hy_gemm_target_isa = HY_GEMM_ISA_AVX512;
#elif defined(__AVX2__) && defined(__FMA__)
const int32_t hy_gemm_target_isa = HY_GEMM_ISA_AVX2;
#else
const int32_t hy_gemm_target_isa = HY_GEMM_ISA_PORTABLE;
#endif
