/* Hooks of FusedElementwise (Hydra's domain): a chain of float32 unary and binary ops that
 * compiler/passes/fuse_elementwise.c made one node, computed by the ew_chain kernel in one pass.
 * Attributes: 'steps' (INTS, {kind, code, a, b} per step, as hydra/kernels_elementwise.def lays
 * them out for the kernel) and 'params' (FLOATS, {alpha, beta} per step, what the unary kernel
 * reads). A model may name the op too, so every field is checked here. */
#include "ir/match.h"
#include "ops/elementwise.h"

/* The steps and params attributes, checked: *n steps of 4 ints, 2 floats each. */
static hy_status chain_attrs(ir_graph *g, ir_node *n, const int64_t **steps,
                             const float **params, int32_t *n_steps) {
  int32_t ns, np;
  if (!ir_attr_ints(n, "steps", steps, &ns) || ns % 4 != 0 || ns < 4 ||
      ns > 4 * HY_EW_CHAIN_MAX_STEPS)
    return ir_attr_error(g, n, "steps", HY_ERR_INVALID_MODEL,
                         "must be 4 ints ({kind, code, a, b}) for each of 1 to %d steps",
                         HY_EW_CHAIN_MAX_STEPS);
  *n_steps = ns / 4;
  if (!ir_attr_floats(n, "params", params, &np) || np != 2 * *n_steps)
    return ir_attr_error(g, n, "params", HY_ERR_INVALID_MODEL,
                         "must be 2 floats (alpha, beta) for each of the %d steps", *n_steps);
  for (int32_t s = 0; s < *n_steps; s++) {
    const int64_t *sp = *steps + 4 * s;
    int64_t limit = n->n_in + s; /* operands: the inputs and the steps before */
    bool binary = sp[0] == HY_EW_CHAIN_BINARY;
    if (sp[0] != HY_EW_CHAIN_UNARY && !binary)
      return ir_attr_error(g, n, "steps", HY_ERR_INVALID_MODEL,
                           "step %d: kind %lld is not 0 (unary) or 1 (binary)", s,
                           (long long)sp[0]);
    if (!hy_ew_chain_supports(sp[0], sp[1]))
      return ir_attr_error(g, n, "steps", HY_ERR_INVALID_MODEL,
                           "step %d: %s op code %lld is not a float op", s,
                           binary ? "binary" : "unary", (long long)sp[1]);
    if (sp[2] < 0 || sp[2] >= limit || (binary && (sp[3] < 0 || sp[3] >= limit)))
      return ir_attr_error(g, n, "steps", HY_ERR_INVALID_MODEL,
                           "step %d reads operand %lld; it may read inputs 0..%d and the results "
                           "of earlier steps (%d + step)",
                           s, (long long)(sp[2] < 0 || sp[2] >= limit ? sp[2] : sp[3]),
                           n->n_in - 1, n->n_in);
  }
  return HY_OK;
}

/* The output is the last step's result: each step's shape is its operands' broadcast. Every input
 * must broadcast to it, as the kernel walks each input over the output. */
hy_status infer_fused_elementwise(ir_graph *g, ir_node *n) {
  const int64_t *steps;
  const float *params;
  int32_t n_steps;
  hy_status s = chain_attrs(g, n, &steps, &params, &n_steps);
  if (s != HY_OK) return s;
  if (n->n_in > HY_EW_CHAIN_MAX_IN)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%d inputs; at most %d are supported",
                         n->n_in, HY_EW_CHAIN_MAX_IN);
  ir_type shapes[HY_EW_CHAIN_MAX_IN + HY_EW_CHAIN_MAX_STEPS];
  for (int32_t i = 0; i < n->n_in; i++) {
    const ir_type *t;
    if ((s = ir_input_static(g, n, i, &t)) != HY_OK) return s;
    if (t->dtype != HY_DTYPE_FLOAT)
      return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s') has type %s, not float", i,
                           n->in[i]->name, hy_dtype_name(t->dtype));
    shapes[i] = *t;
  }
  for (int32_t k = 0; k < n_steps; k++) {
    const int64_t *sp = steps + 4 * k;
    ir_type *r = &shapes[n->n_in + k];
    if (sp[0] == HY_EW_CHAIN_UNARY)
      *r = shapes[sp[2]];
    else if ((s = ir_broadcast(g, n, &shapes[sp[2]], &shapes[sp[3]], r)) != HY_OK)
      return s;
  }
  const ir_type *y = &shapes[n->n_in + n_steps - 1];
  for (int32_t i = 0; i < n->n_in; i++)
    if (!ir_match_broadcasts_to(&shapes[i], y)) {
      char ti[160], ty[160];
      return ir_node_error(g, n, HY_ERR_SHAPE, "input %d %s does not broadcast to the output %s",
                           i, ir_type_str(&shapes[i], ti, sizeof ti),
                           ir_type_str(y, ty, sizeof ty));
    }
  ir_set_out(n, 0, HY_DTYPE_FLOAT, y->rank, y->dims);
  return HY_OK;
}

hy_status lower_fused_elementwise(ir_graph *g, ir_node *n, ir_lowered *l) {
  const int64_t *steps;
  const float *params;
  int32_t n_steps;
  hy_status s = chain_attrs(g, n, &steps, &params, &n_steps);
  if (s != HY_OK) return s;
  const ir_type *ops[HY_EW_CHAIN_MAX_IN];
  for (int32_t i = 0; i < n->n_in; i++) ops[i] = ir_in_type(n, i);
  l->kernel = HY_KERNEL_ew_chain;
  lower_int(l, n_steps);
  ew_lower_walk(l, n->n_in, ops, &n->out[0]->type);
  for (int32_t i = 0; i < 4 * n_steps; i++) lower_int(l, steps[i]);
  for (int32_t i = 0; i < 2 * n_steps; i++) lower_float(l, params[i]);
  return HY_OK;
}
