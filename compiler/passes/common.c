/* Helpers the passes share: out-of-memory report, shape constants, new nodes, size limits,
 * checked lowering. */
#include <string.h>

#include "passes/pass_internal.h"

hy_status pass_oom(ir_graph *g) {
  return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
}

ir_value *pass_shape_const(ir_graph *g, int32_t rank, const int64_t *dims) {
  int64_t *p = arena_array(g->a, (size_t)rank, sizeof *p);
  if (!p) return NULL;
  memcpy(p, dims, (size_t)rank * sizeof *p);
  int64_t n = rank;
  ir_value *c = ir_const_new(g, "shape", HY_DTYPE_INT64, 1, &n, p);
  return c ? ir_const_intern(g, c) : NULL;
}

ir_value *pass_emit_node(ir_graph *g, ir_op op, const char *type, const char *name,
                         ir_node *before, ir_value *const *in, int n_in, ir_value *out) {
  ir_node *n = name ? ir_node_new(g, op, type, name, n_in, 1) : NULL;
  ir_value *o = out ? out : n ? ir_value_new(g, name) : NULL;
  if (!n || !o) {
    pass_oom(g);
    return NULL;
  }
  n->opset = n->version = ir_onnx_op_version(type, 23);
  if (before) {
    ir_node_move_before(g, n, before);
    n->file = before->file; /* messages name the model the chain came from */
  }
  for (int i = 0; i < n_in; i++)
    ir_node_set_input(g, n, i, in[i]);
  ir_node_set_output(g, n, 0, o);
  return pass_infer_node(g, n) == HY_OK ? o : NULL;
}

const char *pass_size_problem(const ir_type *t) {
  if (ir_type_numel(t) < 0) return "its element count overflows 64 bits";
  int64_t b = ir_type_bytes(t);
  if (b < 0 || b > PASS_MAX_TENSOR_BYTES) return "it is larger than 1 TiB, the most Hydra handles";
  /* Strides are products of the other dims, zero-sized ones included: an empty [15,4,2^51,0]
   * has no elements but a stride past 2^53, which kernels and lowerings would overflow on. This
   * is the one place such products are bounded, so no stride computed later can overflow. */
  int64_t extent = 1;
  for (int32_t i = 0; i < t->rank; i++)
    if (mul_overflows_i64(extent, t->dims[i] ? t->dims[i] : 1, &extent) ||
        extent > PASS_MAX_TENSOR_BYTES)
      return "its dims multiply past 1 Ti elements (zero-sized dims aside), more than Hydra "
             "handles";
  return NULL;
}

static hy_status check_lowered(ir_graph *g, ir_node *n, const ir_lowered *l) {
  if (l->n_ints < 0 || l->n_ints > LOWER_MAX_INTS)
    return ir_node_error(g, n, HY_ERR_INTERNAL, "lowering wrote %d ints (at most %d fit)",
                         l->n_ints, LOWER_MAX_INTS);
  if (l->n_floats < 0 || l->n_floats > LOWER_MAX_FLOATS)
    return ir_node_error(g, n, HY_ERR_INTERNAL, "lowering wrote %d floats (at most %d fit)",
                         l->n_floats, LOWER_MAX_FLOATS);
  if ((unsigned)l->kernel >= HY_KERNEL_COUNT || !hy_kernel_table[l->kernel])
    return ir_node_error(g, n, HY_ERR_INTERNAL, "lowering chose kernel %d, which does not exist",
                         (int)l->kernel);
  if (l->scratch_bytes < 0)
    return ir_node_error(g, n, HY_ERR_INTERNAL, "lowering asked for %lld scratch bytes",
                         (long long)l->scratch_bytes);
  return HY_OK;
}

hy_status pass_lower_node(ir_graph *g, ir_node *n, ir_lowered *l) {
  const ir_op_info *info = ir_op_get(n->op);
  if (n->op == OP_UNKNOWN || !info->lower)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "Hydra does not implement this op");
  memset(l, 0, sizeof *l);
  hy_status s = info->lower(g, n, l);
  if (s != HY_OK)
    return diag_failed(g->d) ? g->d->status
                             : ir_node_error(g, n, s, "lowering failed (%s)", hy_status_name(s));
  if (g->a->failed) return pass_oom(g);
  return check_lowered(g, n, l);
}
