/* hydrac compile: optimise a model for fixed input shapes and write an object file plus the C
 * header that declares its API (and, with --weights file, a weights file beside the object). */
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"

static const char help[] =
    "usage: hydrac compile MODEL.onnx [MODEL2.onnx ...] -o NAME.o [--header NAME.h] [--name NAME]\n"
    "                      [--shape in=1x128 ...] [--target TRIPLE] [--cpu CPU]\n"
    "                      [--features +avx2,...] [-O 0..3] [--weights embed|file]\n"
    "                      [--weights-file W] [--entry E=OUT[,OUT...] ...]\n"
    "                      [--bind b:ids=a:input_ids ...]\n"
    "\n"
    "Several models make one unit: inputs of one name, dtype and shape are one\n"
    "input, outputs are every model's (prefixed MODEL/ where names clash), shared work is done\n"
    "once. A model is named by its file stem, or NAME=MODEL.onnx.\n"
    "  -o, --output FILE  the object file to write (its folder is created, as are --header's)\n"
    "  --header FILE      the C header (default: FILE with .h)\n"
    "  --name NAME        C prefix of the generated API (default: the object's file stem)\n"
    "  --shape IN=DIMS    shape of an input with symbolic dims (2x128; repeatable); a dim\n"
    "                     LO..HI is left to run time: one object for every size in it\n"
    "  --target TRIPLE    LLVM target triple (default: this machine)\n"
    "  --cpu CPU          target CPU (default: this machine's, or generic for --target)\n"
    "  --features LIST    target features\n"
    "  -O LEVEL           optimisation level (default 3)\n"
    "  --weights MODE     embed constants in the object (default) or write them to FILE.weights\n"
    "  --weights-file W   write them to W (implies --weights file): objects compiled from one\n"
    "                     model for other shapes write the same bytes, so one W serves them all\n"
    "  --entry E=OUTS     also NAME_run_E and NAME_run_E_tensors, which compute only the\n"
    "                     listed outputs (comma-separated) and what they need (repeatable);\n"
    "                     NAME_run computes every output as before\n"
    "  --bind M:IN=N:IN2  model M's input IN is model N's input IN2 (repeatable)\n";

/* path with its extension replaced by ext (".h"); malloc'd. */
static char *with_ext(const char *path, const char *ext) {
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : strlen(path);
  char *s = malloc(stem + strlen(ext) + 1);
  if (!s) return NULL;
  memcpy(s, path, stem);
  strcpy(s + stem, ext);
  return s;
}

/* The object's file stem made into a C identifier ("my-model.o" → "my_model"); malloc'd. */
static char *default_name(const char *obj) {
  const char *slash = strrchr(obj, '/');
  char *stem = with_ext(slash ? slash + 1 : obj, "");
  if (!stem) return NULL;
  arena a;
  arena_init(&a);
  const char *id = c_ident(&a, stem);
  char *s = id ? strdup(id) : NULL;
  arena_free(&a);
  free(stem);
  return s;
}

typedef struct compile_opts {
  const char *obj, *header, *name, *triple, *cpu, *features, *opt, *weights, *weights_file;
  drv_list shapes, pos, entries, binds;
  drv_models models;
} compile_opts;

static int parse(int argc, char **argv, compile_opts *o) {
  const drv_arg specs[] = {
      {"--output", "-o", DRV_VALUE, &o->obj},         {"--header", NULL, DRV_VALUE, &o->header},
      {"--name", NULL, DRV_VALUE, &o->name},          {"--shape", NULL, DRV_LIST, &o->shapes},
      {"--target", NULL, DRV_VALUE, &o->triple},      {"--cpu", NULL, DRV_VALUE, &o->cpu},
      {"--features", NULL, DRV_VALUE, &o->features},  {"--opt", "-O", DRV_VALUE, &o->opt},
      {"--weights", NULL, DRV_VALUE, &o->weights},    {"--entry", NULL, DRV_LIST, &o->entries},
      {"--bind", NULL, DRV_LIST, &o->binds},
      {"--weights-file", NULL, DRV_VALUE, &o->weights_file}};
  int r = drv_parse_args("compile", help, argc, argv, 2, specs, sizeof specs / sizeof specs[0],
                         &o->pos);
  if (r) return r;
  if ((r = drv_models_parse("compile", &o->pos, &o->binds, &o->models))) return r;
  if (o->models.rest.n)
    return drv_usage_error("compile", "'%s' is not a MODEL.onnx", o->models.rest.v[0]);
  if (!o->obj) return drv_usage_error("compile", "missing -o NAME.o");
  if (o->weights && strcmp(o->weights, "embed") && strcmp(o->weights, "file"))
    return drv_usage_error("compile", "--weights is 'embed' or 'file', not '%s'", o->weights);
  if (o->weights_file && o->weights && strcmp(o->weights, "file"))
    return drv_usage_error("compile", "--weights-file writes a weights file: not with --weights %s",
                           o->weights);
  if (o->weights_file) o->weights = "file";
  if (o->name && !is_c_ident(o->name))
    return drv_usage_error("compile", "--name '%s' is not a C identifier", o->name);
  return 0;
}

static int emit(const compile_opts *o, const char *name, const char *header,
                const char *weights_path) {
  cg_target t;
  if (!drv_parse_target(o->triple, o->cpu, o->features, o->opt, &t))
    return drv_usage_error("compile", "-O wants 0, 1, 2 or 3, not '%s'", o->opt);
  pass_binding b[DRV_MAX_LIST];
  hc_entry_spec e[DRV_MAX_LIST];
  int r = drv_shapes_to_bindings("compile", &o->shapes, b);
  if (r) return r;
  if ((r = drv_entries_to_specs("compile", &o->entries, e))) {
    drv_bindings_free(b, o->shapes.n);
    return r;
  }
  diag d;
  diag_init(&d);
  arena a;
  arena_init(&a);
  ir_graph *g = NULL;
  cg_weights w = o->weights && !strcmp(o->weights, "file") ? CG_WEIGHTS_FILE : CG_WEIGHTS_EMBED;
  int rc = DRV_EXIT_OK;
  if (hc_compile_models_observed(&a, &d, &o->models.m, b, o->shapes.n, e, o->entries.n, NULL,
                                 &g) != HY_OK)
    rc = drv_fail(&d);
  else if (drv_make_parent(o->obj) || drv_make_parent(header) ||
           (w == CG_WEIGHTS_FILE && drv_make_parent(weights_path)))
    rc = DRV_EXIT_ERROR;
  else if (cg_emit_object(g, name, &t, w, o->obj, header,
                          w == CG_WEIGHTS_FILE ? weights_path : NULL) != HY_OK)
    rc = drv_fail(&d);
  else
    printf("wrote %s and %s%s%s\n", o->obj, header, w == CG_WEIGHTS_FILE ? " and " : "",
           w == CG_WEIGHTS_FILE ? weights_path : "");
  arena_free(&a);
  drv_bindings_free(b, o->shapes.n);
  drv_entry_specs_free(e, o->entries.n);
  return rc;
}

int cmd_compile(int argc, char **argv) {
  compile_opts o = {0};
  int r = parse(argc, argv, &o);
  if (r) {
    drv_models_free(&o.models);
    return r < 0 ? DRV_EXIT_OK : r;
  }
  char *header = o.header ? NULL : with_ext(o.obj, ".h");
  char *name = o.name ? NULL : default_name(o.obj);
  char *weights = o.weights_file ? strdup(o.weights_file) : with_ext(o.obj, ".weights");
  int rc = (!header && !o.header) || (!name && !o.name) || !weights
               ? (fprintf(stderr, "hydrac: error: out of memory\n"), DRV_EXIT_ERROR)
               : emit(&o, o.name ? o.name : name, o.header ? o.header : header, weights);
  free(header);
  free(name);
  free(weights);
  drv_models_free(&o.models);
  return rc;
}
