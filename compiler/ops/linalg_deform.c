/* Hooks of DeformConv (versions 19, 22): Conv's geometry (linalg.c) plus the offset and mask
 * inputs' shapes, and the attribute block of the deform_conv kernel
 * (runtime/src/kernels/deform_conv.c, layout there). */
#include <stdio.h>

#include "ops/linalg.h"

enum { DC_X, DC_W, DC_OFFSET, DC_B, DC_MASK };

/* Every present input static and of one float dtype (bfloat16 from version 22). */
static hy_status dc_inputs(ir_graph *g, ir_node *n) {
  const ir_type *t;
  for (int32_t i = 0; i < n->n_in; i++) {
    if (!ir_in_type(n, i)) continue;
    hy_status s = ir_input_static(g, n, i, &t);
    if (s) return s;
    hy_dtype d = t->dtype;
    if (d != HY_DTYPE_FLOAT && d != HY_DTYPE_DOUBLE && d != HY_DTYPE_FLOAT16 &&
        (d != HY_DTYPE_BFLOAT16 || n->version < 22))
      return ir_node_error(
          g, n, HY_ERR_DTYPE, "input %d ('%s') has type %s; expected float, double, float16%s", i,
          n->in[i]->name, hy_dtype_name(d), n->version >= 22 ? " or bfloat16" : "");
  }
  return ir_check_same_dtype(g, n, 0, n->n_in - 1);
}

/* offset [N, G * K * r, out...] or mask [N, G * K, out...] (per: r or 1). */
static hy_status dc_check_side(ir_graph *g, ir_node *n, int32_t slot, int64_t per, int64_t groups,
                               const ir_type *x, const lin_conv_geom *c) {
  const ir_type *t = ir_in_type(n, slot);
  if (!t) return HY_OK;
  int64_t k = 1;
  for (int32_t d = 0; d < c->nsp; d++)
    k *= c->k[d];
  bool ok = t->rank == x->rank && t->dims[0] == x->dims[0] && t->dims[1] == groups * k * per;
  for (int32_t d = 0; d < c->nsp && ok; d++)
    ok = t->dims[2 + d] == c->out[d];
  if (ok) return HY_OK;
  char tt[128], want[160];
  int len = snprintf(want, sizeof want, "[%lld, %lld", (long long)x->dims[0],
                     (long long)(groups * k * per));
  for (int32_t d = 0; d < c->nsp && len > 0 && (size_t)len < sizeof want; d++)
    len += snprintf(want + len, sizeof want - (size_t)len, ", %lld", (long long)c->out[d]);
  return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') is %s; expected %s]", slot,
                       n->in[slot]->name, ir_type_str(t, tt, sizeof tt), want);
}

static hy_status dc_read(ir_graph *g, ir_node *n, lin_conv_geom *c, int64_t *groups) {
  hy_status s = dc_inputs(g, n);
  if (s) return s;
  const ir_type *x = ir_in_type(n, DC_X), *w = ir_in_type(n, DC_W);
  if ((s = lin_conv_check_shapes(g, n, x, w, ir_in_type(n, DC_B), ir_attr_int(n, "group", 1))) ||
      (s = lin_conv_geometry(g, n, x, w, c)))
    return s;
  *groups = ir_attr_int(n, "offset_group", 1);
  if (*groups < 1 || x->dims[1] % *groups)
    return ir_attr_error(g, n, "offset_group", HY_ERR_INVALID_MODEL,
                         "is %lld; expected a divisor of X's %lld channels", (long long)*groups,
                         (long long)x->dims[1]);
  if ((s = dc_check_side(g, n, DC_OFFSET, c->nsp, *groups, x, c)) ||
      (s = dc_check_side(g, n, DC_MASK, 1, *groups, x, c)))
    return s;
  return HY_OK;
}

hy_status infer_deform_conv(ir_graph *g, ir_node *n) {
  lin_conv_geom c;
  int64_t groups;
  hy_status s = dc_read(g, n, &c, &groups);
  if (s) return s;
  const ir_type *x = ir_in_type(n, DC_X);
  int64_t dims[HY_MAX_RANK] = {x->dims[0], ir_in_type(n, DC_W)->dims[0]};
  for (int32_t d = 0; d < c.nsp; d++)
    dims[2 + d] = c.out[d];
  ir_set_out(n, 0, x->dtype, x->rank, dims);
  return HY_OK;
}

hy_status lower_deform_conv(ir_graph *g, ir_node *n, ir_lowered *l) {
  lin_conv_geom c;
  int64_t groups;
  hy_status s = dc_read(g, n, &c, &groups);
  if (s) return s;
  l->kernel = HY_KERNEL_deform_conv;
  lower_int(l, c.nsp);
  lower_int(l, c.group);
  lower_int(l, groups);
  const int64_t *blocks[3] = {c.st, c.dl, c.pb};
  for (int32_t i = 0; i < 3; i++)
    for (int32_t d = 0; d < c.nsp; d++)
      lower_int(l, blocks[i][d]);
  l->scratch_bytes = ir_type_numel(&n->out[0]->type) * (int64_t)sizeof(double);
  return HY_OK;
}
