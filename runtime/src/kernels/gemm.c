/* The packed fp32 GEMM (BLIS-style), see hydra/gemm.h: B and A blocks are packed into scratch and
 * an MR x NR register tile is computed with GCC vector extensions, which become zmm FMAs once the
 * module is compiled for an AVX-512 CPU. Also the Gemm op's kernel (every dtype). */
#include <string.h>

#include "hydra/gemm.h"
#include "hydra/kernel.h"
#include "kernels/gemm_blocks.h"
#include "kernels/kernel_util.h"
#include "kernels/linalg.h"

#define MR HY_GEMM_MR
#define NR HY_GEMM_NR
#define KC HY_GEMM_KC
#define MC HY_GEMM_MC
#define NC HY_GEMM_NC
#define NV (NR / 16)

/* The task split and the bias broadcast are inlined at every GEMM call (GEMM_INLINE, see
 * gemm_blocks.h) so that in generated code each node reaches gemm_tasks through a direct call
 * with its constant job (see gemm_run). */

typedef float v16f __attribute__((vector_size(64)));
typedef float v16f_u __attribute__((vector_size(64), aligned(4)));


/* ---- scratch sizing: per task [packed B block | packed A block], each 64-byte aligned ---- */

static size_t b_block_bytes(int64_t N, int64_t K) {
  return gb_block_bytes(N, K, NR, NC, KC, sizeof(float));
}

static size_t a_block_bytes(int64_t M, int64_t K) {
  return gb_block_bytes(M, K, MR, MC, KC, sizeof(float));
}

size_t hy_sgemm_task_bytes(int64_t M, int64_t N, int64_t K) {
  if (M <= 0 || N <= 0 || K <= 0) return 0;
  return b_block_bytes(N, K) + a_block_bytes(M, K) + 64; /* + 64: aligning the task's base */
}

size_t hy_sgemm_scratch_bytes(int64_t M, int64_t N, int64_t K, int32_t tasks) {
  return (size_t)(tasks < 1 ? 1 : tasks) * hy_sgemm_task_bytes(M, N, K);
}

/* With B pre-packed a task only packs A. */
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

/* ---- the micro-kernel ---- */

/* Writes alpha * acc (+ beta * C unless beta == 0) to the m x n corner of the tile at c. */
VEC512 static inline void tile_store(v16f acc[MR][NV], float alpha, float beta, float *restrict c,
                              int64_t ldc, int64_t m, int64_t n) {
  if (m == MR && n == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        v16f_u *cp = (v16f_u *)(c + i * ldc + 16 * v);
        v16f r = alpha * acc[i][v];
        if (beta != 0.0f) r += beta * *cp;
        *cp = r;
      }
    return;
  }
  float tile[MR * NR] __attribute__((aligned(64)));
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) *(v16f *)(tile + i * NR + 16 * v) = alpha * acc[i][v];
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      float r = tile[i * NR + j];
      c[i * ldc + j] = beta != 0.0f ? r + beta * c[i * ldc + j] : r;
    }
}

/* acc = sum over k of ap[k][0..MR) x bp[k][0..NR) (outer products), then stored. ap and bp are
 * 64-byte aligned packed panels; the accumulators live in registers (MR * NV zmm). The first
 * pf_lines steps also prefetch one 64-byte line each from pf (part of the next B panel). */
VEC512 static inline void ukernel(int64_t kc, const float *restrict ap, const float *restrict bp,
                           float alpha, float beta, float *restrict c, int64_t ldc, int64_t m,
                           int64_t n, const float *pf, int64_t pf_lines) {
  v16f acc[MR][NV];
  const v16f zero = {0};
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = zero;
  for (int64_t k = 0; k < kc; k++) {
    if (k < pf_lines) __builtin_prefetch(pf + 16 * k, 0, 3);
    v16f b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = *(const v16f_u *)(bp + k * NR + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float a = ap[k * MR + i];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] += a * b[v];
    }
  }
  tile_store(acc, alpha, beta, c, ldc, m, n);
}

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

/* Packs A[ic.., pc..] (mc x kc) into MR-tall panels of kc columns, zero-padded past mc. */
static void pack_a(const float *A, int64_t rsa, int64_t csa, int64_t ic, int64_t mc, int64_t pc,
                   int64_t kc, float *restrict dst) {
  for (int64_t q = 0; q * MR < mc; q++) {
    float *d = dst + q * kc * MR;
    int64_t i0 = ic + q * MR, mi = gb_min(MR, mc - q * MR);
    const float *src = A + i0 * rsa + pc * csa;
    if (mi < MR)
      for (int64_t k = 0; k < kc; k++) memset(d + k * MR + mi, 0, (size_t)(MR - mi) * sizeof(float));
    if (rsa == 1) { /* transposed A: rows of a k are contiguous */
      for (int64_t k = 0; k < kc; k++)
        for (int64_t i = 0; i < mi; i++) d[k * MR + i] = src[k * csa + i];
    } else {
      for (int64_t i = 0; i < mi; i++)
        for (int64_t k = 0; k < kc; k++) d[k * MR + i] = src[i * rsa + k * csa];
    }
  }
}

void hy_sgemm_pack_b(int64_t K, int64_t N, const float *B, int64_t rsb, int64_t csb, float *dst) {
  /* the packed-B layout is pack_b of all of B with kc = K */
  pack_b(B, rsb, csb, 0, K, 0, N, dst);
}

/* ---- the blocked loops and the split into tasks ---- */

typedef struct gemm_job {
  int64_t M, N, K;
  float alpha, beta;
  const float *A;
  int64_t rsa, csa;
  const float *B; /* strided B, or NULL when Bpk is set */
  int64_t rsb, csb;
  const float *Bpk; /* B in the packed-B layout */
  float *C;
  int64_t ldc;
  char *scratch;
  size_t task_bytes, b_bytes; /* per task: all of it, and its packed-B part */
  gb_split split;
} gemm_job;

/* Computes rows [m0, m1) x columns [n0, n1) of C; n0 is a multiple of NR. */
VEC512 static void gemm_rect(const gemm_job *j, float *bbuf, float *abuf, int64_t m0, int64_t m1,
                      int64_t n0, int64_t n1) {
  for (int64_t jc = n0; jc < n1; jc += NC) {
    int64_t nc = gb_min(NC, n1 - jc);
    for (int64_t pc = 0; pc < j->K; pc += KC) {
      int64_t kc = gb_min(KC, j->K - pc);
      const float *bpan = bbuf;
      int64_t bstride = kc * NR;
      if (j->Bpk) {
        bpan = j->Bpk + (jc / NR) * j->K * NR + pc * NR;
        bstride = j->K * NR;
      } else {
        pack_b(j->B, j->rsb, j->csb, pc, kc, jc, nc, bbuf);
      }
      float beta = pc == 0 ? j->beta : 1.0f;
      for (int64_t ic = m0; ic < m1; ic += MC) {
        int64_t mc = gb_min(MC, m1 - ic);
        pack_a(j->A, j->rsa, j->csa, ic, mc, pc, kc, abuf);
        /* A pre-packed B streams from L3 or memory (the weights of a model do not stay in L2
         * from one run to the next): the tiles of one panel prefetch the next panel's lines,
         * an equal share each, so it is in cache when its turn comes. */
        int64_t n_ir = (mc + MR - 1) / MR, lines = kc * NR / 16;
        int64_t share = j->Bpk ? (lines + n_ir - 1) / n_ir : 0;
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const float *panel = bpan + (jr / NR) * bstride;
          const float *next = jr + NR < nc ? panel + bstride : panel;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int64_t first = (ir / MR) * share;
            int64_t count = jr + NR < nc ? gb_min(share, lines - first) : 0;
            ukernel(kc, abuf + (ir / MR) * kc * MR, panel, j->alpha, beta,
                    j->C + (ic + ir) * j->ldc + jc + jr, j->ldc, gb_min(MR, mc - ir),
                    gb_min(NR, nc - jr), next + first * 16, count);
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
    gb_task_rect(&j->split, t, j->M, j->N, MR, NR, &m0, &m1, &n0, &n1);
    gemm_rect(j, bbuf, abuf, m0, m1, n0, n1);
  }
}

/* C = beta * C for an empty inner dimension. */
static void scale_c(int64_t M, int64_t N, float beta, float *C, int64_t ldc) {
  for (int64_t i = 0; i < M; i++)
    for (int64_t k = 0; k < N; k++) C[i * ldc + k] = beta != 0.0f ? beta * C[i * ldc + k] : 0.0f;
}

GEMM_INLINE void gemm_run(gemm_job *j, int32_t tasks, const hy_exec *ex) {
  if (j->M <= 0 || j->N <= 0) return;
  if (j->K <= 0) {
    scale_c(j->M, j->N, j->beta, j->C, j->ldc);
    return;
  }
  j->split = gb_split_of(j->M, j->N, j->K, MR, NR, tasks, ex);
  j->task_bytes = j->Bpk ? prepacked_task_bytes(j->M, j->N, j->K)
                        : hy_sgemm_task_bytes(j->M, j->N, j->K);
  j->b_bytes = j->Bpk ? 0 : b_block_bytes(j->N, j->K);
  if (j->split.n_tasks == 1) /* a direct call: inlined and specialised, unlike the pointer */
    gemm_tasks(j, 0, 1);
  else
    hy_parallel_for(ex, j->split.n_tasks, gemm_tasks, j);
}

void hy_sgemm(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsa,
              int64_t csa, const float *B, int64_t rsb, int64_t csb, float beta, float *C,
              int64_t ldc, void *scratch, int32_t tasks, const hy_exec *ex) {
  gemm_job j = {.M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .A = A, .rsa = rsa,
                .csa = csa, .B = B, .rsb = rsb, .csb = csb, .C = C, .ldc = ldc,
                .scratch = scratch};
  gemm_run(&j, tasks, ex);
}

void hy_sgemm_prepacked(int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t rsa,
                        int64_t csa, const float *Bpacked, float beta, float *C, int64_t ldc,
                        void *scratch, int32_t tasks, const hy_exec *ex) {
  gemm_job j = {.M = M, .N = N, .K = K, .alpha = alpha, .beta = beta, .A = A, .rsa = rsa,
                .csa = csa, .Bpk = Bpacked, .C = C, .ldc = ldc, .scratch = scratch};
  gemm_run(&j, tasks, ex);
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
