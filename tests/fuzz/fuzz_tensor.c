/* Fuzz target: TensorProto bytes → the tensor reader (the path of initializers, Constant
 * attributes and every input_N.pb). A bad file must end in a status, never a crash or a leak. */
#include <stdint.h>
#include <stdlib.h>

#include "tensor_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *fuzz_alloc(void *ctx, size_t size) {
  (void)ctx;
  return malloc(size ? size : 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, size, data);
  if (!tp) return 0;
  hy_tensor t;
  char err[512];
  if (pb_tensor_from_proto(tp, fuzz_alloc, NULL, &t, "fuzz.pb", err, sizeof err) == HY_OK)
    free(t.data);
  onnx__tensor_proto__free_unpacked(tp, NULL);
  return 0;
}
