/* The kernel ABI: one calling convention for every reference kernel.
 *
 * The same C functions serve three uses: the compiler calls them natively to fold constants,
 * clang compiles them to bitcode that codegen links into each model module, and LLVM inlines
 * them there. Codegen passes hy_kparams as a constant global, so after inlining every shape,
 * dtype and attribute is a constant and the loops are specialised on it. */
#ifndef HYDRA_KERNEL_H
#define HYDRA_KERNEL_H

#include "hydra/exec.h"
#include "hydra/hydra.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Shape and type of one operand. dtype 0 (HY_DTYPE_UNDEFINED) marks an omitted optional input. */
typedef struct hy_tdesc {
  int32_t dtype;
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
} hy_tdesc;

/* Everything a kernel knows at compile time. ints/floats are op-specific attribute blocks whose
 * layout the op's lowering hook and its kernel agree on (documented beside each kernel). */
typedef struct hy_kparams {
  int32_t n_in, n_out;
  int32_t n_ints, n_floats;
  const hy_tdesc *in;
  const hy_tdesc *out;
  const int64_t *ints;
  const double *floats;
} hy_kparams;

/* in[i] is NULL for an omitted optional input. scratch is a planned block of the size the
 * lowering hook asked for (NULL when 0). Kernels never allocate; they return HY_OK or an error
 * for data-dependent faults (an index out of range), never read or write out of bounds.
 * Value-dependent outputs (NonZero, Unique, ...: a dim of p->out[i] is only an upper bound,
 * ir_type.bounded in the compiler): out[p->n_out] points to an int64 that the kernel sets to the
 * actual extent of those dims, and it writes each such output dense in its actual shape at the
 * start of the bound's buffer. */
typedef hy_status (*hy_kernel_fn)(const hy_kparams *p, const void *const *in, void *const *out,
                                  void *scratch, const hy_exec *ex);

/* The kernel list: one X-macro row per kernel, split by family. */
#define HY_KERNEL_LIST(K)                                                                          \
  HY_KERNELS_ELEMENTWISE(K)                                                                        \
  HY_KERNELS_LINALG(K)                                                                             \
  HY_KERNELS_NN(K)                                                                                 \
  HY_KERNELS_MOVEMENT(K)                                                                           \
  HY_KERNELS_INDEX(K)                                                                              \
  HY_KERNELS_QUANT(K)                                                                              \
  HY_KERNELS_ATTENTION(K)                                                                          \
  HY_KERNELS_SIGNAL(K)

#include "hydra/kernels_attention.def"
#include "hydra/kernels_elementwise.def"
#include "hydra/kernels_index.def"
#include "hydra/kernels_linalg.def"
#include "hydra/kernels_movement.def"
#include "hydra/kernels_nn.def"
#include "hydra/kernels_quant.def"
#include "hydra/kernels_signal.def"

typedef enum hy_kernel_id {
#define HY_KERNEL_ENUM(name) HY_KERNEL_##name,
  HY_KERNEL_LIST(HY_KERNEL_ENUM)
#undef HY_KERNEL_ENUM
  HY_KERNEL_COUNT
} hy_kernel_id;

#define HY_KERNEL_DECL(name)                                                                       \
  hy_status hy_kernel_##name(const hy_kparams *p, const void *const *in, void *const *out,        \
                             void *scratch, const hy_exec *ex);
HY_KERNEL_LIST(HY_KERNEL_DECL)
#undef HY_KERNEL_DECL

/* Whether the ew_chain kernel computes op `code` in a step of kind `kind` (HY_EW_CHAIN_*): the
 * ops of its lists (runtime/src/kernels/ew_ops.h), whose float result has the operands' type. The
 * compiler asks before it fuses a node into a chain or accepts a FusedElementwise a model wrote. */
bool hy_ew_chain_supports(int64_t kind, int64_t code);

/* Returns s, first writing the formatted reason into ex->detail (when there is one), so the run's
 * error names the fault as well as the node. Call it on the kernel's calling thread only: a
 * kernel checks its data before its parallel region. */
hy_status hy_kernel_fail(const hy_exec *ex, hy_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Native entry points for constant folding and tests; codegen uses hy_kernel_symbol(). */
extern const hy_kernel_fn hy_kernel_table[HY_KERNEL_COUNT + 1];
/* "hy_kernel_<name>", the symbol codegen calls in the linked bitcode. */
const char *hy_kernel_symbol(hy_kernel_id id);

static inline int64_t hy_tdesc_numel(const hy_tdesc *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

#ifdef __cplusplus
}
#endif

#endif
