/* det: out[0][b] = the determinant of the square matrix in[0][b, :, :] (Det), by LU
 * decomposition with partial pivoting in double precision. scratch: M * M doubles. No ints. */
#include <math.h>

#include "kernels/index_util.h"

static double det_lu(double *a, int64_t m) {
  double det = 1;
  for (int64_t c = 0; c < m; c++) {
    int64_t piv = c;
    for (int64_t r = c + 1; r < m; r++)
      if (fabs(a[r * m + c]) > fabs(a[piv * m + c])) piv = r;
    if (a[piv * m + c] == 0) return 0;
    if (piv != c) {
      for (int64_t k = 0; k < m; k++) {
        double t = a[c * m + k];
        a[c * m + k] = a[piv * m + k];
        a[piv * m + k] = t;
      }
      det = -det;
    }
    double d = a[c * m + c];
    det *= d;
    for (int64_t r = c + 1; r < m; r++) {
      double f = a[r * m + c] / d;
      for (int64_t k = c + 1; k < m; k++) a[r * m + k] -= f * a[c * m + k];
    }
  }
  return det;
}

hy_status hy_kernel_det(const hy_kparams *p, const void *const *in, void *const *out,
                        void *scratch, const hy_exec *ex) {
  (void)ex;
  const hy_tdesc *t = &p->in[0];
  if (t->rank < 2 || t->dims[t->rank - 1] != t->dims[t->rank - 2]) return HY_ERR_INTERNAL;
  int64_t m = t->dims[t->rank - 1], batch = hy_tdesc_numel(&p->out[0]);
  if (m > 0 && !scratch) return HY_ERR_INTERNAL;
  double *a = scratch;
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t k = 0; k < m * m; k++) a[k] = ew_load_f64(t->dtype, in[0], b * m * m + k);
    double d = det_lu(a, m);
    switch (t->dtype) {
#define DET_CASE(name, dt, ST, CT, WT)                                                             \
  case dt: ((ST *)out[0])[b] = ew_st_##name((CT)d); break;
      IX_FLOAT_TYPES(DET_CASE)
#undef DET_CASE
    default: return HY_ERR_DTYPE;
    }
  }
  return HY_OK;
}
