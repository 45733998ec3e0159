/* hydrac inspect's parts: what the imported model said before the passes changed it, the summary
 * (text or JSON, docs/inspect.md lists the keys), the listing for a model whose inputs still have
 * symbolic dims, and the Graphviz picture. Each prints to the FILE it is given and returns false
 * when writing failed. */
#ifndef HC_DRIVER_INSPECT_H
#define HC_DRIVER_INSPECT_H

#include <stdbool.h>
#include <stdio.h>

#include "ir/ir.h"

#define INSPECT_MAX_OPSETS 16

typedef struct inspect_opset {
  const char *domain; /* "ai.onnx" for the default domain */
  int64_t version;
} inspect_opset;

/* Kept from the imported graph, before any pass ran. */
typedef struct inspect_model {
  inspect_opset opsets[INSPECT_MAX_OPSETS];
  int n_opsets;
  /* Node ids from here on were made by passes: the fusions are the passes that make nodes. */
  int32_t first_made_id;
} inspect_model;

/* inspect_print.c */
/* Records g's opsets (the default domain's, then each other domain a node uses) and its next
 * node id; g must be the graph as imported. */
void inspect_model_init(inspect_model *m, const ir_graph *g);
/* n was made by a fusion pass (a Gelu, LayerNormalization or Attention from a chain of nodes). */
bool inspect_made_by_pass(const inspect_model *m, const ir_node *n);
/* Some input has a dim no --shape gave yet (the graph as imported, no bindings). */
bool inspect_has_unknown_dims(const ir_graph *g);
/* Inputs, outputs, opsets, which input dims are symbolic and the --shape options that would fix
 * them: all inspect can say before the passes. */
bool inspect_print_unbound(FILE *f, const ir_graph *g, const inspect_model *m, bool json);
/* The optimised graph: nodes, op histogram, fused nodes, attention counts, arena and weights. */
bool inspect_print_summary(FILE *f, const ir_graph *g, const inspect_model *m, bool json);
/* Bytes of the constants the optimised graph reads, each counted once. */
int64_t inspect_weight_bytes(const ir_graph *g);

/* inspect_dot.c */
/* g as a Graphviz digraph: one cluster per set of graph outputs that depend on a node (the part
 * every output needs, parts a few outputs share, each output's own head); fused nodes labelled.
 * false when out of memory or writing failed. */
bool inspect_write_dot(FILE *f, const ir_graph *g, const inspect_model *m);

#endif
