/* Hooks of InstanceNormalization, GroupNormalization, LRN, LpNormalization and
 * MeanVarianceNormalization: attribute and parameter checks, and the blocks of the groupnorm,
 * lrn, lpnorm and mvn kernels (runtime/src/kernels/{groupnorm,lrn,lpnorm,mvn}.c). */
#include <string.h>

#include "ops/nn_attrs.h"

/* X: static, float, [N, C, ...]. */
static hy_status norm_nc_input(ir_graph *g, ir_node *n, const ir_type **x) {
  hy_status s = ir_input_static(g, n, 0, x);
  if (s || (s = nn_require_float(g, n, 0))) return s;
  if ((*x)->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; expected [N, C, ...]",
                         (*x)->rank);
  return HY_OK;
}

static int64_t norm_spatial(const ir_type *x) {
  int64_t sp = 1;
  for (int32_t i = 2; i < x->rank; i++)
    sp *= x->dims[i];
  return sp;
}

static hy_status norm_epsilon(ir_graph *g, ir_node *n, float *eps) {
  *eps = ir_attr_float(n, "epsilon", 1e-5f);
  if (!(*eps >= 0))
    return ir_attr_error(g, n, "epsilon", HY_ERR_INVALID_MODEL, "must be >= 0, is %g",
                         (double)*eps);
  return HY_OK;
}

static void norm_same_out(ir_node *n) {
  const ir_type *x = ir_in_type(n, 0);
  ir_set_out(n, 0, x->dtype, x->rank, x->dims);
}

/* ---- InstanceNormalization, GroupNormalization: the groupnorm kernel ---- */

typedef struct groupnorm_attrs {
  int64_t groups, per_channel;
  float eps;
} groupnorm_attrs;

static hy_status groupnorm_read(ir_graph *g, ir_node *n, groupnorm_attrs *a) {
  const ir_type *x;
  hy_status s = norm_nc_input(g, n, &x);
  if (s || (s = ir_check_same_dtype(g, n, 0, 2)) || (s = norm_epsilon(g, n, &a->eps))) return s;
  int64_t C = x->dims[1];
  if (n->op == OP_InstanceNormalization) {
    a->groups = C;
    a->per_channel = 1;
  } else {
    const ir_attr *ng = ir_attr_find(n, "num_groups");
    if (!ng || ng->kind != IR_ATTR_INT)
      return ir_attr_error(g, n, "num_groups", HY_ERR_INVALID_MODEL, "is required (an int)");
    a->groups = ng->i;
    if (a->groups < 1 || C % a->groups != 0)
      return ir_attr_error(g, n, "num_groups", HY_ERR_INVALID_MODEL,
                           "%lld does not divide the %lld channels", (long long)a->groups,
                           (long long)C);
    /* version 18 scales and shifts per group, 21 per channel */
    a->per_channel = n->version >= 21;
    int64_t stash = ir_attr_int(n, "stash_type", 1);
    if (n->version >= 21 && stash != HY_DTYPE_FLOAT && stash != HY_DTYPE_DOUBLE)
      return ir_attr_error(g, n, "stash_type", HY_ERR_UNSUPPORTED,
                           "%lld is not supported (1, float, and 11, double, are: statistics "
                           "are computed in double)",
                           (long long)stash);
  }
  int64_t want = a->per_channel ? C : a->groups;
  for (int32_t i = 1; i < 3; i++) {
    const ir_type *t;
    if ((s = ir_input_static(g, n, i, &t))) return s;
    if (t->rank != 1 || t->dims[0] != want) {
      char buf[128];
      return ir_node_error(g, n, HY_ERR_SHAPE, "input %d has shape %s; expected [%lld] (%s)", i,
                           ir_type_str(t, buf, sizeof buf), (long long)want,
                           a->per_channel ? "the channels" : "num_groups");
    }
  }
  return HY_OK;
}

hy_status infer_groupnorm(ir_graph *g, ir_node *n) {
  groupnorm_attrs a;
  hy_status s = groupnorm_read(g, n, &a);
  if (s) return s;
  norm_same_out(n);
  return HY_OK;
}

hy_status lower_groupnorm(ir_graph *g, ir_node *n, ir_lowered *l) {
  groupnorm_attrs a = {0};
  hy_status s = groupnorm_read(g, n, &a);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0);
  l->kernel = HY_KERNEL_groupnorm;
  const int64_t ints[] = {x->dims[0], x->dims[1], a.groups, norm_spatial(x), a.per_channel};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
    lower_int(l, ints[i]);
  lower_float(l, a.eps);
  return HY_OK;
}

/* ---- LRN ---- */

static hy_status lrn_read(ir_graph *g, ir_node *n, int64_t *size) {
  const ir_type *x;
  hy_status s = norm_nc_input(g, n, &x);
  if (s) return s;
  const ir_attr *a = ir_attr_find(n, "size");
  if (!a || a->kind != IR_ATTR_INT || a->i < 1)
    return ir_attr_error(g, n, "size", HY_ERR_INVALID_MODEL, "is required: an int >= 1");
  *size = a->i;
  return HY_OK;
}

hy_status infer_lrn(ir_graph *g, ir_node *n) {
  int64_t size;
  hy_status s = lrn_read(g, n, &size);
  if (s) return s;
  norm_same_out(n);
  return HY_OK;
}

hy_status lower_lrn(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t size = 0;
  hy_status s = lrn_read(g, n, &size);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0);
  l->kernel = HY_KERNEL_lrn;
  lower_int(l, x->dims[0]);
  lower_int(l, x->dims[1]);
  lower_int(l, norm_spatial(x));
  lower_int(l, size);
  lower_float(l, ir_attr_float(n, "alpha", 1e-4f));
  lower_float(l, ir_attr_float(n, "beta", 0.75f));
  lower_float(l, ir_attr_float(n, "bias", 1.0f));
  return HY_OK;
}

/* ---- LpNormalization ---- */

typedef struct lpnorm_attrs {
  int64_t outer, n, inner, p;
} lpnorm_attrs;

static hy_status lpnorm_read(ir_graph *g, ir_node *n, lpnorm_attrs *a) {
  const ir_type *x;
  hy_status s = ir_input_static(g, n, 0, &x);
  if (s || (s = nn_require_float(g, n, 0))) return s;
  if (x->rank < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 is a scalar; expected rank >= 1");
  int64_t axis;
  if ((s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", -1), x->rank, &axis))) return s;
  a->p = ir_attr_int(n, "p", 2);
  if (a->p != 1 && a->p != 2)
    return ir_attr_error(g, n, "p", HY_ERR_INVALID_MODEL, "must be 1 or 2, is %lld",
                         (long long)a->p);
  a->outer = a->inner = 1;
  for (int32_t d = 0; d < x->rank; d++)
    if (d < axis)
      a->outer *= x->dims[d];
    else if (d > axis)
      a->inner *= x->dims[d];
  a->n = x->dims[axis];
  return HY_OK;
}

hy_status infer_lpnorm(ir_graph *g, ir_node *n) {
  lpnorm_attrs a;
  hy_status s = lpnorm_read(g, n, &a);
  if (s) return s;
  norm_same_out(n);
  return HY_OK;
}

hy_status lower_lpnorm(ir_graph *g, ir_node *n, ir_lowered *l) {
  lpnorm_attrs a = {0};
  hy_status s = lpnorm_read(g, n, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_lpnorm;
  const int64_t ints[] = {a.outer, a.n, a.inner, a.p};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
    lower_int(l, ints[i]);
  return HY_OK;
}

/* ---- MeanVarianceNormalization ---- */

/* The mask of the reduced axes (default 0, 2, 3) and how many positions the others have. */
static hy_status mvn_read(ir_graph *g, ir_node *n, uint64_t *mask, int64_t *kept) {
  const ir_type *x;
  hy_status s = ir_input_static(g, n, 0, &x);
  if (s || (s = nn_require_float(g, n, 0))) return s;
  static const int64_t dflt[] = {0, 2, 3};
  const int64_t *axes = dflt;
  int32_t cnt = 3;
  if (!ir_attr_ints(n, "axes", &axes, &cnt)) {
    if (ir_attr_find(n, "axes"))
      return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "must be a list of ints");
    axes = dflt;
    cnt = 3;
  }
  *mask = 0;
  for (int32_t i = 0; i < cnt; i++) {
    int64_t a;
    if ((s = ir_norm_axis(g, n, "axes", axes[i], x->rank, &a))) return s;
    if (*mask >> a & 1)
      return ir_attr_error(g, n, "axes", HY_ERR_INVALID_MODEL, "axis %lld appears twice",
                           (long long)a);
    *mask |= 1ull << a;
  }
  *kept = 1;
  for (int32_t d = 0; d < x->rank; d++)
    if (!(*mask >> d & 1)) *kept *= x->dims[d];
  return HY_OK;
}

hy_status infer_mvn(ir_graph *g, ir_node *n) {
  uint64_t mask;
  int64_t kept;
  hy_status s = mvn_read(g, n, &mask, &kept);
  if (s) return s;
  norm_same_out(n);
  return HY_OK;
}

hy_status lower_mvn(ir_graph *g, ir_node *n, ir_lowered *l) {
  uint64_t mask;
  int64_t kept;
  hy_status s = mvn_read(g, n, &mask, &kept);
  if (s) return s;
  l->kernel = HY_KERNEL_mvn;
  lower_int(l, (int64_t)mask);
  l->scratch_bytes = 2 * kept * (int64_t)sizeof(double);
  return HY_OK;
}
