/* Hydra runtime public API: status codes, dtypes, tensors and model sessions.
 * This is what generated code and embedding programs include; it depends on libc only. */
#ifndef HYDRA_HYDRA_H
#define HYDRA_HYDRA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every runtime function that sees caller input returns one of these. */
typedef enum hy_status {
  HY_OK = 0,
  HY_ERR_INVALID_ARGUMENT, /* bad argument from the caller (NULL, wrong count) */
  HY_ERR_INVALID_MODEL,    /* malformed model: missing input, cycle, bad attribute */
  HY_ERR_UNSUPPORTED,      /* valid ONNX that Hydra does not implement yet */
  HY_ERR_SHAPE,            /* shapes that do not fit, or index out of range */
  HY_ERR_DTYPE,            /* element types that do not fit */
  HY_ERR_OUT_OF_MEMORY,
  HY_ERR_IO,               /* a file could not be read or written */
  HY_ERR_INTERNAL,         /* a bug in Hydra */
  HY_ERR_BUSY,             /* the session is running in another thread (see model.h) */
} hy_status;

const char *hy_status_name(hy_status s);

/* Element types; the values are ONNX TensorProto.DataType's so files map 1:1. */
typedef enum hy_dtype {
  HY_DTYPE_UNDEFINED = 0,
  HY_DTYPE_FLOAT = 1,
  HY_DTYPE_UINT8 = 2,
  HY_DTYPE_INT8 = 3,
  HY_DTYPE_UINT16 = 4,
  HY_DTYPE_INT16 = 5,
  HY_DTYPE_INT32 = 6,
  HY_DTYPE_INT64 = 7,
  HY_DTYPE_STRING = 8,
  HY_DTYPE_BOOL = 9,
  HY_DTYPE_FLOAT16 = 10,
  HY_DTYPE_DOUBLE = 11,
  HY_DTYPE_UINT32 = 12,
  HY_DTYPE_UINT64 = 13,
  HY_DTYPE_COMPLEX64 = 14,
  HY_DTYPE_COMPLEX128 = 15,
  HY_DTYPE_BFLOAT16 = 16,
  HY_DTYPE_FLOAT8E4M3FN = 17,   /* 1.4.3, bias 7, no inf, NaN S.1111.111, max 448 */
  HY_DTYPE_FLOAT8E4M3FNUZ = 18, /* 1.4.3, bias 8, no inf, no -0, NaN 0x80, max 240 */
  HY_DTYPE_FLOAT8E5M2 = 19,     /* 1.5.2, bias 15, IEEE inf and NaN, max 57344 */
  HY_DTYPE_FLOAT8E5M2FNUZ = 20, /* 1.5.2, bias 16, no inf, no -0, NaN 0x80, max 57344 */
  HY_DTYPE_UINT4 = 21,          /* packed two per byte, first element in the low nibble */
  HY_DTYPE_INT4 = 22,           /* likewise, two's complement [-8, 7] */
  HY_DTYPE_FLOAT4E2M1 = 23,     /* packed like int4; 1.2.1, bias 1, no inf or NaN, max 6 */
  HY_DTYPE_FLOAT8E8M0 = 24,     /* 2^(bits - 127), 0xFF is NaN: the MX scale type */
  HY_DTYPE_UINT2 = 25,          /* packed four per byte, first element in bits 0-1 */
  HY_DTYPE_INT2 = 26,           /* likewise, two's complement [-2, 1] */
  HY_DTYPE_FLOAT6E2M3 = 27,     /* named for messages only: Hydra holds no float6 tensors */
  HY_DTYPE_FLOAT6E3M2 = 28,
} hy_dtype;

/* Bits of one element (2, 4, 8, ... 128); 0 for types Hydra cannot hold (string, undefined,
 * unknown values). The packed 2- and 4-bit types fill bytes from the low bits up. */
int32_t hy_dtype_bits(hy_dtype t);
/* Bytes that n elements occupy, packed: ceil(n * bits / 8). The one place sizes are computed
 * (tensor bytes, the memory planner, tensor I/O, codegen). */
size_t hy_dtype_bytes(hy_dtype t, int64_t n);
/* Size of one element in bytes; 0 for the packed sub-byte types and for types Hydra cannot hold
 * (code that addresses elements by byte refuses both through this). */
size_t hy_dtype_size(hy_dtype t);
/* ONNX spelling ("float", "int64", "float8e4m3fn", ...); "undefined" for unknown values. */
const char *hy_dtype_name(hy_dtype t);

float hy_f16_to_f32(uint16_t h);
uint16_t hy_f32_to_f16(float f);
/* bfloat16: the high half of a float; to it rounds to nearest even, NaN stays a (quiet) NaN. */
float hy_bf16_to_f32(uint16_t h);
uint16_t hy_f32_to_bf16(float f);

#define HY_MAX_RANK 8

/* A tensor as the caller sees it: dense, row-major, owned by whoever allocated data.
 * Value-dependent outputs (NonZero, Unique, Compress, NonMaxSuppression, TopK with a run-time K;
 * hy_io_desc.bounded in model.h): the caller allocates the descriptor's shape, an upper bound;
 * hy_session_run_tensors then sets rank and dims to the actual shape, and data holds that tensor
 * dense at its start (the rest of the buffer is unspecified). */
typedef struct hy_tensor {
  hy_dtype dtype;
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
  void *data;
} hy_tensor;

int64_t hy_tensor_numel(const hy_tensor *t);
size_t hy_tensor_bytes(const hy_tensor *t);

#ifdef __cplusplus
}
#endif

#endif
