/* attention: the Attention op (opsets 23 to 25) as one streaming kernel. Per (batch, query
 * head, block of up to bq query rows) it walks the keys in tiles of up to bk, computes that
 * bq x bk block of scores, applies softcap and the additive bias (attn_mask, the causal frontier,
 * the sliding window, the padding of nonpad_kv_seqlen) and folds the tile into running row
 * maxima, sums and output rows (online softmax), so no more than one block of scores exists at a
 * time. Q is read in place through its strides. float32 packs the keys (as K^T) and values of a
 * head once per task (attention_pack.h) and computes both products of every block of that head
 * with the GEMM's register-tile micro-kernels; the other dtypes read K, V and the caches in
 * place. Tasks (at most `tasks`, and one when the work is small) split the (batch, head, query
 * block) units between the session's threads. Only a requested qk_matmul_output gets the whole
 * score matrix, written as the tiles pass.
 *
 * float16 and bfloat16 instead follow the op's definition step by step, as its function body
 * (and ONNX's reference) computes in the input type: Q and K are each scaled and rounded, the
 * scores, the softcap steps and the biased logits are rounded, the softmax runs in
 * softmax_precision (default: the input type, its exp, sum and quotient rounded; a bfloat16 sum
 * accumulates in bfloat16 one term at a time, a float16 one in float, as NumPy does) and the
 * probabilities are rounded before the product with V, which accumulates in float. A whole row
 * of keys is needed for that softmax, so their lowering makes bk the total key count. (A
 * bfloat16 sum stops growing once it is 256 times the terms it adds, as the reference's does:
 * models with long, flat attention rows want softmax_precision float, which the op offers.)
 *
 * in: Q, K, V, attn_mask?, past_key?, past_value?, nonpad_kv_seqlen? (int64 [B]);
 * out: Y, present_key?, present_value?, qk_matmul_output?
 * ints = {B, q_heads, kv_heads, q_len, kv_len (new keys), past_len, head_size, v_head_size,
 *         rank3 (Q/K/V/Y laid out [B, S, heads * size], else [B, heads, S, size]), is_causal,
 *         qk_mode (0 QK, 1 after softcap, 2 with the bias, 3 the softmax), tasks, bq, bk,
 *         left_window, right_window (-1: unbounded), softmax dtype (0: the input's)}
 * floats = {scale, softcap (0: none)}. Like ONNX's definition the kernel scales Q and K each by
 * sqrt(scale) rounded to their dtype: float and double multiply Q.K by that root squared.
 * Q, K, V, the caches and a non-bool mask share one dtype (float, double, float16, bfloat16);
 * float computes in float, or in double when the softmax dtype is double. The mask (bool: False
 * masks) broadcasts right-aligned to [B, q_heads, q_len, keys]; keys at or past its last dim are
 * masked. The query at absolute position p = offset + i (offset: past_len, or nonpad_kv_seqlen[b]
 * - q_len with nonpad_kv_seqlen) sees keys p - left_window ... p + right_window, and with
 * is_causal none past p. A query row whose bias masks every key gives a zero row (in Y and in
 * the mode-3 output).
 * scratch: tasks * hy_attention_task_bytes(bq, bk, total keys, head_size, v_head_size, acc,
 * float32); bq is the most rows a block may have (the kernel evens the blocks out). */
#include <math.h>

#include "hydra/attention.h"
#include "hydra/kernel.h"
#include "kernels/attention_pack.h"
#include "kernels/nn_util.h"
#include "kernels/parallel.h"

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline size_t align64(size_t x) { return (x + 63) & ~(size_t)63; }

size_t hy_attention_task_bytes(int64_t bq, int64_t bk, int64_t tot, int64_t d, int64_t dv,
                               size_t acc_size, int packed) {
  size_t s = align64((size_t)(bq * bk) * acc_size) + align64((size_t)(bq * dv) * acc_size) +
             2 * align64((size_t)bq * acc_size) + align64((size_t)bq) + 64;
  if (packed) s += ap_head_bytes(tot, d, dv);
  return s;
}

typedef struct attn_job {
  const char *q, *k, *v, *pk, *pv, *mask;
  const int64_t *nonpad;
  char *y, *qk;
  int64_t B, qH, kvH, Sq, Skv, P, tot, D, Dv, bq, bk, nqb, group;
  int rank3, causal, mode, mask_kind; /* mask_kind: 0 none, 1 bool, 2 additive */
  int64_t ms[3], mk; /* mask element strides over (batch, head, query row); its key count */
  int64_t left, right; /* window bounds, -1: unbounded */
  int32_t sm;          /* float16/bfloat16: the dtype the softmax computes in */
  int32_t in_dt;
  double scale, softcap;
  float root; /* sqrt(scale) rounded to the input dtype */
  char *scratch;
  size_t task_bytes, acc;
  int packed; /* float32: heads packed for the micro-kernels (attention_pack.h) */
  int64_t n_tasks, units;
} attn_job;

/* Element offset of query row i of head h (Q), or of its output row (Y). */
static inline int64_t attn_qrow(const attn_job *j, int64_t b, int64_t h, int64_t i, int64_t d) {
  return j->rank3 ? (b * j->Sq + i) * j->qH * d + h * d : ((b * j->qH + h) * j->Sq + i) * d;
}

/* The keys and values from key kj on, up to the end of their source (past cache or new). */
typedef struct kv_tile {
  const char *k, *v;
  int64_t rsk, rsv, len;
} kv_tile;

static inline void attn_kv(const attn_job *j, int64_t b, int64_t g, int64_t kj, size_t es,
                           kv_tile *t) {
  if (kj < j->P) {
    int64_t row = (b * j->kvH + g) * j->P + kj;
    *t = (kv_tile){j->pk + (size_t)(row * j->D) * es, j->pv + (size_t)(row * j->Dv) * es, j->D,
                   j->Dv, j->P - kj};
    return;
  }
  int64_t n = kj - j->P;
  if (j->rank3) {
    int64_t r = b * j->Skv + n;
    *t = (kv_tile){j->k + (size_t)((r * j->kvH + g) * j->D) * es,
                   j->v + (size_t)((r * j->kvH + g) * j->Dv) * es, j->kvH * j->D, j->kvH * j->Dv,
                   j->tot - kj};
  } else {
    int64_t r = (b * j->kvH + g) * j->Skv + n;
    *t = (kv_tile){j->k + (size_t)(r * j->D) * es, j->v + (size_t)(r * j->Dv) * es, j->D, j->Dv,
                   j->tot - kj};
  }
}

/* Saturating sums: nonpad_kv_seqlen and the window bounds may be hostile values, and
 * saturation keeps every comparison below what it means without overflow. */
static inline int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? (b > 0 ? INT64_MAX : INT64_MIN) : r;
}
static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* The keys [*lo, *hi) (within [0, total]) that query row i of batch b may see by the causal
 * frontier, the window and nonpad_kv_seqlen's padding; the mask comes on top. The query's
 * absolute position is p = i + offset, offset being past_len, or nonpad_kv_seqlen[b] - q_len
 * for an external cache. Both ends grow with i. */
static inline void attn_row_range(const attn_job *j, int64_t b, int64_t i, int64_t *lo,
                                  int64_t *hi) {
  int64_t off = j->nonpad && !j->pk ? sat_add(j->nonpad[b], -j->Sq) : j->P;
  int64_t pos = sat_add(i, off), l = 0, h = j->tot;
  if (j->causal) h = imin(h, sat_add(pos, 1));
  if (j->right >= 0) h = imin(h, sat_add(sat_add(pos, j->right), 1));
  if (j->left >= 0) l = sat_add(pos, -j->left);
  if (j->nonpad) h = imin(h, j->nonpad[b]);
  *lo = clamp64(l, 0, j->tot);
  *hi = clamp64(h, 0, j->tot);
}

/* The keys [*begin, *end) some row of the block (rows i0 .. i0 + rows - 1) may see: the block
 * need not visit the others (unless a score output wants every key). */
static void attn_key_span(const attn_job *j, int64_t b, int64_t i0, int64_t rows, int64_t *begin,
                          int64_t *end) {
  *begin = 0, *end = j->tot;
  if (j->qk) return;
  int64_t lo, hi;
  attn_row_range(j, b, i0, begin, &hi);
  attn_row_range(j, b, i0 + rows - 1, &lo, end);
  if (j->mask_kind) *end = imin(*end, j->mk);
  if (*end < *begin) *end = *begin;
}

/* Running softmax state of one block, carved from a task's scratch. */
typedef struct attn_ws {
  void *s, *o, *m, *l;
  unsigned char *allowed;
  float *kp, *vp; /* float32: the packed head (K^T, V) */
} attn_ws;

static void attn_carve(const attn_job *j, char *base, attn_ws *w) {
  char *p = (char *)(((uintptr_t)base + 63) & ~(uintptr_t)63);
  w->s = p;
  p += align64((size_t)(j->bq * j->bk) * j->acc);
  w->o = p;
  p += align64((size_t)(j->bq * j->Dv) * j->acc);
  w->m = p;
  p += align64((size_t)j->bq * j->acc);
  w->l = p;
  p += align64((size_t)j->bq * j->acc);
  w->allowed = (unsigned char *)p;
  p += align64((size_t)j->bq);
  w->kp = (float *)p;
  w->vp = (float *)(p + ap_keys_bytes(j->tot, j->D));
}

/* float32: the keys and values of head (b, g) packed once, for every block of its queries. */
static void attn_head_f32(const attn_job *j, const attn_ws *w, int64_t b, int64_t g) {
  for (int64_t kj = 0; kj < j->tot;) {
    kv_tile t;
    attn_kv(j, b, g, kj, sizeof(float), &t);
    ap_pack_rows((const float *)t.k, t.rsk, (const float *)t.v, t.rsv, kj, t.len, j->tot, j->D,
                 j->Dv, w->kp, w->vp);
    kj += t.len;
  }
  ap_pad_keys(j->tot, j->D, w->kp);
}
static void attn_scores_f32(const attn_job *j, const float *q, int64_t rsq, const kv_tile *t,
                            int64_t kj, int64_t rows, int64_t n, float *s, const attn_ws *w) {
  (void)t;
  ap_scores(hy_gemm_target_isa, q, rsq, j->D, w->kp, kj, rows, n, (float)j->scale, s, j->bk);
}
static void attn_pv_f32(const attn_job *j, const float *s, const kv_tile *t, int64_t kj,
                        int64_t rows, int64_t n, float *o, const attn_ws *w) {
  (void)t;
  ap_pv(hy_gemm_target_isa, s, j->bk, w->vp, j->tot, j->Dv, kj, rows, n, o);
}
/* Row max and in-place exp(x - m) with its sum: the vector helpers of softmax. */
#define ATTN_MAX_F32(x, n) nn_row_max(x, n)
#define ATTN_EXPSUM_F32(x, n, m) nn_row_exp_sum(x, x, n, m)

/* The other dtypes: plain loops in the compute type, on K and V in place (nothing packed).
 * HALF: Q and K are each scaled by the rounded root and rounded (ROUND) before their product,
 * whose sum is rounded too. */
#define ATTN_LOOPS(SFX, T, ACC, LOAD, EXP, ROUND, HALF)                                           \
  static void attn_head_##SFX(const attn_job *j, const attn_ws *w, int64_t b, int64_t g) {        \
    (void)j, (void)w, (void)b, (void)g;                                                           \
  }                                                                                               \
  static void attn_scores_##SFX(const attn_job *j, const T *q, int64_t rsq, const kv_tile *t,     \
                                int64_t kj, int64_t rows, int64_t n, ACC *s, const attn_ws *w) {  \
    (void)w, (void)kj;                                                                            \
    const T *k = (const T *)t->k;                                                                 \
    ACC rt = (ACC)j->root;                                                                        \
    for (int64_t r = 0; r < rows; r++)                                                            \
      for (int64_t c = 0; c < n; c++) {                                                           \
        ACC acc = 0;                                                                              \
        for (int64_t d = 0; d < j->D; d++) {                                                      \
          ACC qd = (ACC)LOAD(q[r * rsq + d]), kd = (ACC)LOAD(k[c * t->rsk + d]);                  \
          acc += HALF ? ROUND(qd * rt) * ROUND(kd * rt) : qd * kd;                                \
        }                                                                                         \
        s[r * j->bk + c] = HALF ? ROUND(acc) : acc * (ACC)j->scale;                               \
      }                                                                                           \
  }                                                                                               \
  static void attn_pv_##SFX(const attn_job *j, const ACC *s, const kv_tile *t, int64_t kj,        \
                            int64_t rows, int64_t n, ACC *o, const attn_ws *w) {                  \
    (void)w, (void)kj;                                                                            \
    const T *v = (const T *)t->v;                                                                 \
    for (int64_t r = 0; r < rows; r++)                                                            \
      for (int64_t c = 0; c < n; c++) {                                                           \
        ACC pr = s[r * j->bk + c];                                                                \
        if (pr == 0) continue;                                                                    \
        for (int64_t e = 0; e < j->Dv; e++) o[r * j->Dv + e] += pr * (ACC)LOAD(v[c * t->rsv + e]); \
      }                                                                                           \
  }                                                                                               \
  static ACC attn_max_##SFX(const ACC *x, int64_t n) {                                            \
    ACC m = -INFINITY;                                                                            \
    for (int64_t c = 0; c < n; c++) m = x[c] > m ? x[c] : m;                                      \
    return m;                                                                                     \
  }                                                                                               \
  static ACC attn_expsum_##SFX(ACC *x, int64_t n, ACC m) {                                        \
    ACC sum = 0;                                                                                  \
    for (int64_t c = 0; c < n; c++) sum += (x[c] = EXP(x[c] - m));                                \
    return sum;                                                                                   \
  }
#define ATTN_MAX_LOOP(SFX) attn_max_##SFX
#define ATTN_EXPSUM_LOOP(SFX) attn_expsum_##SFX

/* The exact softmax of float16/bfloat16 rows (see the top): x holds a row of logits, already
 * rounded to the input dtype dt; it becomes the probabilities, rounded to dt. sm is the dtype
 * the softmax computes in. */
static void attn_softmax_exact(int32_t dt, int32_t sm, float *x, int64_t n) {
  float m = -INFINITY;
  for (int64_t c = 0; c < n; c++) m = x[c] > m ? x[c] : m;
  if (m == -INFINITY) { /* nothing attended */
    for (int64_t c = 0; c < n; c++) x[c] = 0;
    return;
  }
  if (sm == HY_DTYPE_DOUBLE) {
    double sum = 0;
    for (int64_t c = 0; c < n; c++) sum += exp((double)x[c] - m);
    for (int64_t c = 0; c < n; c++) x[c] = nn_round_to(dt, (float)(exp((double)x[c] - m) / sum));
    return;
  }
  /* in float, or in a 16-bit type: each step rounded to it (nn_round_to is the identity for
   * float); the logits are converted to it first */
  float sum = 0;
  m = nn_round_to(sm, m);
  for (int64_t c = 0; c < n; c++) {
    x[c] = nn_exact_exp(sm, x[c], m);
    sum = nn_exact_add(sm, sum, x[c]);
  }
  sum = nn_round_to(sm, sum);
  for (int64_t c = 0; c < n; c++) x[c] = nn_round_to(dt, nn_round_to(sm, x[c] / sum));
}

/* The block walk, per dtype. SCORES/PV/MAX/EXPSUM are the four primitives above. ROUND rounds a
 * compute-type value to T where the op's definition produces a T (the identity for float and
 * double); EXACT (float16, bfloat16) takes whole rows and the exact softmax SOFTMAX instead of
 * the online one. */
#define ATTN_IMPL(SFX, T, ACC, LOAD, STORE, EXP, TANH, MAX, EXPSUM, ROUND, EXACT, SOFTMAX)        \
  /* x[c] += the bias of key kj0 + c for query row i: the mask's row, then -inf outside the row's \
   * range (causal frontier, window, nonpad_kv_seqlen) and past the mask's end. Row-wise loops     \
   * (they vectorise). True when the bias leaves some key of the tile unmasked. */                 \
  static bool attn_bias_row_##SFX(const attn_job *j, ACC *x, int64_t n, int64_t b, int64_t h,      \
                                  int64_t i, int64_t kj0) {                                        \
    int64_t lo, hi, mn = n;                                                                        \
    attn_row_range(j, b, i, &lo, &hi);                                                             \
    lo = clamp64(lo - kj0, 0, n), hi = clamp64(hi - kj0, 0, n);                                    \
    if (j->mask_kind) mn = clamp64(j->mk - kj0, 0, n);                                             \
    int64_t live = imin(hi, mn);                                                                   \
    int any = !j->mask_kind && live > lo;                                                          \
    if (j->mask_kind && mn > 0) {                                                                  \
      int64_t o = b * j->ms[0] + h * j->ms[1] + i * j->ms[2] + kj0;                                \
      if (j->mask_kind == 1) {                                                                     \
        const unsigned char *m = (const unsigned char *)j->mask + o;                               \
        for (int64_t c = lo; c < live; c++) any |= m[c] != 0;                                      \
        for (int64_t c = 0; c < mn; c++) x[c] += m[c] ? (ACC)0 : (ACC)-INFINITY;                   \
      } else {                                                                                     \
        const T *m = (const T *)j->mask + o;                                                       \
        for (int64_t c = lo; c < live; c++) any |= (ACC)LOAD(m[c]) != (ACC)-INFINITY;              \
        for (int64_t c = 0; c < mn; c++) x[c] = ROUND(x[c] + (ACC)LOAD(m[c]));                     \
      }                                                                                            \
    }                                                                                              \
    for (int64_t c = mn; c < n; c++) x[c] += (ACC)-INFINITY;                                       \
    for (int64_t c = 0; c < lo; c++) x[c] += (ACC)-INFINITY;                                       \
    for (int64_t c = hi; c < n; c++) x[c] += (ACC)-INFINITY;                                       \
    return any != 0;                                                                               \
  }                                                                                                \
  /* softcap, score output, bias: x[c] becomes the logit of key kj0 + c */                         \
  static void attn_logits_##SFX(const attn_job *j, ACC *x, int64_t n, int64_t b, int64_t h,        \
                                int64_t i, int64_t kj0, unsigned char *allowed) {                  \
    T *qk = j->qk ? (T *)j->qk + ((b * j->qH + h) * j->Sq + i) * j->tot + kj0 : NULL;              \
    ACC cap = (ACC)j->softcap;                                                                     \
    if (qk && j->mode == 0)                                                                        \
      for (int64_t c = 0; c < n; c++) qk[c] = STORE(x[c]);                                         \
    if (cap > 0)                                                                                   \
      for (int64_t c = 0; c < n; c++) x[c] = ROUND(cap * ROUND(TANH(ROUND(x[c] / cap))));          \
    if (qk && j->mode == 1)                                                                        \
      for (int64_t c = 0; c < n; c++) qk[c] = STORE(x[c]);                                         \
    if (!j->mask_kind && !j->causal && !j->nonpad && j->left < 0 && j->right < 0) {                \
      if (n > 0) *allowed = 1;                                                                     \
    } else if (attn_bias_row_##SFX(j, x, n, b, h, i, kj0)) {                                       \
      *allowed = 1;                                                                                \
    }                                                                                              \
    if (qk && j->mode >= 2)                                                                        \
      for (int64_t c = 0; c < n; c++) qk[c] = STORE(x[c]);                                         \
  }                                                                                                \
  /* folds one row of logits into the running max m, sum l and output row o; x becomes the    \
   * (unnormalised) probabilities */                                                              \
  static void attn_online_##SFX(ACC *x, int64_t n, ACC *m, ACC *l, ACC *o, int64_t dv) {          \
    ACC mt = MAX(x, n), mn = mt > *m ? mt : *m;                                                   \
    if (mn == (ACC)-INFINITY) { /* nothing attended so far: the tile adds nothing */              \
      for (int64_t c = 0; c < n; c++) x[c] = 0;                                                   \
      return;                                                                                     \
    }                                                                                             \
    ACC corr = EXP(*m - mn);                                                                      \
    ACC sum = EXPSUM(x, n, mn);                                                                   \
    *l = *l * corr + sum;                                                                         \
    if (corr != 1)                                                                                \
      for (int64_t e = 0; e < dv; e++) o[e] *= corr;                                              \
    *m = mn;                                                                                      \
  }                                                                                               \
  /* the mode-3 output of a query row, zero for a dead one */                                     \
  static void attn_probs_out_##SFX(const attn_job *j, const ACC *x, int64_t b, int64_t h,         \
                                   int64_t i, bool dead) {                                        \
    T *qk = (T *)j->qk + ((b * j->qH + h) * j->Sq + i) * j->tot;                                  \
    for (int64_t c = 0; c < j->tot; c++) qk[c] = STORE(dead ? (ACC)0 : x[c]);                     \
  }                                                                                               \
  static void attn_finish_##SFX(const attn_job *j, const attn_ws *w, int64_t b, int64_t h,        \
                                int64_t i0, int64_t rows) {                                       \
    const ACC *o = w->o, *m = w->m, *l = w->l;                                                    \
    for (int64_t r = 0; r < rows; r++) {                                                          \
      T *y = (T *)j->y + attn_qrow(j, b, h, i0 + r, j->Dv);                                       \
      bool dead = !w->allowed[r] || l[r] == 0 || m[r] == (ACC)-INFINITY;                          \
      ACC inv = dead ? 0 : 1 / l[r];                                                              \
      for (int64_t e = 0; e < j->Dv; e++) y[e] = STORE(dead ? (ACC)0 : o[r * j->Dv + e] * inv);   \
      if (!EXACT && j->qk && j->mode == 3) {                                                      \
        T *qk = (T *)j->qk + ((b * j->qH + h) * j->Sq + i0 + r) * j->tot;                         \
        for (int64_t c = 0; c < j->tot; c++)                                                      \
          qk[c] = STORE(dead ? (ACC)0 : EXP((ACC)LOAD(qk[c]) - m[r]) * inv);                      \
      }                                                                                           \
    }                                                                                             \
  }                                                                                               \
  /* *head: the (batch, kv head) whose keys the task's scratch holds packed, -1: none yet */      \
  static void attn_block_##SFX(const attn_job *j, char *base, int64_t unit, int64_t *head) {      \
    int64_t qb = unit % j->nqb, bh = unit / j->nqb, h = bh % j->qH, b = bh / j->qH;               \
    int64_t g = h / j->group, i0 = qb * j->bq, rows = imin(j->bq, j->Sq - i0);                    \
    attn_ws w;                                                                                    \
    attn_carve(j, base, &w);                                                                      \
    if (*head != b * j->kvH + g) {                                                                \
      attn_head_##SFX(j, &w, b, g);                                                               \
      *head = b * j->kvH + g;                                                                     \
    }                                                                                             \
    ACC *s = w.s, *o = w.o, *m = w.m, *l = w.l;                                                   \
    for (int64_t r = 0; r < rows; r++) {                                                          \
      m[r] = -INFINITY;                                                                           \
      l[r] = 0;                                                                                   \
      w.allowed[r] = 0;                                                                           \
    }                                                                                             \
    for (int64_t e = 0; e < rows * j->Dv; e++) o[e] = 0;                                          \
    const T *q = (const T *)j->q + attn_qrow(j, b, h, i0, j->D);                                  \
    int64_t rsq = j->rank3 ? j->qH * j->D : j->D, begin, end;                                     \
    attn_key_span(j, b, i0, rows, &begin, &end);                                                  \
    if (j->packed) /* tiles from a panel's start (the keys before begin are masked) */           \
      begin -= begin % AP_NR;                                                                     \
    /* EXACT: every tile's scores side by side in s (bk covers all keys), one softmax per row, \
     * then the products with V tile by tile */                                                   \
    for (int pass = 0; pass < (EXACT ? 2 : 1); pass++) {                                          \
      for (int64_t kj = begin; kj < end;) {                                                       \
        kv_tile t;                                                                                \
        attn_kv(j, b, g, kj, sizeof(T), &t);                                                      \
        int64_t n = imin(imin(j->bk, t.len), end - kj);                                           \
        ACC *st = EXACT ? s + (kj - begin) : s;                                                   \
        if (pass == 0) attn_scores_##SFX(j, q, rsq, &t, kj, rows, n, st, &w);                     \
        if (!EXACT)                                                                               \
          for (int64_t r = 0; r < rows; r++) {                                                    \
            attn_logits_##SFX(j, st + r * j->bk, n, b, h, i0 + r, kj, &w.allowed[r]);             \
            attn_online_##SFX(st + r * j->bk, n, &m[r], &l[r], o + r * j->Dv, j->Dv);             \
          }                                                                                       \
        if (!EXACT || pass == 1) attn_pv_##SFX(j, st, &t, kj, rows, n, o, &w);                    \
        kj += n;                                                                                  \
      }                                                                                           \
      if (EXACT && pass == 0)                                                                     \
        for (int64_t r = 0; r < rows; r++) {                                                      \
          ACC *x = s + r * j->bk;                                                                 \
          attn_logits_##SFX(j, x, end - begin, b, h, i0 + r, begin, &w.allowed[r]);               \
          if (w.allowed[r])                                                                       \
            SOFTMAX(j->in_dt, j->sm, x, end - begin);                                             \
          else                                                                                    \
            for (int64_t c = 0; c < end - begin; c++) x[c] = 0;                                   \
          m[r] = 0, l[r] = 1;                                                                     \
          if (j->qk && j->mode == 3) attn_probs_out_##SFX(j, x, b, h, i0 + r, !w.allowed[r]);     \
        }                                                                                         \
    }                                                                                             \
    attn_finish_##SFX(j, &w, b, h, i0, rows);                                                     \
  }                                                                                               \
  static void attn_tasks_##SFX(void *arg, int64_t begin, int64_t end) {                           \
    const attn_job *j = arg;                                                                      \
    for (int64_t t = begin; t < end; t++) {                                                       \
      int64_t lo = t * j->units / j->n_tasks, hi = (t + 1) * j->units / j->n_tasks, head = -1;    \
      for (int64_t u = lo; u < hi; u++)                                                           \
        attn_block_##SFX(j, j->scratch + (size_t)t * j->task_bytes, u, &head);                    \
    }                                                                                             \
  }

#define ATTN_ID(x) (x)
#define ATTN_NO_SOFTMAX(dt, sm, x, n) ((void)0)
#define ATTN_TO_F32(x) ((float)(x))
#define ATTN_R16(x) hy_k_f16_to_f32(hy_k_f32_to_f16(x))
#define ATTN_RB16(x) hy_k_bf16_to_f32(hy_k_f32_to_bf16(x))
ATTN_IMPL(f32, float, float, ATTN_ID, ATTN_ID, expf, tanhf, ATTN_MAX_F32, ATTN_EXPSUM_F32, ATTN_ID,
          0, ATTN_NO_SOFTMAX)
ATTN_LOOPS(f64, double, double, ATTN_ID, exp, ATTN_ID, 0)
ATTN_IMPL(f64, double, double, ATTN_ID, ATTN_ID, exp, tanh, ATTN_MAX_LOOP(f64),
          ATTN_EXPSUM_LOOP(f64), ATTN_ID, 0, ATTN_NO_SOFTMAX)
/* float inputs with a double softmax_precision: all in double */
ATTN_LOOPS(f32d, float, double, ATTN_ID, exp, ATTN_ID, 0)
ATTN_IMPL(f32d, float, double, ATTN_ID, ATTN_TO_F32, exp, tanh, ATTN_MAX_LOOP(f32d),
          ATTN_EXPSUM_LOOP(f32d), ATTN_ID, 0, ATTN_NO_SOFTMAX)
ATTN_LOOPS(f16, uint16_t, float, hy_k_f16_to_f32, expf, ATTN_R16, 1)
ATTN_IMPL(f16, uint16_t, float, hy_k_f16_to_f32, hy_k_f32_to_f16, expf, tanhf, ATTN_MAX_LOOP(f16),
          ATTN_EXPSUM_LOOP(f16), ATTN_R16, 1, attn_softmax_exact)
ATTN_LOOPS(bf16, uint16_t, float, hy_k_bf16_to_f32, expf, ATTN_RB16, 1)
ATTN_IMPL(bf16, uint16_t, float, hy_k_bf16_to_f32, hy_k_f32_to_bf16, expf, tanhf,
          ATTN_MAX_LOOP(bf16), ATTN_EXPSUM_LOOP(bf16), ATTN_RB16, 1, attn_softmax_exact)

/* present = past ++ new along the sequence, as [B, kv_heads, total, d]. */
static void attn_present(const attn_job *j, char *dst, const char *past, const char *cur,
                         int64_t d, size_t es) {
  size_t row = (size_t)d * es;
  for (int64_t b = 0; b < j->B; b++)
    for (int64_t g = 0; g < j->kvH; g++)
      for (int64_t kj = 0; kj < j->tot; kj++) {
        int64_t n = kj - j->P, src;
        if (kj < j->P)
          src = ((b * j->kvH + g) * j->P + kj) * d;
        else
          src = j->rank3 ? ((b * j->Skv + n) * j->kvH + g) * d
                         : ((b * j->kvH + g) * j->Skv + n) * d;
        const char *from = kj < j->P ? past : cur;
        memcpy(dst + (size_t)((b * j->kvH + g) * j->tot + kj) * row, from + (size_t)src * es, row);
      }
}

/* The mask's element strides over (batch, head, query row), right-aligned to 4-D; 0 where it
 * broadcasts. */
static void attn_mask_view(const hy_tdesc *t, attn_job *j) {
  int64_t dims[4] = {1, 1, 1, 1}, st = 1;
  for (int32_t i = 0; i < t->rank; i++) dims[4 - t->rank + i] = t->dims[i];
  j->mk = dims[3];
  st = dims[3];
  for (int a = 2; a >= 0; a--) {
    j->ms[a] = dims[a] == 1 ? 0 : st;
    st *= dims[a];
  }
}

static const void *attn_opt(const hy_kparams *p, const void *const *in, int32_t i) {
  return i < p->n_in && p->in[i].dtype != HY_DTYPE_UNDEFINED ? in[i] : NULL;
}

hy_status hy_kernel_attention(const hy_kparams *p, const void *const *in, void *const *out,
                              void *scratch, const hy_exec *ex) {
  if (p->n_ints < 17 || p->n_floats < 2 || p->n_in < 3 || p->n_out < 1) return HY_ERR_INTERNAL;
  const int64_t *a = p->ints;
  attn_job j = {.q = in[0], .k = in[1], .v = in[2], .y = out[0], .B = a[0], .qH = a[1],
                .kvH = a[2], .Sq = a[3], .Skv = a[4], .P = a[5], .D = a[6], .Dv = a[7],
                .rank3 = (int)a[8], .causal = (int)a[9], .mode = (int)a[10], .bq = a[12],
                .bk = a[13], .left = a[14], .right = a[15], .sm = (int32_t)a[16],
                .scale = p->floats[0], .softcap = p->floats[1], .scratch = scratch};
  if (j.kvH < 1 || j.qH % j.kvH || j.bq < 1 || j.bk < 1) return HY_ERR_INTERNAL;
  j.tot = j.P + j.Skv;
  j.group = j.qH / j.kvH;
  j.mask = attn_opt(p, in, 3);
  j.pk = attn_opt(p, in, 4);
  j.pv = attn_opt(p, in, 5);
  j.nonpad = attn_opt(p, in, 6);
  if (!j.pk != !j.pv) return HY_ERR_INTERNAL;
  if (!j.pk) j.P = 0, j.tot = j.Skv;
  if (j.mask) {
    j.mask_kind = p->in[3].dtype == HY_DTYPE_BOOL ? 1 : 2;
    attn_mask_view(&p->in[3], &j);
  }
  char *pk_out = p->n_out > 1 ? out[1] : NULL, *pv_out = p->n_out > 2 ? out[2] : NULL;
  j.qk = p->n_out > 3 ? out[3] : NULL;
  int32_t dt = p->in[0].dtype;
  bool half = dt == HY_DTYPE_FLOAT16 || dt == HY_DTYPE_BFLOAT16;
  bool wide = dt == HY_DTYPE_FLOAT && j.sm == HY_DTYPE_DOUBLE; /* float in, double softmax */
  j.in_dt = dt;
  if (half && j.sm == 0) j.sm = dt;
  if (half && j.bk < j.tot) return HY_ERR_INTERNAL; /* the exact softmax wants whole rows */
  size_t es = dt == HY_DTYPE_DOUBLE ? 8 : dt == HY_DTYPE_FLOAT ? 4 : 2;
  j.acc = dt == HY_DTYPE_DOUBLE || wide ? 8 : 4;
  j.packed = dt == HY_DTYPE_FLOAT && !wide;
  if (pk_out) attn_present(&j, pk_out, j.pk, j.k, j.D, es);
  if (pv_out) attn_present(&j, pv_out, j.pv, j.v, j.Dv, es);
  /* the scratch is planned for blocks of bq rows; blocks of even height leave no short one */
  j.nqb = (j.Sq + j.bq - 1) / j.bq;
  if (j.nqb > 0) j.bq = (j.Sq + j.nqb - 1) / j.nqb;
  j.units = j.B * j.qH * j.nqb;
  if (j.units == 0) return HY_OK;
  j.task_bytes = hy_attention_task_bytes(a[12], j.bk, j.tot, j.D, j.Dv, j.acc, j.packed);
  /* Tasks take consecutive units (a head's blocks, then the next head's), so a task packs each
   * head it meets once. Work (the multiply-adds of both products) under parallel.h's threshold
   * stays one task: a direct call, which generated code inlines and specialises on the shapes. */
  int64_t threads = ex && ex->parallel_for && ex->n_threads > 1 ? ex->n_threads : 1;
  int64_t work = j.units * j.bq * j.tot * (j.D + j.Dv);
  j.n_tasks = work < HY_PARALLEL_MIN_WORK ? 1 : imin(imin(threads, a[11] < 1 ? 1 : a[11]), j.units);
#define ATTN_RUN(SFX) hy_parallel_for(ex, j.n_tasks, attn_tasks_##SFX, &j)
  double root = sqrt(p->floats[0]);
  float rf = nn_round_to(dt, (float)root);
  j.scale = dt == HY_DTYPE_DOUBLE ? p->floats[0] : (double)rf * rf;
  j.root = rf;
  switch (dt) {
  case HY_DTYPE_FLOAT:
    if (wide)
      ATTN_RUN(f32d);
    else
      ATTN_RUN(f32);
    break;
  case HY_DTYPE_DOUBLE: ATTN_RUN(f64); break;
  case HY_DTYPE_FLOAT16: ATTN_RUN(f16); break;
  case HY_DTYPE_BFLOAT16: ATTN_RUN(bf16); break;
  default: return HY_ERR_DTYPE;
  }
#undef ATTN_RUN
  return HY_OK;
}
