/* Shape inference and lowering of the linalg ops: MatMul, Gemm, Conv. Their kernels (and the
 * attribute blocks they read) are in runtime/src/kernels/{matmul,gemm,conv}.c. */
#include <string.h>

#include "hydra/gemm.h"
#include "ir/ir.h"
#include "ops/linalg.h"

/* The input's static type, with a dtype among those the op's kernel computes. */
static hy_status lin_input(ir_graph *g, ir_node *n, int32_t slot, bool ints_too,
                           const ir_type **t) {
  const ir_type *it;
  hy_status s = ir_input_static(g, n, slot, &it);
  if (s != HY_OK) return s;
  switch (it->dtype) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
    break;
  case HY_DTYPE_INT32: case HY_DTYPE_INT64: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
    if (ints_too) break;
    /* fall through */
  default:
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input %d ('%s') has type %s, not supported",
                         slot, n->in[slot]->name, hy_dtype_name(it->dtype));
  }
  *t = it;
  return HY_OK;
}

static int64_t rows_of(const ir_type *t) { return ir_type_numel(t) / t->dims[t->rank - 1]; }

/* B was pre-packed by the layout pass (passes/layout.c): the kernel reads it as packed panels. */
static bool lin_b_packed(const ir_node *n) {
  return n->in[1]->data && n->in[1]->layout == IR_LAYOUT_GEMM_PACKED_B;
}

/* ---- MatMul ---- */

hy_status infer_matmul(ir_graph *g, ir_node *n) {
  const ir_type *a = NULL, *b = NULL;
  hy_status s;
  if ((s = lin_input(g, n, 0, true, &a)) || (s = lin_input(g, n, 1, true, &b)) ||
      (s = ir_check_same_dtype(g, n, 0, 1)))
    return s;
  ir_type out;
  if ((s = lin_matmul_shape(g, n, a, b, &out))) return s;
  ir_set_out(n, 0, a->dtype, out.rank, out.dims);
  return HY_OK;
}

hy_status lin_matmul_shape(ir_graph *g, ir_node *n, const ir_type *a, const ir_type *b,
                           ir_type *out) {
  hy_status s;
  if (a->rank < 1 || b->rank < 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "inputs must have rank >= 1, have %d and %d",
                         a->rank, b->rank);
  int64_t ka = a->dims[a->rank - 1], kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
  if (ka != kb) {
    char ta[160], tb[160];
    return ir_node_error(g, n, HY_ERR_SHAPE, "inner dimensions differ: %s x %s",
                         ir_type_str(a, ta, sizeof ta), ir_type_str(b, tb, sizeof tb));
  }
  ir_type ba = *a, bb = *b;
  ba.rank = a->rank > 2 ? a->rank - 2 : 0;
  bb.rank = b->rank > 2 ? b->rank - 2 : 0;
  if ((s = ir_broadcast(g, n, &ba, &bb, out))) return s;
  if (a->rank >= 2) out->dims[out->rank++] = a->dims[a->rank - 2];
  if (b->rank >= 2) out->dims[out->rank++] = b->dims[b->rank - 1];
  return HY_OK;
}

hy_status lower_matmul(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *a = ir_in_type(n, 0), *b = ir_in_type(n, 1), *y = &n->out[0]->type;
  int64_t K = a->dims[a->rank - 1], N = b->rank >= 2 ? y->dims[y->rank - 1] : 1;
  bool packed = b->rank == 2 && lin_b_packed(n);
  l->kernel = HY_KERNEL_matmul;
  lower_int(l, HY_GEMM_MAX_TASKS);
  lower_int(l, packed);
  if (a->dtype == HY_DTYPE_FLOAT)
    l->scratch_bytes =
        (int64_t)(packed ? hy_sgemm_prepacked_scratch_bytes(rows_of(a), N, K, HY_GEMM_MAX_TASKS)
                         : hy_sgemm_scratch_bytes(rows_of(a), N, K, HY_GEMM_MAX_TASKS));
  return HY_OK;
}

/* ---- Gemm ---- */

/* C must broadcast unidirectionally to [M, N]. */
static hy_status gemm_check_c(ir_graph *g, ir_node *n, const ir_type *c, int64_t M, int64_t N) {
  int64_t want[2] = {M, N};
  bool ok = c->rank <= 2;
  for (int32_t i = 0; ok && i < c->rank; i++) {
    int64_t d = c->dims[i], w = want[2 - c->rank + i];
    ok = d == w || d == 1;
  }
  if (ok) return HY_OK;
  char tc[160];
  return ir_node_error(g, n, HY_ERR_SHAPE, "input C %s does not broadcast to [%lld,%lld]",
                       ir_type_str(c, tc, sizeof tc), (long long)M, (long long)N);
}

hy_status infer_gemm(ir_graph *g, ir_node *n) {
  const ir_type *a = NULL, *b = NULL, *c = NULL;
  int64_t ta, tb;
  hy_status s;
  if ((s = lin_input(g, n, 0, true, &a)) || (s = lin_input(g, n, 1, true, &b)) ||
      (s = ir_check_same_dtype(g, n, 0, 2)) || (s = ir_attr_flag(g, n, "transA", 0, &ta)) ||
      (s = ir_attr_flag(g, n, "transB", 0, &tb)))
    return s;
  if (a->rank != 2 || b->rank != 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "A and B must be 2-D, have rank %d and %d", a->rank,
                         b->rank);
  int64_t M = ta ? a->dims[1] : a->dims[0], K = ta ? a->dims[0] : a->dims[1];
  int64_t N = tb ? b->dims[0] : b->dims[1], Kb = tb ? b->dims[1] : b->dims[0];
  if (K != Kb)
    return ir_node_error(g, n, HY_ERR_SHAPE, "inner dimensions differ: op(A) is [%lld,%lld], "
                         "op(B) is [%lld,%lld]", (long long)M, (long long)K, (long long)Kb,
                         (long long)N);
  if (n->n_in > 2 && n->in[2]) {
    if ((s = lin_input(g, n, 2, true, &c)) || (s = gemm_check_c(g, n, c, M, N))) return s;
  } else if (n->opset < 11) {
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "input C is required before opset 11");
  }
  int64_t dims[2] = {M, N};
  ir_set_out(n, 0, a->dtype, 2, dims);
  return HY_OK;
}

hy_status lower_gemm(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *a = ir_in_type(n, 0), *y = &n->out[0]->type;
  int64_t ta = ir_attr_int(n, "transA", 0), tb = ir_attr_int(n, "transB", 0);
  int64_t M = y->dims[0], N = y->dims[1], K = ta ? a->dims[0] : a->dims[1];
  bool packed = lin_b_packed(n);
  l->kernel = HY_KERNEL_gemm;
  lower_int(l, ta);
  lower_int(l, tb);
  lower_int(l, HY_GEMM_MAX_TASKS);
  lower_int(l, packed);
  lower_float(l, ir_attr_float(n, "alpha", 1.0f));
  lower_float(l, ir_attr_float(n, "beta", 1.0f));
  if (a->dtype == HY_DTYPE_FLOAT)
    l->scratch_bytes =
        (int64_t)(packed ? hy_sgemm_prepacked_scratch_bytes(M, N, K, HY_GEMM_MAX_TASKS)
                         : hy_sgemm_scratch_bytes(M, N, K, HY_GEMM_MAX_TASKS));
  return HY_OK;
}

/* ---- FusedMatMul ---- */

static const char *const fused_acts[] = {[HY_GEMM_ACT_NONE] = "",
                                         [HY_GEMM_ACT_RELU] = "Relu",
                                         [HY_GEMM_ACT_GELU] = "Gelu",
                                         [HY_GEMM_ACT_GELU_TANH] = "GeluTanh",
                                         [HY_GEMM_ACT_TANH] = "Tanh",
                                         [HY_GEMM_ACT_SIGMOID] = "Sigmoid"};

int32_t lin_fused_act(const char *name) {
  for (int32_t i = 0; i < (int32_t)(sizeof fused_acts / sizeof fused_acts[0]); i++)
    if (!strcmp(name, fused_acts[i])) return i;
  return -1;
}

const char *lin_fused_act_name(int32_t act) { return fused_acts[act]; }

bool lin_is_column_bias(const ir_type *t, int64_t N) {
  if (t->rank < 1 || t->dims[t->rank - 1] != N) return false;
  for (int32_t i = 0; i + 1 < t->rank; i++)
    if (t->dims[i] != 1) return false;
  return true;
}

bool lin_row_swap(int32_t rank, const int64_t *dims, const int64_t *perm, int64_t *P,
                  int64_t *Q) {
  if (rank < 1 || perm[rank - 1] != rank - 1) return false;
  int32_t pos[HY_MAX_RANK], r = 0; /* an axis' place among the axes of extent > 1 */
  for (int32_t i = 0; i + 1 < rank; i++) pos[i] = dims[i] == 1 ? -1 : r++;
  int32_t order[HY_MAX_RANK], m = 0, runs = 0;
  for (int32_t i = 0; i + 1 < rank; i++)
    if (pos[perm[i]] >= 0) order[m++] = pos[perm[i]];
  for (int32_t i = 0; i < m; i++) runs += i == 0 || order[i] != order[i - 1] + 1;
  /* one run moves no row; two are k .. r-1 then 0 .. k-1 (a run starting at 0 would have
   * continued the other); more are no swap */
  if (runs > 2) return false;
  int32_t k = runs == 2 ? order[0] : r;
  *P = *Q = 1;
  for (int32_t i = 0; i + 1 < rank; i++)
    if (pos[i] >= 0) *(pos[i] < k ? P : Q) *= dims[i];
  return true;
}

/* A perm attribute of FusedMatMul over t's axes (rank of them): present, a permutation keeping
 * the last axis, and one GEMM's rows can follow it (lin_row_swap). */
static hy_status fused_perm(ir_graph *g, ir_node *n, const char *attr, const ir_type *t,
                            int64_t *perm, bool *given) {
  hy_status s = ir_attr_perm(g, n, attr, t->rank, perm, given);
  int64_t P, Q;
  if (s || !*given) return s;
  if (!lin_row_swap(t->rank, t->dims, perm, &P, &Q))
    return ir_attr_error(g, n, attr, HY_ERR_UNSUPPORTED,
                         "must keep the last axis last and swap two groups of the leading ones");
  return HY_OK;
}

/* Y = act(alpha * A' op(B) + beta * bias) + residual, transposed by perm_Y when given: A' is A,
 * or Transpose(A, perm_A); A [..., K] float, B [K, N] (or [N, K] with transB), bias a per-column
 * [..., N], residual shaped like the product (before perm_Y). perm_A and perm_Y are what
 * passes/fold_transpose.c folds into the GEMM; they reorder rows only. */
hy_status infer_fused_matmul(ir_graph *g, ir_node *n) {
  const ir_type *a, *b, *t;
  int64_t tb, perm_a[HY_MAX_RANK], perm_y[HY_MAX_RANK];
  bool has_pa, has_py;
  hy_status s;
  if ((s = ir_input_static(g, n, 0, &a)) || (s = ir_input_static(g, n, 1, &b)) ||
      (s = ir_attr_flag(g, n, "transB", 0, &tb)))
    return s;
  for (int32_t i = 0; i < n->n_in; i++)
    if (n->in[i] && n->in[i]->type.dtype != HY_DTYPE_FLOAT)
      return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "input %d ('%s') has type %s, not float",
                           i, n->in[i]->name, hy_dtype_name(n->in[i]->type.dtype));
  if (lin_fused_act(ir_attr_string(n, "activation", "")) < 0)
    return ir_attr_error(g, n, "activation", HY_ERR_INVALID_MODEL, "unknown activation '%s'",
                         ir_attr_string(n, "activation", ""));
  if (a->rank < 1 || b->rank != 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "A must have rank >= 1 and B rank 2, have %d and %d",
                         a->rank, b->rank);
  int64_t K = a->dims[a->rank - 1], Kb = b->dims[tb ? 1 : 0], N = b->dims[tb ? 0 : 1];
  if (K != Kb)
    return ir_node_error(g, n, HY_ERR_SHAPE, "inner dimensions differ: %lld and %lld",
                         (long long)K, (long long)Kb);
  if ((s = fused_perm(g, n, "perm_A", a, perm_a, &has_pa))) return s;
  ir_type y = *a;
  if (has_pa)
    for (int32_t i = 0; i < a->rank; i++) y.dims[i] = a->dims[perm_a[i]];
  y.dims[y.rank - 1] = N;
  if (n->n_in > 2 && n->in[2]) {
    if ((s = ir_input_static(g, n, 2, &t))) return s;
    if (!lin_is_column_bias(t, N)) {
      char tt[160];
      return ir_node_error(g, n, HY_ERR_SHAPE, "bias %s is not a per-column bias of %lld",
                           ir_type_str(t, tt, sizeof tt), (long long)N);
    }
  }
  if (n->n_in > 3 && n->in[3]) {
    if ((s = ir_input_static(g, n, 3, &t))) return s;
    if (!ir_type_is_static(&y) || t->rank != y.rank ||
        memcmp(t->dims, y.dims, sizeof(int64_t) * (size_t)y.rank) != 0) {
      char tt[160], ty[160];
      return ir_node_error(g, n, HY_ERR_SHAPE, "residual %s is not shaped like the product %s",
                           ir_type_str(t, tt, sizeof tt), ir_type_str(&y, ty, sizeof ty));
    }
  }
  if ((s = fused_perm(g, n, "perm_Y", &y, perm_y, &has_py))) return s;
  if (has_pa && has_py)
    return ir_attr_error(g, n, "perm_Y", HY_ERR_UNSUPPORTED, "is not taken with perm_A");
  if (has_py) {
    ir_type p = y;
    for (int32_t i = 0; i < p.rank; i++) y.dims[i] = p.dims[perm_y[i]];
  }
  ir_set_out(n, 0, HY_DTYPE_FLOAT, y.rank, y.dims);
  return HY_OK;
}

/* The rows of a FusedMatMul's GEMM, as the kernel runs them: `outer` products of an equal share
 * of the rows each, the o-th reading A's rows from o * a_os in steps of a_rs, writing C's from
 * o * c_os in steps of c_rs and reading the residual's from o * r_os in steps of r_rs (all
 * counted in rows). perm_A: A's rows [P, Q] are the product's [Q, P]; perm_Y: the product's rows
 * [P, Q] (A's order, and the residual's) are stored as [Q, P]. Either way row p*Q + q of A gives
 * row q*P + p of Y; the loop runs over the shorter of P and Q so that each product has the more
 * rows. */
typedef struct fused_rows {
  int64_t outer, a_os, a_rs, c_os, c_rs, r_os, r_rs;
} fused_rows;

static fused_rows fused_row_map(ir_graph *g, ir_node *n, const ir_type *a) {
  int64_t perm[HY_MAX_RANK], P = 1, Q = 1;
  bool on_a, on_y = false; /* A and the product share their leading dims */
  if (ir_attr_perm(g, n, "perm_A", a->rank, perm, &on_a) == HY_OK && on_a)
    lin_row_swap(a->rank, a->dims, perm, &P, &Q);
  else if (ir_attr_perm(g, n, "perm_Y", a->rank, perm, &on_y) == HY_OK && on_y)
    lin_row_swap(a->rank, a->dims, perm, &P, &Q);
  if (Q == 1 || P == 1) return (fused_rows){1, 0, 1, 0, 1, 0, 1};
  fused_rows m = P <= Q ? (fused_rows){P, Q, 1, 1, P, 0, 0}
                        : (fused_rows){Q, 1, Q, P, 1, 0, 0};
  /* the residual is in the product's order: C's with perm_A, A's with perm_Y */
  m.r_os = on_y ? m.a_os : m.c_os;
  m.r_rs = on_y ? m.a_rs : m.c_rs;
  return m;
}

hy_status lower_fused_matmul(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *a = ir_in_type(n, 0), *y = &n->out[0]->type;
  int64_t K = a->dims[a->rank - 1], N = y->dims[y->rank - 1];
  bool packed = lin_b_packed(n);
  l->kernel = HY_KERNEL_fused_matmul;
  lower_int(l, ir_attr_int(n, "transB", 0));
  lower_int(l, HY_GEMM_MAX_TASKS);
  lower_int(l, packed);
  lower_int(l, lin_fused_act(ir_attr_string(n, "activation", "")));
  lower_int(l, n->n_in > 2 && n->in[2]);
  lower_int(l, n->n_in > 3 && n->in[3]);
  lower_float(l, ir_attr_float(n, "alpha", 1.0f));
  lower_float(l, ir_attr_float(n, "beta", 1.0f));
  int64_t rows = 1;
  for (int32_t i = 0; i + 1 < a->rank; i++) rows *= a->dims[i];
  fused_rows m = fused_row_map(g, n, a);
  const int64_t map[] = {m.outer, m.a_os, m.a_rs, m.c_os, m.c_rs, m.r_os, m.r_rs};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) lower_int(l, map[i]);
  l->scratch_bytes =
      (int64_t)(packed ? hy_sgemm_prepacked_scratch_bytes(rows, N, K, HY_GEMM_MAX_TASKS)
                       : hy_sgemm_scratch_bytes(rows, N, K, HY_GEMM_MAX_TASKS));
  return HY_OK;
}

/* ---- Conv ---- */

/* An INTS attribute of nsp values >= lo, or all `dflt` when absent. */
static hy_status conv_ints(ir_graph *g, ir_node *n, const char *attr, int32_t count, int64_t lo,
                           int64_t dflt, int64_t *out) {
  const int64_t *v;
  int32_t cnt;
  if (!ir_attr_ints(n, attr, &v, &cnt)) {
    if (ir_attr_find(n, attr))
      return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "must be a list of ints");
    for (int32_t i = 0; i < count; i++) out[i] = dflt;
    return HY_OK;
  }
  if (cnt != count)
    return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "has %d values, expected %d", cnt,
                         count);
  for (int32_t i = 0; i < count; i++) {
    if (v[i] < lo)
      return ir_attr_error(g, n, attr, HY_ERR_INVALID_MODEL, "value %lld is below %lld",
                           (long long)v[i], (long long)lo);
    out[i] = v[i];
  }
  return HY_OK;
}

/* Pads from auto_pad (SAME_*: output = ceil(input / stride)) or the pads attribute. */
static hy_status conv_pads(ir_graph *g, ir_node *n, const ir_type *x, lin_conv_geom *c) {
  const char *ap = ir_attr_string(n, "auto_pad", "NOTSET");
  int32_t nsp = c->nsp;
  if (!strcmp(ap, "NOTSET")) {
    int64_t pads[2 * HY_MAX_RANK];
    hy_status s = conv_ints(g, n, "pads", 2 * nsp, 0, 0, pads);
    if (s) return s;
    for (int32_t d = 0; d < nsp; d++) c->pb[d] = pads[d], c->pe[d] = pads[nsp + d];
    return HY_OK;
  }
  bool upper = !strcmp(ap, "SAME_UPPER"), lower = !strcmp(ap, "SAME_LOWER");
  if (!upper && !lower && strcmp(ap, "VALID"))
    return ir_attr_error(g, n, "auto_pad", HY_ERR_INVALID_MODEL,
                         "'%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", ap);
  for (int32_t d = 0; d < nsp; d++) {
    int64_t in = x->dims[2 + d], total = 0;
    if (upper || lower) {
      int64_t out = (in + c->st[d] - 1) / c->st[d];
      total = (out - 1) * c->st[d] + (c->k[d] - 1) * c->dl[d] + 1 - in;
      if (total < 0) total = 0;
    }
    c->pb[d] = upper ? total / 2 : total - total / 2;
    c->pe[d] = total - c->pb[d];
  }
  return HY_OK;
}

hy_status lin_conv_geometry(ir_graph *g, ir_node *n, const ir_type *x, const ir_type *w,
                            lin_conv_geom *c) {
  hy_status s;
  memset(c, 0, sizeof *c);
  c->nsp = x->rank - 2;
  c->group = ir_attr_int(n, "group", 1);
  if (c->group < 1)
    return ir_attr_error(g, n, "group", HY_ERR_INVALID_MODEL, "must be >= 1, is %lld",
                         (long long)c->group);
  for (int32_t d = 0; d < c->nsp; d++) c->k[d] = w->dims[2 + d];
  int64_t ks[HY_MAX_RANK];
  if ((s = conv_ints(g, n, "kernel_shape", c->nsp, 1, 1, ks))) return s;
  for (int32_t d = 0; d < c->nsp && ir_attr_find(n, "kernel_shape"); d++)
    if (ks[d] != c->k[d])
      return ir_attr_error(g, n, "kernel_shape", HY_ERR_SHAPE,
                           "value %lld differs from W's spatial dim %lld", (long long)ks[d],
                           (long long)c->k[d]);
  if ((s = conv_ints(g, n, "strides", c->nsp, 1, 1, c->st)) ||
      (s = conv_ints(g, n, "dilations", c->nsp, 1, 1, c->dl)) || (s = conv_pads(g, n, x, c)))
    return s;
  for (int32_t d = 0; d < c->nsp; d++) {
    int64_t span = (c->k[d] - 1) * c->dl[d] + 1, in = x->dims[2 + d] + c->pb[d] + c->pe[d];
    if (in < span)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "spatial dim %d: padded input %lld is smaller than the kernel's span "
                           "%lld", d, (long long)in, (long long)span);
    c->out[d] = (in - span) / c->st[d] + 1;
  }
  return HY_OK;
}

hy_status lin_conv_check_shapes(ir_graph *g, ir_node *n, const ir_type *x, const ir_type *w,
                                const ir_type *b, int64_t group) {
  if (group < 1) /* checked here too: the channel checks below divide by it */
    return ir_attr_error(g, n, "group", HY_ERR_INVALID_MODEL, "must be >= 1, is %lld",
                         (long long)group);
  if (x->rank < 3 || w->rank != x->rank)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "X must have rank >= 3 and W the same rank, have %d and %d", x->rank,
                         w->rank);
  if (w->dims[1] * group != x->dims[1] || w->dims[0] % group != 0)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "X has %lld channels and W is [%lld,%lld,...]: with group %lld, W must "
                         "be [multiple of group, channels / group, ...]",
                         (long long)x->dims[1], (long long)w->dims[0], (long long)w->dims[1],
                         (long long)group);
  if (b && (b->rank != 1 || b->dims[0] != w->dims[0]))
    return ir_node_error(g, n, HY_ERR_SHAPE, "B must be 1-D of W's %lld output channels",
                         (long long)w->dims[0]);
  return HY_OK;
}

hy_status infer_conv(ir_graph *g, ir_node *n) {
  const ir_type *x = NULL, *w = NULL, *b;
  lin_conv_geom c;
  hy_status s;
  if ((s = lin_input(g, n, 0, false, &x)) || (s = lin_input(g, n, 1, false, &w)) ||
      (n->n_in > 2 && n->in[2] && (s = lin_input(g, n, 2, false, &b))) ||
      (s = ir_check_same_dtype(g, n, 0, 2)))
    return s;
  if ((s = lin_conv_check_shapes(g, n, x, w, ir_in_type(n, 2), ir_attr_int(n, "group", 1))) ||
      (s = lin_conv_geometry(g, n, x, w, &c)))
    return s;
  int64_t dims[HY_MAX_RANK] = {x->dims[0], w->dims[0]};
  for (int32_t d = 0; d < c.nsp; d++) dims[2 + d] = c.out[d];
  ir_set_out(n, 0, x->dtype, x->rank, dims);
  return HY_OK;
}

hy_status lower_conv(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_type *x = ir_in_type(n, 0), *w = ir_in_type(n, 1);
  lin_conv_geom c;
  hy_status s = lin_conv_geometry(g, n, x, w, &c);
  if (s) return s;
  l->kernel = HY_KERNEL_conv;
  bool direct;
  int64_t kvol, osz;
  lin_conv_lower_block(l, &c, &direct, &kvol, &osz);
  int64_t rows = w->dims[1] * kvol, Mg = w->dims[0] / c.group;
  size_t bytes = direct ? 0 : hy_conv_col_bytes(rows, osz, hy_dtype_size(x->dtype));
  if (x->dtype == HY_DTYPE_FLOAT) bytes += hy_sgemm_scratch_bytes(Mg, osz, rows, HY_GEMM_MAX_TASKS);
  l->scratch_bytes = (int64_t)bytes;
  return HY_OK;
}

void lin_conv_lower_block(ir_lowered *l, const lin_conv_geom *c, bool *direct, int64_t *kvol,
                          int64_t *osz) {
  *direct = true; /* a 1x1 kernel, unit strides, no pads: X is its own column matrix */
  *kvol = *osz = 1;
  for (int32_t d = 0; d < c->nsp; d++) {
    *direct = *direct && c->k[d] == 1 && c->st[d] == 1 && c->pb[d] == 0 && c->pe[d] == 0;
    *kvol *= c->k[d];
    *osz *= c->out[d];
  }
  lower_int(l, c->nsp);
  lower_int(l, c->group);
  lower_int(l, HY_GEMM_MAX_TASKS);
  lower_int(l, !*direct);
  const int64_t *blocks[5] = {c->k, c->st, c->dl, c->pb, c->pe};
  for (int32_t i = 0; i < 5; i++)
    for (int32_t d = 0; d < c->nsp; d++) lower_int(l, blocks[i][d]);
}
