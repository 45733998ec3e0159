/* Graph construction and mutation. Every edit goes through here so use lists stay exact. */
#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

ir_graph *ir_graph_new(arena *a, diag *d, const char *file) {
  ir_graph *g = arena_alloc(a, sizeof *g);
  if (!g) return NULL;
  g->a = a;
  g->d = d;
  g->file = file ? arena_strdup(a, file) : "<memory>";
  g->name = "";
  g->opset = IR_NEWEST_OPSET;
  g->out_dims_offset = -1;
  return g;
}

bool ir_graph_adopt_value(ir_graph *g, ir_value *v) {
  if (g->n_values == g->cap_values) {
    int32_t cap = g->cap_values ? g->cap_values * 2 : 64;
    ir_value **nv = arena_array(g->a, (size_t)cap, sizeof *nv);
    if (!nv) return false;
    if (g->n_values) memcpy(nv, g->values, (size_t)g->n_values * sizeof *nv);
    g->values = nv;
    g->cap_values = cap;
  }
  v->id = g->n_values;
  g->values[g->n_values++] = v;
  return true;
}

ir_value *ir_value_new(ir_graph *g, const char *name) {
  ir_value *v = arena_alloc(g->a, sizeof *v);
  if (!v || !ir_graph_adopt_value(g, v)) return NULL;
  v->name = arena_strdup(g->a, name ? name : "");
  v->type.rank = -1;
  v->input_index = -1;
  v->output_index = -1;
  return v;
}

void ir_graph_adopt_node(ir_graph *g, ir_node *n) {
  n->id = g->next_node_id++;
  n->next = NULL;
  n->prev = g->last;
  if (g->last)
    g->last->next = n;
  else
    g->first = n;
  g->last = n;
  g->n_nodes++;
}

ir_node *ir_node_new(ir_graph *g, ir_op op, const char *op_type, const char *name, int32_t n_in,
                     int32_t n_out) {
  ir_node *n = arena_alloc(g->a, sizeof *n);
  if (!n) return NULL;
  n->op = op;
  n->file = g->file;
  n->op_type = arena_strdup(g->a, op_type ? op_type : ir_op_name(op));
  n->domain = "";
  n->opset = (int32_t)g->opset;
  n->name = (name && *name) ? arena_strdup(g->a, name)
                             : arena_printf(g->a, "%s_%d", n->op_type, g->next_node_id);
  n->in = arena_array(g->a, (size_t)(n_in > 0 ? n_in : 1), sizeof *n->in);
  n->out = arena_array(g->a, (size_t)(n_out > 0 ? n_out : 1), sizeof *n->out);
  if (!n->in || !n->out || !n->name || !n->op_type) return NULL;
  n->n_in = n_in;
  n->n_out = n_out;
  ir_graph_adopt_node(g, n);
  return n;
}

static void use_add(ir_graph *g, ir_value *v, ir_node *n, int32_t slot) {
  if (v->n_uses == v->cap_uses) {
    int32_t cap = v->cap_uses ? v->cap_uses * 2 : 4;
    ir_use *nu = arena_array(g->a, (size_t)cap, sizeof *nu);
    if (!nu) return; /* arena->failed is sticky; the caller's pass reports it */
    if (v->n_uses) memcpy(nu, v->uses, (size_t)v->n_uses * sizeof *nu);
    v->uses = nu;
    v->cap_uses = cap;
  }
  v->uses[v->n_uses++] = (ir_use){n, slot};
}

static void use_remove(ir_value *v, const ir_node *n, int32_t slot) {
  for (int32_t i = 0; i < v->n_uses; i++) {
    if (v->uses[i].node == n && v->uses[i].slot == slot) {
      v->uses[i] = v->uses[--v->n_uses];
      return;
    }
  }
}

void ir_node_set_input(ir_graph *g, ir_node *n, int32_t slot, ir_value *v) {
  if (n->in[slot]) use_remove(n->in[slot], n, slot);
  n->in[slot] = v;
  if (v) use_add(g, v, n, slot);
}

void ir_node_set_output(ir_graph *g, ir_node *n, int32_t slot, ir_value *v) {
  (void)g;
  n->out[slot] = v;
  if (v) {
    v->producer = n;
    v->producer_slot = slot;
  }
}

void ir_node_remove(ir_graph *g, ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++)
    if (n->in[i]) use_remove(n->in[i], n, i);
  for (int32_t i = 0; i < n->n_out; i++)
    if (n->out[i] && n->out[i]->producer == n) n->out[i]->producer = NULL;
  if (n->prev) n->prev->next = n->next; else g->first = n->next;
  if (n->next) n->next->prev = n->prev; else g->last = n->prev;
  n->prev = n->next = NULL;
  g->n_nodes--;
}

void ir_node_move_before(ir_graph *g, ir_node *n, ir_node *before) {
  if (n == before) return;
  if (n->prev) n->prev->next = n->next; else g->first = n->next;
  if (n->next) n->next->prev = n->prev; else g->last = n->prev;
  n->prev = before->prev;
  n->next = before;
  if (before->prev) before->prev->next = n; else g->first = n;
  before->prev = n;
}

const char *ir_value_names(ir_value *const *v, int32_t n, char *buf, size_t size) {
  size_t k = 0;
  buf[0] = '\0';
  for (int32_t i = 0; i < n && k < size; i++) {
    const char *name = v[i] && v[i]->name ? v[i]->name : "";
    if (k + strlen(name) + 6 >= size) {
      snprintf(buf + k, size - k, "%s...", i ? ", " : "");
      break;
    }
    k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? ", " : "", name);
  }
  return n ? buf : "none";
}

int32_t ir_graph_input_index(const ir_graph *g, const char *name) {
  for (int32_t i = 0; i < g->n_inputs; i++)
    if (g->inputs[i]->name && !strcmp(g->inputs[i]->name, name)) return i;
  return -1;
}

bool ir_is_graph_output(const ir_graph *g, const ir_value *v) {
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v) return true;
  return false;
}

void ir_replace_all_uses(ir_graph *g, ir_value *from, ir_value *to) {
  while (from->n_uses > 0) {
    ir_use u = from->uses[from->n_uses - 1];
    ir_node_set_input(g, u.node, u.slot, to);
  }
  for (int32_t i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == from) g->outputs[i] = to;
}

ir_value *ir_const_new(ir_graph *g, const char *name, hy_dtype dt, int32_t rank,
                       const int64_t *dims, const void *data) {
  ir_value *v = ir_value_new(g, name);
  if (!v) return NULL;
  v->type.dtype = dt;
  v->type.rank = rank;
  for (int32_t i = 0; i < rank; i++) v->type.dims[i] = dims[i];
  v->data = data;
  return v;
}
