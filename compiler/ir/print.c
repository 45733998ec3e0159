/* The textual IR printer (print.h): names values stably, prints constants by content and
 * attributes in name order, so that the same graph always prints the same text. */
#include "ir/print.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PRINT_MAX_ELEMS 8 /* constants up to this many elements print by value */

/* The printed names of a graph's values (by value id), made unique in order of appearance. */
typedef struct namer {
  const ir_graph *g;
  char **name; /* by value id; NULL until the value is named */
  int32_t n;
} namer;

static bool name_taken(const namer *nm, const char *s) {
  for (int32_t i = 0; i < nm->n; i++)
    if (nm->name[i] && !strcmp(nm->name[i], s)) return true;
  return false;
}

/* The value's printed name, given on first sight: its own when free, else "<name>.N". */
static const char *vname(namer *nm, const ir_value *v) {
  if (v->id < 0 || v->id >= nm->n || nm->g->values[v->id] != v) return "?";
  if (nm->name[v->id]) return nm->name[v->id];
  const char *base = *v->name ? v->name : "v";
  size_t len = strlen(base) + 24;
  char *s = malloc(len);
  if (!s) return "?";
  snprintf(s, len, "%s", base);
  for (int k = 1; !*v->name || name_taken(nm, s); k++) {
    snprintf(s, len, "%s.%d", base, k);
    if (!name_taken(nm, s)) break;
  }
  nm->name[v->id] = s;
  return s;
}

/* The shortest of %.6g and %.9g that reads back as the same float. */
static void put_float(FILE *f, double x, bool single) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.6g", x);
  if (single ? strtof(buf, NULL) != (float)x : strtod(buf, NULL) != x)
    snprintf(buf, sizeof buf, single ? "%.9g" : "%.17g", x);
  fputs(buf, f);
}

/* Element i of a constant as text; false for a dtype printed by hash only. */
static bool put_elem(FILE *f, const ir_value *v, int64_t i) {
  const void *p = v->data;
  switch (v->type.dtype) {
  case HY_DTYPE_FLOAT: put_float(f, ((const float *)p)[i], true); return true;
  case HY_DTYPE_DOUBLE: put_float(f, ((const double *)p)[i], false); return true;
  case HY_DTYPE_FLOAT16: put_float(f, hy_f16_to_f32(((const uint16_t *)p)[i]), true); return true;
  case HY_DTYPE_BFLOAT16: put_float(f, hy_bf16_to_f32(((const uint16_t *)p)[i]), true); return true;
  case HY_DTYPE_INT8: fprintf(f, "%d", ((const int8_t *)p)[i]); return true;
  case HY_DTYPE_UINT8: fprintf(f, "%u", ((const uint8_t *)p)[i]); return true;
  case HY_DTYPE_INT16: fprintf(f, "%d", ((const int16_t *)p)[i]); return true;
  case HY_DTYPE_UINT16: fprintf(f, "%u", ((const uint16_t *)p)[i]); return true;
  case HY_DTYPE_INT32: fprintf(f, "%d", ((const int32_t *)p)[i]); return true;
  case HY_DTYPE_UINT32: fprintf(f, "%u", ((const uint32_t *)p)[i]); return true;
  case HY_DTYPE_INT64: fprintf(f, "%lld", (long long)((const int64_t *)p)[i]); return true;
  case HY_DTYPE_UINT64:
    fprintf(f, "%llu", (unsigned long long)((const uint64_t *)p)[i]);
    return true;
  case HY_DTYPE_BOOL: fputs(((const uint8_t *)p)[i] ? "true" : "false", f); return true;
  default: return false;
  }
}

static bool printable_dtype(hy_dtype dt) {
  switch (dt) {
  case HY_DTYPE_FLOAT:
  case HY_DTYPE_DOUBLE:
  case HY_DTYPE_FLOAT16:
  case HY_DTYPE_BFLOAT16:
  case HY_DTYPE_INT8:
  case HY_DTYPE_UINT8:
  case HY_DTYPE_INT16:
  case HY_DTYPE_UINT16:
  case HY_DTYPE_INT32:
  case HY_DTYPE_UINT32:
  case HY_DTYPE_INT64:
  case HY_DTYPE_UINT64:
  case HY_DTYPE_BOOL: return true;
  default: return false;
  }
}

/* "0.5", "[1,2,3]" for small constants; "#1f2e3d4c" (content hash) for the rest. */
static void put_content(FILE *f, ir_value *v) {
  int64_t n = ir_type_numel(&v->type);
  if (n >= 0 && n <= PRINT_MAX_ELEMS && printable_dtype(v->type.dtype)) {
    if (v->type.rank > 0) fputc('[', f);
    for (int64_t i = 0; i < n; i++) {
      if (i) fputc(',', f);
      put_elem(f, v, i);
    }
    if (v->type.rank > 0) fputc(']', f);
    return;
  }
  fprintf(f, "#%08llx", (unsigned long long)(ir_const_hash(v) >> 32));
}

static void put_typed(FILE *f, namer *nm, const ir_value *v) {
  char tb[320];
  fprintf(f, "%%%s: %s", vname(nm, v), ir_type_str(&v->type, tb, sizeof tb));
  if (v->layout == IR_LAYOUT_GEMM_PACKED_B) fputs(" gemm_packed_b", f);
}

static void put_operand(FILE *f, namer *nm, const ir_value *v) {
  if (v)
    fprintf(f, "%%%s", vname(nm, v));
  else
    fputc('_', f);
}

static void put_string(FILE *f, const char *s, size_t n) {
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void put_attr(FILE *f, const ir_attr *a) {
  fprintf(f, "%s=", a->name);
  switch (a->kind) {
  case IR_ATTR_FLOAT: put_float(f, a->f, true); break;
  case IR_ATTR_INT: fprintf(f, "%lld", (long long)a->i); break;
  case IR_ATTR_STRING: put_string(f, a->s ? a->s : "", a->s ? a->s_len : 0); break;
  case IR_ATTR_TENSOR: put_content(f, a->tensor); break;
  case IR_ATTR_GRAPH: fprintf(f, "graph '%s'", a->graph ? a->graph->name : ""); break;
  case IR_ATTR_FLOATS:
  case IR_ATTR_INTS:
  case IR_ATTR_STRINGS:
    fputc('[', f);
    for (int32_t i = 0; i < a->n; i++) {
      if (i) fputc(',', f);
      if (a->kind == IR_ATTR_FLOATS)
        put_float(f, a->floats[i], true);
      else if (a->kind == IR_ATTR_INTS)
        fprintf(f, "%lld", (long long)a->ints[i]);
      else
        put_string(f, a->strings[i], strlen(a->strings[i]));
    }
    fputc(']', f);
    break;
  }
}

static int attr_cmp(const void *a, const void *b) {
  return strcmp((*(const ir_attr *const *)a)->name, (*(const ir_attr *const *)b)->name);
}

static bool put_attrs(FILE *f, const ir_node *n) {
  if (!n->n_attrs) return true;
  const ir_attr **sorted = malloc((size_t)n->n_attrs * sizeof *sorted);
  if (!sorted) return false;
  for (int32_t i = 0; i < n->n_attrs; i++)
    sorted[i] = &n->attrs[i];
  qsort(sorted, (size_t)n->n_attrs, sizeof *sorted, attr_cmp);
  fputs(" {", f);
  for (int32_t i = 0; i < n->n_attrs; i++) {
    if (i) fputs(", ", f);
    put_attr(f, sorted[i]);
  }
  fputc('}', f);
  free(sorted);
  return true;
}

static bool put_node(FILE *f, namer *nm, const ir_node *n) {
  fputs("  ", f);
  for (int32_t i = 0; i < n->n_out; i++) {
    if (i) fputs(", ", f);
    if (n->out[i])
      put_typed(f, nm, n->out[i]);
    else
      fputc('_', f);
  }
  fprintf(f, " = %s%s%s(", n->domain && *n->domain ? n->domain : "",
          n->domain && *n->domain ? "." : "", n->op_type);
  for (int32_t i = 0; i < n->n_in; i++) {
    if (i) fputs(", ", f);
    put_operand(f, nm, n->in[i]);
  }
  fputc(')', f);
  bool ok = put_attrs(f, n);
  const char *k = n->lowered ? hy_kernel_symbol(n->lowered->kernel) : NULL;
  if (k) fprintf(f, "  ; %s", strncmp(k, "hy_kernel_", 10) ? k : k + 10);
  fputc('\n', f);
  return ok;
}

/* A constant's line, the first time a node (or the graph's outputs) reads it. */
static void put_const_once(FILE *f, namer *nm, ir_value *v) {
  if (!v || !v->data || v->producer || (v->id >= 0 && v->id < nm->n && nm->name[v->id])) return;
  fputs("  ", f);
  put_typed(f, nm, v);
  fputs(" = const ", f);
  put_content(f, v);
  fputc('\n', f);
}

static void print_body(FILE *f, namer *nm, const ir_graph *g) {
  fprintf(f, "graph '%s' (", g->name ? g->name : "");
  for (int32_t i = 0; i < g->n_inputs; i++) {
    if (i) fputs(", ", f);
    put_typed(f, nm, g->inputs[i]);
  }
  fputs(")\n", f);
  for (const ir_node *n = g->first; n; n = n->next)
    for (int32_t i = 0; i < n->n_in; i++)
      put_const_once(f, nm, n->in[i]);
  for (int32_t i = 0; i < g->n_outputs; i++)
    put_const_once(f, nm, g->outputs[i]);
  bool ok = true;
  for (const ir_node *n = g->first; n; n = n->next)
    ok = put_node(f, nm, n) && ok;
  fputs("  return ", f);
  for (int32_t i = 0; i < g->n_outputs; i++) {
    if (i) fputs(", ", f);
    put_operand(f, nm, g->outputs[i]);
  }
  fputc('\n', f);
}

bool ir_print_graph(FILE *f, const ir_graph *g) {
  namer nm = {g, calloc((size_t)(g->n_values > 0 ? g->n_values : 1), sizeof(char *)), g->n_values};
  if (!nm.name) return false;
  print_body(f, &nm, g);
  for (int32_t i = 0; i < nm.n; i++)
    free(nm.name[i]);
  free(nm.name);
  return !ferror(f);
}

char *ir_print_to_string(const ir_graph *g) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  bool ok = ir_print_graph(f, g);
  if (fclose(f) != 0 || !ok) {
    free(buf);
    return NULL;
  }
  return buf;
}
