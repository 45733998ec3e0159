/* Helpers shared by the proto library's own files (not part of its interface). */
#ifndef HYDRA_PROTO_PB_INTERNAL_H
#define HYDRA_PROTO_PB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "hydra/hydra.h"

/* Writes the formatted message into err (when there is room) and returns s, so an error path is
 * one `return pb_fail(...)`. */
hy_status pb_fail(char *err, size_t errlen, hy_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- pb_alloc.c ---- */
/* malloc/free for protobuf-c's unpack, recording whether an allocation failed. What it unpacks
 * may be freed with a NULL allocator (protobuf-c's default is the same free). */
typedef struct pb_alloc {
  ProtobufCAllocator base;
  bool failed;
} pb_alloc;
void pb_alloc_init(pb_alloc *al);

/* ---- wire_depth.c ---- */
/* The deepest message nesting pb_wire_depth can measure; models are refused well before. */
#define PB_MAX_DEPTH_LIMIT 1024
typedef enum pb_depth_result {
  PB_DEPTH_OK,
  PB_DEPTH_TOO_DEEP,  /* a message nests `limit` or more levels deep */
  PB_DEPTH_MALFORMED, /* not valid wire format: left to the unpacker to report */
} pb_depth_result;
/* Walks bytes as a desc message without recursion and tells whether nesting stays below
 * limit (<= PB_MAX_DEPTH_LIMIT). When count is not NULL, *count is how many messages of type
 * counted it met at any depth (up to where the walk stopped). */
pb_depth_result pb_wire_depth(const ProtobufCMessageDescriptor *desc, const void *bytes,
                              size_t n, int limit, const ProtobufCMessageDescriptor *counted,
                              uint64_t *count);

#endif
