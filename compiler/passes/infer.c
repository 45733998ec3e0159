/* Infer: runs each node's shape-inference hook in order, so every value ends with a static type,
 * and folds nodes whose inputs are all constants (later shapes may depend on the folded values:
 * Shape → Gather → Concat → Reshape). */
#include <string.h>

#include "passes/pass_internal.h"

/* Folding bakes the result into the module: beyond this it costs more than it saves. */
#define INFER_FOLD_MAX_BYTES ((int64_t)64 << 20)

/* Random ops (Dropout in training mode among them) must not become constants: unseeded, they
 * differ from run to run. */
static bool is_nondeterministic(const ir_node *n) {
  return !strncmp(n->op_type, "Random", 6) || !strcmp(n->op_type, "Bernoulli") ||
         !strcmp(n->op_type, "Multinomial") || !strcmp(n->op_type, "Dropout");
}

/* All present inputs are constants, the outputs are small, and none is a graph output (those stay
 * computed so the output buffer is written by a kernel, not copied from a constant). */
static bool foldable(const ir_graph *g, const ir_node *n) {
  if (is_nondeterministic(n)) return false;
  for (int32_t i = 0; i < n->n_in; i++)
    if (n->in[i] && !n->in[i]->data) return false;
  int64_t total = 0;
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    if (!v) continue;
    int64_t b = ir_type_bytes(&v->type);
    if (b < 0 || hy_dtype_size(v->type.dtype) == 0 || ir_is_graph_output(g, v)) return false;
    total += b;
    if (total > INFER_FOLD_MAX_BYTES) return false;
  }
  return true;
}

static hy_status check_inputs_static(ir_graph *g, ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++) {
    const ir_value *v = n->in[i];
    if (v && !ir_type_is_static(&v->type)) {
      char tb[256];
      return ir_node_error(g, n, HY_ERR_INTERNAL, "input %d ('%s') has no static type (%s)", i,
                           v->name, ir_type_str(&v->type, tb, sizeof tb));
    }
  }
  return HY_OK;
}

/* A value-dependent extent reaches only the caller for now: an op reading such a value would be
 * compiled on its bound and compute on elements that do not exist, so it is refused. */
static hy_status check_inputs_not_bounded(ir_graph *g, ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++) {
    const ir_value *v = n->in[i];
    if (!v || !v->type.bounded) continue;
    char tb[256];
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input %d ('%s') has a value-dependent shape %s (from node '%s' (%s)): "
                         "Hydra cannot feed a run-time extent to %s yet, only return it as a "
                         "graph output",
                         i, v->name, ir_type_str(&v->type, tb, sizeof tb),
                         v->producer ? v->producer->name : "?",
                         v->producer ? v->producer->op_type : "?", n->op_type);
  }
  return HY_OK;
}

static hy_status check_outputs_static(ir_graph *g, ir_node *n) {
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    if (v && (!ir_type_is_static(&v->type) || v->type.dtype == HY_DTYPE_UNDEFINED)) {
      char tb[256];
      return ir_node_error(g, n, HY_ERR_INTERNAL,
                           "shape inference left output %d ('%s') without a static type (%s)", i,
                           v->name, ir_type_str(&v->type, tb, sizeof tb));
    }
  }
  return HY_OK;
}

/* A hostile shape (Expand to 2^40 x 2^40) is refused here, before anything is allocated. */
static hy_status check_outputs_size(ir_graph *g, ir_node *n) {
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    const char *why = v ? pass_size_problem(&v->type) : NULL;
    if (why) {
      char tb[256];
      return ir_node_error(g, n, HY_ERR_SHAPE, "output %d ('%s') would be %s: %s", i, v->name,
                           ir_type_str(&v->type, tb, sizeof tb), why);
    }
  }
  return HY_OK;
}

/* The frontend leaves a graph output's declared type on its value. The hook computes the type
 * itself (it sees the output unknown, as always); the two must then agree. declared has room
 * for n->n_out types; *any is false when no output declares one. */
static void take_declared_types(const ir_graph *g, ir_node *n, ir_type *declared, bool *any) {
  *any = false;
  for (int32_t i = 0; i < n->n_out; i++) {
    ir_value *v = n->out[i];
    if (!v || !ir_is_graph_output(g, v)) continue;
    declared[i] = v->type;
    *any |= v->type.dtype != HY_DTYPE_UNDEFINED || v->type.rank >= 0;
    memset(&v->type, 0, sizeof v->type);
    v->type.rank = -1;
  }
}

static bool type_agrees(const ir_type *declared, const ir_type *t) {
  if (declared->dtype != HY_DTYPE_UNDEFINED && declared->dtype != t->dtype) return false;
  if (declared->rank < 0) return true;
  if (declared->rank != t->rank) return false;
  for (int32_t k = 0; k < t->rank; k++) {
    bool bounded = (t->bounded >> k) & 1; /* a declared extent within the bound may be the one */
    if (declared->dims[k] >= 0 && (bounded ? declared->dims[k] > t->dims[k]
                                           : declared->dims[k] != t->dims[k]))
      return false;
  }
  return true;
}

static hy_status check_declared_types(ir_graph *g, ir_node *n, const ir_type *declared) {
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    if (!v || !ir_is_graph_output(g, v) || type_agrees(&declared[i], &v->type)) continue;
    char db[256], tb[256];
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                         "output %d ('%s') is declared %s by the graph but computes %s", i,
                         v->name, ir_type_str(&declared[i], db, sizeof db),
                         ir_type_str(&v->type, tb, sizeof tb));
  }
  return HY_OK;
}

static hy_status infer_node(ir_graph *g, ir_node *n) {
  const ir_op_info *info = ir_op_get(n->op);
  if (n->op == OP_UNKNOWN || !info->infer)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "Hydra does not implement this op");
  if (check_inputs_static(g, n) != HY_OK || check_inputs_not_bounded(g, n) != HY_OK)
    return g->d->status;
  ir_type *declared = arena_array(g->a, (size_t)n->n_out + 1, sizeof *declared);
  if (!declared) return pass_oom(g);
  bool any_declared;
  take_declared_types(g, n, declared, &any_declared);
  hy_status s = pass_infer_node(g, n);
  if (s != HY_OK)
    return diag_failed(g->d) ? g->d->status
                             : ir_node_error(g, n, s, "shape inference failed (%s)",
                                             hy_status_name(s));
  if (g->a->failed) return pass_oom(g);
  if (check_outputs_static(g, n) != HY_OK || check_outputs_size(g, n) != HY_OK) return g->d->status;
  return any_declared ? check_declared_types(g, n, declared) : HY_OK;
}

/* Values computed at compile time only for shape inference stay small. */
#define INFER_BOUND_MAX_BYTES ((int64_t)64 << 10)

/* Every present input known, at least one only bound (a run-time input whose value run knows):
 * the outputs get bound values too when they are small. */
static bool bound_evaluable(const ir_node *n) {
  if (is_nondeterministic(n) || ir_node_value_dependent(n)) return false;
  bool any_bound = false;
  for (int32_t i = 0; i < n->n_in; i++) {
    if (!n->in[i]) continue;
    if (!ir_value_known(n->in[i])) return false;
    any_bound |= !n->in[i]->data;
  }
  int64_t total = 0;
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    if (!v) continue;
    int64_t b = ir_type_bytes(&v->type);
    if (b < 0 || hy_dtype_size(v->type.dtype) == 0) return false;
    total += b;
  }
  return any_bound && total <= INFER_BOUND_MAX_BYTES;
}

/* A hook may compute its outputs itself (Shape knows them from the type): then the node goes,
 * also when an output is a graph output: codegen copies constant outputs into the caller's
 * buffer. A kept node would write into its output's constant. */
static bool outputs_already_constant(const ir_node *n) {
  int32_t present = 0;
  for (int32_t i = 0; i < n->n_out; i++) {
    if (!n->out[i]) continue;
    if (!n->out[i]->data) return false;
    present++;
  }
  return present > 0;
}

hy_status pass_infer_shapes(ir_graph *g) {
  for (ir_node *n = g->first, *next; n; n = next) {
    next = n->next; /* folding unlinks n */
    if (infer_node(g, n) != HY_OK) return g->d->status;
    hy_status s = HY_OK;
    if (outputs_already_constant(n))
      ir_node_remove(g, n);
    else if (foldable(g, n))
      s = pass_fold_node(g, n);
    else if (bound_evaluable(n))
      s = pass_eval_bound(g, n);
    if (s != HY_OK) return g->d->status;
  }
  return HY_OK;
}
