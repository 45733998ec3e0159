/* `hydrac run`: the model module compiled in-process by an ORC LLJIT, one JIT per model so that
 * freeing it releases everything (the conformance runner compiles ~1000 models per process). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "codegen/cg_internal.h"
#include "hydra/gemm.h"

struct cg_jit {
  LLVMOrcLLJITRef jit;
  const hy_model *model;
};

/* Runtime functions kernels may call that are not in the bitcode (runtime/src/dtype.c, the GEMM
 * micro-kernels of runtime/src/gemm_ukernels.c); the driver is not linked with -rdynamic, so the
 * process search would not find them. */
static hy_status cg_define_runtime(LLVMOrcLLJITRef j) {
  static const struct {
    const char *name;
    void (*addr)(void);
  } syms[] = {
      {"hy_dtype_size", (void (*)(void))hy_dtype_size},
      {"hy_dtype_bits", (void (*)(void))hy_dtype_bits},
      {"hy_dtype_bytes", (void (*)(void))hy_dtype_bytes},
      {"hy_dtype_name", (void (*)(void))hy_dtype_name},
      {"hy_f16_to_f32", (void (*)(void))hy_f16_to_f32},
      {"hy_f32_to_f16", (void (*)(void))hy_f32_to_f16},
      {"hy_bf16_to_f32", (void (*)(void))hy_bf16_to_f32},
      {"hy_f32_to_bf16", (void (*)(void))hy_f32_to_bf16},
      {"hy_tensor_numel", (void (*)(void))hy_tensor_numel},
      {"hy_tensor_bytes", (void (*)(void))hy_tensor_bytes},
      {"hy_status_name", (void (*)(void))hy_status_name},
      {"hy_kernel_fail", (void (*)(void))hy_kernel_fail},
      {"cg_profile_mark", (void (*)(void))cg_profile_mark},
      {"hy_gemm_ukernel_avx512", (void (*)(void))hy_gemm_ukernel_avx512},
      {"hy_gemm_ukernel_avx2", (void (*)(void))hy_gemm_ukernel_avx2},
      {"hy_gemm_ukernel_portable", (void (*)(void))hy_gemm_ukernel_portable},
      {"hy_gemm_ukernel_avx512_half", (void (*)(void))hy_gemm_ukernel_avx512_half},
      {"hy_gemm_ukernel_avx2_half", (void (*)(void))hy_gemm_ukernel_avx2_half},
      {"hy_gemm_ukernel_portable_half", (void (*)(void))hy_gemm_ukernel_portable_half},
  };
  enum { N = sizeof syms / sizeof syms[0] };
  LLVMOrcCSymbolMapPair pairs[N];
  for (size_t i = 0; i < N; i++) {
    pairs[i].Name = LLVMOrcLLJITMangleAndIntern(j, syms[i].name);
    pairs[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)syms[i].addr;
    pairs[i].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported |
                                      LLVMJITSymbolGenericFlagsCallable;
    pairs[i].Sym.Flags.TargetFlags = 0;
  }
  LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(pairs, N);
  LLVMErrorRef e = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(j), mu);
  if (e) {
    LLVMOrcDisposeMaterializationUnit(mu);
    LLVMConsumeError(e);
    return HY_ERR_INTERNAL;
  }
  return HY_OK;
}

static hy_status cg_jit_create(diag *d, LLVMOrcLLJITRef *out) {
  LLVMOrcJITTargetMachineBuilderRef jtmb;
  LLVMErrorRef e = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
  if (e) return cg_llvm_error(d, e, "detecting the host");
  LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
  cg_jit_use_jitlink(builder, jtmb);
  LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
  LLVMOrcLLJITRef j;
  e = LLVMOrcCreateLLJIT(&j, builder); /* consumes builder */
  if (e) return cg_llvm_error(d, e, "creating the JIT");
  /* libc and libm (memcpy, expf, ...) from the process. */
  LLVMOrcDefinitionGeneratorRef gen;
  e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j),
                                                           NULL, NULL);
  if (!e) LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j), gen);
  if (!e && cg_define_runtime(j)) e = LLVMCreateStringError("defining runtime symbols");
  if (e) {
    LLVMConsumeError(LLVMOrcDisposeLLJIT(j));
    return cg_llvm_error(d, e, "setting up the JIT");
  }
  *out = j;
  return HY_OK;
}

/* Builds and adds the module; the thread-safe context is shared with the JIT until it frees
 * the module. */
static hy_status cg_jit_add(ir_graph *g, const char *name, const cg_target *t, LLVMOrcLLJITRef j,
                            const char *sym, cg_profile *prof) {
  char *cpu, *features;
  cg_target host = {.opt_level = cg_opt_level(t)};
  LLVMTargetMachineRef tm = cg_target_machine(g->d, &host, &cpu, &features);
  if (!tm) return g->d->status;
  cg_build b = {.g = g, .name = name, .sym = sym, .triple = LLVMOrcLLJITGetTripleString(j),
                .datalayout = LLVMOrcLLJITGetDataLayoutStr(j), .cpu = cpu, .features = features,
                .tm = tm, .opt_level = host.opt_level, .profile = prof};
  LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
  LLVMModuleRef m;
  hy_status s = cg_build_module(&b, LLVMOrcThreadSafeContextGetContext(tsc), &m);
  if (!s) {
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m, tsc);
    LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(j, LLVMOrcLLJITGetMainJITDylib(j), tsm);
    if (e) {
      LLVMOrcDisposeThreadSafeModule(tsm);
      s = cg_llvm_error(g->d, e, "adding the module to the JIT");
    }
  }
  LLVMOrcDisposeThreadSafeContext(tsc);
  LLVMDisposeTargetMachine(tm);
  LLVMDisposeMessage(cpu);
  LLVMDisposeMessage(features);
  return s;
}

void cg_profile_mark(cg_profile *p, int32_t node) {
  struct timespec ts;
  clock_gettime(p->thread_cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  double t = (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
  if (p->current >= 0 && p->current < p->n_nodes) p->ns[p->current] += t - p->t_start;
  p->current = node;
  p->t_start = t;
}

hy_status cg_jit_compile(ir_graph *g, const char *name, const cg_target *t, cg_jit **out) {
  return cg_jit_compile_profiled(g, name, t, NULL, out);
}

typedef struct cg_jit_job {
  ir_graph *g;
  const char *name;
  const cg_target *t;
  cg_profile *prof;
  cg_jit *cj;
} cg_jit_job;

/* Fills job->cj; on an error it returns, disposes what it made. */
static hy_status cg_jit_compile_job(void *arg) {
  const cg_jit_job *job = arg;
  ir_graph *g = job->g;
  cg_jit *cj = job->cj;
  if (job->t && job->t->triple)
    return diag_error(g->d, HY_ERR_INVALID_ARGUMENT, "codegen: the JIT only targets the host");
  const char *sym = c_ident(g->a, job->name);
  char *model_sym = sym ? arena_printf(g->a, "%s_model", sym) : NULL;
  if (!model_sym) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  hy_status s = cg_jit_create(g->d, &cj->jit);
  if (s) return s;
  if (job->prof) job->prof->current = -1;
  s = cg_jit_add(g, job->name, job->t, cj->jit, sym, job->prof);
  if (!s) {
    LLVMOrcExecutorAddress addr = 0;
    LLVMErrorRef e = LLVMOrcLLJITLookup(cj->jit, &addr, model_sym); /* compiles the module */
    if (e) s = cg_llvm_error(g->d, e, "JIT compilation");
    cj->model = (const hy_model *)(uintptr_t)addr;
  }
  if (s) {
    LLVMConsumeError(LLVMOrcDisposeLLJIT(cj->jit));
    cj->jit = NULL;
  }
  return s;
}

/* Under the C++ guard: an allocation failing inside LLVM is an error, not an abort. What LLVM
 * was building is leaked, not disposed: it may have been holding one of the JIT's locks when it
 * threw (disposing it then deadlocks, seen in the allocation sweep), llvm_guard.cpp. Hydra's own
 * cg_jit is allocated out here, where the throw does not skip its free. */
hy_status cg_jit_compile_profiled(ir_graph *g, const char *name, const cg_target *t,
                                  cg_profile *prof, cg_jit **out) {
  *out = NULL;
  cg_jit *cj = calloc(1, sizeof *cj);
  if (!cj) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  cg_jit_job job = {g, name, t, prof, cj};
  hy_status s = cg_guarded(g, cg_jit_compile_job, &job);
  if (s) {
    free(cj);
    return s;
  }
  *out = cj;
  return HY_OK;
}

const hy_model *cg_jit_model(const cg_jit *j) { return j ? j->model : NULL; }

static hy_status cg_jit_dispose_job(void *jit) {
  LLVMConsumeError(LLVMOrcDisposeLLJIT(jit));
  return HY_OK;
}

/* Disposing may allocate too (LLVM's bookkeeping while it tears the session down): under the
 * guard, where an allocation failing leaves the rest of the JIT leaked instead of aborting. */
void cg_jit_free(cg_jit *j) {
  if (!j) return;
  char why[64];
  if (j->jit) cg_llvm_guard(cg_jit_dispose_job, j->jit, why, sizeof why);
  free(j);
}
