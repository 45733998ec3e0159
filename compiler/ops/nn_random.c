/* The random-valued ops: RandomUniform, RandomNormal, their Like forms, Bernoulli, Multinomial,
 * and Dropout (the identity in inference, a random mask in training mode). Shape inference and
 * the attribute blocks of the kernels in runtime/src/kernels/random.c, which also says how the
 * seed is used and what happens without one. */
#include <math.h>
#include <string.h>

#include "ops/index.h"
#include "ops/nn.h"

/* The seed attribute: a float for the generators, an int for Dropout (from version 12). */
static hy_status random_seed(ir_graph *g, ir_node *n, bool *has, int64_t *bits) {
  const ir_attr *a = ir_attr_find(n, "seed");
  *has = a != NULL;
  *bits = 0;
  if (!a) return HY_OK;
  if (n->op == OP_Dropout) {
    if (a->kind != IR_ATTR_INT)
      return ir_attr_error(g, n, "seed", HY_ERR_INVALID_MODEL, "must be an int");
    *bits = a->i;
    return HY_OK;
  }
  if (a->kind != IR_ATTR_FLOAT)
    return ir_attr_error(g, n, "seed", HY_ERR_INVALID_MODEL, "must be a float");
  uint32_t u;
  memcpy(&u, &a->f, 4);
  *bits = u;
  return HY_OK;
}

/* A finite float attribute (low, high, mean, scale). */
/* float, double, float16, and bfloat16 from the op's version 22 (Dropout's 13). */
static bool random_real(const ir_node *n, hy_dtype dt) {
  int32_t bf16_since = n->op == OP_Dropout ? 13 : 22;
  return nn_is_float(dt) || (dt == HY_DTYPE_BFLOAT16 && n->version >= bf16_since);
}

static hy_status require_real(ir_graph *g, ir_node *n, const char *what, hy_dtype dt) {
  if (random_real(n, dt)) return HY_OK;
  return ir_node_error(g, n, HY_ERR_DTYPE,
                       "%s has type %s; version %d takes float, double, "
                       "float16%s",
                       what, hy_dtype_name(dt), n->version,
                       n->version >= (n->op == OP_Dropout ? 13 : 22) ? " or bfloat16" : "");
}

/* The output dtype: attribute dtype (dflt when absent), which must be one `ok` accepts. */
static hy_status out_dtype(ir_graph *g, ir_node *n, int64_t dflt,
                           bool (*ok)(const ir_node *, hy_dtype), const char *want, hy_dtype *dt) {
  int64_t d;
  hy_status s = ix_attr_int(g, n, "dtype", dflt, &d);
  if (s) return s;
  if (d < 0 || d > INT32_MAX || !ok(n, (hy_dtype)d))
    return ir_attr_error(g, n, "dtype", HY_ERR_DTYPE, "%lld (%s) is not %s", (long long)d,
                         d >= 0 && d <= INT32_MAX ? hy_dtype_name((hy_dtype)d) : "?", want);
  *dt = (hy_dtype)d;
  return HY_OK;
}

static bool bernoulli_out(const ir_node *n, hy_dtype dt) {
  (void)n;
  return ir_dtype_is_numeric(dt) || dt == HY_DTYPE_BOOL;
}
static bool index_out(const ir_node *n, hy_dtype dt) {
  (void)n;
  return dt == HY_DTYPE_INT32 || dt == HY_DTYPE_INT64;
}

/* The output type of a generator node into *dt, rank, dims. */
static hy_status random_out(ir_graph *g, ir_node *n, hy_dtype *dt, int32_t *rank, int64_t *dims) {
  const ir_type *t = NULL;
  hy_status s = HY_OK;
  if (n->op != OP_RandomUniform && n->op != OP_RandomNormal) {
    s = mv_input(g, n, 0, &t);
    if (s) return s;
    *rank = t->rank;
    memcpy(dims, t->dims, sizeof(int64_t) * (size_t)t->rank);
  }
  switch (n->op) {
  case OP_RandomUniform:
  case OP_RandomNormal: {
    const int64_t *shape;
    int32_t cnt;
    if (!ir_attr_ints(n, "shape", &shape, &cnt))
      return ir_attr_error(g, n, "shape", HY_ERR_INVALID_MODEL, "is required (a list of ints)");
    if (cnt > HY_MAX_RANK)
      return ir_attr_error(g, n, "shape", HY_ERR_UNSUPPORTED,
                           "has %d dims; at most %d are "
                           "supported",
                           cnt, HY_MAX_RANK);
    for (int32_t i = 0; i < cnt; i++)
      if (shape[i] < 0)
        return ir_attr_error(g, n, "shape", HY_ERR_INVALID_MODEL, "dim %d is negative (%lld)", i,
                             (long long)shape[i]);
    *rank = cnt;
    memcpy(dims, shape, sizeof(int64_t) * (size_t)cnt);
    return out_dtype(g, n, HY_DTYPE_FLOAT, random_real, "a float type", dt);
  }
  case OP_RandomUniformLike:
  case OP_RandomNormalLike:
    return out_dtype(g, n, t->dtype, random_real,
                     "a float type (set dtype when the input is not "
                     "one)",
                     dt);
  case OP_Bernoulli:
    s = require_real(g, n, "input 0 (the probabilities)", t->dtype);
    return s ? s : out_dtype(g, n, t->dtype, bernoulli_out, "a numeric type or bool", dt);
  case OP_Multinomial: {
    int64_t samples;
    s = require_real(g, n, "input 0", t->dtype);
    if (!s && t->rank != 2)
      s = ir_node_error(g, n, HY_ERR_SHAPE,
                        "input 0 has rank %d; expected [batch_size, "
                        "class_size]",
                        t->rank);
    if (!s) s = ix_attr_int(g, n, "sample_size", 1, &samples);
    if (!s && samples < 1)
      s = ir_attr_error(g, n, "sample_size", HY_ERR_INVALID_MODEL, "must be at least 1, is %lld",
                        (long long)samples);
    if (!s && t->dims[1] < 1)
      s = ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has no classes (class_size 0)");
    if (s) return s; /* samples is set only when every check above passed */
    dims[1] = samples;
    return out_dtype(g, n, HY_DTYPE_INT32, index_out, "int32 or int64", dt);
  }
  default: return ir_node_error(g, n, HY_ERR_INTERNAL, "not a random op");
  }
}

hy_status infer_random(ir_graph *g, ir_node *n) {
  hy_dtype dt = HY_DTYPE_UNDEFINED;
  int32_t rank = 0;
  int64_t dims[HY_MAX_RANK];
  bool has;
  int64_t seed;
  hy_status s = random_out(g, n, &dt, &rank, dims);
  if (!s) s = random_seed(g, n, &has, &seed);
  if (s) return s;
  ir_set_out(n, 0, dt, rank, dims);
  return HY_OK;
}

hy_status lower_random(ir_graph *g, ir_node *n, ir_lowered *l) {
  bool has;
  int64_t seed;
  hy_status s = random_seed(g, n, &has, &seed);
  if (s) return s;
  lower_int(l, has);
  lower_int(l, seed);
  switch (n->op) {
  case OP_Bernoulli: l->kernel = HY_KERNEL_bernoulli; return HY_OK;
  case OP_Multinomial: l->kernel = HY_KERNEL_multinomial; return HY_OK;
  default: break;
  }
  bool normal = n->op == OP_RandomNormal || n->op == OP_RandomNormalLike;
  float a, b;
  s = ir_attr_finite(g, n, normal ? "mean" : "low", 0.0f, &a);
  if (!s) s = ir_attr_finite(g, n, normal ? "scale" : "high", 1.0f, &b);
  if (s) return s;
  l->kernel = HY_KERNEL_random_fill;
  lower_int(l, normal);
  lower_float(l, a);
  lower_float(l, b);
  return HY_OK;
}

/* ---- Dropout ---- */

typedef enum { DROP_OFF, DROP_ON, DROP_AT_RUN_TIME } drop_mode;

/* Whether the node drops: before version 7 unless is_test is 1; versions 7 to 10 never (no
 * training mode); from 12 as input 2 (training_mode) says, read at run time when it is not known.
 * *ratio: the ratio when known (the attribute before 7, input 1 when known, 0.5 by default),
 * *ratio_known false when input 1 is only known at run time. */
static hy_status dropout_mode(ir_graph *g, ir_node *n, drop_mode *mode, double *ratio,
                              bool *ratio_known) {
  *ratio = 0.5;
  *ratio_known = true;
  *mode = DROP_OFF;
  if (n->version < 7) {
    int64_t is_test;
    const ir_attr *r = ir_attr_find(n, "ratio");
    if (r && r->kind != IR_ATTR_FLOAT)
      return ir_attr_error(g, n, "ratio", HY_ERR_INVALID_MODEL, "must be a float");
    if (r) *ratio = r->f;
    hy_status s = ir_attr_flag(g, n, "is_test", 0, &is_test);
    if (s) return s;
    *mode = is_test ? DROP_OFF : DROP_ON;
  } else if (n->version >= 12 && ir_in_type(n, 2)) {
    const ir_type *t = ir_in_type(n, 2);
    if (t->dtype != HY_DTYPE_BOOL || ir_type_numel(t) != 1)
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                           "input 2 (training_mode) is %s; expected "
                           "one bool",
                           hy_dtype_name(t->dtype));
    const void *known = ir_value_known(n->in[2]);
    *mode = !known ? DROP_AT_RUN_TIME : *(const uint8_t *)known ? DROP_ON : DROP_OFF;
    const ir_type *r = ir_in_type(n, 1);
    if (r) {
      hy_status s = require_real(g, n, "input 1 (ratio)", r->dtype);
      if (s) return s;
      if (ir_type_numel(r) != 1)
        return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                             "input 1 (ratio) must hold one value, "
                             "has %lld",
                             (long long)ir_type_numel(r));
      *ratio_known = ir_value_known(n->in[1]) != NULL;
      if (*ratio_known) s = ix_input_scalar(g, n, 1, "ratio", ratio);
      if (s) return s;
    }
  }
  if (*mode != DROP_OFF && *ratio_known && !(*ratio >= 0 && *ratio <= 1))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "ratio %g is outside [0, 1]", *ratio);
  return HY_OK;
}

hy_status infer_dropout(ir_graph *g, ir_node *n) {
  const ir_type *t;
  drop_mode mode;
  double ratio;
  bool ratio_known, has;
  int64_t seed;
  hy_status s = mv_input(g, n, 0, &t);
  if (!s) s = dropout_mode(g, n, &mode, &ratio, &ratio_known);
  if (!s) s = random_seed(g, n, &has, &seed);
  if (!s && mode != DROP_OFF && !random_real(n, t->dtype))
    s = ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                      "training mode on %s data is not supported (only "
                      "float, double, float16 and bfloat16)",
                      hy_dtype_name(t->dtype));
  if (s) return s;
  ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  /* the mask is bool from version 10, the data's type before */
  ir_set_out(n, 1, n->version >= 10 ? HY_DTYPE_BOOL : t->dtype, t->rank, t->dims);
  return HY_OK;
}

/* The copy kernel when nothing can be dropped (its mask is all ones), the dropout kernel
 * otherwise. */
hy_status lower_dropout(ir_graph *g, ir_node *n, ir_lowered *l) {
  drop_mode mode;
  double ratio;
  bool ratio_known, has;
  int64_t seed;
  hy_status s = dropout_mode(g, n, &mode, &ratio, &ratio_known);
  if (!s) s = random_seed(g, n, &has, &seed);
  if (s) return s;
  if (mode == DROP_OFF || (mode == DROP_ON && ratio_known && ratio == 0)) {
    l->kernel = HY_KERNEL_copy;
    return HY_OK;
  }
  l->kernel = HY_KERNEL_dropout;
  lower_int(l, has);
  lower_int(l, seed);
  lower_int(l, n->version < 7);
  lower_float(l, ratio);
  return HY_OK;
}
