/* The fp32 GEMM (hydra/gemm.h) of every micro-kernel family against a double-precision naive
 * reference: awkward sizes (1..70, primes, edges of every tile and block), transposes, alpha and
 * beta, packed and strided B, each epilogue (bias, every activation, residual), one and two
 * threads. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "hydra/gemm.h"
#include "two_threads.h"

static uint32_t rng = 2024;
static uint32_t next_u32(void) { return rng = rng * 1664525u + 1013904223u; }
static float frand(void) { return (float)(next_u32() >> 8) / (float)(1u << 23) - 1.0f; }
static float *frand_buf(int64_t n) {
  float *p = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) p[i] = frand();
  return p;
}

static double act_ref(int act, double x) {
  switch (act) {
  case HY_GEMM_ACT_RELU: return x < 0 ? 0 : x;
  case HY_GEMM_ACT_GELU: return 0.5 * x * (1 + erf(x / sqrt(2.0)));
  case HY_GEMM_ACT_GELU_TANH:
    return 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
  case HY_GEMM_ACT_TANH: return tanh(x);
  case HY_GEMM_ACT_SIGMOID: return 1 / (1 + exp(-x));
  default: return x;
  }
}

typedef struct gcase {
  int64_t M, N, K;
  int ta, tb, packed, isa, act, bias, res;
  float alpha, beta;
  const hy_exec *ex;
} gcase;

static void check(const gcase *c) {
  int64_t M = c->M, N = c->N, K = c->K;
  float *A = frand_buf(M * K), *B = frand_buf(K * N), *C = frand_buf(M * N);
  float *bias = frand_buf(N), *res = frand_buf(M * N);
  double *ref = malloc(sizeof(double) * (size_t)(M * N + 1));
  int64_t rsa = c->ta ? 1 : K, csa = c->ta ? M : 1, rsb = c->tb ? 1 : N, csb = c->tb ? K : 1;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double s = 0;
      for (int64_t k = 0; k < K; k++) s += (double)A[i * rsa + k * csa] * B[k * rsb + j * csb];
      double x = c->alpha * s + (c->beta != 0.0f ? c->beta * (double)C[i * N + j] : 0.0);
      if (c->bias) x += 0.75 * bias[j];
      x = act_ref(c->act, x);
      ref[i * N + j] = c->res ? x + res[i * N + j] : x;
    }
  float *bp = malloc(hy_sgemm_packed_b_bytes(K, N) + 4);
  hy_sgemm_pack_b(K, N, B, rsb, csb, bp);
  size_t sb = c->packed ? hy_sgemm_prepacked_scratch_bytes(M, N, K, HY_GEMM_MAX_TASKS)
                        : hy_sgemm_scratch_bytes(M, N, K, HY_GEMM_MAX_TASKS);
  void *scratch = malloc(sb + 1);
  hy_sgemm_args g = {.M = M, .N = N, .K = K, .alpha = c->alpha, .beta = c->beta, .A = A,
                     .rsa = rsa, .csa = csa, .B = c->packed ? bp : B, .rsb = rsb, .csb = csb,
                     .b_packed = c->packed, .C = C, .ldc = N, .isa = c->isa};
  g.ep = (hy_gemm_epilogue){.bias = c->bias ? bias : NULL, .bias_scale = 0.75f, .act = c->act,
                            .res = c->res ? res : NULL, .ldr = N};
  hy_sgemm_run(&g, scratch, HY_GEMM_MAX_TASKS, c->ex);
  double tol = 2e-5 + 6e-7 * (double)(K + 1);
  for (int64_t i = 0; i < M * N; i++)
    if (!(fabs(C[i] - ref[i]) <= tol * (1 + fabs(ref[i]))))
      cr_assert(false,
                "%lldx%lldx%lld isa=%d ta=%d tb=%d packed=%d act=%d bias=%d res=%d alpha=%g "
                "beta=%g threads=%d: element %lld is %g, expected %g",
                (long long)M, (long long)K, (long long)N, c->isa, c->ta, c->tb, c->packed, c->act,
                c->bias, c->res, c->alpha, c->beta, c->ex ? c->ex->n_threads : 1, (long long)i,
                C[i], ref[i]);
  free(A), free(B), free(C), free(bias), free(res), free(ref), free(bp), free(scratch);
}


/* Sizes around every family's tile (4, 6, 12 rows; 8, 16, 32 columns) and primes. */
static const int64_t sizes[] = {1, 2, 3, 5, 7, 8, 11, 12, 13, 16, 17, 23, 31, 32, 33, 37, 47, 64, 67, 70};
#define NSIZES ((int)(sizeof sizes / sizeof sizes[0]))

Test(gemm, every_family_against_the_reference_on_awkward_shapes) {
  for (int isa = HY_GEMM_ISA_PORTABLE; isa <= hy_gemm_host_isa(); isa++)
    for (int n = 0; n < 150; n++) {
      gcase c = {.M = sizes[next_u32() % NSIZES], .N = sizes[next_u32() % NSIZES],
                 .K = sizes[next_u32() % NSIZES], .isa = isa, .alpha = 1.0f};
      uint32_t r = next_u32();
      c.ta = r & 1, c.tb = (r >> 1) & 1, c.packed = (r >> 2) & 1;
      if ((r >> 3) & 1) c.alpha = 0.5f, c.beta = -2.0f;
      check(&c);
    }
}

Test(gemm, every_epilogue_of_every_family) {
  for (int isa = HY_GEMM_ISA_PORTABLE; isa <= hy_gemm_host_isa(); isa++)
    for (int act = HY_GEMM_ACT_NONE; act <= HY_GEMM_ACT_SIGMOID; act++)
      for (int parts = 0; parts < 4; parts++) {
        gcase c = {.M = sizes[next_u32() % NSIZES], .N = sizes[next_u32() % NSIZES],
                   .K = sizes[next_u32() % NSIZES], .isa = isa, .act = act, .bias = parts & 1,
                   .res = parts >> 1, .packed = act & 1, .tb = parts == 3, .alpha = 1.0f};
        check(&c);
      }
}

Test(gemm, blocks_of_k_and_threads) {
  /* K past KC (the epilogue only after the last block), M past MC, N past NC, two threads */
  static const int64_t shapes[][3] = {{13, 33, 2 * HY_GEMM_KC + 5}, {HY_GEMM_MC + 7, 40, 70},
                                      {9, HY_GEMM_NC + 37, 50},     {1, 70, HY_GEMM_KC + 1},
                                      {70, 1, 3},                   {3, 4, 0}};
  for (int isa = HY_GEMM_ISA_PORTABLE; isa <= hy_gemm_host_isa(); isa++)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
      for (int v = 0; v < 4; v++) {
        gcase c = {.M = shapes[s][0], .N = shapes[s][1], .K = shapes[s][2], .isa = isa,
                   .packed = v & 1, .ex = v & 2 ? &two_threads : NULL,
                   /* ReLU: all of the epilogue in the micro-kernel's registers; GELU after */
                   .act = v == 1 || v == 2 ? HY_GEMM_ACT_RELU : HY_GEMM_ACT_GELU,
                   .bias = 1, .res = 1, .alpha = 1.0f, .beta = v == 3 ? 1.0f : 0.0f};
        check(&c);
      }
}

Test(gemm, the_target_family_is_one_of_the_three) {
  cr_expect(hy_gemm_target_isa >= HY_GEMM_ISA_PORTABLE && hy_gemm_target_isa <= HY_GEMM_ISA_AVX512);
  gcase c = {.M = 37, .N = 67, .K = 23, .isa = HY_GEMM_ISA_TARGET, .alpha = 1.0f, .bias = 1};
  check(&c);
}

/* A six-thread parallel-for that runs serially and records how many tasks it was handed. */
static int64_t handed;
static void pfor_record(void *user, int64_t n, hy_range_fn fn, void *arg) {
  (void)user;
  handed = n;
  fn(arg, 0, n);
}

Test(gemm, splits_to_every_thread_unless_its_scratch_holds_fewer_tasks) {
  hy_exec six = {.n_threads = 6, .parallel_for = pfor_record};
  /* B pre-packed, A row-major: nothing packed, no scratch slot per task, one task per thread */
  gcase c = {.M = 96, .N = 256, .K = 64, .packed = 1, .isa = HY_GEMM_ISA_TARGET, .alpha = 1.0f,
             .bias = 1, .act = HY_GEMM_ACT_GELU, .ex = &six};
  handed = 0;
  check(&c);
  cr_expect_eq(handed, 6, "a 96x64x256 product with packed B went to %lld tasks, not 6",
               (long long)handed);
  /* B packed at run time: as many tasks as the scratch was planned for */
  c.packed = 0;
  handed = 0;
  check(&c);
  cr_expect_eq(handed, HY_GEMM_MAX_TASKS, "packing B, it went to %lld tasks, not %d",
               (long long)handed, HY_GEMM_MAX_TASKS);
  /* too little work for more than one task: no parallel region at all */
  gcase small = {.M = 8, .N = 32, .K = 16, .packed = 1, .isa = HY_GEMM_ISA_TARGET, .alpha = 1.0f,
                 .ex = &six};
  handed = 0;
  check(&small);
  cr_expect_eq(handed, 0, "an 8x16x32 product was split into %lld tasks", (long long)handed);
}

Test(gemm, rows_of_a_4kib_apart_are_copied_and_still_right) {
  /* A's row stride (K floats) a multiple of 4 KiB: its blocks are copied into rows first, so
   * the scratch must hold them and the split is limited to the planned tasks */
  static const int64_t shapes[][3] = {{29, 40, 1024}, {13, 70, 2048}, {2, 33, 3072}};
  for (int isa = HY_GEMM_ISA_PORTABLE; isa <= hy_gemm_host_isa(); isa++)
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
      for (int v = 0; v < 4; v++) {
        gcase c = {.M = shapes[s][0], .N = shapes[s][1], .K = shapes[s][2], .isa = isa,
                   .packed = v & 1, .ex = v & 2 ? &two_threads : NULL, .bias = 1, .res = v == 3,
                   .alpha = 1.0f, .beta = v == 1 ? 0.5f : 0.0f};
        check(&c);
      }
  hy_exec six = {.n_threads = 6, .parallel_for = pfor_record};
  gcase c = {.M = 96, .N = 256, .K = 1024, .packed = 1, .isa = HY_GEMM_ISA_TARGET,
             .alpha = 1.0f, .ex = &six};
  handed = 0;
  check(&c);
  cr_expect_eq(handed, HY_GEMM_MAX_TASKS, "copying A, it went to %lld tasks, not %d",
               (long long)handed, HY_GEMM_MAX_TASKS);
}
