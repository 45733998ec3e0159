/* Classifies a backend-suite model by the later-work features it uses (see scope.h). */
#include "scope.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_one_of(const char *op, const char *const *names) {
  for (; *names; names++)
    if (strcmp(op, *names) == 0) return true;
  return false;
}

static unsigned scope_of_type(const Onnx__TypeProto *t) {
  if (!t) return 0;
  switch (t->value_case) {
  case ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE:
    return t->tensor_type && t->tensor_type->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__STRING
               ? SCOPE_STRING
               : 0;
  case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE:
  case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE:
  case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: return SCOPE_SEQUENCE;
  default: return 0;
  }
}

static unsigned scope_of_values(Onnx__ValueInfoProto *const *v, size_t n) {
  unsigned flags = 0;
  for (size_t i = 0; i < n; i++)
    flags |= scope_of_type(v[i]->type);
  return flags;
}

static unsigned scope_of_graph(const Onnx__GraphProto *g) {
  static const char *const control[] = {"If", "Loop", "Scan", NULL};
  static const char *const recurrent[] = {"RNN", "LSTM", "GRU", NULL};
  if (!g) return 0;
  unsigned flags = scope_of_values(g->input, g->n_input) | scope_of_values(g->output, g->n_output) |
                   scope_of_values(g->value_info, g->n_value_info);
  for (size_t i = 0; i < g->n_initializer; i++)
    if (g->initializer[i]->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__STRING)
      flags |= SCOPE_STRING;
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *n = g->node[i];
    const char *op = n->op_type ? n->op_type : "";
    if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0) flags |= SCOPE_OTHER_DOMAIN;
    if (is_one_of(op, control)) flags |= SCOPE_CONTROL_FLOW;
    if (is_one_of(op, recurrent)) flags |= SCOPE_RECURRENT;
    /* ImageDecoder decodes whole image files (seven formats in the suite: BMP, JPEG, JPEG 2000,
     * PNG, PNM, TIFF, WebP), a codec library's job rather than tensor math: later work. */
    if (strcmp(op, "ImageDecoder") == 0) flags |= SCOPE_IMAGE;
    if (strstr(op, "Sequence") || strstr(op, "Optional")) flags |= SCOPE_SEQUENCE;
    for (size_t a = 0; a < n->n_attribute; a++) {
      const Onnx__AttributeProto *at = n->attribute[a];
      flags |= scope_of_graph(at->g);
      for (size_t k = 0; k < at->n_graphs; k++)
        flags |= scope_of_graph(at->graphs[k]);
    }
  }
  return flags;
}

unsigned scope_of_model(const Onnx__ModelProto *m) { return m ? scope_of_graph(m->graph) : 0; }

const char *scope_describe(unsigned flags, char *buf, size_t n) {
  static const struct {
    unsigned flag;
    const char *name;
  } names[] = {{SCOPE_CONTROL_FLOW, "control flow"},
               {SCOPE_SEQUENCE, "sequences/optionals"},
               {SCOPE_STRING, "strings"},
               {SCOPE_RECURRENT, "recurrent ops"},
               {SCOPE_OTHER_DOMAIN, "other domains"},
               {SCOPE_IMAGE, "image decoding"}};
  size_t k = 0;
  if (n) buf[0] = '\0';
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    if (!(flags & names[i].flag) || k >= n) continue;
    int w = snprintf(buf + k, n - k, "%s%s", k ? ", " : "", names[i].name);
    if (w > 0) k += (size_t)w;
  }
  return buf;
}
