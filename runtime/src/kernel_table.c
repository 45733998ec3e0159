/* The kernel table: native function pointers and bitcode symbol names, from the kernel list. */
#include "hydra/kernel.h"

const hy_kernel_fn hy_kernel_table[HY_KERNEL_COUNT + 1] = {
#define HY_KERNEL_PTR(name) hy_kernel_##name,
    HY_KERNEL_LIST(HY_KERNEL_PTR)
#undef HY_KERNEL_PTR
    0};

static const char *const hy_kernel_symbols[HY_KERNEL_COUNT + 1] = {
#define HY_KERNEL_NAME(name) "hy_kernel_" #name,
    HY_KERNEL_LIST(HY_KERNEL_NAME)
#undef HY_KERNEL_NAME
    0};

const char *hy_kernel_symbol(hy_kernel_id id) {
  return (unsigned)id < HY_KERNEL_COUNT ? hy_kernel_symbols[id] : NULL;
}
