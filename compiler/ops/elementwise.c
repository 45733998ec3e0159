/* Hooks of the elementwise ops (unary math, broadcasting binary ops and comparisons, Sum/Mean/
 * Min/Max, Where, Clip, Cast/CastLike): dtype checks, numpy broadcasting, and the attribute
 * blocks of the kernels in runtime/src/kernels/{unary,binary,where,clip,cast}.c (layouts in
 * hydra/kernels_elementwise.def). */
#include <string.h>

#include "ops/elementwise.h"

/* ---- dtype classes ---- */

/* EW_FLOAT includes bfloat16: it computes like float16 (in float, rounded on store), ew_util.h's
 * EW_FLOAT_TYPES. */
typedef enum ew_class { EW_FLOAT, EW_NUMERIC, EW_INT, EW_BOOL, EW_ANY } ew_class;

static const char *ew_class_name(ew_class c) {
  switch (c) {
  case EW_FLOAT: return "float, double, float16 or bfloat16";
  case EW_NUMERIC: return "a numeric type";
  case EW_INT: return "an integer type";
  case EW_BOOL: return "bool";
  case EW_ANY: break;
  }
  return "a numeric type or bool";
}

/* Input slot must be present with a dtype of class c; the error names the input and, for types
 * ONNX allows but Hydra lacks (string, complex, float8 and the sub-byte types), says so. */
static hy_status ew_check_input(ir_graph *g, ir_node *n, int32_t slot, ew_class c) {
  const ir_type *t = ir_in_type(n, slot);
  if (!t) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input %d is missing", slot);
  hy_dtype d = t->dtype;
  bool ok = c == EW_FLOAT     ? ir_dtype_is_float(d)
            : c == EW_NUMERIC ? ir_dtype_is_numeric(d)
            : c == EW_INT     ? ir_dtype_is_int(d)
            : c == EW_BOOL    ? d == HY_DTYPE_BOOL
                              : ir_dtype_is_numeric(d) || d == HY_DTYPE_BOOL;
  if (ok) return HY_OK;
  bool later = d == HY_DTYPE_STRING || d == HY_DTYPE_COMPLEX64 ||
               d == HY_DTYPE_COMPLEX128 || (d >= HY_DTYPE_FLOAT8E4M3FN && d <= HY_DTYPE_FLOAT6E3M2);
  return ir_node_error(g, n, later ? HY_ERR_UNSUPPORTED : HY_ERR_DTYPE,
                       "input %d ('%s') has type %s; %s %s", slot, n->in[slot]->name,
                       hy_dtype_name(d), later ? "not supported yet, expected" : "expected",
                       ew_class_name(c));
}

static hy_status ew_check_all(ir_graph *g, ir_node *n, ew_class c) {
  for (int32_t i = 0; i < n->n_in; i++) {
    hy_status s = ew_check_input(g, n, i, c);
    if (s != HY_OK) return s;
  }
  return ir_check_same_dtype(g, n, 0, n->n_in - 1);
}

/* Output type: every present input broadcast together, with dtype dt. */
static hy_status ew_broadcast_out(ir_graph *g, ir_node *n, hy_dtype dt) {
  ir_type o = *ir_in_type(n, 0);
  for (int32_t i = 1; i < n->n_in; i++) {
    const ir_type *t = ir_in_type(n, i);
    if (!t) continue;
    hy_status s = ir_broadcast(g, n, &o, t, &o);
    if (s != HY_OK) return s;
  }
  ir_set_out(n, 0, dt, o.rank, o.dims);
  return HY_OK;
}

/* ---- the broadcasting walk handed to the kernels ---- */

void ew_lower_walk(ir_lowered *l, int32_t n_ops, const ir_type *const *ops, const ir_type *out) {
  int64_t dims[HY_MAX_RANK], st[EW_MAX_OPS][HY_MAX_RANK];
  int32_t r = 0;
  int64_t numel = ir_type_numel(out);
  for (int32_t i = 0; i < out->rank && numel != 0; i++) {
    if (out->dims[i] == 1) continue;
    for (int32_t k = 0; k < n_ops; k++) {
      const ir_type *t = ops[k];
      int32_t j = i - (out->rank - t->rank);
      int64_t stride = 1;
      for (int32_t q = j + 1; j >= 0 && q < t->rank; q++) stride *= t->dims[q];
      st[k][r] = (j < 0 || t->dims[j] == 1) ? 0 : stride;
    }
    dims[r++] = out->dims[i];
  }
  /* merge dim d into d-1 when each operand steps over both as one */
  int32_t m = 0;
  for (int32_t d = 0; d < r; d++) {
    bool merge = m > 0;
    for (int32_t k = 0; k < n_ops && merge; k++) merge = st[k][m - 1] == st[k][d] * dims[d];
    if (merge) {
      dims[m - 1] *= dims[d];
      for (int32_t k = 0; k < n_ops; k++) st[k][m - 1] = st[k][d];
    } else {
      dims[m] = dims[d];
      for (int32_t k = 0; k < n_ops; k++) st[k][m] = st[k][d];
      m++;
    }
  }
  if (m == 0) { /* a scalar, or no elements at all */
    dims[0] = numel == 0 ? 0 : 1;
    for (int32_t k = 0; k < n_ops; k++) st[k][0] = 0;
    m = 1;
  }
  lower_int(l, m);
  for (int32_t d = 0; d < m; d++) lower_int(l, dims[d]);
  for (int32_t k = 0; k < n_ops; k++)
    for (int32_t d = 0; d < m; d++) lower_int(l, st[k][d]);
}

/* ---- unary ---- */

/* The kernel op code and the dtype class the op accepts. */
static hy_ew_unary ew_unary_code(const ir_node *n, ew_class *c) {
  *c = EW_FLOAT;
  switch (n->op) {
  case OP_Abs: *c = EW_NUMERIC; return HY_UN_ABS;
  case OP_Neg: *c = EW_NUMERIC; return HY_UN_NEG;
  case OP_Relu: *c = EW_NUMERIC; return HY_UN_RELU;
  case OP_Sign: *c = EW_NUMERIC; return HY_UN_SIGN;
  case OP_Not: *c = EW_BOOL; return HY_UN_NOT;
  case OP_Sqrt: return HY_UN_SQRT;
  case OP_Exp: return HY_UN_EXP;
  case OP_Log: return HY_UN_LOG;
  case OP_Tanh: return HY_UN_TANH;
  case OP_Sigmoid: return HY_UN_SIGMOID;
  case OP_Erf: return HY_UN_ERF;
  case OP_Reciprocal: return HY_UN_RECIPROCAL;
  case OP_Floor: return HY_UN_FLOOR;
  case OP_Ceil: return HY_UN_CEIL;
  case OP_Sin: return HY_UN_SIN;
  case OP_Cos: return HY_UN_COS;
  case OP_Softplus: return HY_UN_SOFTPLUS;
  case OP_LeakyRelu: return HY_UN_LEAKYRELU;
  case OP_Elu: return HY_UN_ELU;
  case OP_HardSigmoid: return HY_UN_HARDSIGMOID;
  case OP_IsNaN: return HY_UN_ISNAN;
  case OP_Round: return HY_UN_ROUND;
  case OP_Tan: return HY_UN_TAN;
  case OP_Asin: return HY_UN_ASIN;
  case OP_Acos: return HY_UN_ACOS;
  case OP_Atan: return HY_UN_ATAN;
  case OP_Sinh: return HY_UN_SINH;
  case OP_Cosh: return HY_UN_COSH;
  case OP_Asinh: return HY_UN_ASINH;
  case OP_Acosh: return HY_UN_ACOSH;
  case OP_Atanh: return HY_UN_ATANH;
  case OP_Selu: return HY_UN_SELU;
  case OP_ThresholdedRelu: return HY_UN_THRESHOLDEDRELU;
  case OP_HardSwish: return HY_UN_HARDSWISH;
  case OP_Softsign: return HY_UN_SOFTSIGN;
  case OP_Celu: return HY_UN_CELU;
  case OP_Shrink: return HY_UN_SHRINK;
  case OP_Gelu: /* approximate="none" (erf) or "tanh"; infer_unary refuses anything else */
    return strcmp(ir_attr_string(n, "approximate", "none"), "tanh") ? HY_UN_GELU : HY_UN_GELU_TANH;
  case OP_IsInf: return HY_UN_ISINF;
  case OP_Mish: return HY_UN_MISH;
  case OP_Swish: return HY_UN_SWISH;
  case OP_BitwiseNot: *c = EW_INT; return HY_UN_BITNOT;
  default: return HY_UN_COUNT;
  }
}

hy_status infer_unary(ir_graph *g, ir_node *n) {
  ew_class c;
  if (ew_unary_code(n, &c) == HY_UN_COUNT)
    return ir_node_error(g, n, HY_ERR_INTERNAL, "not a unary elementwise op");
  hy_status s = ew_check_input(g, n, 0, c);
  if (s != HY_OK) return s;
  const ir_attr *ap = n->op == OP_Gelu ? ir_attr_find(n, "approximate") : NULL;
  if (ap && ap->kind != IR_ATTR_STRING) /* read as the default otherwise: a silent wrong answer */
    return ir_attr_error(g, n, "approximate", HY_ERR_INVALID_MODEL, "must be a string");
  const char *approx = ap ? ap->s : "none";
  if (strcmp(approx, "none") && strcmp(approx, "tanh"))
    return ir_attr_error(g, n, "approximate", HY_ERR_INVALID_MODEL,
                         "'%s' is not 'none' or 'tanh'", approx);
  const ir_type *t = ir_in_type(n, 0);
  bool to_bool = n->op == OP_IsNaN || n->op == OP_IsInf;
  ir_set_out(n, 0, to_bool ? HY_DTYPE_BOOL : t->dtype, t->rank, t->dims);
  return HY_OK;
}

/* The one-op kernels' loops run on one thread; a float32 node of this many elements or more runs
 * as a one-step ew_chain instead, whose blocks the session's threads share (at one thread it is
 * as fast: its block loop is specialised on the constant step like theirs). */
#define EW_CHAIN_MIN_ELEMS ((int64_t)1 << 16)

static bool ew_runs_as_chain(const ir_node *n, const ew_step *st) {
  for (int32_t i = 0; i < n->n_in; i++)
    if (!n->in[i] || n->in[i]->type.dtype != HY_DTYPE_FLOAT) return false;
  return n->n_in <= 2 && n->out[0]->type.dtype == HY_DTYPE_FLOAT &&
         ir_type_numel_at_most(&n->out[0]->type) >= EW_CHAIN_MIN_ELEMS &&
         hy_ew_chain_supports(st->kind, st->code);
}

/* ew_chain's block for one step over operands ops[0..n_ops). */
static void ew_lower_one_step(ir_lowered *l, int32_t n_ops, const ir_type *const *ops,
                              const ir_type *out, const ew_step *st) {
  l->kernel = HY_KERNEL_ew_chain;
  lower_int(l, 1);
  ew_lower_walk(l, n_ops, ops, out);
  lower_int(l, st->kind);
  lower_int(l, st->code);
  lower_int(l, 0);
  lower_int(l, st->kind == HY_EW_CHAIN_BINARY ? 1 : -1);
  lower_float(l, st->alpha);
  lower_float(l, st->beta);
}

/* alpha and beta from the op's attributes (finite; their defaults when absent), as the unary
 * kernel reads them. */
hy_status ew_unary_step(ir_graph *g, ir_node *n, ew_step *st) {
  ew_class c;
  float alpha = 0, beta = 0;
  hy_status s = HY_OK;
  if (n->op == OP_LeakyRelu) s = ir_attr_finite(g, n, "alpha", 0.01f, &alpha);
  if (n->op == OP_Elu) s = ir_attr_finite(g, n, "alpha", 1.0f, &alpha);
  if (n->op == OP_ThresholdedRelu || n->op == OP_Celu || n->op == OP_Swish)
    s = ir_attr_finite(g, n, "alpha", 1.0f, &alpha);
  if (s == HY_OK && n->op == OP_Celu && alpha == 0)
    s = ir_attr_error(g, n, "alpha", HY_ERR_INVALID_MODEL, "must not be 0");
  if (n->op == OP_HardSigmoid) {
    s = ir_attr_finite(g, n, "alpha", 0.2f, &alpha);
    if (s == HY_OK) s = ir_attr_finite(g, n, "beta", 0.5f, &beta);
  }
  if (n->op == OP_Selu) {
    s = ir_attr_finite(g, n, "alpha", 1.67326319217681884765625f, &alpha);
    if (s == HY_OK) s = ir_attr_finite(g, n, "gamma", 1.05070102214813232421875f, &beta);
  }
  if (n->op == OP_Shrink) {
    s = ir_attr_finite(g, n, "lambd", 0.5f, &alpha);
    if (s == HY_OK) s = ir_attr_finite(g, n, "bias", 0.0f, &beta);
  }
  if (n->op == OP_IsInf) {
    int64_t neg = 1, pos = 1;
    s = ir_attr_flag(g, n, "detect_negative", 1, &neg);
    if (s == HY_OK) s = ir_attr_flag(g, n, "detect_positive", 1, &pos);
    alpha = (float)neg, beta = (float)pos;
  }
  if (s != HY_OK) return s;
  *st = (ew_step){HY_EW_CHAIN_UNARY, ew_unary_code(n, &c), alpha, beta};
  return HY_OK;
}

hy_status lower_unary(ir_graph *g, ir_node *n, ir_lowered *l) {
  ew_step st;
  hy_status s = ew_unary_step(g, n, &st);
  if (s != HY_OK) return s;
  if (ew_runs_as_chain(n, &st)) {
    const ir_type *ops[1] = {ir_in_type(n, 0)};
    ew_lower_one_step(l, 1, ops, &n->out[0]->type, &st);
    return HY_OK;
  }
  l->kernel = HY_KERNEL_unary;
  lower_int(l, st.code);
  lower_float(l, st.alpha);
  lower_float(l, st.beta);
  return HY_OK;
}

/* ---- binary ---- */

/* Mod's flavour (attribute fmod) and BitShift's direction pick the kernel op. */
static hy_ew_binary ew_binary_code_attr(const ir_node *n) {
  if (n->op == OP_Mod) return ir_attr_int(n, "fmod", 0) ? HY_BIN_FMOD : HY_BIN_MOD;
  const char *dir = ir_attr_string(n, "direction", "");
  return !strcmp(dir, "LEFT") ? HY_BIN_SHL : !strcmp(dir, "RIGHT") ? HY_BIN_SHR : HY_BIN_COUNT;
}

static hy_ew_binary ew_binary_code(const ir_node *n) {
  switch (n->op) {
  case OP_Mod: case OP_BitShift: return ew_binary_code_attr(n);
  case OP_PRelu: return HY_BIN_PRELU;
  case OP_Add: case OP_Sum: return HY_BIN_ADD;
  case OP_Sub: return HY_BIN_SUB;
  case OP_Mul: return HY_BIN_MUL;
  case OP_Div: return HY_BIN_DIV;
  case OP_Pow: return HY_BIN_POW;
  case OP_Min: return HY_BIN_MIN;
  case OP_Max: return HY_BIN_MAX;
  case OP_Mean: return HY_BIN_MEAN;
  case OP_Equal: return HY_BIN_EQUAL;
  case OP_Less: return HY_BIN_LESS;
  case OP_Greater: return HY_BIN_GREATER;
  case OP_LessOrEqual: return HY_BIN_LESS_EQUAL;
  case OP_GreaterOrEqual: return HY_BIN_GREATER_EQUAL;
  case OP_And: return HY_BIN_AND;
  case OP_Or: return HY_BIN_OR;
  case OP_Xor: return HY_BIN_XOR;
  case OP_BitwiseAnd: return HY_BIN_BITAND;
  case OP_BitwiseOr: return HY_BIN_BITOR;
  case OP_BitwiseXor: return HY_BIN_BITXOR;
  default: return HY_BIN_COUNT;
  }
}

/* Before opset 7, Add/Sub/Mul/Div/Pow broadcast only with broadcast=1, B aligned to A at `axis`
 * (default: B's dims are A's last ones), and the result has A's shape. Where that agrees with
 * numpy broadcasting (a suffix-aligned B that fits A) the opset-7 code serves; other layouts are
 * refused by name. */
static hy_status ew_check_legacy_broadcast(ir_graph *g, ir_node *n) {
  const ir_type *a = ir_in_type(n, 0), *b = ir_in_type(n, 1);
  bool same = a->rank == b->rank && !memcmp(a->dims, b->dims, (size_t)a->rank * sizeof a->dims[0]);
  if (ir_attr_int(n, "broadcast", 0) == 0) {
    if (same) return HY_OK;
    char ta[128], tb[128];
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "inputs %s and %s differ and attribute 'broadcast' is 0 (opset %d)",
                         ir_type_str(a, ta, sizeof ta), ir_type_str(b, tb, sizeof tb), n->opset);
  }
  if (b->rank > a->rank)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 1 has rank %d, more than input 0's %d: legacy broadcast (opset "
                         "%d) needs B to fit in A",
                         b->rank, a->rank, n->opset);
  int64_t axis = ir_attr_int(n, "axis", a->rank - b->rank);
  if (axis < 0) axis += a->rank;
  if (axis != a->rank - b->rank)
    return ir_attr_error(g, n, "axis", HY_ERR_UNSUPPORTED,
                         "legacy broadcast of a rank-%d B at axis %lld of a rank-%d A (only "
                         "B aligned with A's last dims is supported)",
                         b->rank, (long long)axis, a->rank);
  for (int32_t i = 0; i < b->rank; i++)
    if (b->dims[i] != 1 && b->dims[i] != a->dims[axis + i])
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "input 1 dim %d is %lld, expected 1 or %lld (legacy broadcast at "
                           "axis %lld)", i, (long long)b->dims[i], (long long)a->dims[axis + i],
                           (long long)axis);
  return HY_OK;
}

/* PRelu-6 predates numpy broadcasting: its slope is one value, one per channel (axis 1 of X, the
 * layout the converters of the time wrote) or X's own shape. *slope gets the slope's type as an
 * operand aligned with X's last dims, which the broadcasting walk understands. */
static hy_status ew_prelu6_slope(ir_graph *g, ir_node *n, ir_type *slope) {
  const ir_type *x, *sl;
  hy_status s = ir_input_static(g, n, 0, &x);
  if (s == HY_OK) s = ir_input_static(g, n, 1, &sl);
  if (s != HY_OK) return s;
  *slope = *sl;
  if (ir_type_numel(sl) == 1) {
    slope->rank = 0;
    return HY_OK;
  }
  if (sl->rank == x->rank && !memcmp(sl->dims, x->dims, (size_t)x->rank * sizeof x->dims[0]))
    return HY_OK;
  if (sl->rank == 1 && x->rank >= 2 && sl->dims[0] == x->dims[1]) {
    slope->rank = x->rank - 1;
    for (int32_t i = 1; i < slope->rank; i++) slope->dims[i] = 1;
    return HY_OK;
  }
  char tx[128], ts[128];
  return ir_node_error(g, n, HY_ERR_SHAPE,
                       "slope %s fits X %s in none of PRelu-%d's ways: one value, one per "
                       "channel (X's dim 1) or X's shape",
                       ir_type_str(sl, ts, sizeof ts), ir_type_str(x, tx, sizeof tx), n->version);
}

hy_status infer_binary(ir_graph *g, ir_node *n) {
  hy_ew_binary code = ew_binary_code(n);
  const ir_type *a = ir_in_type(n, 0);
  hy_status s;
  if (n->op == OP_PRelu && n->version < 7) {
    ir_type slope;
    s = ew_check_all(g, n, EW_FLOAT);
    if (s == HY_OK) s = ew_prelu6_slope(g, n, &slope);
    if (s == HY_OK) ir_set_out(n, 0, a->dtype, a->rank, a->dims);
    return s;
  }
  if (n->opset < 7) {
    s = ew_check_legacy_broadcast(g, n);
    if (s != HY_OK) return s;
  }
  switch (code) {
  case HY_BIN_POW: /* base and exponent may differ (opset 12+); the result is the base's type */
    s = ew_check_input(g, n, 0, EW_NUMERIC);
    if (s == HY_OK) s = ew_check_input(g, n, 1, EW_NUMERIC);
    if (s == HY_OK && n->opset < 12) s = ir_check_same_dtype(g, n, 0, 1);
    return s != HY_OK ? s : ew_broadcast_out(g, n, a->dtype);
  case HY_BIN_AND: case HY_BIN_OR: case HY_BIN_XOR:
    s = ew_check_all(g, n, EW_BOOL);
    return s != HY_OK ? s : ew_broadcast_out(g, n, HY_DTYPE_BOOL);
  case HY_BIN_EQUAL:
    s = ew_check_all(g, n, EW_ANY);
    return s != HY_OK ? s : ew_broadcast_out(g, n, HY_DTYPE_BOOL);
  case HY_BIN_LESS: case HY_BIN_GREATER: case HY_BIN_LESS_EQUAL: case HY_BIN_GREATER_EQUAL:
    s = ew_check_all(g, n, EW_NUMERIC);
    return s != HY_OK ? s : ew_broadcast_out(g, n, HY_DTYPE_BOOL);
  case HY_BIN_MOD: case HY_BIN_FMOD: {
    int64_t fmod_flag;
    s = ir_attr_flag(g, n, "fmod", 0, &fmod_flag);
    /* floats with fmod=0 (floor division's remainder) are defined from version 28 */
    if (s == HY_OK && code == HY_BIN_MOD && ir_dtype_is_float(a->dtype) && n->version < 28)
      return ir_attr_error(g, n, "fmod", HY_ERR_INVALID_MODEL,
                           "must be 1 for %s inputs before Mod-28 (this node is version %d)",
                           hy_dtype_name(a->dtype), n->version);
    if (s == HY_OK) s = ew_check_all(g, n, EW_NUMERIC);
    return s != HY_OK ? s : ew_broadcast_out(g, n, a->dtype);
  }
  case HY_BIN_SHL: case HY_BIN_SHR:
    /* signed integers (arithmetic right shift) from version 28 */
    s = ew_check_all(g, n, EW_INT);
    for (int32_t i = 0; i < 2 && s == HY_OK && n->version < 28; i++) {
      hy_dtype d = ir_in_type(n, i)->dtype;
      if (d == HY_DTYPE_INT8 || d == HY_DTYPE_INT16 || d == HY_DTYPE_INT32 || d == HY_DTYPE_INT64)
        return ir_node_error(g, n, HY_ERR_DTYPE,
                             "input %d ('%s') has type %s; BitShift-%d takes unsigned integers "
                             "(signed ones from version 28)", i, n->in[i]->name,
                             hy_dtype_name(d), n->version);
    }
    return s != HY_OK ? s : ew_broadcast_out(g, n, a->dtype);
  case HY_BIN_BITAND: case HY_BIN_BITOR: case HY_BIN_BITXOR:
    s = ew_check_all(g, n, EW_INT);
    return s != HY_OK ? s : ew_broadcast_out(g, n, a->dtype);
  case HY_BIN_COUNT:
    if (n->op == OP_BitShift)
      return ir_attr_error(g, n, "direction", HY_ERR_INVALID_MODEL,
                           "must be \"LEFT\" or \"RIGHT\"");
    return ir_node_error(g, n, HY_ERR_INTERNAL, "not a binary elementwise op");
  default:
    s = ew_check_all(g, n, EW_NUMERIC);
    return s != HY_OK ? s : ew_broadcast_out(g, n, a->dtype);
  }
}

/* Pow of a float by a known scalar 2 or 3 of its own type is x*x or x*x*x (HY_BIN_POW2/3):
 * GPT-2's tanh GELU cubes every activation, and libm's pow is ten times a multiply. The square is
 * correctly rounded like pow; the cube is within an ulp of it. */
static int64_t ew_pow_code(const ir_node *n) {
  const ir_value *y = n->in[1];
  double e;
  if (!ir_dtype_is_float(n->in[0]->type.dtype) || y->type.dtype != n->in[0]->type.dtype ||
      !y->data || ir_type_numel(&y->type) != 1 || !ir_elem_get(y->type.dtype, y->data, 0, &e))
    return HY_BIN_POW;
  return e == 2 ? HY_BIN_POW2 : e == 3 ? HY_BIN_POW3 : HY_BIN_POW;
}

ew_step ew_binary_step(const ir_node *n) {
  int64_t code = n->op == OP_Pow ? ew_pow_code(n) : ew_binary_code(n);
  return (ew_step){HY_EW_CHAIN_BINARY, code, 0, 0};
}

hy_status lower_binary(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *ops[2] = {ir_in_type(n, 0), ir_in_type(n, 1)};
  ir_type slope;
  if (n->op == OP_PRelu && n->version < 7) {
    hy_status s = ew_prelu6_slope(g, n, &slope);
    if (s != HY_OK) return s;
    ops[1] = &slope;
  }
  ew_step st = ew_binary_step(n);
  if (ew_runs_as_chain(n, &st)) {
    ew_lower_one_step(l, 2, ops, &n->out[0]->type, &st);
    return HY_OK;
  }
  l->kernel = HY_KERNEL_binary;
  lower_int(l, st.code);
  ew_lower_walk(l, 2, ops, &n->out[0]->type);
  return HY_OK;
}

/* ---- Sum, Mean, Min, Max ---- */

hy_status infer_variadic(ir_graph *g, ir_node *n) {
  bool float_only = n->op == OP_Mean;
  hy_status s = ew_check_all(g, n, float_only ? EW_FLOAT : EW_NUMERIC);
  return s != HY_OK ? s : ew_broadcast_out(g, n, ir_in_type(n, 0)->dtype);
}

hy_status lower_variadic(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *ops[EW_MAX_OPS];
  if (n->n_in > EW_MAX_OPS)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%d inputs; at most %d are supported",
                         n->n_in, EW_MAX_OPS);
  for (int32_t i = 0; i < n->n_in; i++) ops[i] = ir_in_type(n, i);
  l->kernel = HY_KERNEL_variadic;
  lower_int(l, ew_binary_code(n));
  lower_int(l, n->n_in);
  ew_lower_walk(l, n->n_in, ops, &n->out[0]->type);
  return HY_OK;
}

/* ---- Where ---- */

hy_status infer_where(ir_graph *g, ir_node *n) {
  hy_status s = ew_check_input(g, n, 0, EW_BOOL);
  if (s == HY_OK) s = ew_check_input(g, n, 1, EW_ANY);
  if (s == HY_OK) s = ir_check_same_dtype(g, n, 1, 2);
  return s != HY_OK ? s : ew_broadcast_out(g, n, ir_in_type(n, 1)->dtype);
}

hy_status lower_where(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *ops[3] = {ir_in_type(n, 0), ir_in_type(n, 1), ir_in_type(n, 2)};
  l->kernel = HY_KERNEL_where;
  ew_lower_walk(l, 3, ops, &n->out[0]->type);
  return HY_OK;
}

/* ---- Clip ---- */

/* Opset 11+: min (slot 1) and max (slot 2) are optional scalars of the input's type. */
static hy_status clip_bound(ir_graph *g, ir_node *n, int32_t slot) {
  const ir_type *t = ir_in_type(n, slot), *x = ir_in_type(n, 0);
  if (!t) return HY_OK;
  if (t->dtype != x->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input %d ('%s') has type %s, expected %s like input 0",
                         slot, n->in[slot]->name, hy_dtype_name(t->dtype), hy_dtype_name(x->dtype));
  if (ir_type_numel(t) != 1) {
    char buf[128];
    return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') must be a scalar, has shape %s",
                         slot, n->in[slot]->name, ir_type_str(t, buf, sizeof buf));
  }
  return HY_OK;
}

hy_status infer_clip(ir_graph *g, ir_node *n) {
  hy_status s = ew_check_input(g, n, 0, EW_NUMERIC);
  if (s == HY_OK && n->opset < 11 && n->n_in > 1)
    s = ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                      "has %d inputs; before opset 11 min and max are attributes", n->n_in);
  if (s == HY_OK && n->opset < 11) s = ew_check_input(g, n, 0, EW_FLOAT);
  if (s == HY_OK) s = clip_bound(g, n, 1);
  if (s == HY_OK) s = clip_bound(g, n, 2);
  if (s != HY_OK) return s;
  const ir_type *t = ir_in_type(n, 0);
  ir_set_out(n, 0, t->dtype, t->rank, t->dims);
  return HY_OK;
}

/* Before opset 11 the bounds are the float attributes min and max; from 11 the kernel reads the
 * inputs and these stay unset. */
hy_status lower_clip(ir_graph *g, ir_node *n, ir_lowered *l) {
  l->kernel = HY_KERNEL_clip;
  const char *names[2] = {"min", "max"};
  float vals[2] = {0, 0};
  for (int i = 0; i < 2; i++) {
    const ir_attr *a = n->opset < 11 ? ir_attr_find(n, names[i]) : NULL;
    if (a && a->kind != IR_ATTR_FLOAT)
      return ir_attr_error(g, n, names[i], HY_ERR_INVALID_MODEL, "must be a float");
    lower_int(l, a != NULL);
    vals[i] = a ? a->f : 0;
  }
  lower_float(l, vals[0]);
  lower_float(l, vals[1]);
  return HY_OK;
}

/* ---- Cast, CastLike ---- */

/* The first Cast version whose type lists hold dtype d (CastLike's versions follow from 15). */
static int32_t cast_dtype_since(hy_dtype d) {
  switch (d) {
  case HY_DTYPE_BFLOAT16: return 13;
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ: return 19;
  case HY_DTYPE_UINT4: case HY_DTYPE_INT4: return 21;
  case HY_DTYPE_FLOAT4E2M1: return 23;
  case HY_DTYPE_FLOAT8E8M0: return 24;
  case HY_DTYPE_UINT2: case HY_DTYPE_INT2: return 25;
  case HY_DTYPE_FLOAT6E2M3: case HY_DTYPE_FLOAT6E3M2: return 28;
  default: return 0;
  }
}

/* dtype d as a Cast operand (`what` names it in the error): every element type Hydra holds but
 * string and complex, which Cast refuses as not implemented, as are float6 (Cast 28). */
static hy_status cast_check_dtype(ir_graph *g, ir_node *n, hy_dtype d, const char *what) {
  bool unsupported = d == HY_DTYPE_STRING || d == HY_DTYPE_COMPLEX64 ||
                     d == HY_DTYPE_COMPLEX128 || d == HY_DTYPE_FLOAT6E2M3 ||
                     d == HY_DTYPE_FLOAT6E3M2;
  if (unsupported)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%s has type %s: casting %s %s is not supported",
                         what, hy_dtype_name(d), d == HY_DTYPE_STRING ? "from or to" : "with",
                         hy_dtype_name(d));
  if (hy_dtype_bits(d) == 0)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "%s has no tensor element type (%d)", what,
                         (int)d);
  if (n->version < cast_dtype_since(d))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "%s has type %s, which %s %d does not allow "
                         "(it came with Cast %d)", what, hy_dtype_name(d), ir_op_name(n->op),
                         n->version, cast_dtype_since(d));
  return HY_OK;
}

/* The target type: attribute 'to' (Cast) or input 1's type (CastLike). */
static hy_status cast_target(ir_graph *g, ir_node *n, hy_dtype *to) {
  *to = HY_DTYPE_UNDEFINED;
  if (n->op == OP_CastLike) {
    const ir_type *t = ir_in_type(n, 1);
    if (!t) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input 1 is missing");
    hy_status s = cast_check_dtype(g, n, t->dtype, "input 1 ('target_type')");
    if (s == HY_OK) *to = t->dtype;
    return s;
  }
  const ir_attr *a = ir_attr_find(n, "to");
  if (!a || a->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, "to", HY_ERR_INVALID_MODEL, "is required (an int dtype)");
  if (a->i <= 0 || a->i > HY_DTYPE_FLOAT6E3M2)
    return ir_attr_error(g, n, "to", HY_ERR_INVALID_MODEL, "is not a tensor element type: %lld",
                         (long long)a->i);
  hy_status s = cast_check_dtype(g, n, (hy_dtype)a->i, "attribute 'to'");
  if (s == HY_OK) *to = (hy_dtype)a->i;
  return s;
}

/* saturate (from version 19, 0 or 1) and round_mode (from 24) as the kernel's codes. */
static hy_status cast_attrs(ir_graph *g, ir_node *n, int64_t *saturate, int64_t *round_mode) {
  *saturate = n->version >= 19 ? ir_attr_int(n, "saturate", 1) : 1;
  if (*saturate != 0 && *saturate != 1)
    return ir_attr_error(g, n, "saturate", HY_ERR_INVALID_MODEL, "is %lld, expected 0 or 1",
                         (long long)*saturate);
  const char *mode = n->version >= 24 ? ir_attr_string(n, "round_mode", "up") : "up";
  *round_mode = !strcmp(mode, "up")     ? HY_CAST_ROUND_UP
                : !strcmp(mode, "down") ? HY_CAST_ROUND_DOWN
                : !strcmp(mode, "nearest") ? HY_CAST_ROUND_NEAREST : -1;
  if (*round_mode < 0)
    return ir_attr_error(g, n, "round_mode", HY_ERR_INVALID_MODEL,
                         "is '%s', expected 'up', 'down' or 'nearest'", mode);
  return HY_OK;
}

hy_status infer_cast(ir_graph *g, ir_node *n) {
  hy_dtype to = HY_DTYPE_UNDEFINED;
  int64_t saturate, round_mode;
  const ir_type *t = ir_in_type(n, 0);
  if (!t) return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input 0 is missing");
  hy_status s = cast_check_dtype(g, n, t->dtype, "input 0");
  if (s == HY_OK) s = cast_target(g, n, &to);
  if (s == HY_OK) s = cast_attrs(g, n, &saturate, &round_mode);
  if (s != HY_OK) return s;
  ir_set_out(n, 0, to, t->rank, t->dims);
  return HY_OK;
}

hy_status lower_cast(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t saturate, round_mode;
  hy_status s = cast_attrs(g, n, &saturate, &round_mode);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_cast;
  lower_int(l, saturate);
  lower_int(l, round_mode);
  return HY_OK;
}
