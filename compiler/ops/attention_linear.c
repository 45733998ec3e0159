/* Hooks of LinearAttention (opset 27): packed 3-D query/key/value with q_num_heads and
 * kv_num_heads, the update rule and the decay/beta inputs it needs (and forbids), past_state,
 * scale, and the attribute block of the linear_attention kernel
 * (runtime/src/kernels/linear_attention.c). */
#include <math.h>
#include <stdio.h>

#include "ops/attention.h"
#include "ops/nn_attrs.h"

typedef struct lin_attrs {
  int64_t B, T, Hq, Hkv, dk, dv, g_key, b_head;
  int32_t rule; /* 0 linear, 1 gated, 2 delta, 3 gated_delta: bit 0 gating, bit 1 delta */
  float scale;
} lin_attrs;

static hy_status lin_heads(ir_graph *g, ir_node *n, const char *name, int64_t *out) {
  const ir_attr *at = ir_attr_find(n, name);
  if (!at) return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "is required");
  if (at->kind != IR_ATTR_INT || at->i < 1)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be an int > 0");
  *out = at->i;
  return HY_OK;
}

/* A rank-3 input of Q's dtype whose dims are [B, T, one of last[0..n_last)]; *which is the index
 * of the last dim found. */
static hy_status lin_input(ir_graph *g, ir_node *n, int32_t slot, const char *what,
                           const lin_attrs *a, const int64_t *last, int32_t n_last,
                           const char *meaning, int32_t *which) {
  const ir_type *t;
  hy_status s = attn_float_input(g, n, slot, what, true, &t);
  if (s != HY_OK) return s;
  hy_dtype qt = ir_in_type(n, 0)->dtype;
  if (t->dtype != qt)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d (%s) has type %s, expected %s like query",
                         slot, what, hy_dtype_name(t->dtype), hy_dtype_name(qt));
  if (t->rank == 3 && t->dims[0] == a->B && t->dims[1] == a->T)
    for (int32_t i = 0; i < n_last; i++)
      if (t->dims[2] == last[i]) {
        *which = i;
        return HY_OK;
      }
  char buf[128];
  return ir_node_error(g, n, HY_ERR_SHAPE, "input %d (%s) has shape %s; expected [%lld, %lld, %s]",
                       slot, what, ir_type_str(t, buf, sizeof buf), (long long)a->B,
                       (long long)a->T, meaning);
}

/* decay for the gated rules, beta for the delta rules; each forbidden by the other rules. */
static hy_status lin_gates(ir_graph *g, ir_node *n, lin_attrs *a) {
  static const char *const rules[] = {"linear", "gated", "delta", "gated_delta"};
  const char *name = rules[a->rule];
  bool gated = a->rule & 1, delta = a->rule & 2;
  hy_status s;
  int32_t which;
  char m[96];
  if (gated != (ir_in_type(n, 4) != NULL))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "update_rule '%s' %s input 4 (decay)", name,
                         gated ? "requires" : "does not take");
  if (delta != (ir_in_type(n, 5) != NULL))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "update_rule '%s' %s input 5 (beta)", name,
                         delta ? "requires" : "does not take");
  if (gated) {
    snprintf(m, sizeof m, "%lld (kv heads * head size) or %lld (kv heads)",
             (long long)(a->Hkv * a->dk), (long long)a->Hkv);
    if ((s = lin_input(g, n, 4, "decay", a, (int64_t[]){a->Hkv * a->dk, a->Hkv}, 2, m, &which)))
      return s;
    a->g_key = which == 0;
  }
  if (delta) {
    snprintf(m, sizeof m, "%lld (kv heads) or 1", (long long)a->Hkv);
    if ((s = lin_input(g, n, 5, "beta", a, (int64_t[]){a->Hkv, 1}, 2, m, &which))) return s;
    a->b_head = which == 0;
  }
  return HY_OK;
}

static hy_status lin_read(ir_graph *g, ir_node *n, lin_attrs *a) {
  const ir_type *q, *t;
  hy_status s;
  if ((s = attn_float_input(g, n, 0, "query", true, &q))) return s;
  if (q->dtype == HY_DTYPE_DOUBLE)
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input 0 (query) has type double; expected float, float16 or bfloat16");
  if ((s = lin_heads(g, n, "q_num_heads", &a->Hq)) ||
      (s = lin_heads(g, n, "kv_num_heads", &a->Hkv)))
    return s;
  if (a->Hq % a->Hkv)
    return ir_attr_error(g, n, "q_num_heads", HY_ERR_INVALID_MODEL,
                         "%lld is not a multiple of kv_num_heads %lld", (long long)a->Hq,
                         (long long)a->Hkv);
  char buf[128];
  if (q->rank != 3 || q->dims[2] % a->Hq)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 0 (query) has shape %s; expected [batch, seq, %lld * head size]",
                         ir_type_str(q, buf, sizeof buf), (long long)a->Hq);
  a->B = q->dims[0], a->T = q->dims[1], a->dk = q->dims[2] / a->Hq;
  int32_t which;
  char m[96];
  snprintf(m, sizeof m, "%lld (kv heads * query's head size)", (long long)(a->Hkv * a->dk));
  if ((s = lin_input(g, n, 1, "key", a, (int64_t[]){a->Hkv * a->dk}, 1, m, &which))) return s;
  if ((s = attn_float_input(g, n, 2, "value", true, &t))) return s;
  if (t->rank != 3 || t->dims[2] % a->Hkv)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 2 (value) has shape %s; expected [batch, seq, %lld * v head size]",
                         ir_type_str(t, buf, sizeof buf), (long long)a->Hkv);
  a->dv = t->dims[2] / a->Hkv;
  snprintf(m, sizeof m, "%lld (kv heads * v head size)", (long long)(a->Hkv * a->dv));
  if ((s = lin_input(g, n, 2, "value", a, (int64_t[]){a->Hkv * a->dv}, 1, m, &which))) return s;
  static const char *const rules[] = {"linear", "gated", "delta", "gated_delta"};
  if ((s = nn_choice_attr(g, n, "update_rule", "gated_delta", rules, 4, &a->rule)) ||
      (s = lin_gates(g, n, a)))
    return s;
  if (ir_in_type(n, 3)) {
    if ((s = attn_float_input(g, n, 3, "past_state", true, &t))) return s;
    if (t->dtype == HY_DTYPE_DOUBLE)
      return ir_node_error(g, n, HY_ERR_DTYPE,
                           "input 3 (past_state) has type double; expected "
                           "float, float16 or bfloat16");
    if (t->rank != 4 || t->dims[0] != a->B || t->dims[1] != a->Hkv || t->dims[2] != a->dk ||
        t->dims[3] != a->dv)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "input 3 (past_state) has shape %s; expected [%lld, %lld, %lld, %lld] "
                           "(batch, kv heads, head size, v head size)",
                           ir_type_str(t, buf, sizeof buf), (long long)a->B, (long long)a->Hkv,
                           (long long)a->dk, (long long)a->dv);
  }
  const ir_attr *cs = ir_attr_find(n, "chunk_size");
  if (cs && (cs->kind != IR_ATTR_INT || cs->i < 1))
    return ir_attr_error(g, n, "chunk_size", HY_ERR_INVALID_MODEL, "must be an int > 0");
  const ir_attr *sc = ir_attr_find(n, "scale");
  if (sc && (sc->kind != IR_ATTR_FLOAT || !isfinite(sc->f)))
    return ir_attr_error(g, n, "scale", HY_ERR_INVALID_MODEL, "must be a finite float");
  a->scale = sc && sc->f != 0 ? sc->f : (float)(1.0 / sqrt((double)a->dk));
  if (a->dk < 1) return ir_node_error(g, n, HY_ERR_SHAPE, "the head size of query and key is 0");
  return HY_OK;
}

hy_status infer_linear_attention(ir_graph *g, ir_node *n) {
  lin_attrs a;
  hy_status s = lin_read(g, n, &a);
  if (s != HY_OK) return s;
  hy_dtype dt = ir_in_type(n, 0)->dtype;
  const ir_type *past = ir_in_type(n, 3);
  ir_set_out(n, 0, dt, 3, (int64_t[]){a.B, a.T, a.Hq * a.dv});
  ir_set_out(n, 1, past ? past->dtype : dt, 4, (int64_t[]){a.B, a.Hkv, a.dk, a.dv});
  return HY_OK;
}

hy_status lower_linear_attention(ir_graph *g, ir_node *n, ir_lowered *l) {
  lin_attrs a;
  hy_status s = lin_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_linear_attention;
  int64_t ints[10] = {a.B,     a.T,     a.Hq, a.Hkv, a.dk, a.dv, a.rule & 1, (a.rule & 2) != 0,
                      a.g_key, a.b_head};
  for (int i = 0; i < 10; i++)
    lower_int(l, ints[i]);
  lower_float(l, a.scale);
  l->scratch_bytes = (a.dk * a.dv + a.dv) * (int64_t)sizeof(float);
  return HY_OK;
}
