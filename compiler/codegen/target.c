/* LLVM set-up for codegen: one-time target initialisation, target machines, error conversion. */
#include <pthread.h>
#include <string.h>

#include <llvm-c/Error.h>
#include <llvm-c/Target.h>

#include "codegen/cg_internal.h"

static pthread_once_t cg_init_once = PTHREAD_ONCE_INIT;

/* Every target libLLVM has, so `hydrac compile --target` can cross-compile. */
static void cg_init_targets(void) {
  LLVMInitializeAllTargetInfos();
  LLVMInitializeAllTargets();
  LLVMInitializeAllTargetMCs();
  LLVMInitializeAllAsmPrinters();
}

void cg_llvm_init(void) { pthread_once(&cg_init_once, cg_init_targets); }

int cg_opt_level(const cg_target *t) {
  if (!t) return 3;
  return t->opt_level < 0 ? 0 : t->opt_level > 3 ? 3 : t->opt_level;
}

hy_status cg_llvm_error(diag *d, LLVMErrorRef e, const char *what) {
  char *msg = LLVMGetErrorMessage(e);
  hy_status s = diag_error(d, HY_ERR_INTERNAL, "codegen: %s: %s", what, msg ? msg : "?");
  LLVMDisposeErrorMessage(msg);
  return s;
}

static LLVMCodeGenOptLevel cg_codegen_level(int opt) {
  static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                               LLVMCodeGenLevelDefault,
                                               LLVMCodeGenLevelAggressive};
  return levels[opt];
}

LLVMTargetMachineRef cg_target_machine(diag *d, const cg_target *t, char **cpu_out,
                                       char **features_out) {
  cg_llvm_init();
  bool host = !t || !t->triple;
  char *triple = host ? LLVMGetDefaultTargetTriple() : LLVMNormalizeTargetTriple(t->triple);
  char *cpu = t && t->cpu ? LLVMCreateMessage(t->cpu)
              : host      ? LLVMGetHostCPUName()
                          : LLVMCreateMessage("generic");
  char *features = t && t->features ? LLVMCreateMessage(t->features)
                   : host           ? LLVMGetHostCPUFeatures()
                                    : LLVMCreateMessage("");
  LLVMTargetRef target = NULL;
  char *err = NULL;
  LLVMTargetMachineRef tm = NULL;
  if (LLVMGetTargetFromTriple(triple, &target, &err)) {
    diag_error(d, HY_ERR_INVALID_ARGUMENT, "codegen: target '%s': %s", triple, err ? err : "?");
    LLVMDisposeMessage(err);
  } else {
    tm = LLVMCreateTargetMachine(target, triple, cpu, features, cg_codegen_level(cg_opt_level(t)),
                                 LLVMRelocPIC, LLVMCodeModelDefault);
    if (!tm)
      diag_error(d, HY_ERR_INVALID_ARGUMENT, "codegen: no target machine for '%s' (cpu '%s')",
                 triple, cpu);
  }
  LLVMDisposeMessage(triple);
  if (tm) {
    *cpu_out = cpu;
    *features_out = features;
  } else {
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
  }
  return tm;
}
