/* Which version of an ONNX op a node means: the newest opset version at or below the model's
 * opset at which the op's definition changed (onnx_versions.def, generated from onnx). */
#include <string.h>

#include "ir/ir.h"
#include "ir/onnx_versions.def"

#define ONNX_MAX_VERSIONS 16

typedef struct onnx_op_versions {
  const char *name;
  int16_t v[ONNX_MAX_VERSIONS]; /* ascending, 0-terminated */
} onnx_op_versions;

static const onnx_op_versions onnx_ops[] = {
#define ONNX_ROW(name, ...) {#name, {__VA_ARGS__}},
    ONNX_OP_VERSIONS(ONNX_ROW)
#undef ONNX_ROW
};

_Static_assert(ONNX_NEWEST_OPSET == IR_NEWEST_OPSET, "ir.h and onnx_versions.def disagree");

static const onnx_op_versions *find(const char *op_type) {
  size_t lo = 0, hi = sizeof onnx_ops / sizeof onnx_ops[0];
  while (lo < hi) { /* the generator writes the rows sorted by name */
    size_t mid = (lo + hi) / 2;
    int c = strcmp(onnx_ops[mid].name, op_type);
    if (c == 0) return &onnx_ops[mid];
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return NULL;
}

int32_t ir_onnx_op_version(const char *op_type, int64_t opset) {
  const onnx_op_versions *o = op_type ? find(op_type) : NULL;
  int32_t version = 0;
  for (int i = 0; o && i < ONNX_MAX_VERSIONS && o->v[i] && o->v[i] <= opset; i++) version = o->v[i];
  return version;
}

int32_t ir_onnx_op_first_version(const char *op_type) {
  const onnx_op_versions *o = op_type ? find(op_type) : NULL;
  return o ? o->v[0] : 0;
}
