/* hydrac run: compile a model in-process (JIT), run it once on TensorProto inputs, and write or
 * summarise the outputs. Exactly the path of hc_run_model, which the conformance runner uses. */
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"
#include "tensor_io.h"

static const char help[] =
    "usage: hydrac run MODEL.onnx [MODEL2.onnx ...] [INPUT.pb ...] [-o OUTDIR] [--threads N]\n"
    "                  [--bind b:ids=a:input_ids ...] [--outputs A,B]\n"
    "\n"
    "Compiles MODEL.onnx for this machine and runs it once. The inputs are TensorProto files,\n"
    "each bound to the graph input its tensor names (in any order); files whose tensor has no\n"
    "name take the inputs left, in the graph's order. Their shapes fix the model's.\n"
    "Several models are one unit (see hydrac compile --help): the inputs are the unit's.\n"
    "  -o, --output DIR   write DIR/output_<i>.pb for each output (else print a summary);\n"
    "                     DIR and the folders above it are created\n"
    "  --threads N        worker threads (default 1)\n"
    "  --outputs A,B      compute only these outputs (and what they need), in this order:\n"
    "                     output_<i>.pb and the summary follow it\n"
    "  --bind M:IN=N:IN2  model M's input IN is model N's input IN2 (repeatable)\n";

#define RUN_SHOW_VALUES 8

static void print_summary(const hy_tensor *t, const char *name, int32_t i) {
  char shape[320], v[64];
  printf("output %d '%s': %s", i, name, drv_format_shape(t, shape, sizeof shape));
  int64_t n = hy_tensor_numel(t);
  printf(" =");
  for (int64_t k = 0; k < n && k < RUN_SHOW_VALUES; k++) {
    drv_format_elem(t, k, v, sizeof v);
    printf(" %s", v);
  }
  printf("%s\n", n > RUN_SHOW_VALUES ? " ..." : "");
}

static int write_outputs(const char *dir, const hy_tensor *t, char **names, int32_t n) {
  if (drv_make_dirs(dir)) return DRV_EXIT_ERROR;
  for (int32_t i = 0; i < n; i++) {
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/output_%d.pb", dir, i);
    if (pb_tensor_write(path, &t[i], names ? names[i] : NULL, err, sizeof err) != HY_OK) {
      fprintf(stderr, "hydrac: error: %s\n", err);
      return DRV_EXIT_ERROR;
    }
  }
  return DRV_EXIT_OK;
}

static int read_inputs(const drv_list *files, hy_tensor *in, char **names) {
  for (int i = 0; i < files->n; i++) {
    char err[1024];
    if (pb_tensor_read(files->v[i], &in[i], &names[i], err, sizeof err) != HY_OK) {
      fprintf(stderr, "hydrac: error: %s\n", err);
      return DRV_EXIT_ERROR;
    }
  }
  return DRV_EXIT_OK;
}

int cmd_run(int argc, char **argv) {
  const char *outdir = NULL, *threads = NULL, *outputs = NULL;
  drv_list pos = {0}, binds = {0};
  const drv_arg specs[] = {{"--output", "-o", DRV_VALUE, &outdir},
                           {"--threads", NULL, DRV_VALUE, &threads},
                           {"--outputs", NULL, DRV_VALUE, &outputs},
                           {"--bind", NULL, DRV_LIST, &binds}};
  int r = drv_parse_args("run", help, argc, argv, 2, specs, 4, &pos);
  if (r) return r < 0 ? DRV_EXIT_OK : r;
  long nt = 1;
  if (threads && !drv_parse_int(threads, 1, 1024, &nt))
    return drv_usage_error("run", "--threads wants a number in [1, 1024], not '%s'", threads);
  drv_models models;
  if ((r = drv_models_parse("run", &pos, &binds, &models))) return r;
  const drv_list files = models.rest;
  hy_tensor in[DRV_MAX_LIST];
  char *in_names[DRV_MAX_LIST] = {0};
  memset(in, 0, sizeof in);
  int rc = read_inputs(&files, in, in_names);
  hy_tensor *out = NULL;
  int32_t n_out = 0;
  char **names = NULL;
  if (rc == DRV_EXIT_OK) {
    diag d;
    diag_init(&d);
    hc_run_options opt = {.n_threads = (int32_t)nt,
                          .outputs = outputs,
                          .input_names = (const char *const *)in_names,
                          .input_files = files.v};
    if (hc_run_models_named(&models.m, in, files.n, &opt, &out, &n_out, &names, &d) != HY_OK)
      rc = drv_fail(&d);
  }
  if (rc == DRV_EXIT_OK && outdir) rc = write_outputs(outdir, out, names, n_out);
  for (int32_t i = 0; rc == DRV_EXIT_OK && !outdir && i < n_out; i++)
    print_summary(&out[i], names[i], i);
  hc_tensors_free(out, n_out);
  hc_names_free(names, n_out);
  for (int i = 0; i < files.n; i++) {
    pb_tensor_free(&in[i]);
    free(in_names[i]);
  }
  drv_models_free(&models);
  return rc;
}
