"""A few of onnx's own backend cases run through hydra.backend by onnx's runner (the whole
suite: onnx_backend/, see docs/conformance.md)."""
import onnx.backend.test

import hydra.backend

backend_test = onnx.backend.test.BackendTest(hydra.backend, __name__)
backend_test.include(r"^test_(add|relu|matmul_2d|softmax_axis_1|gemm_default_no_bias|"
                     r"layer_normalization_2d_axis1|reshape_reordered_all_dims|"
                     r"cast_FLOAT_to_BFLOAT16|cast_BFLOAT16_to_FLOAT|cast_FLOAT_to_FLOAT8E4M3FN|"
                     r"cast_FLOAT8E5M2_to_FLOAT|cast_FLOAT_to_INT4|cast_INT4_to_FLOAT|"
                     r"cast_FLOAT_to_UINT2|cast_UINT2_to_FLOAT|bitcast_scalar_float32_to_int32)_cpu$")
globals().update(backend_test.test_cases)
