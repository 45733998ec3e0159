/* The optimisation pipeline: one file per pass, each taking and returning a verified graph. */
#ifndef HC_PASSES_H
#define HC_PASSES_H

#include "ir/ir.h"

/* A concrete shape for one graph input, from --shape name=2x128 or from run's actual inputs. */
typedef struct pass_binding {
  const char *input;     /* graph input name */
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
  const void *value;     /* run only: the input's content, for shape inference (may be NULL) */
  /* Bit i: dim i is left to run time, anywhere in lo[i]..dims[i] (`--shape ids=1..4x1..256`). */
  uint32_t ranged;
  int64_t lo[HY_MAX_RANK];
} pass_binding;

/* bind.c: gives every graph input a static shape. Symbolic dims take their value from the
 * bindings (the same symbol gets the same value everywhere); a binding that contradicts a static
 * dim, an unknown input name, or an input left with an unknown dim is an error. A ranged dim
 * becomes one of the graph's run-time dims (ir.h): the model's name for it, else
 * "<input>_d<i>", shared by every input dim of that name. */
hy_status pass_bind_inputs(ir_graph *g, const pass_binding *b, int32_t n);

/* infer.c: runs each node's infer hook in order and folds nodes whose inputs are all constant
 * (shapes may depend on folded values: Shape → Gather → Concat → Reshape). */
hy_status pass_infer_shapes(ir_graph *g);
/* fold.c: computes n with the native reference kernel and turns its outputs into constants. */
hy_status pass_fold_node(ir_graph *g, ir_node *n);
/* simplify.c: removes Identity and inference-mode Dropout (and other no-ops). */
hy_status pass_simplify(ir_graph *g);
/* cse.c: constants made one per content, then nodes with the same op, version, attributes and
 * inputs as an earlier one merged into it (to a fixed point, in one sweep). */
hy_status pass_cse(ir_graph *g);
/* fuse_attention.c: exported scaled-dot-product attention (head split, scores, scale, mask,
 * Softmax, product with V, head merge) → one 3-D Attention node; counts fused and near misses in
 * g->stats. */
hy_status pass_fuse_attention(ir_graph *g);
/* fuse_gelu.c: Div/Erf/Add/Mul/Mul chains of the exact GELU → one Gelu node. */
hy_status pass_fuse_gelu(ir_graph *g);
/* fuse_layernorm.c: the 9-node LayerNorm decomposition → one LayerNormalization node. */
hy_status pass_fuse_layernorm(ir_graph *g);
/* fuse_epilogue.c: MatMul/Gemm → [Add bias] → [activation] → [Add residual] → one FusedMatMul
 * whose GEMM applies them per tile. The counted form says how many chains it fused and how many
 * of each part they had. */
typedef struct pass_epilogue_stats {
  int32_t fused, biases, activations, residuals;
} pass_epilogue_stats;
hy_status pass_fuse_epilogue(ir_graph *g);
hy_status pass_fuse_epilogue_counted(ir_graph *g, pass_epilogue_stats *st);
/* fuse_elementwise.c: chains of float32 unary and binary ops → one FusedElementwise node. */
hy_status pass_fuse_elementwise(ir_graph *g);
/* fold_transpose.c: a Transpose that only reorders a GEMM operand's or result's rows (the last
 * axis kept, two groups of leading axes swapped) → the FusedMatMul's perm_A or perm_Y. */
hy_status pass_fold_transpose(ir_graph *g);
/* dce.c: removes nodes no graph output depends on. */
hy_status pass_dce(ir_graph *g);
/* layout.c: constant MatMul/Gemm weights (A computed at run time) pre-packed for the GEMM into
 * constants whose layout says so. */
hy_status pass_layout(ir_graph *g);
/* lower.c: runs each node's lower hook (kernel choice, attribute block, scratch size). */
hy_status pass_lower(ir_graph *g);
/* memplan.c: liveness → offsets in one activation arena (g->arena_bytes); scratch too. */
hy_status pass_plan_memory(ir_graph *g);

/* pipeline.c: bind → infer/fold → simplify → dce → lower → plan, ir_verify after each. */
hy_status pass_run_all(ir_graph *g, const pass_binding *b, int32_t n);
/* Called before (after = false) and after each pass that succeeded, with the pass's name (for
 * inspect --print-before/--print-after); a pass that runs twice is seen twice. */
typedef struct pass_observer {
  void (*fn)(void *user, const ir_graph *g, const char *pass, bool after);
  void *user;
} pass_observer;
/* pass_run_all telling obs (may be NULL) about each pass. */
hy_status pass_run_observed(ir_graph *g, const pass_binding *b, int32_t n,
                            const pass_observer *obs);
/* The name of the pipeline's i-th pass ("bind" first), NULL past the last. */
const char *pass_name(size_t i);

#endif
