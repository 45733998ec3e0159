/* hydra_compare_outputs: checks the tensors `hydrac run -o DIR` wrote against a data set's
 * expected output_N.pb (found in DIR as output_N.pb or as <tensor name>.pb).
 * usage: hydra_compare_outputs GOT_DIR EXPECTED_DIR [--rtol R] [--atol A]; exit 0 when all match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "tensor_io.h"

/* Reads the produced tensor for expected output i (named name). */
static hy_status read_got(const char *dir, int i, const char *name, hy_tensor *t, char *err,
                          size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/output_%d.pb", dir, i);
  if (access(path, R_OK) != 0 && name && *name) snprintf(path, sizeof path, "%s/%s.pb", dir, name);
  return pb_tensor_read(path, t, NULL, err, n);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s GOT_DIR EXPECTED_DIR [--rtol R] [--atol A]\n", argv[0]);
    return 2;
  }
  cmp_tol tol = {1e-4, 1e-4};
  for (int i = 3; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--rtol") == 0) tol.rtol = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--atol") == 0) tol.atol = atof(argv[i + 1]);
  }
  int bad = 0, i = 0;
  for (;; i++) {
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/output_%d.pb", argv[2], i);
    if (access(path, R_OK) != 0) break;
    hy_tensor exp, got;
    char *name = NULL;
    if (pb_tensor_read(path, &exp, &name, err, sizeof err) != HY_OK ||
        read_got(argv[1], i, name, &got, err, sizeof err) != HY_OK) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    bool ok = cmp_tensors(&got, &exp, tol, err, sizeof err);
    printf("output %d (%s): %s%s\n", i, name, ok ? "matches" : "MISMATCH: ", ok ? "" : err);
    bad += !ok;
    pb_tensor_free(&exp);
    pb_tensor_free(&got);
    free(name);
  }
  if (i == 0) {
    fprintf(stderr, "%s: no output_0.pb\n", argv[2]);
    return 1;
  }
  return bad ? 1 : 0;
}
