/* Helpers the passes share (not part of the passes API). */
#ifndef HC_PASS_INTERNAL_H
#define HC_PASS_INTERNAL_H

#include "passes/passes.h"

/* common.c */
hy_status pass_oom(ir_graph *g);
/* The int64 [rank] constant dims (a Reshape's target), interned; NULL when out of memory. */
ir_value *pass_shape_const(ir_graph *g, int32_t rank, const int64_t *dims);
/* A node op(in[0..n_in)) of the default domain named name → a new value, placed before `before`
 * (whose model its messages then name; at the end when NULL) and typed by its infer hook; out
 * (when not NULL) becomes its output instead. NULL with the error recorded. */
ir_value *pass_emit_node(ir_graph *g, ir_op op, const char *type, const char *name,
                         ir_node *before, ir_value *const *in, int n_in, ir_value *out);
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

/* fuse_epilogue.c: n (a float MatMul with a 2-D B, or a Gemm without transA whose C is a
 * per-column bias) as a FusedMatMul without epilogue, which takes its place and output; n itself
 * when it is a FusedMatMul. *made NULL when n is neither. */
hy_status pass_as_fused_matmul(ir_graph *g, ir_node *n, ir_node **made);

/* infer_dynamic.c: runs n's infer hook; when n reads run-time dims (ir.h), at the upper bounds
 * and at two probes, and gives its outputs their run-time dims and content (or refuses n). Every
 * pass that (re)infers a node calls this, not the hook. */
hy_status pass_infer_node(ir_graph *g, ir_node *n);
/* lower_dynamic.c: pass_lower_node, and for a node on run-time dims the kernel call every size
 * shares (ir_lowered.dyn_ints, fills_content), or a refusal naming the node. */
hy_status pass_lower_dynamic(ir_graph *g, ir_node *n, ir_lowered *l);

/* What infer_dynamic.c and lower_dynamic.c share: the assignments of the run-time dims a node is
 * evaluated at (the upper bounds first, then each symbol at its lower bound, then all low and
 * all middle), and setting a node's operands to one of them. */
#define DYN_MAX_EVALS (IR_MAX_SYMS + 3)
typedef struct dyn_assignments {
  int32_t n;
  int64_t v[DYN_MAX_EVALS][IR_MAX_SYMS];
} dyn_assignments;
/* least: the lowest value a symbol takes in them (lowering takes 2: a dim of 1 makes hooks pick
 * broadcasts that a strided loop covers anyway); a range that ends at or below it is represented
 * by least and least + 1, sizes only fitted, never run. */
void dyn_make_assignments(const ir_graph *g, int64_t least, dyn_assignments *a);
/* v has run-time dims, or shape content (ir_value.sdata). */
bool dyn_reads_run_time_dims(const ir_value *v);
/* What dyn_set_values changed, for dyn_restore_values. */
typedef struct dyn_saved {
  ir_value *v;
  ir_type type;
  const void *bound;
} dyn_saved;
/* Gives vals[0..count) their dims at the assignment syms, and shape content as bound values;
 * saved (count entries) records what to restore. */
hy_status dyn_set_values(ir_graph *g, ir_node *n, ir_value **vals, int32_t count,
                         const int64_t *syms, dyn_saved *saved);
void dyn_restore_values(const dyn_saved *saved, int32_t count);
/* The monomial whose value at each assignment of a is vals[j]; false when there is none. */
bool dyn_monomial_of(const ir_graph *g, const dyn_assignments *a, const int64_t *vals,
                     ir_dimx *out);

#endif
