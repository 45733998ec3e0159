/* Shape inference and lowering of TfIdfVectorizer (version 9) with an integer pool
 * (pool_int64s); string pools are refused as unsupported. The pool becomes the n-gram records of
 * the kernel's attribute block (runtime/src/kernels/tfidf.c). */
#include <string.h>

#include "ops/index.h"

/* The pool as n-grams: sizes from ngram_counts, output coordinates from ngram_indexes, the
 * weights, and the modes and lengths, all checked. */
typedef struct tfidf_plan {
  int64_t mode, min_n, max_n, skips, out_size;
  const int64_t *pool, *counts, *indexes;
  int32_t n_pool, n_counts, n_indexes, n_weights;
  const float *weights;
} tfidf_plan;

static hy_status tfidf_mode(ir_graph *g, ir_node *n, int64_t *mode) {
  const ir_attr *a = ir_attr_find(n, "mode");
  if (!a || a->kind != IR_ATTR_STRING)
    return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL,
                         "must be given, a string: \"TF\", \"IDF\" or \"TFIDF\"");
  static const char *const names[3] = {"TF", "IDF", "TFIDF"};
  for (int64_t i = 0; i < 3; i++)
    if (!strcmp(a->s, names[i])) return *mode = i, HY_OK;
  return ir_attr_error(g, n, "mode", HY_ERR_INVALID_MODEL,
                       "'%s' is not \"TF\", \"IDF\" or \"TFIDF\"", a->s);
}

static hy_status tfidf_lengths(ir_graph *g, ir_node *n, tfidf_plan *p) {
  hy_status s;
  if ((s = ix_attr_int(g, n, "min_gram_length", -1, &p->min_n)) ||
      (s = ix_attr_int(g, n, "max_gram_length", -1, &p->max_n)) ||
      (s = ix_attr_int(g, n, "max_skip_count", -1, &p->skips)))
    return s;
  if (p->min_n < 1)
    return ir_attr_error(g, n, "min_gram_length", HY_ERR_INVALID_MODEL,
                         "must be given and >= 1, is %lld", (long long)p->min_n);
  if (p->max_n < p->min_n)
    return ir_attr_error(g, n, "max_gram_length", HY_ERR_INVALID_MODEL,
                         "must be given and >= min_gram_length (%lld), is %lld",
                         (long long)p->min_n, (long long)p->max_n);
  if (p->skips < 0)
    return ir_attr_error(g, n, "max_skip_count", HY_ERR_INVALID_MODEL,
                         "must be given and >= 0, is %lld", (long long)p->skips);
  return HY_OK;
}

/* ngram_counts[i] starts the (i+1)-grams in the pool: non-decreasing, within the pool, and
 * each run a whole number of n-grams. Sets the total n-gram count. */
static hy_status tfidf_counts(ir_graph *g, ir_node *n, const tfidf_plan *p, int64_t *total) {
  *total = 0;
  for (int32_t i = 0; i < p->n_counts; i++) {
    int64_t b = p->counts[i], e = i + 1 < p->n_counts ? p->counts[i + 1] : p->n_pool;
    if (b < 0 || b > e || e > p->n_pool)
      return ir_attr_error(g, n, "ngram_counts", HY_ERR_INVALID_MODEL,
                           "entry %d (%lld) is not a start in [0, %d] before the next", i,
                           (long long)b, p->n_pool);
    if ((e - b) % (i + 1))
      return ir_attr_error(g, n, "ngram_counts", HY_ERR_INVALID_MODEL,
                           "the %d-grams (pool items %lld to %lld) are not a whole number",
                           i + 1, (long long)b, (long long)e);
    *total += (e - b) / (i + 1);
  }
  return HY_OK;
}

static hy_status tfidf_get(ir_graph *g, ir_node *n, tfidf_plan *p) {
  memset(p, 0, sizeof *p);
  hy_status s;
  if ((s = tfidf_mode(g, n, &p->mode)) || (s = tfidf_lengths(g, n, p))) return s;
  if (ir_attr_find(n, "pool_strings"))
    return ir_attr_error(g, n, "pool_strings", HY_ERR_UNSUPPORTED,
                         "string pools are not supported (pool_int64s is)");
  if (!ir_attr_ints(n, "pool_int64s", &p->pool, &p->n_pool))
    return ir_attr_error(g, n, "pool_int64s", HY_ERR_INVALID_MODEL, "must be given (ints)");
  if (!ir_attr_ints(n, "ngram_counts", &p->counts, &p->n_counts))
    return ir_attr_error(g, n, "ngram_counts", HY_ERR_INVALID_MODEL, "must be given (ints)");
  if (!ir_attr_ints(n, "ngram_indexes", &p->indexes, &p->n_indexes) || !p->n_indexes)
    return ir_attr_error(g, n, "ngram_indexes", HY_ERR_INVALID_MODEL,
                         "must be given (non-empty ints)");
  int64_t total;
  if ((s = tfidf_counts(g, n, p, &total))) return s;
  if (p->n_indexes != total)
    return ir_attr_error(g, n, "ngram_indexes", HY_ERR_INVALID_MODEL,
                         "has %d entries, the pool has %lld n-grams", p->n_indexes,
                         (long long)total);
  for (int32_t i = 0; i < p->n_indexes; i++) {
    if (p->indexes[i] < 0 || p->indexes[i] >= ((int64_t)1 << 31))
      return ir_attr_error(g, n, "ngram_indexes", HY_ERR_INVALID_MODEL,
                           "entry %d (%lld) is negative or too large", i,
                           (long long)p->indexes[i]);
    if (p->indexes[i] + 1 > p->out_size) p->out_size = p->indexes[i] + 1;
  }
  if (ir_attr_floats(n, "weights", &p->weights, &p->n_weights) && p->n_weights != p->n_indexes)
    return ir_attr_error(g, n, "weights", HY_ERR_INVALID_MODEL,
                         "has %d entries, ngram_indexes %d: they must match", p->n_weights,
                         p->n_indexes);
  if (p->n_weights && p->n_weights < p->out_size) /* weights are read by output coordinate */
    return ir_attr_error(g, n, "weights", HY_ERR_INVALID_MODEL,
                         "has %d entries for %lld output coordinates", p->n_weights,
                         (long long)p->out_size);
  return HY_OK;
}

hy_status infer_tfidf(ir_graph *g, ir_node *n) {
  const ir_type *x;
  tfidf_plan p;
  hy_status s = mv_input(g, n, 0, &x);
  if (s || (s = tfidf_get(g, n, &p))) return s;
  if (x->dtype != HY_DTYPE_INT32 && x->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, x->dtype == HY_DTYPE_STRING ? HY_ERR_UNSUPPORTED : HY_ERR_DTYPE,
                         "input 0 ('%s') has type %s, not int32 or int64", n->in[0]->name,
                         hy_dtype_name(x->dtype));
  if (x->rank != 1 && x->rank != 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 ('%s') has rank %d, not 1 or 2",
                         n->in[0]->name, x->rank);
  int64_t dims[2] = {x->dims[0], p.out_size};
  if (x->rank == 1) dims[0] = p.out_size;
  ir_set_out(n, 0, HY_DTYPE_FLOAT, x->rank, dims);
  return HY_OK;
}

/* Whether the n-gram at pool offset b (n tokens) appears again later among the same sizes: the
 * reference's trie keeps the last one's coordinate. */
static bool tfidf_repeated(const tfidf_plan *p, int64_t b, int64_t n, int64_t run_end) {
  for (int64_t c = b + n; c + n <= run_end; c += n)
    if (!memcmp(p->pool + b, p->pool + c, (size_t)n * sizeof *p->pool)) return true;
  return false;
}

hy_status lower_tfidf(ir_graph *g, ir_node *n, ir_lowered *l) {
  tfidf_plan p;
  hy_status s = tfidf_get(g, n, &p);
  if (s) return s;
  if (p.n_weights > LOWER_MAX_FLOATS)
    return ir_attr_error(g, n, "weights", HY_ERR_UNSUPPORTED,
                         "%d weights; at most %d are supported", p.n_weights, LOWER_MAX_FLOATS);
  l->kernel = HY_KERNEL_tfidf;
  const int64_t head[7] = {p.mode, p.n_weights > 0, p.min_n, p.max_n, p.skips, p.out_size, 0};
  for (int32_t i = 0; i < 7; i++) lower_int(l, head[i]);
  int64_t kept = 0, id = 0;
  for (int32_t i = 0; i < p.n_counts; i++) {
    int64_t sz = i + 1, b = p.counts[i], e = i + 1 < p.n_counts ? p.counts[i + 1] : p.n_pool;
    for (int64_t c = b; c < e; c += sz, id++) {
      if (sz < p.min_n || sz > p.max_n || tfidf_repeated(&p, c, sz, e)) continue;
      lower_int(l, sz);
      lower_int(l, p.indexes[id]);
      for (int64_t k = 0; k < sz; k++) lower_int(l, p.pool[c + k]);
      kept++;
    }
  }
  l->ints[6] = kept;
  if (l->n_ints > LOWER_MAX_INTS)
    return ir_attr_error(g, n, "pool_int64s", HY_ERR_UNSUPPORTED,
                         "the pool needs %d attribute ints; at most %d are supported", l->n_ints,
                         LOWER_MAX_INTS);
  for (int32_t i = 0; i < p.n_weights; i++) lower_float(l, p.weights[i]);
  return HY_OK;
}
