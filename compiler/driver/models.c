/* The models a command compiles: MODEL.onnx arguments (several make one unit, merged by
 * frontend/merge.c), each optionally named NAME=MODEL.onnx, and the --bind specs between them. */
#include <stdlib.h>
#include <string.h>

#include "driver/driver.h"

/* "NAME=FILE.onnx" into name and path (name NULL when arg is a plain path); false when arg is no
 * model (it does not end in ".onnx"). */
static bool model_arg(const char *arg, fe_model_ref *r) {
  size_t n = strlen(arg);
  if (n < 5 || strcmp(arg + n - 5, ".onnx")) return false;
  const char *eq = strchr(arg, '=');
  r->path = arg;
  r->name = NULL;
  if (eq && eq > arg && !memchr(arg, '/', (size_t)(eq - arg)) && eq[1]) {
    r->name = strndup(arg, (size_t)(eq - arg)); /* freed by drv_models_free */
    r->path = eq + 1;
  }
  return true;
}

int drv_models_parse(const char *cmd, const drv_list *pos, const drv_list *binds, drv_models *out) {
  memset(out, 0, sizeof *out);
  for (int i = 0; i < pos->n; i++) {
    fe_model_ref r;
    /* the first argument is the model whatever its name; later ones when they end in .onnx */
    bool is_model =
        model_arg(pos->v[i], &r) || (i == 0 && (r = (fe_model_ref){pos->v[i], NULL}, true));
    if (!is_model || out->rest.n) {
      out->rest.v[out->rest.n++] = pos->v[i];
      continue;
    }
    if (r.name && !fe_model_name_ok(r.name)) {
      int rc = drv_usage_error(cmd, "'%s' cannot name a model (it has ':' or '=')", r.name);
      free((char *)r.name);
      drv_models_free(out);
      return rc;
    }
    out->refs[out->m.n++] = r;
  }
  out->m.models = out->refs;
  out->m.binds = binds->v;
  out->m.n_binds = binds->n;
  for (int i = 0; i < binds->n; i++) {
    fe_bind b;
    if (!fe_bind_parse(binds->v[i], &b)) {
      drv_models_free(out);
      return drv_usage_error(cmd,
                             "--bind wants MODEL:INPUT=MODEL:INPUT like b:ids=a:input_ids, "
                             "not '%s'",
                             binds->v[i]);
    }
  }
  if (!out->m.n) return drv_usage_error(cmd, "missing MODEL.onnx");
  return 0;
}

void drv_models_free(drv_models *m) {
  for (int32_t i = 0; i < m->m.n; i++)
    free((char *)m->refs[i].name);
  m->m.n = 0;
}
