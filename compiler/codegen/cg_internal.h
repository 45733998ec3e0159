/* Codegen internals shared by its files: LLVM set-up, module building, optimisation, header. */
#ifndef HC_CG_INTERNAL_H
#define HC_CG_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/TargetMachine.h>

#include "codegen/codegen.h"

/* target.c: initialises every LLVM target; called once per process, by the first guard. */
void cg_llvm_init_targets(void);
/* A target machine for t (NULL: host, O3). On failure records a diagnostic in d and returns
 * NULL. *cpu_out / *features_out (LLVMDisposeMessage) are what functions get as attributes. */
LLVMTargetMachineRef cg_target_machine(diag *d, const cg_target *t, char **cpu_out,
                                       char **features_out);
int cg_opt_level(const cg_target *t);
/* Records an LLVMErrorRef (consumed) as a diagnostic; returns its status. */
hy_status cg_llvm_error(diag *d, LLVMErrorRef e, const char *what);

/* llvm_guard.cpp: runs fn(arg), after LLVM's one-time set-up, catching what LLVM throws or
 * reports fatally: then HY_ERR_OUT_OF_MEMORY (an allocation failed) or HY_ERR_INTERNAL (an LLVM
 * fatal error) with the reason in why; otherwise fn's own status, why "". Once the set-up has
 * failed, every later call fails with HY_ERR_OUT_OF_MEMORY and says so (it cannot be retried). */
hy_status cg_llvm_guard(hy_status (*fn)(void *), void *arg, char *why, size_t why_len);
/* target.c: cg_llvm_guard with a caught failure recorded as g's diagnostic. Every public codegen
 * function that calls LLVM goes through it. */
hy_status cg_guarded(ir_graph *g, hy_status (*fn)(void *), void *arg);
/* jit_layer.cpp: the JIT links with JITLink and registers no unwind tables (why: there). */
void cg_jit_use_jitlink(LLVMOrcLLJITBuilderRef builder, LLVMOrcJITTargetMachineBuilderRef jtmb);

/* module.c: the model module. */
typedef struct cg_build {
  ir_graph *g;
  const char *name;   /* model name as the user wrote it (hy_model.name) */
  const char *sym;    /* C identifier prefix of <sym>_entry and <sym>_model */
  const char *triple; /* target triple and data layout the module is built for */
  const char *datalayout;
  const char *cpu, *features; /* function attributes */
  LLVMTargetMachineRef tm;    /* for the optimisation pipeline's cost model */
  int opt_level;
  /* Weights-file mode: the constants *weights lays out (cg_weights_plan) are reached through the
   * entry's weights argument; the others are embedded. NULL: embed every constant. */
  struct cg_weights_out *weights;
  const char *weights_file; /* recorded in hy_model.weights_file */
  cg_profile *profile;      /* JIT only: per-node timing calls (see codegen.h); NULL: none */
} cg_build;

typedef struct cg_blob {
  const void *data;
  int64_t bytes, offset;
} cg_blob;

/* weights_file.c: the layout of a weights file, decided before codegen. */
typedef struct cg_weights_out {
  cg_blob *blobs; /* by offset */
  int32_t n;
  int64_t total;        /* file size, header included */
  uint64_t fingerprint; /* hy_weights_header.fingerprint */
  int64_t *offset;      /* by value id: its bytes' offset in the file; -1: embedded in the object */
} cg_weights_out;

/* Lays out the constants of g that go to the file (the model's own, each content once). */
hy_status cg_weights_plan(ir_graph *g, cg_weights_out *w);
/* Writes the file: header, then each blob at its offset. */
hy_status cg_weights_write(ir_graph *g, const cg_weights_out *w, const char *path);

/* Builds, links, checks and optimises the module in ctx. Errors go to b->g->d. */
hy_status cg_build_module(const cg_build *b, LLVMContextRef ctx, LLVMModuleRef *out);

/* header.c: NAME.h of `hydrac compile`. */
/* weights_path: the weights file of a --weights file object (documented in the header), or NULL. */
hy_status cg_write_header(ir_graph *g, const char *sym, const char *path, const char *weights_path);

#endif
