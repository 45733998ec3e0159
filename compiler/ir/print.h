/* The textual form of a graph: one line per node, stable across runs and addresses, for
 * `hydrac inspect --print-after PASS` and for tests that state the graph a pass should produce. */
#ifndef HC_IR_PRINT_H
#define HC_IR_PRINT_H

#include <stdio.h>

#include "ir/ir.h"

/* Writes g to f:
 *   graph 'NAME' (%x: float[3,16])
 *     %c: float[] = const 0.5                  small constants by value,
 *     %w: float[768,768] = const #1f2e3d4c     larger ones by a short content hash
 *     %p: float[37056,16] gemm_packed_b = const #5a6b7c8d   a layout other than row-major
 *     %t: float[3,16] = Mul(%x, %c)            outputs with their types, operands by name
 *     %y: float[3,16] = LayerNormalization(%t, %g, %b) {axis=-1, epsilon=1e-05}  ; kernel
 *     return %y
 * Values print by name; an empty or repeated name gets ".N" by order of appearance. Attributes
 * are sorted by name; the kernel is named once the node is lowered. Returns false when f failed
 * or memory ran out. */
bool ir_print_graph(FILE *f, const ir_graph *g);
/* The same text in a string the caller frees; NULL when out of memory. */
char *ir_print_to_string(const ir_graph *g);

#endif
