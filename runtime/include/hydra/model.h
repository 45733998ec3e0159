/* Compiled models and sessions: what hydrac-generated code exports and how a program runs it.
 * A hy_model is constant data in the generated object; a hy_session owns one activation arena
 * (allocated once at create) so a run allocates nothing. */
#ifndef HYDRA_MODEL_H
#define HYDRA_MODEL_H

#include "hydra/exec.h"
#include "hydra/hydra.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HY_MODEL_ABI 2

/* An entry that fails returns the kernel's status in its low 8 bits and, above them, 1 + the
 * position of the node that failed (0: no node), which the session turns into a message naming
 * the node from node_labels. */
#define HY_ENTRY_NODE_TAG(index) (((int64_t)(index) + 1) << 8)

typedef struct hy_io_desc {
  const char *name;
  hy_dtype dtype;
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
} hy_io_desc;

/* The generated entry: reads inputs[i], writes outputs[i] (caller-owned, dense, exact shapes
 * of the descriptors), uses arena (arena_bytes, 64-byte aligned) as scratch. */
typedef hy_status (*hy_entry_fn)(uint8_t *arena, const void *const *inputs, void *const *outputs,
                                 const hy_exec *ex);

/* The entry of a model whose constants live in a separate weights file (hydrac compile
 * --weights): weights is that file's content, mapped by the session. */
typedef hy_status (*hy_entry_weights_fn)(uint8_t *arena, const void *const *inputs,
                                         void *const *outputs, const hy_exec *ex,
                                         const uint8_t *weights);

typedef struct hy_model {
  uint32_t abi;
  const char *name;
  int32_t n_inputs, n_outputs;
  const hy_io_desc *inputs;
  const hy_io_desc *outputs;
  uint64_t arena_bytes;
  hy_entry_fn entry; /* NULL when the model needs a weights file (entry_weights is set) */
  /* Weights-file models only (else NULL/0/NULL): the file hydrac wrote, its exact size, and
   * the entry taking the mapped bytes. hy_session_create maps the file. */
  const char *weights_file;
  uint64_t weights_bytes;
  hy_entry_weights_fn entry_weights;
  /* "name (OpType)" of each node in run order, for run-time errors (HY_ENTRY_NODE_TAG). */
  int32_t n_nodes;
  const char *const *node_labels;
} hy_model;

typedef struct hy_session_options {
  int32_t n_threads;              /* 0 or 1: run on the calling thread */
  hy_parallel_for_fn parallel_for; /* optional caller-supplied parallel-for (then n_threads too) */
  void *parallel_user;
} hy_session_options;

/* Threads: a session (a generated NAME_ctx) is one activation arena, so it runs one call at a
 * time. Sessions are independent: give each thread its own, all created from the same model
 * (the weights are shared read-only). A run or run_tensors on a session that is already running
 * in another thread returns HY_ERR_BUSY at once and touches nothing; it never races. */
typedef struct hy_session hy_session;

/* opt may be NULL. *out is freed with hy_session_destroy. */
hy_status hy_session_create(const hy_model *m, const hy_session_options *opt, hy_session **out);
/* The same for a weights-file model whose file is not at m->weights_file (NULL: that path). */
hy_status hy_session_create_weights(const hy_model *m, const hy_session_options *opt,
                                    const char *weights_path, hy_session **out);
void hy_session_destroy(hy_session *s);
/* Plain pointers in the model's input/output order; shapes are the descriptors'. */
hy_status hy_session_run(hy_session *s, const void *const *inputs, void *const *outputs);
/* Checked: each tensor's dtype and shape must match its descriptor (an error names which). */
hy_status hy_session_run_tensors(hy_session *s, const hy_tensor *inputs, int32_t n_inputs,
                                 hy_tensor *outputs, int32_t n_outputs);
/* The message of the last failed call on this session ("" when none). */
const char *hy_session_error(const hy_session *s);

#ifdef __cplusplus
}
#endif

#endif
