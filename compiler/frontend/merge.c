/* Merging models: several ONNX files compiled into one unit (`hydrac compile a.onnx b.onnx`).
 *
 * Why it is done here, on imported graphs and before any pass: two models exported from one
 * encoder each hold a full copy of it, and the point of one unit is to compute that copy once.
 * CSE (passes/cse.c) already does that within a graph — constants made one per content, then
 * identical nodes over identical inputs merged — so the merge only has to make the models one
 * graph with one namespace, and leave the sharing to the pipeline. Each model is imported on its
 * own (with its own opsets: every node carries its version), then its values and nodes move into
 * one graph:
 *   - inputs of one name, dtype and shape become one input; `--bind b:ids=a:input_ids` makes b's
 *     'ids' a's 'input_ids' (dtypes equal, shapes compatible); a same-named input that differs
 *     without a bind is an error naming both files;
 *   - outputs keep their names, prefixed "<model>/" where two models' outputs clash;
 *   - any other name taken by an earlier model (initializers, intermediates, nodes) gets the
 *     same prefix, so messages and the printed graph keep them apart.
 * The unit's outputs are the models' outputs in order; ir_graph.sources says which are whose, and
 * each model gets an entry of its name (made a C identifier) computing its own outputs, so a
 * unit compiled from several models still runs any one of them alone, doing only its work. */
#include <stdio.h>
#include <string.h>

#include "frontend/fe_internal.h"
#include "ir/entry.h"

typedef struct merge_ctx {
  arena *a;
  diag *d;
  const fe_models *m;
  ir_graph **gs;      /* each model's graph */
  const char **names; /* each model's name */
  ir_value **ins;     /* every model's inputs, model by model */
  int32_t *model_of;  /* the model of ins[i] */
  int32_t *rep;       /* ins[i] reads ins[rep[i]] (follow to a fixed point) */
  bool *bound;        /* ins[i] is mapped by a --bind */
  int32_t n_in;
} merge_ctx;

static hy_status oom(merge_ctx *c) {
  return diag_error(c->d, HY_ERR_OUT_OF_MEMORY, "out of memory merging models");
}

bool fe_model_name_ok(const char *name) { return name && *name && !strpbrk(name, "/:="); }

bool fe_bind_parse(const char *spec, fe_bind *b) {
  const char *c1 = strchr(spec, ':'), *eq = c1 ? strchr(c1, '=') : NULL;
  const char *c2 = eq ? strchr(eq, ':') : NULL;
  if (!c2) return false;
  const char *start[4] = {spec, c1 + 1, eq + 1, c2 + 1};
  const char *end[4] = {c1, eq, c2, spec + strlen(spec)};
  for (int i = 0; i < 4; i++) {
    b->s[i] = start[i];
    b->n[i] = (size_t)(end[i] - start[i]);
    if (!b->n[i]) return false;
  }
  return true;
}

static hy_status name_models(merge_ctx *c) {
  for (int32_t k = 0; k < c->m->n; k++) {
    const fe_model_ref *r = &c->m->models[k];
    c->names[k] = r->name ? r->name : c->gs[k]->sources[0].name; /* the file's stem */
    if (!fe_model_name_ok(c->names[k]))
      return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                        "%s: '%s' cannot name a model (it is empty or has '/', ':' or '='); "
                        "name it with NAME=%s",
                        r->path, c->names[k], r->path);
    for (int32_t j = 0; j < k; j++)
      if (!strcmp(c->names[j], c->names[k]))
        return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                          "%s and %s are both named '%s'; name them apart with NAME=FILE "
                          "(intent=%s)",
                          c->m->models[j].path, r->path, c->names[k], r->path);
  }
  return HY_OK;
}

/* ---- inputs ---- */

static int32_t find_model(const merge_ctx *c, const char *s, size_t n) {
  for (int32_t k = 0; k < c->m->n; k++)
    if (strlen(c->names[k]) == n && !memcmp(c->names[k], s, n)) return k;
  return -1;
}

static int32_t find_input(const merge_ctx *c, int32_t model, const char *s, size_t n) {
  for (int32_t i = 0; i < c->n_in; i++)
    if (c->model_of[i] == model && strlen(c->ins[i]->name) == n && !memcmp(c->ins[i]->name, s, n))
      return i;
  return -1;
}

static int32_t root(const merge_ctx *c, int32_t i) {
  while (c->rep[i] != i)
    i = c->rep[i];
  return i;
}

/* Same dtype and rank, and each dim the same number or unknown in both (symbolic names aside:
 * each export names them its own way). */
static bool same_type(const ir_type *x, const ir_type *y) {
  if (x->dtype != y->dtype || x->rank != y->rank) return false;
  for (int32_t i = 0; i < x->rank; i++)
    if (x->dims[i] != y->dims[i]) return false;
  return true;
}

/* What a bind asks: same dtype; ranks and static dims that do not contradict each other. */
static bool compatible(const ir_type *x, const ir_type *y) {
  if (x->dtype != y->dtype) return false;
  if (x->rank < 0 || y->rank < 0) return true;
  if (x->rank != y->rank) return false;
  for (int32_t i = 0; i < x->rank; i++)
    if (x->dims[i] >= 0 && y->dims[i] >= 0 && x->dims[i] != y->dims[i]) return false;
  return true;
}

/* to's type gains what from's knows that it does not (a bound rank or dim). */
static void refine(ir_type *to, const ir_type *from) {
  if (to->rank < 0) {
    *to = *from;
    return;
  }
  for (int32_t i = 0; i < to->rank && from->rank == to->rank; i++)
    if (to->dims[i] < 0 && from->dims[i] >= 0) to->dims[i] = from->dims[i];
}

static const char *input_names(const merge_ctx *c, int32_t model, char *buf, size_t n) {
  size_t k = 0;
  buf[0] = '\0';
  for (int32_t i = 0; i < c->n_in && k < n; i++)
    if (c->model_of[i] == model)
      k += (size_t)snprintf(buf + k, n - k, "%s'%s'", k ? ", " : "", c->ins[i]->name);
  return k ? buf : "none";
}

static const char *model_names(const merge_ctx *c, char *buf, size_t n) {
  size_t k = 0;
  for (int32_t i = 0; i < c->m->n && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s'%s'", i ? ", " : "", c->names[i]);
  return buf;
}

/* The input side `side` (0: the mapped one, 1: the one read) of bind b names, or an error. */
static hy_status bind_side(merge_ctx *c, const char *spec, const fe_bind *b, int side,
                           int32_t *out) {
  char list[1024];
  int32_t k = find_model(c, b->s[2 * side], b->n[2 * side]);
  if (k < 0)
    return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                      "--bind '%s': no model is named '%.*s' (the models are %s)", spec,
                      (int)b->n[2 * side], b->s[2 * side], model_names(c, list, sizeof list));
  *out = find_input(c, k, b->s[2 * side + 1], b->n[2 * side + 1]);
  if (*out < 0)
    return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                      "--bind '%s': model '%s' (%s) has no input '%.*s' (its inputs are %s)", spec,
                      c->names[k], c->m->models[k].path, (int)b->n[2 * side + 1],
                      b->s[2 * side + 1], input_names(c, k, list, sizeof list));
  return HY_OK;
}

static hy_status apply_bind(merge_ctx *c, const char *spec) {
  fe_bind b;
  if (!fe_bind_parse(spec, &b))
    return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                      "--bind '%s': expected MODEL:INPUT=MODEL:INPUT (b:ids=a:input_ids)", spec);
  int32_t from, to;
  hy_status s = bind_side(c, spec, &b, 0, &from);
  if (!s) s = bind_side(c, spec, &b, 1, &to);
  if (s) return s;
  if (c->model_of[from] == c->model_of[to])
    return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                      "--bind '%s': both inputs are model '%s''s; a bind maps an input of one "
                      "model to another model's",
                      spec, c->names[c->model_of[to]]);
  if (c->bound[from])
    return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                      "--bind '%s': input '%s' of model '%s' is bound twice", spec,
                      c->ins[from]->name, c->names[c->model_of[from]]);
  ir_value *x = c->ins[from], *y = c->ins[to];
  if (!compatible(&x->type, &y->type)) {
    char tx[320], ty[320];
    return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                      "--bind '%s': %s's input '%s' is %s but %s's input '%s' is %s", spec,
                      c->m->models[c->model_of[from]].path, x->name,
                      ir_type_str(&x->type, tx, sizeof tx), c->m->models[c->model_of[to]].path,
                      y->name, ir_type_str(&y->type, ty, sizeof ty));
  }
  c->bound[from] = true;
  int32_t r = root(c, to);
  if (r != from) { /* a cycle of binds makes them one already */
    c->rep[from] = r;
    refine(&c->ins[r]->type, &x->type);
  }
  return HY_OK;
}

/* Inputs no bind maps: one name is one input, which must have one dtype and shape. */
static hy_status unify_by_name(merge_ctx *c) {
  fe_map first;
  fe_map_init(&first, c->a, NULL);
  for (int32_t i = 0; i < c->n_in; i++) {
    if (c->bound[i]) continue;
    ir_value *v = c->ins[i];
    ir_value *e = fe_map_get_local(&first, v->name);
    if (!e) {
      if (!fe_map_put(&first, v->name, v)) return oom(c);
      continue;
    }
    int32_t j = 0;
    while (c->ins[j] != e)
      j++;
    if (!same_type(&v->type, &e->type)) {
      char tv[320], te[320];
      int32_t kv = c->model_of[i], ke = c->model_of[j];
      return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                        "%s and %s both have an input '%s', as %s and %s: one name is one input, "
                        "so they must agree; or map %s's to another input with --bind "
                        "%s:%s=%s:INPUT",
                        c->m->models[ke].path, c->m->models[kv].path, v->name,
                        ir_type_str(&e->type, te, sizeof te), ir_type_str(&v->type, tv, sizeof tv),
                        c->names[kv], c->names[kv], v->name, c->names[ke]);
    }
    c->rep[i] = root(c, j);
  }
  return HY_OK;
}

static hy_status collect_inputs(merge_ctx *c) {
  int32_t n = 0;
  for (int32_t k = 0; k < c->m->n; k++)
    n += c->gs[k]->n_inputs;
  c->ins = arena_array(c->a, (size_t)n + 1, sizeof *c->ins);
  c->model_of = arena_array(c->a, (size_t)n + 1, sizeof *c->model_of);
  c->rep = arena_array(c->a, (size_t)n + 1, sizeof *c->rep);
  c->bound = arena_array(c->a, (size_t)n + 1, sizeof *c->bound);
  if (!c->ins || !c->model_of || !c->rep || !c->bound) return oom(c);
  for (int32_t k = 0; k < c->m->n; k++)
    for (int32_t i = 0; i < c->gs[k]->n_inputs; i++, c->n_in++) {
      c->ins[c->n_in] = c->gs[k]->inputs[i];
      c->model_of[c->n_in] = k;
      c->rep[c->n_in] = c->n_in;
    }
  hy_status s = HY_OK;
  for (int32_t b = 0; b < c->m->n_binds && !s; b++)
    s = apply_bind(c, c->m->binds[b]);
  return s ? s : unify_by_name(c);
}

/* ---- names ---- */

/* base, or "<model>/base" when base is taken (then "#2", "#3"... until free); recorded as taken. */
static const char *claim(merge_ctx *c, fe_map *taken, int32_t model, const char *base) {
  const char *name = base;
  for (int k = 1; name && fe_map_get_local(taken, name); k++)
    name = k == 1 ? arena_printf(c->a, "%s/%s", c->names[model], base)
                  : arena_printf(c->a, "%s/%s#%d", c->names[model], base, k);
  return name && fe_map_put(taken, name, (void *)name) ? name : NULL;
}

/* Outputs whose name two models give: each of those gets its model's prefix. */
static hy_status name_outputs(merge_ctx *c, fe_map *taken) {
  fe_map owner, clash;
  fe_map_init(&owner, c->a, NULL);
  fe_map_init(&clash, c->a, NULL);
  for (int32_t k = 0; k < c->m->n; k++)
    for (int32_t i = 0; i < c->gs[k]->n_outputs; i++) {
      const char *name = c->gs[k]->outputs[i]->name;
      const char *o = fe_map_get_local(&owner, name);
      if (!o && !fe_map_put(&owner, name, (void *)c->names[k])) return oom(c);
      if (o && o != c->names[k] && !fe_map_put(&clash, name, (void *)name)) return oom(c);
    }
  for (int32_t k = 0; k < c->m->n; k++)
    for (int32_t i = 0; i < c->gs[k]->n_outputs; i++) {
      ir_value *v = c->gs[k]->outputs[i];
      if (v->input_index >= 0 || fe_map_get_local(taken, v->name) == v) continue;
      const char *name = fe_map_get_local(&clash, v->name)
                             ? arena_printf(c->a, "%s/%s", c->names[k], v->name)
                             : v->name;
      if (!name || !(name = claim(c, taken, k, name))) return oom(c);
      if (!fe_map_put(taken, name, v)) return oom(c);
      v->name = name;
    }
  return HY_OK;
}

/* Every other value of a later model whose name an earlier one took. */
static hy_status name_values(merge_ctx *c, const ir_graph *unit, fe_map *taken) {
  for (int32_t k = 0; k < c->m->n; k++) {
    const ir_graph *g = c->gs[k];
    for (int32_t i = 0; i < g->n_values; i++) {
      ir_value *v = g->values[i];
      bool in_unit = v->id < unit->n_values && unit->values[v->id] == v;
      if (!in_unit || !*v->name || v->input_index >= 0 || fe_map_get_local(taken, v->name) == v)
        continue;
      if (!(v->name = claim(c, taken, k, v->name))) return oom(c);
    }
  }
  return HY_OK;
}

/* ---- the unit ---- */

/* "a.onnx + b.onnx", the unit's file for messages about it as a whole. */
static const char *joined(merge_ctx *c, bool files) {
  size_t len = 1;
  for (int32_t k = 0; k < c->m->n; k++)
    len += strlen(files ? c->m->models[k].path : c->names[k]) + 3;
  char *s = arena_alloc(c->a, len);
  if (!s) return NULL;
  for (int32_t k = 0; k < c->m->n; k++) {
    if (k) strcat(s, files ? " + " : "+");
    strcat(s, files ? c->m->models[k].path : c->names[k]);
  }
  return s;
}

/* The merged inputs: one per class, at its first member; the others' readers read it. */
static hy_status join_inputs(merge_ctx *c, ir_graph *g, fe_map *taken) {
  g->inputs = arena_array(c->a, (size_t)c->n_in + 1, sizeof *g->inputs);
  if (!g->inputs) return oom(c);
  for (int32_t i = 0; i < c->n_in; i++) {
    ir_value *v = c->ins[i];
    int32_t r = root(c, i);
    if (r != i) {
      ir_replace_all_uses(g, v, c->ins[r]);
      v->input_index = -1;
      continue;
    }
    v->input_index = g->n_inputs;
    g->inputs[g->n_inputs++] = v;
    if (!fe_map_put(taken, v->name, v)) return oom(c);
  }
  return HY_OK;
}

/* Moves every model's values, nodes and outputs into g (the inputs merged apart from them); a
 * node whose name an earlier model's node has gets its model's prefix. */
static hy_status move_graphs(merge_ctx *c, ir_graph *g) {
  fe_map nodes;
  fe_map_init(&nodes, c->a, NULL);
  int32_t n_out = 0;
  for (int32_t k = 0; k < c->m->n; k++)
    n_out += c->gs[k]->n_outputs;
  g->outputs = arena_array(c->a, (size_t)n_out + 1, sizeof *g->outputs);
  g->sources = arena_array(c->a, (size_t)c->m->n, sizeof *g->sources);
  if (!g->outputs || !g->sources) return oom(c);
  for (int32_t k = 0, first_in = 0; k < c->m->n; first_in += c->gs[k++]->n_inputs) {
    ir_graph *m = c->gs[k];
    if (m->opset > g->opset) g->opset = m->opset;
    g->sources[k] = (ir_source){m->file, c->names[k], g->n_outputs, m->n_outputs};
    for (int32_t i = 0; i < m->n_values; i++) {
      ir_value *v = m->values[i]; /* an input merged into another is left behind */
      if (v->input_index >= 0 && root(c, first_in + v->input_index) != first_in + v->input_index)
        continue;
      if (!ir_graph_adopt_value(g, v)) return oom(c);
    }
    for (ir_node *n = m->first, *next; n; n = next) {
      next = n->next;
      if (!(n->name = claim(c, &nodes, k, n->name))) return oom(c);
      ir_graph_adopt_node(g, n);
      for (int32_t i = 0; i < n->n_attrs; i++) /* subgraphs see the unit as their parent now */
        if (n->attrs[i].kind == IR_ATTR_GRAPH && n->attrs[i].graph) n->attrs[i].graph->parent = g;
    }
    for (int32_t i = 0; i < m->n_outputs; i++) {
      ir_value *v = m->outputs[i];
      if (v->output_index == i) v->output_index = g->n_outputs;
      g->outputs[g->n_outputs++] = v;
    }
  }
  g->n_sources = c->m->n;
  return HY_OK;
}

/* One entry per model: its name, its outputs. Two names that become one C identifier, or a model
 * called like the default entry, are errors that say how to rename it. */
static hy_status add_model_entries(merge_ctx *c, ir_graph *g) {
  for (int32_t k = 0; k < g->n_sources; k++) {
    const ir_source *src = &g->sources[k];
    const char *name = c_ident(c->a, src->name);
    int32_t *outs = arena_array(c->a, (size_t)src->n_outputs, sizeof *outs);
    if (!name || !outs) return oom(c);
    if (!strcmp(name, IR_DEFAULT_ENTRY) || ir_entry_find(g, name))
      return diag_error(c->d, HY_ERR_INVALID_ARGUMENT,
                        "%s: model '%s' would give the unit a second entry '%s' (%s); name it "
                        "apart with NAME=%s",
                        src->file, src->name, name,
                        strcmp(name, IR_DEFAULT_ENTRY) ? "another model's entry has that name"
                                                       : "the entry of every output",
                        src->file);
    for (int32_t i = 0; i < src->n_outputs; i++)
      outs[i] = src->first_output + i;
    hy_status s = ir_entry_add(g, name, outs, src->n_outputs);
    if (s) return s;
  }
  return HY_OK;
}

static hy_status merge(merge_ctx *c, ir_graph **out) {
  const char *file = joined(c, true), *name = joined(c, false);
  ir_graph *g = file && name ? ir_graph_new(c->a, c->d, NULL) : NULL;
  if (!g) return oom(c);
  g->file = file;
  g->name = name;
  g->opset = 0;
  fe_map taken;
  fe_map_init(&taken, c->a, NULL);
  hy_status s = collect_inputs(c);
  if (!s) s = move_graphs(c, g);
  if (!s) s = join_inputs(c, g, &taken);
  if (!s) s = name_outputs(c, &taken);
  if (!s) s = name_values(c, g, &taken);
  if (!s && c->m->n > 1) s = add_model_entries(c, g);
  if (s) return s;
  if ((s = ir_verify(g, "merge"))) return s;
  *out = g;
  return HY_OK;
}

hy_status fe_load_models(arena *a, diag *d, const fe_models *m, ir_graph **out) {
  *out = NULL;
  if (m->n < 1) return diag_error(d, HY_ERR_INVALID_ARGUMENT, "no model to load");
  merge_ctx c = {.a = a, .d = d, .m = m};
  c.gs = arena_array(a, (size_t)m->n, sizeof *c.gs);
  c.names = arena_array(a, (size_t)m->n, sizeof *c.names);
  if (!c.gs || !c.names) return oom(&c);
  hy_status s = HY_OK;
  for (int32_t k = 0; k < m->n && !s; k++)
    s = fe_load_model(a, d, m->models[k].path, &c.gs[k]);
  if (s || (s = name_models(&c))) return s;
  if (m->n == 1 && m->n_binds == 0) {
    c.gs[0]->sources[0].name = c.names[0];
    *out = c.gs[0];
    return HY_OK;
  }
  return merge(&c, out);
}
