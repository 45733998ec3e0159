/* Ops that rearrange or repeat elements as a strided view of their input: Transpose, Expand,
 * Tile, DepthToSpace, SpaceToDepth. All lower to the strided kernel. */
#include <string.h>

#include "ops/movement.h"

/* The view "reshape the input to vdims (rank vr, same element count), then permute by perm":
 * its dims and input strides, for mv_lower_strided. */
static void permuted_view(int32_t vr, const int64_t *vdims, const int64_t *perm, int64_t *dims,
                          int64_t *strides) {
  int64_t vs[16];
  mv_strides(vr, vdims, vs);
  for (int32_t i = 0; i < vr; i++) {
    dims[i] = vdims[perm[i]];
    strides[i] = vs[perm[i]];
  }
}

/* ---- Transpose ---- */
/* Transpose's perm, reversing the axes when absent. */
static hy_status transpose_perm(ir_graph *g, ir_node *n, const ir_type *t, int64_t *perm) {
  bool given;
  hy_status s = ir_attr_perm(g, n, "perm", t->rank, perm, &given);
  if (!s && !given)
    for (int32_t i = 0; i < t->rank; i++) perm[i] = t->rank - 1 - i;
  return s;
}

hy_status infer_transpose(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t perm[HY_MAX_RANK], dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = transpose_perm(g, n, t, perm);
  if (s) return s;
  for (int32_t i = 0; i < t->rank; i++) dims[i] = t->dims[perm[i]];
  ir_set_out(n, 0, t->dtype, t->rank, dims);
  return HY_OK;
}

hy_status lower_transpose(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t = ir_in_type(n, 0);
  int64_t perm[HY_MAX_RANK], dims[HY_MAX_RANK], str[HY_MAX_RANK];
  hy_status s = transpose_perm(g, n, t, perm);
  if (s) return s;
  permuted_view(t->rank, t->dims, perm, dims, str);
  return mv_lower_strided(g, n, l, t->rank, 0, dims, str);
}

/* ---- Expand: numpy broadcast of the input against a shape ---- */
static hy_status expand_type(ir_graph *g, ir_node *n, const ir_type *t, ir_type *out) {
  const int64_t *shape;
  int32_t count;
  ir_type want;
  hy_status s = ir_input_ints(g, n, 1, &shape, &count);
  if (s) return s;
  if (count > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "shape has %d dims; at most %d are supported",
                         count, HY_MAX_RANK);
  memset(&want, 0, sizeof want);
  want.dtype = t->dtype;
  want.rank = count;
  for (int32_t i = 0; i < count; i++) {
    if (shape[i] < 0) {
      char b[200];
      return ir_node_error(g, n, HY_ERR_SHAPE, "shape %s has a negative dim",
                           ir_fmt_ints(b, sizeof b, count, shape));
    }
    want.dims[i] = shape[i];
  }
  return ir_broadcast(g, n, t, &want, out);
}

hy_status infer_expand(ir_graph *g, ir_node *n) {
  const ir_type *t;
  ir_type out;
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = expand_type(g, n, t, &out);
  if (!s) ir_set_out(n, 0, t->dtype, out.rank, out.dims);
  return s;
}

hy_status lower_expand(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t = ir_in_type(n, 0), *o = &n->out[0]->type;
  int64_t istr[HY_MAX_RANK], str[HY_MAX_RANK];
  mv_strides(t->rank, t->dims, istr);
  for (int32_t i = 0; i < o->rank; i++) {
    int32_t k = i - (o->rank - t->rank);
    /* a dim the input does not have, or has as 1, repeats: stride 0 */
    str[i] = (k < 0 || (t->dims[k] == 1 && o->dims[i] != 1)) ? 0 : istr[k];
  }
  return mv_lower_strided(g, n, l, o->rank, 0, o->dims, str);
}

/* ---- Tile: each axis viewed as [repeats, dim] with the repeats at stride 0 ---- */
static hy_status tile_repeats(ir_graph *g, ir_node *n, const ir_type *t, const int64_t **rep) {
  int32_t count;
  hy_status s = ir_input_ints(g, n, 1, rep, &count);
  if (s) return s;
  if (count != t->rank)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "repeats has %d entries for rank %d", count,
                         t->rank);
  for (int32_t i = 0; i < count; i++)
    if ((*rep)[i] < 0)
      return ir_node_error(g, n, HY_ERR_SHAPE, "repeat %lld is negative", (long long)(*rep)[i]);
  return HY_OK;
}

hy_status infer_tile(ir_graph *g, ir_node *n) {
  const ir_type *t;
  const int64_t *rep;
  int64_t dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = tile_repeats(g, n, t, &rep);
  if (s) return s;
  for (int32_t i = 0; i < t->rank; i++)
    if (mul_overflows_i64(t->dims[i], rep[i], &dims[i])) /* hostile repeats */
      return ir_node_error(g, n, HY_ERR_SHAPE, "axis %d: %lld repeats of %lld overflow 64 bits", i,
                           (long long)rep[i], (long long)t->dims[i]);
  ir_set_out(n, 0, t->dtype, t->rank, dims);
  return HY_OK;
}

hy_status lower_tile(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t = ir_in_type(n, 0);
  const int64_t *rep;
  int64_t istr[HY_MAX_RANK], dims[2 * HY_MAX_RANK], str[2 * HY_MAX_RANK];
  hy_status s = tile_repeats(g, n, t, &rep);
  if (s) return s;
  mv_strides(t->rank, t->dims, istr);
  for (int32_t i = 0; i < t->rank; i++) {
    dims[2 * i] = rep[i], str[2 * i] = 0;
    dims[2 * i + 1] = t->dims[i], str[2 * i + 1] = istr[i];
  }
  return mv_lower_strided(g, n, l, 2 * t->rank, 0, dims, str);
}

/* ---- DepthToSpace / SpaceToDepth: a reshape to rank 6, a transpose, a reshape back ---- */
static hy_status block_input(ir_graph *g, ir_node *n, const ir_type **t, int64_t *b) {
  hy_status s = mv_input(g, n, 0, t);
  if (s) return s;
  if ((*t)->rank != 4)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input must have rank 4 (N,C,H,W), has %d",
                         (*t)->rank);
  *b = ir_attr_int(n, "blocksize", 0);
  if (*b < 1) return ir_attr_error(g, n, "blocksize", HY_ERR_INVALID_MODEL, "must be >= 1");
  return HY_OK;
}

/* The rank-6 view and permutation DepthToSpace (DCR or CRD) makes of [N,C,H,W]. */
static hy_status d2s_view(ir_graph *g, ir_node *n, const ir_type *t, int64_t b, int64_t *v,
                          int64_t *perm) {
  const char *mode = ir_attr_string(n, "mode", "DCR");
  int64_t c = t->dims[1] / (b * b), nn = t->dims[0], h = t->dims[2], w = t->dims[3];
  if (t->dims[1] % (b * b))
    return ir_node_error(g, n, HY_ERR_SHAPE, "channels %lld are not a multiple of blocksize^2 %lld",
                         (long long)t->dims[1], (long long)(b * b));
  if (!strcmp(mode, "DCR")) {
    int64_t vv[6] = {nn, b, b, c, h, w}, pp[6] = {0, 3, 4, 1, 5, 2};
    memcpy(v, vv, sizeof vv), memcpy(perm, pp, sizeof pp);
  } else if (!strcmp(mode, "CRD")) {
    int64_t vv[6] = {nn, c, b, b, h, w}, pp[6] = {0, 1, 4, 2, 5, 3};
    memcpy(v, vv, sizeof vv), memcpy(perm, pp, sizeof pp);
  } else {
    return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL, "'%s' is not DCR or CRD", mode);
  }
  return HY_OK;
}

hy_status infer_depthtospace(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t b = 1, v[6], perm[6];
  hy_status s = block_input(g, n, &t, &b);
  if (!s) s = d2s_view(g, n, t, b, v, perm);
  if (s) return s;
  int64_t dims[4] = {t->dims[0], t->dims[1] / (b * b), t->dims[2] * b, t->dims[3] * b};
  ir_set_out(n, 0, t->dtype, 4, dims);
  return HY_OK;
}

hy_status lower_depthtospace(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t b = 1, v[6], perm[6], dims[6], str[6];
  hy_status s = block_input(g, n, &t, &b);
  if (!s) s = d2s_view(g, n, t, b, v, perm);
  if (s) return s;
  permuted_view(6, v, perm, dims, str);
  return mv_lower_strided(g, n, l, 6, 0, dims, str);
}

/* SpaceToDepth's permutation of the rank-6 view [N, C, H/b, b, W/b, b]: blocks before channels
 * (DCR, the only order before version 28) or after them (CRD, version 28). */
static hy_status s2d_check(ir_graph *g, ir_node *n, const ir_type *t, int64_t b, int64_t *perm) {
  static const int64_t dcr[6] = {0, 3, 5, 1, 2, 4}, crd[6] = {0, 1, 3, 5, 2, 4};
  const char *mode = ir_attr_string(n, "mode", "DCR");
  if (t->dims[2] % b || t->dims[3] % b)
    return ir_node_error(g, n, HY_ERR_SHAPE, "height %lld and width %lld must be multiples of "
                         "blocksize %lld", (long long)t->dims[2], (long long)t->dims[3],
                         (long long)b);
  if (ir_attr_find(n, "mode") && n->version < 28)
    return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL, "is an attribute of SpaceToDepth "
                         "from version 28, this node is version %d", n->version);
  if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
    return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL, "'%s' is not DCR or CRD", mode);
  memcpy(perm, strcmp(mode, "DCR") ? crd : dcr, sizeof dcr);
  return HY_OK;
}

hy_status infer_spacetodepth(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t b = 1, perm[6];
  hy_status s = block_input(g, n, &t, &b);
  if (!s) s = s2d_check(g, n, t, b, perm);
  if (s) return s;
  int64_t dims[4] = {t->dims[0], t->dims[1] * b * b, t->dims[2] / b, t->dims[3] / b};
  ir_set_out(n, 0, t->dtype, 4, dims);
  return HY_OK;
}

hy_status lower_spacetodepth(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t b = 1, dims[6], str[6], perm[6];
  hy_status s = block_input(g, n, &t, &b);
  if (!s) s = s2d_check(g, n, t, b, perm);
  if (s) return s;
  int64_t v[6] = {t->dims[0], t->dims[1], t->dims[2] / b, b, t->dims[3] / b, b};
  permuted_view(6, v, perm, dims, str);
  return mv_lower_strided(g, n, l, 6, 0, dims, str);
}
