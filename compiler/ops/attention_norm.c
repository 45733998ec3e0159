/* Hooks of RMSNormalization (opset 23): axis, epsilon and stash_type checks, Scale's
 * unidirectional broadcast to X, and the attribute block of the rmsnorm kernel
 * (runtime/src/kernels/rmsnorm.c). */
#include "ops/attention.h"

typedef struct rms_attrs {
  int64_t axis, outer, inner, stash;
  bool full; /* scale is exactly the normalised dims: one row's worth, the same for every row */
  float epsilon;
} rms_attrs;

static hy_status rms_read(ir_graph *g, ir_node *n, rms_attrs *a) {
  const ir_type *x, *sc;
  hy_status s;
  if ((s = attn_float_input(g, n, 0, "X", true, &x)) ||
      (s = attn_float_input(g, n, 1, "scale", true, &sc)) ||
      (s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", -1), x->rank, &a->axis)))
    return s;
  a->stash = ir_attr_int(n, "stash_type", 1);
  if (a->stash != HY_DTYPE_FLOAT && a->stash != HY_DTYPE_DOUBLE)
    return ir_attr_error(g, n, "stash_type", HY_ERR_UNSUPPORTED,
                         "%lld is not supported; 1 (float) and 11 (double) are",
                         (long long)a->stash);
  a->epsilon = ir_attr_float(n, "epsilon", 1e-5f);
  if (!(a->epsilon >= 0))
    return ir_attr_error(g, n, "epsilon", HY_ERR_INVALID_MODEL, "must be >= 0, is %g",
                         (double)a->epsilon);
  bool ok = sc->rank <= x->rank;
  for (int32_t i = 0; ok && i < sc->rank; i++) {
    int64_t d = sc->dims[i], w = x->dims[x->rank - sc->rank + i];
    ok = d == w || d == 1;
  }
  if (!ok) {
    char bs[128], bx[128];
    return ir_node_error(g, n, HY_ERR_SHAPE, "scale %s does not broadcast to X %s",
                         ir_type_str(sc, bs, sizeof bs), ir_type_str(x, bx, sizeof bx));
  }
  a->outer = a->inner = 1;
  for (int32_t i = 0; i < x->rank; i++) *(i < a->axis ? &a->outer : &a->inner) *= x->dims[i];
  a->full = ir_type_numel(sc) == a->inner;
  for (int32_t i = 0; i < sc->rank; i++)
    if (x->rank - sc->rank + i < a->axis && sc->dims[i] != 1) a->full = false;
  return HY_OK;
}

hy_status infer_rmsnorm(ir_graph *g, ir_node *n) {
  rms_attrs a;
  hy_status s = rms_read(g, n, &a);
  if (s != HY_OK) return s;
  const ir_type *x = ir_in_type(n, 0);
  ir_set_out(n, 0, ir_in_type(n, 1)->dtype, x->rank, x->dims); /* Y is scale's type V */
  return HY_OK;
}

hy_status lower_rmsnorm(ir_graph *g, ir_node *n, ir_lowered *l) {
  rms_attrs a;
  hy_status s = rms_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_rmsnorm;
  lower_int(l, a.outer);
  lower_int(l, a.inner);
  lower_int(l, a.stash == HY_DTYPE_DOUBLE);
  lower_int(l, a.full);
  lower_float(l, a.epsilon);
  return HY_OK;
}
