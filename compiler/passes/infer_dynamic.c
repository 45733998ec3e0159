/* Shape inference through run-time dims. A node reading a value with run-time dims (ir.h) runs
 * its own infer hook at several assignments of the symbols within their bounds: all at the upper
 * bounds, which gives the dims memory is planned for; each symbol in turn at its lower bound,
 * which gives each output dim's exponent of that symbol (a monomial's ratio between two values of
 * one symbol is that ratio's power); then all at the lower bounds and all at the middle, where the
 * monomial must still hold. Small int64 contents computed from dims (Shape → Gather → Concat → a
 * Reshape's target) are followed the same way, element by element, through the node's kernel.
 *
 * This is sound for ops whose shapes are products of their inputs' dims and contents, clamped at
 * most (a Slice to 512 of a [seq] axis is seq while seq <= 512: the bounds check that): so ops are
 * admitted by name (dyn_kind_of), and comparisons (Equal, Min) are refused. */
#include <stdio.h>
#include <string.h>

#include "passes/pass_internal.h"

typedef enum dyn_kind {
  DYN_REFUSED = 0,
  DYN_DIMS,    /* output dims are products of input dims (and of a shape-like input's content) */
  DYN_CONTENT, /* that, and int64 content computed from run-time dims is followed through it */
  DYN_EQUAL,   /* content compared: decided only where the answer is the same at every size */
} dyn_kind;

static dyn_kind dyn_kind_of(ir_op op) {
  switch (op) {
  case OP_Abs: case OP_Neg: case OP_Sqrt: case OP_Exp: case OP_Log: case OP_Tanh: case OP_Relu:
  case OP_Sigmoid: case OP_Erf: case OP_Reciprocal: case OP_Softplus: case OP_LeakyRelu:
  case OP_Elu: case OP_HardSigmoid: case OP_Gelu: case OP_HardSwish: case OP_Swish:
  case OP_Not: case OP_Pow: case OP_Clip: case OP_Dropout:
  case OP_FusedElementwise: case OP_Softmax: case OP_LogSoftmax: case OP_LayerNormalization:
  case OP_RMSNormalization: case OP_MatMul: case OP_Gemm: case OP_FusedMatMul:
  case OP_Attention: case OP_Transpose: case OP_Expand: case OP_ConstantOfShape:
  case OP_ReduceSum: case OP_ReduceMean: case OP_ReduceMax: case OP_ReduceMin:
  case OP_ReduceProd: case OP_ReduceL2: case OP_ReduceSumSquare: case OP_Conv: case OP_MaxPool:
  case OP_AveragePool: case OP_GlobalAveragePool: case OP_GlobalMaxPool:
  case OP_BatchNormalization: case OP_InstanceNormalization:
  case OP_Shape: case OP_Size: /* the hook writes the content: the dims it is given */
    return DYN_DIMS;
  case OP_Add: case OP_Sub: case OP_Mul: case OP_Div: case OP_Gather: case OP_Unsqueeze:
  case OP_Squeeze: case OP_Concat: case OP_Reshape: case OP_Flatten: case OP_Identity:
  case OP_Cast: case OP_Slice: case OP_Where:
    return DYN_CONTENT;
  case OP_Equal:
    return DYN_EQUAL;
  default:
    return DYN_REFUSED;
  }
}

void dyn_make_assignments(const ir_graph *g, int64_t least, dyn_assignments *a) {
  memset(a, 0, sizeof *a);
  a->n = g->n_syms + 3;
  for (int32_t k = 0; k < g->n_syms; k++) {
    const ir_symbol *s = &g->syms[k];
    int64_t lo = s->lo, hi = s->hi;
    if (lo < least) { /* sizes below least stand for themselves in no fit: take least, least + 1 */
      lo = least;
      hi = hi > least ? hi : least + 1;
    }
    for (int32_t j = 0; j <= g->n_syms; j++) a->v[j][k] = j == k + 1 ? lo : hi;
    a->v[g->n_syms + 1][k] = lo;
    a->v[g->n_syms + 2][k] = lo + (hi - lo) / 2;
  }
}

bool dyn_reads_run_time_dims(const ir_value *v) { return v && (v->type.dyn || v->sdata); }

hy_status dyn_set_values(ir_graph *g, ir_node *n, ir_value **vals, int32_t count,
                         const int64_t *syms, dyn_saved *saved) {
  for (int32_t i = 0; i < count; i++) /* all first: a failure below restores them all */
    saved[i] = (dyn_saved){vals[i], vals[i] ? vals[i]->type : (ir_type){0},
                           vals[i] ? vals[i]->bound : NULL};
  for (int32_t i = 0; i < count; i++) {
    ir_value *v = vals[i];
    if (!dyn_reads_run_time_dims(v)) continue;
    for (int32_t k = 0; v->type.dyn && k < v->type.rank; k++)
      if (!ir_dimx_eval(&v->type.dyn[k], syms, &v->type.dims[k]))
        return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "operand '%s': dim %d overflows int64",
                             v->name, k);
    if (!v->sdata) continue;
    int64_t count_e = ir_type_numel(&v->type);
    int64_t *c = arena_array(g->a, (size_t)(count_e > 0 ? count_e : 1), sizeof *c);
    if (!c) return pass_oom(g);
    for (int64_t e = 0; e < count_e; e++)
      if (!ir_dimx_eval(&v->sdata[e], syms, &c[e]))
        return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "operand '%s': content overflows int64",
                             v->name);
    v->bound = c;
  }
  return HY_OK;
}

void dyn_restore_values(const dyn_saved *saved, int32_t count) {
  for (int32_t i = count - 1; i >= 0; i--)
    if (saved[i].v) saved[i].v->type = saved[i].type, saved[i].v->bound = saved[i].bound;
}

/* One evaluation's outputs: dims, and int64 content where the node computed one. */
typedef struct eval_out {
  int64_t dims[HY_MAX_RANK];
  const int64_t *content; /* NULL: none */
} eval_out;

/* Content inputs are known at this evaluation (constants, or sdata set as bound). */
static bool content_inputs_known(const ir_node *n) {
  bool any_sdata = false;
  for (int32_t i = 0; i < n->n_in; i++) {
    if (!n->in[i]) continue;
    if (!ir_value_known(n->in[i])) return false;
    any_sdata |= n->in[i]->sdata != NULL;
  }
  return any_sdata;
}

/* Runs n's hook (and, for a content op, its kernel) at the assignment syms into out[]. */
static hy_status evaluate(ir_graph *g, ir_node *n, const int64_t *syms, eval_out *out) {
  dyn_saved *saved = arena_array(g->a, (size_t)(n->n_in > 0 ? n->n_in : 1), sizeof *saved);
  if (!saved) return pass_oom(g);
  hy_status s = dyn_set_values(g, n, n->in, n->n_in, syms, saved);
  if (s == HY_OK) s = ir_op_get(n->op)->infer(g, n);
  bool content = s == HY_OK && dyn_kind_of(n->op) == DYN_CONTENT && content_inputs_known(n);
  if (content) s = pass_eval_bound(g, n);
  for (int32_t i = 0; s == HY_OK && i < n->n_out; i++) {
    ir_value *v = n->out[i];
    if (!v) continue;
    memcpy(out[i].dims, v->type.dims, sizeof out[i].dims);
    const void *c = v->data ? v->data : content ? v->bound : NULL;
    out[i].content = c && v->type.dtype == HY_DTYPE_INT64 ? c : NULL;
    if (c && !out[i].content)
      s = ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                        "output %d ('%s') is %s content computed from run-time dims; only int64 "
                        "is followed", i, v->name, hy_dtype_name(v->type.dtype));
    v->bound = NULL;
  }
  dyn_restore_values(saved, n->n_in);
  return s;
}

/* v^e, false past int64. */
static bool power(int64_t v, int32_t e, int64_t *out) {
  *out = 1;
  for (int32_t i = 0; i < e; i++)
    if (mul_overflows_i64(*out, v, out)) return false;
  return true;
}

/* The monomial vals[] (one per assignment) are the values of, if there is one: symbol k's
 * exponent e is the one with vals[0] * lo^e == vals[1 + k] * hi^e (its two values in the
 * assignments), the coefficient what is left of vals[0]; it must then give every other
 * assignment's value. */
bool dyn_monomial_of(const ir_graph *g, const dyn_assignments *a, const int64_t *vals,
                     ir_dimx *out) {
  *out = (ir_dimx){.syms = g->syms, .coef = vals[0]};
  int64_t at_hi = 1;
  for (int32_t k = 0; k < g->n_syms; k++) {
    int64_t lo = a->v[1 + k][k], hi = a->v[0][k], pl, ph;
    int32_t e = 0;
    for (; e <= UINT8_MAX; e++) {
      if (!power(lo, e, &pl) || !power(hi, e, &ph)) return false;
      if ((__int128)vals[0] * pl == (__int128)vals[1 + k] * ph) break;
    }
    if (e > UINT8_MAX || !power(hi, e, &ph) || mul_overflows_i64(at_hi, ph, &at_hi)) return false;
    out->exp[k] = (uint8_t)e;
  }
  if (at_hi == 0 || vals[0] % at_hi) return false;
  out->coef = vals[0] / at_hi;
  for (int32_t j = 1; j < a->n; j++) {
    int64_t v;
    if (!ir_dimx_eval(out, a->v[j], &v) || v != vals[j]) return false;
  }
  return true;
}

/* The refusal: what the node reads, with the run-time dims named. */
static hy_status refuse(ir_graph *g, ir_node *n, const char *why) {
  char list[512] = "";
  size_t k = 0;
  for (int32_t i = 0; i < n->n_in && k < sizeof list; i++) {
    char tb[160];
    if (!n->in[i]) continue;
    k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k ? ", " : "",
                          ir_type_str(&n->in[i]->type, tb, sizeof tb));
    int64_t count = n->in[i]->sdata ? ir_type_numel(&n->in[i]->type) : 0;
    for (int64_t e = 0; e < count && e < 8 && k < sizeof list; e++) {
      char db[96];
      k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", e ? "," : " = [",
                            ir_dimx_str(&n->in[i]->sdata[e], db, sizeof db));
    }
    if (count && k < sizeof list) k += (size_t)snprintf(list + k, sizeof list - k, "]");
  }
  return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                       "reads run-time dims (%s) and %s; compile with fixed sizes for them "
                       "(--shape IN=2x128)", list, why);
}

/* Output i's dims and content from the evaluations (outs[j * n_out + i] at assignment j). */
static hy_status settle_output(ir_graph *g, ir_node *n, int32_t i, const dyn_assignments *a,
                               const eval_out *outs) {
  ir_value *v = n->out[i];
  int32_t no = n->n_out;
  int64_t vals[DYN_MAX_EVALS];
  ir_dimx d[HY_MAX_RANK];
  for (int32_t k = 0; k < v->type.rank; k++) {
    for (int32_t j = 0; j < a->n; j++) vals[j] = outs[j * no + i].dims[k];
    if (!dyn_monomial_of(g, a, vals, &d[k]))
      return refuse(g, n, "its output's shape is no product of them");
  }
  if (ir_set_out_dyn(g, n, i, d) != HY_OK) return g->d->status;
  bool content = outs[i].content != NULL;
  for (int32_t j = 1; j < a->n; j++)
    if ((outs[j * no + i].content != NULL) != content)
      return refuse(g, n, "computes content at some sizes only");
  /* Content of a run-time size is data the kernel computes at run time (a position-id slice) */
  if (!content || v->type.dyn) return HY_OK;
  int64_t count = ir_type_numel(&v->type);
  ir_dimx *sd = arena_array(g->a, (size_t)(count > 0 ? count : 1), sizeof *sd);
  int64_t *c = arena_array(g->a, (size_t)(count > 0 ? count : 1), sizeof *c);
  if (!sd || !c) return pass_oom(g);
  bool varies = false;
  for (int64_t e = 0; e < count; e++) {
    for (int32_t j = 0; j < a->n; j++) vals[j] = outs[j * no + i].content[e];
    if (!dyn_monomial_of(g, a, vals, &sd[e]))
      return refuse(g, n, "its output's content is no product of them");
    varies |= !ir_dimx_is_const(&sd[e]);
    c[e] = sd[e].coef;
  }
  v->data = varies ? NULL : c; /* content the same at every size is a constant */
  v->sdata = varies ? sd : NULL;
  return HY_OK;
}

/* Element e of a small int64 input as a monomial: its content, or a constant. */
static bool element_of(const ir_value *v, int64_t e, ir_dimx *out) {
  if (v->sdata) {
    *out = v->sdata[e];
    return true;
  }
  if (!v->data || v->type.dtype != HY_DTYPE_INT64) return false;
  *out = ir_dimx_const(((const int64_t *)v->data)[e]);
  return true;
}

/* Equal over content from run-time dims (torch's expand writes Where(Equal(shape, -1), ...)):
 * each answer must hold at every size: two equal monomials are equal, a monomial and a constant
 * outside its range never are. The output is then a constant. */
static hy_status infer_equal(ir_graph *g, ir_node *n) {
  hy_status s = ir_op_get(n->op)->infer(g, n);
  if (s != HY_OK) return s;
  const ir_value *a = n->in[0], *b = n->in[1];
  int64_t na = ir_type_numel(&a->type), nb = ir_type_numel(&b->type);
  int64_t count = ir_type_numel(&n->out[0]->type);
  if (a->type.dyn || b->type.dyn || a->type.rank > 1 || b->type.rank > 1 || na < 0 || nb < 0)
    return refuse(g, n, "compares run-time tensors");
  bool *out = arena_array(g->a, (size_t)(count > 0 ? count : 1), sizeof *out);
  if (!out) return pass_oom(g);
  for (int64_t e = 0; e < count; e++) {
    ir_dimx x, y;
    int64_t lo, hi;
    if (!element_of(a, na == 1 ? 0 : e, &x) || !element_of(b, nb == 1 ? 0 : e, &y))
      return refuse(g, n, "compares values that are not int64");
    if (ir_dimx_equal(&x, &y)) {
      out[e] = true;
      continue;
    }
    const ir_dimx *m = ir_dimx_is_const(&x) ? &y : &x, *c = m == &x ? &y : &x;
    if (!ir_dimx_is_const(c) || !ir_dimx_range(m, &lo, &hi) || (c->coef >= lo && c->coef <= hi))
      return refuse(g, n, "compares values whose answer depends on the sizes");
    out[e] = false;
  }
  n->out[0]->data = out;
  return HY_OK;
}

hy_status pass_infer_node(ir_graph *g, ir_node *n) {
  const ir_op_info *info = ir_op_get(n->op);
  bool dynamic = false;
  for (int32_t i = 0; i < n->n_in; i++) dynamic |= dyn_reads_run_time_dims(n->in[i]);
  if (!dynamic) return info->infer(g, n);
  if (dyn_kind_of(n->op) == DYN_REFUSED)
    return refuse(g, n, "Hydra does not follow run-time dims through this op yet");
  if (dyn_kind_of(n->op) == DYN_EQUAL) return infer_equal(g, n);
  dyn_assignments a;
  dyn_make_assignments(g, 0, &a);
  int32_t no = n->n_out > 0 ? n->n_out : 1;
  eval_out *outs = arena_array(g->a, (size_t)a.n * (size_t)no, sizeof *outs);
  ir_type *types = arena_array(g->a, (size_t)no, sizeof *types);
  if (!outs || !types) return pass_oom(g);
  /* At the upper bounds first, with the model's own messages: a shape error there is real. */
  hy_status s = evaluate(g, n, a.v[0], outs);
  if (s != HY_OK) return s;
  for (int32_t i = 0; i < n->n_out; i++) types[i] = n->out[i] ? n->out[i]->type : (ir_type){0};
  for (int32_t j = 1; j < a.n; j++) {
    diag quiet, *loud = g->d;
    diag_init(&quiet);
    g->d = &quiet; /* the hook's words about one assignment: the refusal below says it better */
    s = evaluate(g, n, a.v[j], outs + (size_t)j * (size_t)no);
    g->d = loud;
    if (s != HY_OK)
      return quiet.status == HY_ERR_OUT_OF_MEMORY ? pass_oom(g)
                                                   : refuse(g, n, "its shape rules fail on them");
  }
  for (int32_t i = 0; i < n->n_out; i++) {
    if (!n->out[i]) continue;
    n->out[i]->type = types[i];
    n->out[i]->data = NULL;
    if ((s = settle_output(g, n, i, &a, outs)) != HY_OK) return s;
  }
  return HY_OK;
}
