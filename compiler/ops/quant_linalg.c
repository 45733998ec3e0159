/* Shape inference and lowering of the integer matmuls and convolutions: MatMulInteger,
 * QLinearMatMul, ConvInteger, QLinearConv. Shapes and Conv's geometry come from the linalg hooks
 * (ops/linalg.h); the kernels are in runtime/src/kernels/quant_{matmul,conv}.c over the integer
 * GEMM of hydra/qgemm.h. */
#include "hydra/gemm.h"
#include "hydra/qgemm.h"
#include "ir/ir.h"
#include "ops/linalg.h"
#include "ops/quant.h"

/* An 8-bit operand (uint8 / int8) with a static shape. */
static hy_status qi_operand(ir_graph *g, ir_node *n, int32_t slot, const char *what,
                            const ir_type **t) {
  hy_status s = ir_input_static(g, n, slot, t);
  return s ? s : q_check_dtype(g, n, slot, what, (*t)->dtype, Q_SET_GEMM);
}

/* How a scale or zero point (input slot) indexes its operand's rows (or columns): one value
 * (*period 0), one per row of each matrix (a 1-D tensor of `len`: *period len) or, when full is
 * not NULL, one per row of every batch (a tensor of full's shape: *period its element count).
 * An omitted input is a scalar. dtype, when not 0, is the type the input must have. */
static hy_status qi_period(ir_graph *g, ir_node *n, int32_t slot, const char *what, int32_t dtype,
                           int64_t len, const ir_type *full, int64_t *period) {
  const ir_type *t;
  hy_status s = q_optional_static(g, n, slot, &t);
  *period = 0;
  if (s || !t) return s;
  if (dtype && (int32_t)t->dtype != dtype)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s', %s) has type %s, expected %s",
                         slot, n->in[slot]->name, what, q_dtype_str(g, t->dtype),
                         q_dtype_str(g, dtype));
  if (ir_type_numel(t) == 1) return HY_OK;
  if (t->rank == 1 && t->dims[0] == len) {
    *period = len;
    return HY_OK;
  }
  if (full && q_same_shape(t, full)) {
    *period = ir_type_numel(full);
    return HY_OK;
  }
  char tb[160];
  return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s', %s) is %s: expected a scalar or %lld "
                       "values%s", slot, n->in[slot]->name, what, ir_type_str(t, tb, sizeof tb),
                       (long long)len, full ? " (or one per row of every batch)" : "");
}

/* ---- MatMulInteger ---- */

typedef struct qi_mm {
  const ir_type *a, *b;
  ir_type y;
  int64_t M, N, K;
} qi_mm;

static hy_status qi_matmul(ir_graph *g, ir_node *n, int32_t sa, int32_t sb, qi_mm *m) {
  hy_status s;
  if ((s = qi_operand(g, n, sa, "A", &m->a)) || (s = qi_operand(g, n, sb, "B", &m->b)) ||
      (s = lin_matmul_shape(g, n, m->a, m->b, &m->y)))
    return s;
  m->K = m->a->dims[m->a->rank - 1];
  m->M = m->a->rank >= 2 ? m->a->dims[m->a->rank - 2] : 1;
  m->N = m->b->rank >= 2 ? m->b->dims[m->b->rank - 1] : 1;
  return HY_OK;
}

/* Zero points of MatMulInteger: a's per row ([M] or [batch..., M, 1]), b's per column ([N] or
 * [batch..., 1, N]). */
static hy_status mmi_periods(ir_graph *g, ir_node *n, const qi_mm *m, int64_t *pa, int64_t *pb) {
  ir_type fa = *m->a, fb = *m->b;
  if (fa.rank >= 2) fa.dims[fa.rank - 1] = 1;
  if (fb.rank >= 2) fb.dims[fb.rank - 2] = 1;
  hy_status s = qi_period(g, n, 2, "a_zero_point", m->a->dtype, m->M, fa.rank >= 2 ? &fa : NULL,
                          pa);
  return s ? s : qi_period(g, n, 3, "b_zero_point", m->b->dtype, m->N, fb.rank >= 2 ? &fb : NULL,
                           pb);
}

hy_status infer_matmul_integer(ir_graph *g, ir_node *n) {
  qi_mm m;
  int64_t pa, pb;
  hy_status s;
  if ((s = qi_matmul(g, n, 0, 1, &m)) || (s = mmi_periods(g, n, &m, &pa, &pb))) return s;
  ir_set_out(n, 0, HY_DTYPE_INT32, m.y.rank, m.y.dims);
  return HY_OK;
}

static int64_t rows_of_a(const qi_mm *m) {
  return m->K ? ir_type_numel(m->a) / m->K : m->M;
}

hy_status lower_matmul_integer(ir_graph *g, ir_node *n, ir_lowered *l) {
  qi_mm m;
  int64_t pa, pb;
  hy_status s;
  if ((s = qi_matmul(g, n, 0, 1, &m)) || (s = mmi_periods(g, n, &m, &pa, &pb))) return s;
  l->kernel = HY_KERNEL_matmul_integer;
  lower_int(l, HY_GEMM_MAX_TASKS);
  lower_int(l, pa);
  lower_int(l, pb);
  l->scratch_bytes = (int64_t)hy_qgemm_scratch_bytes(rows_of_a(&m), m.N, m.K, HY_GEMM_MAX_TASKS);
  return HY_OK;
}

/* ---- QLinearMatMul ---- */

/* The scales (a_scale, b_scale, y_scale: one real type) and y_zero_point's type. */
static hy_status qlinear_scales(ir_graph *g, ir_node *n, int32_t sa, int32_t sb, int32_t sy,
                                int32_t zy, int32_t *yt) {
  const ir_type *t;
  hy_status s;
  int32_t slots[3] = {sa, sb, sy};
  for (int32_t i = 0; i < 3; i++) {
    if ((s = ir_input_static(g, n, slots[i], &t)) ||
        (s = q_check_dtype(g, n, slots[i], "scale", t->dtype, Q_SET_REAL)))
      return s;
    if (t->dtype != n->in[sa]->type.dtype)
      return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s') has type %s, the scale of "
                           "input %d %s: the scales must match", slots[i], n->in[slots[i]]->name,
                           q_dtype_str(g, t->dtype), sa, q_dtype_str(g, n->in[sa]->type.dtype));
  }
  if ((s = ir_input_static(g, n, sy, &t))) return s;
  if (ir_type_numel(t) != 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "y_scale must be a scalar");
  if ((s = ir_input_static(g, n, zy, &t)) ||
      (s = q_check_dtype(g, n, zy, "y_zero_point", t->dtype, Q_SET_GEMM)))
    return s;
  if (ir_type_numel(t) != 1)
    return ir_node_error(g, n, HY_ERR_SHAPE, "y_zero_point must be a scalar");
  *yt = t->dtype;
  return HY_OK;
}

/* [sa_period, za_period, sb_period, zb_period]: a's per row, b's per column. */
static hy_status qlmm_periods(ir_graph *g, ir_node *n, const qi_mm *m, int64_t *p) {
  hy_status s;
  if ((s = qi_period(g, n, 1, "a_scale", 0, m->M, NULL, &p[0])) ||
      (s = qi_period(g, n, 2, "a_zero_point", m->a->dtype, m->M, NULL, &p[1])) ||
      (s = qi_period(g, n, 4, "b_scale", 0, m->N, NULL, &p[2])) ||
      (s = qi_period(g, n, 5, "b_zero_point", m->b->dtype, m->N, NULL, &p[3])))
    return s;
  return HY_OK;
}

hy_status infer_qlinear_matmul(ir_graph *g, ir_node *n) {
  qi_mm m;
  int64_t p[4];
  int32_t yt;
  hy_status s;
  if ((s = qi_matmul(g, n, 0, 3, &m)) || (s = qlinear_scales(g, n, 1, 4, 6, 7, &yt)) ||
      (s = qlmm_periods(g, n, &m, p)))
    return s;
  ir_set_out(n, 0, (hy_dtype)yt, m.y.rank, m.y.dims);
  return HY_OK;
}

hy_status lower_qlinear_matmul(ir_graph *g, ir_node *n, ir_lowered *l) {
  qi_mm m;
  int64_t p[4];
  hy_status s;
  if ((s = qi_matmul(g, n, 0, 3, &m)) || (s = qlmm_periods(g, n, &m, p))) return s;
  l->kernel = HY_KERNEL_qlinear_matmul;
  lower_int(l, HY_GEMM_MAX_TASKS);
  for (int32_t i = 0; i < 4; i++) lower_int(l, p[i]);
  size_t acc = ((size_t)(m.M * m.N) * sizeof(int32_t) + 63) & ~(size_t)63;
  l->scratch_bytes = (int64_t)(acc + hy_qgemm_scratch_bytes(m.M, m.N, m.K, HY_GEMM_MAX_TASKS));
  return HY_OK;
}

/* ---- ConvInteger and QLinearConv ---- */

typedef struct qi_conv {
  const ir_type *x, *w;
  lin_conv_geom c;
} qi_conv;

/* X in slot sx, W in sw, optional int32 bias in sb (-1: none); Conv's shape rules. */
static hy_status qi_conv_of(ir_graph *g, ir_node *n, int32_t sx, int32_t sw, int32_t sb,
                            qi_conv *q) {
  const ir_type *b = NULL;
  hy_status s;
  if ((s = qi_operand(g, n, sx, "x", &q->x)) || (s = qi_operand(g, n, sw, "w", &q->w)) ||
      (sb >= 0 && (s = q_optional_static(g, n, sb, &b))))
    return s;
  if (b && b->dtype != HY_DTYPE_INT32)
    return ir_node_error(g, n, HY_ERR_DTYPE, "input %d ('%s', B) has type %s, not int32", sb,
                         n->in[sb]->name, q_dtype_str(g, b->dtype));
  if ((s = lin_conv_check_shapes(g, n, q->x, q->w, b, ir_attr_int(n, "group", 1))) ||
      (s = lin_conv_geometry(g, n, q->x, q->w, &q->c)))
    return s;
  return HY_OK;
}

static void qi_conv_out(ir_node *n, const qi_conv *q, hy_dtype dt) {
  int64_t dims[HY_MAX_RANK] = {q->x->dims[0], q->w->dims[0]};
  for (int32_t d = 0; d < q->c.nsp; d++) dims[2 + d] = q->c.out[d];
  ir_set_out(n, 0, dt, q->x->rank, dims);
}

/* Conv's block, then the scratch of quant_conv.c. */
static void qi_conv_lower(ir_lowered *l, const qi_conv *q, int requant) {
  bool direct;
  int64_t kvol, osz;
  lin_conv_lower_block(l, &q->c, &direct, &kvol, &osz);
  int64_t C = q->x->dims[1], isz = ir_type_numel(q->x) / (q->x->dims[0] * C);
  if (q->x->dims[0] == 0 || C == 0) isz = 0;
  hy_qconv_scratch sl = hy_qconv_scratch_of(C, isz, q->w->dims[1] * kvol, osz,
                                            q->w->dims[0] / q->c.group, !direct, requant,
                                            HY_GEMM_MAX_TASKS);
  l->scratch_bytes = (int64_t)sl.total;
}

static hy_status convi_checks(ir_graph *g, ir_node *n, qi_conv *q, int64_t *zw_period) {
  int64_t zx;
  hy_status s;
  if ((s = qi_conv_of(g, n, 0, 1, -1, q)) ||
      (s = qi_period(g, n, 2, "x_zero_point", q->x->dtype, 1, NULL, &zx)) ||
      (s = qi_period(g, n, 3, "w_zero_point", q->w->dtype, q->w->dims[0], NULL, zw_period)))
    return s;
  return HY_OK;
}

hy_status infer_conv_integer(ir_graph *g, ir_node *n) {
  qi_conv q;
  int64_t zw;
  hy_status s = convi_checks(g, n, &q, &zw);
  if (s) return s;
  qi_conv_out(n, &q, HY_DTYPE_INT32);
  return HY_OK;
}

hy_status lower_conv_integer(ir_graph *g, ir_node *n, ir_lowered *l) {
  qi_conv q;
  int64_t zw;
  hy_status s = convi_checks(g, n, &q, &zw);
  if (s) return s;
  l->kernel = HY_KERNEL_conv_integer;
  qi_conv_lower(l, &q, 0);
  lower_int(l, zw);
  return HY_OK;
}

/* [sw_period, zw_period] per output channel; x's scale and zero point are scalars. */
static hy_status qlconv_checks(ir_graph *g, ir_node *n, qi_conv *q, int32_t *yt, int64_t *p) {
  int64_t px[2];
  hy_status s;
  if ((s = qi_conv_of(g, n, 0, 3, 8, q)) || (s = qlinear_scales(g, n, 1, 4, 6, 7, yt)) ||
      (s = qi_period(g, n, 1, "x_scale", 0, 1, NULL, &px[0])) ||
      (s = qi_period(g, n, 2, "x_zero_point", q->x->dtype, 1, NULL, &px[1])) ||
      (s = qi_period(g, n, 4, "w_scale", 0, q->w->dims[0], NULL, &p[0])) ||
      (s = qi_period(g, n, 5, "w_zero_point", q->w->dtype, q->w->dims[0], NULL, &p[1])))
    return s;
  return HY_OK;
}

hy_status infer_qlinear_conv(ir_graph *g, ir_node *n) {
  qi_conv q;
  int32_t yt;
  int64_t p[2];
  hy_status s = qlconv_checks(g, n, &q, &yt, p);
  if (s) return s;
  qi_conv_out(n, &q, (hy_dtype)yt);
  return HY_OK;
}

hy_status lower_qlinear_conv(ir_graph *g, ir_node *n, ir_lowered *l) {
  qi_conv q;
  int32_t yt;
  int64_t p[2];
  hy_status s = qlconv_checks(g, n, &q, &yt, p);
  if (s) return s;
  l->kernel = HY_KERNEL_qlinear_conv;
  qi_conv_lower(l, &q, 1);
  lower_int(l, p[0]);
  lower_int(l, p[1]);
  return HY_OK;
}
