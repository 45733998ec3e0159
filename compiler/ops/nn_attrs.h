/* Attribute and input readers shared by the nn hooks of Resize, ConvTranspose, Col2Im, MaxUnpool,
 * the normalisations and CenterCropPad (nn_resize.c, nn_convtranspose.c, nn_norms.c,
 * nn_unpool.c): int lists of a given length, string choices, optional inputs. */
#ifndef HC_OPS_NN_ATTRS_H
#define HC_OPS_NN_ATTRS_H

#include "ops/nn.h"

/* An INTS attribute of exactly want values, each >= min; every value dflt when it is absent. */
hy_status nn_ints_attr(ir_graph *g, ir_node *n, const char *name, int32_t want, int64_t min,
                       int64_t dflt, int64_t *out);

/* A STRING attribute (dflt when absent) that must be one of names[0..count); its index in *out.
 * The error names the attribute and lists the choices. */
hy_status nn_choice_attr(ir_graph *g, ir_node *n, const char *name, const char *dflt,
                         const char *const *names, int32_t count, int32_t *out);

/* True when optional input slot is present and not an empty tensor (ONNX's way of leaving an
 * input out before it had optional inputs). */
bool nn_input_given(const ir_node *n, int32_t slot);

#endif
