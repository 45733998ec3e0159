/* Checks of random-valued cases for the conformance runner (random_check.h). */
#include "random_check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"

static bool is_random_node(const Onnx__NodeProto *n) {
  static const char *const ops[] = {"RandomUniform",    "RandomNormal", "RandomUniformLike",
                                    "RandomNormalLike", "Bernoulli",    "Multinomial"};
  if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0) return false;
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (!strcmp(n->op_type, ops[i])) return true;
  return !strcmp(n->op_type, "Dropout") && n->n_input > 2 && *n->input[2];
}

bool rc_graph_is_random(const Onnx__GraphProto *g) {
  for (size_t i = 0; g && i < g->n_node; i++)
    if (is_random_node(g->node[i])) return true;
  return false;
}

/* The tensor fed to graph input `name`, NULL when it is not one (an initializer, a node's). */
static const hy_tensor *graph_input(const Onnx__GraphProto *g, const hy_tensor *in, int32_t n_in,
                                    const char *name) {
  int32_t k = 0;
  for (size_t i = 0; i < g->n_input && k < n_in; i++) {
    bool init = false;
    for (size_t j = 0; j < g->n_initializer && !init; j++)
      init = !strcmp(g->initializer[j]->name, g->input[i]->name);
    if (init) continue;
    if (!strcmp(g->input[i]->name, name)) return &in[k];
    k++;
  }
  return NULL;
}

/* Index of graph output `name`, -1 when it is not one. */
static int32_t graph_output(const Onnx__GraphProto *g, int32_t n_out, const char *name) {
  for (size_t i = 0; i < g->n_output && (int32_t)i < n_out; i++)
    if (!strcmp(g->output[i]->name, name)) return (int32_t)i;
  return -1;
}

/* Output values all 0 or 1 where the expected ones are. */
static bool check_bits(const hy_tensor *got, const hy_tensor *exp, char *msg, size_t n) {
  int64_t count = hy_tensor_numel(exp);
  double v;
  for (int64_t i = 0; i < count; i++)
    if (!cmp_value_at(exp, i, &v) || (v != 0 && v != 1)) return true;
  for (int64_t i = 0; i < count; i++) {
    if (cmp_value_at(got, i, &v) && (v == 0 || v == 1)) continue;
    snprintf(msg, n, "element %lld is %g; expected 0 or 1 like every expected value", (long long)i,
             v);
    return false;
  }
  return true;
}

/* y = x * mask / (1 - ratio) for the Dropout node d; nothing dropped outside training mode; a
 * plausible number kept. Skipped (true) when d's operands are not graph inputs and outputs. */
static bool check_dropout(const Onnx__GraphProto *g, const Onnx__NodeProto *d, const hy_tensor *in,
                          int32_t n_in, const hy_tensor *got, int32_t n_out, char *msg, size_t n) {
  const hy_tensor *x = graph_input(g, in, n_in, d->input[0]);
  const hy_tensor *r = *d->input[1] ? graph_input(g, in, n_in, d->input[1]) : NULL;
  const hy_tensor *t = graph_input(g, in, n_in, d->input[2]);
  int32_t yo = graph_output(g, n_out, d->output[0]);
  int32_t mo = d->n_output > 1 && *d->output[1] ? graph_output(g, n_out, d->output[1]) : -1;
  double ratio = 0.5, training;
  if (!x || !t || yo < 0 || (*d->input[1] && !r)) return true;
  if (!cmp_value_at(t, 0, &training) || (r && !cmp_value_at(r, 0, &ratio))) return true;
  if (!training) ratio = 0;
  const hy_tensor *y = &got[yo], *mask = mo >= 0 ? &got[mo] : NULL;
  double scale = ratio < 1 ? 1 / (1 - ratio) : 0;
  int64_t count = hy_tensor_numel(x), kept = 0, known = 0;
  for (int64_t i = 0; i < count; i++) {
    double xv, yv, mv = 1;
    if (!cmp_value_at(x, i, &xv) || !cmp_value_at(y, i, &yv) ||
        (mask && !cmp_value_at(mask, i, &mv)))
      return true;
    bool keep = mask ? mv != 0 : yv != 0;
    double want = keep ? xv * scale : 0;
    if (fabs(yv - want) > 1e-6 + 1e-3 * fabs(want)) {
      snprintf(msg, n,
               "Dropout element %lld: x %g, output %g%s; expected x * mask / (1 - ratio) "
               "= %g with ratio %g",
               (long long)i, xv, yv, mask ? (keep ? ", kept" : ", dropped") : "", want, ratio);
      return false;
    }
    if (mask || xv != 0) { /* without a mask, a zero x does not say whether it was kept */
      known++;
      kept += keep;
    }
  }
  double mean = (double)known * (1 - ratio), sd = sqrt((double)known * ratio * (1 - ratio));
  if (fabs((double)kept - mean) > 4 * sd + 1e-9) {
    snprintf(msg, n,
             "Dropout kept %lld of %lld elements with ratio %g; expected about %.1f "
             "(within 4 standard deviations, %.1f)",
             (long long)kept, (long long)known, ratio, mean, 4 * sd);
    return false;
  }
  return true;
}

bool rc_check(const Onnx__GraphProto *g, const hy_tensor *in, int32_t n_in, const hy_tensor *got,
              const hy_tensor *expected, int32_t n_out, char *msg, size_t n) {
  char why[400];
  for (int32_t i = 0; i < n_out; i++) {
    if (cmp_types(&got[i], &expected[i], why, sizeof why) &&
        check_bits(&got[i], &expected[i], why, sizeof why))
      continue;
    snprintf(msg, n, "output %d (random): %s", (int)i, why);
    return false;
  }
  for (size_t k = 0; k < g->n_node; k++) {
    const Onnx__NodeProto *d = g->node[k];
    if (is_random_node(d) && !strcmp(d->op_type, "Dropout") &&
        !check_dropout(g, d, in, n_in, got, n_out, msg, n))
      return false;
  }
  return true;
}
