/* Ops that pick or join parts of tensors along axes: Gather, Concat, Split, Slice. */
#include <string.h>

#include "ops/movement.h"

/* ---- Gather ---- */
/* Reads index k of a known int32/int64 indices tensor. */
static int64_t index_at(const ir_value *v, const void *data, int64_t k) {
  return v->type.dtype == HY_DTYPE_INT32 ? ((const int32_t *)data)[k]
                                         : ((const int64_t *)data)[k];
}

static hy_status gather_axis(ir_graph *g, ir_node *n, const ir_type *t, int64_t *axis) {
  return ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", 0), t->rank, axis);
}

hy_status infer_gather(ir_graph *g, ir_node *n) {
  const ir_type *t, *it;
  int64_t axis, dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = mv_input(g, n, 1, &it);
  if (!s) s = gather_axis(g, n, t, &axis);
  if (s) return s;
  if (it->dtype != HY_DTYPE_INT32 && it->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "indices must be int32 or int64, are %s",
                         hy_dtype_name(it->dtype));
  int32_t r = t->rank - 1 + it->rank;
  if (r > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "output rank %d exceeds %d", r, HY_MAX_RANK);
  /* constant indices are checked now; the kernel checks the others at run time */
  const void *known = ir_value_known(n->in[1]);
  int64_t d = t->dims[axis], cnt = ir_type_numel(it);
  for (int64_t k = 0; known && k < cnt; k++) {
    int64_t v = index_at(n->in[1], known, k);
    if (v < -d || v >= d)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "index %lld is out of range for axis %lld of size %lld", (long long)v,
                           (long long)axis, (long long)d);
  }
  int32_t o = 0;
  for (int32_t k = 0; k < axis; k++) dims[o++] = t->dims[k];
  for (int32_t k = 0; k < it->rank; k++) dims[o++] = it->dims[k];
  for (int32_t k = (int32_t)axis + 1; k < t->rank; k++) dims[o++] = t->dims[k];
  ir_set_out(n, 0, t->dtype, r, dims);
  return HY_OK;
}

hy_status lower_gather(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t = ir_in_type(n, 0);
  int64_t axis;
  hy_status s = gather_axis(g, n, t, &axis);
  if (s) return s;
  l->kernel = HY_KERNEL_gather;
  lower_int(l, mv_prod(t->dims, 0, (int32_t)axis));
  lower_int(l, t->dims[axis]);
  lower_int(l, mv_prod(t->dims, (int32_t)axis + 1, t->rank));
  lower_int(l, ir_type_numel(ir_in_type(n, 1)));
  lower_int(l, axis);
  return HY_OK;
}

/* ---- Concat and Split: [outer, chunk] rows, one chunk per part ---- */
static void lower_parts(ir_lowered *l, hy_kernel_id k, const ir_type *whole, int64_t axis,
                        int32_t n_parts, const int64_t *part_dims) {
  int64_t inner = mv_prod(whole->dims, (int32_t)axis + 1, whole->rank);
  l->kernel = k;
  lower_int(l, mv_prod(whole->dims, 0, (int32_t)axis));
  lower_int(l, n_parts);
  for (int32_t i = 0; i < n_parts; i++) lower_int(l, part_dims[i] * inner);
}

hy_status infer_concat(ir_graph *g, ir_node *n) {
  const ir_type *t0, *t;
  int64_t axis, dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t0);
  if (s) return s;
  if (!ir_attr_find(n, "axis"))
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL, "is required");
  if ((s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", 0), t0->rank, &axis))) return s;
  memcpy(dims, t0->dims, sizeof dims);
  for (int32_t i = 1; i < n->n_in; i++) {
    if ((s = mv_input(g, n, i, &t)) || (s = ir_check_same_dtype(g, n, 0, i))) return s;
    bool fits = t->rank == t0->rank;
    for (int32_t k = 0; fits && k < t->rank; k++) fits = k == axis || t->dims[k] == t0->dims[k];
    if (!fits) {
      char a[160], b[160];
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "input %d has shape %s, which does not fit input 0's %s off axis %lld",
                           i, format_dims(a, sizeof a, t->rank, t->dims),
                           format_dims(b, sizeof b, t0->rank, t0->dims), (long long)axis);
    }
    dims[axis] += t->dims[axis];
  }
  ir_set_out(n, 0, t0->dtype, t0->rank, dims);
  return HY_OK;
}

hy_status lower_concat(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t axis, parts[LOWER_MAX_INTS];
  const ir_type *out = &n->out[0]->type;
  hy_status s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", 0), out->rank, &axis);
  if (s) return s;
  if (n->n_in > LOWER_MAX_INTS - 2)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%d inputs; at most %d are supported", n->n_in,
                         LOWER_MAX_INTS - 2);
  for (int32_t i = 0; i < n->n_in; i++) parts[i] = n->in[i]->type.dims[axis];
  lower_parts(l, HY_KERNEL_concat, out, axis, n->n_in, parts);
  return HY_OK;
}

/* Split-18's num_outputs: absent, or an INT equal to the output count with no split input. */
static hy_status split_check_num_outputs(ir_graph *g, ir_node *n, bool have_split) {
  const ir_attr *a = ir_attr_find(n, "num_outputs");
  if (!a) return HY_OK;
  if (n->version < 18)
    return ir_attr_error(g, n, "num_outputs", HY_ERR_INVALID_MODEL,
                         "is an attribute of Split from version 18, this node is version %d",
                         n->version);
  if (a->kind != IR_ATTR_INT || a->i < 1)
    return ir_attr_error(g, n, "num_outputs", HY_ERR_INVALID_MODEL, "must be an int >= 1");
  if (have_split)
    return ir_attr_error(g, n, "num_outputs", HY_ERR_INVALID_MODEL,
                         "and input 'split' are both given; only one may be");
  if (a->i != n->n_out)
    return ir_attr_error(g, n, "num_outputs", HY_ERR_INVALID_MODEL,
                         "is %lld but the node has %d outputs", (long long)a->i, n->n_out);
  return HY_OK;
}

/* The sizes of Split's parts along axis: the split attribute (before opset 13) or input, else
 * equal parts; from version 18 parts of ceil(d / n) with a smaller last one when d does not
 * divide. */
static hy_status split_sizes(ir_graph *g, ir_node *n, const ir_type *t, int64_t *axis,
                             int64_t *sizes) {
  const int64_t *req = NULL;
  int32_t count = 0;
  bool present;
  hy_status s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", 0), t->rank, axis);
  if (!s) s = mv_ints_arg(g, n, "split", 1, 13, &req, &count, &present);
  if (!s) s = split_check_num_outputs(g, n, present);
  if (s) return s;
  int64_t d = t->dims[*axis], sum = 0;
  if (n->n_out > LOWER_MAX_INTS - 2)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%d outputs; at most %d are supported",
                         n->n_out, LOWER_MAX_INTS - 2);
  if (!present && n->version >= 18 && d % n->n_out) {
    int64_t chunk = d / n->n_out + 1, last = d - chunk * (n->n_out - 1);
    if (last < 0)
      return ir_node_error(g, n, HY_ERR_SHAPE, "axis %lld of size %lld does not split into %d "
                           "parts of %lld with a smaller last one", (long long)*axis,
                           (long long)d, n->n_out, (long long)chunk);
    for (int32_t i = 0; i < n->n_out; i++) sizes[i] = i + 1 < n->n_out ? chunk : last;
    return HY_OK;
  }
  if (!present) {
    if (d % n->n_out)
      return ir_node_error(g, n, HY_ERR_SHAPE, "axis %lld of size %lld does not split into %d "
                           "equal parts", (long long)*axis, (long long)d, n->n_out);
    for (int32_t i = 0; i < n->n_out; i++) sizes[i] = d / n->n_out;
    return HY_OK;
  }
  if (count != n->n_out)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "split has %d sizes for %d outputs", count,
                         n->n_out);
  for (int32_t i = 0; i < count; i++) {
    if (req[i] < 0)
      return ir_node_error(g, n, HY_ERR_SHAPE, "split size %lld is negative", (long long)req[i]);
    sizes[i] = req[i];
    sum += req[i];
  }
  if (sum != d)
    return ir_node_error(g, n, HY_ERR_SHAPE, "split sizes add up to %lld, axis %lld has %lld",
                         (long long)sum, (long long)*axis, (long long)d);
  return HY_OK;
}

hy_status infer_split(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t axis, sizes[LOWER_MAX_INTS], dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = split_sizes(g, n, t, &axis, sizes);
  if (s) return s;
  memcpy(dims, t->dims, sizeof dims);
  for (int32_t i = 0; i < n->n_out; i++) {
    dims[axis] = sizes[i];
    ir_set_out(n, i, t->dtype, t->rank, dims);
  }
  return HY_OK;
}

hy_status lower_split(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t axis, sizes[LOWER_MAX_INTS];
  const ir_type *t = ir_in_type(n, 0);
  hy_status s = split_sizes(g, n, t, &axis, sizes);
  if (!s) lower_parts(l, HY_KERNEL_split, t, axis, n->n_out, sizes);
  return s;
}

/* ---- Slice ---- */
typedef struct slice_plan {
  int64_t start[HY_MAX_RANK], step[HY_MAX_RANK], dims[HY_MAX_RANK];
} slice_plan;

/* Clamps one axis's start/end/step like numpy and sets p's entry for it. */
static void slice_axis(slice_plan *p, int32_t k, int64_t d, int64_t start, int64_t end,
                       int64_t step) {
  int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? d : d - 1;
  if (start < 0) start += d;
  if (end < 0) end += d;
  start = start < 0 ? 0 : start > hi ? hi : start; /* a start never reads before the data */
  if (step < 0 && start < 0) start = 0;
  end = end < lo ? lo : end > hi ? hi : end;
  /* unsigned: steps near INT64_MIN/MAX must not overflow */
  uint64_t dist = step > 0 ? (uint64_t)(end - start) : (uint64_t)(start - end);
  uint64_t ustep = step > 0 ? (uint64_t)step : (uint64_t)0 - (uint64_t)step;
  bool empty = d == 0 || (step > 0 ? end <= start : start <= end);
  p->start[k] = empty ? 0 : start;
  p->step[k] = step;
  p->dims[k] = empty ? 0 : (int64_t)((dist - 1) / ustep + 1);
}

static hy_status slice_get(ir_graph *g, ir_node *n, const ir_type *t, slice_plan *p) {
  const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
  int32_t ns = 0, ne = 0, na = 0, nst = 0;
  bool has_s, has_e, has_a, has_st;
  int64_t norm[HY_MAX_RANK];
  hy_status s = mv_ints_arg(g, n, "starts", 1, 10, &starts, &ns, &has_s);
  if (!s) s = mv_ints_arg(g, n, "ends", 2, 10, &ends, &ne, &has_e);
  if (!s) s = mv_ints_arg(g, n, "axes", 3, 10, &axes, &na, &has_a);
  if (!s) s = mv_ints_arg(g, n, "steps", 4, 10, &steps, &nst, &has_st);
  if (s) return s;
  if (!has_s || !has_e)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "starts and ends are required");
  if (ns != ne || (has_a && na != ns) || (has_st && nst != ns) || ns > t->rank)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "starts, ends, axes and steps must have the same length (at most the "
                         "rank %d): %d, %d, %d, %d", t->rank, ns, ne, has_a ? na : ns,
                         has_st ? nst : ns);
  for (int32_t k = 0; k < t->rank; k++) slice_axis(p, k, t->dims[k], 0, t->dims[k], 1);
  for (int32_t i = 0; i < ns; i++) norm[i] = i;
  if (has_a && (s = mv_norm_axes(g, n, "axes", axes, na, t->rank, norm))) return s;
  for (int32_t i = 0; i < ns; i++) {
    int64_t st = has_st ? steps[i] : 1;
    if (st == 0) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "step %d is 0", i);
    slice_axis(p, (int32_t)norm[i], t->dims[norm[i]], starts[i], ends[i], st);
  }
  return HY_OK;
}

hy_status infer_slice(ir_graph *g, ir_node *n) {
  const ir_type *t;
  slice_plan p;
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = slice_get(g, n, t, &p);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank, p.dims);
  return s;
}

hy_status lower_slice(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t = ir_in_type(n, 0);
  slice_plan p;
  int64_t istr[HY_MAX_RANK], str[HY_MAX_RANK], base = 0;
  hy_status s = slice_get(g, n, t, &p);
  if (s) return s;
  mv_strides(t->rank, t->dims, istr);
  for (int32_t k = 0; k < t->rank; k++) {
    base += p.start[k] * istr[k];
    str[k] = p.step[k] * istr[k];
  }
  return mv_lower_strided(g, n, l, t->rank, base, p.dims, str);
}
