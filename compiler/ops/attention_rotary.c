/* Hooks of RotaryEmbedding (opset 23): X as [B, heads, S, head_size] or [B, S, hidden] with
 * num_heads, the rotated width, the cos/sin caches against position_ids, and the attribute block
 * of the rotary kernel (runtime/src/kernels/rotary.c). */
#include <stdio.h>

#include "ops/attention.h"

typedef struct rope_attrs {
  int64_t B, H, S, hs, rd, interleaved, rank3, max_pos;
} rope_attrs;

static hy_status rope_cache(ir_graph *g, ir_node *n, int32_t slot, const char *what,
                            const rope_attrs *a, bool pos) {
  const ir_type *t, *x = ir_in_type(n, 0);
  hy_status s = attn_float_input(g, n, slot, what, true, &t);
  if (s != HY_OK) return s;
  if (t->dtype != x->dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d (%s) has type %s, expected %s like X",
                         slot, what, hy_dtype_name(t->dtype), hy_dtype_name(x->dtype));
  bool ok = pos ? t->rank == 2 && t->dims[1] == a->rd / 2
                : t->rank == 3 && t->dims[0] == a->B && t->dims[1] == a->S &&
                      t->dims[2] == a->rd / 2;
  if (ok && pos && t->dims[0] != ir_in_type(n, 1)->dims[0]) ok = false;
  if (ok) return HY_OK;
  char buf[128];
  if (pos)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input %d (%s) has shape %s; with position_ids expected [max_position, "
                         "%lld] (rotary_embedding_dim / 2), like cos_cache",
                         slot, what, ir_type_str(t, buf, sizeof buf), (long long)(a->rd / 2));
  return ir_node_error(g, n, HY_ERR_SHAPE,
                       "input %d (%s) has shape %s; without position_ids expected [%lld, %lld, "
                       "%lld] (batch, sequence, rotary_embedding_dim / 2)",
                       slot, what, ir_type_str(t, buf, sizeof buf), (long long)a->B,
                       (long long)a->S, (long long)(a->rd / 2));
}

static hy_status rope_read(ir_graph *g, ir_node *n, rope_attrs *a) {
  const ir_type *x;
  hy_status s = attn_float_input(g, n, 0, "X", true, &x);
  if (s == HY_OK) s = ir_attr_flag(g, n, "interleaved", 0, &a->interleaved);
  if (s != HY_OK) return s;
  if (x->dtype == HY_DTYPE_DOUBLE)
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input 0 (X) has type double; expected float, float16 or bfloat16");
  const ir_attr *nh = ir_attr_find(n, "num_heads");
  if (x->rank != 3 && x->rank != 4) {
    char buf[128];
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 0 (X) has shape %s; expected [batch, heads, seq, head_size] or "
                         "[batch, seq, hidden]", ir_type_str(x, buf, sizeof buf));
  }
  a->rank3 = x->rank == 3;
  a->B = x->dims[0];
  if (a->rank3) {
    if (!nh)
      return ir_attr_error(g, n, "num_heads", HY_ERR_INVALID_MODEL, "is required for a 3-D X");
    if (nh->i < 1 || x->dims[2] % nh->i)
      return ir_attr_error(g, n, "num_heads", HY_ERR_INVALID_MODEL,
                           "%lld does not divide X's hidden size %lld", (long long)nh->i,
                           (long long)x->dims[2]);
    a->H = nh->i, a->S = x->dims[1], a->hs = x->dims[2] / nh->i;
  } else {
    a->H = x->dims[1], a->S = x->dims[2], a->hs = x->dims[3];
    if (nh && nh->i != a->H)
      return ir_attr_error(g, n, "num_heads", HY_ERR_INVALID_MODEL,
                           "is %lld but X has %lld heads", (long long)nh->i, (long long)a->H);
  }
  a->rd = ir_attr_int(n, "rotary_embedding_dim", 0);
  if (a->rd == 0) a->rd = a->hs;
  if (a->rd < 0 || a->rd > a->hs || a->rd % 2)
    return ir_attr_error(g, n, "rotary_embedding_dim", HY_ERR_INVALID_MODEL,
                         "must be even and at most the head size %lld, is %lld", (long long)a->hs,
                         (long long)a->rd);
  const ir_type *pos = ir_in_type(n, 3);
  if (pos) {
    if ((s = ir_input_static(g, n, 3, &pos))) return s;
    if (pos->dtype != HY_DTYPE_INT64)
      return ir_node_error(g, n, HY_ERR_DTYPE, "input 3 (position_ids) has type %s; expected "
                           "int64", hy_dtype_name(pos->dtype));
    if (pos->rank != 2 || pos->dims[0] != a->B || pos->dims[1] != a->S) {
      char buf[128];
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "input 3 (position_ids) has shape %s; expected [%lld, %lld] (batch, "
                           "sequence)", ir_type_str(pos, buf, sizeof buf), (long long)a->B,
                           (long long)a->S);
    }
  }
  if ((s = rope_cache(g, n, 1, "cos_cache", a, pos != NULL)) ||
      (s = rope_cache(g, n, 2, "sin_cache", a, pos != NULL)))
    return s;
  a->max_pos = pos ? ir_in_type(n, 1)->dims[0] : 0;
  return HY_OK;
}

hy_status infer_rotary(ir_graph *g, ir_node *n) {
  rope_attrs a;
  hy_status s = rope_read(g, n, &a);
  if (s != HY_OK) return s;
  const ir_type *x = ir_in_type(n, 0);
  ir_set_out(n, 0, x->dtype, x->rank, x->dims);
  return HY_OK;
}

hy_status lower_rotary(ir_graph *g, ir_node *n, ir_lowered *l) {
  rope_attrs a;
  hy_status s = rope_read(g, n, &a);
  if (s != HY_OK) return s;
  l->kernel = HY_KERNEL_rotary;
  int64_t ints[8] = {a.B, a.H, a.S, a.hs, a.rd, a.interleaved, a.rank3, a.max_pos};
  for (int i = 0; i < 8; i++) lower_int(l, ints[i]);
  return HY_OK;
}
