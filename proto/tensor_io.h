/* TensorProto ↔ hy_tensor: the one conversion used for test-data files (input_N.pb/output_N.pb),
 * initializers and Constant attributes, and the writer for result files. */
#ifndef HYDRA_PROTO_TENSOR_IO_H
#define HYDRA_PROTO_TENSOR_IO_H

#include <stddef.h>

#include "hydra/hydra.h"
#include "onnx.pb-c.h"

/* Where converted data goes: returns size bytes aligned for any dtype, or NULL when out of
 * memory. ctx is passed through (an arena for the compiler, unused for malloc). */
typedef void *(*pb_alloc_fn)(void *ctx, size_t size);

/* Converts tp (data in raw_data or in the typed field its dtype uses) into out, with out->data
 * from alloc(ctx, bytes) (never NULL on success, also for zero elements). Checks dims (>= 0,
 * product without overflow, rank <= HY_MAX_RANK), the dtype, and that the data size matches the
 * dims. what names the tensor in messages ("model.onnx: initializer 'w'"). A tensor still
 * marked EXTERNAL is refused (pb_model_* resolves external data first). */
hy_status pb_tensor_from_proto(const Onnx__TensorProto *tp, pb_alloc_fn alloc, void *ctx,
                               hy_tensor *out, const char *what, char *err, size_t errlen);

/* Reads a TensorProto file into out (data malloc'd; free with pb_tensor_free). *name, if name is
 * not NULL, gets a malloc'd copy of the tensor's name ("" when none). A SequenceProto or
 * OptionalProto file is refused with a message saying so. */
hy_status pb_tensor_read(const char *path, hy_tensor *out, char **name, char *err, size_t errlen);

/* Writes t as a TensorProto file (dims, data_type, raw_data; name if not NULL). */
hy_status pb_tensor_write(const char *path, const hy_tensor *t, const char *name, char *err,
                          size_t errlen);

/* Frees data from pb_tensor_read and clears the tensor. */
void pb_tensor_free(hy_tensor *t);

#endif
