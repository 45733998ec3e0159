/* Internal interface of the linalg kernels (gemm.c, matmul.c, conv.c): a GEMM over any of their
 * dtypes. float goes to the packed GEMM (hydra/gemm.h); the others, which the ONNX suite tests but
 * no model spends time on, use a plain dot-product loop. The quant kernels share the matmul
 * batching and Conv's im2col. */
#ifndef HY_KERNELS_LINALG_H
#define HY_KERNELS_LINALG_H

#include "hydra/gemm.h"
#include "hydra/kernel.h"

/* C = alpha * A * B + beta * C (beta == 0 never reads C) for M x K by K x N strided views, strides
 * in elements. scratch/tasks as for hy_sgemm (only float uses them). HY_ERR_DTYPE for a dtype
 * outside float, double, float16, bfloat16, int32, int64, uint32, uint64. */
/* Element size of the linalg dtypes (hy_dtype_size lives outside the kernel bitcode). */
static inline size_t hy_linalg_esize(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16: return 2;
  case HY_DTYPE_FLOAT: case HY_DTYPE_INT32: case HY_DTYPE_UINT32: return 4;
  default: return 8;
  }
}

hy_status hy_gemm_any(hy_dtype dt, int64_t M, int64_t N, int64_t K, double alpha, const void *A,
                      int64_t rsa, int64_t csa, const void *B, int64_t rsb, int64_t csb,
                      double beta, void *C, int64_t ldc, void *scratch, int32_t tasks,
                      const hy_exec *ex);

/* MatMul's product as a list of GEMMs (matmul.c, and the integer matmuls of quant_matmul.c):
 * batch dims broadcast, strides in elements (0: broadcast). */
typedef struct hy_mm_shape {
  int64_t M, N, K, batches;
  int32_t br;
  int64_t bdims[HY_MAX_RANK], sa[HY_MAX_RANK], sb[HY_MAX_RANK];
} hy_mm_shape;

static inline void hy_mm_shape_of(const hy_tdesc *a, const hy_tdesc *b, hy_mm_shape *s) {
  int32_t ra = a->rank, rb = b->rank;
  int32_t ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
  s->M = ra >= 2 ? a->dims[ra - 2] : 1;
  s->K = a->dims[ra - 1];
  s->N = rb >= 2 ? b->dims[rb - 1] : 1;
  s->br = ba > bb ? ba : bb;
  s->batches = 1;
  int64_t sta = s->M * s->K, stb = s->K * s->N;
  for (int32_t d = s->br - 1; d >= 0; d--) {
    int32_t ia = d - (s->br - ba), ib = d - (s->br - bb);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    s->bdims[d] = da == 1 ? db : da;
    s->sa[d] = da == 1 ? 0 : sta;
    s->sb[d] = db == 1 ? 0 : stb;
    sta *= da;
    stb *= db;
    s->batches *= s->bdims[d];
  }
  if (bb == 0) { /* one B for every batch of A: the batches are just more rows of one GEMM */
    s->M *= s->batches;
    s->batches = 1;
    s->br = 0;
  }
}

/* Element offsets of batch b's A and B. */
static inline void hy_mm_batch_offsets(const hy_mm_shape *s, int64_t b, int64_t *oa,
                                       int64_t *ob) {
  int64_t rest = b;
  *oa = *ob = 0;
  for (int32_t d = s->br - 1; d >= 0; d--) {
    int64_t i = rest % s->bdims[d];
    rest /= s->bdims[d];
    *oa += i * s->sa[d];
    *ob += i * s->sb[d];
  }
}

/* Conv's geometry, from the attribute block of conv.c (shared with quant_conv.c, which appends
 * its own fields): ints [nsp, group, tasks, im2col, kernel[nsp], strides[nsp], dilations[nsp],
 * pads_begin[nsp], pads_end[nsp]]; X is in[0], W in[1], Y out[0]; es bytes per column element. */
typedef struct hy_conv_geo {
  int32_t nsp;
  int64_t group, Cg, Mg, kvol, isz, osz;
  const int64_t *k, *st, *dl, *pb;
  const int64_t *idims, *odims;
  size_t es;
} hy_conv_geo;

static inline void hy_conv_geo_of(const hy_kparams *p, size_t es, hy_conv_geo *g) {
  int32_t nsp = (int32_t)p->ints[0];
  const hy_tdesc *w = &p->in[1];
  *g = (hy_conv_geo){.nsp = nsp, .group = p->ints[1], .k = p->ints + 4, .st = p->ints + 4 + nsp,
                     .dl = p->ints + 4 + 2 * nsp, .pb = p->ints + 4 + 3 * nsp,
                     .idims = p->in[0].dims + 2, .odims = p->out[0].dims + 2, .es = es};
  g->Cg = w->dims[1];
  g->Mg = w->dims[0] / g->group;
  g->kvol = g->isz = g->osz = 1;
  for (int32_t d = 0; d < nsp; d++) {
    g->kvol *= g->k[d];
    g->isz *= g->idims[d];
    g->osz *= g->odims[d];
  }
}

/* The column matrix (Cg * kvol rows of osz elements, zero in the padding) of one group's Cg
 * channels at x; elements of g->es (2, 4 or 8) bytes are copied as bits. */
void hy_conv_im2col(const hy_conv_geo *g, const char *x, char *col);

#endif
