/* hc_run_model: the one path from a model file and input tensors to output tensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "ir/entry.h"
#include "run/run_model.h"

void hc_tensors_free(hy_tensor *t, int32_t n) {
  if (!t) return;
  for (int32_t i = 0; i < n; i++) free(t[i].data);
  free(t);
}

void hc_names_free(char **names, int32_t n) {
  if (!names) return;
  for (int32_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* The names of entry e's outputs, in its order. */
static hy_status copy_names(const hy_model *m, const hy_entry_desc *e, char ***names, diag *d) {
  char **nm = calloc((size_t)(e->n_outputs > 0 ? e->n_outputs : 1), sizeof *nm);
  if (!nm) return diag_error(d, HY_ERR_OUT_OF_MEMORY, "out of memory");
  for (int32_t i = 0; i < e->n_outputs; i++) {
    const char *name = m->outputs[e->outputs[i]].name;
    nm[i] = strdup(name ? name : "");
    if (!nm[i]) {
      hc_names_free(nm, i);
      return diag_error(d, HY_ERR_OUT_OF_MEMORY, "out of memory");
    }
  }
  *names = nm;
  return HY_OK;
}

hy_status hc_compile_models_observed(arena *a, diag *d, const fe_models *m, const pass_binding *b,
                                     int32_t n_bindings, const hc_entry_spec *e, int32_t n_entries,
                                     const pass_observer *obs, ir_graph **out) {
  ir_graph *g = NULL;
  *out = NULL;
  if (fe_load_models(a, d, m, &g) != HY_OK) return d->status;
  for (int32_t i = 0; i < n_entries; i++)
    if (ir_entry_add_named(g, e[i].name, e[i].outputs) != HY_OK) return d->status;
  if (pass_run_observed(g, b, n_bindings, obs) != HY_OK) return d->status;
  *out = g;
  return HY_OK;
}

hy_status hc_compile_graph_observed(arena *a, diag *d, const char *model_path,
                                    const pass_binding *b, int32_t n_bindings,
                                    const hc_entry_spec *e, int32_t n_entries,
                                    const pass_observer *obs, ir_graph **out) {
  const fe_model_ref one = {model_path, NULL};
  const fe_models m = {&one, 1, NULL, 0};
  return hc_compile_models_observed(a, d, &m, b, n_bindings, e, n_entries, obs, out);
}

hy_status hc_compile_graph(arena *a, diag *d, const char *model_path, const pass_binding *b,
                           int32_t n_bindings, ir_graph **out) {
  return hc_compile_graph_observed(a, d, model_path, b, n_bindings, NULL, 0, NULL, out);
}

hy_status hc_bind_tensors(ir_graph *g, const hy_tensor *inputs, int32_t n_inputs,
                          pass_binding *b) {
  if (n_inputs != g->n_inputs) {
    char names[512];
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                      "%s: the model has %d input%s (%s), %d given", g->file, g->n_inputs,
                      g->n_inputs == 1 ? "" : "s",
                      ir_value_names(g->inputs, g->n_inputs, names, sizeof names), n_inputs);
  }
  for (int32_t i = 0; i < n_inputs; i++) {
    const ir_value *v = g->inputs[i];
    const hy_tensor *t = &inputs[i];
    if (v->type.dtype != HY_DTYPE_UNDEFINED && t->dtype != v->type.dtype)
      return diag_error(g->d, HY_ERR_DTYPE, "%s: input %d ('%s') is %s, the model expects %s",
                        g->file, i, v->name, hy_dtype_name(t->dtype),
                        hy_dtype_name(v->type.dtype));
    if (t->rank < 0 || t->rank > HY_MAX_RANK || (!t->data && hy_tensor_numel(t) > 0))
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: input %d ('%s') is not a valid tensor",
                        g->file, i, v->name);
    memset(&b[i], 0, sizeof b[i]);
    b[i].input = v->name;
    b[i].rank = t->rank;
    memcpy(b[i].dims, t->dims, sizeof b[i].dims);
    b[i].value = t->data;
  }
  return HY_OK;
}

/* Output tensors shaped like entry e's outputs, data malloc'd (at least one byte). */
static hy_status alloc_outputs(const char *path, const hy_model *m, const hy_entry_desc *e,
                               hy_tensor **out, diag *d) {
  hy_tensor *t = calloc((size_t)(e->n_outputs > 0 ? e->n_outputs : 1), sizeof *t);
  if (!t) return diag_error(d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
  for (int32_t i = 0; i < e->n_outputs; i++) {
    const hy_io_desc *o = &m->outputs[e->outputs[i]];
    t[i].dtype = o->dtype;
    t[i].rank = o->rank;
    memcpy(t[i].dims, o->dims, sizeof t[i].dims);
    size_t bytes = hy_tensor_bytes(&t[i]);
    t[i].data = malloc(bytes ? bytes : 1);
    if (!t[i].data) {
      hc_tensors_free(t, i);
      return diag_error(d, HY_ERR_OUT_OF_MEMORY,
                        "%s: out of memory for output %d ('%s', %zu bytes)", path, i,
                        o->name ? o->name : "", bytes);
    }
  }
  *out = t;
  return HY_OK;
}

/* Creates a session on the JIT-compiled model and runs entry e once (on the inputs it reads)
 * into freshly allocated outputs. */
static hy_status run_jitted(const char *path, const hy_model *m, const hy_entry_desc *e,
                            const hy_tensor *inputs, const hc_run_options *opt,
                            hy_tensor **outputs, int32_t *n_outputs, diag *d) {
  hy_session_options so = {.n_threads = opt ? opt->n_threads : 0};
  hy_session *s = NULL;
  hy_status st = hy_session_create(m, &so, &s);
  if (st != HY_OK)
    return diag_error(d, st, "%s: cannot create a session: %s", path, hy_session_error(s));
  hy_tensor *outs = NULL, *ins = calloc((size_t)e->n_inputs + 1, sizeof *ins);
  st = ins ? alloc_outputs(path, m, e, &outs, d)
           : diag_error(d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
  for (int32_t k = 0; ins && k < e->n_inputs; k++) ins[k] = inputs[e->inputs[k]];
  if (st == HY_OK) {
    st = hy_session_run_entry_tensors(s, e->name, ins, e->n_inputs, outs, e->n_outputs);
    if (st != HY_OK) {
      diag_error(d, st, "%s: run failed: %s", path, hy_session_error(s));
      hc_tensors_free(outs, e->n_outputs);
    } else {
      *outputs = outs;
      *n_outputs = e->n_outputs;
    }
  }
  free(ins);
  hy_session_destroy(s);
  return st;
}

hy_status hc_run_model(const char *model_path, const hy_tensor *inputs, int32_t n_inputs,
                       const hc_run_options *opt, hy_tensor **outputs, int32_t *n_outputs,
                       diag *d) {
  return hc_run_model_named(model_path, inputs, n_inputs, opt, outputs, n_outputs, NULL, d);
}

/* hc_run_options.inputs_override_declared: a graph input whose declared shape the binding
 * contradicts (rank, or a static dim) is made shapeless, so bind takes the binding as it is. */
static void forget_contradicted_shapes(ir_graph *g, const pass_binding *b, int32_t n) {
  for (int32_t i = 0; i < n && i < g->n_inputs; i++) {
    ir_type *t = &g->inputs[i]->type;
    bool clash = t->rank >= 0 && t->rank != b[i].rank;
    for (int32_t d = 0; !clash && d < t->rank; d++)
      clash = t->dims[d] >= 0 && t->dims[d] != b[i].dims[d];
    if (clash) t->rank = -1;
  }
}

/* "input.pb", or "input 2" when the caller gave no file names. */
static const char *input_source(const hc_run_options *opt, int32_t i, char *buf, size_t n) {
  if (opt->input_files && opt->input_files[i]) return opt->input_files[i];
  snprintf(buf, n, "input %d", i);
  return buf;
}

/* The given inputs in graph order (hc_run_options.input_names): named ones at their input, the
 * unnamed ones in the slots left, in order. A count that differs from the graph's is left to
 * hc_bind_tensors to report. */
static hy_status order_inputs(ir_graph *g, arena *a, const hy_tensor *in, int32_t n,
                              const hc_run_options *opt, const hy_tensor **ordered) {
  *ordered = in;
  if (!opt || !opt->input_names) return HY_OK;
  int32_t *from = arena_array(a, (size_t)g->n_inputs + 1, sizeof *from);
  hy_tensor *t = arena_array(a, (size_t)g->n_inputs + 1, sizeof *t);
  if (!from || !t) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  for (int32_t k = 0; k < g->n_inputs; k++) from[k] = -1;
  for (int32_t i = 0; i < n; i++) {
    const char *name = opt->input_names[i];
    if (!name || !*name) continue;
    char src[32], other[32], names[512];
    int32_t k = ir_graph_input_index(g, name);
    if (k < 0)
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                        "%s: tensor '%s' is no input of %s (the inputs are: %s)",
                        input_source(opt, i, src, sizeof src), name, g->file,
                        ir_value_names(g->inputs, g->n_inputs, names, sizeof names));
    if (from[k] >= 0)
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "%s: input '%s' is given twice (also by %s)",
                        input_source(opt, i, src, sizeof src), name,
                        input_source(opt, from[k], other, sizeof other));
    from[k] = i;
  }
  if (n != g->n_inputs) return HY_OK;
  int32_t next = 0;
  for (int32_t i = 0; i < n; i++) {
    if (opt->input_names[i] && *opt->input_names[i]) continue;
    while (from[next] >= 0) next++;
    from[next] = i;
  }
  for (int32_t k = 0; k < g->n_inputs; k++) t[k] = in[from[k]];
  *ordered = t;
  return HY_OK;
}

hy_status hc_run_model_named(const char *model_path, const hy_tensor *inputs, int32_t n_inputs,
                             const hc_run_options *opt, hy_tensor **outputs, int32_t *n_outputs,
                             char ***names, diag *d) {
  const fe_model_ref one = {model_path, NULL};
  const fe_models m = {&one, 1, NULL, 0};
  return hc_run_models_named(&m, inputs, n_inputs, opt, outputs, n_outputs, names, d);
}

hy_status hc_run_models_named(const fe_models *models, const hy_tensor *inputs, int32_t n_inputs,
                              const hc_run_options *opt, hy_tensor **outputs, int32_t *n_outputs,
                              char ***names, diag *d) {
  if (names) *names = NULL;
  *outputs = NULL;
  *n_outputs = 0;
  arena a;
  arena_init(&a);
  ir_graph *g = NULL;
  cg_jit *jit = NULL;
  pass_binding *b = NULL;
  const char *model_path = "?";
  if (fe_load_models(&a, d, models, &g) != HY_OK) goto done;
  model_path = g->file;
  b = arena_array(&a, (size_t)(g->n_inputs + 1), sizeof *b);
  if (!b) {
    diag_error(d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", model_path);
    goto done;
  }
  const hy_tensor *in = inputs;
  if (order_inputs(g, &a, inputs, n_inputs, opt, &in) != HY_OK) goto done;
  if (hc_bind_tensors(g, in, n_inputs, b) != HY_OK) goto done;
  if (opt && opt->outputs && ir_entry_add_named(g, HC_OUTPUTS_ENTRY, opt->outputs) != HY_OK)
    goto done;
  if (opt && opt->inputs_override_declared) forget_contradicted_shapes(g, b, n_inputs);
  if (pass_run_all(g, b, n_inputs) != HY_OK) goto done;
  if (cg_jit_compile(g, "model", opt ? opt->target : NULL, &jit) != HY_OK) {
    if (!diag_failed(d)) diag_error(d, HY_ERR_INTERNAL, "%s: JIT compilation failed", model_path);
    goto done;
  }
  const hy_model *m = cg_jit_model(jit);
  const hy_entry_desc *e = hy_model_entry(m, opt && opt->outputs ? HC_OUTPUTS_ENTRY : NULL);
  if (!e) {
    diag_error(d, HY_ERR_INTERNAL, "%s: the compiled model has no entry table", model_path);
    goto done;
  }
  if (run_jitted(model_path, m, e, in, opt, outputs, n_outputs, d) == HY_OK && names &&
      copy_names(m, e, names, d) != HY_OK) {
    hc_tensors_free(*outputs, *n_outputs);
    *outputs = NULL;
    *n_outputs = 0;
  }
done:
  if (jit) cg_jit_free(jit);
  arena_free(&a);
  return d->status;
}
