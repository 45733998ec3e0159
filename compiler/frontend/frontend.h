/* Frontend: ONNX ModelProto → IR graph. Validates structure, opsets, arity and attribute kinds;
 * every problem is a diagnostic naming file, node, op and attribute. */
#ifndef HC_FRONTEND_H
#define HC_FRONTEND_H

#include "ir/ir.h"

/* Reads path (external data resolved relative to its folder; paths leaving it are refused) into
 * a new graph allocated in a. Initializer data stays valid until arena_free(a) (it is copied or
 * the mapping is owned by the arena). Unsupported ops are all listed in one message. */
hy_status fe_load_model(arena *a, diag *d, const char *path, ir_graph **out);

/* The same for a model already in memory; dir is where external data is looked up (NULL:
 * external data is refused), name is used in messages. bytes must outlive the graph. */
hy_status fe_load_model_bytes(arena *a, diag *d, const char *name, const void *bytes, size_t n,
                              const char *dir, ir_graph **out);

/* ---- merge.c: several models into one unit ---- */
/* A model of a unit: its file, and its name there (NULL: the file's stem). */
typedef struct fe_model_ref {
  const char *path, *name;
} fe_model_ref;

/* The models of a unit, and the --bind specs "b:ids=a:input_ids" (model b's input 'ids' is model
 * a's input 'input_ids'). */
typedef struct fe_models {
  const fe_model_ref *models;
  int32_t n;
  const char *const *binds;
  int32_t n_binds;
} fe_models;

/* Loads each model and merges them into one graph: inputs of one name, dtype and shape (or mapped
 * by a bind) become one input; outputs keep their names, prefixed "<model>/" where models clash;
 * other names that clash are prefixed the same way. g->sources lists each model with its outputs.
 * One model without binds is fe_load_model with its name. */
hy_status fe_load_models(arena *a, diag *d, const fe_models *m, ir_graph **out);

/* A bind spec "MODEL:INPUT=MODEL:INPUT" split into its parts (pointers into spec, with lengths):
 * part 0 and 1 name the input that is mapped, 2 and 3 the one it reads. false when spec has
 * another form (a part empty, no ':' or '='). */
typedef struct fe_bind {
  const char *s[4];
  size_t n[4];
} fe_bind;
bool fe_bind_parse(const char *spec, fe_bind *b);

/* A model name as fe_model_ref takes it: not empty, no '/', ':' or '='. */
bool fe_model_name_ok(const char *name);

#endif
