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

#endif
