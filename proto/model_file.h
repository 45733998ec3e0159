/* Model files: mmap an ONNX model, unpack its ModelProto with protobuf-c and pull in the external
 * data of its tensors (confined to the model's folder). No dependency on the compiler: errors
 * are a hy_status plus a message written into the caller's buffer. */
#ifndef HYDRA_PROTO_MODEL_FILE_H
#define HYDRA_PROTO_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "hydra/hydra.h"
#include "onnx.pb-c.h"

/* A file mapped read-only. A zero-length file maps to data NULL, size 0. */
typedef struct pb_mapped {
  const void *data;
  size_t size;
} pb_mapped;

/* Maps path; refuses anything that is not a regular file. Release with pb_file_unmap. */
hy_status pb_file_map(const char *path, pb_mapped *out, char *err, size_t errlen);
void pb_file_unmap(pb_mapped *m);

/* An unpacked model. After pb_model_open/pb_model_parse every tensor that had its data in an
 * external file holds it in raw_data instead (data_location DEFAULT), so readers need not care.
 * Owns proto and everything it points to; release with pb_model_close. */
typedef struct pb_model {
  Onnx__ModelProto *proto;
} pb_model;

/* The deepest protobuf message nesting a model may have: ModelProto → GraphProto → NodeProto →
 * AttributeProto → GraphProto adds three levels per nested subgraph, TypeProto one per sequence
 * or optional level. 192 allows about 60 subgraphs inside each other; deeper models are refused
 * before protobuf-c's recursive unpack could exhaust the stack. */
#define PB_MODEL_MAX_DEPTH 192

/* The most bytes a model file may have: protobuf's own limit for one message (2 GiB - 1), which
 * ONNX shares; larger weights belong in external data, which this does not count. */
#define PB_MODEL_MAX_BYTES ((size_t)INT32_MAX)

/* The most nodes a model may have, subgraphs' included. Compile time and memory grow linearly
 * (about 0.2 ms of CPU and 12 KiB a node for `hydrac run` of a Relu chain), so this refuses a
 * model that would take minutes and gigabytes, before protobuf-c has unpacked it. */
#define PB_MODEL_MAX_NODES 1000000

/* Reads the model at path; external data is looked up in path's folder. Messages start with
 * path. */
hy_status pb_model_open(const char *path, pb_model *out, char *err, size_t errlen);

/* The same for bytes in memory (not kept after the call). name is used in messages; dir is the
 * folder external data is relative to, NULL to refuse external data. */
hy_status pb_model_parse(const char *name, const void *bytes, size_t n, const char *dir,
                         pb_model *out, char *err, size_t errlen);

void pb_model_close(pb_model *m);

#endif
