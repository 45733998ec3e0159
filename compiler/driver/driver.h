/* hydrac internals: the commands, argument parsing and printing helpers they share. The driver is
 * the only part of Hydra that prints and exits. */
#ifndef HC_DRIVER_H
#define HC_DRIVER_H

#include <stdbool.h>
#include <stdio.h>

#include "run/run_model.h"

/* Exit codes. */
#define DRV_EXIT_OK 0
#define DRV_EXIT_ERROR 1
#define DRV_EXIT_USAGE 2

/* ---- args.c ---- */
#define DRV_MAX_LIST 64
typedef struct drv_list {
  const char *v[DRV_MAX_LIST];
  int n;
} drv_list;

typedef enum drv_arg_kind { DRV_FLAG, DRV_VALUE, DRV_LIST } drv_arg_kind;
/* One option: dst is a bool* (FLAG), const char ** (VALUE) or drv_list * (LIST, repeatable). */
typedef struct drv_arg {
  const char *name;  /* "--shape" */
  const char *alias; /* "-o", or NULL */
  drv_arg_kind kind;
  void *dst;
} drv_arg;

/* Parses argv[first..] ("--opt V" or "--opt=V"); everything else goes to positional. Prints help
 * for -h/--help and returns -1 (exit 0); prints a usage error and returns DRV_EXIT_USAGE for an
 * unknown option or a missing value; 0 when parsing succeeded. */
int drv_parse_args(const char *cmd, const char *help, int argc, char **argv, int first,
                   const drv_arg *specs, int n_specs, drv_list *positional);
/* Prints "hydrac CMD: <message>" and a hint to stderr; returns DRV_EXIT_USAGE. */
int drv_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the diagnostic's message to stderr; returns DRV_EXIT_ERROR. */
int drv_fail(const diag *d);
/* Parses "name=2x128" (or "name=2,128"; "name=" is a scalar) into b (name points into spec);
 * a dim "1..512" is left to run time within those bounds (b->ranged, b->lo). */
bool drv_parse_shape(const char *spec, pass_binding *b);
/* --shape options → bindings b[0..shapes->n); a usage error (DRV_EXIT_USAGE) for a bad one. */
int drv_shapes_to_bindings(const char *cmd, const drv_list *shapes, pass_binding *b);
/* Frees the input names drv_parse_shape / drv_shapes_to_bindings gave the first n bindings. */
void drv_bindings_free(pass_binding *b, int n);
/* --entry NAME=out1,out2 options → specs e[0..entries->n) (names malloc'd, outputs pointing into
 * the option); a usage error (DRV_EXIT_USAGE) for one without a name or outputs, DRV_EXIT_ERROR
 * when out of memory. */
int drv_entries_to_specs(const char *cmd, const drv_list *entries, hc_entry_spec *e);
/* Frees the names drv_entries_to_specs gave the first n specs. */
void drv_entry_specs_free(hc_entry_spec *e, int n);
/* A non-negative decimal int within [lo, hi]. */
bool drv_parse_int(const char *s, long lo, long hi, long *out);
/* The target from --target/--cpu/--features/-O (any may be NULL). */
bool drv_parse_target(const char *triple, const char *cpu, const char *features, const char *opt,
                      cg_target *t);

/* ---- models.c ---- */
/* The models of a command line: MODEL.onnx arguments, each optionally NAME=MODEL.onnx (the first
 * argument is a model whatever its name), and the --bind specs (fe_models). */
typedef struct drv_models {
  fe_model_ref refs[DRV_MAX_LIST];
  fe_models m;
  drv_list rest; /* the arguments after the models (run's input files) */
} drv_models;
/* Splits pos into the models and the rest; a usage error (DRV_EXIT_USAGE) for no model, a bad
 * model name or a --bind not of the form MODEL:INPUT=MODEL:INPUT. */
int drv_models_parse(const char *cmd, const drv_list *pos, const drv_list *binds,
                     drv_models *out);
void drv_models_free(drv_models *m);

/* ---- paths.c ---- */
/* Creates dir and the folders above it that are missing (mkdir -p); DRV_EXIT_ERROR with the
 * message on stderr when one cannot be made. */
int drv_make_dirs(const char *dir);
/* The same for the folder a file path is in (nothing for a bare file name). */
int drv_make_parent(const char *file);

/* ---- print.c ---- */
/* Element i of t as text ("0.5", "3", "true"). */
void drv_format_elem(const hy_tensor *t, int64_t i, char *buf, size_t n);
/* "float[2,3]" */
const char *drv_format_shape(const hy_tensor *t, char *buf, size_t n);

/* ---- the commands: argv[0] is "hydrac", argv[1] the command ---- */
int cmd_run(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_bench(int argc, char **argv);

#endif
