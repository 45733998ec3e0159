/* Running a model end to end in-process: load → bind the caller's inputs → passes → JIT → one
 * session run. `hydrac run`, the conformance runner and the tests all go through here, so what
 * they check is what users get. Also the compile-only half for inspect/compile/bench. */
#ifndef HC_RUN_MODEL_H
#define HC_RUN_MODEL_H

#include "codegen/codegen.h"
#include "frontend/frontend.h"
#include "passes/passes.h"

/* The JIT entry that `run --outputs` and `bench --outputs` add and run. */
#define HC_OUTPUTS_ENTRY "--outputs"

typedef struct hc_run_options {
  int32_t n_threads;       /* 0 or 1: the calling thread only */
  /* Comma-separated output names: compute only those (an entry, ir/entry.h) and return them in
   * that order. NULL: every output. */
  const char *outputs;
  const cg_target *target; /* NULL: the host at O3 */
  /* An input whose shape contradicts the model's declared one is run at its own shape instead of
   * refused. For the ONNX conformance runner only: ONNX's backend runner hands the suite's data
   * to the backend without checking it against the declarations, and a few old cases' data
   * contradict them (CastLike's 'like' of onnx 1.12). */
  bool inputs_override_declared;
  /* Per given input, the graph input it is for (a TensorProto file's name), or NULL or "" to
   * take the next input not named by another; input_files[i] (may be NULL) says where input i
   * came from in messages. input_names NULL: every input by position. A name that is no graph
   * input, or an input given twice, is an error naming the file and the name. */
  const char *const *input_names;
  const char *const *input_files;
} hc_run_options;

/* Runs the model at model_path on inputs (in graph-input order, initializers excluded, unless
 * opt->input_names names them; their
 * dtypes and shapes decide the compiled shapes, and their values are visible to shape inference).
 * On success *outputs is a malloc'd array of *n_outputs tensors with malloc'd data in graph-output
 * order; free it with hc_tensors_free. On failure the first error is in d. opt may be NULL. */
hy_status hc_run_model(const char *model_path, const hy_tensor *inputs, int32_t n_inputs,
                       const hc_run_options *opt, hy_tensor **outputs, int32_t *n_outputs,
                       diag *d);

/* The same, also returning the outputs' names when names is not NULL (*names: a malloc'd array
 * of *n_outputs malloc'd strings; free with hc_names_free). */
hy_status hc_run_model_named(const char *model_path, const hy_tensor *inputs, int32_t n_inputs,
                             const hc_run_options *opt, hy_tensor **outputs, int32_t *n_outputs,
                             char ***names, diag *d);

/* The same for a unit of one or more models merged into one (fe_load_models): inputs in the
 * merged graph's input order, outputs every model's in model order. */
hy_status hc_run_models_named(const fe_models *m, const hy_tensor *inputs, int32_t n_inputs,
                              const hc_run_options *opt, hy_tensor **outputs, int32_t *n_outputs,
                              char ***names, diag *d);

void hc_tensors_free(hy_tensor *t, int32_t n);
void hc_names_free(char **names, int32_t n);

/* An entry to add to the graph before the passes (compile/inspect --entry NAME=a,b). */
typedef struct hc_entry_spec {
  const char *name;
  const char *outputs; /* comma-separated output names */
} hc_entry_spec;

/* Loads model_path into a new graph in a and runs the passes with the given bindings: the
 * optimised, lowered, memory-planned graph that codegen takes. The graph lives until
 * arena_free(a). */
hy_status hc_compile_graph(arena *a, diag *d, const char *model_path, const pass_binding *b,
                           int32_t n_bindings, ir_graph **out);
/* The same with the entries e[0..n_entries) added (ir_entry_add_named), telling obs (may be
 * NULL) about each pass (inspect --print-after). */
hy_status hc_compile_graph_observed(arena *a, diag *d, const char *model_path,
                                    const pass_binding *b, int32_t n_bindings,
                                    const hc_entry_spec *e, int32_t n_entries,
                                    const pass_observer *obs, ir_graph **out);

/* The same for a unit of one or more models (fe_load_models). */
hy_status hc_compile_models_observed(arena *a, diag *d, const fe_models *m, const pass_binding *b,
                                     int32_t n_bindings, const hc_entry_spec *e, int32_t n_entries,
                                     const pass_observer *obs, ir_graph **out);

/* Bindings for run: one per given tensor, checked against the graph's inputs (count and dtype)
 * with a message naming the input. b has room for g->n_inputs entries. */
hy_status hc_bind_tensors(ir_graph *g, const hy_tensor *inputs, int32_t n_inputs,
                          pass_binding *b);

#endif
