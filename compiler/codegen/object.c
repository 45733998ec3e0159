/* `hydrac compile`: the model module written as a relocatable object (PIC) for the target,
 * plus the C header that declares its typed API. */
#include <string.h>

#include <llvm-c/Target.h>

#include "codegen/cg_internal.h"

static bool cg_is_c_ident(const char *s) {
  if (!s || !*s || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
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

hy_status cg_emit_object(ir_graph *g, const char *name, const cg_target *t, cg_weights w,
                         const char *obj_path, const char *header_path, const char *weights_path) {
  (void)weights_path;
  if (!cg_is_c_ident(name))
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT,
                      "codegen: model name '%s' is not a C identifier", name ? name : "");
  if (w == CG_WEIGHTS_FILE)
    return diag_error(g->d, HY_ERR_UNSUPPORTED,
                      "codegen: weights in a separate file are not supported yet; embed them");
  char *cpu, *features;
  LLVMTargetMachineRef tm = cg_target_machine(g->d, t, &cpu, &features);
  if (!tm) return g->d->status;
  LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
  char *layout = LLVMCopyStringRepOfTargetData(td);
  char *triple = LLVMGetTargetMachineTriple(tm);
  cg_build b = {.g = g, .name = name, .sym = name, .triple = triple, .datalayout = layout,
                .cpu = cpu, .features = features, .tm = tm, .opt_level = cg_opt_level(t)};
  LLVMContextRef ctx = LLVMContextCreate();
  LLVMModuleRef m;
  hy_status s = cg_build_module(&b, ctx, &m);
  if (!s) {
    s = cg_emit(g, tm, m, obj_path);
    LLVMDisposeModule(m);
  }
  if (!s && header_path) s = cg_write_header(g, name, header_path);
  LLVMContextDispose(ctx);
  LLVMDisposeMessage(triple);
  LLVMDisposeMessage(layout);
  LLVMDisposeTargetData(td);
  LLVMDisposeTargetMachine(tm);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  return s;
}
