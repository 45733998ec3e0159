/* The kind ONNX defines for each attribute name of the default domain (every op, every opset
 * version: the names below mean the same kind everywhere; generated from onnx 1.12's schemas,
 * names whose kind differs between ops - seed, value, to, p - are left out). A model giving
 * 'axis' as a FLOAT would otherwise be read as the default by the hooks: a silent wrong answer. */
#include <stdlib.h>
#include <string.h>

#include "frontend/fe_internal.h"

typedef struct attr_kind_row {
  const char *name;
  ir_attr_kind kind;
} attr_kind_row;

static const attr_kind_row rows[] = {
    {"activation_alpha", IR_ATTR_FLOATS}, {"activation_beta", IR_ATTR_FLOATS},
    {"activations", IR_ATTR_STRINGS}, {"align_corners", IR_ATTR_INT}, {"allowzero", IR_ATTR_INT},
    {"alpha", IR_ATTR_FLOAT}, {"auto_pad", IR_ATTR_STRING}, {"axes", IR_ATTR_INTS},
    {"axis", IR_ATTR_INT}, {"batch_axis", IR_ATTR_INT}, {"batch_dims", IR_ATTR_INT},
    {"beta", IR_ATTR_FLOAT}, {"bias", IR_ATTR_FLOAT}, {"blocksize", IR_ATTR_INT},
    {"body", IR_ATTR_GRAPH}, {"broadcast", IR_ATTR_INT}, {"case_change_action", IR_ATTR_STRING},
    {"ceil_mode", IR_ATTR_INT}, {"center_point_box", IR_ATTR_INT}, {"clip", IR_ATTR_FLOAT},
    {"consumed_inputs", IR_ATTR_INTS}, {"coordinate_transformation_mode", IR_ATTR_STRING},
    {"count_include_pad", IR_ATTR_INT}, {"cubic_coeff_a", IR_ATTR_FLOAT},
    {"detect_negative", IR_ATTR_INT}, {"detect_positive", IR_ATTR_INT},
    {"dilations", IR_ATTR_INTS}, {"direction", IR_ATTR_STRING}, {"directions", IR_ATTR_INTS},
    {"dtype", IR_ATTR_INT}, {"else_branch", IR_ATTR_GRAPH}, {"end", IR_ATTR_INT},
    {"ends", IR_ATTR_INTS}, {"epsilon", IR_ATTR_FLOAT}, {"equation", IR_ATTR_STRING},
    {"exclude_outside", IR_ATTR_INT}, {"exclusive", IR_ATTR_INT},
    {"extrapolation_value", IR_ATTR_FLOAT}, {"fmod", IR_ATTR_INT}, {"gamma", IR_ATTR_FLOAT},
    {"group", IR_ATTR_INT}, {"height_scale", IR_ATTR_FLOAT}, {"hidden_size", IR_ATTR_INT},
    {"high", IR_ATTR_FLOAT}, {"ignore_index", IR_ATTR_INT}, {"input_forget", IR_ATTR_INT},
    {"inverse", IR_ATTR_INT}, {"is_case_sensitive", IR_ATTR_INT}, {"is_test", IR_ATTR_INT},
    {"k", IR_ATTR_INT}, {"keepdims", IR_ATTR_INT}, {"kernel_shape", IR_ATTR_INTS},
    {"lambd", IR_ATTR_FLOAT}, {"largest", IR_ATTR_INT}, {"layout", IR_ATTR_INT},
    {"linear_before_reset", IR_ATTR_INT}, {"locale", IR_ATTR_STRING}, {"low", IR_ATTR_FLOAT},
    {"max", IR_ATTR_FLOAT}, {"max_gram_length", IR_ATTR_INT}, {"max_skip_count", IR_ATTR_INT},
    {"mean", IR_ATTR_FLOAT}, {"min", IR_ATTR_FLOAT}, {"min_gram_length", IR_ATTR_INT},
    {"mode", IR_ATTR_STRING}, {"momentum", IR_ATTR_FLOAT}, {"nearest_mode", IR_ATTR_STRING},
    {"new_axis", IR_ATTR_INT}, {"ngram_counts", IR_ATTR_INTS}, {"ngram_indexes", IR_ATTR_INTS},
    {"noop_with_empty_axes", IR_ATTR_INT}, {"num_scan_inputs", IR_ATTR_INT},
    {"onesided", IR_ATTR_INT}, {"output_datatype", IR_ATTR_INT}, {"output_height", IR_ATTR_INT},
    {"output_padding", IR_ATTR_INTS}, {"output_sequence", IR_ATTR_INT},
    {"output_shape", IR_ATTR_INTS}, {"output_width", IR_ATTR_INT},
    {"padding_mode", IR_ATTR_STRING}, {"paddings", IR_ATTR_INTS}, {"pads", IR_ATTR_INTS},
    {"periodic", IR_ATTR_INT}, {"perm", IR_ATTR_INTS}, {"pool_int64s", IR_ATTR_INTS},
    {"pool_strings", IR_ATTR_STRINGS}, {"pooled_shape", IR_ATTR_INTS}, {"ratio", IR_ATTR_FLOAT},
    {"reduction", IR_ATTR_STRING}, {"reverse", IR_ATTR_INT}, {"sample_size", IR_ATTR_INT},
    {"sampling_ratio", IR_ATTR_INT}, {"scale", IR_ATTR_FLOAT}, {"scales", IR_ATTR_FLOATS},
    {"scan_input_axes", IR_ATTR_INTS}, {"scan_input_directions", IR_ATTR_INTS},
    {"scan_output_axes", IR_ATTR_INTS}, {"scan_output_directions", IR_ATTR_INTS},
    {"select_last_index", IR_ATTR_INT}, {"shape", IR_ATTR_INTS}, {"size", IR_ATTR_INT},
    {"sorted", IR_ATTR_INT}, {"spatial", IR_ATTR_INT}, {"spatial_scale", IR_ATTR_FLOAT},
    {"split", IR_ATTR_INTS}, {"start", IR_ATTR_INT}, {"starts", IR_ATTR_INTS},
    {"stash_type", IR_ATTR_INT}, {"stopwords", IR_ATTR_STRINGS}, {"storage_order", IR_ATTR_INT},
    {"strides", IR_ATTR_INTS}, {"then_branch", IR_ATTR_GRAPH}, {"time_axis", IR_ATTR_INT},
    {"training_mode", IR_ATTR_INT}, {"transA", IR_ATTR_INT}, {"transB", IR_ATTR_INT},
    {"upper", IR_ATTR_INT}, {"value_float", IR_ATTR_FLOAT}, {"value_floats", IR_ATTR_FLOATS},
    {"value_int", IR_ATTR_INT}, {"value_ints", IR_ATTR_INTS}, {"value_string", IR_ATTR_STRING},
    {"value_strings", IR_ATTR_STRINGS}, {"weights", IR_ATTR_FLOATS},
    {"width_scale", IR_ATTR_FLOAT},
};

static int cmp_row(const void *key, const void *row) {
  return strcmp(key, ((const attr_kind_row *)row)->name);
}

bool fe_attr_known_kind(const char *name, ir_attr_kind *kind) {
  const attr_kind_row *r = bsearch(name, rows, sizeof rows / sizeof *rows, sizeof *rows, cmp_row);
  if (r) *kind = r->kind;
  return r != NULL;
}
