// The C++ boundary around LLVM: LLVM's C API is C, but a failed allocation inside libLLVM throws
// std::bad_alloc (operator new) or calls the bad-alloc handler (LLVM's own allocators), and both
// end in abort unless something catches. Codegen runs its LLVM work through cg_llvm_guard, which
// catches them, and LLVM's fatal errors, and returns a status instead. LLVM is built with unwind
// tables and so is the C code between (x86-64's default): the exception passes through their
// frames without running anything, so what they held is leaked, never used again.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include <llvm/Support/ErrorHandling.h>

#include "hydra/hydra.h"

extern "C" hy_status cg_llvm_guard(hy_status (*fn)(void *), void *arg, char *why, size_t why_len);
extern "C" void cg_llvm_init_targets(void);

namespace {

// Whether this thread is inside cg_llvm_guard: only there may a handler throw.
thread_local bool t_guarded;

struct llvm_fatal {
  char reason[256];
};

// LLVM's handlers must not return (bad alloc) or end in exit(1) (fatal): outside a guard they
// do what LLVM would have done.
[[noreturn]] void on_bad_alloc(void *, const char *reason, bool) {
  if (t_guarded) throw std::bad_alloc();
  std::fprintf(stderr, "LLVM ERROR: %s\n", reason ? reason : "out of memory");
  std::abort();
}

void on_fatal(void *, const char *reason, bool) {
  if (!t_guarded) {
    std::fprintf(stderr, "LLVM ERROR: %s\n", reason ? reason : "");
    return; // LLVM exits
  }
  llvm_fatal f;
  std::snprintf(f.reason, sizeof f.reason, "%s", reason ? reason : "");
  throw f;
}

// LLVM's one-time set-up (the handlers above, then every target), run by the first guard. If an
// allocation fails inside it, that is final for the process: libLLVM is built without exceptions,
// so the throw left the lock its pass registry was holding taken, and running the set-up again
// fails ("Resource deadlock avoided") or hangs. Later guards say why instead of trying.
std::mutex g_init_mutex;
enum class llvm_init { not_yet, done, failed } g_init = llvm_init::not_yet;

// Whether LLVM is set up: true, or false if an earlier set-up failed; throws if this one fails.
bool init_llvm_once() {
  std::lock_guard<std::mutex> lock(g_init_mutex); // Hydra's: released however this ends
  if (g_init != llvm_init::not_yet) return g_init == llvm_init::done;
  try {
    llvm::install_bad_alloc_error_handler(on_bad_alloc); // neither allocates
    llvm::install_fatal_error_handler(on_fatal);
    cg_llvm_init_targets();
  } catch (...) {
    g_init = llvm_init::failed;
    throw;
  }
  g_init = llvm_init::done;
  return true;
}

} // namespace

hy_status cg_llvm_guard(hy_status (*fn)(void *), void *arg, char *why, size_t why_len) {
  why[0] = '\0';
  bool outer = !t_guarded; // a guard inside a guard leaves the catching to the outer one
  try {
    t_guarded = true;
    if (!init_llvm_once()) {
      t_guarded = !outer;
      std::snprintf(why, why_len,
                    "out of memory inside LLVM earlier in this process, while it was being set "
                    "up; LLVM cannot be set up again in this process (restart it)");
      return HY_ERR_OUT_OF_MEMORY;
    }
    hy_status s = fn(arg);
    t_guarded = !outer;
    return s;
  } catch (const std::bad_alloc &) {
    t_guarded = !outer;
    if (!outer) throw;
    std::snprintf(why, why_len, "out of memory inside LLVM");
    return HY_ERR_OUT_OF_MEMORY;
  } catch (const llvm_fatal &f) {
    t_guarded = !outer;
    if (!outer) throw;
    std::snprintf(why, why_len, "LLVM error: %s", f.reason);
    return HY_ERR_INTERNAL;
  } catch (const std::exception &e) { // libstdc++ inside LLVM: std::system_error from a lock
    t_guarded = !outer;
    if (!outer) throw;
    std::snprintf(why, why_len, "LLVM error: %s", e.what());
    return HY_ERR_INTERNAL;
  }
}
