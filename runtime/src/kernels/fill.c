/* fill: every element of out[0] set to one value (ConstantOfShape).
 * ints: [0] holds the value: its first element-size bytes in memory are the element (so int64
 * values survive exactly, which a double would not guarantee). No inputs are read. */
#include "movement.h"

typedef struct fill_job {
  char *dst;
  int64_t bits;
} fill_job;

MV_INLINE void fill_units(const fill_job *j, int64_t b, int64_t e, int64_t es) {
  for (int64_t i = b; i < e; i++) mv_move(j->dst + i * es, (const char *)&j->bits, es);
}

#define FILL_RANGE(ES)                                                                             \
  static void fill_range_##ES(void *arg, int64_t b, int64_t e) { fill_units(arg, b, e, ES); }
MV_SIZES(FILL_RANGE)
#undef FILL_RANGE

hy_status hy_kernel_fill(const hy_kparams *p, const void *const *in, void *const *out,
                         void *scratch, const hy_exec *ex) {
  (void)in;
  (void)scratch;
  int64_t es = mv_elsize(p->out[0].dtype), n = hy_tdesc_numel(&p->out[0]);
  if (p->n_ints < 1 || es <= 0 || es > 8) return HY_ERR_INTERNAL;
  fill_job j = {out[0], p->ints[0]};
  hy_range_fn fn = NULL;
  switch (es) {
#define FILL_CASE(ES) case ES: fn = fill_range_##ES; break;
    MV_SIZES(FILL_CASE)
#undef FILL_CASE
  }
  mv_parallel(ex, n * es, n, fn, &j);
  return HY_OK;
}
