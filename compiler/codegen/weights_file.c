/* The weights file of `hydrac compile --weights file`: which constants go to it, where, and
 * writing it. The layout is decided from the graph before any code is built, and from the
 * constants' content alone: the model's own constants (ir_value.from_model) larger than a
 * cache line, each distinct content once, ordered by content hash. Objects compiled from one
 * model for different shapes hold the same such constants (shapes change which constants are
 * folded from Shape, not the weights or their packing), so they write byte-identical files and
 * one file serves them all. Constants folded for one binding (a position table sliced to the
 * sequence length) are embedded in the object instead, or, when they are a 64-byte aligned run
 * of a filed constant's bytes (ir_value.view_of), served from there.
 *
 * The file starts with a header (hy_weights_header, model.h): a magic, the byte size and a
 * fingerprint of the layout, which the object records too, so the session refuses a file
 * written for another model instead of computing with the wrong numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/cg_internal.h"
#include "hydra/model.h"

/* Smaller constants (scalars, short shape vectors) stay in the object: whether one is a kernel
 * operand or folded into a fused node's parameters can depend on sizes, and it would cost more
 * in alignment than it saves. */
#define CG_WEIGHTS_MIN_BYTES 64
#define CG_WEIGHTS_ALIGN 64

typedef struct cg_weight_ref {
  ir_value *v;
  uint64_t hash; /* of the bytes alone: the file holds bytes, whatever their type */
  int64_t bytes;
} cg_weight_ref;

static int cmp_refs(const void *pa, const void *pb) {
  const cg_weight_ref *a = pa, *b = pb;
  if (a->hash != b->hash) return a->hash < b->hash ? -1 : 1;
  if (a->bytes != b->bytes) return a->bytes < b->bytes ? -1 : 1;
  return memcmp(a->v->data, b->v->data, (size_t)a->bytes);
}

static bool goes_to_file(const ir_value *v, int64_t bytes) {
  return v && v->data && v->from_model && bytes > CG_WEIGHTS_MIN_BYTES;
}

hy_status cg_weights_plan(ir_graph *g, cg_weights_out *w) {
  size_t nv = (size_t)(g->n_values > 0 ? g->n_values : 1);
  *w = (cg_weights_out){0};
  w->offset = arena_array(g->a, nv, sizeof *w->offset);
  int32_t n = 0;
  cg_weight_ref *refs = arena_array(g->a, nv, sizeof *refs);
  if (!w->offset || !refs) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  for (size_t i = 0; i < nv; i++) w->offset[i] = -1;
  /* The model constants the nodes read, and those folds for the binding read (which an object
   * for other shapes may read at run time): the same set whatever the shapes. */
  for (int32_t k = 0; k < g->n_values; k++) {
    ir_value *v = g->values[k];
    int64_t bytes = v ? ir_type_bytes(&v->type) : 0;
    if (goes_to_file(v, bytes) && (v->read_by_binding || v->n_uses > 0))
      refs[n++] = (cg_weight_ref){v, ir_hash_bytes(0, v->data, (size_t)bytes), bytes};
  }
  qsort(refs, (size_t)n, sizeof *refs, cmp_refs);
  w->blobs = arena_array(g->a, (size_t)(n > 0 ? n : 1), sizeof *w->blobs);
  if (!w->blobs) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  int64_t at = (int64_t)sizeof(hy_weights_header);
  uint64_t fp = ir_hash_bytes(0, HY_WEIGHTS_MAGIC, sizeof HY_WEIGHTS_MAGIC - 1);
  for (int32_t i = 0; i < n; i++) {
    if (i > 0 && cmp_refs(&refs[i - 1], &refs[i]) == 0) { /* the same bytes: one copy */
      w->offset[refs[i].v->id] = w->offset[refs[i - 1].v->id];
      continue;
    }
    at = (at + CG_WEIGHTS_ALIGN - 1) & ~(int64_t)(CG_WEIGHTS_ALIGN - 1);
    w->blobs[w->n++] = (cg_blob){refs[i].v->data, refs[i].bytes, at};
    w->offset[refs[i].v->id] = at;
    uint64_t entry[3] = {refs[i].hash, (uint64_t)refs[i].bytes, (uint64_t)at};
    fp = ir_hash_bytes(fp, entry, sizeof entry);
    at += refs[i].bytes;
  }
  /* A constant folded for the binding that is a run of a filed constant's bytes is served there. */
  for (int32_t k = 0; k < g->n_values; k++) {
    const ir_value *v = g->values[k];
    if (v && v->view_of && w->offset[v->id] < 0 && w->offset[v->view_of->id] >= 0)
      w->offset[v->id] = w->offset[v->view_of->id] + v->view_offset;
  }
  w->total = at;
  w->fingerprint = fp;
  return HY_OK;
}

/* Written beside path and renamed over it: a program that has the old file mapped keeps its
 * pages (compiling another shape rewrites the file a running one uses). */
hy_status cg_weights_write(ir_graph *g, const cg_weights_out *w, const char *path) {
  char *tmp = arena_printf(g->a, "%s.tmp%ld", path, (long)getpid());
  if (!tmp) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  FILE *f = fopen(tmp, "wb");
  if (!f) return diag_error(g->d, HY_ERR_IO, "%s: cannot create the weights file", path);
  hy_weights_header h = {.fingerprint = w->fingerprint, .bytes = (uint64_t)w->total};
  memcpy(h.magic, HY_WEIGHTS_MAGIC, sizeof h.magic);
  static const char zeros[CG_WEIGHTS_ALIGN];
  bool ok = fwrite(&h, sizeof h, 1, f) == 1;
  int64_t at = (int64_t)sizeof h;
  for (int32_t i = 0; i < w->n && ok; i++) {
    const cg_blob *b = &w->blobs[i];
    ok = fwrite(zeros, 1, (size_t)(b->offset - at), f) == (size_t)(b->offset - at) &&
         fwrite(b->data, 1, (size_t)b->bytes, f) == (size_t)b->bytes;
    at = b->offset + b->bytes;
  }
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, path) != 0) {
    hy_status s = diag_error(g->d, HY_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    remove(tmp);
    return s;
  }
  return HY_OK;
}
