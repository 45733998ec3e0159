/* NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: shape inference and the attribute block
 * of the nll_loss kernel (runtime/src/kernels/loss.c), which takes both. */
#include "ops/index.h"
#include "ops/nn_attrs.h"

/* What both ops read: the input viewed as [N, C, D] (D the product of d1..dk), the reduction and
 * the ignored target value. */
typedef struct loss_attrs {
  int64_t n, c, d;
  int32_t reduction; /* HY_LOSS_NONE, _SUM, _MEAN */
  bool has_ignore;
  int64_t ignore_index;
} loss_attrs;

static const char *const REDUCTIONS[] = {"none", "sum", "mean"};

/* bfloat16 came with NegativeLogLikelihoodLoss 22 and SoftmaxCrossEntropyLoss 13. */
static hy_status loss_dtype(ir_graph *g, ir_node *n, hy_dtype dt) {
  int32_t bf16_since = n->op == OP_NegativeLogLikelihoodLoss ? 22 : 13;
  if (nn_is_float(dt) || (dt == HY_DTYPE_BFLOAT16 && n->version >= bf16_since)) return HY_OK;
  return ir_node_error(g, n, HY_ERR_DTYPE,
                       "input 0 has type %s; version %d takes float, double, "
                       "float16%s",
                       hy_dtype_name(dt), n->version,
                       n->version >= bf16_since ? " or bfloat16" : "");
}

static hy_status loss_read(ir_graph *g, ir_node *n, loss_attrs *a) {
  const ir_type *x, *t;
  hy_status s = mv_input(g, n, 0, &x);
  if (!s) s = mv_input(g, n, 1, &t);
  if (!s) s = loss_dtype(g, n, x->dtype);
  if (!s) s = nn_choice_attr(g, n, "reduction", "mean", REDUCTIONS, 3, &a->reduction);
  if (!s) s = ix_attr_int(g, n, "ignore_index", 0, &a->ignore_index);
  if (s) return s;
  a->has_ignore = ir_attr_find(n, "ignore_index") != NULL;
  char xb[160], tb[160];
  if (x->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 is %s; expected [N, C] or [N, C, d1, ...]",
                         ir_type_str(x, xb, sizeof xb));
  if (t->dtype != HY_DTYPE_INT32 && t->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input 1 (target) has type %s; expected int32 or "
                         "int64",
                         hy_dtype_name(t->dtype));
  bool fits = t->rank == x->rank - 1 && t->dims[0] == x->dims[0];
  for (int32_t i = 1; fits && i < t->rank; i++)
    fits = t->dims[i] == x->dims[i + 1];
  if (!fits)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "target %s does not fit input %s: expected the "
                         "input's shape without dim 1 (C)",
                         ir_type_str(t, tb, sizeof tb), ir_type_str(x, xb, sizeof xb));
  a->n = x->dims[0];
  a->c = x->dims[1];
  a->d = 1;
  for (int32_t i = 2; i < x->rank; i++)
    a->d *= x->dims[i];
  const ir_type *w = ir_in_type(n, 2);
  if (w && (w->dtype != x->dtype || w->rank != 1 || w->dims[0] != a->c))
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 2 (weight) is %s; expected %s[%lld], one "
                         "weight per class",
                         ir_type_str(w, tb, sizeof tb), hy_dtype_name(x->dtype), (long long)a->c);
  return HY_OK;
}

hy_status infer_loss(ir_graph *g, ir_node *n) {
  loss_attrs a;
  hy_status s = loss_read(g, n, &a);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0), *t = ir_in_type(n, 1);
  if (a.reduction == HY_LOSS_NONE)
    ir_set_out(n, 0, x->dtype, t->rank, t->dims);
  else
    ir_set_out(n, 0, x->dtype, 0, NULL);
  ir_set_out(n, 1, x->dtype, x->rank, x->dims); /* SoftmaxCrossEntropyLoss's log_prob */
  return HY_OK;
}

hy_status lower_loss(ir_graph *g, ir_node *n, ir_lowered *l) {
  loss_attrs a;
  hy_status s = loss_read(g, n, &a);
  if (s) return s;
  l->kernel = HY_KERNEL_nll_loss;
  lower_int(l, a.n);
  lower_int(l, a.c);
  lower_int(l, a.d);
  lower_int(l, a.reduction);
  lower_int(l, a.has_ignore);
  lower_int(l, a.ignore_index);
  lower_int(l, n->op == OP_SoftmaxCrossEntropyLoss);
  return HY_OK;
}
