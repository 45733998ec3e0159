/* tfidf: TfIdfVectorizer over int32/int64 tokens. in X [C] or [N, C]; out Y (float) [S] or
 * [N, S]: per row, how often each pool n-gram occurs, weighted by the mode.
 *   ints: [0] mode (0 TF: counts, 1 IDF: weight (or 1) where the count is > 0, 2 TFIDF: weight
 *         times count, or the count without weights), [1] 1 when floats hold weights, [2]
 *         min_gram_length, [3] max_gram_length, [4] max_skip_count, [5] S, [6] G (pool n-grams),
 *         then G records [n, output index, n token values] (sizes within [min, max], each n-gram
 *         once: the compiler keeps the last of duplicates, as ONNX's reference does).
 *   floats: the weights, one per output index.
 * An n-gram of size n starting at token s with skip distance d is tokens s, s+d, ..., s+(n-1)d;
 * d runs from 1 to max_skip_count + 1, and unigrams count once (at d = 1), not once per d. */
#include "hydra/kernel.h"

/* Whether the record's tokens (v, n of them) are x[s], x[s+d], ... of row x. */
static inline bool tfidf_match(int32_t dt, const void *x, int64_t s, int64_t d, const int64_t *v,
                               int64_t n) {
  for (int64_t k = 0; k < n; k++) {
    int64_t i = s + k * d;
    int64_t t = dt == HY_DTYPE_INT32 ? ((const int32_t *)x)[i] : ((const int64_t *)x)[i];
    if (t != v[k]) return false;
  }
  return true;
}

hy_status hy_kernel_tfidf(const hy_kparams *p, const void *const *in, void *const *out,
                          void *scratch, const hy_exec *ex) {
  (void)scratch, (void)ex;
  const hy_tdesc *xt = &p->in[0];
  if (p->n_ints < 7 || xt->rank < 1 || xt->rank > 2) return HY_ERR_INTERNAL;
  int64_t mode = p->ints[0], weighted = p->ints[1], min_n = p->ints[2], max_n = p->ints[3];
  int64_t skips = p->ints[4], S = p->ints[5], G = p->ints[6];
  int64_t rows = xt->rank == 2 ? xt->dims[0] : 1, C = xt->dims[xt->rank - 1];
  int32_t dt = xt->dtype;
  int64_t es = dt == HY_DTYPE_INT32 ? 4 : 8;
  if (weighted && p->n_floats < S) return HY_ERR_INTERNAL;
  for (int64_t g = 0, k = 7; g < G; g++) { /* the records stay inside the block */
    if (k + 2 > p->n_ints || p->ints[k] < 1 || p->ints[k + 1] < 0 || p->ints[k + 1] >= S)
      return HY_ERR_INTERNAL;
    k += 2 + p->ints[k];
    if (k > p->n_ints) return HY_ERR_INTERNAL;
  }
  float *y = out[0];
  for (int64_t r = 0; r < rows; r++) {
    const char *x = (const char *)in[0] + r * C * es;
    float *yr = y + r * S;
    for (int64_t i = 0; i < S; i++) yr[i] = 0;
    int64_t start_n = min_n;
    for (int64_t d = 1; d <= skips + 1; d++) {
      for (int64_t s = 0; s + d * (start_n - 1) < C; s++) {
        const int64_t *rec = p->ints + 7;
        for (int64_t g = 0; g < G; g++) {
          int64_t n = rec[0];
          if (n >= start_n && s + d * (n - 1) < C && tfidf_match(dt, x, s, d, rec + 2, n))
            yr[rec[1]] += 1;
          rec += 2 + n;
        }
      }
      if (start_n == 1 && ++start_n > max_n) break; /* unigrams do not depend on d */
    }
    for (int64_t i = 0; i < S; i++) {
      double w = weighted ? p->floats[i] : 1.0;
      if (mode == 1) yr[i] = yr[i] > 0 ? (float)w : 0.0f;
      if (mode == 2) yr[i] = (float)(w * yr[i]);
    }
  }
  return HY_OK;
}
