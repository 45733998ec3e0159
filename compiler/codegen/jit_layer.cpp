// The JIT's object linking layer: JITLink, as LLJIT picks for x86-64 and AArch64 ELF, but without
// the plugin that registers each object's .eh_frame with the unwinder. The generated code never
// throws and nothing unwinds through it, and that registration is where LLVM 19 stores through a
// malloc it never checks (EPCEHFrameRegistrar, on compile and again on dispose): an allocation
// failing there was a segfault inside libLLVM (the allocation sweep, docs/reliability.md). The
// cost: a debugger or profiler unwinding out of JIT code stops at its frame.
#include <llvm-c/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/Core.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>

using namespace llvm;
using namespace llvm::orc;

extern "C" void cg_jit_use_jitlink(LLVMOrcLLJITBuilderRef builder,
                                   LLVMOrcJITTargetMachineBuilderRef jtmb);

namespace {

// The C API's opaque references are these objects' addresses (OrcV2CBindings.cpp's conversions).
LLVMOrcObjectLayerRef create_layer(void *, LLVMOrcExecutionSessionRef es, const char *) {
  ObjectLayer *layer = new ObjectLinkingLayer(*reinterpret_cast<ExecutionSession *>(es));
  return reinterpret_cast<LLVMOrcObjectLayerRef>(layer);
}

} // namespace

// What LLJITBuilder does for JITLink: small code model, position-independent code (JITLink
// makes GOT and PLT entries), which it only sets when it creates the layer itself.
void cg_jit_use_jitlink(LLVMOrcLLJITBuilderRef builder, LLVMOrcJITTargetMachineBuilderRef jtmb) {
  auto *b = reinterpret_cast<JITTargetMachineBuilder *>(jtmb);
  if (!b->getCodeModel()) b->setCodeModel(CodeModel::Small);
  b->setRelocationModel(Reloc::PIC_);
  LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator(builder, create_layer, nullptr);
}
