/* The allocator the readers hand protobuf-c: its unpack returns the same NULL for bytes that do
 * not parse and for a failed allocation, and this one remembers the latter so the reader can say
 * "out of memory" instead of blaming the file. */
#include <stdlib.h>

#include "pb_internal.h"

static void *pb_alloc_fn(void *data, size_t size) {
  void *p = malloc(size);
  if (!p) ((pb_alloc *)data)->failed = true;
  return p;
}

static void pb_free_fn(void *data, void *p) {
  (void)data;
  free(p);
}

void pb_alloc_init(pb_alloc *al) {
  al->base = (ProtobufCAllocator){pb_alloc_fn, pb_free_fn, al};
  al->failed = false;
}
