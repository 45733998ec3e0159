/* LLVM backend: one module per graph, kernels linked in from the embedded bitcode, optimised for
 * the target, then JIT-compiled (run) or written as an object file plus a C header (compile). */
#ifndef HC_CODEGEN_H
#define HC_CODEGEN_H

#include "hydra/model.h"
#include "ir/ir.h"

typedef struct cg_target {
  const char *triple;   /* NULL: the host */
  const char *cpu;      /* NULL: the host CPU (or "generic" for a foreign triple) */
  const char *features; /* NULL: the host's (or none for a foreign triple) */
  int opt_level;        /* 0..3; default 3 */
} cg_target;

typedef enum cg_weights { CG_WEIGHTS_EMBED = 0, CG_WEIGHTS_FILE } cg_weights;

/* A JIT-compiled model: model describes its entry (hydra/model.h); valid until cg_jit_free. */
typedef struct cg_jit cg_jit;
hy_status cg_jit_compile(ir_graph *g, const char *name, const cg_target *t, cg_jit **out);
const hy_model *cg_jit_model(const cg_jit *j);
void cg_jit_free(cg_jit *j);

/* Per-node timing (`hydrac bench --profile`). A JIT compiled with a profile calls
 * cg_profile_mark(p, i) before node i's kernel (nodes in graph order) and cg_profile_mark(p,
 * n_nodes) after the last, so ns[i] accumulates node i's wall time over all runs. The caller
 * allocates ns (n_nodes zeroed doubles) and may zero it again between runs. The instrumented
 * code is slightly slower (one clock read per node, ~0.2 us with CPU time) and nodes are not optimised across. */
typedef struct cg_profile {
  int32_t n_nodes;
  double *ns;
  bool thread_cpu_time; /* the calling thread's CPU time (robust on a loaded machine when the
                         * run is single-threaded) instead of wall time */
  int32_t current; /* node being timed; internal */
  double t_start;  /* internal */
} cg_profile;
void cg_profile_mark(cg_profile *p, int32_t node);
hy_status cg_jit_compile_profiled(ir_graph *g, const char *name, const cg_target *t,
                                  cg_profile *p, cg_jit **out);

/* Writes obj_path (an object defining <name>_model and its entry) and header_path. With
 * CG_WEIGHTS_FILE the constants go to weights_path and are mmapped at session create. */
hy_status cg_emit_object(ir_graph *g, const char *name, const cg_target *t, cg_weights w,
                         const char *obj_path, const char *header_path, const char *weights_path);

/* The GEMM micro-kernel family (HY_GEMM_ISA_*) for a target: AVX-512 or AVX2+FMA only when the
 * triple is x86 and the feature list enables them, the portable family otherwise. */
int32_t cg_gemm_isa(const char *triple, const char *features);

#endif
