/* Command-line parsing for hydrac: a small table of options per command, shapes, targets. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"

int drv_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "hydrac %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n(see 'hydrac %s --help')\n", cmd);
  va_end(ap);
  return DRV_EXIT_USAGE;
}

int drv_fail(const diag *d) {
  fprintf(stderr, "hydrac: error: %s\n", d->msg[0] ? d->msg : hy_status_name(d->status));
  return DRV_EXIT_ERROR;
}

/* The spec matching arg ("--x", "--x=v" or the alias); *inline_val gets "v" for "--x=v". */
static const drv_arg *find_spec(const drv_arg *specs, int n, const char *arg,
                                const char **inline_val) {
  *inline_val = NULL;
  for (int i = 0; i < n; i++) {
    size_t len = strlen(specs[i].name);
    if (!strcmp(arg, specs[i].name) || (specs[i].alias && !strcmp(arg, specs[i].alias)))
      return &specs[i];
    if (specs[i].kind != DRV_FLAG && !strncmp(arg, specs[i].name, len) && arg[len] == '=') {
      *inline_val = arg + len + 1;
      return &specs[i];
    }
  }
  return NULL;
}

static int store(const char *cmd, const drv_arg *s, const char *val) {
  if (s->kind == DRV_FLAG) {
    *(bool *)s->dst = true;
  } else if (s->kind == DRV_VALUE) {
    *(const char **)s->dst = val;
  } else {
    drv_list *l = s->dst;
    if (l->n == DRV_MAX_LIST) return drv_usage_error(cmd, "too many %s options", s->name);
    l->v[l->n++] = val;
  }
  return 0;
}

int drv_parse_args(const char *cmd, const char *help, int argc, char **argv, int first,
                   const drv_arg *specs, int n_specs, drv_list *positional) {
  for (int i = first; i < argc; i++) {
    const char *a = argv[i], *val = NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(help, stdout);
      return -1;
    }
    if (a[0] != '-' || !a[1]) {
      if (positional->n == DRV_MAX_LIST) return drv_usage_error(cmd, "too many arguments");
      positional->v[positional->n++] = a;
      continue;
    }
    const drv_arg *s = find_spec(specs, n_specs, a, &val);
    if (!s) return drv_usage_error(cmd, "unknown option '%s'", a);
    if (s->kind != DRV_FLAG && !val) {
      if (i + 1 >= argc) return drv_usage_error(cmd, "option '%s' needs a value", a);
      val = argv[++i];
    }
    if (store(cmd, s, val)) return DRV_EXIT_USAGE;
  }
  return 0;
}

bool drv_parse_int(const char *s, long lo, long hi, long *out) {
  if (!s || !*s) return false;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

static bool shape_fails(pass_binding *b) {
  drv_bindings_free(b, 1);
  return false;
}

bool drv_parse_shape(const char *spec, pass_binding *b) {
  const char *eq = strrchr(spec, '=');
  if (!eq || eq == spec) return false;
  memset(b, 0, sizeof *b);
  b->input = strndup(spec, (size_t)(eq - spec)); /* freed by drv_bindings_free */
  if (!b->input) return false;
  const char *p = eq + 1;
  while (*p) {
    if (b->rank == HY_MAX_RANK) return shape_fails(b);
    char *end;
    errno = 0;
    long long d = strtoll(p, &end, 10), lo = d;
    if (!errno && end != p && !strncmp(end, "..", 2)) { /* LO..HI: left to run time */
      const char *hi = end + 2;
      d = strtoll(hi, &end, 10);
      if (end == hi || d < lo) return shape_fails(b);
      if (d > lo) b->ranged |= 1u << b->rank;
    }
    if (errno || end == p || lo < 0 || (*end && *end != 'x' && *end != ','))
      return shape_fails(b);
    b->lo[b->rank] = lo;
    b->dims[b->rank++] = d;
    p = *end ? end + 1 : end;
    if (*end && !*p) return shape_fails(b); /* trailing separator */
  }
  return true;
}

void drv_bindings_free(pass_binding *b, int n) {
  for (int i = 0; i < n; i++) {
    free((char *)b[i].input);
    b[i].input = NULL;
  }
}

bool drv_parse_target(const char *triple, const char *cpu, const char *features, const char *opt,
                      cg_target *t) {
  long level = 3;
  if (opt && !drv_parse_int(opt, 0, 3, &level)) return false;
  t->triple = triple;
  t->cpu = cpu;
  t->features = features;
  t->opt_level = (int)level;
  return true;
}

int drv_shapes_to_bindings(const char *cmd, const drv_list *shapes, pass_binding *b) {
  for (int i = 0; i < shapes->n; i++) {
    if (!drv_parse_shape(shapes->v[i], &b[i])) {
      drv_bindings_free(b, i);
      return drv_usage_error(cmd, "--shape wants NAME=DIMS like x=1x128 or x=1..8x1..512, not '%s'",
                             shapes->v[i]);
    }
  }
  return 0;
}

void drv_entry_specs_free(hc_entry_spec *e, int n) {
  for (int i = 0; i < n; i++) {
    free((char *)e[i].name);
    e[i].name = NULL;
  }
}

int drv_entries_to_specs(const char *cmd, const drv_list *entries, hc_entry_spec *e) {
  for (int i = 0; i < entries->n; i++) {
    const char *spec = entries->v[i], *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
      drv_entry_specs_free(e, i);
      return drv_usage_error(cmd, "--entry wants NAME=OUTPUT[,OUTPUT...] like "
                             "intent=intent_logits, not '%s'", spec);
    }
    e[i].name = strndup(spec, (size_t)(eq - spec));
    e[i].outputs = eq + 1;
    if (!e[i].name) {
      drv_entry_specs_free(e, i);
      fprintf(stderr, "hydrac: error: out of memory\n");
      return DRV_EXIT_ERROR;
    }
  }
  return 0;
}
