/* concat: out[0] = in[0..n) joined along one axis (Concat), and its inverse split: out[0..n) =
 * in[0] cut along one axis (Split). Both see the tensors as [outer, chunk] rows:
 *   ints: [0] outer (product of dims before the axis), [1] n (inputs of concat, outputs of split),
 *         [2, 2+n) chunk of each part in elements (its dim at the axis times the inner size). */
#include "movement.h"

typedef struct concat_job {
  const void *const *parts; /* the n inputs (concat) or outputs (split) */
  char *whole;              /* the output (concat) or the input (split) */
  const int64_t *chunk;     /* bytes of each part per outer row */
  int32_t n;
  int64_t row;              /* bytes of the whole per outer row */
  bool split;
} concat_job;

static void concat_range(void *arg, int64_t b, int64_t e) {
  const concat_job *j = arg;
  for (int64_t o = b; o < e; o++) {
    char *w = j->whole + o * j->row;
    for (int32_t i = 0; i < j->n; i++) {
      int64_t c = j->chunk[i];
      char *part = (char *)j->parts[i]; /* NULL: an omitted Split output */
      if (c && part && j->split)
        memcpy(part + o * c, w, (size_t)c);
      else if (c && part)
        memcpy(w, part + o * c, (size_t)c);
      w += c;
    }
  }
}

/* Shared by both kernels: parts and whole as described above. */
static hy_status concat_run(const hy_kparams *p, const void *const *parts, char *whole,
                            bool split, const hy_exec *ex) {
  int64_t es = mv_elsize(split ? p->in[0].dtype : p->out[0].dtype);
  if (p->n_ints < 2 || es <= 0) return HY_ERR_INTERNAL;
  int32_t n = (int32_t)p->ints[1];
  if (n < 1 || n > 256 || p->n_ints < 2 + n) return HY_ERR_INTERNAL;
  int64_t chunk[256], row = 0;
  for (int32_t i = 0; i < n; i++) {
    chunk[i] = p->ints[2 + i] * es;
    row += chunk[i];
  }
  concat_job j = {parts, whole, chunk, n, row, split};
  mv_parallel(ex, p->ints[0] * row, p->ints[0], concat_range, &j);
  return HY_OK;
}

hy_status hy_kernel_concat(const hy_kparams *p, const void *const *in, void *const *out,
                           void *scratch, const hy_exec *ex) {
  (void)scratch;
  return concat_run(p, in, out[0], false, ex);
}

hy_status hy_kernel_split(const hy_kparams *p, const void *const *in, void *const *out,
                          void *scratch, const hy_exec *ex) {
  (void)scratch;
  return concat_run(p, (const void *const *)out, (char *)in[0], true, ex);
}
