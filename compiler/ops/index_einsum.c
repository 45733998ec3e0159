/* Hooks of Einsum: the equation parsed into labels (letters, and the broadcast dims an ellipsis
 * stands for), each input's stride per label, and the output's labels; the general contraction
 * kernel (einsum.c) walks them. */
#include <string.h>

#include "ops/index.h"

#define ES_LETTERS 52 /* 'A'..'Z' then 'a'..'z' */
#define ES_ELL ES_LETTERS /* ellipsis dims are labels ES_ELL .. ES_ELL + HY_MAX_RANK - 1 */
#define ES_ALL (ES_LETTERS + HY_MAX_RANK)
#define ES_MAX_IN 16

typedef struct es_plan {
  int32_t n_labels, n_out; /* labels in kernel order: output labels first */
  int32_t order[ES_ALL];   /* kernel position -> label */
  int64_t size[ES_ALL];    /* per label */
  int64_t stride[ES_MAX_IN][ES_ALL];
  int32_t out_rank;
  int64_t out_dims[HY_MAX_RANK];
  bool matmul; /* "...ij,...jk->...ik" on float, same batch dims, nothing empty: MatMul's kernel */
} es_plan;

/* One term: its labels in order (an ellipsis expanded to its dims), their count. */
typedef struct es_term {
  int32_t label[HY_MAX_RANK + ES_ALL];
  int32_t n, n_letters;
  bool ellipsis;
} es_term;

static int32_t es_letter(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -1;
}

/* Parses one term [p, end) into letters with the ellipsis marked by -1; an error on anything
 * else. */
static hy_status es_term_parse(ir_graph *g, ir_node *n, const char *p, const char *end,
                               es_term *t) {
  t->n = t->n_letters = 0;
  t->ellipsis = false;
  while (p < end) {
    if (*p == ' ') {
      p++;
      continue;
    }
    if (*p == '.') {
      if (end - p < 3 || p[1] != '.' || p[2] != '.' || t->ellipsis)
        return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL,
                             "'.' must come as one '...' per term");
      t->ellipsis = true;
      t->label[t->n++] = -1;
      p += 3;
      continue;
    }
    int32_t l = es_letter(*p);
    if (l < 0)
      return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL, "unexpected character '%c'",
                           *p);
    if (t->n >= HY_MAX_RANK + 1)
      return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL, "a term has too many labels");
    t->label[t->n++] = l;
    t->n_letters++;
    p++;
  }
  return HY_OK;
}

/* Whether terms a, b -> o (ellipses expanded) over inputs ta, tb are a plain batched matmul. */
static bool es_is_matmul(const es_term *a, const es_term *b, const es_term *o, const ir_type *ta,
                         const ir_type *tb) {
  int32_t r = o->n;
  if (r < 2 || a->n != r || b->n != r || ta->dtype != HY_DTYPE_FLOAT) return false;
  if (ir_type_numel(ta) == 0 || ir_type_numel(tb) == 0) return false;
  int32_t i = a->label[r - 2], j = a->label[r - 1], k = b->label[r - 1];
  if (b->label[r - 2] != j || o->label[r - 2] != i || o->label[r - 1] != k || i == j || j == k ||
      i == k)
    return false;
  for (int32_t d = 0; d < r - 2; d++) {
    int32_t l = o->label[d];
    if (a->label[d] != l || b->label[d] != l || ta->dims[d] != tb->dims[d] || l == i || l == j ||
        l == k)
      return false;
  }
  return true;
}

/* Replaces the ellipsis of t by `dims` broadcast labels, right-aligned among `total`. */
static void es_expand(es_term *t, int32_t dims, int32_t total) {
  es_term e = *t;
  t->n = 0;
  for (int32_t k = 0; k < e.n; k++) {
    if (e.label[k] >= 0) {
      t->label[t->n++] = e.label[k];
      continue;
    }
    for (int32_t d = 0; d < dims; d++) t->label[t->n++] = ES_ELL + (total - dims) + d;
  }
}

static hy_status es_build(ir_graph *g, ir_node *n, es_plan *pl, hy_dtype *dt) {
  const ir_attr *a = ir_attr_find(n, "equation");
  if (!a || a->kind != IR_ATTR_STRING)
    return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL, "is required (a string)");
  if (n->n_in > ES_MAX_IN)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "%d inputs; at most %d are supported",
                         n->n_in, ES_MAX_IN);
  const char *eq = a->s, *arrow = strstr(eq, "->"), *lhs_end = arrow ? arrow : eq + strlen(eq);
  es_term in[ES_MAX_IN], out;
  const ir_type *t[ES_MAX_IN];
  int32_t terms = 0, ell = 0, count[ES_ALL] = {0};
  hy_status s;
  memset(pl, 0, sizeof *pl);
  for (int32_t l = 0; l < ES_ALL; l++) pl->size[l] = -1;
  for (const char *p = eq;; terms++) {
    const char *comma = memchr(p, ',', (size_t)(lhs_end - p)), *e = comma ? comma : lhs_end;
    if (terms >= n->n_in)
      return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL,
                           "'%s' has more terms than the node's %d inputs", eq, n->n_in);
    if ((s = es_term_parse(g, n, p, e, &in[terms]))) return s;
    if (!comma) break;
    p = comma + 1;
  }
  if (++terms != n->n_in)
    return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL,
                         "'%s' has %d terms for %d inputs", eq, terms, n->n_in);
  for (int32_t i = 0; i < terms; i++) {
    if ((s = ix_input_numeric(g, n, i, false, &t[i])) || (s = ir_check_same_dtype(g, n, 0, i)))
      return s;
    int32_t extra = t[i]->rank - in[i].n_letters;
    if (extra < 0 || (!in[i].ellipsis && extra != 0))
      return ir_attr_error(g, n, "equation", HY_ERR_SHAPE,
                           "term %d has %d labels for input %d of rank %d", i,
                           in[i].n_letters, i, t[i]->rank);
    ell = extra > ell ? extra : ell;
  }
  *dt = t[0]->dtype;
  /* sizes must agree, except that a size of 1 broadcasts (numpy's rule) */
  for (int32_t i = 0; i < terms; i++) {
    es_expand(&in[i], t[i]->rank - in[i].n_letters, ell);
    for (int32_t k = 0; k < in[i].n; k++) {
      int32_t l = in[i].label[k];
      int64_t d = t[i]->dims[k];
      count[l]++;
      if (pl->size[l] < 0 || pl->size[l] == 1)
        pl->size[l] = d;
      else if (pl->size[l] != d && d != 1)
        return ir_attr_error(g, n, "equation", HY_ERR_SHAPE,
                             "label %d of term %d has size %lld, elsewhere %lld", k, i,
                             (long long)d, (long long)pl->size[l]);
    }
  }
  /* output labels: explicit, or the ellipsis then the letters seen once, in ASCII order */
  if (arrow) {
    if ((s = es_term_parse(g, n, arrow + 2, eq + strlen(eq), &out))) return s;
    bool any = false;
    for (int32_t i = 0; i < terms; i++) any = any || in[i].ellipsis;
    if (out.ellipsis && !any)
      return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL,
                           "the output has '...' but no input has");
    if (!out.ellipsis && ell > 0)
      return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL,
                           "the inputs' '...' stands for %d dims the output leaves out", ell);
    es_expand(&out, ell, ell);
  } else {
    out.n = 0;
    for (int32_t d = 0; d < ell; d++) out.label[out.n++] = ES_ELL + d;
    for (int32_t l = 0; l < ES_LETTERS; l++)
      if (count[l] == 1) out.label[out.n++] = l;
  }
  if (out.n > HY_MAX_RANK)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED, "output rank %d exceeds %d", out.n,
                         HY_MAX_RANK);
  bool used[ES_ALL] = {false};
  for (int32_t k = 0; k < out.n; k++) {
    int32_t l = out.label[k];
    if (used[l] || !count[l])
      return ir_attr_error(g, n, "equation", HY_ERR_INVALID_MODEL,
                           "output label %d is %s", k, used[l] ? "repeated" : "in no input");
    used[l] = true;
    pl->order[pl->n_labels++] = l;
    pl->out_dims[k] = pl->size[l];
  }
  pl->n_out = pl->out_rank = out.n;
  pl->matmul = terms == 2 && es_is_matmul(&in[0], &in[1], &out, t[0], t[1]);
  for (int32_t l = 0; l < ES_ALL; l++)
    if (count[l] && !used[l]) pl->order[pl->n_labels++] = l;
  /* strides per kernel position; a broadcast (size 1 against a larger size) dim gets 0 */
  for (int32_t i = 0; i < terms; i++) {
    int64_t st[HY_MAX_RANK];
    mv_strides(t[i]->rank, t[i]->dims, st);
    for (int32_t k = 0; k < in[i].n; k++) {
      int32_t l = in[i].label[k];
      int32_t pos = 0;
      while (pl->order[pos] != l) pos++;
      if (t[i]->dims[k] == pl->size[l]) pl->stride[i][pos] += st[k];
    }
  }
  return HY_OK;
}

hy_status infer_einsum(ir_graph *g, ir_node *n) {
  es_plan *pl = arena_alloc(g->a, sizeof *pl);
  hy_dtype dt;
  if (!pl) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  hy_status s = es_build(g, n, pl, &dt);
  if (!s) ir_set_out(n, 0, dt, pl->out_rank, pl->out_dims);
  return s;
}

hy_status lower_einsum(ir_graph *g, ir_node *n, ir_lowered *l) {
  es_plan *pl = arena_alloc(g->a, sizeof *pl);
  hy_dtype dt;
  if (!pl) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "%s: out of memory", g->file);
  hy_status s = es_build(g, n, pl, &dt);
  if (s) return s;
  if (pl->matmul) return lower_matmul(g, n, l); /* the GEMM, not the general loops */
  if (3 + pl->n_labels * (1 + n->n_in) > LOWER_MAX_INTS)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "%d labels over %d inputs do not fit the kernel's %d attribute slots",
                         pl->n_labels, n->n_in, LOWER_MAX_INTS);
  l->kernel = HY_KERNEL_einsum;
  lower_int(l, n->n_in);
  lower_int(l, pl->n_labels);
  lower_int(l, pl->n_out);
  for (int32_t k = 0; k < pl->n_labels; k++) lower_int(l, pl->size[pl->order[k]]);
  for (int32_t i = 0; i < n->n_in; i++)
    for (int32_t k = 0; k < pl->n_labels; k++) lower_int(l, pl->stride[i][k]);
  return HY_OK;
}
