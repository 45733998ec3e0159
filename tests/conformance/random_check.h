/* The conformance runner's check of cases whose graph holds a random-valued op. Their values
 * cannot match the suite's (numpy's generator is not Hydra's), so such a case that does not match
 * is checked for what holds whatever the draws: each output's dtype and shape, and plausible
 * values. */
#ifndef HYDRA_TEST_RANDOM_CHECK_H
#define HYDRA_TEST_RANDOM_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "hydra/hydra.h"
#include "model_file.h"

/* true when the graph holds RandomUniform, RandomNormal, their Like forms, Bernoulli,
 * Multinomial, or a Dropout with a training_mode input. */
bool rc_graph_is_random(const Onnx__GraphProto *g);

/* true when got (n_out outputs) is a plausible result of the random graph g on inputs in (the
 * graph's non-initializer inputs, in order) where expected is the suite's:
 * - every output has the expected dtype and shape;
 * - an output whose expected values are all 0 or 1 (Bernoulli draws, masks) holds only 0 and 1;
 * - a Dropout whose data, ratio and training_mode are graph inputs and whose output is a graph
 *   output gives y = x * mask / (1 - ratio) (mask: its mask output when the graph has it, else
 *   where y is not 0), nothing dropped outside training mode, and a number kept within 4 standard
 *   deviations of n * (1 - ratio).
 * Otherwise msg (size n) says which output and why. */
bool rc_check(const Onnx__GraphProto *g, const hy_tensor *in, int32_t n_in, const hy_tensor *got,
              const hy_tensor *expected, int32_t n_out, char *msg, size_t n);

#endif
