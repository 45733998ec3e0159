/* TensorProto ↔ hy_tensor: conversion with size checks, file read (refusing sequences and
 * optionals clearly) and write. */
#include "tensor_io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_file.h"
#include "pb_internal.h"

static void dims_str(char *buf, size_t n, size_t rank, const int64_t *dims) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (size_t i = 0; i < rank && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)dims[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

/* The typed field a dtype's values live in when there is no raw_data (onnx.proto's comments):
 * its element width, count and pointer. Narrow types are stored one per int32/uint64 value and
 * keep their low bytes (little-endian host); the packed 2- and 4-bit types store one packed
 * byte (four or two elements) per int32 value. */
typedef struct typed_field {
  const void *vals;
  size_t n, width;
} typed_field;

static typed_field field_of(const Onnx__TensorProto *tp, hy_dtype dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_COMPLEX64:
    return (typed_field){tp->float_data, tp->n_float_data, 4};
  case HY_DTYPE_INT32: case HY_DTYPE_INT16: case HY_DTYPE_INT8: case HY_DTYPE_UINT16:
  case HY_DTYPE_UINT8: case HY_DTYPE_BOOL: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ: case HY_DTYPE_FLOAT8E8M0: case HY_DTYPE_UINT4: case HY_DTYPE_INT4:
  case HY_DTYPE_FLOAT4E2M1: case HY_DTYPE_UINT2: case HY_DTYPE_INT2:
    return (typed_field){tp->int32_data, tp->n_int32_data, 4};
  case HY_DTYPE_INT64:
    return (typed_field){tp->int64_data, tp->n_int64_data, 8};
  case HY_DTYPE_DOUBLE: case HY_DTYPE_COMPLEX128:
    return (typed_field){tp->double_data, tp->n_double_data, 8};
  case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
    return (typed_field){tp->uint64_data, tp->n_uint64_data, 8};
  default:
    return (typed_field){NULL, 0, 0};
  }
}

static hy_status check_dims(const Onnx__TensorProto *tp, const char *what, int64_t *numel,
                            char *err, size_t errlen) {
  char ds[256];
  dims_str(ds, sizeof ds, tp->n_dims, tp->dims);
  if (tp->n_dims > HY_MAX_RANK)
    return pb_fail(err, errlen, HY_ERR_UNSUPPORTED, "%s: rank %zu exceeds Hydra's maximum %d",
                   what, tp->n_dims, HY_MAX_RANK);
  int64_t p = 1;
  for (size_t i = 0; i < tp->n_dims; i++) {
    if (tp->dims[i] < 0)
      return pb_fail(err, errlen, HY_ERR_INVALID_MODEL, "%s: dims %s: dimension %zu is negative",
                     what, ds, i);
    if (__builtin_mul_overflow(p, tp->dims[i], &p))
      return pb_fail(err, errlen, HY_ERR_INVALID_MODEL,
                     "%s: dims %s: element count overflows 64 bits", what, ds);
  }
  *numel = p;
  return HY_OK;
}

static hy_status check_dtype(const Onnx__TensorProto *tp, const char *what, char *err,
                             size_t errlen) {
  hy_dtype dt = (hy_dtype)tp->data_type;
  if (dt == HY_DTYPE_STRING)
    return pb_fail(err, errlen, HY_ERR_UNSUPPORTED, "%s: string tensors are not supported", what);
  if (dt == HY_DTYPE_FLOAT6E2M3 || dt == HY_DTYPE_FLOAT6E3M2)
    return pb_fail(err, errlen, HY_ERR_UNSUPPORTED, "%s: %s tensors are not supported yet", what,
                   hy_dtype_name(dt));
  if (hy_dtype_bits(dt) == 0)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL,
                   "%s: data_type %d is not a valid tensor element type", what, (int)tp->data_type);
  return HY_OK;
}

hy_status pb_tensor_from_proto(const Onnx__TensorProto *tp, pb_alloc_fn alloc, void *ctx,
                               hy_tensor *out, const char *what, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL, "%s: external data was not resolved", what);
  hy_status s;
  int64_t numel = 0;
  if ((s = check_dtype(tp, what, err, errlen)) || (s = check_dims(tp, what, &numel, err, errlen)))
    return s;
  hy_dtype dt = (hy_dtype)tp->data_type;
  size_t bits = (size_t)hy_dtype_bits(dt), nbits;
  if (__builtin_mul_overflow((size_t)numel, bits, &nbits) || nbits > SIZE_MAX - 7)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL, "%s: size in bytes overflows", what);
  size_t bytes = hy_dtype_bytes(dt, numel);
  char ds[256];
  dims_str(ds, sizeof ds, tp->n_dims, tp->dims);
  typed_field f = field_of(tp, dt);
  /* Bytes per field value: complex values are two components, packed types one byte of
   * elements; every other dtype is one element per field value. */
  bool complex = dt == HY_DTYPE_COMPLEX64 || dt == HY_DTYPE_COMPLEX128;
  size_t comp = bits < 8 ? 1 : complex ? bits / 16 : bits / 8;
  if (tp->has_raw_data && tp->raw_data.len != bytes)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL,
                   "%s: raw_data holds %zu bytes but dims %s of %s need %zu", what,
                   tp->raw_data.len, ds, hy_dtype_name(dt), bytes);
  if (!tp->has_raw_data && f.n != bytes / comp)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL,
                   "%s: holds %zu values but dims %s of %s need %zu", what, f.n, ds,
                   hy_dtype_name(dt), bytes / comp);
  uint8_t *data = alloc(ctx, bytes ? bytes : 1);
  if (!data) return pb_fail(err, errlen, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", what);
  if (tp->has_raw_data) {
    if (bytes) memcpy(data, tp->raw_data.data, bytes);
  } else {
    for (size_t i = 0; i < f.n; i++) memcpy(data + i * comp, (const uint8_t *)f.vals + i * f.width, comp);
  }
  out->dtype = dt;
  out->rank = (int32_t)tp->n_dims;
  for (size_t i = 0; i < tp->n_dims; i++) out->dims[i] = tp->dims[i];
  out->data = data;
  return HY_OK;
}

/* ---- files ---- */

static void *malloc_alloc(void *ctx, size_t size) {
  (void)ctx;
  return malloc(size);
}

static bool read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

/* SequenceProto and OptionalProto (onnx-data.proto, not compiled here) share a layout:
 * 1 name (bytes), 2 elem_type (varint), 3..7 element messages. A file made only of those
 * fields, with a name or an element, is one of them; *name gets the name. */
static bool looks_like_container(const uint8_t *p, size_t n, char *name, size_t name_len) {
  const uint8_t *end = p + n;
  bool marker = false;
  name[0] = '\0';
  while (p < end) {
    uint64_t key, v;
    if (!read_varint(&p, end, &key)) return false;
    uint64_t field = key >> 3, wt = key & 7;
    if (field == 2 && wt == 0) {
      if (!read_varint(&p, end, &v) || v > 5) return false;
      continue;
    }
    if (wt != 2 || field < 1 || field > 7 || !read_varint(&p, end, &v) || v > (uint64_t)(end - p))
      return false;
    if (field == 1) snprintf(name, name_len, "%.*s", (int)v, (const char *)p);
    marker = true;
    p += v;
  }
  return marker;
}

static hy_status read_tensor_bytes(const char *path, const pb_mapped *map, hy_tensor *out,
                                   char **name, char *err, size_t errlen) {
  if (map->size == 0)
    return pb_fail(err, errlen, HY_ERR_INVALID_ARGUMENT, "%s: empty file, not a TensorProto", path);
  pb_alloc al;
  pb_alloc_init(&al);
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(&al.base, map->size, map->data);
  hy_status s = tp ? pb_tensor_from_proto(tp, malloc_alloc, NULL, out, path, err, errlen)
                : al.failed
                    ? pb_fail(err, errlen, HY_ERR_OUT_OF_MEMORY, "%s: out of memory reading the "
                              "tensor", path)
                    : pb_fail(err, errlen, HY_ERR_INVALID_ARGUMENT,
                              "%s: not a TensorProto (protobuf parse failed: truncated or "
                              "garbage)", path);
  char cname[128];
  if (s && !al.failed && looks_like_container(map->data, map->size, cname, sizeof cname))
    s = pb_fail(err, errlen, HY_ERR_UNSUPPORTED,
                "%s: holds a SequenceProto or OptionalProto ('%s'), not a TensorProto: sequences "
                "and optionals are not supported yet",
                path, cname);
  if (!s && name && !(*name = strdup(tp->name ? tp->name : ""))) {
    pb_tensor_free(out);
    s = pb_fail(err, errlen, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
  }
  if (tp) onnx__tensor_proto__free_unpacked(tp, NULL);
  return s;
}

hy_status pb_tensor_read(const char *path, hy_tensor *out, char **name, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (name) *name = NULL;
  pb_mapped map;
  hy_status s = pb_file_map(path, &map, err, errlen);
  if (s) return s;
  s = read_tensor_bytes(path, &map, out, name, err, errlen);
  pb_file_unmap(&map);
  return s;
}

hy_status pb_tensor_write(const char *path, const hy_tensor *t, const char *name, char *err,
                          size_t errlen) {
  if (t->rank < 0 || t->rank > HY_MAX_RANK || hy_dtype_bits(t->dtype) == 0)
    return pb_fail(err, errlen, HY_ERR_INVALID_ARGUMENT, "%s: cannot write a tensor of rank %d, %s",
                   path, (int)t->rank, hy_dtype_name(t->dtype));
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  int64_t dims[HY_MAX_RANK];
  memcpy(dims, t->dims, sizeof dims);
  tp.n_dims = (size_t)t->rank;
  tp.dims = dims;
  tp.has_data_type = 1;
  tp.data_type = (int32_t)t->dtype;
  tp.has_raw_data = 1;
  tp.raw_data.len = hy_tensor_bytes(t);
  tp.raw_data.data = t->data;
  tp.name = (char *)(name ? name : "");
  size_t n = onnx__tensor_proto__get_packed_size(&tp);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) return pb_fail(err, errlen, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
  onnx__tensor_proto__pack(&tp, buf);
  FILE *f = fopen(path, "wb");
  hy_status s = HY_OK;
  if (!f || fwrite(buf, 1, n, f) != n)
    s = pb_fail(err, errlen, HY_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  if (f && fclose(f) != 0 && !s)
    s = pb_fail(err, errlen, HY_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  free(buf);
  return s;
}

void pb_tensor_free(hy_tensor *t) {
  free(t->data);
  memset(t, 0, sizeof *t);
}
