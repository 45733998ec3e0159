/* Which part of Hydra's roadmap a backend-suite case belongs to: plain tensor graphs (the ops the
 * modern-ONNX work must pass), or features planned later (control flow, sequences and optionals,
 * strings, recurrent ops, other domains, image decoding). The runner reports the tensor-graph count on its own so
 * the target stays visible among cases that wait for later work. */
#ifndef HYDRA_CONFORMANCE_SCOPE_H
#define HYDRA_CONFORMANCE_SCOPE_H

#include <stddef.h>

#include "onnx.pb-c.h"

typedef enum {
  SCOPE_CONTROL_FLOW = 1 << 0, /* If, Loop, Scan */
  SCOPE_SEQUENCE = 1 << 1,     /* sequence/optional/map values or ops */
  SCOPE_STRING = 1 << 2,       /* string tensors */
  SCOPE_RECURRENT = 1 << 3,    /* RNN, LSTM, GRU */
  SCOPE_OTHER_DOMAIN = 1 << 4, /* ai.onnx.ml, ai.onnx.preview.*, ... */
  SCOPE_IMAGE = 1 << 5,        /* ImageDecoder: decoding encoded image files (JPEG, PNG, WebP, ...) */
} scope_flag;

/* The later-work flags of a model; 0 for a plain tensor graph of the default domain. */
unsigned scope_of_model(const Onnx__ModelProto *m);

/* "control flow, strings" for the flags set (buf of n bytes); "" for 0. */
const char *scope_describe(unsigned flags, char *buf, size_t n);

#endif
