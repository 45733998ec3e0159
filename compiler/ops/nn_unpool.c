/* Hooks of MaxUnpool (versions 9 to 22; the maxunpool kernel, runtime/src/kernels/maxunpool.c)
 * and CenterCropPad (18; lowered to the movement family's pad kernel, whose negative pads crop). */
#include <string.h>

#include "ops/movement.h"
#include "ops/nn_attrs.h"

/* ---- MaxUnpool ---- */

typedef struct unpool_shape {
  int32_t rank;
  int64_t unpooled[HY_MAX_RANK]; /* what the indices number */
  int64_t out[HY_MAX_RANK];
} unpool_shape;

static hy_status unpool_read(ir_graph *g, ir_node *n, unpool_shape *u) {
  const ir_type *x, *ix;
  hy_status s;
  if ((s = ir_input_static(g, n, 0, &x)) || (s = nn_require_float(g, n, 0)) ||
      (s = ir_input_static(g, n, 1, &ix)))
    return s;
  if (x->rank < 3)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; expected [N, C, spatial...]",
                         x->rank);
  char b0[128], b1[128];
  if (ix->dtype != HY_DTYPE_INT64 || ix->rank != x->rank ||
      memcmp(ix->dims, x->dims, (size_t)x->rank * sizeof *x->dims))
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 1 (I) is %s; expected int64 of X's shape %s",
                         ir_type_str(ix, b0, sizeof b0), ir_type_str(x, b1, sizeof b1));
  int32_t nsp = x->rank - 2;
  int64_t k[HY_MAX_RANK], st[HY_MAX_RANK], pads[2 * HY_MAX_RANK];
  if (!ir_attr_find(n, "kernel_shape"))
    return ir_attr_error(g, n, "kernel_shape", HY_ERR_INVALID_MODEL, "is required");
  if ((s = nn_ints_attr(g, n, "kernel_shape", nsp, 1, 1, k)) ||
      (s = nn_ints_attr(g, n, "strides", nsp, 1, 1, st)) ||
      (s = nn_ints_attr(g, n, "pads", 2 * nsp, 0, 0, pads)))
    return s;
  u->rank = x->rank;
  u->unpooled[0] = x->dims[0];
  u->unpooled[1] = x->dims[1];
  for (int32_t d = 0; d < nsp; d++) {
    u->unpooled[2 + d] = (x->dims[2 + d] - 1) * st[d] + k[d] - pads[d] - pads[nsp + d];
    if (u->unpooled[2 + d] < 1)
      return ir_node_error(g, n, HY_ERR_SHAPE, "spatial dim %d would unpool to %lld elements", d,
                           (long long)u->unpooled[2 + d]);
  }
  memcpy(u->out, u->unpooled, sizeof u->out);
  if (!nn_input_given(n, 2)) return HY_OK;
  const int64_t *os;
  int32_t cnt;
  if ((s = ir_input_ints(g, n, 2, &os, &cnt))) return s;
  if (cnt != x->rank)
    return ir_node_error(g, n, HY_ERR_SHAPE, "output_shape has %d values; expected %d (X's rank)",
                         cnt, x->rank);
  for (int32_t d = 0; d < cnt; d++) {
    if (os[d] < u->unpooled[d] || (d < 2 && os[d] != x->dims[d]))
      return ir_node_error(g, n, HY_ERR_SHAPE, "output_shape[%d] is %lld; it must be %s %lld", d,
                           (long long)os[d], d < 2 ? "X's" : "at least the unpooled",
                           (long long)u->unpooled[d]);
    u->out[d] = os[d];
  }
  return HY_OK;
}

hy_status infer_maxunpool(ir_graph *g, ir_node *n) {
  unpool_shape u;
  hy_status s = unpool_read(g, n, &u);
  if (s) return s;
  ir_set_out(n, 0, ir_in_type(n, 0)->dtype, u.rank, u.out);
  return HY_OK;
}

hy_status lower_maxunpool(ir_graph *g, ir_node *n, ir_lowered *l) {
  unpool_shape u;
  hy_status s = unpool_read(g, n, &u);
  if (s) return s;
  l->kernel = HY_KERNEL_maxunpool;
  lower_int(l, u.rank);
  for (int32_t d = 0; d < u.rank; d++)
    lower_int(l, u.unpooled[d]);
  return HY_OK;
}

/* ---- CenterCropPad ---- */

/* Output dims and, per axis, how far the input moves (negative: the crop's start). */
static hy_status ccp_read(ir_graph *g, ir_node *n, int64_t *out, int64_t *shift) {
  const ir_type *x;
  const int64_t *shape;
  int32_t cnt;
  hy_status s;
  if ((s = ir_input_static(g, n, 0, &x)) || (s = ir_input_ints(g, n, 1, &shape, &cnt))) return s;
  size_t es = hy_dtype_size(x->dtype);
  if (x->dtype == HY_DTYPE_STRING || es < 1 || es > 8)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input 0 has type %s, which is not supported",
                         hy_dtype_name(x->dtype));
  int64_t axes[HY_MAX_RANK];
  const int64_t *av;
  int32_t na = x->rank;
  if (ir_attr_ints(n, "axes", &av, &na)) {
    if (na > x->rank)
      return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "has %d values for rank %d", na,
                           x->rank);
    for (int32_t i = 0; i < na; i++) {
      if ((s = ir_norm_axis(g, n, "axes", av[i], x->rank, &axes[i]))) return s;
      for (int32_t k = 0; k < i; k++)
        if (axes[k] == axes[i])
          return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "axis %lld appears twice",
                               (long long)axes[i]);
    }
  } else {
    for (int32_t i = 0; i < na; i++)
      axes[i] = i;
  }
  if (cnt != na)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 1 (shape) has %d values; expected %d (one "
                         "per axis)",
                         cnt, na);
  for (int32_t d = 0; d < x->rank; d++) {
    out[d] = x->dims[d];
    shift[d] = 0;
  }
  for (int32_t i = 0; i < na; i++) {
    int64_t a = axes[i], dim = x->dims[a];
    if (shape[i] < 0)
      return ir_node_error(g, n, HY_ERR_SHAPE, "input 1 (shape) value %lld is negative",
                           (long long)shape[i]);
    out[a] = shape[i];
    shift[a] = shape[i] >= dim ? (shape[i] - dim) / 2 : -((dim - shape[i]) / 2);
  }
  return HY_OK;
}

hy_status infer_centercroppad(ir_graph *g, ir_node *n) {
  int64_t out[HY_MAX_RANK], shift[HY_MAX_RANK];
  hy_status s = ccp_read(g, n, out, shift);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0);
  ir_set_out(n, 0, x->dtype, x->rank, out);
  return HY_OK;
}

/* The pad kernel in constant mode with a zero constant: its pads before each axis are the
 * shifts (negative ones crop). */
hy_status lower_centercroppad(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t out[HY_MAX_RANK], shift[HY_MAX_RANK];
  hy_status s = ccp_read(g, n, out, shift);
  if (s) return s;
  static const int64_t zero[2] = {0, 0};
  mv_lower_pad_block(l, ir_in_type(n, 0)->rank, 0, zero, shift);
  return HY_OK;
}
