/* Attributes and tensors: AttributeProto → ir_attr (every kind Hydra holds), TensorProto →
 * constant value (data copied into the arena, aligned). */
#include <string.h>

#include "frontend/fe_internal.h"
#include "tensor_io.h"

static void *arena_alloc_fn(void *ctx, size_t size) { return arena_alloc(ctx, size); }

hy_status fe_tensor_value(fe_ctx *c, ir_graph *g, const Onnx__TensorProto *tp, const char *name,
                          const char *what, ir_value **out) {
  char err[1024];
  hy_tensor t;
  hy_status s = pb_tensor_from_proto(tp, arena_alloc_fn, c->a, &t, what, err, sizeof err);
  if (s) return diag_error(c->d, s, "%s", err);
  *out = ir_const_new(g, name, t.dtype, t.rank, t.dims, t.data);
  if (!*out || !(*out)->name)
    return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", c->file);
  (*out)->from_model = true;
  return HY_OK;
}

static const char *kind_name(int k) {
  static const char *names[] = {"UNDEFINED", "FLOAT",   "INT",     "STRING",         "TENSOR",
                                "GRAPH",     "FLOATS",  "INTS",    "STRINGS",        "TENSORS",
                                "GRAPHS",    "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO",
                                "TYPE_PROTOS"};
  return k >= 0 && k < (int)(sizeof names / sizeof *names) ? names[k] : "unknown";
}

/* Old models leave `type` unset; the field that holds a value says which kind it is. */
static int attr_kind(const Onnx__AttributeProto *ap) {
  if (ap->has_type) return (int)ap->type;
  if (ap->has_f) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (ap->has_i) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  if (ap->has_s) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (ap->t) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (ap->g) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  if (ap->n_floats) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (ap->n_ints) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (ap->n_strings) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static hy_status copy_strings(fe_ctx *c, ir_attr *at, const Onnx__AttributeProto *ap) {
  at->strings = arena_array(c->a, ap->n_strings + 1, sizeof *at->strings);
  if (!at->strings) return HY_ERR_OUT_OF_MEMORY;
  for (size_t k = 0; k < ap->n_strings; k++)
    if (!(at->strings[k] = arena_strndup(c->a, (const char *)ap->strings[k].data, ap->strings[k].len)))
      return HY_ERR_OUT_OF_MEMORY;
  at->n = (int32_t)ap->n_strings;
  return HY_OK;
}

/* Fills at from ap for the kinds ir_attr holds; HY_ERR_UNSUPPORTED for the others. */
static hy_status convert(fe_ctx *c, ir_graph *g, ir_node *n, ir_attr *at,
                         const Onnx__AttributeProto *ap, const fe_map *scope) {
  switch (at->kind) {
  case IR_ATTR_FLOAT: at->f = ap->f; return HY_OK;
  case IR_ATTR_INT: at->i = ap->i; return HY_OK;
  case IR_ATTR_STRING:
    at->s_len = ap->s.len;
    at->s = arena_strndup(c->a, ap->s.data ? (const char *)ap->s.data : "", ap->s.len);
    return at->s ? HY_OK : HY_ERR_OUT_OF_MEMORY;
  case IR_ATTR_FLOATS:
    at->n = (int32_t)ap->n_floats;
    at->floats = arena_array(c->a, ap->n_floats + 1, sizeof *at->floats);
    if (!at->floats) return HY_ERR_OUT_OF_MEMORY;
    if (ap->n_floats) memcpy(at->floats, ap->floats, ap->n_floats * sizeof *ap->floats);
    return HY_OK;
  case IR_ATTR_INTS:
    at->n = (int32_t)ap->n_ints;
    at->ints = arena_array(c->a, ap->n_ints + 1, sizeof *at->ints);
    if (!at->ints) return HY_ERR_OUT_OF_MEMORY;
    if (ap->n_ints) memcpy(at->ints, ap->ints, ap->n_ints * sizeof *ap->ints);
    return HY_OK;
  case IR_ATTR_STRINGS: return copy_strings(c, at, ap);
  case IR_ATTR_TENSOR: {
    if (!ap->t) return ir_attr_error(g, n, at->name, HY_ERR_INVALID_MODEL, "TENSOR without a tensor");
    char *what = arena_printf(c->a, "%s: node '%s' (%s): attribute '%s'", c->file, n->name,
                              n->op_type, at->name);
    return what ? fe_tensor_value(c, g, ap->t, "", what, &at->tensor) : HY_ERR_OUT_OF_MEMORY;
  }
  case IR_ATTR_GRAPH:
    if (!ap->g) return ir_attr_error(g, n, at->name, HY_ERR_INVALID_MODEL, "GRAPH without a graph");
    return fe_import_graph(c, ap->g, g, scope, &at->graph);
  }
  return HY_ERR_INTERNAL;
}

static hy_status import_attr(fe_ctx *c, ir_graph *g, ir_node *n, ir_attr *at,
                             const Onnx__AttributeProto *ap, const fe_map *scope) {
  at->name = arena_strdup(c->a, ap->name ? ap->name : "");
  if (!at->name) return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", c->file);
  if (ap->ref_attr_name && *ap->ref_attr_name)
    return ir_attr_error(g, n, at->name, HY_ERR_UNSUPPORTED,
                         "refers to function attribute '%s'; functions are not supported",
                         ap->ref_attr_name);
  int k = attr_kind(ap);
  if (k == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED || k > 14 || k < 0)
    return ir_attr_error(g, n, at->name, HY_ERR_INVALID_MODEL,
                         "kind %s (%d) is not a valid attribute kind", kind_name(k), k);
  if (k > ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS)
    return ir_attr_error(g, n, at->name, HY_ERR_UNSUPPORTED, "kind %s is not supported",
                         kind_name(k));
  /* ONNX's FLOAT..STRINGS are 1..8 in the same order as ir_attr_kind. */
  at->kind = (ir_attr_kind)k;
  ir_attr_kind want;
  if (fe_domain_is_default(n->domain) && fe_attr_known_kind(at->name, &want) && want != at->kind)
    return ir_attr_error(g, n, at->name, HY_ERR_INVALID_MODEL, "is %s, ONNX defines it as %s",
                         kind_name(k), kind_name((int)want));
  hy_status s = convert(c, g, n, at, ap, scope);
  if (s == HY_ERR_OUT_OF_MEMORY)
    return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", c->file);
  return s;
}

hy_status fe_node_attrs(fe_ctx *c, ir_graph *g, ir_node *n, const Onnx__NodeProto *np,
                        const fe_map *scope) {
  n->attrs = arena_array(c->a, np->n_attribute + 1, sizeof *n->attrs);
  if (!n->attrs) return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", c->file);
  for (size_t i = 0; i < np->n_attribute; i++) {
    for (size_t j = 0; j < i; j++)
      if (np->attribute[j]->name && np->attribute[i]->name &&
          !strcmp(np->attribute[j]->name, np->attribute[i]->name))
        return ir_attr_error(g, n, np->attribute[i]->name, HY_ERR_INVALID_MODEL, "given twice");
    hy_status s = import_attr(c, g, n, &n->attrs[i], np->attribute[i], scope);
    if (s) return s;
    n->n_attrs = (int32_t)i + 1;
  }
  return HY_OK;
}
