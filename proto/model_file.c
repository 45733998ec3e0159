/* Model files: mmap, unpack the ModelProto, resolve external tensor data inside the model's folder. */
#define _GNU_SOURCE
#include "model_file.h"
#include "pb_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

hy_status pb_fail(char *err, size_t errlen, hy_status s, const char *fmt, ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return s;
}

/* ---- mapping ---- */

hy_status pb_file_map(const char *path, pb_mapped *out, char *err, size_t errlen) {
  out->data = NULL;
  out->size = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return pb_fail(err, errlen, HY_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return pb_fail(err, errlen, HY_ERR_IO, "%s: not a regular file", path);
  }
  if (st.st_size > 0) {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      close(fd);
      return pb_fail(err, errlen, HY_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
    }
    out->data = p;
    out->size = (size_t)st.st_size;
  }
  close(fd); /* the mapping keeps the file alive */
  return HY_OK;
}

void pb_file_unmap(pb_mapped *m) {
  if (m->data) munmap((void *)m->data, m->size);
  m->data = NULL;
  m->size = 0;
}

/* ---- external data ---- */

/* Where an external tensor is resolved: the model's name (messages), its folder (both as given
 * and canonical, for the containment check). */
typedef struct ext_ctx {
  const char *name;
  const char *dir;
  char real_dir[PATH_MAX];
  char *err;
  size_t errlen;
} ext_ctx;

/* Lexical check: relative, and no ".." climbs above the folder. Symlinks are caught later by
 * comparing canonical paths. */
static bool location_stays_inside(const char *loc) {
  if (loc[0] == '/') return false;
  int depth = 0;
  for (const char *p = loc; *p;) {
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (--depth < 0) return false;
    } else if (len > 0 && !(len == 1 && p[0] == '.')) {
      depth++;
    }
    p += len;
    if (*p == '/') p++;
  }
  return true;
}

/* Strict non-negative decimal; false on junk or overflow. */
static bool parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s) return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
      return false;
  }
  *out = v;
  return true;
}

static hy_status ext_keys(ext_ctx *c, const Onnx__TensorProto *t, const char *what,
                          const char **loc, uint64_t *offset, uint64_t *length, bool *has_length) {
  *loc = NULL;
  *offset = 0;
  *has_length = false;
  for (size_t i = 0; i < t->n_external_data; i++) {
    const Onnx__StringStringEntryProto *e = t->external_data[i];
    const char *k = e->key ? e->key : "", *v = e->value ? e->value : "";
    if (!strcmp(k, "location")) {
      *loc = v;
    } else if (!strcmp(k, "offset") || !strcmp(k, "length")) {
      bool is_off = k[0] == 'o';
      if (!parse_u64(v, is_off ? offset : length))
        return pb_fail(c->err, c->errlen, HY_ERR_INVALID_MODEL,
                       "%s: %s: external data %s '%s' is not a non-negative integer", c->name,
                       what, k, v);
      if (!is_off) *has_length = true;
    }
  }
  if (!*loc || !**loc)
    return pb_fail(c->err, c->errlen, HY_ERR_INVALID_MODEL, "%s: %s: external data has no location",
                   c->name, what);
  return HY_OK;
}

/* Reads [offset, offset+length) of the file into malloc'd memory (protobuf-c frees raw_data
 * with free(), the default allocator). */
static hy_status ext_read(ext_ctx *c, const char *what, const char *loc, const char *path,
                          uint64_t offset, uint64_t length, bool has_length, uint8_t **data,
                          size_t *n) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return pb_fail(c->err, c->errlen, HY_ERR_IO, "%s: %s: external data file '%s': %s", c->name,
                   what, loc, strerror(errno));
  struct stat st;
  hy_status s = HY_OK;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    s = pb_fail(c->err, c->errlen, HY_ERR_IO,
                "%s: %s: external data file '%s' is not a regular file", c->name, what, loc);
  } else {
    uint64_t size = (uint64_t)st.st_size;
    if (!has_length) length = offset <= size ? size - offset : 0;
    if (offset > size || length > size - offset) {
      s = pb_fail(c->err, c->errlen, HY_ERR_INVALID_MODEL,
                  "%s: %s: external data reads past the end of '%s' (offset %llu + length %llu > "
                  "size %llu)",
                  c->name, what, loc, (unsigned long long)offset, (unsigned long long)length,
                  (unsigned long long)size);
    } else if (!(*data = malloc(length ? (size_t)length : 1))) {
      s = pb_fail(c->err, c->errlen, HY_ERR_OUT_OF_MEMORY, "%s: %s: out of memory", c->name, what);
    } else {
      size_t done = 0;
      while (done < length) {
        ssize_t r = pread(fd, *data + done, (size_t)length - done, (off_t)(offset + done));
        if (r <= 0) {
          s = pb_fail(c->err, c->errlen, HY_ERR_IO, "%s: %s: reading external data file '%s': %s",
                      c->name, what, loc, r < 0 ? strerror(errno) : "unexpected end of file");
          free(*data);
          *data = NULL;
          break;
        }
        done += (size_t)r;
      }
      *n = (size_t)length;
    }
  }
  close(fd);
  return s;
}

/* Replaces an EXTERNAL tensor's location by its bytes in raw_data. */
static hy_status ext_resolve(ext_ctx *c, Onnx__TensorProto *t, const char *what) {
  if (!t || !t->has_data_location || t->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return HY_OK;
  const char *loc;
  uint64_t offset, length;
  bool has_length;
  hy_status s = ext_keys(c, t, what, &loc, &offset, &length, &has_length);
  if (s) return s;
  if (!c->dir)
    return pb_fail(c->err, c->errlen, HY_ERR_INVALID_MODEL,
                   "%s: %s: external data '%s' but the model was given without a folder", c->name,
                   what, loc);
  char joined[PATH_MAX], real[PATH_MAX];
  bool inside = location_stays_inside(loc) &&
                snprintf(joined, sizeof joined, "%s/%s", c->dir, loc) < (int)sizeof joined;
  if (inside && !realpath(joined, real))
    return pb_fail(c->err, c->errlen, HY_ERR_IO, "%s: %s: external data file '%s': %s", c->name,
                   what, loc, strerror(errno));
  size_t dl = strlen(c->real_dir);
  /* real_dir "/" is a prefix of everything; otherwise the next character must be '/'. */
  if (inside && (strncmp(real, c->real_dir, dl) || (dl > 1 && real[dl] != '/')))
    inside = false;
  if (!inside)
    return pb_fail(c->err, c->errlen, HY_ERR_INVALID_MODEL,
                   "%s: %s: external data location '%s' leaves the model's folder", c->name,
                   what, loc);
  uint8_t *data = NULL;
  size_t n = 0;
  if ((s = ext_read(c, what, loc, real, offset, length, has_length, &data, &n))) return s;
  free(t->raw_data.data);
  t->raw_data.data = data;
  t->raw_data.len = n;
  t->has_raw_data = 1;
  t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT;
  return HY_OK;
}

static hy_status ext_graph(ext_ctx *c, Onnx__GraphProto *g);

static hy_status ext_node(ext_ctx *c, Onnx__NodeProto *n) {
  char what[512];
  hy_status s = HY_OK;
  for (size_t i = 0; i < n->n_attribute && !s; i++) {
    Onnx__AttributeProto *a = n->attribute[i];
    snprintf(what, sizeof what, "node '%s' (%s): attribute '%s'", n->name ? n->name : "",
             n->op_type ? n->op_type : "", a->name ? a->name : "");
    s = ext_resolve(c, a->t, what);
    for (size_t k = 0; k < a->n_tensors && !s; k++) s = ext_resolve(c, a->tensors[k], what);
    if (!s && a->g) s = ext_graph(c, a->g);
    for (size_t k = 0; k < a->n_graphs && !s; k++) s = ext_graph(c, a->graphs[k]);
  }
  return s;
}

static hy_status ext_graph(ext_ctx *c, Onnx__GraphProto *g) {
  char what[512];
  hy_status s = HY_OK;
  for (size_t i = 0; i < g->n_initializer && !s; i++) {
    Onnx__TensorProto *t = g->initializer[i];
    snprintf(what, sizeof what, "initializer '%s'", t->name ? t->name : "");
    s = ext_resolve(c, t, what);
  }
  for (size_t i = 0; i < g->n_node && !s; i++) s = ext_node(c, g->node[i]);
  return s;
}

/* ---- models ---- */

hy_status pb_model_parse(const char *name, const void *bytes, size_t n, const char *dir,
                         pb_model *out, char *err, size_t errlen) {
  out->proto = NULL;
  if (n == 0)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL, "%s: empty file, not an ONNX model", name);
  if (n > PB_MODEL_MAX_BYTES)
    return pb_fail(err, errlen, HY_ERR_UNSUPPORTED,
                   "%s: the model is %zu bytes; Hydra reads model files up to %zu bytes "
                   "(protobuf's limit): keep large weights as external data",
                   name, n, PB_MODEL_MAX_BYTES);
  /* protobuf-c unpacks nested messages recursively: bound the depth first, and the node count
   * before unpacking them costs memory (model_file.h). */
  uint64_t n_nodes = 0;
  if (pb_wire_depth(&onnx__model_proto__descriptor, bytes, n, PB_MODEL_MAX_DEPTH,
                    &onnx__node_proto__descriptor, &n_nodes) == PB_DEPTH_TOO_DEEP)
    return pb_fail(err, errlen, HY_ERR_UNSUPPORTED,
                   "%s: messages nest %d or more levels deep (subgraphs or types inside each "
                   "other); Hydra reads models up to %d levels",
                   name, PB_MODEL_MAX_DEPTH, PB_MODEL_MAX_DEPTH - 1);
  if (n_nodes > PB_MODEL_MAX_NODES)
    return pb_fail(err, errlen, HY_ERR_UNSUPPORTED,
                   "%s: the model has %llu nodes (subgraphs included); Hydra compiles models of "
                   "up to %d nodes",
                   name, (unsigned long long)n_nodes, PB_MODEL_MAX_NODES);
  pb_alloc al;
  pb_alloc_init(&al);
  Onnx__ModelProto *m = onnx__model_proto__unpack(&al.base, n, bytes);
  if (!m && al.failed)
    return pb_fail(err, errlen, HY_ERR_OUT_OF_MEMORY, "%s: out of memory reading the model", name);
  if (!m)
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL,
                   "%s: not an ONNX model (protobuf parse failed: truncated or garbage)", name);
  /* Random bytes sometimes parse as a message of unknown fields; a model has a graph. */
  if (!m->graph) {
    onnx__model_proto__free_unpacked(m, NULL);
    return pb_fail(err, errlen, HY_ERR_INVALID_MODEL, "%s: not an ONNX model (it has no graph)",
                   name);
  }
  ext_ctx c = {.name = name, .dir = dir, .err = err, .errlen = errlen};
  if (dir && !realpath(dir, c.real_dir)) {
    onnx__model_proto__free_unpacked(m, NULL);
    return pb_fail(err, errlen, HY_ERR_IO, "%s: model folder '%s': %s", name, dir, strerror(errno));
  }
  hy_status s = ext_graph(&c, m->graph);
  if (s) {
    onnx__model_proto__free_unpacked(m, NULL);
    return s;
  }
  out->proto = m;
  return HY_OK;
}

hy_status pb_model_open(const char *path, pb_model *out, char *err, size_t errlen) {
  out->proto = NULL;
  pb_mapped map;
  hy_status s = pb_file_map(path, &map, err, errlen);
  if (s) return s;
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(dir, sizeof dir, ".");
  else if (slash == path)
    snprintf(dir, sizeof dir, "/");
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  /* protobuf-c copies what it keeps, so the mapping can go right after unpacking. */
  s = pb_model_parse(path, map.data, map.size, dir, out, err, errlen);
  pb_file_unmap(&map);
  return s;
}

void pb_model_close(pb_model *m) {
  if (m->proto) onnx__model_proto__free_unpacked(m->proto, NULL);
  m->proto = NULL;
}
