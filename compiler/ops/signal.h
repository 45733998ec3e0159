/* Helpers shared by the signal-family op hooks (signal.c: DFT, STFT; signal_gen.c: windows,
 * MelWeightMatrix). */
#ifndef HC_OPS_SIGNAL_H
#define HC_OPS_SIGNAL_H

#include "ir/ir.h"

/* Lengths (transform sizes, window sizes, bin counts) Hydra accepts: beyond this the output or
 * the scratch would not fit in memory anyway. */
#define SIG_MAX_LEN ((int64_t)1 << 26)

/* Input slot as one int32/int64 value known at compile time, in [min, SIG_MAX_LEN]; `what` names
 * it in errors (which also say why it must be known: it decides the output shape). */
hy_status sig_input_count(ir_graph *g, ir_node *n, int32_t slot, const char *what, int64_t min,
                          int64_t *out);

#endif
