/* Hooks of ConvTranspose (versions 1 to 22) and Col2Im (18): geometry from the attributes
 * (output_shape, output_padding and auto_pad decide ConvTranspose's pads) and the attribute
 * blocks of the convtranspose / col2im kernels (runtime/src/kernels/convtranspose.c). */
#include <string.h>

#include "hydra/gemm.h"
#include "ops/nn_attrs.h"

typedef struct ct_geom {
  int32_t nsp;
  int64_t group;
  int64_t k[HY_MAX_RANK], st[HY_MAX_RANK], dl[HY_MAX_RANK], pb[HY_MAX_RANK];
  int64_t out[HY_MAX_RANK]; /* output spatial dims */
} ct_geom;

static int64_t floor_div2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

static const char *const ct_auto_pads[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
enum { CT_NOTSET, CT_SAME_UPPER, CT_SAME_LOWER, CT_VALID };

/* Pads and output size of each spatial dim. The full output is stride*(in-1) + output_padding
 * + dilated kernel; output_shape (or SAME's in*stride) crops it, the split of the total padding
 * following auto_pad (SAME_UPPER puts the odd one at the end; negative totals grow the output
 * at the end). Without either, pads come from the attribute. */
static hy_status ct_pads(ir_graph *g, ir_node *n, const ir_type *x, ct_geom *c) {
  int32_t nsp = c->nsp, ap;
  int64_t opad[HY_MAX_RANK], pads[2 * HY_MAX_RANK], oshape[HY_MAX_RANK];
  hy_status s = nn_choice_attr(g, n, "auto_pad", "NOTSET", ct_auto_pads, 4, &ap);
  if (s || (s = nn_ints_attr(g, n, "output_padding", nsp, 0, 0, opad)) ||
      (s = nn_ints_attr(g, n, "pads", 2 * nsp, 0, 0, pads)))
    return s;
  bool has_shape = ir_attr_find(n, "output_shape") != NULL;
  if (has_shape) {
    const int64_t *v;
    int32_t cnt;
    if (!ir_attr_ints(n, "output_shape", &v, &cnt))
      return ir_attr_error(g, n, "output_shape", HY_ERR_INVALID_MODEL, "must be a list of ints");
    /* the spatial dims, or all of [N, C, spatial...] as some exporters write it */
    if (cnt != nsp && cnt != nsp + 2)
      return ir_attr_error(g, n, "output_shape", HY_ERR_INVALID_MODEL,
                           "has %d values, expected %d (the spatial dims)", cnt, nsp);
    for (int32_t d = 0; d < nsp; d++)
      oshape[d] = v[cnt - nsp + d];
  }
  for (int32_t d = 0; d < nsp; d++) {
    if (opad[d] >= c->st[d] && opad[d] >= c->dl[d])
      return ir_attr_error(g, n, "output_padding", HY_ERR_INVALID_MODEL,
                           "value %lld must be smaller than the stride or the dilation",
                           (long long)opad[d]);
    int64_t full = c->st[d] * (x->dims[2 + d] - 1) + opad[d] + (c->k[d] - 1) * c->dl[d] + 1;
    if (has_shape || ap == CT_SAME_UPPER || ap == CT_SAME_LOWER) {
      int64_t want = has_shape ? oshape[d] : x->dims[2 + d] * c->st[d];
      int64_t total = full - want;
      c->pb[d] = ap == CT_SAME_UPPER ? floor_div2(total) : total - floor_div2(total);
      c->out[d] = want;
    } else {
      int64_t pb = ap == CT_VALID ? 0 : pads[d], pe = ap == CT_VALID ? 0 : pads[nsp + d];
      c->pb[d] = pb;
      c->out[d] = full - pb - pe;
    }
    if (c->out[d] < 1)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "spatial dim %d: the output would have %lld "
                           "elements",
                           d, (long long)c->out[d]);
  }
  return HY_OK;
}

static hy_status ct_read(ir_graph *g, ir_node *n, ct_geom *c) {
  const ir_type *x, *w;
  hy_status s;
  if ((s = ir_input_static(g, n, 0, &x)) || (s = ir_input_static(g, n, 1, &w)) ||
      (s = nn_require_float(g, n, 0)) || (s = ir_check_same_dtype(g, n, 0, 2)))
    return s;
  memset(c, 0, sizeof *c);
  if (x->rank < 3 || w->rank != x->rank)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "X must have rank >= 3 and W the same rank, have %d and %d", x->rank,
                         w->rank);
  c->nsp = x->rank - 2;
  c->group = ir_attr_int(n, "group", 1);
  if (c->group < 1 || x->dims[1] % c->group != 0 || w->dims[0] != x->dims[1])
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "X has %lld channels, W is [%lld, %lld, ...] and group is %lld: W must "
                         "be [channels, M / group, ...] with channels a multiple of group",
                         (long long)x->dims[1], (long long)w->dims[0], (long long)w->dims[1],
                         (long long)c->group);
  const ir_type *b = ir_in_type(n, 2);
  if (b && (b->rank != 1 || b->dims[0] != w->dims[1] * c->group))
    return ir_node_error(g, n, HY_ERR_SHAPE, "B must be 1-D of the %lld output channels",
                         (long long)(w->dims[1] * c->group));
  for (int32_t d = 0; d < c->nsp; d++)
    c->k[d] = w->dims[2 + d];
  int64_t ks[HY_MAX_RANK];
  if ((s = nn_ints_attr(g, n, "kernel_shape", c->nsp, 1, 1, ks))) return s;
  for (int32_t d = 0; d < c->nsp && ir_attr_find(n, "kernel_shape"); d++)
    if (ks[d] != c->k[d])
      return ir_attr_error(g, n, "kernel_shape", HY_ERR_SHAPE,
                           "value %lld differs from W's spatial dim %lld", (long long)ks[d],
                           (long long)c->k[d]);
  if ((s = nn_ints_attr(g, n, "strides", c->nsp, 1, 1, c->st)) ||
      (s = nn_ints_attr(g, n, "dilations", c->nsp, 1, 1, c->dl)))
    return s;
  return ct_pads(g, n, x, c);
}

hy_status infer_convtranspose(ir_graph *g, ir_node *n) {
  ct_geom c;
  hy_status s = ct_read(g, n, &c);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0), *w = ir_in_type(n, 1);
  int64_t dims[HY_MAX_RANK] = {x->dims[0], w->dims[1] * c.group};
  memcpy(dims + 2, c.out, (size_t)c.nsp * sizeof *dims);
  ir_set_out(n, 0, x->dtype, x->rank, dims);
  return HY_OK;
}

hy_status lower_convtranspose(ir_graph *g, ir_node *n, ir_lowered *l) {
  ct_geom c;
  hy_status s = ct_read(g, n, &c);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0), *w = ir_in_type(n, 1);
  l->kernel = HY_KERNEL_convtranspose;
  lower_int(l, c.nsp);
  lower_int(l, c.group);
  lower_int(l, HY_GEMM_MAX_TASKS);
  const int64_t *blocks[4] = {c.k, c.st, c.dl, c.pb};
  int64_t kvol = 1, isz = 1;
  for (int32_t i = 0; i < 4; i++)
    for (int32_t d = 0; d < c.nsp; d++)
      lower_int(l, blocks[i][d]);
  for (int32_t d = 0; d < c.nsp; d++) {
    kvol *= c.k[d];
    isz *= x->dims[2 + d];
  }
  int64_t rows = w->dims[1] * kvol;
  size_t bytes = hy_conv_col_bytes(rows, isz, hy_dtype_size(x->dtype));
  if (x->dtype == HY_DTYPE_FLOAT)
    bytes += hy_sgemm_scratch_bytes(rows, isz, x->dims[1] / c.group, HY_GEMM_MAX_TASKS);
  l->scratch_bytes = (int64_t)bytes;
  return HY_OK;
}

/* ---- Col2Im ---- */

typedef struct col2im_geom {
  int32_t nsp;
  int64_t img[HY_MAX_RANK], k[HY_MAX_RANK], st[HY_MAX_RANK], dl[HY_MAX_RANK], pb[HY_MAX_RANK];
  int64_t grid[HY_MAX_RANK], channels;
} col2im_geom;

static hy_status col2im_read(ir_graph *g, ir_node *n, col2im_geom *c) {
  const ir_type *x;
  const int64_t *img, *blk;
  int32_t ni, nb;
  hy_status s;
  if ((s = ir_input_static(g, n, 0, &x)) || (s = nn_require_float(g, n, 0)) ||
      (s = ir_input_ints(g, n, 1, &img, &ni)) || (s = ir_input_ints(g, n, 2, &blk, &nb)))
    return s;
  memset(c, 0, sizeof *c);
  if (x->rank != 3)
    return ir_node_error(g, n, HY_ERR_SHAPE, "input 0 has rank %d; expected [N, C * block, L]",
                         x->rank);
  if (ni < 1 || ni != nb || ni > HY_MAX_RANK - 2)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "image_shape has %d values and block_shape %d; they must match (1 to "
                         "%d spatial dims)",
                         ni, nb, HY_MAX_RANK - 2);
  int32_t nsp = c->nsp = ni;
  int64_t pads[2 * HY_MAX_RANK], kvol = 1, L = 1;
  if ((s = nn_ints_attr(g, n, "strides", nsp, 1, 1, c->st)) ||
      (s = nn_ints_attr(g, n, "dilations", nsp, 1, 1, c->dl)) ||
      (s = nn_ints_attr(g, n, "pads", 2 * nsp, 0, 0, pads)))
    return s;
  for (int32_t d = 0; d < nsp; d++) {
    if (img[d] < 1 || blk[d] < 1)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "image_shape %lld and block_shape %lld of spatial "
                           "dim %d must be >= 1",
                           (long long)img[d], (long long)blk[d], d);
    c->img[d] = img[d];
    c->k[d] = blk[d];
    c->pb[d] = pads[d];
    int64_t span = (blk[d] - 1) * c->dl[d] + 1, padded = img[d] + pads[d] + pads[nsp + d];
    if (padded < span)
      return ir_node_error(g, n, HY_ERR_SHAPE,
                           "spatial dim %d: the padded image (%lld) is "
                           "smaller than the dilated block (%lld)",
                           d, (long long)padded, (long long)span);
    c->grid[d] = (padded - span) / c->st[d] + 1;
    kvol *= blk[d];
    L *= c->grid[d];
  }
  if (x->dims[1] % kvol != 0 || x->dims[2] != L)
    return ir_node_error(g, n, HY_ERR_SHAPE,
                         "input 0 is [%lld, %lld, %lld]; expected [N, C * %lld (the block), %lld "
                         "(the blocks that fit the image)]",
                         (long long)x->dims[0], (long long)x->dims[1], (long long)x->dims[2],
                         (long long)kvol, (long long)L);
  c->channels = x->dims[1] / kvol;
  return HY_OK;
}

hy_status infer_col2im(ir_graph *g, ir_node *n) {
  col2im_geom c;
  hy_status s = col2im_read(g, n, &c);
  if (s) return s;
  const ir_type *x = ir_in_type(n, 0);
  int64_t dims[HY_MAX_RANK] = {x->dims[0], c.channels};
  memcpy(dims + 2, c.img, (size_t)c.nsp * sizeof *dims);
  ir_set_out(n, 0, x->dtype, 2 + c.nsp, dims);
  return HY_OK;
}

hy_status lower_col2im(ir_graph *g, ir_node *n, ir_lowered *l) {
  col2im_geom c;
  hy_status s = col2im_read(g, n, &c);
  if (s) return s;
  l->kernel = HY_KERNEL_col2im;
  lower_int(l, c.nsp);
  const int64_t *blocks[5] = {c.k, c.st, c.dl, c.pb, c.grid};
  for (int32_t i = 0; i < 5; i++)
    for (int32_t d = 0; d < c.nsp; d++)
      lower_int(l, blocks[i][d]);
  return HY_OK;
}
