/* LLVM set-up for codegen: one-time target initialisation, target machines, error conversion. */
#include <string.h>

#include <llvm-c/Error.h>
#include <llvm-c/Target.h>

#include "codegen/cg_internal.h"
#include "hydra/gemm.h"

/* Every target libLLVM has, so `hydrac compile --target` can cross-compile. Run once per process,
 * by the first cg_llvm_guard (llvm_guard.cpp), which is also where a failure of it is kept. */
void cg_llvm_init_targets(void) {
  LLVMInitializeAllTargetInfos();
  LLVMInitializeAllTargets();
  LLVMInitializeAllTargetMCs();
  LLVMInitializeAllAsmPrinters();
}

int cg_opt_level(const cg_target *t) {
  if (!t) return 3;
  return t->opt_level < 0 ? 0 : t->opt_level > 3 ? 3 : t->opt_level;
}

hy_status cg_guarded(ir_graph *g, hy_status (*fn)(void *), void *arg) {
  char why[320];
  hy_status s = cg_llvm_guard(fn, arg, why, sizeof why);
  if (s && why[0]) return diag_error(g->d, s, "%s: codegen: %s", g->file ? g->file : "?", why);
  return s;
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
  /* LLVM's C API copies these strings with strdup: NULL means out of memory. */
  if (!triple || !cpu || !features) {
    diag_error(d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory naming the target");
  } else if (LLVMGetTargetFromTriple(triple, &target, &err)) {
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

/* "+name" is in the comma-separated list and no later "-name" takes it back. */
static bool cg_has_feature(const char *features, const char *name) {
  bool on = false;
  size_t n = strlen(name);
  for (const char *p = features; p && *p;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n + 1 && !strncmp(p + 1, name, n)) on = p[0] == '+';
    p = e ? e + 1 : p + len;
  }
  return on;
}

int32_t cg_gemm_isa(const char *triple, const char *features) {
  bool x86 = triple && (!strncmp(triple, "x86_64", 6) || (triple[0] == 'i' && triple[2] == '8' &&
                                                           triple[3] == '6'));
  if (!x86) return HY_GEMM_ISA_PORTABLE;
  if (cg_has_feature(features, "avx512f")) return HY_GEMM_ISA_AVX512;
  if (cg_has_feature(features, "avx2") && cg_has_feature(features, "fma")) return HY_GEMM_ISA_AVX2;
  return HY_GEMM_ISA_PORTABLE;
}
