/* NAME.h for `hydrac compile`: the model descriptor, a context type and typed wrappers around
 * the runtime's sessions (one plain pointer per graph input and output, in graph order), and the
 * same for each named entry over the inputs it reads and the outputs it fills. */
#include <stdio.h>
#include <string.h>

#include "codegen/cg_internal.h"
#include "ir/entry.h"

static const char *cg_c_type(hy_dtype t) {
  switch (t) {
  case HY_DTYPE_FLOAT: return "float";
  case HY_DTYPE_DOUBLE: return "double";
  case HY_DTYPE_UINT8: return "uint8_t";
  case HY_DTYPE_INT8: return "int8_t";
  case HY_DTYPE_UINT16: return "uint16_t";
  case HY_DTYPE_INT16: return "int16_t";
  case HY_DTYPE_INT32: return "int32_t";
  case HY_DTYPE_INT64: return "int64_t";
  case HY_DTYPE_UINT32: return "uint32_t";
  case HY_DTYPE_UINT64: return "uint64_t";
  case HY_DTYPE_BOOL: return "bool";
  case HY_DTYPE_FLOAT16: /* IEEE half bits */
  case HY_DTYPE_BFLOAT16: return "uint16_t";
  case HY_DTYPE_FLOAT8E4M3FN: case HY_DTYPE_FLOAT8E4M3FNUZ: case HY_DTYPE_FLOAT8E5M2:
  case HY_DTYPE_FLOAT8E5M2FNUZ: case HY_DTYPE_FLOAT8E8M0: /* the format's bits */
  case HY_DTYPE_UINT4: case HY_DTYPE_INT4: case HY_DTYPE_FLOAT4E2M1: case HY_DTYPE_UINT2:
  case HY_DTYPE_INT2: return "uint8_t"; /* packed bytes, low bits first */
  default: return "void";
  }
}

static bool cg_reserved(const char *s) {
  static const char *const words[] = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
      "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "ctx", "in",
      "out", "s"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (!strcmp(s, words[i])) return true;
  return s[0] == '_'; /* reserved-looking; also keeps clear of the wrapper's own names */
}

/* Parameter names: sanitised ONNX names, made unique and clear of keywords. */
static const char **cg_param_names(ir_graph *g) {
  int32_t n = g->n_inputs + g->n_outputs;
  const char **names = arena_array(g->a, (size_t)(n > 0 ? n : 1), sizeof *names);
  if (!names) return NULL;
  for (int32_t i = 0; i < n; i++) {
    const ir_value *v = i < g->n_inputs ? g->inputs[i] : g->outputs[i - g->n_inputs];
    const char *base = c_ident(g->a, v->name ? v->name : "");
    if (!base) return NULL;
    const char *name = cg_reserved(base) ? arena_printf(g->a, "v%s", base) : base;
    for (int32_t k = 2; name; k++) {
      bool dup = false;
      for (int32_t j = 0; j < i && !dup; j++) dup = !strcmp(names[j], name);
      if (!dup) break;
      name = arena_printf(g->a, "%s_%d", base, k);
    }
    if (!name) return NULL;
    names[i] = name;
  }
  return names;
}

static void cg_param(FILE *f, const ir_value *v, const char *pname, bool is_out) {
  char shape[256];
  ir_type_str(&v->type, shape, sizeof shape);
  fprintf(f, ",\n    %s%s *%s /* %s \"%s\": %s */", is_out ? "" : "const ",
          cg_c_type(v->type.dtype), pname, is_out ? "output" : "input", v->name ? v->name : "",
          shape);
}

/* The typed wrapper NAME_run<suffix>(ctx, inputs..., outputs...) over the inputs at positions
 * ins[0..n_in) and outputs at outs[0..n_out); entry NULL: the default entry (hy_session_run). */
static void cg_typed_run(FILE *f, const ir_graph *g, const char *n, const char **pn,
                         const char *entry, const int32_t *ins, int32_t n_in, const int32_t *outs,
                         int32_t n_out) {
  if (g->n_syms) {
    fprintf(f, "/* Run-time dims: ");
    for (int32_t k = 0; k < g->n_syms; k++)
      fprintf(f, "%s%s %lld..%lld", k ? ", " : "", g->syms[k].name, (long long)g->syms[k].lo,
              (long long)g->syms[k].hi);
    fprintf(f, ".\n * Inputs are dense in the shapes they give; outputs are written dense in theirs"
               " at\n"
               " * the start of buffers sized for the bounds (hy_session_output_shape). */\n");
  }
  fprintf(f, "static inline hy_status %s_run%s%s(%s_ctx *ctx", n, entry ? "_" : "",
          entry ? entry : "", n);
  for (int32_t k = 0; k < g->n_syms; k++)
    fprintf(f, ",\n    int64_t dim_%s", c_ident(g->a, g->syms[k].name));
  for (int32_t k = 0; k < n_in; k++) cg_param(f, g->inputs[ins[k]], pn[ins[k]], false);
  for (int32_t k = 0; k < n_out; k++)
    cg_param(f, g->outputs[outs[k]], pn[g->n_inputs + outs[k]], true);
  fprintf(f, ") {\n  const void *const in_[%d] = {", n_in > 0 ? n_in : 1);
  for (int32_t k = 0; k < n_in; k++) fprintf(f, "%s%s", k ? ", " : "", pn[ins[k]]);
  if (n_in == 0) fprintf(f, "0");
  fprintf(f, "};\n  void *const out_[%d] = {", n_out > 0 ? n_out : 1);
  for (int32_t k = 0; k < n_out; k++) fprintf(f, "%s%s", k ? ", " : "", pn[g->n_inputs + outs[k]]);
  if (n_out == 0) fprintf(f, "0");
  fprintf(f, "};\n");
  if (g->n_syms) {
    fprintf(f, "  const int64_t dims_[%d] = {", g->n_syms);
    for (int32_t k = 0; k < g->n_syms; k++)
      fprintf(f, "%sdim_%s", k ? ", " : "", c_ident(g->a, g->syms[k].name));
    fprintf(f, "};\n");
  }
  const char *q = entry ? "\"" : "";
  if (g->n_syms)
    fprintf(f, "  return hy_session_run_entry_dims((hy_session *)ctx, %s%s%s, dims_, in_, out_);"
               "\n}\n\n", q, entry ? entry : "NULL", q);
  else if (entry)
    fprintf(f, "  return hy_session_run_entry((hy_session *)ctx, \"%s\", in_, out_);\n}\n\n",
            entry);
  else
    fprintf(f, "  return hy_session_run((hy_session *)ctx, in_, out_);\n}\n\n");
}

/* "a, b" of the values at positions pos[0..n) of vals. */
static void cg_name_list(FILE *f, ir_value *const *vals, const int32_t *pos, int32_t n) {
  for (int32_t k = 0; k < n; k++)
    fprintf(f, "%s%s", k ? ", " : "", vals[pos[k]]->name ? vals[pos[k]]->name : "");
  if (n == 0) fprintf(f, "nothing");
}

/* Entry e's wrappers, NAME_run_<entry> and NAME_run_<entry>_tensors, and what it computes. */
static hy_status cg_entry_wrappers(FILE *f, ir_graph *g, const char *n, const char **pn,
                                   const ir_entry *e, int32_t n_nodes) {
  ir_cone c;
  int32_t *ins = arena_array(g->a, (size_t)g->n_inputs + 1, sizeof *ins);
  if (!ins) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  hy_status s = ir_entry_cone(g, e, &c);
  if (s) return s;
  int32_t n_in = 0;
  for (int32_t i = 0; i < g->n_inputs; i++)
    if (c.input[i]) ins[n_in++] = i;
  fprintf(f, "/* Entry '%s': fills ", e->name);
  cg_name_list(f, g->outputs, e->outputs, e->n_outputs);
  fprintf(f, ";\n * reads ");
  cg_name_list(f, g->inputs, ins, n_in);
  fprintf(f, ";\n * runs %d of the model's %d nodes (only what those outputs need). */\n",
          c.n_nodes, n_nodes);
  cg_typed_run(f, g, n, pn, e->name, ins, n_in, e->outputs, e->n_outputs);
  fprintf(f, "/* Checked variant of %s_run_%s: its %d input%s and %d output%s, in the order "
             "above. */\n",
          n, e->name, n_in, n_in == 1 ? "" : "s", e->n_outputs, e->n_outputs == 1 ? "" : "s");
  fprintf(f, "static inline hy_status %s_run_%s_tensors(%s_ctx *ctx, const hy_tensor *in, "
             "int32_t n_in,\n    hy_tensor *out, int32_t n_out) {\n"
             "  return hy_session_run_entry_tensors((hy_session *)ctx, \"%s\", in, n_in, out, "
             "n_out);\n}\n\n",
          n, e->name, n, e->name);
  return HY_OK;
}

/* Where NAME_create finds a --weights file object's constants (model.h, hy_session_options). */
static void cg_header_weights(FILE *f, const char *n, const char *weights_path) {
  const char *slash = strrchr(weights_path, '/'), *file = slash ? slash + 1 : weights_path;
  fprintf(f, "/* The model's constants are in the file %s (hydrac compile --weights file),\n"
             " * mapped by %s_create. It is found at opt->weights_path when given, else at the\n"
             " * first that exists of $HYDRA_WEIGHTS_DIR/%s, %s in the folder of the\n"
             " * running executable, and %s (as compiled). When %s_create fails,\n"
             " * %s_error(NULL) says why (each path tried). Every object compiled from the same\n"
             " * model, whatever its shapes, writes this same file and can use one copy; a file\n"
             " * from another model is refused (its header's fingerprint is not this one's). */\n",
          file, n, file, file, weights_path, n, n);
}

static hy_status cg_header_body(FILE *f, ir_graph *g, const char *n, const char **pn,
                                const char *weights_path) {
  fprintf(f, "/* Generated by hydrac from %s: model %s. Link with libhydrart.a, -lm and -lpthread. */\n",
          g->file ? g->file : "?", n);
  fprintf(f, "#ifndef %s_MODEL_H\n#define %s_MODEL_H\n\n#include <hydra/model.h>\n\n", n, n);
  fprintf(f, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  fprintf(f, "extern const hy_model %s_model;\n\n", n);
  fprintf(f, "/* One inference context: its own activation arena (%lld bytes) and threads. It runs\n"
             " * one call at a time: give each thread its own context (they share the weights).\n"
             " * A call on a context that is running in another thread returns HY_ERR_BUSY. */\n",
          (long long)g->arena_bytes);
  fprintf(f, "typedef struct %s_ctx %s_ctx;\n\n", n, n);
  if (weights_path) cg_header_weights(f, n, weights_path);
  fprintf(f, "/* opt may be NULL (single-threaded). *ctx is freed with %s_destroy. */\n", n);
  fprintf(f, "static inline hy_status %s_create(%s_ctx **ctx, const hy_session_options *opt) {\n"
             "  return hy_session_create(&%s_model, opt, (hy_session **)ctx);\n}\n\n", n, n, n);
  fprintf(f, "static inline void %s_destroy(%s_ctx *ctx) { hy_session_destroy((hy_session *)ctx); }\n\n",
          n, n);
  fprintf(f, "/* The message of the last failed call on ctx (\"\" when none); ctx NULL: why this\n"
             " * thread's last %s_create failed. */\n", n);
  fprintf(f, "static inline const char *%s_error(const %s_ctx *ctx) {\n"
             "  return hy_session_error((const hy_session *)ctx);\n}\n\n", n, n);
  fprintf(f, "/* Dense row-major buffers of exactly the shapes below, owned by the caller. */\n");
  bool bounded = false;
  for (int32_t i = 0; i < g->n_outputs; i++) bounded |= g->outputs[i]->type.bounded != 0;
  if (bounded)
    fprintf(f, "/* A dim written <=N depends on the input values: the buffer holds N, the run\n"
               " * writes the actual tensor dense at its start, and\n"
               " * hy_session_output_shape((hy_session *)ctx, i, ...) gives output i's actual\n"
               " * shape after the run. */\n");
  int32_t n_io = g->n_inputs > g->n_outputs ? g->n_inputs : g->n_outputs;
  int32_t *all = arena_array(g->a, (size_t)n_io + 1, sizeof *all);
  if (!all) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  for (int32_t i = 0; i < n_io; i++) all[i] = i;
  cg_typed_run(f, g, n, pn, NULL, all, g->n_inputs, all, g->n_outputs);
  fprintf(f, "/* Checked variant: dtypes and shapes must match the model's (%d in, %d out). */\n",
          g->n_inputs, g->n_outputs);
  fprintf(f, "static inline hy_status %s_run_tensors(%s_ctx *ctx, const hy_tensor *in, "
             "int32_t n_in,\n    hy_tensor *out, int32_t n_out) {\n"
             "  return hy_session_run_tensors((hy_session *)ctx, in, n_in, out, n_out);\n}\n\n",
          n, n);
  for (int32_t k = 0; k < g->n_entries; k++) {
    hy_status s = cg_entry_wrappers(f, g, n, pn, &g->entries[k], g->n_nodes);
    if (s) return s;
  }
  fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif\n");
  return HY_OK;
}

hy_status cg_write_header(ir_graph *g, const char *sym, const char *path,
                          const char *weights_path) {
  const char **pn = cg_param_names(g);
  if (!pn) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  FILE *f = fopen(path, "w");
  if (!f) return diag_error(g->d, HY_ERR_IO, "%s: cannot create the header", path);
  hy_status s = cg_header_body(f, g, sym, pn, weights_path);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0 || bad) return s ? s : diag_error(g->d, HY_ERR_IO, "%s: write failed", path);
  return s;
}
