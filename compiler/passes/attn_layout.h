/* Where the attention fusion's operands come from: a 4-D [B,H,S,D] or 3-D [B*H,S,D] operand of the
 * score or value MatMul traced back through Transposes, Reshapes and scalar scales to a tensor
 * whose memory holds the rows as [B,S,H*D] (batch first) or [S,B,H*D] (sequence first, as
 * nn.MultiheadAttention lays them out), and the MatMul's output traced forward the same way. */
#ifndef HC_PASSES_ATTN_LAYOUT_H
#define HC_PASSES_ATTN_LAYOUT_H

#include "ir/ir.h"

/* The memory order of a traced tensor: batch first ([B,S,H,D]) or sequence first ([S,B,H,D]). */
typedef enum attn_order { ATTN_BSHD = 1, ATTN_SBHD = 2 } attn_order;

/* An operand traced to its source. */
typedef struct attn_src {
  ir_value *v; /* the source: its memory is the rows in `order` */
  attn_order order;
  double factor;         /* the scalar scales passed on the way */
  int64_t b, h, n, s, d; /* batch (0: unknown), heads (0: unknown), batch * heads, rows, size */
} attn_src;

/* n is Mul or Div of a float scalar constant and one other operand, its output shaped like that
 * operand: *x that operand, *factor what it multiplies by. */
bool attn_scalar_scale(const ir_node *n, ir_value **x, double *factor);

/* v, a 3-D [N,S,D] or 4-D [B,H,S,D] float operand (key_t: its last two axes are [D,S], K^T),
 * traced back to its source. False when the walk finds no source laid out in either order. */
bool attn_trace_operand(const ir_value *v, bool key_t, attn_src *out);

/* The forward walk from o (a 3-D or 4-D MatMul output, [.., S, Dv]) through single-reader
 * Transposes and Reshapes to the last value laid out in `order`: *y gets it, path[0..*n_path)
 * the nodes passed (at most max_path). False when no value on the way is. */
bool attn_trace_output(const ir_graph *g, ir_value *o, attn_order order, ir_value **y,
                       ir_node **path, int *n_path, int max_path);

#endif
