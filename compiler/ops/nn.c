/* Hooks of the nn ops Softmax, LogSoftmax, LayerNormalization and BatchNormalization: attribute
 * checks, output types, and the attribute blocks of the softmax / layernorm / batchnorm kernels
 * (runtime/src/kernels/softmax.c, norm.c). */
#include <string.h>

#include "ops/nn.h"

/* ---- Softmax, LogSoftmax ---- */

/* The [outer, n, inner] view of the input. Before opset 13 the input is coerced to 2-D at axis
 * (default 1): n is the product of the dims from axis. From 13 (default -1) n is dims[axis]. */
static hy_status softmax_view(ir_graph *g, ir_node *n, int64_t view[3]) {
  const ir_type *t;
  hy_status s = nn_input(g, n, 0, &t);
  if (s != HY_OK) return s;
  bool coerce = n->opset < 13;
  if (t->rank == 0)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 is a scalar; expected rank >= 1");
  int64_t axis;
  s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", coerce ? 1 : -1), t->rank, &axis);
  if (s != HY_OK) return s;
  view[0] = view[1] = view[2] = 1;
  for (int32_t i = 0; i < t->rank; i++) {
    int64_t d = t->dims[i];
    if (i < axis)
      view[0] *= d;
    else if (i == axis || coerce)
      view[1] *= d;
    else
      view[2] *= d;
  }
  return HY_OK;
}

hy_status infer_softmax(ir_graph *g, ir_node *n) {
  int64_t view[3];
  hy_status s = softmax_view(g, n, view);
  const ir_type *t = ir_in_type(n, 0);
  /* bfloat16 as float16: computed in float (softmax.c) */
  if (s == HY_OK && t->dtype != HY_DTYPE_BFLOAT16) s = nn_require_float(g, n, 0);
  if (s != HY_OK) return s;
  ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return HY_OK;
}

hy_status lower_softmax(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t view[3];
  hy_status s = softmax_view(g, n, view);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_softmax;
  for (int i = 0; i < 3; i++) lower_int(l, view[i]);
  lower_int(l, n->op == OP_LogSoftmax);
  return HY_OK;
}

/* ---- LayerNormalization (opset 17) ---- */

typedef struct layernorm_attrs {
  int64_t axis, outer, inner; /* X viewed as [outer, inner], inner = product of dims from axis */
  float epsilon;
} layernorm_attrs;

/* Scale (slot 1) and B (slot 2, optional) must hold inner elements, or one. */
static hy_status layernorm_param(ir_graph *g, ir_node *n, int32_t slot, int64_t inner) {
  const ir_type *t = ir_in_type(n, slot), *x = ir_in_type(n, 0);
  if (!t) return HY_OK;
  if (t->dtype != x->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d has type %s, expected %s like X", slot,
                         hy_dtype_name(t->dtype), hy_dtype_name(x->dtype));
  int64_t cnt = ir_type_numel(t);
  if (cnt != inner && cnt != 1) {
    char buf[128];
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input %d has shape %s; expected %lld elements (the normalised dims) or 1",
                         slot, ir_type_str(t, buf, sizeof buf), (long long)inner);
  }
  return HY_OK;
}

static hy_status layernorm_read(ir_graph *g, ir_node *n, layernorm_attrs *a) {
  const ir_type *t;
  hy_status s = nn_input(g, n, 0, &t);
  if (s == HY_OK) s = nn_require_float(g, n, 0);
  if (s == HY_OK) s = ir_norm_axis(g, n, "axis", ir_attr_int(n, "axis", -1), t->rank, &a->axis);
  if (s != HY_OK) return s;
  int64_t stash = ir_attr_int(n, "stash_type", 1);
  if (stash != HY_DTYPE_FLOAT)
    return ir_attr_error(g, n, "stash_type", HY_ERR_UNSUPPORTED,
                         "%lld is not supported; only 1 (float) is", (long long)stash);
  a->epsilon = ir_attr_float(n, "epsilon", 1e-5f);
  if (!(a->epsilon >= 0))
    return ir_attr_error(g, n, "epsilon", HY_ERR_INVALID_MODEL, "must be >= 0, is %g",
                         (double)a->epsilon);
  a->outer = a->inner = 1;
  for (int32_t i = 0; i < t->rank; i++) *(i < a->axis ? &a->outer : &a->inner) *= t->dims[i];
  s = layernorm_param(g, n, 1, a->inner);
  if (s == HY_OK) s = layernorm_param(g, n, 2, a->inner);
  return s;
}

hy_status infer_layernorm(ir_graph *g, ir_node *n) {
  layernorm_attrs a;
  hy_status s = layernorm_read(g, n, &a);
  if (s != HY_OK) return s;
  const ir_type *t = ir_in_type(n, 0);
  ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  int64_t stat[HY_MAX_RANK];
  for (int32_t i = 0; i < t->rank; i++) stat[i] = i < a.axis ? t->dims[i] : 1;
  ir_set_out(n, 1, HY_DTYPE_FLOAT, t->rank, stat); /* Mean and InvStdDev: the stash type */
  ir_set_out(n, 2, HY_DTYPE_FLOAT, t->rank, stat);
  return HY_OK;
}

hy_status lower_layernorm(ir_graph *g, ir_node *n, ir_lowered *l) {
  layernorm_attrs a;
  hy_status s = layernorm_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_layernorm;
  lower_int(l, a.outer);
  lower_int(l, a.inner);
  lower_float(l, a.epsilon);
  return HY_OK;
}

/* ---- BatchNormalization ---- */

typedef struct batchnorm_attrs {
  int64_t nb, c, spatial;
  bool training;
  float epsilon, momentum;
} batchnorm_attrs;

/* True when output i is requested. */
static bool nn_out_used(const ir_node *n, int32_t i) { return i < n->n_out && n->out[i]; }

static hy_status batchnorm_mode(ir_graph *g, ir_node *n, batchnorm_attrs *a) {
  a->training = false;
  if (n->opset >= 14) {
    int64_t tm;
    hy_status s = ir_attr_flag(g, n, "training_mode", 0, &tm);
    if (s != HY_OK) return s;
    a->training = tm == 1;
    if (!a->training && (nn_out_used(n, 1) || nn_out_used(n, 2)))
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                           "outputs running_mean and running_var need training_mode=1");
    return HY_OK;
  }
  for (int32_t i = 1; i < n->n_out; i++)
    if (n->out[i])
      return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                           "training outputs of BatchNormalization before opset 14 are not "
                           "supported (output %d is used)", i);
  if (n->opset < 9 && ir_attr_int(n, "spatial", 1) != 1)
    return ir_attr_error(g, n, "spatial", HY_ERR_UNSUPPORTED, "only spatial=1 is supported");
  return HY_OK;
}

static hy_status batchnorm_read(ir_graph *g, ir_node *n, batchnorm_attrs *a) {
  const ir_type *t;
  hy_status s = nn_input(g, n, 0, &t);
  if (s == HY_OK) s = nn_require_float(g, n, 0);
  if (s == HY_OK) s = batchnorm_mode(g, n, a);
  if (s != HY_OK) return s;
  if (t->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; expected [N, C, ...]", t->rank);
  a->nb = t->dims[0];
  a->c = t->dims[1];
  a->spatial = 1;
  for (int32_t i = 2; i < t->rank; i++) a->spatial *= t->dims[i];
  for (int32_t i = 1; i < 5; i++) {
    const ir_type *p;
    s = nn_input(g, n, i, &p);
    if (s == HY_OK) s = nn_require_float(g, n, i);
    if (s != HY_OK) return s;
    if (ir_type_numel(p) != a->c) {
      char buf[128];
      return ir_node_error(g, n, HY_ERR_SHAPE, "input %d has shape %s; expected [%lld] (C)", i,
                           ir_type_str(p, buf, sizeof buf), (long long)a->c);
    }
  }
  a->epsilon = ir_attr_float(n, "epsilon", 1e-5f);
  a->momentum = ir_attr_float(n, "momentum", 0.9f);
  if (!(a->epsilon >= 0))
    return ir_attr_error(g, n, "epsilon", HY_ERR_INVALID_MODEL, "must be >= 0, is %g",
                         (double)a->epsilon);
  return HY_OK;
}

hy_status infer_batchnorm(ir_graph *g, ir_node *n) {
  batchnorm_attrs a;
  hy_status s = batchnorm_read(g, n, &a);
  if (s != HY_OK) return s;
  const ir_type *t = ir_in_type(n, 0);
  ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  if (a.training) {
    ir_set_out(n, 1, ir_in_type(n, 3)->dtype, 1, &a.c);
    ir_set_out(n, 2, ir_in_type(n, 4)->dtype, 1, &a.c);
  }
  return HY_OK;
}

hy_status lower_batchnorm(ir_graph *g, ir_node *n, ir_lowered *l) {
  batchnorm_attrs a;
  hy_status s = batchnorm_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_batchnorm;
  lower_int(l, a.nb);
  lower_int(l, a.c);
  lower_int(l, a.spatial);
  lower_int(l, a.training);
  lower_float(l, a.epsilon);
  lower_float(l, a.momentum);
  return HY_OK;
}
