/* The fp32 GEMM (BLIS-style), see hydra/gemm.h. B is packed into NR-wide panels (or comes
 * pre-packed); A is read in place (a transposed A is first copied into rows). A register tile of
 * MR rows x TW columns is computed with GCC vector extensions by one of three micro-kernel
 * families (hy_gemm_target_isa picks one per compile target), finished by an epilogue (bias,
 * activation, residual) while it is in cache. Also the Gemm op's kernel (every dtype). */
#include <string.h>

#include "hydra/gemm.h"
#include "hydra/kernel.h"
#include "kernels/ew_math.h"
#include "kernels/gemm_blocks.h"
#include "kernels/gemm_ukernel.h"
#include "kernels/kernel_util.h"
#include "kernels/linalg.h"

#define NR HY_GEMM_NR
#define KC HY_GEMM_KC
#define MC HY_GEMM_MC
#define NC HY_GEMM_NC

/* A copied A block has rows of kc <= KC floats (see copies_a); with KC under 1024 they are never
 * 4 KiB apart, the aliasing the copy removes. */
_Static_assert(HY_GEMM_KC < 1024, "rows of a copied A block could be 4 KiB apart");

/* ---- scratch sizing: per task [packed B block | A block copied into rows], 64-byte aligned ---- */

static size_t b_block_bytes(int64_t N, int64_t K) {
  return gb_block_bytes(N, K, NR, NC, KC, sizeof(float));
}

/* A block copied into rows (copy_a_rows): at most MC rows of KC floats. */
static size_t a_block_bytes(int64_t M, int64_t K) {
  return gb_block_bytes(M, K, 1, MC, KC, sizeof(float));
}

size_t hy_sgemm_task_bytes(int64_t M, int64_t N, int64_t K) {
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return b_block_bytes(N, K) + a_block_bytes(M, K) + 64; /* + 64: aligning the task's base */
}

size_t hy_sgemm_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks) {
  return (size_t)(tasks < 1 ? 1 : tasks) * hy_sgemm_task_bytes(M, N, K);
}

/* With B pre-packed a task only copies a transposed A. */
static size_t prepacked_task_bytes(int64_t M, int64_t N, int64_t K) {
  (void)N;
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return a_block_bytes(M, K) + 64;
}

size_t hy_sgemm_prepacked_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks) {
  return (size_t)(tasks < 1 ? 1 : tasks) * prepacked_task_bytes(M, N, K);
}

size_t hy_sgemm_packed_b_bytes(int64_t K, int64_t N) {
  return (size_t)(gb_round_up(N, NR) * K) * sizeof(float);
}

/* ---- the epilogue ---- */

/* c[0..n) = act(c + bs * bias) + res, a loop per step: a NULL test inside one loop let clang
 * turn the absent operand's loads into masked loads from address 0, whose suppressed faults cost
 * a microcode assist per vector (40% of mt_bert_small's projections). */
#define ACT_LOOP(E)                                                                                \
  for (int64_t j = 0; j < n; j++) {                                                                \
    float x = c[j];                                                                                \
    c[j] = (E);                                                                                    \
  }                                                                                                \
  break;
GEMM_INLINE void epilogue_row(int32_t act, float *restrict c, const float *restrict bias, float bs,
                              const float *restrict res, int64_t n) {
  typedef float ew_ct; /* EW_GELU_TANH's compute type */
  if (bias)
    for (int64_t j = 0; j < n; j++) c[j] += bs * bias[j];
  switch (act) {
  case HY_GEMM_ACT_RELU: ACT_LOOP(x < 0 ? 0 : x)
  case HY_GEMM_ACT_GELU: ACT_LOOP(x * 0.5f * (1 + ew_erff(x * 0.70710678118654752f)))
  case HY_GEMM_ACT_GELU_TANH: ACT_LOOP(EW_GELU_TANH(x))
  case HY_GEMM_ACT_TANH: ACT_LOOP(ew_tanhf(x))
  case HY_GEMM_ACT_SIGMOID: ACT_LOOP(EW_SIGMOID(x))
  default: break;
  }
  if (res)
    for (int64_t j = 0; j < n; j++) c[j] += res[j];
}
#undef ACT_LOOP

/* ---- packing ---- */

/* Packs B[pc.., jc..] (kc x nc) into NR-wide panels of kc rows, zero-padded past nc. */
static void pack_b(const float *B, int64_t rsb, int64_t csb, int64_t pc, int64_t kc, int64_t jc,
                   int64_t nc, float *restrict dst) {
  for (int64_t p = 0; p * NR < nc; p++) {
    float *d = dst + p * kc * NR;
    int64_t j0 = jc + p * NR, nj = gb_min(NR, nc - p * NR);
    const float *src = B + pc * rsb + j0 * csb;
    if (csb == 1 && nj == NR) {
      for (int64_t k = 0; k < kc; k++) memcpy(d + k * NR, src + k * rsb, NR * sizeof(float));
      continue;
    }
    if (nj < NR)
      for (int64_t k = 0; k < kc; k++) memset(d + k * NR + nj, 0, (size_t)(NR - nj) * sizeof(float));
    /* column by column: a transposed B (csb != 1) is then read contiguously */
    for (int64_t j = 0; j < nj; j++)
      for (int64_t k = 0; k < kc; k++) d[k * NR + j] = src[k * rsb + j * csb];
  }
}

/* Copies A[ic.., pc..] (mc x kc) into rows of kc floats, once per block (see copies_a). */
static void copy_a_rows(const float *A, int64_t rsa, int64_t csa, int64_t ic, int64_t mc,
                        int64_t pc, int64_t kc, float *restrict dst) {
  const float *src = A + ic * rsa + pc * csa;
  if (csa == 1) {
    for (int64_t i = 0; i < mc; i++)
      memcpy(dst + i * kc, src + i * rsa, (size_t)kc * sizeof(float));
    return;
  }
  for (int64_t k = 0; k < kc; k++) /* a transposed A: read along its rows */
    for (int64_t i = 0; i < mc; i++) dst[i * kc + k] = src[i * rsa + k * csa];
}

void hy_sgemm_pack_b(int64_t K, int64_t N, const float *B, int64_t rsb, int64_t csb, float *dst) {
  /* the packed-B layout is pack_b of all of B with kc = K */
  pack_b(B, rsb, csb, 0, K, 0, N, dst);
}

/* ---- the blocked loops and the split into tasks ---- */

typedef struct gemm_job {
  hy_sgemm_args g;
  int isa, mr;
  char *scratch;
  size_t task_bytes, b_bytes; /* per task: all of it, and its packed-B part */
  gb_split split;
} gemm_job;

/* Copies the first n columns of tile t (m rows of TW floats) into C at (i0, j0): a tile cut by
 * the edge of C, computed into t with alpha and beta 0. beta: C's factor. */
GEMM_INLINE void tile_copy(const hy_sgemm_args *g, const float *restrict t, int tw, int64_t i0,
                           int64_t j0, int64_t m, int64_t n, float beta) {
  for (int64_t i = 0; i < m; i++) {
    float *c = g->C + (i0 + i) * g->ldc + j0;
    const float *ti = t + i * tw;
    if (beta == 0.0f)
      for (int64_t j = 0; j < n; j++) c[j] = ti[j];
    else
      for (int64_t j = 0; j < n; j++) c[j] = ti[j] + beta * c[j];
  }
}

/* Whether the micro-kernel applies all of the epilogue in registers (hy_gemm_uk_ep): no
 * activation but ReLU. Otherwise it applies the bias and tile_epilogue the rest after the store. */
static inline bool epilogue_in_registers(const hy_gemm_epilogue *ep) {
  return ep->act == HY_GEMM_ACT_NONE || ep->act == HY_GEMM_ACT_RELU;
}

/* The micro-kernel's part of the epilogue for the full tile at (i0, j0). */
GEMM_INLINE void tile_uk_ep(const hy_gemm_epilogue *ep, int64_t i0, int64_t j0,
                            hy_gemm_uk_ep *uk) {
  bool all = epilogue_in_registers(ep);
  uk->bias = ep->bias ? ep->bias + j0 : NULL;
  uk->bias_scale = ep->bias_scale;
  uk->relu = ep->act == HY_GEMM_ACT_RELU;
  uk->res = all && ep->res ? ep->res + i0 * ep->ldr + j0 : NULL;
  uk->ldr = ep->ldr;
}

/* The epilogue on C's rows [i0, i0 + m) x columns [j0, j0 + n), after the last block of K;
 * whole: all of it (a tile cut by C's edge), else what the micro-kernel left (not the bias). */
GEMM_INLINE void tile_epilogue(const hy_sgemm_args *g, int64_t i0, int64_t j0, int64_t m,
                               int64_t n, bool whole) {
  const hy_gemm_epilogue *ep = &g->ep;
  const float *bias = whole ? ep->bias : NULL;
  if (!bias && !ep->res && ep->act == HY_GEMM_ACT_NONE) return;
  for (int64_t i = 0; i < m; i++)
    epilogue_row(ep->act, g->C + (i0 + i) * g->ldc + j0, bias ? bias + j0 : NULL,
                 ep->bias_scale, ep->res ? ep->res + (i0 + i) * ep->ldr + j0 : NULL, n);
}

/* Whether A's blocks are copied into rows (copy_a_rows) before the micro-kernel reads them: a
 * transposed A, and an A whose row stride is a multiple of 4 KiB. The micro-kernel reads MR rows
 * of A at once; at such a stride they all fall in one set of the L1 cache, more of them than it
 * has ways, so each row's line is evicted before its next elements are read (128 x K x 768 at
 * K = 2048 or 3072 ran at 84% of the FMA peak, at K = 768 or 1536 at 94-97%). */
static inline bool copies_a(const hy_sgemm_args *g) {
  return g->csa != 1 || (g->M > 1 && g->rsa % 1024 == 0);
}

/* Computes rows [m0, m1) x columns [n0, n1) of C; n0 is a multiple of NR. */
VEC512 static void gemm_rect(const gemm_job *j, float *bbuf, float *abuf, int64_t m0, int64_t m1,
                             int64_t n0, int64_t n1) {
  const hy_sgemm_args *g = &j->g;
  const int isa = j->isa, MR = j->mr, TW = gu_isa_tw(isa);
  float t[HY_GEMM_UK_MR_MAX * HY_GEMM_UK_TW_MAX] __attribute__((aligned(64)));
  const bool copy_a = copies_a(g);
  const bool has_ep = g->ep.bias || g->ep.res || g->ep.act != HY_GEMM_ACT_NONE;
  const bool in_regs = epilogue_in_registers(&g->ep);
  for (int64_t jc = n0; jc < n1; jc += NC) {
    int64_t nc = gb_min(NC, n1 - jc);
    for (int64_t pc = 0; pc < g->K; pc += KC) {
      int64_t kc = gb_min(KC, g->K - pc);
      bool first = pc == 0, last = pc + kc >= g->K;
      const float *bpan = bbuf;
      int64_t bstride = kc * NR;
      if (g->b_packed) {
        bpan = g->B + (jc / NR) * g->K * NR + pc * NR;
        bstride = g->K * NR;
      } else {
        pack_b(g->B, g->rsb, g->csb, pc, kc, jc, nc, bbuf);
      }
      for (int64_t ic = m0; ic < m1; ic += MC) {
        int64_t mc = gb_min(MC, m1 - ic);
        const float *ab = g->A + ic * g->rsa + pc * g->csa;
        int64_t lda = g->rsa;
        if (copy_a) {
          copy_a_rows(g->A, g->rsa, g->csa, ic, mc, pc, kc, abuf);
          ab = abuf, lda = kc;
        }
        /* one B panel stays in L1/L2 while every row tile of the block passes over it */
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const float *panel = bpan + (jr / NR) * bstride;
          int64_t nj = gb_min(NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int mr = (int)gb_min(MR, mc - ir);
            for (int64_t s = 0; s < nj; s += TW) {
              int64_t i0 = ic + ir, j0 = jc + jr + s, n = gb_min(TW, nj - s);
              float beta = first ? g->beta : 1.0f;
              if (n == TW) {
                /* a full tile: the epilogue's bias, ReLU and residual in registers, on the
                 * last block of K; another activation after the store (tile_epilogue) */
                hy_gemm_uk_ep uk, *ukp = last && has_ep ? &uk : NULL;
                if (ukp) tile_uk_ep(&g->ep, i0, j0, &uk);
                gu_ukernel_rows(isa, mr, TW, kc, ab + ir * lda, lda, panel + s, g->alpha, beta,
                                g->C + i0 * g->ldc + j0, g->ldc, ukp);
                if (last && !in_regs) tile_epilogue(g, i0, j0, mr, n, false);
              } else { /* cut by C's edge: into t, then its n columns */
                gu_ukernel_rows(isa, mr, n, kc, ab + ir * lda, lda, panel + s, g->alpha, 0.0f, t,
                                TW, NULL);
                tile_copy(g, t, TW, i0, j0, mr, n, beta);
                if (last) tile_epilogue(g, i0, j0, mr, n, true);
              }
            }
          }
        }
      }
    }
  }
}

VEC512 GEMM_INLINE void gemm_tasks(void *arg, int64_t begin, int64_t end) {
  const gemm_job *j = arg;
  for (int64_t t = begin; t < end; t++) {
    uintptr_t base = (uintptr_t)(j->scratch + (size_t)t * j->task_bytes);
    float *bbuf = (float *)((base + 63) & ~(uintptr_t)63);
    float *abuf = (float *)((char *)bbuf + j->b_bytes);
    int64_t m0, m1, n0, n1;
    gb_task_rect(&j->split, t, j->g.M, j->g.N, j->mr, NR, &m0, &m1, &n0, &n1);
    gemm_rect(j, bbuf, abuf, m0, m1, n0, n1);
  }
}

/* C = beta * C, then the epilogue, for an empty inner dimension. */
static void scale_c(const hy_sgemm_args *g) {
  for (int64_t i = 0; i < g->M; i++) {
    float *c = g->C + i * g->ldc;
    for (int64_t k = 0; k < g->N; k++) c[k] = g->beta != 0.0f ? g->beta * c[k] : 0.0f;
    const hy_gemm_epilogue *ep = &g->ep;
    epilogue_row(ep->act, c, ep->bias, ep->bias_scale, ep->res ? ep->res + i * ep->ldr : NULL,
                 g->N);
  }
}

GEMM_INLINE void gemm_run(const hy_sgemm_args *g, void *scratch, int32_t tasks,
                          const hy_exec *ex) {
  if (g->M <= 0 || g->N <= 0) return;
  if (g->K <= 0) {
    scale_c(g);
    return;
  }
  gemm_job j = {.g = *g, .scratch = scratch};
  j.isa = g->isa == HY_GEMM_ISA_TARGET ? hy_gemm_target_isa : g->isa;
  j.mr = gu_isa_mr(j.isa);
  /* `tasks` counts the scratch slots planned at compile time; a product that packs nothing (B
   * pre-packed, A's rows contiguous) uses none and splits across every thread of the session */
  bool packs = !g->b_packed || copies_a(g);
  j.split = gb_split_of(g->M, g->N, g->K, j.mr, NR, packs ? tasks : INT32_MAX, ex);
  j.task_bytes = g->b_packed ? prepacked_task_bytes(g->M, g->N, g->K)
                             : hy_sgemm_task_bytes(g->M, g->N, g->K);
  j.b_bytes = g->b_packed ? 0 : b_block_bytes(g->N, g->K);
  if (j.split.n_tasks == 1) /* a direct call: inlined and specialised, unlike the pointer */
    gemm_tasks(&j, 0, 1);
  else
    hy_parallel_for(ex, j.split.n_tasks, gemm_tasks, &j);
}

void hy_sgemm_run(const hy_sgemm_args *g, void *scratch, int32_t tasks, const hy_exec *ex) {
  gemm_run(g, scratch, tasks, ex);
}

void hy_sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsa,
              int64_t csa, const float *B, int64_t rsb, int64_t csb, float beta, float *C,
              int64_t ldc, void *scratch, int32_t tasks, const hy_exec *ex) {
  hy_sgemm_args g = {.M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .A = A, .rsa = rsa,
                     .csa = csa, .B = B, .rsb = rsb, .csb = csb, .C = C, .ldc = ldc,
                     .isa = HY_GEMM_ISA_TARGET};
  gemm_run(&g, scratch, tasks, ex);
}

void hy_sgemm_prepacked(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsa,
                        int64_t csa, const float *Bpacked, float beta, float *C, int64_t ldc,
                        void *scratch, int32_t tasks, const hy_exec *ex) {
  hy_sgemm_args g = {.M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .A = A, .rsa = rsa,
                     .csa = csa, .B = Bpacked, .b_packed = 1, .C = C, .ldc = ldc,
                     .isa = HY_GEMM_ISA_TARGET};
  gemm_run(&g, scratch, tasks, ex);
}

/* ---- every other dtype: dot products, exact for the integers (wrapping like numpy) ---- */

#define LD_SAME(x) (x)
#define ST_F64(x) (x)
#define ST_F16(x) hy_k_f32_to_f16((float)(x))
#define ST_BF16(x) hy_k_f32_to_bf16((float)(x))

#define REF_GEMM_FP(name, T, ACC, LD, ST)                                                          \
  static void ref_gemm_##name(int64_t M, int64_t N, int64_t K, double alpha, const T *A,           \
                              int64_t rsa, int64_t csa, const T *B, int64_t rsb, int64_t csb,      \
                              double beta, T *C, int64_t ldc) {                                    \
    for (int64_t i = 0; i < M; i++)                                                                \
      for (int64_t j = 0; j < N; j++) {                                                            \
        ACC s = 0;                                                                                 \
        for (int64_t k = 0; k < K; k++)                                                            \
          s += (ACC)LD(A[i * rsa + k * csa]) * (ACC)LD(B[k * rsb + j * csb]);                      \
        T *c = &C[i * ldc + j];                                                                    \
        double r = alpha * (double)s;                                                              \
        if (beta != 0.0) r += beta * (double)LD(*c);                                               \
        *c = ST(r);                                                                                \
      }                                                                                            \
  }

/* Integer products accumulate in uint64_t, which wraps instead of overflowing into UB. */
#define REF_GEMM_INT(name, T)                                                                      \
  static void ref_gemm_##name(int64_t M, int64_t N, int64_t K, double alpha, const T *A,           \
                              int64_t rsa, int64_t csa, const T *B, int64_t rsb, int64_t csb,      \
                              double beta, T *C, int64_t ldc) {                                    \
    for (int64_t i = 0; i < M; i++)                                                                \
      for (int64_t j = 0; j < N; j++) {                                                            \
        uint64_t s = 0;                                                                            \
        for (int64_t k = 0; k < K; k++)                                                            \
          s += (uint64_t)A[i * rsa + k * csa] * (uint64_t)B[k * rsb + j * csb];                    \
        T *c = &C[i * ldc + j];                                                                    \
        if (alpha == 1.0 && (beta == 0.0 || beta == 1.0))                                          \
          *c = (T)(s + (beta != 0.0 ? (uint64_t)*c : 0));                                          \
        else                                                                                       \
          *c = (T)(int64_t)(alpha * (double)(T)s + (beta != 0.0 ? beta * (double)*c : 0.0));      \
      }                                                                                            \
  }

REF_GEMM_FP(f64, double, double, LD_SAME, ST_F64)
REF_GEMM_FP(f16, uint16_t, float, hy_k_f16_to_f32, ST_F16)
REF_GEMM_FP(bf16, uint16_t, float, hy_k_bf16_to_f32, ST_BF16)
REF_GEMM_INT(i32, int32_t)
REF_GEMM_INT(i64, int64_t)
REF_GEMM_INT(u32, uint32_t)
REF_GEMM_INT(u64, uint64_t)

hy_status hy_gemm_any(hy_dtype dt, int64_t M, int64_t N, int64_t K, double alpha, const void *A,
                      int64_t rsa, int64_t csa, const void *B, int64_t rsb, int64_t csb,
                      double beta, void *C, int64_t ldc, void *scratch, int32_t tasks,
                      const hy_exec *ex) {
#define REF_CASE(DT, name, T)                                                                      \
  case DT:                                                                                         \
    ref_gemm_##name(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc);                       \
    return HY_OK;
  switch (dt) {
  case HY_DTYPE_FLOAT:
    hy_sgemm(M, N, K, (float)alpha, A, rsa, csa, B, rsb, csb, (float)beta, C, ldc, scratch, tasks,
             ex);
    return HY_OK;
    REF_CASE(HY_DTYPE_DOUBLE, f64, double)
    REF_CASE(HY_DTYPE_FLOAT16, f16, uint16_t)
    REF_CASE(HY_DTYPE_BFLOAT16, bf16, uint16_t)
    REF_CASE(HY_DTYPE_INT32, i32, int32_t)
    REF_CASE(HY_DTYPE_INT64, i64, int64_t)
    REF_CASE(HY_DTYPE_UINT32, u32, uint32_t)
    REF_CASE(HY_DTYPE_UINT64, u64, uint64_t)
  default:
    return HY_ERR_DTYPE;
  }
#undef REF_CASE
}

/* ---- the Gemm op ----
 * gemm: Y = alpha * op(A) * op(B) + beta * C. in: A, B, C (optional, unidirectionally
 * broadcast to [M, N]). ints: [transA, transB, tasks, packed]; floats: [alpha, beta]. packed 1:
 * B is float in the packed-B layout (pre-packed at compile time) and the transB flag is moot.
 * scratch: hy_sgemm_scratch_bytes(M, N, K, tasks) for float (hy_sgemm_prepacked_scratch_bytes
 * when packed), else 0. */

/* Y (M x N) = C broadcast, element by element as bytes. */
GEMM_INLINE void broadcast_c(const hy_tdesc *ct, const char *C, char *Y, int64_t M, int64_t N,
                        size_t es) {
  int64_t cm = ct->rank == 2 ? ct->dims[0] : 1, cn = ct->rank >= 1 ? ct->dims[ct->rank - 1] : 1;
  if (cm == M && cn == N) {
    if (Y != C) memmove(Y, C, (size_t)(M * N) * es);
    return;
  }
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++)
      memcpy(Y + (size_t)(i * N + j) * es,
             C + (size_t)((cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)) * es, es);
}

hy_status hy_kernel_gemm(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  const hy_tdesc *a = &p->in[0];
  int64_t ta = p->ints[0], tb = p->ints[1];
  int64_t M = ta ? a->dims[1] : a->dims[0], K = ta ? a->dims[0] : a->dims[1];
  int64_t N = p->out[0].dims[1];
  double alpha = p->floats[0], beta = p->floats[1];
  hy_dtype dt = (hy_dtype)p->out[0].dtype;
  bool has_c = p->n_in > 2 && in[2] && p->in[2].dtype != HY_DTYPE_UNDEFINED && beta != 0.0;
  if (has_c) broadcast_c(&p->in[2], in[2], out[0], M, N, hy_linalg_esize(dt));
  /* element (i, k) of op(A) is at i*rsa + k*csa; a transpose swaps the strides */
  int64_t rsa = ta ? 1 : K, csa = ta ? M : 1, rsb = tb ? 1 : N, csb = tb ? K : 1;
  if (p->ints[3]) {
    if (dt != HY_DTYPE_FLOAT) return HY_ERR_DTYPE;
    hy_sgemm_prepacked(M, N, K, (float)alpha, in[0], rsa, csa, in[1], has_c ? (float)beta : 0.0f,
                       out[0], N, scratch, (int32_t)p->ints[2], ex);
    return HY_OK;
  }
  return hy_gemm_any(dt, M, N, K, alpha, in[0], rsa, csa, in[1], rsb, csb, has_c ? beta : 0.0,
                     out[0], N, scratch, (int32_t)p->ints[2], ex);
}
