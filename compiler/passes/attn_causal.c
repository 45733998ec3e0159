/* The causal-mask test of the attention fusion (attn_causal.h): the whole constant is read, so a
 * mask with one cell off the lower triangle (a Trilu with k != 0, an upper triangle, a band) is
 * not taken for causal and stays an explicit mask. */
#include "passes/attn_causal.h"

bool attn_causal_const(const ir_value *v, int64_t sq, int64_t sk, bool keep_when, double fill_max) {
  const ir_type *t = &v->type;
  if (!v->data || t->rank < 2 || !ir_type_is_static(t) || t->dims[t->rank - 2] != sq ||
      t->dims[t->rank - 1] != sk || sq < 1 || sk < 1)
    return false;
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; i++)
    n *= t->dims[i];
  for (int64_t e = 0; e < n; e++) {
    int64_t j = e % sk, i = e / sk % sq;
    bool keep = j <= i;
    if (t->dtype == HY_DTYPE_BOOL) {
      if ((((const unsigned char *)v->data)[e] != 0) != (keep ? keep_when : !keep_when))
        return false;
    } else if (t->dtype == HY_DTYPE_FLOAT) {
      float f = ((const float *)v->data)[e];
      if (keep ? f != 0.0f : !(f <= fill_max)) return false;
    } else {
      return false;
    }
  }
  return true;
}
