/* Whether a constant attention mask is the causal one (query i sees keys 0..i), so that the fused
 * Attention node can say is_causal instead of reading it. */
#ifndef HC_PASSES_ATTN_CAUSAL_H
#define HC_PASSES_ATTN_CAUSAL_H

#include "ir/ir.h"

/* v is a constant, its last two dims [sq, sk], every [sq, sk] slice the causal pattern: a bool
 * that is keep_when at j <= i and !keep_when past it (keep_when false: a Where that fills where
 * the condition holds), or a float that is 0 at j <= i and at most fill_max past it. */
bool attn_causal_const(const ir_value *v, int64_t sq, int64_t sk, bool keep_when, double fill_max);

#endif
