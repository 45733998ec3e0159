/* `hydrac compile`: the model module written as a relocatable object (PIC) for the target,
 * plus the C header that declares its typed API. */
#include <stdio.h>
#include <string.h>

#include <llvm-c/Target.h>

#include "codegen/cg_internal.h"
#include "ir/entry.h"

/* Entry names become NAME_run_<entry> and NAME_run_<entry>_tensors in the header: each must be a
 * C identifier and neither may be another wrapper's name (NAME_run_tensors, or entry x's
 * NAME_run_x_tensors for an entry called x_tensors). */
static hy_status cg_check_entry_names(ir_graph *g) {
  for (int32_t k = 0; k < g->n_entries; k++) {
    const char *e = g->entries[k].name;
    if (!is_c_ident(e))
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                        "codegen: entry name '%s' is not a C identifier", e);
    size_t len = strlen(e);
    bool clash = !strcmp(e, "tensors");
    for (int32_t j = 0; j < g->n_entries && !clash; j++) {
      const char *o = g->entries[j].name;
      size_t olen = strlen(o);
      clash = len == olen + strlen("_tensors") && !strncmp(e, o, olen) &&
              !strcmp(e + olen, "_tensors");
    }
    if (clash)
      return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                        "codegen: entry name '%s' would name the same C function as another "
                        "wrapper's (NAME_run_%s)", e, e);
  }
  return HY_OK;
}

static hy_status cg_emit(ir_graph *g, LLVMTargetMachineRef tm, LLVMModuleRef m, const char *path) {
  char *err = NULL;
  /* EmitToFile takes a non-const path. */
  char *p = arena_strdup(g->a, path);
  if (!p) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  if (LLVMTargetMachineEmitToFile(tm, m, p, LLVMObjectFile, &err)) {
    hy_status s = diag_error(g->d, HY_ERR_IO, "%s: %s", path, err ? err : "cannot write");
    LLVMDisposeMessage(err);
    return s;
  }
  return HY_OK;
}

typedef struct cg_object_job {
  ir_graph *g;
  const char *name;
  const cg_target *t;
  cg_weights w;
  const char *obj_path, *header_path, *weights_path;
} cg_object_job;

static hy_status cg_emit_object_job(void *arg) {
  const cg_object_job *job = arg;
  ir_graph *g = job->g;
  const char *name = job->name, *obj_path = job->obj_path, *header_path = job->header_path,
             *weights_path = job->weights_path;
  const cg_target *t = job->t;
  cg_weights w = job->w;
  if (!is_c_ident(name))
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                      "codegen: model name '%s' is not a C identifier", name ? name : "");
  if (w == CG_WEIGHTS_FILE && !weights_path)
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "codegen: no path for the weights file");
  if (cg_check_entry_names(g) != HY_OK) return g->d->status;
  cg_weights_out wout = {0};
  if (w == CG_WEIGHTS_FILE && cg_weights_plan(g, &wout) != HY_OK) return g->d->status;
  char *cpu, *features;
  LLVMTargetMachineRef tm = cg_target_machine(g->d, t, &cpu, &features);
  if (!tm) return g->d->status;
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
  char *layout = LLVMCopyStringRepOfTargetData(td);
  char *triple = LLVMGetTargetMachineTriple(tm);
  cg_build b = {.g = g, .name = name, .sym = name, .triple = triple, .datalayout = layout,
                .cpu = cpu, .features = features, .tm = tm, .opt_level = cg_opt_level(t),
                .weights = w == CG_WEIGHTS_FILE ? &wout : NULL, .weights_file = weights_path};
  LLVMContextRef ctx = LLVMContextCreate();
  LLVMModuleRef m;
  hy_status s = td && layout && triple && ctx
                    ? cg_build_module(&b, ctx, &m)
                    : diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  if (!s) {
    s = cg_emit(g, tm, m, obj_path);
    LLVMDisposeModule(m);
  }
  if (!s && w == CG_WEIGHTS_FILE) s = cg_weights_write(g, &wout, weights_path);
  if (!s && header_path)
    s = cg_write_header(g, name, header_path, w == CG_WEIGHTS_FILE ? weights_path : NULL);
  if (ctx) LLVMContextDispose(ctx);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(layout);
  if (td) LLVMDisposeTargetData(td);
  LLVMDisposeTargetMachine(tm);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  return s;
}

hy_status cg_emit_object(ir_graph *g, const char *name, const cg_target *t, cg_weights w,
                         const char *obj_path, const char *header_path, const char *weights_path) {
  cg_object_job job = {g, name, t, w, obj_path, header_path, weights_path};
  return cg_guarded(g, cg_emit_object_job, &job);
}
