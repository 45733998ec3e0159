/* Entries: named sets of graph outputs, their backward cones, and the outputs an entry computes
 * without filling them (ir/entry.h). */
#include <stdio.h>
#include <string.h>

#include "ir/entry.h"

static hy_status entry_oom(ir_graph *g) {
  return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
}

const ir_entry *ir_entry_find(const ir_graph *g, const char *name) {
  for (int32_t i = 0; name && i < g->n_entries; i++)
    if (!strcmp(g->entries[i].name, name)) return &g->entries[i];
  return NULL;
}

hy_status ir_entry_add(ir_graph *g, const char *name, const int32_t *outputs, int32_t n) {
  if (!name || !*name)
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: an entry needs a name", g->file);
  if (!strcmp(name, IR_DEFAULT_ENTRY) || ir_entry_find(g, name))
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: entry '%s' %s", g->file, name,
                      !ir_entry_find(g, name) ? "is the name of the entry of every output"
                      : g->n_sources > 1      ? "is given twice (each merged model has an entry "
                                                "of its name)"
                                              : "is given twice");
  if (n <= 0)
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: entry '%s' lists no outputs", g->file,
                      name);
  for (int32_t i = 0; i < n; i++) {
    if (outputs[i] < 0 || outputs[i] >= g->n_outputs)
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                        "%s: entry '%s': output %d is out of range (the graph has %d)", g->file,
                        name, outputs[i], g->n_outputs);
    for (int32_t j = 0; j < i; j++)
      if (outputs[j] == outputs[i])
        return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: entry '%s' lists output '%s' twice",
                          g->file, name, g->outputs[outputs[i]]->name);
  }
  if (g->n_entries == g->cap_entries) {
    int32_t cap = g->cap_entries ? 2 * g->cap_entries : 4;
    ir_entry *ne = arena_array(g->a, (size_t)cap, sizeof *ne);
    if (!ne) return entry_oom(g);
    if (g->n_entries) memcpy(ne, g->entries, (size_t)g->n_entries * sizeof *ne);
    g->entries = ne;
    g->cap_entries = cap;
  }
  ir_entry *e = &g->entries[g->n_entries];
  e->name = arena_strdup(g->a, name);
  e->outputs = arena_array(g->a, (size_t)n, sizeof *e->outputs);
  if (!e->name || !e->outputs) return entry_oom(g);
  memcpy(e->outputs, outputs, (size_t)n * sizeof *outputs);
  e->n_outputs = n;
  g->n_entries++;
  return HY_OK;
}

hy_status ir_entry_add_named(ir_graph *g, const char *name, const char *outputs) {
  int32_t n = 1;
  for (const char *p = outputs; *p; p++)
    n += *p == ',';
  int32_t *pos = arena_array(g->a, (size_t)n, sizeof *pos);
  if (!pos) return entry_oom(g);
  const char *p = outputs;
  for (int32_t k = 0; k < n; k++) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    pos[k] = -1;
    for (int32_t i = 0; i < g->n_outputs && pos[k] < 0; i++) {
      const char *o = g->outputs[i]->name ? g->outputs[i]->name : "";
      if (strlen(o) == len && !strncmp(o, p, len)) pos[k] = i;
    }
    if (pos[k] < 0) {
      char list[1024];
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                        "%s: entry '%s': the graph has no output named '%.*s' (outputs: %s)",
                        g->file, name ? name : "", (int)len, p,
                        ir_value_names(g->outputs, g->n_outputs, list, sizeof list));
    }
    p = comma ? comma + 1 : p + len;
  }
  return ir_entry_add(g, name, pos, n);
}

/* Walking backwards in topological order, a node is needed when one of its outputs is; then its
 * inputs are. Graph inputs are read when a needed node reads them or an output is one. */
hy_status ir_entry_cone(ir_graph *g, const ir_entry *e, ir_cone *c) {
  memset(c, 0, sizeof *c);
  bool *need = arena_array(g->a, (size_t)g->n_values + 1, sizeof *need);
  c->node = arena_array(g->a, (size_t)g->next_node_id + 1, sizeof *c->node);
  c->input = arena_array(g->a, (size_t)g->n_inputs + 1, sizeof *c->input);
  if (!need || !c->node || !c->input) return entry_oom(g);
  int32_t n_out = e ? e->n_outputs : g->n_outputs;
  for (int32_t k = 0; k < n_out; k++) {
    const ir_value *v = g->outputs[e ? e->outputs[k] : k];
    need[v->id] = true;
  }
  for (ir_node *n = g->last; n; n = n->prev) {
    bool needed = false;
    for (int32_t i = 0; i < n->n_out && !needed; i++)
      needed = n->out[i] && need[n->out[i]->id];
    if (!needed) continue;
    c->node[n->id] = true;
    c->n_nodes++;
    for (int32_t i = 0; i < n->n_in; i++)
      if (n->in[i]) need[n->in[i]->id] = true;
  }
  for (int32_t i = 0; i < g->n_inputs; i++) {
    c->input[i] = need[g->inputs[i]->id];
    c->n_inputs += c->input[i];
  }
  return HY_OK;
}

/* The first position of v among the graph outputs, -1 when it is none. */
static int32_t first_output(const ir_graph *g, const ir_value *v) {
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return i;
  return -1;
}

static bool lists(const ir_entry *e, int32_t pos) {
  for (int32_t k = 0; k < e->n_outputs; k++)
    if (e->outputs[k] == pos) return true;
  return false;
}

int32_t ir_entry_stray_outputs(ir_graph *g, bool *stray) {
  int32_t marked = 0;
  for (int32_t k = 0; k < g->n_entries; k++) {
    const ir_entry *e = &g->entries[k];
    ir_cone c;
    if (ir_entry_cone(g, e, &c) != HY_OK) return -1;
    for (ir_node *n = g->first; n; n = n->next) {
      if (!c.node[n->id]) continue;
      for (int32_t i = 0; i < n->n_out; i++) {
        const ir_value *v = n->out[i];
        int32_t pos = v ? first_output(g, v) : -1;
        if (pos < 0 || lists(e, pos) || stray[v->id]) continue;
        stray[v->id] = true;
        marked++;
      }
    }
  }
  return marked;
}
