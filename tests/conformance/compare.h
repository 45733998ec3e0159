/* Tensor comparison shared by the conformance runner, the model tests and their tools:
 * exact dtype and shape, floats within atol + rtol*|expected| (NaN equals NaN), the rest exact. */
#ifndef HYDRA_TEST_COMPARE_H
#define HYDRA_TEST_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "hydra/hydra.h"

typedef struct cmp_tol {
  double rtol, atol;
} cmp_tol;

/* The ONNX backend suite's tolerances. */
#define CMP_TOL_ONNX ((cmp_tol){1e-3, 1e-7})

/* true when got matches expected. Otherwise msg (size n) says why: the dtype or shape that
 * differs, or the first mismatching element with both values and how many elements differ. */
bool cmp_tensors(const hy_tensor *got, const hy_tensor *expected, cmp_tol tol, char *msg,
                 size_t n);

/* The dtype and shape part of cmp_tensors alone (random-valued outputs). */
bool cmp_types(const hy_tensor *got, const hy_tensor *expected, char *msg, size_t n);

/* Element i of a real (not complex) numeric or bool tensor as a double; false for other dtypes. */
bool cmp_value_at(const hy_tensor *t, int64_t i, double *v);

#endif
