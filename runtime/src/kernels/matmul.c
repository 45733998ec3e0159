/* MatMul (numpy matmul: batch broadcasting, 1-D operands) for every dtype the ONNX suite tests:
 * float through the packed GEMM, the others through hy_gemm_any's loops.
 *
 * matmul: in A [..., M, K] (or [K]), B [..., K, N] (or [K]); out Y. ints: [tasks, packed].
 * packed 1: B is a float K x N matrix in the packed-B layout of hydra/gemm.h (pre-packed at
 * compile time; N is Y's last dim). scratch: hy_sgemm_scratch_bytes(rows of A, N, K, tasks) for
 * float (hy_sgemm_prepacked_scratch_bytes when packed), else 0. */
#include "kernels/linalg.h"

typedef struct mm_job {
  const hy_mm_shape *s;
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
  const hy_mm_shape *s = j->s;
  int64_t oa, ob;
  hy_mm_batch_offsets(s, b, &oa, &ob);
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
  case HY_DTYPE_FLOAT: case HY_DTYPE_DOUBLE: case HY_DTYPE_FLOAT16: case HY_DTYPE_BFLOAT16:
  case HY_DTYPE_INT32: case HY_DTYPE_INT64: case HY_DTYPE_UINT32: case HY_DTYPE_UINT64:
    return true;
  default:
    return false;
  }
}

hy_status hy_kernel_matmul(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  hy_mm_shape s;
  bool packed = p->ints[1] != 0;
  const hy_tdesc *a = &p->in[0], *y = &p->out[0];
  /* a packed B is K x N, N being Y's last dim */
  int64_t yn = y->rank > 0 ? y->dims[y->rank - 1] : 1;
  hy_tdesc bk = {.dtype = y->dtype, .rank = 2, .dims = {a->dims[a->rank - 1], yn}};
  hy_mm_shape_of(a, packed ? &bk : &p->in[1], &s);
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
