/* Hooks of CausalConvWithState (opset 27): input [B, C, L], depthwise weight [C, 1, k], optional
 * bias [C] and past_state [B, C, k - 1] of one float dtype, the activation, and the attribute
 * block of the causal_conv kernel (runtime/src/kernels/causal_conv.c). */
#include <stdio.h>

#include "ops/attention.h"
#include "ops/nn_attrs.h"

typedef struct cconv_attrs {
  int64_t B, C, L, k;
  int32_t act; /* 0 none, 1 silu, 2 swish (the same) */
} cconv_attrs;

static hy_status cconv_shape(ir_graph *g, ir_node *n, int32_t slot, const char *what, int32_t rank,
                             const int64_t *want, const char *meaning) {
  const ir_type *t;
  hy_status s = attn_float_input(g, n, slot, what, true, &t);
  if (s != HY_OK) return s;
  if (t->dtype != ir_in_type(n, 0)->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d (%s) has type %s, expected %s like input",
                         slot, what, hy_dtype_name(t->dtype),
                         hy_dtype_name(ir_in_type(n, 0)->dtype));
  bool ok = t->rank == rank;
  for (int32_t i = 0; ok && i < rank; i++)
    ok = want[i] < 0 || t->dims[i] == want[i];
  if (ok) return HY_OK;
  char buf[128];
  return ir_node_error(g, n, HY_ERR_SHAPE, "input %d (%s) has shape %s; expected %s", slot, what,
                       ir_type_str(t, buf, sizeof buf), meaning);
}

static hy_status cconv_read(ir_graph *g, ir_node *n, cconv_attrs *a) {
  const ir_type *x;
  hy_status s = attn_float_input(g, n, 0, "input", true, &x);
  if (s != HY_OK) return s;
  if (x->dtype == HY_DTYPE_DOUBLE)
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input 0 (input) has type double; expected float, float16 or bfloat16");
  if (x->rank != 3) {
    char buf[128];
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 0 (input) has shape %s; expected [batch, channels, length]",
                         ir_type_str(x, buf, sizeof buf));
  }
  a->B = x->dims[0], a->C = x->dims[1], a->L = x->dims[2];
  char m[128];
  snprintf(m, sizeof m, "[%lld, 1, k] (channels, 1, kernel size)", (long long)a->C);
  if ((s = cconv_shape(g, n, 1, "weight", 3, (int64_t[]){a->C, 1, -1}, m))) return s;
  a->k = ir_in_type(n, 1)->dims[2];
  if (a->k < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 1 (weight) has kernel size 0; expected >= 1");
  snprintf(m, sizeof m, "[%lld] (channels)", (long long)a->C);
  if (ir_in_type(n, 2) && (s = cconv_shape(g, n, 2, "bias", 1, &a->C, m))) return s;
  snprintf(m, sizeof m, "[%lld, %lld, %lld] (batch, channels, k - 1)", (long long)a->B,
           (long long)a->C, (long long)(a->k - 1));
  if (ir_in_type(n, 3) &&
      (s = cconv_shape(g, n, 3, "past_state", 3, (int64_t[]){a->B, a->C, a->k - 1}, m)))
    return s;
  static const char *const acts[] = {"none", "silu", "swish"};
  return nn_choice_attr(g, n, "activation", "none", acts, 3, &a->act);
}

hy_status infer_causal_conv(ir_graph *g, ir_node *n) {
  cconv_attrs a;
  hy_status s = cconv_read(g, n, &a);
  if (s != HY_OK) return s;
  hy_dtype dt = ir_in_type(n, 0)->dtype;
  ir_set_out(n, 0, dt, 3, (int64_t[]){a.B, a.C, a.L});
  ir_set_out(n, 1, dt, 3, (int64_t[]){a.B, a.C, a.k - 1});
  return HY_OK;
}

hy_status lower_causal_conv(ir_graph *g, ir_node *n, ir_lowered *l) {
  cconv_attrs a;
  hy_status s = cconv_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_causal_conv;
  int64_t ints[5] = {a.B, a.C, a.L, a.k, a.act != 0};
  for (int i = 0; i < 5; i++)
    lower_int(l, ints[i]);
  return HY_OK;
}
