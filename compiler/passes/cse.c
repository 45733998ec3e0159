/* CSE: identical work computed once. Constants are first made one value per content (dtype,
 * shape, bytes: ir_const_intern), then, in topological order, a node with the same op, version,
 * attributes and inputs as an earlier one is dropped and its outputs' readers read the earlier
 * node's. Because readers of a merged node are visited after it, one sweep reaches the fixed
 * point: three traced copies of one encoder become one. Add(a, b) and Add(b, a) are one node too
 * (commutative ops). Kept: nodes with subgraph attributes,
 * and nodes whose outputs are graph outputs (the output keeps its name and producer). */
#include <stdlib.h>
#include <string.h>

#include "passes/pass_internal.h"

static uint64_t hash_u64(uint64_t seed, uint64_t v) { return ir_hash_bytes(seed, &v, sizeof v); }

static uint64_t hash_str(uint64_t seed, const char *s) {
  return ir_hash_bytes(seed, s ? s : "", s ? strlen(s) : 0);
}

static uint64_t attr_hash(const ir_attr *a) {
  uint64_t h = hash_u64(hash_str(0, a->name), (uint64_t)a->kind);
  switch (a->kind) {
  case IR_ATTR_FLOAT: return ir_hash_bytes(h, &a->f, sizeof a->f);
  case IR_ATTR_INT: return hash_u64(h, (uint64_t)a->i);
  case IR_ATTR_STRING: return ir_hash_bytes(h, a->s ? a->s : "", a->s ? a->s_len : 0);
  case IR_ATTR_TENSOR: return hash_u64(h, ir_const_hash(a->tensor));
  case IR_ATTR_INTS: return ir_hash_bytes(h, a->ints, (size_t)a->n * sizeof *a->ints);
  case IR_ATTR_FLOATS: return ir_hash_bytes(h, a->floats, (size_t)a->n * sizeof *a->floats);
  case IR_ATTR_STRINGS:
    for (int32_t i = 0; i < a->n; i++)
      h = hash_str(h, a->strings[i]);
    return h;
  case IR_ATTR_GRAPH: return h;
  }
  return h;
}

static bool attr_equal(const ir_attr *a, const ir_attr *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case IR_ATTR_FLOAT: return !memcmp(&a->f, &b->f, sizeof a->f); /* NaN equals itself */
  case IR_ATTR_INT: return a->i == b->i;
  case IR_ATTR_STRING: return a->s_len == b->s_len && (!a->s_len || !memcmp(a->s, b->s, a->s_len));
  case IR_ATTR_TENSOR: return ir_const_equal(a->tensor, b->tensor);
  case IR_ATTR_INTS:
    return a->n == b->n && (!a->n || !memcmp(a->ints, b->ints, (size_t)a->n * sizeof *a->ints));
  case IR_ATTR_FLOATS:
    return a->n == b->n &&
           (!a->n || !memcmp(a->floats, b->floats, (size_t)a->n * sizeof *a->floats));
  case IR_ATTR_STRINGS:
    if (a->n != b->n) return false;
    for (int32_t i = 0; i < a->n; i++)
      if (strcmp(a->strings[i], b->strings[i])) return false;
    return true;
  case IR_ATTR_GRAPH: return false;
  }
  return false;
}

/* Same attributes, in any order (names are unique within a node). */
static bool attrs_equal(const ir_node *a, const ir_node *b) {
  if (a->n_attrs != b->n_attrs) return false;
  for (int32_t i = 0; i < a->n_attrs; i++) {
    const ir_attr *o = ir_attr_find(b, a->attrs[i].name);
    if (!o || !attr_equal(&a->attrs[i], o)) return false;
  }
  return true;
}

/* Two-input ops whose operands may be swapped: the result is the same bits either way (not
 * Max/Min, whose NaN handling may depend on the order). */
static bool commutative(const ir_node *n) {
  if (n->n_in != 2 || !n->in[0] || !n->in[1]) return false;
  switch (n->op) {
  case OP_Add:
  case OP_Mul:
  case OP_Sum:
  case OP_Mean:
  case OP_And:
  case OP_Or:
  case OP_Xor:
  case OP_Equal:
  case OP_BitwiseAnd:
  case OP_BitwiseOr:
  case OP_BitwiseXor: return true;
  default: return false;
  }
}

static uint64_t value_key(const ir_value *v) { return v ? (uint64_t)v->id + 1 : 0; }

static uint64_t node_hash(const ir_node *n) {
  uint64_t h = hash_str(hash_str(hash_u64(0, (uint64_t)n->op), n->domain), n->op_type);
  h = hash_u64(hash_u64(hash_u64(h, (uint64_t)n->version), (uint64_t)n->n_in), (uint64_t)n->n_out);
  if (commutative(n)) { /* the operands in id order */
    uint64_t a = value_key(n->in[0]), b = value_key(n->in[1]);
    h = hash_u64(hash_u64(h, a < b ? a : b), a < b ? b : a);
  } else {
    for (int32_t i = 0; i < n->n_in; i++)
      h = hash_u64(h, value_key(n->in[i]));
  }
  uint64_t attrs = 0; /* order-free: a sum of each attribute's hash */
  for (int32_t i = 0; i < n->n_attrs; i++)
    attrs += attr_hash(&n->attrs[i]);
  return hash_u64(h, attrs);
}

static bool nodes_equal(const ir_node *a, const ir_node *b) {
  if (a->op != b->op || a->version != b->version || a->n_in != b->n_in || a->n_out != b->n_out ||
      strcmp(a->domain ? a->domain : "", b->domain ? b->domain : "") ||
      strcmp(a->op_type, b->op_type))
    return false;
  bool same = true, swapped = commutative(a);
  for (int32_t i = 0; i < a->n_in; i++) {
    same = same && a->in[i] == b->in[i];
    swapped = swapped && a->in[i] == b->in[1 - i];
  }
  if (!same && !swapped) return false;
  for (int32_t i = 0; i < a->n_out; i++)
    if (!a->out[i] != !b->out[i]) return false;
  return attrs_equal(a, b);
}

/* Nodes that may stand for another or be replaced by one. */
static bool mergeable(const ir_graph *g, const ir_node *n) {
  if (n->op == OP_UNKNOWN) return false;
  for (int32_t i = 0; i < n->n_attrs; i++)
    if (n->attrs[i].kind == IR_ATTR_GRAPH) return false;
  for (int32_t i = 0; i < n->n_out; i++)
    if (n->out[i] && ir_is_graph_output(g, n->out[i])) return false;
  return true;
}

/* Every constant input of n becomes the graph's one constant with that content. */
static hy_status intern_inputs(ir_graph *g, ir_node *n) {
  for (int32_t i = 0; i < n->n_in; i++) {
    ir_value *v = n->in[i];
    if (!v || !v->data || v->producer) continue;
    ir_value *c = ir_const_intern(g, v);
    if (!c) return pass_oom(g);
    if (c != v) ir_node_set_input(g, n, i, c);
  }
  return HY_OK;
}

typedef struct node_table {
  ir_node **slots;
  uint64_t *hashes;
  size_t mask;
} node_table;

/* The earlier node equal to n, or NULL after recording n. */
static ir_node *find_or_add(node_table *t, ir_node *n) {
  uint64_t h = node_hash(n);
  size_t i = (size_t)h & t->mask;
  for (; t->slots[i]; i = (i + 1) & t->mask)
    if (t->hashes[i] == h && nodes_equal(t->slots[i], n)) return t->slots[i];
  t->slots[i] = n;
  t->hashes[i] = h;
  return NULL;
}

static void merge_into(ir_graph *g, ir_node *dup, ir_node *orig) {
  ir_node_remove(g, dup);
  for (int32_t i = 0; i < dup->n_out; i++)
    if (dup->out[i]) ir_replace_all_uses(g, dup->out[i], orig->out[i]);
}

static hy_status sweep(ir_graph *g, node_table *t) {
  for (ir_node *n = g->first, *next; n; n = next) {
    next = n->next;
    if (intern_inputs(g, n) != HY_OK) return g->d->status;
    if (!mergeable(g, n)) continue;
    ir_node *orig = find_or_add(t, n);
    if (orig) merge_into(g, n, orig);
  }
  return g->a->failed ? pass_oom(g) : HY_OK;
}

hy_status pass_cse(ir_graph *g) {
  size_t cap = 16;
  while (cap < (size_t)g->n_nodes * 2)
    cap *= 2;
  node_table t = {calloc(cap, sizeof *t.slots), calloc(cap, sizeof *t.hashes), cap - 1};
  hy_status s = t.slots && t.hashes ? sweep(g, &t) : pass_oom(g);
  free(t.slots);
  free(t.hashes);
  return s;
}
