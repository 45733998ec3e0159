/* The frontend's internal header: import context, name tables, and the pieces of the import
 * grouped by the file that defines them. */
#ifndef HC_FE_INTERNAL_H
#define HC_FE_INTERNAL_H

#include "frontend/frontend.h"
#include "onnx.pb-c.h"

/* ---- symtab.c: string → pointer hash map in the arena, with an optional parent to search
 * next (a subgraph sees its enclosing graphs' names). ---- */
typedef struct fe_map fe_map;
struct fe_map {
  arena *a;
  const fe_map *parent;
  const char **keys;
  void **vals;
  size_t cap, n;
};
void fe_map_init(fe_map *m, arena *a, const fe_map *parent);
/* false when out of memory. Replaces an existing entry. */
bool fe_map_put(fe_map *m, const char *key, void *val);
/* This map only. */
void *fe_map_get_local(const fe_map *m, const char *key);
/* This map, then its parents. */
void *fe_map_get(const fe_map *m, const char *key);

/* ---- import.c ---- */
/* An op Hydra lacks, and the nodes that use it (collected over the whole model). */
typedef struct fe_missing_op {
  const char *label; /* "Foo", or with domain / opset detail */
  const char **nodes;
  int32_t n_nodes, cap_nodes;
  struct fe_missing_op *next;
} fe_missing_op;

typedef struct fe_ctx {
  arena *a;
  diag *d;
  const char *file;
  const Onnx__ModelProto *model;
  int64_t opset; /* default domain */
  fe_missing_op *missing, *missing_last;
} fe_ctx;

/* Imports gp into a new graph; scope holds the names of enclosing graphs (NULL at top level). */
hy_status fe_import_graph(fe_ctx *c, const Onnx__GraphProto *gp, ir_graph *parent,
                          const fe_map *parent_scope, ir_graph **out);
/* Version the model imports for domain, or -1 when it does not import it. */
int64_t fe_domain_version(const fe_ctx *c, const char *domain);
bool fe_domain_is_default(const char *domain);

/* ---- order.c ---- */
/* The display name of node i: its name, or "<OpType>_<i>" when it has none. */
const char *fe_node_name(fe_ctx *c, const Onnx__NodeProto *np, size_t i);
/* A topological order of gp's nodes (indices into gp->node, stable for already sorted graphs).
 * Errors: two nodes producing one name, a node producing an initializer or input, an input no
 * one defines (scope holds initializers, inputs and outer names), a cycle. */
hy_status fe_order_nodes(fe_ctx *c, const Onnx__GraphProto *gp, const fe_map *scope,
                         const char **names, size_t **order);

/* ---- attrs.c ---- */
/* Converts a tensor (initializer or attribute) into a constant value of g; what names it. */
hy_status fe_tensor_value(fe_ctx *c, ir_graph *g, const Onnx__TensorProto *tp, const char *name,
                          const char *what, ir_value **out);
/* Converts np's attributes into n->attrs; scope is for GRAPH attributes' outer names. */
hy_status fe_node_attrs(fe_ctx *c, ir_graph *g, ir_node *n, const Onnx__NodeProto *np,
                        const fe_map *scope);

/* ---- attr_kinds.c ---- */
/* The kind ONNX defines for an attribute name in the default domain; false for names it does not
 * know or that differ between ops. */
bool fe_attr_known_kind(const char *name, ir_attr_kind *kind);

#endif
