/* Message nesting depth of protobuf bytes (and how many messages of one type they hold),
 * measured before protobuf-c unpacks them: protobuf-c's
 * unpack recurses once per nested message, so a model of If-inside-If subgraphs a few thousand
 * deep exhausts the stack. This walk is iterative (an explicit stack bounded by the limit) and
 * follows the generated descriptors, so it descends only into fields that are messages. */
#include <stdint.h>

#include "pb_internal.h"

typedef struct wire_frame {
  const ProtobufCMessageDescriptor *desc;
  const uint8_t *end;
} wire_frame;

/* The varint at *p (at most 10 bytes, before end); false when truncated or too long. */
static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

static const ProtobufCMessageDescriptor *submessage(const ProtobufCMessageDescriptor *d,
                                                    uint64_t field) {
  const ProtobufCFieldDescriptor *f =
      field <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)field) : NULL;
  return f && f->type == PROTOBUF_C_TYPE_MESSAGE ? f->descriptor : NULL;
}

pb_depth_result pb_wire_depth(const ProtobufCMessageDescriptor *desc, const void *bytes,
                              size_t n, int limit, const ProtobufCMessageDescriptor *counted,
                              uint64_t *count) {
  wire_frame stack[PB_MAX_DEPTH_LIMIT + 1];
  if (limit > PB_MAX_DEPTH_LIMIT) limit = PB_MAX_DEPTH_LIMIT;
  int top = 0;
  const uint8_t *p = bytes;
  if (count) *count = 0;
  stack[0] = (wire_frame){desc, p + n};
  for (;;) {
    while (top > 0 && p == stack[top].end) top--; /* finished nested messages */
    if (p == stack[top].end) return PB_DEPTH_OK;  /* the top-level message is done */
    uint64_t key, len;
    if (!read_varint(&p, stack[top].end, &key)) return PB_DEPTH_MALFORMED;
    switch (key & 7) {
    case 0:
      if (!read_varint(&p, stack[top].end, &len)) return PB_DEPTH_MALFORMED;
      break;
    case 1:
    case 5: {
      size_t w = (key & 7) == 1 ? 8 : 4;
      if ((size_t)(stack[top].end - p) < w) return PB_DEPTH_MALFORMED;
      p += w;
      break;
    }
    case 2: {
      if (!read_varint(&p, stack[top].end, &len) || len > (uint64_t)(stack[top].end - p))
        return PB_DEPTH_MALFORMED;
      const ProtobufCMessageDescriptor *sub = submessage(stack[top].desc, key >> 3);
      if (count && sub && sub == counted) ++*count;
      if (!sub || len == 0) {
        p += len;
        break;
      }
      if (top + 1 >= limit) return PB_DEPTH_TOO_DEEP;
      stack[++top] = (wire_frame){sub, p + len};
      break;
    }
    default: return PB_DEPTH_MALFORMED; /* groups: not in ONNX's schema */
    }
  }
}
