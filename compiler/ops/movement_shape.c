/* Ops that change only a tensor's shape (Identity, Reshape, Squeeze, Unsqueeze, Flatten: all
 * lowered to the copy kernel) or only its element type (BitCast, also a copy), and ops whose
 * output is known from shapes alone (Constant,
 * Shape, Size, ConstantOfShape). */
#include <string.h>

#include "ops/movement.h"

/* Output 0 takes input 0's dtype with the given shape; the node is a byte copy. */
static hy_status same_bytes_out(ir_graph *g, ir_node *n, int32_t rank, const int64_t *dims) {
  const ir_type *t = ir_in_type(n, 0);
  int64_t numel = mv_prod(dims, 0, rank);
  if (numel != ir_type_numel(t)) {
    char a[160], b[160];
    return ir_node_error(g, n, HY_ERR_INTERNAL, "shape %s does not hold %s",
                         format_dims(a, sizeof a, rank, dims), ir_type_str(t, b, sizeof b));
  }
  ir_set_out(n, 0, t->dtype, rank, dims);
  return HY_OK;
}

static hy_status lower_copy(ir_lowered *l) {
  l->kernel = HY_KERNEL_copy;
  return HY_OK;
}

/* ---- Identity ---- */
hy_status infer_identity(ir_graph *g, ir_node *n) {
  const ir_type *t;
  hy_status s = mv_input(g, n, 0, &t);
  return s ? s : same_bytes_out(g, n, t->rank, t->dims);
}
hy_status lower_identity(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g, (void)n;
  return lower_copy(l);
}

/* ---- BitCast: the same bits read as another type of the same width ---- */
static hy_status bitcast_get(ir_graph *g, ir_node *n, const ir_type **t, hy_dtype *to) {
  hy_status s = ir_input_static(g, n, 0, t);
  if (s) return s;
  hy_dtype from = (*t)->dtype;
  if (hy_dtype_bits(from) == 0)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 0 has type %s, which BitCast does not take",
                         hy_dtype_name(from));
  const ir_attr *a = ir_attr_find(n, "to");
  if (!a || a->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, "to", HY_ERR_INVALID_MODEL, "is required (an int dtype)");
  /* every element type but string; float6 came after BitCast's version 26 */
  if (a->i <= 0 || a->i > HY_DTYPE_INT2 || a->i == HY_DTYPE_STRING)
    return ir_attr_error(g, n, "to", HY_ERR_INVALID_MODEL, "is %lld, not a type BitCast "
                         "produces", (long long)a->i);
  *to = (hy_dtype)a->i;
  if (hy_dtype_bits(*to) != hy_dtype_bits(from))
    return ir_attr_error(g, n, "to", HY_ERR_DTYPE, "is %s (%d bits); the input is %s (%d bits): "
                         "BitCast needs equal widths", hy_dtype_name(*to), hy_dtype_bits(*to),
                         hy_dtype_name(from), hy_dtype_bits(from));
  return HY_OK;
}

hy_status infer_bitcast(ir_graph *g, ir_node *n) {
  const ir_type *t;
  hy_dtype to = HY_DTYPE_UNDEFINED;
  hy_status s = bitcast_get(g, n, &t, &to);
  if (s) return s;
  ir_set_out(n, 0, to, t->rank, t->dims);
  return HY_OK;
}
hy_status lower_bitcast(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  hy_dtype to = HY_DTYPE_UNDEFINED;
  hy_status s = bitcast_get(g, n, &t, &to);
  return s ? s : lower_copy(l);
}

/* ---- Reshape ---- */
/* The output dims of reshaping t to the requested shape req (0 copies, -1 inferred). */
static hy_status reshape_dims(ir_graph *g, ir_node *n, const ir_type *t, const int64_t *req,
                              int32_t count, int64_t *dims) {
  bool allowzero = n->opset >= 14 && ir_attr_int(n, "allowzero", 0) != 0;
  int32_t infer_at = -1;
  bool has_zero = false, overflow = false; /* a hostile shape's product may overflow */
  int64_t known = 1, numel = ir_type_numel(t);
  char a[160], b[400];
  if (count > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "shape has %d dims; at most %d are supported",
                         count, HY_MAX_RANK);
  for (int32_t i = 0; i < count; i++) {
    dims[i] = req[i];
    if (req[i] == 0 && !allowzero) {
      if (i >= t->rank)
        return ir_node_error(g, n, HY_ERR_SHAPE, "shape %s: dim %d is 0 (copy the input's) but "
                             "the input %s has rank %d", ir_fmt_ints(b, sizeof b, count, req), i,
                             format_dims(a, sizeof a, t->rank, t->dims), t->rank);
      dims[i] = t->dims[i];
    } else if (req[i] == -1) {
      if (infer_at >= 0)
        return ir_node_error(g, n, HY_ERR_SHAPE, "shape %s has more than one -1",
                             ir_fmt_ints(b, sizeof b, count, req));
      infer_at = i;
      continue;
    } else if (req[i] < -1) {
      return ir_node_error(g, n, HY_ERR_SHAPE, "shape %s has a negative dim %lld",
                           ir_fmt_ints(b, sizeof b, count, req), (long long)req[i]);
    }
    has_zero |= dims[i] == 0;
    overflow |= mul_overflows_i64(known, dims[i], &known);
  }
  if (allowzero && has_zero && infer_at >= 0)
    return ir_node_error(g, n, HY_ERR_SHAPE, "shape %s has both 0 and -1 with allowzero=1",
                         ir_fmt_ints(b, sizeof b, count, req));
  if (infer_at >= 0 && !overflow && known != 0 && numel % known == 0) {
    dims[infer_at] = numel / known;
    known = numel;
  }
  if (overflow || known != numel || (infer_at >= 0 && dims[infer_at] < 0))
    return ir_node_error(g, n, HY_ERR_SHAPE, "cannot reshape %s (%lld elements) to %s",
                         format_dims(a, sizeof a, t->rank, t->dims), (long long)numel,
                         ir_fmt_ints(b, sizeof b, count, req));
  return HY_OK;
}

hy_status infer_reshape(ir_graph *g, ir_node *n) {
  const ir_type *t;
  const int64_t *req;
  int32_t count;
  int64_t dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = ir_input_ints(g, n, 1, &req, &count);
  if (!s) s = reshape_dims(g, n, t, req, count, dims);
  return s ? s : same_bytes_out(g, n, count, dims);
}
hy_status lower_reshape(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g, (void)n;
  return lower_copy(l);
}

/* ---- Squeeze / Unsqueeze: axes an attribute before opset 13, an input from it ---- */
hy_status infer_squeeze(ir_graph *g, ir_node *n) {
  const ir_type *t;
  const int64_t *axes = NULL;
  int32_t count = 0, r = 0;
  bool present, drop[HY_MAX_RANK] = {0};
  int64_t norm[HY_MAX_RANK], dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = mv_ints_arg(g, n, "axes", 1, 13, &axes, &count, &present);
  if (s) return s;
  if (count > t->rank)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "%d axes for rank %d", count, t->rank);
  if ((s = mv_norm_axes(g, n, "axes", axes, count, t->rank, norm))) return s;
  for (int32_t i = 0; i < count; i++) {
    if (t->dims[norm[i]] != 1)
      return ir_node_error(g, n, HY_ERR_SHAPE, "cannot squeeze axis %lld of size %lld",
                           (long long)axes[i], (long long)t->dims[norm[i]]);
    drop[norm[i]] = true;
  }
  for (int32_t k = 0; k < t->rank; k++)
    if (!(count ? drop[k] : t->dims[k] == 1)) dims[r++] = t->dims[k];
  return same_bytes_out(g, n, r, dims);
}
hy_status lower_squeeze(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g, (void)n;
  return lower_copy(l);
}

hy_status infer_unsqueeze(ir_graph *g, ir_node *n) {
  const ir_type *t;
  const int64_t *axes = NULL;
  int32_t count = 0;
  bool present, ins[HY_MAX_RANK] = {0};
  int64_t norm[HY_MAX_RANK], dims[HY_MAX_RANK];
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = mv_ints_arg(g, n, "axes", 1, 13, &axes, &count, &present);
  if (s) return s;
  if (!present) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "axes are required");
  int32_t r = t->rank + count;
  if (r > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "output rank %d exceeds %d", r, HY_MAX_RANK);
  if ((s = mv_norm_axes(g, n, "axes", axes, count, r, norm))) return s;
  for (int32_t i = 0; i < count; i++) ins[norm[i]] = true;
  for (int32_t k = 0, j = 0; k < r; k++) dims[k] = ins[k] ? 1 : t->dims[j++];
  return same_bytes_out(g, n, r, dims);
}
hy_status lower_unsqueeze(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g, (void)n;
  return lower_copy(l);
}

/* ---- Flatten ---- */
hy_status infer_flatten(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t axis, dims[2];
  hy_status s = mv_input(g, n, 0, &t);
  if (s) return s;
  /* axis is in [-r, r] and a negative one counts from the back: -1 is r-1, not r */
  axis = ir_attr_int(n, "axis", 1);
  if (axis < -t->rank || axis > t->rank)
    return ir_attr_error(g, n, "axis", HY_ERR_INVALID_MODEL, "%lld is out of range [%d, %d]",
                         (long long)axis, -t->rank, t->rank);
  if (axis < 0) axis += t->rank;
  dims[0] = mv_prod(t->dims, 0, (int32_t)axis);
  dims[1] = mv_prod(t->dims, (int32_t)axis, t->rank);
  return same_bytes_out(g, n, 2, dims);
}
hy_status lower_flatten(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g, (void)n;
  return lower_copy(l);
}

/* ---- Constant ---- */
/* A copy of bytes in the arena (NULL when out of memory: mv_const_out reports it). */
static void *arena_copy(ir_graph *g, const void *src, size_t bytes) {
  void *p = arena_alloc(g->a, bytes ? bytes : 1);
  if (p && bytes) memcpy(p, src, bytes);
  return p;
}

hy_status infer_constant(ir_graph *g, ir_node *n) {
  static const char *const unsupported[] = {"sparse_value", "value_string", "value_strings"};
  for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
    if (ir_attr_find(n, unsupported[i]))
      return ir_attr_error(g, n, unsupported[i], HY_ERR_UNSUPPORTED, "is not supported");
  const ir_attr *a;
  if ((a = ir_attr_find(n, "value")) && a->kind == IR_ATTR_TENSOR && a->tensor) {
    const ir_value *v = a->tensor;
    if (!v->data && ir_type_numel(&v->type) != 0)
      return ir_attr_error(g, n, "value", HY_ERR_INVALID_MODEL, "tensor has no data");
    return mv_const_out(g, n, 0, v->type.dtype, v->type.rank, v->type.dims, v->data);
  }
  int64_t len;
  void *p;
  if ((a = ir_attr_find(n, "value_float")) && a->kind == IR_ATTR_FLOAT) {
    p = arena_copy(g, &a->f, sizeof a->f);
    return mv_const_out(g, n, 0, HY_DTYPE_FLOAT, 0, NULL, p);
  }
  if ((a = ir_attr_find(n, "value_int")) && a->kind == IR_ATTR_INT) {
    p = arena_copy(g, &a->i, sizeof a->i);
    return mv_const_out(g, n, 0, HY_DTYPE_INT64, 0, NULL, p);
  }
  if ((a = ir_attr_find(n, "value_floats")) && a->kind == IR_ATTR_FLOATS) {
    len = a->n;
    p = arena_copy(g, a->floats, (size_t)a->n * sizeof(float));
    return mv_const_out(g, n, 0, HY_DTYPE_FLOAT, 1, &len, p);
  }
  if ((a = ir_attr_find(n, "value_ints")) && a->kind == IR_ATTR_INTS) {
    len = a->n;
    p = arena_copy(g, a->ints, (size_t)a->n * sizeof(int64_t));
    return mv_const_out(g, n, 0, HY_DTYPE_INT64, 1, &len, p);
  }
  return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                       "needs one of the attributes value, value_float, value_floats, value_int, "
                       "value_ints (of the right kind)");
}
hy_status lower_constant(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)l;
  return mv_lower_inferred(g, n);
}

/* ---- Shape and Size: constants, since every shape is static after binding ---- */
/* The [start, end) range of dims Shape returns (opset 15 attributes, clamped like Slice). */
static void shape_range(const ir_node *n, int32_t rank, int64_t *start, int64_t *end) {
  int64_t b = n->opset >= 15 ? ir_attr_int(n, "start", 0) : 0;
  int64_t e = n->opset >= 15 ? ir_attr_int(n, "end", rank) : rank;
  if (b < 0) b += rank;
  if (e < 0) e += rank;
  *start = b < 0 ? 0 : b > rank ? rank : b;
  *end = e < *start ? *start : e > rank ? rank : e;
}

hy_status infer_shape(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t b, e;
  hy_status s = mv_input(g, n, 0, &t);
  if (s) return s;
  shape_range(n, t->rank, &b, &e);
  int64_t len = e - b;
  void *p = arena_copy(g, t->dims + b, (size_t)len * sizeof(int64_t));
  return mv_const_out(g, n, 0, HY_DTYPE_INT64, 1, &len, p);
}
hy_status lower_shape(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)l;
  return mv_lower_inferred(g, n);
}

hy_status infer_size(ir_graph *g, ir_node *n) {
  const ir_type *t;
  hy_status s = mv_input(g, n, 0, &t);
  if (s) return s;
  int64_t numel = ir_type_numel(t);
  void *p = arena_copy(g, &numel, sizeof numel);
  return mv_const_out(g, n, 0, HY_DTYPE_INT64, 0, NULL, p);
}
hy_status lower_size(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)l;
  return mv_lower_inferred(g, n);
}

/* ---- ConstantOfShape ---- */
/* The fill value's type and bytes: the 'value' attribute (one element), float 0 by default. */
static hy_status fill_value(ir_graph *g, ir_node *n, hy_dtype *dt, int64_t *bits) {
  const ir_attr *a = ir_attr_find(n, "value");
  *bits = 0;
  *dt = HY_DTYPE_FLOAT;
  if (!a) return HY_OK;
  const ir_value *v = a->kind == IR_ATTR_TENSOR ? a->tensor : NULL;
  if (!v || ir_type_numel(&v->type) != 1 || !v->data)
    return ir_attr_error(g, n, "value", HY_ERR_INVALID_MODEL, "must be a one-element tensor");
  size_t es = hy_dtype_size(v->type.dtype);
  if (es == 0 || es > sizeof *bits)
    return ir_attr_error(g, n, "value", HY_ERR_UNSUPPORTED, "type %s is not supported",
                         hy_dtype_name(v->type.dtype));
  memcpy(bits, v->data, es);
  *dt = v->type.dtype;
  return HY_OK;
}

hy_status infer_constantofshape(ir_graph *g, ir_node *n) {
  const int64_t *dims;
  int32_t count;
  hy_dtype dt;
  int64_t bits;
  char b[400];
  hy_status s = ir_input_ints(g, n, 0, &dims, &count);
  if (!s) s = fill_value(g, n, &dt, &bits);
  if (s) return s;
  if (count > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "shape has %d dims; at most %d are supported",
                         count, HY_MAX_RANK);
  for (int32_t i = 0; i < count; i++)
    if (dims[i] < 0)
      return ir_node_error(g, n, HY_ERR_SHAPE, "shape %s has a negative dim",
                           ir_fmt_ints(b, sizeof b, count, dims));
  ir_set_out(n, 0, dt, count, dims);
  return HY_OK;
}
hy_status lower_constantofshape(ir_graph *g, ir_node *n, ir_lowered *l) {
  hy_dtype dt;
  int64_t bits;
  hy_status s = fill_value(g, n, &dt, &bits);
  if (s) return s;
  l->kernel = HY_KERNEL_fill;
  lower_int(l, bits);
  return HY_OK;
}
