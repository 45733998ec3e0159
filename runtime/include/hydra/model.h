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

/* 3: hy_io_desc.bounded and hy_model.out_dims_offset (value-dependent output shapes).
 * 4: hy_model.entries, the entry table (hy_entry_desc): named entries computing a subset of the
 *    outputs (hydrac compile --entry), run by hy_session_run_entry.
 * 5: the GEMM micro-kernels generated code calls (hy_gemm_ukernel_*) take the tile's epilogue
 *    (hy_gemm_uk_ep): an object from an older hydrac would call them with one argument short.
 * 6: run-time dims (hydrac compile --shape x=1..8x64): hy_model.syms and syms_offset,
 *    hy_io_desc.sym; an output with run-time dims is bounded (its dims are the bounds). */
/* 7: weights files start with hy_weights_header, whose fingerprint the model records
 *    (hy_model.weights_fingerprint); the offsets the entry uses count from the file's start. */
#define HY_MODEL_ABI 7

/* The first 64 bytes of a weights file (hydrac compile --weights file), in the target's byte
 * order. The constants follow at the offsets the object was compiled with. Every object compiled
 * from one model, whatever its shapes, writes the same file: its fingerprint identifies the
 * layout, and a session refuses a file whose fingerprint is not its model's. */
#define HY_WEIGHTS_MAGIC "HYDRAWT1"
typedef struct hy_weights_header {
  char magic[8];        /* HY_WEIGHTS_MAGIC, no NUL */
  uint64_t fingerprint; /* = hy_model.weights_fingerprint */
  uint64_t bytes;       /* the file's size, this header included */
  uint8_t reserved[40]; /* zero */
} hy_weights_header;

/* An entry that fails returns the kernel's status in its low 8 bits and, above them, 1 + the
 * position of the node that failed (0: no node), which the session turns into a message naming
 * the node from node_labels. */
#define HY_ENTRY_NODE_TAG(index) (((int64_t)(index) + 1) << 8)

/* Bit k of bounded: the output's dims[k] is an upper bound; the actual extent depends on the
 * input values (NonZero, Unique, Compress, NonMaxSuppression, TopK with a run-time K) or on the
 * run-time dims of the inputs. The caller's buffer holds the bound; a run writes the actual
 * tensor dense, in its actual shape, at the buffer's start and reports the shape
 * (hy_session_output_shape, hy_session_run_tensors). Always 0 for inputs.
 * sym[k] (inputs): 1 + the model's run-time dim (hy_model.syms) that dim k is, 0 for a fixed
 * dim; dims[k] is then that dim's upper bound. Always 0 for outputs. */
typedef struct hy_io_desc {
  const char *name;
  hy_dtype dtype;
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
  uint32_t bounded;
  int8_t sym[HY_MAX_RANK];
} hy_io_desc;
/* A run-time dim (ABI 6): one value per run, lo..hi, taken from the inputs' shapes. A model has
 * at most HY_MAX_SYMS. */
#define HY_MAX_SYMS 8
typedef struct hy_sym_desc {
  const char *name;
  int64_t lo, hi;
} hy_sym_desc;

/* The generated entry: reads inputs[i], writes outputs[i] (caller-owned, dense, the shapes of
 * the descriptors: bounds for bounded dims), uses arena (arena_bytes, 64-byte aligned) as
 * scratch. When an output is bounded it records every bounded output's actual dims at
 * arena + out_dims_offset, int64[n_outputs][HY_MAX_RANK] (row i for output i). */
typedef hy_status (*hy_entry_fn)(uint8_t *arena, const void *const *inputs, void *const *outputs,
                                 const hy_exec *ex);

/* The entry of a model whose constants live in a separate weights file (hydrac compile
 * --weights): weights is that file's content, mapped by the session. */
typedef hy_status (*hy_entry_weights_fn)(uint8_t *arena, const void *const *inputs,
                                         void *const *outputs, const hy_exec *ex,
                                         const uint8_t *weights);

/* One entry of a model: code that fills some of its outputs, running only the nodes they need.
 * Entry 0 of a hydrac-built model is "default", every output (the entry of hy_session_run). Its
 * function has hy_entry_fn's signature over the model's full input and output arrays: it reads
 * inputs[i] for the listed inputs and writes outputs[i] for the listed outputs, and leaves the
 * other slots alone (they may be NULL). hy_session_run_entry takes the entry's own arrays and
 * puts each pointer at its slot. */
typedef struct hy_entry_desc {
  const char *name;
  int32_t n_inputs, n_outputs;
  const int32_t *inputs;  /* the model inputs it reads (positions in hy_model.inputs), ascending */
  const int32_t *outputs; /* the model outputs it fills (positions in hy_model.outputs), in order */
  hy_entry_fn entry;      /* NULL when the model needs a weights file */
  hy_entry_weights_fn entry_weights;
  int32_t n_nodes; /* of hy_model.n_nodes, the ones it runs */
} hy_entry_desc;

typedef struct hy_model {
  uint32_t abi;
  const char *name;
  int32_t n_inputs, n_outputs;
  const hy_io_desc *inputs;
  const hy_io_desc *outputs;
  uint64_t arena_bytes;
  hy_entry_fn entry; /* NULL when the model needs a weights file (entry_weights is set) */
  /* Weights-file models only (else NULL/0/NULL/0): the file hydrac wrote, its exact size, the
   * entry taking the mapped bytes, and the fingerprint in the file's header. hy_session_create
   * maps the file and checks its header. */
  const char *weights_file;
  uint64_t weights_bytes;
  hy_entry_weights_fn entry_weights;
  uint64_t weights_fingerprint;
  /* "<model file>: node '<name>' (<OpType>)" of each node in run order, for run-time errors
   * (HY_ENTRY_NODE_TAG), followed there by the kernel's reason (hy_kernel_fail). */
  int32_t n_nodes;
  const char *const *node_labels;
  /* Where the entry records the bounded outputs' actual dims (see hy_entry_fn); -1 when every
   * output shape is static. */
  int64_t out_dims_offset;
  /* The entries (ABI 4): entries[0] is "default" (every output, the same code as entry), then
   * the named ones. 0/NULL in a hand-written model: only the default entry exists. */
  int32_t n_entries;
  const hy_entry_desc *entries;
  /* Run-time dims (ABI 6; 0/NULL/-1 when every shape is fixed): the session checks each run's
   * inputs against them and writes their values, int64[n_syms], at arena + syms_offset before
   * calling an entry, which computes every shape from them. */
  int32_t n_syms;
  const hy_sym_desc *syms;
  int64_t syms_offset;
} hy_model;

typedef struct hy_session_options {
  int32_t n_threads;              /* 0 or 1: run on the calling thread */
  hy_parallel_for_fn parallel_for; /* optional caller-supplied parallel-for (then n_threads too) */
  void *parallel_user;
  /* The weights file of a model compiled with `hydrac compile --weights file` (NAME.weights).
   * NULL: the first of these that exists, with F the file's name as hydrac wrote it:
   * $HYDRA_WEIGHTS_DIR/F, then F in the folder of the running executable, then the path hydrac
   * was given (hy_model.weights_file, relative to the working directory when relative). */
  const char *weights_path;
} hy_session_options;

/* Threads: a session (a generated NAME_ctx) is one activation arena, so it runs one call at a
 * time. Sessions are independent: give each thread its own, all created from the same model
 * (the weights are shared read-only). A run or run_tensors on a session that is already running
 * in another thread returns HY_ERR_BUSY at once and touches nothing; it never races. */
typedef struct hy_session hy_session;

/* opt may be NULL. *out is freed with hy_session_destroy. */
hy_status hy_session_create(const hy_model *m, const hy_session_options *opt, hy_session **out);
/* The same with the weights file at weights_path (NULL: hy_session_options.weights_path, else
 * looked up as it says). */
hy_status hy_session_create_weights(const hy_model *m, const hy_session_options *opt,
                                    const char *weights_path, hy_session **out);
void hy_session_destroy(hy_session *s);
/* Plain pointers in the model's input/output order; shapes are the descriptors'. A model with
 * run-time dims needs their values: hy_session_run_dims, or the shapes of run_tensors. */
hy_status hy_session_run(hy_session *s, const void *const *inputs, void *const *outputs);
/* The same with the run-time dims' values, one per hy_model.syms (each within its bounds): the
 * inputs are dense in the shapes they give, the outputs are written dense in theirs at the start
 * of buffers sized for the bounds (hy_session_output_shape gives each). */
hy_status hy_session_run_dims(hy_session *s, const int64_t *dims, const void *const *inputs,
                              void *const *outputs);
/* Checked: each tensor's dtype and shape must match its descriptor (an error names which): an
 * input's run-time dim anywhere within its bounds, the same in every input that has it; an
 * output with bounded dims is passed with the bounds. After a successful run, each output
 * tensor's rank and dims are its actual shape (hy_tensor in hydra.h): reset a bounded output's
 * dims to the descriptor's before passing the same tensor again. */
hy_status hy_session_run_tensors(hy_session *s, const hy_tensor *inputs, int32_t n_inputs,
                                 hy_tensor *outputs, int32_t n_outputs);
/* The actual shape of output i after the last successful run on s (the descriptor's shape for
 * static outputs, and before any run): *rank and dims[0..rank). Call it from the thread that ran
 * the session, before its next run. HY_ERR_INVALID_ARGUMENT for a bad index or NULL. */
hy_status hy_session_output_shape(const hy_session *s, int32_t output, int32_t *rank,
                                  int64_t dims[HY_MAX_RANK]);
/* The entry of m called name (NULL or "default": entries[0], when the table has it), or NULL. */
const hy_entry_desc *hy_model_entry(const hy_model *m, const char *name);
/* Runs the entry called name (NULL or "default": every output, as hy_session_run): inputs are
 * the entry's inputs (hy_entry_desc.inputs, in that order), outputs its outputs, in its order.
 * An unknown entry is HY_ERR_INVALID_ARGUMENT with a message listing the model's entries. */
hy_status hy_session_run_entry(hy_session *s, const char *entry, const void *const *inputs,
                               void *const *outputs);
/* hy_session_run_entry with the run-time dims' values (as hy_session_run_dims). */
hy_status hy_session_run_entry_dims(hy_session *s, const char *entry, const int64_t *dims,
                                    const void *const *inputs, void *const *outputs);
/* The checked variant (as hy_session_run_tensors) over the entry's inputs and outputs. */
hy_status hy_session_run_entry_tensors(hy_session *s, const char *entry, const hy_tensor *inputs,
                                       int32_t n_inputs, hy_tensor *outputs, int32_t n_outputs);
/* The message of the last failed call on this session ("" when none). s NULL: why the calling
 * thread's last hy_session_create failed (a weights file not found names each path it tried),
 * "" when it did not. */
const char *hy_session_error(const hy_session *s);

#ifdef __cplusplus
}
#endif

#endif
