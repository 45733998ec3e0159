/* Shared protobuf-c model builder of the unit tests that write ONNX models by hand
 * (test_frontend.c, test_hostile.c, test_codegen.c, test_dynamic.c). Nothing is freed: each
 * Criterion test is its own process. */
#ifndef HYDRA_TESTS_MODEL_BUILDER_H
#define HYDRA_TESTS_MODEL_BUILDER_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

#define PUSH(arr, n, v) ((arr) = realloc((arr), ((n) + 1) * sizeof *(arr)), (arr)[(n)++] = (v))

/* "a,,b" → {"a", "", "b"}; "" → none. */
static inline void split_names(const char *list, char ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!*list) return;
  char *p = strdup(list);
  for (;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    PUSH(*out, *n, p);
    if (!comma) break;
    p = comma + 1;
  }
}

/* A node with comma-separated input and output names (not yet in a graph). */
static inline Onnx__NodeProto *node_new(const char *op, const char *name, const char *ins,
                                        const char *outs) {
  Onnx__NodeProto *n = calloc(1, sizeof *n);
  onnx__node_proto__init(n);
  n->op_type = (char *)op;
  n->name = (char *)name;
  split_names(ins, &n->input, &n->n_input);
  split_names(outs, &n->output, &n->n_output);
  return n;
}

/* A tensor value info; dims "2,N,?" (a number, a symbol, ? = no value), NULL: no shape. */
static inline Onnx__ValueInfoProto *value_info(const char *name, int dtype, const char *dims) {
  Onnx__ValueInfoProto *vi = calloc(1, sizeof *vi);
  onnx__value_info_proto__init(vi);
  vi->name = (char *)name;
  Onnx__TypeProto *tp = calloc(1, sizeof *tp);
  onnx__type_proto__init(tp);
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = calloc(1, sizeof *tp->tensor_type);
  onnx__type_proto__tensor__init(tp->tensor_type);
  tp->tensor_type->has_elem_type = 1;
  tp->tensor_type->elem_type = dtype;
  vi->type = tp;
  if (!dims) return vi;
  Onnx__TensorShapeProto *s = calloc(1, sizeof *s);
  onnx__tensor_shape_proto__init(s);
  char **parts;
  size_t np;
  split_names(dims, &parts, &np);
  for (size_t i = 0; i < np; i++) {
    Onnx__TensorShapeProto__Dimension *d = calloc(1, sizeof *d);
    onnx__tensor_shape_proto__dimension__init(d);
    if (parts[i][0] >= '0' && parts[i][0] <= '9') {
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      d->dim_value = atoll(parts[i]);
    } else if (strcmp(parts[i], "?")) {
      d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      d->dim_param = parts[i];
    }
    PUSH(s->dim, s->n_dim, d);
  }
  tp->tensor_type->shape = s;
  return vi;
}

/* A tensor with raw data; dims and data are borrowed (static arrays or never freed). */
static inline Onnx__TensorProto *tensor(const char *name, int dtype, int32_t rank,
                                        const int64_t *dims, const void *data, size_t bytes) {
  Onnx__TensorProto *t = calloc(1, sizeof *t);
  onnx__tensor_proto__init(t);
  t->name = (char *)name;
  t->n_dims = (size_t)rank;
  t->dims = (int64_t *)dims;
  t->has_data_type = 1;
  t->data_type = dtype;
  t->has_raw_data = 1;
  t->raw_data.len = bytes;
  t->raw_data.data = (uint8_t *)data;
  return t;
}

/* An attribute appended to n; type < 0 leaves its type unset. */
static inline Onnx__AttributeProto *add_attr(Onnx__NodeProto *n, const char *name, int type) {
  Onnx__AttributeProto *a = calloc(1, sizeof *a);
  onnx__attribute_proto__init(a);
  a->name = (char *)name;
  if (type >= 0) {
    a->has_type = 1;
    a->type = (Onnx__AttributeProto__AttributeType)type;
  }
  PUSH(n->attribute, n->n_attribute, a);
  return a;
}

/* A model (IR version 8) importing the default domain at opset, with an empty graph "g". */
static inline Onnx__ModelProto *mb_model(int64_t opset) {
  Onnx__ModelProto *m = calloc(1, sizeof *m);
  onnx__model_proto__init(m);
  m->has_ir_version = 1;
  m->ir_version = 8;
  Onnx__OperatorSetIdProto *o = calloc(1, sizeof *o);
  onnx__operator_set_id_proto__init(o);
  o->domain = "";
  o->has_version = 1;
  o->version = opset;
  PUSH(m->opset_import, m->n_opset_import, o);
  m->graph = calloc(1, sizeof *m->graph);
  onnx__graph_proto__init(m->graph);
  m->graph->name = "g";
  return m;
}

/* Packs m into the file at path; false when it cannot be written. */
static inline bool mb_write(const Onnx__ModelProto *m, const char *path) {
  size_t len = onnx__model_proto__get_packed_size(m);
  uint8_t *buf = malloc(len ? len : 1);
  onnx__model_proto__pack(m, buf);
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(buf, 1, len, f) == len;
  if (f) ok &= fclose(f) == 0;
  free(buf);
  return ok;
}

#endif
