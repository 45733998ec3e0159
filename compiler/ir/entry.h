/* Entries of a compiled unit: named sets of graph outputs. The optimiser works on the whole graph
 * (work shared by several entries is computed once per call of each); each entry's code runs only
 * the nodes its outputs need (their backward cone), in order, in the whole graph's arena plan.
 * The default entry, every output, is implicit: g->entries lists the others (--entry, --outputs,
 * one per merged model). */
#ifndef HC_IR_ENTRY_H
#define HC_IR_ENTRY_H

#include "ir/ir.h"

/* The name of the implicit entry computing every output; no added entry may take it. */
#define IR_DEFAULT_ENTRY "default"

struct ir_entry {
  const char *name;
  int32_t *outputs; /* positions in g->outputs (which passes keep), in the entry's order */
  int32_t n_outputs;
};

/* Adds entry `name` computing the graph outputs at positions outputs[0..n). An error for an
 * empty, duplicate or reserved name, no outputs, a position out of range or listed twice. */
hy_status ir_entry_add(ir_graph *g, const char *name, const int32_t *outputs, int32_t n);
/* The same with the outputs named in a comma-separated list ("intent_logits,ner_logits"); an
 * unknown name is an error naming it and listing the graph's outputs. */
hy_status ir_entry_add_named(ir_graph *g, const char *name, const char *outputs);
/* The entry called name, NULL when there is none (IR_DEFAULT_ENTRY is not in the list). */
const ir_entry *ir_entry_find(const ir_graph *g, const char *name);

/* What an entry runs and reads. node[id] (by node id, g->next_node_id slots): the node is in the
 * backward cone of the entry's outputs. input[i] (g->n_inputs slots): graph input i is read. */
typedef struct ir_cone {
  bool *node;
  bool *input;
  int32_t n_nodes, n_inputs;
} ir_cone;
/* The cone of e (NULL: the default entry, every output), allocated in g's arena. */
hy_status ir_entry_cone(ir_graph *g, const ir_entry *e, ir_cone *c);

/* Marks stray[value id] (g->n_values slots, zeroed by the caller) for each graph output that an
 * entry's code computes without filling it: a value its outputs need, or a sibling output of a
 * node it runs, whose output buffer (the first position listing it) is not among the entry's.
 * The memory planner keeps these in the arena for the whole run so every entry has somewhere
 * to write them; entries that do list them copy them out. Returns how many were marked, -1 when
 * out of memory. */
int32_t ir_entry_stray_outputs(ir_graph *g, bool *stray);

#endif
