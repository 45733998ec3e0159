/* The install and cross tests' program: runs the tiny model (make_model.py) through its default
 * entry and its 'head' entry and checks both outputs against the same arithmetic done here.
 * `--write FILE` also writes the outputs as text; `--compare FILE` also checks them against such
 * a file (another machine's: the host's, for an aarch64 build run under qemu). Exit 0 when all
 * match, 1 (with the first difference) when not. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tiny.h"

#define BATCH 2

static int check(const char *what, const float *got, const float *want, int n) {
  for (int i = 0; i < n; i++)
    if (fabsf(got[i] - want[i]) > 1e-5f) {
      fprintf(stderr, "%s[%d] is %g, expected %g\n", what, i, got[i], want[i]);
      return 1;
    }
  return 0;
}

#define N_OUT (BATCH * 3 + BATCH * 4)

/* y1 then y2, one value a line, to FILE. */
static int write_outputs(const char *path, const float *y1, const float *y2) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return 1;
  }
  for (int i = 0; i < BATCH * 3; i++) fprintf(f, "%.9g\n", y1[i]);
  for (int i = 0; i < BATCH * 4; i++) fprintf(f, "%.9g\n", y2[i]);
  return fclose(f) != 0;
}

static int compare_outputs(const char *path, const float *y1, const float *y2) {
  float other[N_OUT];
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 1;
  }
  int n = 0;
  while (n < N_OUT && fscanf(f, "%f", &other[n]) == 1) n++;
  fclose(f);
  if (n != N_OUT) {
    fprintf(stderr, "%s: %d values, expected %d\n", path, n, N_OUT);
    return 1;
  }
  return check("y1 (against the file)", y1, other, BATCH * 3) ||
         check("y2 (against the file)", y2, other + BATCH * 3, BATCH * 4);
}

int main(int argc, char **argv) {
  float x[BATCH * 4], y1[BATCH * 3], y2[BATCH * 4], head[BATCH * 3];
  float want1[BATCH * 3], want2[BATCH * 4];
  const float b[3] = {0.5f, -0.5f, 0.0f};
  for (int i = 0; i < BATCH * 4; i++) x[i] = (float)(i % 5) - 1.5f;
  for (int r = 0; r < BATCH; r++) {
    for (int j = 0; j < 3; j++) {
      float s = b[j];
      for (int k = 0; k < 4; k++) s += x[r * 4 + k] * (float)(k - j) / 4;
      want1[r * 3 + j] = s > 0 ? s : 0;
    }
    for (int k = 0; k < 4; k++) want2[r * 4 + k] = -x[r * 4 + k];
  }
  tiny_ctx *ctx;
  if (tiny_create(&ctx, NULL) != HY_OK) {
    fprintf(stderr, "tiny_create failed\n");
    return 1;
  }
  int bad = tiny_run(ctx, x, y1, y2) != HY_OK || tiny_run_head(ctx, x, head) != HY_OK;
  if (bad) fprintf(stderr, "run failed: %s\n", tiny_error(ctx));
  tiny_destroy(ctx);
  bad = bad || check("y1", y1, want1, BATCH * 3) || check("y2", y2, want2, BATCH * 4) ||
        check("head y1", head, want1, BATCH * 3);
  if (!bad && argc == 3 && !strcmp(argv[1], "--write")) bad = write_outputs(argv[2], y1, y2);
  if (!bad && argc == 3 && !strcmp(argv[1], "--compare")) bad = compare_outputs(argv[2], y1, y2);
  if (!bad) printf("tiny: y1 and y2 match%s\n", argc == 3 ? " (and the file)" : "");
  return bad;
}
