/* Shape inference and lowering of QuantizeLinear, DequantizeLinear (versions 10 to 28:
 * per-tensor, per-axis and blocked scales, output_dtype, precision) and DynamicQuantizeLinear.
 * Their kernels and attribute blocks are in runtime/src/kernels/quant.c; the element type rules
 * shared with the integer matmul and conv hooks (quant_linalg.c) are in quant.h. */
#include <string.h>

#include "ir/ir.h"
#include "ops/quant.h"

/* ---- element types ---- */

bool q_is_quantized(int32_t dt) { return q_type_since(dt) != 0; }

int32_t q_type_since(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_UINT8: case HY_DTYPE_INT8: return 10;
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ: return 19;
  case HY_DTYPE_UINT16: case HY_DTYPE_INT16: case HY_DTYPE_UINT4: case HY_DTYPE_INT4: return 21;
  case HY_DTYPE_FLOAT4E2M1: return 23;
  case HY_DTYPE_UINT2: case HY_DTYPE_INT2: return 25;
  default: return 0;
  }
}

/* The node's version takes dt (a quantized type, of input `slot` or slot -1: output_dtype). */
static hy_status q_check_version(ir_graph *g, ir_node *n, int32_t slot, int32_t dt) {
  int32_t since = q_type_since(dt);
  if (!since || n->version >= since) return HY_OK;
  if (slot < 0)
    return ir_attr_error(g, n, "output_dtype", HY_ERR_DTYPE,
                         "%s is a type of %s from version %d, this node is version %d",
                         q_dtype_str(g, dt), n->op_type, since, n->version);
  return ir_node_error(g, n, HY_ERR_DTYPE,
                       "input %d ('%s') has type %s, a type of %s from version %d; this node is "
                       "version %d", slot, n->in[slot]->name, q_dtype_str(g, dt), n->op_type,
                       since, n->version);
}

bool q_is_onnx_quantized(int32_t dt) {
  /* ONNX's float8 (17..20), uint4/int4 (21, 22), float4e2m1 (23), float8e8m0 (24), uint2/int2
   * (25, 26) and float6 (27, 28) element types */
  return q_is_quantized(dt) || (dt >= 17 && dt <= 28);
}

const char *q_dtype_str(ir_graph *g, int32_t dt) {
  const char *name = hy_dtype_name((hy_dtype)dt);
  if (strcmp(name, "undefined") || dt == HY_DTYPE_UNDEFINED) return name;
  const char *s = arena_printf(g->a, "element type %d", (int)dt);
  return s ? s : "an unknown element type";
}

hy_status q_check_dtype(ir_graph *g, ir_node *n, int32_t slot, const char *what, int32_t dt,
                        q_dtype_set set) {
  bool ok = false, onnx_has = false;
  switch (set) {
  case Q_SET_QUANTIZED:
    ok = q_is_quantized(dt);
    onnx_has = q_is_onnx_quantized(dt);
    break;
  case Q_SET_GEMM:
    ok = dt == HY_DTYPE_UINT8 || dt == HY_DTYPE_INT8;
    onnx_has = q_is_onnx_quantized(dt);
    break;
  case Q_SET_REAL:
    ok = dt == HY_DTYPE_FLOAT || dt == HY_DTYPE_FLOAT16 || dt == HY_DTYPE_BFLOAT16;
    onnx_has = dt == 24; /* float8e8m0 scales */
    break;
  }
  if (ok) return HY_OK;
  hy_status s = onnx_has ? HY_ERR_UNSUPPORTED : HY_ERR_DTYPE;
  if (slot < 0)
    return ir_node_error(g, n, s, "%s has type %s, %s", what, q_dtype_str(g, dt),
                         onnx_has ? "not supported yet" : "which the op does not allow");
  return ir_node_error(g, n, s, "input %d ('%s', %s) has type %s, %s", slot, n->in[slot]->name,
                       what, q_dtype_str(g, dt),
                       onnx_has ? "not supported yet" : "which the op does not allow");
}

hy_status q_optional_static(ir_graph *g, ir_node *n, int32_t slot, const ir_type **t) {
  *t = NULL;
  if (!ir_in_type(n, slot)) return HY_OK;
  return ir_input_static(g, n, slot, t);
}

bool q_same_shape(const ir_type *a, const ir_type *b) {
  if (ir_type_numel(a) == 1 && ir_type_numel(b) == 1) return true;
  if (a->rank != b->rank) return false;
  for (int32_t i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* ---- QuantizeLinear and DequantizeLinear ---- */

/* x viewed as [outer, D, inner] around the quantization axis and the scale's strides over it
 * (the kernel's attribute block, runtime/src/kernels/quant.c). */
typedef struct q_view {
  int64_t outer, D, inner, block, so, sa, si;
} q_view;

/* The granularity the scale's shape says (axis from version 13, block_size from 21); the zero
 * point, when present, must have the scale's shape. */
static hy_status q_granularity(ir_graph *g, ir_node *n, const ir_type *x, const ir_type *scale,
                               const ir_type *zp, q_view *v) {
  char ts[160], tx[160];
  if (zp && !q_same_shape(scale, zp)) {
    char tz[160];
    return ir_node_error(g, n, HY_ERR_SHAPE, "zero point %s and scale %s differ in shape",
                         ir_type_str(zp, tz, sizeof tz), ir_type_str(scale, ts, sizeof ts));
  }
  int64_t numel = ir_type_numel(x);
  if (ir_type_numel(scale) == 1) {
    *v = (q_view){1, 1, numel, 1, 0, 0, 0};
    return HY_OK;
  }
  int64_t axis = n->version >= 13 ? ir_attr_int(n, "axis", 1) : 1, ax;
  int64_t block = n->version >= 21 ? ir_attr_int(n, "block_size", 0) : 0;
  if (block < 0)
    return ir_attr_error(g, n, "block_size", HY_ERR_INVALID_MODEL, "must be >= 0, is %lld",
                         (long long)block);
  if (n->version < 13 || x->rank == 0)
    return ir_node_error(g, n, HY_ERR_SHAPE, "scale %s must be a scalar here (x is %s)",
                         ir_type_str(scale, ts, sizeof ts), ir_type_str(x, tx, sizeof tx));
  hy_status s = ir_norm_axis(g, n, "axis", axis, x->rank, &ax);
  if (s) return s;
  int64_t D = x->dims[ax], outer = 1, inner = 1;
  for (int32_t d = 0; d < ax; d++) outer *= x->dims[d];
  for (int32_t d = (int32_t)ax + 1; d < x->rank; d++) inner *= x->dims[d];
  if (block == 0) {
    if (scale->rank != 1 || scale->dims[0] != D)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "scale %s must be a scalar or 1-D of x's dim %lld (%lld), x is %s",
                           ir_type_str(scale, ts, sizeof ts), (long long)ax, (long long)D,
                           ir_type_str(x, tx, sizeof tx));
    *v = (q_view){outer, D, inner, 1, 0, 1, 0};
    return HY_OK;
  }
  bool ok = scale->rank == x->rank && scale->dims[ax] == (D + block - 1) / block;
  for (int32_t d = 0; ok && d < x->rank; d++) ok = d == ax || scale->dims[d] == x->dims[d];
  if (!ok)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "blocked scale %s does not fit x %s with block_size %lld on axis %lld",
                         ir_type_str(scale, ts, sizeof ts), ir_type_str(x, tx, sizeof tx),
                         (long long)block, (long long)ax);
  int64_t S = scale->dims[ax];
  *v = (q_view){outer, D, inner, block, S * inner, inner, 1};
  return HY_OK;
}

static void q_lower_view(ir_lowered *l, const q_view *v) {
  const int64_t f[7] = {v->outer, v->D, v->inner, v->block, v->so, v->sa, v->si};
  for (int32_t i = 0; i < 7; i++) lower_int(l, f[i]);
}

/* QuantizeLinear's output type: y_zero_point's, else output_dtype (version 21), else uint8. */
static hy_status quantize_out_type(ir_graph *g, ir_node *n, const ir_type *zp, int32_t *yt) {
  int64_t od = n->version >= 21 ? ir_attr_int(n, "output_dtype", 0) : 0;
  if (zp && od && od != zp->dtype)
    return ir_attr_error(g, n, "output_dtype", HY_ERR_INVALID_MODEL,
                         "%s differs from y_zero_point's type %s", q_dtype_str(g, (int32_t)od),
                         q_dtype_str(g, zp->dtype));
  *yt = zp ? (int32_t)zp->dtype : od ? (int32_t)od : (int32_t)HY_DTYPE_UINT8;
  if (zp) {
    hy_status s = q_check_dtype(g, n, 2, "y_zero_point", *yt, Q_SET_QUANTIZED);
    return s ? s : q_check_version(g, n, 2, *yt);
  }
  if (q_is_quantized(*yt)) return q_check_version(g, n, -1, *yt);
  bool onnx_has = q_is_onnx_quantized(*yt);
  return ir_attr_error(g, n, "output_dtype", onnx_has ? HY_ERR_UNSUPPORTED : HY_ERR_INVALID_MODEL,
                       "quantizing to %s is %s", q_dtype_str(g, *yt),
                       onnx_has ? "not supported yet" : "not a quantized type");
}

/* The division's precision: the precision attribute (version 23), else the scale's type; int32
 * x or an int32 scale divide in double, as numpy does, a float8e8m0 scale in float. */
static hy_status quantize_precision(ir_graph *g, ir_node *n, const ir_type *x,
                                    const ir_type *scale, int64_t *prec) {
  int64_t p = n->version >= 23 ? ir_attr_int(n, "precision", 0) : 0;
  if (p == 0) {
    bool ints = x->dtype == HY_DTYPE_INT32 || scale->dtype == HY_DTYPE_INT32;
    /* a float8e8m0 scale is a power of two: dividing in float is exact for it */
    *prec = ints ? HY_DTYPE_DOUBLE
                 : scale->dtype == HY_DTYPE_FLOAT8E8M0 ? HY_DTYPE_FLOAT : scale->dtype;
    return HY_OK;
  }
  if (p != HY_DTYPE_FLOAT && p != HY_DTYPE_FLOAT16 && p != HY_DTYPE_BFLOAT16)
    return ir_attr_error(g, n, "precision", HY_ERR_INVALID_MODEL,
                         "%s is not float, float16 or bfloat16", q_dtype_str(g, (int32_t)p));
  *prec = p;
  return HY_OK;
}

static bool q_real_or_int32(int32_t dt) {
  return dt == HY_DTYPE_FLOAT || dt == HY_DTYPE_FLOAT16 || dt == HY_DTYPE_BFLOAT16 ||
         dt == HY_DTYPE_INT32;
}

/* float8e8m0 (power-of-two MX scales) is a scale type of both ops from version 24. */
static bool q_e8m0_scale(const ir_node *n, int32_t slot, int32_t dt) {
  return slot == 1 && dt == HY_DTYPE_FLOAT8E8M0 && n->version >= 24;
}

/* x, scale and zero point of either op, checked for presence, static shapes and granularity. */
static hy_status qdq_inputs(ir_graph *g, ir_node *n, const ir_type **x, const ir_type **scale,
                            const ir_type **zp, q_view *v) {
  hy_status s;
  if ((s = ir_input_static(g, n, 0, x)) || (s = ir_input_static(g, n, 1, scale)) ||
      (s = q_optional_static(g, n, 2, zp)))
    return s;
  return q_granularity(g, n, *x, *scale, *zp, v);
}

hy_status infer_quantize(ir_graph *g, ir_node *n) {
  const ir_type *x, *scale, *zp;
  q_view v;
  int32_t yt = HY_DTYPE_UNDEFINED;
  int64_t prec, sat;
  hy_status s;
  if ((s = qdq_inputs(g, n, &x, &scale, &zp, &v))) return s;
  for (int32_t i = 0; i < 2; i++) {
    int32_t dt = n->in[i]->type.dtype;
    if (!q_real_or_int32(dt) && !q_e8m0_scale(n, i, dt))
      return ir_node_error(g, n, HY_ERR_DTYPE,
                           "input %d ('%s') has type %s, not float, float16, bfloat16, int32%s",
                           i, n->in[i]->name, q_dtype_str(g, dt),
                           i == 1 && n->version >= 24 ? " or float8e8m0" : "");
  }
  if ((s = quantize_out_type(g, n, zp, &yt)) || (s = quantize_precision(g, n, x, scale, &prec)))
    return s;
  /* saturate only changes float8 results out of range; still a 0/1 flag */
  if (n->version >= 19 && (s = ir_attr_flag(g, n, "saturate", 1, &sat))) return s;
  ir_set_out(n, 0, (hy_dtype)yt, x->rank, x->dims);
  return HY_OK;
}

hy_status lower_quantize(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *x, *scale, *zp;
  q_view v;
  int64_t prec, sat = 1;
  hy_status s;
  if ((s = qdq_inputs(g, n, &x, &scale, &zp, &v)) ||
      (s = quantize_precision(g, n, x, scale, &prec)) ||
      (n->version >= 19 && (s = ir_attr_flag(g, n, "saturate", 1, &sat))))
    return s;
  l->kernel = HY_KERNEL_quantize_linear;
  q_lower_view(l, &v);
  lower_int(l, prec);
  lower_int(l, sat);
  return HY_OK;
}

hy_status infer_dequantize(ir_graph *g, ir_node *n) {
  const ir_type *x, *scale, *zp;
  q_view v;
  hy_status s;
  if ((s = qdq_inputs(g, n, &x, &scale, &zp, &v))) return s;
  if (x->dtype != HY_DTYPE_INT32 &&
      ((s = q_check_dtype(g, n, 0, "x", x->dtype, Q_SET_QUANTIZED)) ||
       (s = q_check_version(g, n, 0, x->dtype))))
    return s;
  bool e8m0 = q_e8m0_scale(n, 1, scale->dtype);
  if (!e8m0 && (s = q_check_dtype(g, n, 1, "x_scale", scale->dtype, Q_SET_REAL))) return s;
  if (zp && zp->dtype != x->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "x_zero_point has type %s, x %s: they must match",
                         q_dtype_str(g, zp->dtype), q_dtype_str(g, x->dtype));
  int64_t od = n->version >= 23 ? ir_attr_int(n, "output_dtype", 0) : 0;
  if (od && od != HY_DTYPE_FLOAT && od != HY_DTYPE_FLOAT16 && od != HY_DTYPE_BFLOAT16)
    return ir_attr_error(g, n, "output_dtype", HY_ERR_INVALID_MODEL,
                         "%s is not float, float16 or bfloat16", q_dtype_str(g, (int32_t)od));
  if (e8m0 && !od) /* the output takes the scale's type otherwise, which is no output type */
    return ir_attr_error(g, n, "output_dtype", HY_ERR_INVALID_MODEL,
                         "must be given (float, float16 or bfloat16) with a float8e8m0 scale");
  ir_set_out(n, 0, od ? (hy_dtype)od : scale->dtype, x->rank, x->dims);
  return HY_OK;
}

hy_status lower_dequantize(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *x, *scale, *zp;
  q_view v;
  hy_status s = qdq_inputs(g, n, &x, &scale, &zp, &v);
  if (s) return s;
  l->kernel = HY_KERNEL_dequantize_linear;
  q_lower_view(l, &v);
  return HY_OK;
}

/* ---- DynamicQuantizeLinear ---- */

hy_status infer_dynamic_quantize(ir_graph *g, ir_node *n) {
  const ir_type *x;
  hy_status s = ir_input_static(g, n, 0, &x);
  if (s) return s;
  if (x->dtype != HY_DTYPE_FLOAT)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 0 ('%s') has type %s, not float",
                         n->in[0]->name, q_dtype_str(g, x->dtype));
  ir_set_out(n, 0, HY_DTYPE_UINT8, x->rank, x->dims);
  ir_set_out(n, 1, HY_DTYPE_FLOAT, 0, NULL);
  ir_set_out(n, 2, HY_DTYPE_UINT8, 0, NULL);
  return HY_OK;
}

hy_status lower_dynamic_quantize(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g;
  (void)n;
  l->kernel = HY_KERNEL_dynamic_quantize_linear;
  return HY_OK;
}
