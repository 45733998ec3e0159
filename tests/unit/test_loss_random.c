/* The loss ops (NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss) and the random-valued ops
 * (RandomUniform/Normal and their Like forms, Bernoulli, Multinomial, Dropout in training mode),
 * each built as one node, run through its hooks and native kernel: losses against a naive
 * reference, random draws against the properties a user relies on (range, moments, 0/1, the
 * dropout scale, same seed same values, no seed fresh values); plus the errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "node_fixture.h"

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(loss_random, .init = setup, .fini = graph_fixture_close);

static ir_value *val(hy_dtype dt, int32_t rank, const int64_t *dims) {
  return graph_fixture_value("v", dt, rank, dims);
}

static ir_node *node(const char *op, int opset, ir_value **in, int32_t n_in, int32_t n_out) {
  return fixture_node(op, opset, in, n_in, n_out);
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

static void run(ir_node *n, const void *const *in, void *const *out) {
  cr_assert_eq(fixture_run_status(n, in, out), HY_OK, "kernel");
}

static void assert_error(ir_node *n, hy_status want, const char *needle) {
  cr_assert_eq(infer(n), want, "status; message: %s", D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' should contain '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "t.onnx") && strstr(D.msg, "n1"), "names file and node: %s", D.msg);
  diag_init(&D); /* the diag keeps its first message: make room for the next */
}

static hy_kernel_id lowered_kernel(ir_node *n) {
  ir_lowered l;
  memset(&l, 0, sizeof l);
  cr_assert_eq(infer(n), HY_OK, "infer: %s", D.msg);
  cr_assert_eq(ir_op_get(n->op)->lower(G, n, &l), HY_OK, "lower: %s", D.msg);
  return l.kernel;
}

/* ---- NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ---- */

enum { LN = 2, LC = 3, LD = 4 };

/* The loss of x [LN, LC, LD] (log-softmaxed over C first when softmax) as ONNX defines it. */
static void ref_loss(const float *x, const int64_t *t, const float *w, bool softmax, int64_t ignore,
                     double *none, double *sum, double *mean) {
  double total = 0, wsum = 0;
  for (int i = 0; i < LN; i++)
    for (int d = 0; d < LD; d++) {
      double lse = 0;
      for (int c = 0; softmax && c < LC; c++)
        lse += exp(x[(i * LC + c) * LD + d]);
      lse = softmax ? log(lse) : 0;
      int64_t k = t[i * LD + d];
      double wt = k == ignore ? 0 : w ? w[k] : 1;
      double l = k == ignore ? 0 : -wt * (x[(i * LC + k) * LD + d] - lse);
      none[i * LD + d] = l;
      total += l;
      wsum += wt;
    }
  *sum = total;
  *mean = total / wsum;
}

static ir_node *loss_node(const char *op, bool weight, const char *reduction, int64_t ignore,
                          int32_t n_out) {
  int64_t xd[3] = {LN, LC, LD}, td[2] = {LN, LD}, wd[1] = {LC};
  ir_value *in[3] = {val(HY_DTYPE_FLOAT, 3, xd), val(HY_DTYPE_INT64, 2, td),
                     weight ? val(HY_DTYPE_FLOAT, 1, wd) : NULL};
  ir_node *n = node(op, 13, in, 3, n_out);
  if (reduction) attr_s(n, "reduction", reduction);
  if (ignore != INT64_MIN) attr_i(n, "ignore_index", ignore);
  return n;
}

static void check_loss(const char *op, bool weight, int64_t ignore) {
  float x[LN * LC * LD], w[LC] = {0.5f, 2.0f, 1.25f};
  fill(x, LN * LC * LD, 7);
  int64_t t[LN * LD] = {0, 1, 2, 1, 2, 2, 0, 1};
  if (ignore != INT64_MIN) t[3] = t[6] = ignore;
  bool softmax = !strcmp(op, "SoftmaxCrossEntropyLoss");
  double want[LN * LD], sum, mean;
  ref_loss(x, t, weight ? w : NULL, softmax, ignore, want, &sum, &mean);
  const char *reds[3] = {"none", "sum", NULL}; /* NULL: the default, mean */
  for (int r = 0; r < 3; r++) {
    ir_node *n = loss_node(op, weight, reds[r], ignore, 1);
    float y[LN * LD];
    run(n, (const void *[]){x, t, weight ? w : NULL}, (void *[]){y});
    if (r == 0) {
      int64_t dims[2] = {LN, LD};
      assert_dims(n->out[0], 2, dims);
      for (int i = 0; i < LN * LD; i++)
        assert_close(y[i], want[i], 1e-5, "none", i);
    } else {
      cr_assert_eq(n->out[0]->type.rank, 0, "a reduced loss is a scalar");
      assert_close(y[0], r == 1 ? sum : mean, 1e-5, reds[r] ? reds[r] : "mean", 0);
    }
  }
}

Test(loss_random, nllloss_reductions_weights_and_ignore_index_match_the_definition) {
  check_loss("NegativeLogLikelihoodLoss", false, INT64_MIN);
  check_loss("NegativeLogLikelihoodLoss", true, INT64_MIN);
  check_loss("NegativeLogLikelihoodLoss", true, 1);
  check_loss("NegativeLogLikelihoodLoss", false, -5); /* ignore_index outside [0, C) */
}

Test(loss_random, sce_is_nll_of_log_softmax_and_writes_log_prob) {
  check_loss("SoftmaxCrossEntropyLoss", false, INT64_MIN);
  check_loss("SoftmaxCrossEntropyLoss", true, 2);
  float x[LN * LC * LD], y, lp[LN * LC * LD];
  fill(x, LN * LC * LD, 3);
  int64_t t[LN * LD] = {0, 1, 2, 1, 2, 2, 0, 1};
  ir_node *n = loss_node("SoftmaxCrossEntropyLoss", false, "sum", INT64_MIN, 2);
  run(n, (const void *[]){x, t, NULL}, (void *[]){&y, lp});
  int64_t dims[3] = {LN, LC, LD};
  assert_dims(n->out[1], 3, dims);
  for (int i = 0; i < LN; i++)
    for (int d = 0; d < LD; d++) {
      double s = 0;
      for (int c = 0; c < LC; c++)
        s += exp(lp[(i * LC + c) * LD + d]);
      assert_close(s, 1.0, 1e-6, "exp(log_prob) sums to 1", i * LD + d);
      double shift = x[i * LC * LD + d] - lp[i * LC * LD + d];
      for (int c = 1; c < LC; c++)
        assert_close(x[(i * LC + c) * LD + d] - lp[(i * LC + c) * LD + d], shift, 1e-6,
                     "log_prob is x minus one constant", c);
    }
}

Test(loss_random, nllloss_double_and_int32_targets_2d) {
  int64_t xd[2] = {3, 2}, td[1] = {3};
  ir_node *n = node("NegativeLogLikelihoodLoss", 22,
                    (ir_value *[]){val(HY_DTYPE_DOUBLE, 2, xd), val(HY_DTYPE_INT32, 1, td)}, 2, 1);
  double x[6] = {-1, -2, -3, -4, -5, -6}, y;
  int32_t t[3] = {1, 0, 1};
  run(n, (const void *[]){x, t}, (void *[]){&y});
  assert_close(y, (2.0 + 3.0 + 6.0) / 3, 1e-12, "mean", 0);
}

Test(loss_random, a_target_out_of_range_is_a_run_time_error) {
  float x[LN * LC * LD] = {0}, y[LN * LD];
  int64_t t[LN * LD] = {0, 1, 2, 1, 2, 3, 0, 1}; /* 3 is not a class */
  ir_node *n = loss_node("NegativeLogLikelihoodLoss", false, "none", INT64_MIN, 1);
  cr_assert_eq(fixture_run_status(n, (const void *[]){x, t, NULL}, (void *[]){y}), HY_ERR_SHAPE);
  t[5] = -1;
  n = loss_node("SoftmaxCrossEntropyLoss", true, "mean", 7, 1);
  float w[LC] = {1, 1, 1};
  cr_assert_eq(fixture_run_status(n, (const void *[]){x, t, w}, (void *[]){y}), HY_ERR_SHAPE);
}

Test(loss_random, loss_errors_name_what_is_wrong) {
  ir_node *n = loss_node("NegativeLogLikelihoodLoss", false, "average", INT64_MIN, 1);
  assert_error(n, HY_ERR_INVALID_MODEL, "'reduction': 'average' is not one of none, sum, mean");
  int64_t xd[3] = {LN, LC, LD}, td[2] = {LN, LD + 1}, wd[1] = {LC + 1};
  n = node("SoftmaxCrossEntropyLoss", 13,
           (ir_value *[]){val(HY_DTYPE_FLOAT, 3, xd), val(HY_DTYPE_INT64, 2, td)}, 2, 1);
  assert_error(n, HY_ERR_SHAPE, "does not fit input");
  td[1] = LD;
  n = node("NegativeLogLikelihoodLoss", 13,
           (ir_value *[]){val(HY_DTYPE_FLOAT, 3, xd), val(HY_DTYPE_INT64, 2, td),
                          val(HY_DTYPE_FLOAT, 1, wd)},
           3, 1);
  assert_error(n, HY_ERR_SHAPE, "one weight per class");
  n = node("NegativeLogLikelihoodLoss", 13,
           (ir_value *[]){val(HY_DTYPE_BFLOAT16, 3, xd), val(HY_DTYPE_INT64, 2, td)}, 2, 1);
  assert_error(n, HY_ERR_DTYPE, "version 13 takes float, double, float16");
  n = node("NegativeLogLikelihoodLoss", 13,
           (ir_value *[]){val(HY_DTYPE_FLOAT, 3, xd), val(HY_DTYPE_FLOAT, 2, td)}, 2, 1);
  assert_error(n, HY_ERR_DTYPE, "expected int32 or int64");
}

/* ---- random generators ---- */

enum { RN = 20000 };

static ir_node *generator(const char *op, hy_dtype dt, bool seeded, float seed) {
  int64_t shape[2] = {RN / 100, 100};
  ir_node *n;
  if (strstr(op, "Like")) {
    n = node(op, 22, (ir_value *[]){val(HY_DTYPE_INT64, 2, shape)}, 1, 1);
    attr_i(n, "dtype", dt);
  } else {
    n = node(op, 22, NULL, 0, 1);
    attr_ints(n, "shape", shape, 2);
    if (dt != HY_DTYPE_FLOAT) attr_i(n, "dtype", dt);
  }
  if (seeded) attr_f(n, "seed", seed);
  return n;
}

static void moments(const double *v, int64_t n, double *mean, double *sd) {
  double s = 0, q = 0;
  for (int64_t i = 0; i < n; i++)
    s += v[i];
  *mean = s / (double)n;
  for (int64_t i = 0; i < n; i++)
    q += (v[i] - *mean) * (v[i] - *mean);
  *sd = sqrt(q / (double)n);
}

Test(loss_random, random_uniform_stays_in_range_with_uniform_moments) {
  static double y[RN];
  ir_node *n = generator("RandomUniform", HY_DTYPE_DOUBLE, true, 3.0f);
  attr_f(n, "low", -2.0f);
  attr_f(n, "high", 6.0f);
  run(n, NULL, (void *[]){y});
  int64_t dims[2] = {RN / 100, 100};
  assert_dims(n->out[0], 2, dims);
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_DOUBLE);
  int below_mid = 0;
  for (int i = 0; i < RN; i++) {
    cr_assert(y[i] >= -2 && y[i] < 6, "y[%d] = %g outside [-2, 6)", i, y[i]);
    below_mid += y[i] < 2;
  }
  double mean, sd;
  moments(y, RN, &mean, &sd);
  assert_close(mean, 2.0, 0.05, "mean", 0);             /* sd of the mean 0.016 */
  assert_close(sd, 8 / sqrt(12.0), 0.02, "std dev", 0); /* 2.31 */
  cr_assert(abs(below_mid - RN / 2) < 4 * 71, "%d of %d below the middle", below_mid, RN);
}

Test(loss_random, random_normal_like_has_the_mean_and_scale_asked) {
  static float y[RN];
  static double d[RN];
  ir_node *n = generator("RandomNormalLike", HY_DTYPE_FLOAT, true, 1.5f);
  attr_f(n, "mean", 10.0f);
  attr_f(n, "scale", 3.0f);
  run(n, (const void *[]){NULL}, (void *[]){y});
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_FLOAT);
  int within_1sd = 0;
  for (int i = 0; i < RN; i++) {
    d[i] = y[i];
    within_1sd += fabs(y[i] - 10) < 3;
  }
  double mean, sd;
  moments(d, RN, &mean, &sd);
  assert_close(mean, 10.0, 0.01, "mean", 0); /* sd of the mean 0.02 */
  assert_close(sd, 3.0, 0.02, "std dev", 0);
  assert_close(within_1sd / (double)RN, 0.6827, 0.02, "share within one sd", 0);
}

Test(loss_random, same_seed_same_values_other_seed_or_no_seed_other_values) {
  static uint16_t a[RN], b[RN], c[RN], u1[RN], u2[RN];
  run(generator("RandomUniform", HY_DTYPE_FLOAT16, true, 42.0f), NULL, (void *[]){a});
  run(generator("RandomUniform", HY_DTYPE_FLOAT16, true, 42.0f), NULL, (void *[]){b});
  run(generator("RandomUniform", HY_DTYPE_FLOAT16, true, 43.0f), NULL, (void *[]){c});
  cr_assert(!memcmp(a, b, sizeof a), "the same seed gives the same values");
  cr_assert(memcmp(a, c, sizeof a), "another seed gives other values");
  ir_node *n = generator("RandomUniform", HY_DTYPE_FLOAT16, false, 0);
  run(n, NULL, (void *[]){u1});
  run(n, NULL, (void *[]){u2});
  cr_assert(memcmp(u1, u2, sizeof u1), "without a seed each run draws anew");
  for (int i = 0; i < RN; i++) {
    float v = hy_f16_to_f32(u1[i]);
    cr_assert(v >= 0 && v <= 1, "float16 draw %d = %g", i, (double)v);
  }
}

Test(loss_random, bernoulli_draws_0_and_1_at_the_given_rate) {
  enum { BN = 10000 };
  static float p[BN];
  static int32_t y[BN];
  for (int i = 0; i < BN; i++)
    p[i] = i < 1000 ? 0.0f : i < 2000 ? 1.0f : 0.25f;
  int64_t dims[1] = {BN};
  ir_node *n = node("Bernoulli", 15, (ir_value *[]){val(HY_DTYPE_FLOAT, 1, dims)}, 1, 1);
  attr_i(n, "dtype", HY_DTYPE_INT32);
  attr_f(n, "seed", 5.0f);
  run(n, (const void *[]){p}, (void *[]){y});
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_INT32);
  int ones = 0;
  for (int i = 0; i < BN; i++) {
    cr_assert(y[i] == 0 || y[i] == 1, "y[%d] = %d", i, y[i]);
    if (i < 1000)
      cr_assert_eq(y[i], 0, "p = 0 never draws 1 (%d)", i);
    else if (i < 2000)
      cr_assert_eq(y[i], 1, "p = 1 always draws 1 (%d)", i);
    else
      ones += y[i];
  }
  cr_assert(abs(ones - 2000) < 4 * 39, "%d ones of 8000 at p = 0.25", ones); /* sd 38.7 */
  p[7] = 1.5f;
  cr_assert_eq(fixture_run_status(n, (const void *[]){p}, (void *[]){y}), HY_ERR_INVALID_ARGUMENT,
               "a probability above 1 is a run-time error");
}

Test(loss_random, multinomial_samples_classes_by_their_probability) {
  enum { S = 20000 };
  float x[2 * 3] = {logf(0.2f), -INFINITY, logf(0.8f), 5.0f, 5.0f, 5.0f};
  static int64_t y[2 * S];
  int64_t dims[2] = {2, 3};
  ir_node *n = node("Multinomial", 7, (ir_value *[]){val(HY_DTYPE_FLOAT, 2, dims)}, 1, 1);
  attr_i(n, "sample_size", S);
  attr_i(n, "dtype", HY_DTYPE_INT64);
  run(n, (const void *[]){x}, (void *[]){y});
  int64_t want[2] = {2, S};
  assert_dims(n->out[0], 2, want);
  int count[2][3] = {{0}};
  for (int r = 0; r < 2; r++)
    for (int s = 0; s < S; s++) {
      int64_t k = y[r * S + s];
      cr_assert(k >= 0 && k < 3, "class %lld", (long long)k);
      count[r][k]++;
    }
  cr_assert_eq(count[0][1], 0, "a class of probability 0 is never drawn");
  cr_assert(abs(count[0][2] - 16000) < 4 * 57, "class 2 drawn %d of %d", count[0][2], S);
  for (int k = 0; k < 3; k++)
    cr_assert(abs(count[1][k] - S / 3) < 4 * 67, "equal log-probs: class %d drawn %d", k,
              count[1][k]);
}

Test(loss_random, generator_errors_name_the_attribute) {
  ir_node *n = node("RandomNormal", 22, NULL, 0, 1);
  assert_error(n, HY_ERR_INVALID_MODEL, "'shape': is required");
  int64_t shape[2] = {2, -1};
  n = node("RandomUniform", 22, NULL, 0, 1);
  attr_ints(n, "shape", shape, 2);
  assert_error(n, HY_ERR_INVALID_MODEL, "'shape': dim 1 is negative");
  shape[1] = 3;
  n = node("RandomUniformLike", 22, (ir_value *[]){val(HY_DTYPE_INT32, 2, shape)}, 1, 1);
  assert_error(n, HY_ERR_DTYPE, "'dtype': 6 (int32) is not a float type");
  n = node("Multinomial", 22, (ir_value *[]){val(HY_DTYPE_FLOAT, 2, shape)}, 1, 1);
  attr_i(n, "dtype", HY_DTYPE_FLOAT);
  assert_error(n, HY_ERR_DTYPE, "'dtype': 1 (float) is not int32 or int64");
  n = node("Bernoulli", 15, (ir_value *[]){val(HY_DTYPE_FLOAT, 2, shape)}, 1, 1);
  attr_i(n, "seed", 3);
  assert_error(n, HY_ERR_INVALID_MODEL, "'seed': must be a float");
}

/* ---- Dropout ---- */

enum { DN = 4000 };

/* Dropout-13 over float [DN] with ratio and training_mode inputs; a NULL known_* leaves that
 * input to run time. */
static ir_node *dropout(const float *known_ratio, const bool *known_training, int32_t n_out) {
  int64_t dims[1] = {DN};
  ir_value *r = val(HY_DTYPE_FLOAT, 0, NULL), *t = val(HY_DTYPE_BOOL, 0, NULL);
  if (known_ratio) r->data = known_ratio;
  if (known_training) t->data = known_training;
  ir_node *n = node("Dropout", 13, (ir_value *[]){val(HY_DTYPE_FLOAT, 1, dims), r, t}, 3, n_out);
  attr_i(n, "seed", 11);
  return n;
}

Test(loss_random, dropout_training_scales_what_it_keeps_and_masks_the_rest) {
  static float x[DN], y[DN];
  static bool mask[DN];
  fill(x, DN, 9);
  x[0] = 1.0f;
  const float ratio = 0.75f;
  const bool training = true;
  ir_node *n = dropout(&ratio, NULL, 2);
  cr_assert_eq(lowered_kernel(n), HY_KERNEL_dropout);
  run(n, (const void *[]){x, NULL, &training}, (void *[]){y, mask});
  cr_assert_eq(n->out[1]->type.dtype, HY_DTYPE_BOOL);
  int kept = 0;
  for (int i = 0; i < DN; i++) {
    assert_close(y[i], mask[i] ? x[i] * 4.0 : 0.0, 1e-6, "y = x * mask / (1 - ratio)", i);
    kept += mask[i];
  }
  cr_assert(abs(kept - DN / 4) < 4 * 28, "kept %d of %d at ratio 0.75", kept, DN); /* sd 27.4 */
  const bool off = false;
  run(n, (const void *[]){x, NULL, &off}, (void *[]){y, mask});
  for (int i = 0; i < DN; i++) {
    cr_assert(y[i] == x[i] && mask[i], "training_mode false at run time: y = x, all kept (%d)", i);
  }
  const float bad = 1.5f;
  cr_assert_eq(fixture_run_status(n, (const void *[]){x, &bad, &training}, (void *[]){y, mask}),
               HY_ERR_INVALID_ARGUMENT, "a ratio above 1 at run time is an error");
}

Test(loss_random, dropout_lowers_to_a_copy_when_nothing_can_drop) {
  const float zero = 0.0f, half = 0.5f;
  const bool on = true, off = false;
  cr_assert_eq(lowered_kernel(dropout(&half, &off, 1)), HY_KERNEL_copy);
  cr_assert_eq(lowered_kernel(dropout(&zero, &on, 1)), HY_KERNEL_copy);
  cr_assert_eq(lowered_kernel(dropout(&half, &on, 1)), HY_KERNEL_dropout);
  cr_assert_eq(lowered_kernel(dropout(NULL, &on, 1)), HY_KERNEL_dropout);
  const float big = 2.0f;
  assert_error(dropout(&big, &on, 1), HY_ERR_INVALID_MODEL, "ratio 2 is outside [0, 1]");
}

Test(loss_random, dropout_6_without_is_test_trains_with_a_float_mask) {
  static float x[DN], y[DN], mask[DN];
  fill(x, DN, 4);
  int64_t dims[1] = {DN};
  ir_node *n = node("Dropout", 6, (ir_value *[]){val(HY_DTYPE_FLOAT, 1, dims)}, 1, 2);
  attr_f(n, "ratio", 0.2f);
  run(n, (const void *[]){x}, (void *[]){y, mask});
  cr_assert_eq(n->out[1]->type.dtype, HY_DTYPE_FLOAT, "the mask has the data's type before 10");
  int kept = 0;
  for (int i = 0; i < DN; i++) {
    cr_assert(mask[i] == 0.0f || mask[i] == 1.0f, "mask[%d] = %g", i, (double)mask[i]);
    assert_close(y[i], x[i] * mask[i] / 0.8, 1e-6, "y", i);
    kept += mask[i] != 0;
  }
  cr_assert(abs(kept - DN * 4 / 5) < 4 * 26, "kept %d of %d at ratio 0.2", kept, DN);
  n = node("Dropout", 6, (ir_value *[]){val(HY_DTYPE_FLOAT, 1, dims)}, 1, 1);
  attr_i(n, "is_test", 1);
  cr_assert_eq(lowered_kernel(n), HY_KERNEL_copy, "is_test 1 is inference");
}
