/* Hooks of MaxPool, AveragePool and LpPool (pool geometry: kernel_shape, strides, pads,
 * auto_pad, dilations, ceil_mode, count_include_pad, storage_order, LpPool's p; attribute block
 * of the maxpool / avgpool / lppool kernels in runtime/src/kernels/pool.c) and of
 * GlobalAveragePool / GlobalMaxPool (the reduce kernel over the spatial dims). */
#include <string.h>

#include "ops/nn.h"

enum { POOL_MAX_SPATIAL = 3 };

typedef struct pool_geom {
  int32_t nsp; /* spatial dims: input rank - 2 */
  int64_t k[POOL_MAX_SPATIAL], s[POOL_MAX_SPATIAL], d[POOL_MAX_SPATIAL];
  int64_t pb[POOL_MAX_SPATIAL], pe[POOL_MAX_SPATIAL]; /* pads at the begin / end */
  int64_t in[POOL_MAX_SPATIAL], out[POOL_MAX_SPATIAL];
  int64_t ceil_mode, count_include_pad, storage_order;
  int64_t p; /* LpPool's norm */
} pool_geom;

/* An INTS attribute of exactly want values, each >= min; dflt fills in when it is absent. */
static hy_status pool_ints(ir_graph *g, ir_node *n, const char *name, int32_t want, int64_t min,
                           int64_t dflt, bool required, int64_t *out) {
  const int64_t *v;
  int32_t cnt;
  if (!ir_attr_ints(n, name, &v, &cnt)) {
    if (ir_attr_find(n, name))
      return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "must be a list of ints");
    if (required) return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "is required");
    for (int32_t i = 0; i < want; i++) out[i] = dflt;
    return HY_OK;
  }
  if (cnt != want)
    return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL,
                         "has %d values; expected %d for an input with %d spatial dims", cnt,
                         want, n->in[0]->type.rank - 2);
  for (int32_t i = 0; i < cnt; i++) {
    if (v[i] < min)
      return ir_attr_error(g, n, name, HY_ERR_INVALID_MODEL, "value %lld must be >= %lld",
                           (long long)v[i], (long long)min);
    out[i] = v[i];
  }
  return HY_OK;
}

/* Output size of one spatial dim; pads from auto_pad are chosen here (ONNX 1.12 rules). */
static hy_status pool_dim(ir_graph *g, ir_node *n, pool_geom *p, int32_t i, const char *auto_pad) {
  int64_t ek = (p->k[i] - 1) * p->d[i] + 1, in = p->in[i], s = p->s[i], out;
  if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
    out = (in + s - 1) / s;
    int64_t total = (out - 1) * s + ek - in;
    if (total < 0) total = 0;
    p->pb[i] = !strcmp(auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
    p->pe[i] = total - p->pb[i];
  } else {
    if (!strcmp(auto_pad, "VALID")) p->pb[i] = p->pe[i] = 0;
    int64_t span = in + p->pb[i] + p->pe[i] - ek;
    out = span < 0 ? 0 : (p->ceil_mode ? (span + s - 1) / s : span / s) + 1;
    /* version 22: a ceil_mode window that would start in the end padding is dropped */
    if (p->ceil_mode && n->version >= 22 && out > 1 && (out - 1) * s >= in + p->pb[i]) out--;
  }
  if (out < 1)
    return ir_attr_error(g, n, "kernel_shape", HY_ERR_SHAPE,
                         "window %lld (dilated) does not fit spatial dim %d of size %lld with "
                         "pads %lld+%lld",
                         (long long)ek, i, (long long)in, (long long)p->pb[i], (long long)p->pe[i]);
  p->out[i] = out;
  return HY_OK;
}

/* LpPool's p: a float attribute in version 1, an int from 2; a positive whole number. */
static hy_status pool_lp(ir_graph *g, ir_node *n, int64_t *p) {
  const ir_attr *a = ir_attr_find(n, "p");
  double v = !a ? 2 : a->kind == IR_ATTR_INT ? (double)a->i : a->kind == IR_ATTR_FLOAT ? a->f : -1;
  if (!(v > 0) || (a && (a->kind == IR_ATTR_FLOAT) != (n->version < 2)))
    return ir_attr_error(g, n, "p", HY_ERR_INVALID_MODEL,
                         "must be positive (a float in LpPool-1, an int after)");
  if (v > 1024 || v != (double)(int64_t)v)
    return ir_attr_error(g, n, "p", HY_ERR_UNSUPPORTED,
                         "%g is not supported: only whole p up to 1024 are", v);
  *p = (int64_t)v;
  return HY_OK;
}

static hy_status pool_read(ir_graph *g, ir_node *n, pool_geom *p) {
  const ir_type *t;
  hy_status s = nn_input(g, n, 0, &t);
  if (s != HY_OK) return s;
  if (t->rank < 3 || t->rank > 2 + POOL_MAX_SPATIAL)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "input 0 has rank %d; expected [N, C, d1] to [N, C, d1, d2, d3]", t->rank);
  memset(p, 0, sizeof *p);
  int32_t k = p->nsp = t->rank - 2;
  int64_t pads[2 * POOL_MAX_SPATIAL];
  const char *auto_pad = ir_attr_string(n, "auto_pad", "NOTSET");
  if (!*auto_pad) auto_pad = "NOTSET";
  if (strcmp(auto_pad, "NOTSET") && strcmp(auto_pad, "VALID") && strcmp(auto_pad, "SAME_UPPER") &&
      strcmp(auto_pad, "SAME_LOWER"))
    return ir_attr_error(g, n, "auto_pad", HY_ERR_INVALID_MODEL,
                         "'%s' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER", auto_pad);
  s = pool_ints(g, n, "kernel_shape", k, 1, 1, true, p->k);
  if (s == HY_OK) s = pool_ints(g, n, "strides", k, 1, 1, false, p->s);
  if (s == HY_OK) s = pool_ints(g, n, "dilations", k, 1, 1, false, p->d);
  if (s == HY_OK) s = pool_ints(g, n, "pads", 2 * k, 0, 0, false, pads);
  if (s == HY_OK) s = ir_attr_flag(g, n, "ceil_mode", 0, &p->ceil_mode);
  if (s == HY_OK) s = ir_attr_flag(g, n, "count_include_pad", 0, &p->count_include_pad);
  if (s == HY_OK) s = ir_attr_flag(g, n, "storage_order", 0, &p->storage_order);
  if (s == HY_OK && n->op == OP_LpPool) s = pool_lp(g, n, &p->p);
  for (int32_t i = 0; i < k && s == HY_OK; i++) {
    p->pb[i] = pads[i];
    p->pe[i] = pads[k + i];
    p->in[i] = t->dims[2 + i];
    s = pool_dim(g, n, p, i, auto_pad);
  }
  return s;
}

static hy_status pool_check_dtype(ir_graph *g, ir_node *n) {
  hy_dtype t = ir_in_type(n, 0)->dtype;
  if (n->op == OP_MaxPool && (t == HY_DTYPE_INT8 || t == HY_DTYPE_UINT8)) return HY_OK;
  return nn_require_float(g, n, 0);
}

hy_status infer_pool(ir_graph *g, ir_node *n) {
  pool_geom p;
  hy_status s = pool_read(g, n, &p);
  if (s == HY_OK) s = pool_check_dtype(g, n);
  if (s != HY_OK) return s;
  const ir_type *t = ir_in_type(n, 0);
  int64_t dims[HY_MAX_RANK] = {t->dims[0], t->dims[1]};
  for (int32_t i = 0; i < p.nsp; i++) dims[2 + i] = p.out[i];
  ir_set_out(n, 0, t->dtype, t->rank, dims);
  ir_set_out(n, 1, HY_DTYPE_INT64, t->rank, dims); /* MaxPool's Indices */
  return HY_OK;
}

/* The kernels always see three spatial dims: missing leading ones are size 1, window 1. */
hy_status lower_pool(ir_graph *g, ir_node *n, ir_lowered *l) {
  pool_geom p;
  hy_status s = pool_read(g, n, &p);
  if (s != HY_OK) return s;
  int32_t lead = POOL_MAX_SPATIAL - p.nsp;
  const int64_t *fields[] = {p.k, p.s, p.pb, p.d, p.in, p.out};
  const int64_t lead_val[] = {1, 1, 0, 1, 1, 1};
  l->kernel = n->op == OP_MaxPool   ? HY_KERNEL_maxpool
              : n->op == OP_LpPool ? HY_KERNEL_lppool
                                   : HY_KERNEL_avgpool;
  for (int f = 0; f < 6; f++)
    for (int32_t i = 0; i < POOL_MAX_SPATIAL; i++)
      lower_int(l, i < lead ? lead_val[f] : fields[f][i - lead]);
  lower_int(l, p.count_include_pad);
  lower_int(l, p.storage_order);
  for (int32_t i = 0; i < POOL_MAX_SPATIAL; i++) lower_int(l, i < lead ? 0 : p.pe[i - lead]);
  if (n->op == OP_LpPool) lower_int(l, p.p);
  return HY_OK;
}

/* ---- GlobalAveragePool, GlobalMaxPool: mean / max over every dim after N and C ---- */

hy_status infer_globalpool(ir_graph *g, ir_node *n) {
  const ir_type *t;
  hy_status s = nn_input(g, n, 0, &t);
  if (s == HY_OK) s = nn_require_float(g, n, 0);
  if (s != HY_OK) return s;
  if (t->rank < 2)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; expected [N, C, ...]", t->rank);
  int64_t dims[HY_MAX_RANK];
  for (int32_t i = 0; i < t->rank; i++) dims[i] = i < 2 ? t->dims[i] : 1;
  ir_set_out(n, 0, t->dtype, t->rank, dims);
  return HY_OK;
}

hy_status lower_globalpool(ir_graph *g, ir_node *n, ir_lowered *l) {
  (void)g;
  const ir_type *t = ir_in_type(n, 0);
  l->kernel = HY_KERNEL_reduce;
  lower_int(l, n->op == OP_GlobalMaxPool ? HY_REDUCE_MAX : HY_REDUCE_MEAN);
  uint64_t mask = 0;
  for (int32_t i = 2; i < t->rank; i++) mask |= 1ull << i;
  lower_int(l, (int64_t)mask);
  return HY_OK;
}
