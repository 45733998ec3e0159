/* MatMul (numpy matmul: batch broadcasting, 1-D operands) for every dtype the ONNX suite tests:
 * float through the packed GEMM, the others through hy_gemm_any's loops.
 *
 * matmul: in A [..., M, K] (or [K]), B [..., K, N] (or [K]); out Y. ints: [tasks, packed].
 * packed 1: B is a float K x N matrix in the packed-B layout of hydra/gemm.h (pre-packed at
 * compile time; N is Y's last dim). scratch: hy_sgemm_scratch_bytes(rows of A, N, K, tasks) for
 * float (hy_sgemm_prepacked_scratch_bytes when packed), else 0. */
#include "kernels/linalg.h"

/* The product as a list of GEMMs: batch dims broadcast, strides in elements (0: broadcast). */
typedef struct mm_shape {
  int64_t M, N, K, batches;
  int32_t br;
  int64_t bdims[HY_MAX_RANK], sa[HY_MAX_RANK], sb[HY_MAX_RANK];
} mm_shape;

static void mm_shape_of(const hy_tdesc *a, const hy_tdesc *b, mm_shape *s) {
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

typedef struct mm_job {
  const mm_shape *s;
  hy_dtype dt;
  size_t es;
  const char *A, *B;
  bool packed;
  char *Y;
  char *scratch;
  size_t task_bytes;
  int64_t n_tasks;
} mm_job;

static hy_status mm_batch(const mm_job *j, int64_t b, void *scratch, int32_t tasks,
                          const hy_exec *ex) {
  const mm_shape *s = j->s;
  int64_t oa = 0, ob = 0, rest = b;
  for (int32_t d = s->br - 1; d >= 0; d--) {
    int64_t i = rest % s->bdims[d];
    rest /= s->bdims[d];
    oa += i * s->sa[d];
    ob += i * s->sb[d];
  }
  if (j->packed) {
    hy_sgemm_prepacked(s->M, s->N, s->K, 1.0f, (const float *)j->A + oa, s->K, 1,
                       (const float *)j->B, 0.0f, (float *)j->Y + b * s->M * s->N, s->N, scratch,
                       tasks, ex);
    return HY_OK;
  }
  return hy_gemm_any(j->dt, s->M, s->N, s->K, 1.0, j->A + (size_t)oa * j->es, s->K, 1,
                     j->B + (size_t)ob * j->es, s->N, 1, 0.0,
                     j->Y + (size_t)(b * s->M * s->N) * j->es, s->N, scratch, tasks, ex);
}

/* Task t computes its share of the batches serially in its own slice of scratch. */
static void mm_tasks(void *arg, int64_t begin, int64_t end) {
  const mm_job *j = arg;
  for (int64_t t = begin; t < end; t++) {
    int64_t lo = t * j->s->batches / j->n_tasks, hi = (t + 1) * j->s->batches / j->n_tasks;
    for (int64_t b = lo; b < hi; b++)
      (void)mm_batch(j, b, j->scratch + (size_t)t * j->task_bytes, 1, NULL);
  }
}

static bool mm_dtype_ok(int32_t dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_FLOAT16: case HY_DTYPE_INT32:
  case HY_DTYPE_INT64: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
    return true;
  default:
    return false;
  }
}

hy_status hy_kernel_matmul(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  mm_shape s;
  bool packed = p->ints[1] != 0;
  const hy_tdesc *a = &p->in[0], *y = &p->out[0];
  /* a packed B is K x N, N being Y's last dim */
  int64_t yn = y->rank > 0 ? y->dims[y->rank - 1] : 1;
  hy_tdesc bk = {.dtype = y->dtype, .rank = 2, .dims = {a->dims[a->rank - 1], yn}};
  mm_shape_of(a, packed ? &bk : &p->in[1], &s);
  if (!mm_dtype_ok(y->dtype) || (packed && y->dtype != HY_DTYPE_FLOAT)) return HY_ERR_DTYPE;
  int32_t tasks = (int32_t)p->ints[0];
  mm_job j = {.s = &s, .dt = (hy_dtype)p->out[0].dtype, .es = hy_linalg_esize(p->out[0].dtype),
              .A = in[0], .B = in[1], .packed = packed, .Y = out[0], .scratch = scratch};
  int64_t threads = ex && ex->parallel_for && ex->n_threads > 1 ? ex->n_threads : 1;
  if (s.batches > 1 && threads > 1 && tasks > 1) {
    /* many small products (attention heads): one serial GEMM per batch, batches in parallel */
    j.n_tasks = threads < tasks ? threads : tasks;
    if (j.n_tasks > s.batches) j.n_tasks = s.batches;
    j.task_bytes = hy_sgemm_task_bytes(s.M, s.N, s.K);
    hy_parallel_for(ex, j.n_tasks, mm_tasks, &j);
    return HY_OK;
  }
  for (int64_t b = 0; b < s.batches; b++) {
    hy_status st = mm_batch(&j, b, scratch, tasks, ex);
    if (st != HY_OK) return st;
  }
  return HY_OK;
}
