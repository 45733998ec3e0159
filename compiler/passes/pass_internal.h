/* Helpers the passes share (not part of the passes API). */
#ifndef HC_PASS_INTERNAL_H
#define HC_PASS_INTERNAL_H

#include "passes/passes.h"

/* common.c */
hy_status pass_oom(ir_graph *g);
/* Runs n's lower hook into l (zeroed first) and checks the result against the ABI limits; the
 * fold and lower passes both use it. */
hy_status pass_lower_node(ir_graph *g, ir_node *n, ir_lowered *l);
/* Tensors larger than this are refused at compile time (no machine holds one, and a hostile
 * Expand/Tile/ConstantOfShape target would otherwise become a petabyte allocation at run time). */
#define PASS_MAX_TENSOR_BYTES ((int64_t)1 << 40)
/* NULL when t (static) has a byte size Hydra can handle, else why not ("its element count
 * overflows 64 bits", ...), for a message that names the value. */
const char *pass_size_problem(const ir_type *t);

/* fold.c: computes n (whose inputs are all known: constant or bound for run) natively and sets its
 * outputs' bound values, leaving n in the graph: shape inference downstream sees the values (a
 * Range whose limit comes from an input) while the model still computes them. */
hy_status pass_eval_bound(ir_graph *g, ir_node *n);

/* infer_dynamic.c: runs n's infer hook; when n reads run-time dims (ir.h), at the upper bounds
 * and at two probes, and gives its outputs their run-time dims and content (or refuses n). Every
 * pass that (re)infers a node calls this, not the hook. */
hy_status pass_infer_node(ir_graph *g, ir_node *n);

#endif
