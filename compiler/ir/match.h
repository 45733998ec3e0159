/* Helpers for pattern rewrites: what a value's producer is, whether a value has one reader, which
 * operand of a commutative node is which, constants with a given value, broadcast-compatible
 * shapes; and a worklist driver that reruns a rewrite where the graph changed. */
#ifndef HC_IR_MATCH_H
#define HC_IR_MATCH_H

#include "ir/ir.h"

/* v's producer when it is an `op` node (constants never match), else NULL. */
ir_node *ir_match_producer(const ir_value *v, ir_op op);
/* v is read by exactly one node and is no graph output: its producer may be folded away. */
bool ir_match_single_use(const ir_graph *g, const ir_value *v);
/* v is a constant of one element of a float dtype (float, double, float16, bfloat16): *out. */
bool ir_match_const_scalar(const ir_value *v, double *out);
/* v is a float constant (any float dtype, any shape: a scalar or a splat) whose every element is
 * within rel * |want| of want (rel 0: exactly want). */
bool ir_match_const_value(const ir_value *v, double want, double rel);

/* A test on one operand, for ir_match_commutative. */
typedef bool (*ir_match_pred)(const ir_value *v, const void *arg);
/* Of a two-input node, the operand satisfying pred (in[1] tried first) into *hit and the other
 * into *other. Either pointer may be NULL. */
bool ir_match_commutative(const ir_node *n, ir_match_pred pred, const void *arg, ir_value **hit,
                          ir_value **other);
/* The common case: the operand that is the constant want (within rel), the other into *other. */
bool ir_match_const_operand(const ir_node *n, double want, double rel, ir_value **other);
/* Of a two-input node, the operand that is not `known`; NULL when neither is. */
ir_value *ir_match_other(const ir_node *n, const ir_value *known);

/* small broadcasts to big (numpy rules, one way): big's shape is the result. */
bool ir_match_broadcasts_to(const ir_type *small, const ir_type *big);
/* Same dtype and the same (known) shape. */
bool ir_match_same_type(const ir_type *a, const ir_type *b);

/* A rewrite at n: *made is the node it put in n's place (NULL when it changed nothing). */
typedef hy_status (*ir_rewrite_fn)(ir_graph *g, ir_node *n, void *ctx, ir_node **made);
/* Runs fn on every node in order, then on each node a rewrite made and on the readers of its
 * outputs, until the worklist is empty; nodes removed meanwhile are skipped. A rewrite must make
 * the graph smaller or stop matching, or this does not end. The first error stops it. */
hy_status ir_rewrite_worklist(ir_graph *g, ir_rewrite_fn fn, void *ctx);

#endif
