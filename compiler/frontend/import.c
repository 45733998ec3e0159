/* Import: ModelProto → IR graph. Opsets, initializers, typed graph inputs, nodes in topological
 * order with attributes and subgraphs, graph outputs; ops Hydra lacks are listed in one message. */
#include <stdio.h>
#include <string.h>

#include "frontend/fe_internal.h"
#include "model_file.h"

static hy_status oom(fe_ctx *c) {
  return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", c->file);
}

bool fe_domain_is_default(const char *domain) {
  return !domain || !*domain || !strcmp(domain, "ai.onnx");
}

int64_t fe_domain_version(const fe_ctx *c, const char *domain) {
  bool dflt = fe_domain_is_default(domain);
  for (size_t i = 0; i < c->model->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = c->model->opset_import[i];
    if (dflt ? fe_domain_is_default(o->domain) : (o->domain && !strcmp(o->domain, domain)))
      return o->version;
  }
  return -1;
}

/* A non-default domain is known when some op of the table lives in it. */
static bool domain_is_known(const char *domain) {
  if (fe_domain_is_default(domain)) return true;
  for (int op = 1; op < OP_COUNT; op++)
    if (!strcmp(ir_op_get((ir_op)op)->domain, domain)) return true;
  return false;
}

/* A model that only uses other domains (training ops) may import no default opset; its nodes
 * are then checked one by one in import_node. There is no cap on the opset: each node is checked
 * against the versions its own op row implements (lookup_op). */
static hy_status check_opsets(fe_ctx *c) {
  c->opset = fe_domain_version(c, "");
  if (c->opset < 0) {
    c->opset = IR_NEWEST_OPSET;
    return HY_OK;
  }
  if (c->opset < 1 || c->opset > INT32_MAX)
    return diag_error(c->d, HY_ERR_INVALID_MODEL,
                      "%s: opset %lld of the default ONNX domain is not a valid version", c->file,
                      (long long)c->opset);
  return HY_OK;
}

/* ---- ops Hydra lacks: grouped by label, reported once at the end ---- */

static hy_status note_missing(fe_ctx *c, const char *label, const char *node) {
  fe_missing_op *m = c->missing;
  while (m && strcmp(m->label, label)) m = m->next;
  if (!m) {
    if (!(m = arena_alloc(c->a, sizeof *m))) return oom(c);
    m->label = label;
    if (c->missing_last) c->missing_last->next = m; else c->missing = m;
    c->missing_last = m;
  }
  if (m->n_nodes == m->cap_nodes) {
    int32_t cap = m->cap_nodes ? m->cap_nodes * 2 : 4;
    const char **nn = arena_array(c->a, (size_t)cap, sizeof *nn);
    if (!nn) return oom(c);
    if (m->n_nodes) memcpy(nn, m->nodes, (size_t)m->n_nodes * sizeof *nn);
    m->nodes = nn;
    m->cap_nodes = cap;
  }
  m->nodes[m->n_nodes++] = node;
  return HY_OK;
}

/* "model.onnx: unsupported ops: Foo (node 'a'), Bar (nodes 'b', 'c')"; long lists are cut
 * by the diagnostic buffer, which is fine. */
static hy_status report_missing(fe_ctx *c) {
  if (!c->missing) return HY_OK;
  char msg[DIAG_MSG_MAX];
  size_t k = (size_t)snprintf(msg, sizeof msg, "%s: unsupported ops: ", c->file);
  for (fe_missing_op *m = c->missing; m && k < sizeof msg; m = m->next) {
    k += (size_t)snprintf(msg + k, sizeof msg - k, "%s%s (node%s ", m == c->missing ? "" : ", ",
                          m->label, m->n_nodes > 1 ? "s" : "");
    for (int32_t i = 0; i < m->n_nodes && k < sizeof msg; i++)
      k += (size_t)snprintf(msg + k, sizeof msg - k, "%s'%s'", i ? ", " : "", m->nodes[i]);
    if (k < sizeof msg) k += (size_t)snprintf(msg + k, sizeof msg - k, ")");
  }
  return diag_error(c->d, HY_ERR_UNSUPPORTED, "%s", msg);
}

/* Why a default-domain op Hydra has cannot take this node's version, or NULL when it can. The
 * version is ONNX's (onnx_versions.def): the newest change of the op at or below the opset. */
static const char *version_problem(fe_ctx *c, const char *type, ir_op op, int64_t opset,
                                   int32_t *version) {
  const ir_op_info *info = ir_op_get(op);
  *version = ir_onnx_op_version(type, opset);
  if (opset > IR_NEWEST_OPSET)
    return arena_printf(c->a, "%s at opset %lld (Hydra knows ONNX's op versions up to opset %d)",
                        type, (long long)opset, IR_NEWEST_OPSET);
  if (*version == 0)
    return arena_printf(c->a, "%s at opset %lld (ONNX has it from opset %d)", type,
                        (long long)opset, ir_onnx_op_first_version(type));
  if (*version < info->since || *version > info->upto)
    return arena_printf(c->a, "%s version %d (opset %lld; Hydra implements versions %d to %d)",
                        type, *version, (long long)opset, info->since, info->upto);
  return NULL;
}

/* The op for np and its version, or OP_UNKNOWN after noting why it is missing. */
static hy_status lookup_op(fe_ctx *c, const Onnx__NodeProto *np, const char *name, int64_t opset,
                           ir_op *op, int32_t *version) {
  const char *type = np->op_type ? np->op_type : "";
  const char *label = type;
  *op = OP_UNKNOWN;
  *version = (int32_t)opset;
  if (!domain_is_known(np->domain)) {
    label = arena_printf(c->a, "%s (domain '%s')", type, np->domain);
  } else {
    *op = ir_op_lookup(np->domain, type);
    if (*op != OP_UNKNOWN && fe_domain_is_default(np->domain)) {
      const char *why = version_problem(c, type, *op, opset, version);
      if (why) {
        label = why;
        *op = OP_UNKNOWN;
      }
    } else if (*op != OP_UNKNOWN && opset < ir_op_get(*op)->since) {
      label = arena_printf(c->a, "%s at opset %lld (Hydra has it from opset %d)", type,
                           (long long)opset, ir_op_get(*op)->since);
      *op = OP_UNKNOWN;
    }
  }
  if (!label) return oom(c);
  return *op == OP_UNKNOWN ? note_missing(c, label, name) : HY_OK;
}

/* ---- types ---- */

static hy_status import_type(fe_ctx *c, const Onnx__ValueInfoProto *vi, ir_type *t) {
  t->dtype = HY_DTYPE_UNDEFINED;
  t->rank = -1;
  const Onnx__TypeProto *tp = vi->type;
  if (!tp) return HY_OK; /* subgraph inputs may leave their type to inference */
  if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
    return diag_error(c->d, HY_ERR_UNSUPPORTED,
                      "%s: graph input '%s' is not a tensor (sequences, maps and optionals are not "
                      "supported yet)", c->file, vi->name);
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  t->dtype = (hy_dtype)tt->elem_type;
  if (tt->elem_type != HY_DTYPE_UNDEFINED && tt->elem_type != HY_DTYPE_STRING &&
      hy_dtype_bits(t->dtype) == 0)
    return diag_error(c->d, HY_ERR_UNSUPPORTED,
                      "%s: graph input '%s' has element type %d, which Hydra does not support yet",
                      c->file, vi->name, (int)tt->elem_type);
  if (!tt->shape) return HY_OK;
  if (tt->shape->n_dim > HY_MAX_RANK)
    return diag_error(c->d, HY_ERR_UNSUPPORTED, "%s: graph input '%s' has rank %zu, more than %d",
                      c->file, vi->name, tt->shape->n_dim, HY_MAX_RANK);
  t->rank = (int32_t)tt->shape->n_dim;
  for (int32_t i = 0; i < t->rank; i++) {
    const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
    t->dims[i] = -1;
    if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      if (d->dim_value < 0)
        return diag_error(c->d, HY_ERR_INVALID_MODEL, "%s: graph input '%s': dimension %d is %lld",
                          c->file, vi->name, i, (long long)d->dim_value);
      t->dims[i] = d->dim_value;
    } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
               d->dim_param && *d->dim_param) {
      if (!(t->sym[i] = arena_strdup(c->a, d->dim_param))) return oom(c);
    }
  }
  return HY_OK;
}

/* ---- graphs ---- */

static hy_status import_initializers(fe_ctx *c, ir_graph *g, const Onnx__GraphProto *gp,
                                     fe_map *scope) {
  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *tp = gp->initializer[i];
    const char *name = tp->name ? tp->name : "";
    if (!*name)
      return diag_error(c->d, HY_ERR_INVALID_MODEL, "%s: initializer %zu has no name", c->file, i);
    if (fe_map_get_local(scope, name))
      return diag_error(c->d, HY_ERR_INVALID_MODEL, "%s: initializer '%s' is given twice", c->file, name);
    char *what = arena_printf(c->a, "%s: initializer '%s'", c->file, name);
    ir_value *v;
    hy_status s = what ? fe_tensor_value(c, g, tp, name, what, &v) : oom(c);
    if (s) return s;
    if (!fe_map_put(scope, v->name, v)) return oom(c);
  }
  return HY_OK;
}

/* Graph inputs that are not initializers, in order (an initializer listed as an input is a
 * constant with a default the caller could override; Hydra keeps it constant). */
static hy_status import_inputs(fe_ctx *c, ir_graph *g, const Onnx__GraphProto *gp, fe_map *scope) {
  g->inputs = arena_array(c->a, gp->n_input + 1, sizeof *g->inputs);
  if (!g->inputs) return oom(c);
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    const char *name = vi->name ? vi->name : "";
    ir_value *prev = fe_map_get_local(scope, name);
    if (prev && prev->data) continue;
    if (prev || !*name)
      return diag_error(c->d, HY_ERR_INVALID_MODEL, "%s: graph input '%s' is %s", c->file, name,
                        *name ? "given twice" : "unnamed");
    ir_value *v = ir_value_new(g, name);
    if (!v || !v->name) return oom(c);
    hy_status s = import_type(c, vi, &v->type);
    if (s) return s;
    v->input_index = g->n_inputs;
    g->inputs[g->n_inputs++] = v;
    if (!fe_map_put(scope, v->name, v)) return oom(c);
  }
  return HY_OK;
}

static hy_status check_arity(ir_graph *g, ir_node *n) {
  const ir_op_info *info = ir_op_get(n->op);
  if (n->n_in < info->min_in || (info->max_in >= 0 && n->n_in > info->max_in)) {
    if (info->max_in < 0)
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "has %d inputs, %s takes at least %d",
                           n->n_in, info->name, info->min_in);
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "has %d inputs, %s takes %d to %d", n->n_in,
                         info->name, info->min_in, info->max_in);
  }
  if (n->n_out < info->min_out || (info->max_out >= 0 && n->n_out > info->max_out))
    return ir_node_error(g, n, HY_ERR_INVALID_MODEL, "has %d outputs, %s gives %d to %d",
                         n->n_out, info->name, info->min_out, info->max_out);
  /* The one place absent inputs are checked for every op: slots below min_in are required, so
   * no hook ever sees an empty one there (ir.h). */
  for (int32_t i = 0; i < info->min_in; i++)
    if (!n->in[i])
      return ir_node_error(g, n, HY_ERR_INVALID_MODEL,
                           "input %d is required by %s but is empty (absent)", i, info->name);
  return HY_OK;
}

static hy_status import_node(fe_ctx *c, ir_graph *g, const Onnx__NodeProto *np, const char *name,
                             fe_map *scope) {
  const char *domain = np->domain && !fe_domain_is_default(np->domain) ? np->domain : "";
  int64_t version = fe_domain_version(c, domain);
  if (version < 0)
    return diag_error(c->d, HY_ERR_INVALID_MODEL,
                      "%s: node '%s' (%s): the model imports no opset of %s%s%s", c->file, name,
                      np->op_type, *domain ? "domain '" : "the default ONNX domain", domain,
                      *domain ? "'" : "");
  ir_op op;
  int32_t op_version;
  hy_status s = lookup_op(c, np, name, version, &op, &op_version);
  if (s) return s;
  ir_node *n = ir_node_new(g, op, np->op_type, name, (int32_t)np->n_input, (int32_t)np->n_output);
  if (!n || !(n->domain = arena_strdup(c->a, domain))) return oom(c);
  n->opset = (int32_t)version;
  n->version = op_version;
  for (size_t i = 0; i < np->n_input; i++) {
    const char *in = np->input[i];
    if (in && *in) ir_node_set_input(g, n, (int32_t)i, fe_map_get(scope, in)); /* order.c checked */
  }
  for (size_t i = 0; i < np->n_output; i++) {
    const char *o = np->output[i];
    if (!o || !*o) continue; /* an omitted optional output */
    ir_value *v = ir_value_new(g, o);
    if (!v || !v->name || !fe_map_put(scope, v->name, v)) return oom(c);
    ir_node_set_output(g, n, (int32_t)i, v);
  }
  if (op != OP_UNKNOWN && (s = check_arity(g, n))) return s;
  return fe_node_attrs(c, g, n, np, scope);
}

/* A graph output's declared tensor type, left on the value for shape inference to check against
 * what the node computes (passes/infer.c). Anything unusable is simply not declared. */
static void declare_output_type(const Onnx__ValueInfoProto *vi, ir_type *t) {
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return;
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  if (tt->has_elem_type && hy_dtype_bits((hy_dtype)tt->elem_type) > 0)
    t->dtype = (hy_dtype)tt->elem_type;
  if (!tt->shape || tt->shape->n_dim > HY_MAX_RANK) return;
  t->rank = (int32_t)tt->shape->n_dim;
  for (int32_t i = 0; i < t->rank; i++) {
    const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
    bool known = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    t->dims[i] = known && d->dim_value >= 0 ? d->dim_value : -1;
  }
}

static hy_status import_outputs(fe_ctx *c, ir_graph *g, const Onnx__GraphProto *gp,
                                const fe_map *scope) {
  g->outputs = arena_array(c->a, gp->n_output + 1, sizeof *g->outputs);
  if (!g->outputs) return oom(c);
  for (size_t i = 0; i < gp->n_output; i++) {
    const char *name = gp->output[i]->name ? gp->output[i]->name : "";
    ir_value *v = fe_map_get(scope, name);
    if (!v)
      return diag_error(c->d, HY_ERR_INVALID_MODEL,
                        "%s: graph output '%s' is not produced by any node, initializer or graph "
                        "input", c->file, name);
    if (v->output_index < 0) v->output_index = g->n_outputs;
    if (!g->parent && v->producer && v->output_index == g->n_outputs)
      declare_output_type(gp->output[i], &v->type);
    g->outputs[g->n_outputs++] = v;
  }
  return HY_OK;
}

hy_status fe_import_graph(fe_ctx *c, const Onnx__GraphProto *gp, ir_graph *parent,
                          const fe_map *parent_scope, ir_graph **out) {
  ir_graph *g = ir_graph_new(c->a, c->d, NULL);
  fe_map *scope = arena_alloc(c->a, sizeof *scope);
  if (!g || !scope) return oom(c);
  g->file = c->file; /* one string for the model: every node of it points there (ir_node.file) */
  g->parent = parent;
  g->opset = c->opset;
  g->name = gp->name ? arena_strdup(c->a, gp->name) : "";
  fe_map_init(scope, c->a, parent_scope);
  hy_status s;
  if ((s = import_initializers(c, g, gp, scope)) || (s = import_inputs(c, g, gp, scope))) return s;
  const char **names = arena_array(c->a, gp->n_node + 1, sizeof *names);
  if (!names) return oom(c);
  for (size_t i = 0; i < gp->n_node; i++)
    if (!(names[i] = fe_node_name(c, gp->node[i], i))) return oom(c);
  size_t *order;
  if ((s = fe_order_nodes(c, gp, scope, names, &order))) return s;
  for (size_t i = 0; i < gp->n_node; i++)
    if ((s = import_node(c, g, gp->node[order[i]], names[order[i]], scope))) return s;
  if ((s = import_outputs(c, g, gp, scope))) return s;
  *out = g;
  return HY_OK;
}

/* The graph's one source: its file, named by its stem (frontend/merge.c names it otherwise when
 * asked), owning all the outputs. */
static hy_status record_source(fe_ctx *c, ir_graph *g) {
  const char *slash = strrchr(c->file, '/'), *base = slash ? slash + 1 : c->file;
  const char *dot = strrchr(base, '.');
  size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  g->sources = arena_alloc(c->a, sizeof *g->sources);
  if (!g->sources) return oom(c);
  g->n_sources = 1;
  g->sources[0] = (ir_source){c->file, arena_strndup(c->a, base, stem), 0, g->n_outputs};
  return g->sources[0].name ? HY_OK : oom(c);
}

static hy_status import_model(arena *a, diag *d, const char *name, const pb_model *pm,
                              ir_graph **out) {
  fe_ctx c = {.a = a, .d = d, .file = arena_strdup(a, name), .model = pm->proto};
  if (!c.file) return diag_error(d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", name);
  hy_status s = check_opsets(&c);
  ir_graph *g = NULL;
  if (!s) s = fe_import_graph(&c, pm->proto->graph, NULL, NULL, &g);
  if (!s) s = report_missing(&c);
  if (!s) s = record_source(&c, g);
  if (!s) s = ir_verify(g, "import");
  if (!s) *out = g;
  return s;
}

hy_status fe_load_model(arena *a, diag *d, const char *path, ir_graph **out) {
  char err[DIAG_MSG_MAX];
  pb_model pm;
  *out = NULL;
  hy_status s = pb_model_open(path, &pm, err, sizeof err);
  if (s) return diag_error(d, s, "%s", err);
  s = import_model(a, d, path, &pm, out);
  pb_model_close(&pm);
  return s;
}

hy_status fe_load_model_bytes(arena *a, diag *d, const char *name, const void *bytes, size_t n,
                              const char *dir, ir_graph **out) {
  char err[DIAG_MSG_MAX];
  pb_model pm;
  *out = NULL;
  if (!name) name = "<memory>";
  hy_status s = pb_model_parse(name, bytes, n, dir, &pm, err, sizeof err);
  if (s) return diag_error(d, s, "%s", err);
  s = import_model(a, d, name, &pm, out);
  pb_model_close(&pm);
  return s;
}
