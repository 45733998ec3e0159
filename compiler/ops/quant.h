/* Element type rules shared by the quantization hooks (quant.c, quant_linalg.c).
 *
 * QuantizeLinear and DequantizeLinear take every quantized type of ONNX 1.23 but float6 (refused
 * with HY_ERR_UNSUPPORTED naming it): uint8, int8, uint16, int16, the packed uint4/int4 and
 * uint2/int2, float8 (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ) and float4e2m1. Adding one is a case in
 * q_type_since (and, for the integer GEMMs, Q_SET_GEMM in q_check_dtype) plus its load and store
 * in runtime/src/kernels/quant.h. */
#ifndef HC_OPS_QUANT_H
#define HC_OPS_QUANT_H

#include "ir/ir.h"

/* A type the quantization kernels store (the list above). */
bool q_is_quantized(int32_t dt);
/* The QuantizeLinear/DequantizeLinear version that introduced quantized type dt; 0 for others. */
int32_t q_type_since(int32_t dt);
/* Any type ONNX quantizes to, held by Hydra or not (these are refused as unsupported, the
 * others as wrong). */
bool q_is_onnx_quantized(int32_t dt);
/* hy_dtype_name, or "element type N" for a type hy_dtype does not name (yet). */
const char *q_dtype_str(ir_graph *g, int32_t dt);

typedef enum q_dtype_set {
  Q_SET_QUANTIZED, /* q_is_quantized */
  Q_SET_GEMM,      /* the integer GEMMs' operands: uint8, int8 */
  Q_SET_REAL,      /* scales and dequantized values: float, float16, bfloat16 */
} q_dtype_set;

/* dt (of input `slot` described as `what`, or slot -1 for an attribute's type) is in set; else
 * HY_ERR_UNSUPPORTED for a type ONNX allows but Hydra lacks, HY_ERR_DTYPE otherwise. */
hy_status q_check_dtype(ir_graph *g, ir_node *n, int32_t slot, const char *what, int32_t dt,
                        q_dtype_set set);
/* *t: the optional input slot's type (static shape required), NULL when omitted. */
hy_status q_optional_static(ir_graph *g, ir_node *n, int32_t slot, const ir_type **t);
/* Same dims, or both of one element (a scalar and [1] are the same zero point). */
bool q_same_shape(const ir_type *a, const ir_type *b);

#endif
