/* Hooks of the ops on the trailing matrices of a tensor: Trilu, EyeLike, Det (kernels trilu.c,
 * det.c). */
#include "ops/index.h"

/* ---- Trilu: k is an optional int64 scalar input, read by the kernel at run time ---- */
static hy_status trilu_read(ir_graph *g, ir_node *n, const ir_type **t, int64_t *upper) {
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = ir_attr_flag(g, n, "upper", 1, upper);
  if (s) return s;
  if ((*t)->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; Trilu needs at least 2",
                         (*t)->rank);
  const ir_type *kt = ir_in_type(n, 1);
  if (!kt) return HY_OK;
  if (kt->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 1 (k) must be int64, is %s",
                         hy_dtype_name(kt->dtype));
  if (ir_type_numel(kt) != 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 1 (k) must be a scalar, has %lld elements",
                         (long long)ir_type_numel(kt));
  return HY_OK;
}

hy_status infer_trilu(ir_graph *g, ir_node *n) {
  const ir_type *t;
  int64_t upper;
  hy_status s = trilu_read(g, n, &t, &upper);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return s;
}

hy_status lower_trilu(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  int64_t upper;
  hy_status s = trilu_read(g, n, &t, &upper);
  if (s) return s;
  l->kernel = HY_KERNEL_trilu;
  lower_int(l, upper);
  return HY_OK;
}

/* ---- EyeLike ---- */
static hy_status eyelike_read(ir_graph *g, ir_node *n, const ir_type **t, hy_dtype *dt,
                              int64_t *k) {
  int64_t d;
  hy_status s = mv_input(g, n, 0, t);
  if (!s) s = ix_attr_int(g, n, "k", 0, k);
  if (!s) s = ix_attr_int(g, n, "dtype", (*t)->dtype, &d);
  if (s) return s;
  if ((*t)->rank != 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; EyeLike needs 2",
                         (*t)->rank);
  if (!ir_dtype_is_numeric((hy_dtype)d) && d != HY_DTYPE_BOOL) {
    bool known = d > 0 && d <= HY_DTYPE_BFLOAT16;
    return ir_attr_error(g, n, "dtype", known ? HY_ERR_UNSUPPORTED : HY_ERR_INVALID_MODEL,
                         "%lld (%s) is not a numeric or bool type", (long long)d,
                         known ? hy_dtype_name((hy_dtype)d) : "?");
  }
  *dt = (hy_dtype)d;
  return HY_OK;
}

hy_status infer_eyelike(ir_graph *g, ir_node *n) {
  const ir_type *t;
  hy_dtype dt = HY_DTYPE_UNDEFINED;
  int64_t k;
  hy_status s = eyelike_read(g, n, &t, &dt, &k);
  if (!s) ir_set_out(n, 0, dt, 2, t->dims);
  return s;
}

hy_status lower_eyelike(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  hy_dtype dt;
  int64_t k;
  hy_status s = eyelike_read(g, n, &t, &dt, &k);
  if (s) return s;
  l->kernel = HY_KERNEL_eyelike;
  lower_int(l, k);
  return HY_OK;
}

/* ---- Det ---- */
static hy_status det_read(ir_graph *g, ir_node *n, const ir_type **t) {
  hy_status s = ix_input_numeric(g, n, 0, true, t);
  if (s) return s;
  int32_t r = (*t)->rank;
  if (r < 2 || (*t)->dims[r - 1] != (*t)->dims[r - 2]) {
    char buf[160];
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has shape %s; Det needs [*, M, M]",
                         format_dims(buf, sizeof buf, r, (*t)->dims));
  }
  return HY_OK;
}

hy_status infer_det(ir_graph *g, ir_node *n) {
  const ir_type *t;
  hy_status s = det_read(g, n, &t);
  if (!s) ir_set_out(n, 0, t->dtype, t->rank - 2, t->dims);
  return s;
}

hy_status lower_det(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *t;
  hy_status s = det_read(g, n, &t);
  if (s) return s;
  int64_t m = t->dims[t->rank - 1];
  l->kernel = HY_KERNEL_det;
  l->scratch_bytes = m * m * (int64_t)sizeof(double);
  return HY_OK;
}
