/* The op table: names, arity and hooks of every op, expanded from the ops_*.def rows. */
#include <string.h>

#include "ir/ir.h"

static const ir_op_info op_infos[OP_COUNT] = {
    [OP_UNKNOWN] = {"<unknown>", "", 0, 0, 0, 0, 0, 0, NULL, NULL},
#define IR_OP_INFO(ident, domain, since, upto, min_in, max_in, min_out, max_out, hooks)           \
  [OP_##ident] = {#ident, domain, since, upto, min_in, max_in, min_out, max_out, infer_##hooks,   \
                  lower_##hooks},
    IR_OP_LIST(IR_OP_INFO)
#undef IR_OP_INFO
};

const ir_op_info *ir_op_get(ir_op op) {
  return (unsigned)op < OP_COUNT ? &op_infos[op] : &op_infos[OP_UNKNOWN];
}

const char *ir_op_name(ir_op op) { return ir_op_get(op)->name; }

static bool domain_is_default(const char *d) { return !d || !*d || !strcmp(d, "ai.onnx"); }

ir_op ir_op_lookup(const char *domain, const char *op_type) {
  for (int op = 1; op < OP_COUNT; op++) {
    const ir_op_info *info = &op_infos[op];
    bool same_domain = domain_is_default(domain) ? domain_is_default(info->domain)
                                                 : !strcmp(domain, info->domain);
    if (same_domain && !strcmp(info->name, op_type)) return (ir_op)op;
  }
  return OP_UNKNOWN;
}
