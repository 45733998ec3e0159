/* Hooks of Attention (opsets 23 to 25): the checks of Q/K/V, head counts, mask, caches,
 * nonpad_kv_seqlen and the sliding window (version 25) against each other, the output types,
 * and the attribute block of the streaming attention kernel (runtime/src/kernels/attention.c). */
#include <math.h>
#include <stdio.h>

#include "hydra/attention.h"
#include "hydra/gemm.h"
#include "ops/attention.h"

/* The op's geometry once every input is checked: Q is [B, qH, Sq, D] (or [B, Sq, qH * D]), K/V
 * [B, kvH, Skv, D / Dv] (or 3-D likewise), the caches hold P earlier keys. */
typedef struct attn_shape {
  int64_t B, qH, kvH, Sq, Skv, P, D, Dv;
  bool rank3;
  int64_t causal, mode, left, right, sm;
  float scale, softcap;
} attn_shape;

static hy_status attn_type_error(ir_graph *g, ir_node *n, int32_t slot, const char *what,
                                 const char *want) {
  char buf[160];
  return ir_node_error(g, n, HY_ERR_SHAPE, "input %d (%s) has shape %s; expected %s", slot, what,
                       ir_type_str(ir_in_type(n, slot), buf, sizeof buf), want);
}

/* A head-count attribute: required (> 0) for 3-D inputs; for 4-D ones, when given, it must
 * agree with the heads dim. */
static hy_status attn_heads(ir_graph *g, ir_node *n, const char *attr, bool rank3, int64_t dim,
                            int64_t *heads) {
  const ir_attr *at = ir_attr_find(n, attr);
  if (at && at->kind != IR_ATTR_INT)
    return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "must be an int");
  if (rank3) {
    if (!at)
      return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "is required for 3-D Q, K and V");
    if (at->i < 1)
      return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "must be > 0, is %lld",
                           (long long)at->i);
    *heads = at->i;
    return HY_OK;
  }
  if (at && n->version >= 25)
    return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL,
                         "must not be given with 4-D Q, K and V (Attention version 25)");
  if (at && at->i != dim)
    return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL,
                         "is %lld but the 4-D input has %lld heads", (long long)at->i,
                         (long long)dim);
  *heads = dim;
  return HY_OK;
}

/* 3-D: hidden = heads * size. */
static hy_status attn_split_hidden(ir_graph *g, ir_node *n, const char *attr, const char *what,
                                   int64_t hidden, int64_t heads, int64_t *size) {
  if (hidden % heads)
    return ir_attr_error(g, n, attr, HY_ERR_SHAPE, "%lld does not divide %s's hidden size %lld",
                         (long long)heads, what, (long long)hidden);
  *size = hidden / heads;
  return HY_OK;
}

static hy_status attn_qkv(ir_graph *g, ir_node *n, attn_shape *a) {
  const ir_type *q, *k, *v;
  hy_status s;
  if ((s = attn_float_input(g, n, 0, "Q", true, &q)) ||
      (s = attn_float_input(g, n, 1, "K", true, &k)) ||
      (s = attn_float_input(g, n, 2, "V", true, &v)))
    return s;
  if (k->dtype != q->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "K has type %s, expected %s like Q",
                         hy_dtype_name(k->dtype), hy_dtype_name(q->dtype));
  if (v->dtype != q->dtype)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "V has type %s and Q %s: a V dtype other than Q's is not supported",
                         hy_dtype_name(v->dtype), hy_dtype_name(q->dtype));
  if (q->rank != k->rank || q->rank != v->rank || (q->rank != 3 && q->rank != 4))
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "Q, K and V have ranks %d, %d, %d; expected all 3 ([batch, seq, "
                         "hidden]) or all 4 ([batch, heads, seq, head_size])",
                         q->rank, k->rank, v->rank);
  a->rank3 = q->rank == 3;
  int64_t vs = 0, dk = 0;
  if (a->rank3) {
    if ((s = attn_heads(g, n, "q_num_heads", true, 0, &a->qH)) ||
        (s = attn_heads(g, n, "kv_num_heads", true, 0, &a->kvH)) ||
        (s = attn_split_hidden(g, n, "q_num_heads", "Q", q->dims[2], a->qH, &a->D)) ||
        (s = attn_split_hidden(g, n, "kv_num_heads", "K", k->dims[2], a->kvH, &dk)) ||
        (s = attn_split_hidden(g, n, "kv_num_heads", "V", v->dims[2], a->kvH, &a->Dv)))
      return s;
    a->Sq = q->dims[1], a->Skv = k->dims[1], vs = v->dims[1];
  } else {
    if ((s = attn_heads(g, n, "q_num_heads", false, q->dims[1], &a->qH)) ||
        (s = attn_heads(g, n, "kv_num_heads", false, k->dims[1], &a->kvH)))
      return s;
    if (v->dims[1] != a->kvH)
      return ir_node_error(g, n, HY_ERR_SHAPE, "K has %lld heads and V %lld", (long long)a->kvH,
                           (long long)v->dims[1]);
    a->Sq = q->dims[2], a->D = q->dims[3], a->Skv = k->dims[2], dk = k->dims[3];
    vs = v->dims[2], a->Dv = v->dims[3];
  }
  a->B = q->dims[0];
  if (k->dims[0] != a->B || v->dims[0] != a->B)
    return ir_node_error(g, n, HY_ERR_SHAPE, "batch sizes differ: Q %lld, K %lld, V %lld",
                         (long long)a->B, (long long)k->dims[0], (long long)v->dims[0]);
  if (dk != a->D)
    return ir_node_error(g, n, HY_ERR_SHAPE, "head sizes of Q (%lld) and K (%lld) differ",
                         (long long)a->D, (long long)dk);
  if (a->D < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "the head size of Q and K is 0");
  if (vs != a->Skv)
    return ir_node_error(g, n, HY_ERR_SHAPE, "K has %lld keys but V %lld values",
                         (long long)a->Skv, (long long)vs);
  if (a->qH % a->kvH)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "%lld query heads are not a multiple of %lld key/value heads",
                         (long long)a->qH, (long long)a->kvH);
  return HY_OK;
}

/* past_key [B, kvH, P, D] and past_value [B, kvH, P, Dv], both or neither. */
static hy_status attn_past(ir_graph *g, ir_node *n, attn_shape *a) {
  const ir_type *pk = ir_in_type(n, 4), *pv = ir_in_type(n, 5), *t;
  a->P = 0;
  if (!pk && !pv) return HY_OK;
  if (!pk || !pv)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "past_key and past_value must be given together (only %s is)",
                         pk ? "past_key" : "past_value");
  hy_status s;
  if ((s = attn_float_input(g, n, 4, "past_key", true, &t)) ||
      (s = attn_float_input(g, n, 5, "past_value", true, &t)) ||
      (s = ir_check_same_dtype(g, n, 0, 1)) || (s = ir_check_same_dtype(g, n, 4, 5)))
    return s;
  if (pk->dtype != ir_in_type(n, 0)->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "past_key has type %s, expected %s like Q",
                         hy_dtype_name(pk->dtype), hy_dtype_name(ir_in_type(n, 0)->dtype));
  a->P = pk->rank == 4 ? pk->dims[2] : -1;
  char want[160];
  snprintf(want, sizeof want, "[%lld, %lld, past_len, %lld] (batch, kv heads, -, head size)",
           (long long)a->B, (long long)a->kvH, (long long)a->D);
  if (pk->rank != 4 || pk->dims[0] != a->B || pk->dims[1] != a->kvH || pk->dims[3] != a->D)
    return attn_type_error(g, n, 4, "past_key", want);
  snprintf(want, sizeof want, "[%lld, %lld, %lld, %lld] (past_len of past_key, V's head size)",
           (long long)a->B, (long long)a->kvH, (long long)a->P, (long long)a->Dv);
  if (pv->rank != 4 || pv->dims[0] != a->B || pv->dims[1] != a->kvH || pv->dims[2] != a->P ||
      pv->dims[3] != a->Dv)
    return attn_type_error(g, n, 5, "past_value", want);
  return HY_OK;
}

/* nonpad_kv_seqlen (opset 24): int64 [B], not with a past cache. */
static hy_status attn_nonpad(ir_graph *g, ir_node *n, const attn_shape *a) {
  const ir_type *t = ir_in_type(n, 6);
  if (!t) return HY_OK;
  if (n->version < 24)
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "input 6 (nonpad_kv_seqlen) exists from Attention version 24, the node "
                         "is version %d", n->version);
  hy_status s = ir_input_static(g, n, 6, &t);
  if (s != HY_OK) return s;
  if (t->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input 6 (nonpad_kv_seqlen) has type %s; expected "
                         "int64", hy_dtype_name(t->dtype));
  if (t->rank != 1 || t->dims[0] != a->B) {
    char want[48];
    snprintf(want, sizeof want, "[%lld] (the batch size)", (long long)a->B);
    return attn_type_error(g, n, 6, "nonpad_kv_seqlen", want);
  }
  if (a->P > 0 || ir_in_type(n, 4))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "nonpad_kv_seqlen cannot be combined with past_key/past_value");
  return HY_OK;
}

/* attn_mask: bool or Q's dtype, broadcasting right-aligned to [B, qH, Sq, keys]; its last dim
 * may be shorter than the keys (the rest are masked). */
static hy_status attn_mask(ir_graph *g, ir_node *n, const attn_shape *a) {
  const ir_type *m = ir_in_type(n, 3), *q = ir_in_type(n, 0);
  if (!m) return HY_OK;
  hy_status s = ir_input_static(g, n, 3, &m);
  if (s != HY_OK) return s;
  if (m->dtype != HY_DTYPE_BOOL && m->dtype != q->dtype)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input 3 (attn_mask) has type %s; supported are bool and %s (Q's type)",
                         hy_dtype_name(m->dtype), hy_dtype_name(q->dtype));
  int64_t tot = a->P + a->Skv, want[4] = {a->B, a->qH, a->Sq, tot};
  char buf[96];
  snprintf(buf, sizeof buf, "a shape broadcasting to [%lld, %lld, %lld, <= %lld]",
           (long long)a->B, (long long)a->qH, (long long)a->Sq, (long long)tot);
  if (m->rank < 1 || m->rank > 4) return attn_type_error(g, n, 3, "attn_mask", buf);
  for (int32_t i = 0; i + 1 < m->rank; i++) {
    int64_t d = m->dims[i], w = want[4 - m->rank + i];
    if (d != w && d != 1) return attn_type_error(g, n, 3, "attn_mask", buf);
  }
  if (m->dims[m->rank - 1] > tot) return attn_type_error(g, n, 3, "attn_mask", buf);
  return HY_OK;
}

/* left_window_size and right_window_size (version 25): -1 (unbounded) or >= 0. */
static hy_status attn_window(ir_graph *g, ir_node *n, attn_shape *a) {
  static const char *const names[2] = {"left_window_size", "right_window_size"};
  int64_t *dst[2] = {&a->left, &a->right};
  for (int i = 0; i < 2; i++) {
    const ir_attr *at = ir_attr_find(n, names[i]);
    *dst[i] = -1;
    if (!at) continue;
    if (n->version < 25)
      return ir_attr_error(g, n, names[i], HY_ERR_INVALID_MODEL,
                           "exists from Attention version 25, the node is version %d",
                           n->version);
    if (at->kind != IR_ATTR_INT || at->i < -1)
      return ir_attr_error(g, n, names[i], HY_ERR_INVALID_MODEL,
                           "must be -1 (unbounded) or an int >= 0");
    *dst[i] = at->i;
  }
  return HY_OK;
}

static hy_status attn_attrs(ir_graph *g, ir_node *n, attn_shape *a) {
  hy_status s = ir_attr_flag(g, n, "is_causal", 0, &a->causal);
  if (s != HY_OK) return s;
  a->mode = ir_attr_int(n, "qk_matmul_output_mode", 0);
  if (a->mode < 0 || a->mode > 3)
    return ir_attr_error(g, n, "qk_matmul_output_mode", HY_ERR_INVALID_MODEL,
                         "must be 0, 1, 2 or 3, is %lld", (long long)a->mode);
  a->softcap = ir_attr_float(n, "softcap", 0.0f);
  if (!(a->softcap >= 0) || isinf(a->softcap))
    return ir_attr_error(g, n, "softcap", HY_ERR_INVALID_MODEL, "must be finite and >= 0, is %g",
                         (double)a->softcap);
  const ir_attr *sc = ir_attr_find(n, "scale");
  a->scale = sc ? sc->f : (float)(1.0 / sqrt((double)a->D));
  if (sc && (!(sc->f >= 0) || isinf(sc->f)))
    return ir_attr_error(g, n, "scale", HY_ERR_INVALID_MODEL, "must be finite and >= 0, is %g",
                         (double)sc->f);
  /* float16/bfloat16 compute the softmax in exactly this type; float in float or, asked for
   * double, in double; double in double: never less than asked for */
  const ir_attr *sp = ir_attr_find(n, "softmax_precision");
  a->sm = sp ? sp->i : 0;
  if (sp && (sp->kind != IR_ATTR_INT || !ir_dtype_is_float((hy_dtype)sp->i)))
    return ir_attr_error(g, n, "softmax_precision", HY_ERR_INVALID_MODEL,
                         "%lld is not a floating type (1, 10, 11 or 16)", (long long)sp->i);
  return attn_window(g, n, a);
}

static hy_status attn_read(ir_graph *g, ir_node *n, attn_shape *a) {
  hy_status s;
  if ((s = attn_qkv(g, n, a)) || (s = attn_past(g, n, a)) || (s = attn_nonpad(g, n, a)) ||
      (s = attn_mask(g, n, a)) || (s = attn_attrs(g, n, a)))
    return s;
  return HY_OK;
}

hy_status infer_attention(ir_graph *g, ir_node *n) {
  attn_shape a;
  hy_status s = attn_read(g, n, &a);
  if (s != HY_OK) return s;
  hy_dtype dt = ir_in_type(n, 0)->dtype;
  int64_t tot = a.P + a.Skv;
  int64_t y3[3] = {a.B, a.Sq, a.qH * a.Dv}, y4[4] = {a.B, a.qH, a.Sq, a.Dv};
  int64_t pk[4] = {a.B, a.kvH, tot, a.D}, pv[4] = {a.B, a.kvH, tot, a.Dv};
  int64_t qk[4] = {a.B, a.qH, a.Sq, tot};
  if (a.rank3)
    ir_set_out(n, 0, dt, 3, y3);
  else
    ir_set_out(n, 0, dt, 4, y4);
  ir_set_out(n, 1, dt, 4, pk);
  ir_set_out(n, 2, dt, 4, pv);
  ir_set_out(n, 3, dt, 4, qk);
  return HY_OK;
}

hy_status lower_attention(ir_graph *g, ir_node *n, ir_lowered *l) {
  attn_shape a;
  hy_status s = attn_read(g, n, &a);
  if (s != HY_OK) return s;
  int64_t tot = a.P + a.Skv;
  int64_t bq = a.Sq < HY_ATTN_BQ ? a.Sq : HY_ATTN_BQ, bk = tot < HY_ATTN_BK ? tot : HY_ATTN_BK;
  bool run_time = false; /* on run-time dims: full tiles, which the kernel shortens to the run's */
  for (int32_t i = 0; i < n->n_in; i++) run_time |= n->in[i] && n->in[i]->type.dyn;
  if (run_time) bq = HY_ATTN_BQ, bk = HY_ATTN_BK;
  hy_dtype dt = ir_in_type(n, 0)->dtype;
  if (dt == HY_DTYPE_FLOAT16 || dt == HY_DTYPE_BFLOAT16) {
    /* their exact softmax takes whole rows: fewer of them per block on long sequences */
    bk = tot;
    if (bk > 0 && bq > HY_ATTN_HALF_SCORES / bk) bq = HY_ATTN_HALF_SCORES / bk;
  }
  if (bq < 1) bq = 1;
  if (bk < 1) bk = 1;
  bool wide = dt == HY_DTYPE_FLOAT && a.sm == HY_DTYPE_DOUBLE;
  l->kernel = HY_KERNEL_attention;
  int64_t ints[17] = {a.B,     a.qH,   a.kvH, a.Sq, a.Skv, a.P,    a.D,     a.Dv,
                      a.rank3, a.causal, a.mode, HY_GEMM_MAX_TASKS, bq, bk, a.left, a.right,
                      a.sm};
  for (int i = 0; i < 17; i++) lower_int(l, ints[i]);
  lower_float(l, a.scale);
  lower_float(l, a.softcap);
  l->scratch_bytes = HY_GEMM_MAX_TASKS *
                     (int64_t)hy_attention_task_bytes(bq, bk, tot, a.D, a.Dv,
                                                      dt == HY_DTYPE_DOUBLE || wide ? 8 : 4,
                                                      dt == HY_DTYPE_FLOAT && !wide);
  return HY_OK;
}
