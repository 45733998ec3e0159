/* Signal family (DFT, STFT, HannWindow/HammingWindow/BlackmanWindow, MelWeightMatrix) and BitCast:
 * nodes built by hand, run through their infer and lower hooks and native kernels (four chunky
 * threads), compared with a naive DFT summed in long double, with the window formulas, with
 * ONNX's reference for a mel matrix; and the errors for malformed nodes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/src/kernels/kernel_util.h"
#include "graph_fixture.h"

static void setup(void) { graph_fixture_open("s.onnx", 0); }
TestSuite(signal, .init = setup, .fini = graph_fixture_close);

static ir_value *scalar_i64(int64_t x) {
  int64_t *p = arena_alloc(&A, sizeof *p);
  *p = x;
  return graph_fixture_tensor(HY_DTYPE_INT64, 0, NULL, p);
}

static ir_node *node(const char *op, int32_t ver, int32_t n_in, ir_value *const *in) {
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, "n1", n_in, 1);
  cr_assert(n->op != OP_UNKNOWN, "op %s is in the table", op);
  n->opset = n->version = ver;
  for (int32_t i = 0; i < n_in; i++)
    if (in[i]) ir_node_set_input(G, n, i, in[i]);
  ir_node_set_output(G, n, 0, ir_value_new(G, "y"));
  n->attrs = arena_array(&A, 8, sizeof *n->attrs);
  return n;
}
#define NODE(op, ver, ...)                                                                         \
  node(op, ver, (int32_t)(sizeof((ir_value *[]){__VA_ARGS__}) / sizeof(ir_value *)),               \
       (ir_value *[]){__VA_ARGS__})

static void attr_i(ir_node *n, const char *name, int64_t v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}
static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

/* infer, lower and run n on its inputs' data into out (allocated here, freed by the caller). */
static void *run(ir_node *n) {
  cr_assert_eq(infer(n), HY_OK, "infer: %s", D.msg);
  const ir_type *t = &n->out[0]->type;
  void *out = calloc(1, (size_t)ir_type_bytes(t) + 1);
  const void *in[8] = {0};
  for (int32_t i = 0; i < n->n_in; i++)
    in[i] = n->in[i] ? n->in[i]->data : NULL;
  hy_status lowered, s = graph_fixture_kernel(n, in, (void *const[]){out}, &lowered);
  cr_assert_eq(lowered, HY_OK, "lower: %s", D.msg);
  cr_assert_eq(s, HY_OK, "kernel: %s", hy_status_name(s));
  return out;
}

static void expect_dims(const ir_node *n, hy_dtype dt, int32_t rank, const int64_t *dims) {
  const ir_type *t = &n->out[0]->type;
  cr_assert_eq(t->dtype, dt, "dtype %d, expected %d", t->dtype, dt);
  cr_assert_eq(t->rank, rank, "rank %d, expected %d", t->rank, rank);
  for (int32_t i = 0; i < rank; i++)
    cr_assert_eq(t->dims[i], dims[i], "dim %d: %lld, expected %lld", i, (long long)t->dims[i],
                 (long long)dims[i]);
}
#define EXPECT_DIMS(n, dt, ...) expect_dims(n, dt, NDIMS(__VA_ARGS__), DIMS(__VA_ARGS__))

static void expect_error(ir_node *n, hy_status want, const char *needle) {
  diag_init(&D); /* the first error wins: forget the previous case's */
  hy_status got = infer(n);
  cr_assert_eq(got, want, "status %s, expected %s (%s)", hy_status_name(got), hy_status_name(want),
               D.msg);
  cr_assert(strstr(D.msg, needle), "message '%s' should mention '%s'", D.msg, needle);
  cr_assert(strstr(D.msg, "n1"), "message '%s' names the node", D.msg);
}

static void fill(double *x, int64_t n, uint32_t seed) {
  for (int64_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = (double)((seed >> 8) % 2001) / 1000.0 - 1.0;
  }
}

/* The DFT of x (L complex values as re, im; n of them given, the rest zero) by its definition,
 * summed in long double; sign -1 forward, +1 inverse (unscaled). */
static void naive_dft(const double *x, int64_t n, int64_t L, int sign, long double *y) {
  const long double pi = 3.141592653589793238462643383279502884L;
  long double *c = malloc((size_t)L * sizeof *c), *s = malloc((size_t)L * sizeof *s);
  for (int64_t j = 0; j < L; j++) {
    c[j] = cosl(2 * pi * (long double)j / (long double)L);
    s[j] = sign * sinl(2 * pi * (long double)j / (long double)L);
  }
  for (int64_t k = 0; k < L; k++) {
    long double re = 0, im = 0;
    for (int64_t j = 0; j < n && j < L; j++) {
      int64_t e = (k * j) % L;
      re += x[2 * j] * c[e] - x[2 * j + 1] * s[e];
      im += x[2 * j] * s[e] + x[2 * j + 1] * c[e];
    }
    y[2 * k] = re, y[2 * k + 1] = im;
  }
  free(c), free(s);
}

/* The largest |got - want| over 2*count values, relative to the largest |want|. */
static double rel_err(const double *got, const long double *want, int64_t count) {
  long double e = 0, m = 0;
  for (int64_t i = 0; i < 2 * count; i++) {
    e = fmaxl(e, fabsl(got[i] - want[i]));
    m = fmaxl(m, fabsl(want[i]));
  }
  return (double)(e / (m > 0 ? m : 1));
}

/* ---- the FFT's accuracy: powers of two (radix-2) and other lengths (direct sum) ---- */

/* One complex line of length L through DFT-20 in dtype dt; relative error against naive_dft. */
static double dft_line_error(int64_t L, hy_dtype dt, int inverse) {
  double *x = malloc((size_t)L * 2 * sizeof *x), *got = malloc((size_t)L * 2 * sizeof *got);
  long double *want = malloc((size_t)L * 2 * sizeof *want);
  fill(x, 2 * L, (uint32_t)(L * 7 + (uint32_t)dt));
  void *data = malloc((size_t)L * 2 * 8);
  for (int64_t i = 0; i < 2 * L; i++) {
    if (dt == HY_DTYPE_DOUBLE)
      ((double *)data)[i] = x[i];
    else
      ((float *)data)[i] = (float)x[i], x[i] = ((float *)data)[i];
  }
  ir_node *n = NODE("DFT", 20, T(dt, data, 1, L, 2), NULL, scalar_i64(1));
  attr_i(n, "inverse", inverse);
  void *y = run(n);
  for (int64_t i = 0; i < 2 * L; i++)
    got[i] = dt == HY_DTYPE_DOUBLE ? ((double *)y)[i] : ((float *)y)[i];
  naive_dft(x, L, L, inverse ? 1 : -1, want);
  if (inverse)
    for (int64_t i = 0; i < 2 * L; i++)
      want[i] /= (long double)L;
  double e = rel_err(got, want, L);
  free(x), free(got), free(want), free(data), free(y);
  return e;
}

Test(signal, fft_accuracy_against_naive_dft) {
  /* radix-2; mixed radix (10 = 2 5, 60 = 2^2 3 5, 400 = 2^4 5^2, 194 = 2 97, 3072 = 2^10 3);
   * primes (a direct sum) */
  static const int64_t lengths[] = {1,  2,  4,   8,   64,   1024, 4096, 9, 10,
                                    12, 60, 194, 400, 3072, 3,    5,    7, 97};
  for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
    int64_t L = lengths[i];
    for (int inv = 0; inv <= 1; inv++) {
      double ef = dft_line_error(L, HY_DTYPE_FLOAT, inv);
      double ed = dft_line_error(L, HY_DTYPE_DOUBLE, inv);
      cr_log_info("L=%lld inverse=%d: relative error float %.2g, double %.2g", (long long)L, inv,
                  ef, ed);
      /* relative to the largest bin (measured at most 3e-7 in float and 3e-15 in double): far
       * inside the suite's rtol 1e-3 */
      cr_assert(ef < 2e-6, "float L=%lld inverse=%d: relative error %g", (long long)L, inv, ef);
      cr_assert(ed < 1e-14, "double L=%lld inverse=%d: relative error %g", (long long)L, inv, ed);
    }
  }
}

/* Bins that must be exactly zero come out zero (the conformance tolerance has atol 1e-7). */
Test(signal, dft_exact_zeros_of_a_real_signal) {
  static const int64_t lengths[] = {8, 10, 16};
  for (size_t c = 0; c < 3; c++) {
    int64_t L = lengths[c];
    float *x = arena_array(&A, (size_t)L, sizeof *x);
    for (int64_t i = 0; i < L; i++)
      x[i] = (float)(100 * i + 7);
    float *y = run(NODE("DFT", 17, T(HY_DTYPE_FLOAT, x, 1, L, 1)));
    cr_assert_eq(y[1], 0.0f, "L=%lld: imaginary part of bin 0 is %g", (long long)L, y[1]);
    cr_assert_eq(y[L + 1], 0.0f, "L=%lld: imaginary part of the Nyquist bin is %g", (long long)L,
                 y[L + 1]);
    free(y);
  }
}

/* ---- DFT: axes, lengths, one-sided forms, versions, types ---- */

/* [2, 3, 5, 1] real input, DFT along each signal axis, against the naive DFT of each line. */
Test(signal, dft_each_axis_of_a_real_tensor) {
  float x[30];
  double xd[30];
  fill(xd, 30, 3);
  for (int i = 0; i < 30; i++)
    x[i] = (float)xd[i];
  const int64_t dims[3] = {2, 3, 5};
  for (int64_t axis = 0; axis < 3; axis++) {
    ir_node *n = NODE("DFT", 17, T(HY_DTYPE_FLOAT, x, 2, 3, 5, 1));
    attr_i(n, "axis", axis - 4); /* negative: counted from the back, [-4, -2] */
    if (axis == 2) n->attrs[0].i = 2;
    float *y = run(n);
    int64_t od[4] = {2, 3, 5, 2};
    expect_dims(n, HY_DTYPE_FLOAT, 4, od);
    int64_t L = dims[axis], inner = 1, outer = 1;
    for (int64_t d = axis + 1; d < 3; d++)
      inner *= dims[d];
    for (int64_t d = 0; d < axis; d++)
      outer *= dims[d];
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) {
        double line[10] = {0};
        long double want[10];
        for (int64_t k = 0; k < L; k++)
          line[2 * k] = x[(o * L + k) * inner + i];
        naive_dft(line, L, L, -1, want);
        for (int64_t k = 0; k < L; k++)
          for (int c = 0; c < 2; c++) {
            float g = y[((o * L + k) * inner + i) * 2 + c];
            cr_assert(fabsl(g - want[2 * k + c]) < 1e-5L,
                      "axis %lld (%lld,%lld,%lld,%d): %g vs %Lg", (long long)axis, (long long)o,
                      (long long)k, (long long)i, c, g, want[2 * k + c]);
          }
      }
    free(y);
  }
}

/* dft_length crops or zero-pads; onesided keeps L/2+1 bins. */
Test(signal, dft_length_and_onesided) {
  double x[2 * 6] = {0};
  float xf[6];
  for (int i = 0; i < 6; i++)
    xf[i] = (float)(i * i) - 3, x[2 * i] = xf[i];
  for (int64_t L = 3; L <= 9; L += 3) {
    ir_node *n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, xf, 6, 1), scalar_i64(L), scalar_i64(0));
    attr_i(n, "onesided", 1);
    float *y = run(n);
    EXPECT_DIMS(n, HY_DTYPE_FLOAT, L / 2 + 1, 2);
    long double want[18];
    naive_dft(x, 6, L, -1, want);
    for (int64_t k = 0; k < 2 * (L / 2 + 1); k++)
      cr_assert(fabsl(y[k] - want[k]) < 1e-4L, "L=%lld [%lld]: %g vs %Lg", (long long)L,
                (long long)k, y[k], want[k]);
    free(y);
  }
}

/* RFFT then IRFFT (inverse + onesided) gives the signal back, for even and odd lengths; the
 * inverse of a full spectrum likewise. */
Test(signal, rfft_irfft_round_trip) {
  for (int64_t L = 7; L <= 8; L++) {
    double xd[8];
    fill(xd, L, (uint32_t)L);
    double *x = arena_array(&A, 8, sizeof *x);
    for (int64_t i = 0; i < L; i++)
      x[i] = xd[i];
    ir_node *f = NODE("DFT", 20, T(HY_DTYPE_DOUBLE, x, 1, L, 1));
    attr_i(f, "onesided", 1);
    double *spec = run(f);
    ir_node *b = NODE("DFT", 20, T(HY_DTYPE_DOUBLE, spec, 1, L / 2 + 1, 2), scalar_i64(L));
    attr_i(b, "onesided", 1);
    attr_i(b, "inverse", 1);
    double *back = run(b);
    EXPECT_DIMS(b, HY_DTYPE_DOUBLE, 1, L, 1);
    for (int64_t i = 0; i < L; i++)
      cr_assert(fabs(back[i] - x[i]) < 1e-12, "L=%lld [%lld]: %g vs %g", (long long)L, (long long)i,
                back[i], x[i]);
    free(spec), free(back);
  }
  /* IRFFT's default length is 2 * (bins - 1) */
  ir_node *d = NODE("DFT", 17, T(HY_DTYPE_FLOAT, NULL, 1, 5, 2));
  attr_i(d, "onesided", 1);
  attr_i(d, "inverse", 1);
  cr_assert_eq(infer(d), HY_OK, "%s", D.msg);
  EXPECT_DIMS(d, HY_DTYPE_FLOAT, 1, 8, 1);
}

Test(signal, dft_float16_and_bfloat16) {
  uint16_t h[8], b[8];
  for (int i = 0; i < 8; i++)
    h[i] = hy_k_f32_to_f16((float)i), b[i] = hy_k_f32_to_bf16((float)i);
  uint16_t *yh = run(NODE("DFT", 20, T(HY_DTYPE_FLOAT16, h, 8, 1))),
           *yb = run(NODE("DFT", 20, T(HY_DTYPE_BFLOAT16, b, 8, 1)));
  /* bin 0 is the sum 28, bin 4 the alternating sum -4 */
  cr_assert_eq(hy_k_f16_to_f32(yh[0]), 28.0f);
  cr_assert_eq(hy_k_f16_to_f32(yh[8]), -4.0f);
  cr_assert_eq(hy_k_bf16_to_f32(yb[0]), 28.0f);
  cr_assert_eq(hy_k_bf16_to_f32(yb[8]), -4.0f);
  free(yh), free(yb);
}

Test(signal, dft_errors) {
  float x[20] = {0};
  ir_node *n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1));
  attr_i(n, "axis", 1);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'axis'");
  n = NODE("DFT", 17, T(HY_DTYPE_FLOAT, x, 2, 10, 1), NULL, scalar_i64(1));
  expect_error(n, HY_ERR_INVALID_MODEL, "input 2");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), NULL, scalar_i64(-1));
  expect_error(n, HY_ERR_INVALID_MODEL, "'axis') is -1");
  n = NODE("DFT", 17, T(HY_DTYPE_FLOAT, x, 2, 10, 1));
  attr_i(n, "axis", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'axis'");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1));
  attr_i(n, "onesided", 2);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'onesided'");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 4, 5));
  expect_error(n, HY_ERR_SHAPE, "last dim 5");
  n = NODE("DFT", 20, T(HY_DTYPE_INT32, x, 2, 10, 1));
  expect_error(n, HY_ERR_DTYPE, "int32");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), scalar_i64(0));
  expect_error(n, HY_ERR_INVALID_MODEL, "dft_length");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), scalar_i64((1 << 20) + 1));
  expect_error(n, HY_ERR_UNSUPPORTED, "dft_length 1048577 is more than the 1048576");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), scalar_i64(65537)); /* a prime */
  expect_error(n, HY_ERR_UNSUPPORTED, "prime factor 65537");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), scalar_i64(1000000)); /* 2^6 5^6 */
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  /* a length known only at run time decides the shape: refused, not guessed */
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), T(HY_DTYPE_INT64, NULL, 1));
  expect_error(n, HY_ERR_UNSUPPORTED, "known at compile time");
  n = NODE("DFT", 20, T(HY_DTYPE_FLOAT, x, 2, 10, 1), NULL, T(HY_DTYPE_INT64, NULL, 1));
  expect_error(n, HY_ERR_UNSUPPORTED, "known at compile time");
}

/* ---- STFT ---- */

/* [2, 37, 1] real signal, step 5, frame 12, Hann-like window: each frame against the naive
 * DFT, one-sided and full. */
Test(signal, stft_against_naive_frames) {
  double s[74], w[12];
  fill(s, 74, 11);
  float sf[74], wf[12];
  for (int i = 0; i < 74; i++)
    sf[i] = (float)s[i];
  for (int i = 0; i < 12; i++)
    w[i] = 0.5 - 0.5 * cos(2 * M_PI * i / 12), wf[i] = (float)w[i];
  for (int onesided = 0; onesided <= 1; onesided++) {
    ir_node *n =
        NODE("STFT", 17, T(HY_DTYPE_FLOAT, sf, 2, 37, 1), scalar_i64(5), T(HY_DTYPE_FLOAT, wf, 12));
    attr_i(n, "onesided", onesided);
    float *y = run(n);
    int64_t bins = onesided ? 7 : 12, frames = (37 - 12) / 5 + 1;
    EXPECT_DIMS(n, HY_DTYPE_FLOAT, 2, frames, bins, 2);
    for (int64_t b = 0; b < 2; b++)
      for (int64_t f = 0; f < frames; f++) {
        double line[24] = {0};
        long double want[24];
        for (int64_t k = 0; k < 12; k++)
          line[2 * k] = sf[b * 37 + f * 5 + k] * wf[k];
        naive_dft(line, 12, 12, -1, want);
        for (int64_t k = 0; k < 2 * bins; k++) {
          float g = y[((b * frames + f) * bins) * 2 + k];
          cr_assert(fabsl(g - want[k]) < 1e-5L, "b%lld f%lld [%lld]: %g vs %Lg", (long long)b,
                    (long long)f, (long long)k, g, want[k]);
        }
      }
    free(y);
  }
}

/* frame_length without a window: a rectangular window; a complex signal, two-sided. */
Test(signal, stft_frame_length_and_complex_signal) {
  double s[2 * 16];
  fill(s, 32, 5);
  ir_node *n =
      NODE("STFT", 17, T(HY_DTYPE_DOUBLE, s, 1, 16, 2), scalar_i64(4), NULL, scalar_i64(8));
  attr_i(n, "onesided", 0);
  double *y = run(n);
  EXPECT_DIMS(n, HY_DTYPE_DOUBLE, 1, 3, 8, 2);
  for (int64_t f = 0; f < 3; f++) {
    long double want[16];
    naive_dft(s + 2 * 4 * f, 8, 8, -1, want);
    for (int64_t k = 0; k < 16; k++)
      cr_assert(fabsl(y[f * 16 + k] - want[k]) < 1e-13L, "f%lld [%lld]", (long long)f,
                (long long)k);
  }
  free(y);
}

Test(signal, stft_errors) {
  float s[32] = {0}, w[8] = {0};
  ir_node *n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 1, 32, 1), scalar_i64(4),
                    T(HY_DTYPE_FLOAT, w, 8), scalar_i64(6));
  expect_error(n, HY_ERR_SHAPE, "must be equal");
  n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 1, 16, 2), scalar_i64(4));
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'onesided'");
  n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 1, 32, 1), scalar_i64(0));
  expect_error(n, HY_ERR_INVALID_MODEL, "frame_step");
  n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 1, 32, 1), T(HY_DTYPE_INT64, NULL));
  expect_error(n, HY_ERR_UNSUPPORTED, "known at compile time");
  n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 1, 8, 1), scalar_i64(1), NULL, scalar_i64(9));
  expect_error(n, HY_ERR_SHAPE, "does not fit");
  n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 32, 1), scalar_i64(1));
  expect_error(n, HY_ERR_SHAPE, "rank 2");
  n = NODE("STFT", 17, T(HY_DTYPE_FLOAT, s, 1, 32, 1), scalar_i64(4), T(HY_DTYPE_DOUBLE, w, 8));
  expect_error(n, HY_ERR_DTYPE, "");
}

/* ---- windows ---- */

static double window_formula(int kind, int64_t n, double m) {
  if (kind == 0) return pow(sin(M_PI * (double)n / m), 2);
  if (kind == 1) return 25.0 / 46.0 - 21.0 / 46.0 * cos(2 * M_PI * (double)n / m);
  return 0.42 - 0.5 * cos(2 * M_PI * (double)n / m) + 0.08 * cos(4 * M_PI * (double)n / m);
}

Test(signal, windows_periodic_and_symmetric) {
  static const char *const ops[] = {"HannWindow", "HammingWindow", "BlackmanWindow"};
  for (int kind = 0; kind < 3; kind++)
    for (int periodic = 0; periodic <= 1; periodic++) {
      ir_node *n = NODE(ops[kind], 17, scalar_i64(10));
      attr_i(n, "periodic", periodic);
      attr_i(n, "output_datatype", HY_DTYPE_DOUBLE);
      double *y = run(n);
      EXPECT_DIMS(n, HY_DTYPE_DOUBLE, 10);
      for (int64_t i = 0; i < 10; i++) {
        double want = window_formula(kind, i, periodic ? 10 : 9);
        cr_assert(fabs(y[i] - want) < 1e-12, "%s periodic=%d [%lld]: %.17g vs %.17g", ops[kind],
                  periodic, (long long)i, y[i], want);
      }
      if (!periodic) /* symmetric windows are symmetric */
        for (int64_t i = 0; i < 5; i++)
          cr_assert(fabs(y[i] - y[9 - i]) < 1e-12);
      free(y);
    }
}

Test(signal, window_output_types_and_sizes) {
  ir_node *n = NODE("HannWindow", 17, scalar_i64(4)); /* periodic: 0, .5, 1, .5 */
  float *f = run(n);
  EXPECT_DIMS(n, HY_DTYPE_FLOAT, 4);
  cr_assert(fabsf(f[0]) < 1e-7f && fabsf(f[1] - 0.5f) < 1e-7f && fabsf(f[2] - 1) < 1e-7f);
  free(f);
  n = NODE("HannWindow", 17, scalar_i64(4));
  attr_i(n, "output_datatype", HY_DTYPE_INT32); /* truncated toward zero, as ONNX's reference */
  int32_t *i32 = run(n);
  cr_assert(i32[0] == 0 && i32[1] == 0 && i32[2] == 1 && i32[3] == 0);
  free(i32);
  n = NODE("BlackmanWindow", 17, scalar_i64(1));
  attr_i(n, "periodic", 0);
  f = run(n);
  cr_assert_eq(f[0], 1.0f, "a symmetric window of one point is [1], got %g", f[0]);
  free(f);
  n = NODE("HammingWindow", 17, scalar_i64(0));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  EXPECT_DIMS(n, HY_DTYPE_FLOAT, 0);
}

Test(signal, window_errors) {
  ir_node *n = NODE("HannWindow", 17, scalar_i64(8));
  attr_i(n, "output_datatype", HY_DTYPE_STRING);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'output_datatype'");
  n = NODE("HammingWindow", 17, scalar_i64(8));
  attr_i(n, "periodic", 3);
  expect_error(n, HY_ERR_INVALID_MODEL, "attribute 'periodic'");
  n = NODE("BlackmanWindow", 17, scalar_i64(-2));
  expect_error(n, HY_ERR_INVALID_MODEL, "'size') is -2");
  n = NODE("BlackmanWindow", 17, T(HY_DTYPE_INT32, NULL));
  expect_error(n, HY_ERR_UNSUPPORTED, "known at compile time");
  n = NODE("HannWindow", 17, T(HY_DTYPE_FLOAT, (const float[]){4}));
  expect_error(n, HY_ERR_DTYPE, "int64 or int32");
}

/* ---- MelWeightMatrix ---- */

/* ONNX's reference (onnx.reference, 1.23) for 4 bins of a 32-point DFT at 16 kHz, 100-7000 Hz. */
Test(signal, melweightmatrix_against_onnx_reference) {
  static const float want[17][4] = {
      {1, 0, 0, 0}, {0.5f, 0.5f, 0, 0},         {0, 1, 0, 0},
      {0, 0, 1, 0}, {0, 0, 2 / 3.0f, 1 / 3.0f}, {0, 0, 1 / 3.0f, 2 / 3.0f},
      {0, 0, 0, 1}, {0, 0, 0, 2 / 3.0f},        {0, 0, 0, 1 / 3.0f}};
  ir_node *n =
      NODE("MelWeightMatrix", 17, scalar_i64(4), scalar_i64(32), scalar_i64(16000),
           T(HY_DTYPE_FLOAT, (const float[]){100}), T(HY_DTYPE_FLOAT, (const float[]){7000}));
  float *y = run(n);
  EXPECT_DIMS(n, HY_DTYPE_FLOAT, 17, 4);
  for (int i = 0; i < 17; i++)
    for (int j = 0; j < 4; j++)
      cr_assert(fabsf(y[i * 4 + j] - want[i][j]) < 1e-6f, "[%d][%d]: %g vs %g", i, j, y[i * 4 + j],
                want[i][j]);
  free(y);
}

Test(signal, melweightmatrix_errors) {
  const float lo = 0, hi = 4000, hz = 9000;
  ir_node *n = NODE("MelWeightMatrix", 17, scalar_i64(4), scalar_i64(16), scalar_i64(8000),
                    T(HY_DTYPE_FLOAT, &lo), T(HY_DTYPE_DOUBLE, (const double[]){4000}));
  expect_error(n, HY_ERR_DTYPE, "");
  n = NODE("MelWeightMatrix", 17, scalar_i64(4), scalar_i64(16), T(HY_DTYPE_FLOAT, &hz),
           T(HY_DTYPE_FLOAT, &lo), T(HY_DTYPE_FLOAT, &hi));
  expect_error(n, HY_ERR_DTYPE, "'sample_rate'");
  n = NODE("MelWeightMatrix", 17, scalar_i64(0), scalar_i64(16), scalar_i64(8000),
           T(HY_DTYPE_FLOAT, &lo), T(HY_DTYPE_FLOAT, &hi));
  expect_error(n, HY_ERR_INVALID_MODEL, "num_mel_bins");
  n = NODE("MelWeightMatrix", 17, scalar_i64(4), T(HY_DTYPE_INT64, NULL), scalar_i64(8000),
           T(HY_DTYPE_FLOAT, &lo), T(HY_DTYPE_FLOAT, &hi));
  expect_error(n, HY_ERR_UNSUPPORTED, "known at compile time");
  /* an upper edge past the Nyquist frequency puts triangles outside the bins: the kernel says so */
  n = NODE("MelWeightMatrix", 17, scalar_i64(4), scalar_i64(16), scalar_i64(8000),
           T(HY_DTYPE_FLOAT, &lo), T(HY_DTYPE_FLOAT, &hz));
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  float out[9 * 4];
  hy_status lowered,
      s = graph_fixture_kernel(
          n, (const void *const[]){n->in[0]->data, n->in[1]->data, n->in[2]->data, &lo, &hz},
          (void *const[]){out}, &lowered);
  cr_assert_eq(lowered, HY_OK);
  cr_assert_eq(s, HY_ERR_INVALID_ARGUMENT, "kernel status %s", hy_status_name(s));
}
