/* Hooks of the generators: HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix (17).
 * Their scalar inputs decide the output shape, so those must be known at compile time (a constant,
 * an initializer, or a graph input whose value `hydrac run` has); otherwise the node is refused.
 * MelWeightMatrix's sample rate and frequency edges are read by the kernel at run time. */
#include "ops/index.h"
#include "ops/signal.h"

/* output_datatype (default float): one of the real types of T2/T3. */
static hy_status gen_output_dtype(ir_graph *g, ir_node *n, hy_dtype *dt) {
  int64_t v;
  hy_status s = ix_attr_int(g, n, "output_datatype", HY_DTYPE_FLOAT, &v);
  if (s) return s;
  switch (v) {
  case HY_DTYPE_UINT8:
  case HY_DTYPE_UINT16:
  case HY_DTYPE_UINT32:
  case HY_DTYPE_UINT64:
  case HY_DTYPE_INT8:
  case HY_DTYPE_INT16:
  case HY_DTYPE_INT32:
  case HY_DTYPE_INT64:
  case HY_DTYPE_FLOAT16:
  case HY_DTYPE_FLOAT:
  case HY_DTYPE_DOUBLE:
  case HY_DTYPE_BFLOAT16: *dt = (hy_dtype)v; return HY_OK;
  default:
    return ir_attr_error(g, n, "output_datatype", HY_ERR_INVALID_MODEL,
                         "is %lld (%s); it must be an integer or float type", (long long)v,
                         v > 0 && v <= HY_DTYPE_FLOAT6E3M2 ? hy_dtype_name((hy_dtype)v)
                                                           : "no type");
  }
}

/* ---- HannWindow, HammingWindow, BlackmanWindow ---- */
static hy_status window_get(ir_graph *g, ir_node *n, int64_t *size, int64_t *periodic,
                            hy_dtype *dt) {
  hy_status s = ir_attr_flag(g, n, "periodic", 1, periodic);
  if (!s) s = gen_output_dtype(g, n, dt);
  if (!s) s = sig_input_count(g, n, 0, "size", 0, size);
  return s;
}

hy_status infer_window(ir_graph *g, ir_node *n) {
  int64_t size, periodic;
  hy_dtype dt;
  hy_status s = window_get(g, n, &size, &periodic, &dt);
  if (s) return s;
  ir_set_out(n, 0, dt, 1, &size);
  return HY_OK;
}

hy_status lower_window(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t size, periodic;
  hy_dtype dt;
  hy_status s = window_get(g, n, &size, &periodic, &dt);
  if (s) return s;
  l->kernel = HY_KERNEL_window;
  lower_int(l, n->op == OP_HannWindow ? 0 : n->op == OP_HammingWindow ? 1 : 2);
  lower_int(l, periodic);
  return HY_OK;
}

/* ---- MelWeightMatrix ---- */
static hy_status mel_get(ir_graph *g, ir_node *n, int64_t *mels, int64_t *dft, hy_dtype *dt) {
  const ir_type *t;
  hy_status s = gen_output_dtype(g, n, dt);
  if (!s) s = sig_input_count(g, n, 0, "num_mel_bins", 1, mels);
  if (!s) s = sig_input_count(g, n, 1, "dft_length", 1, dft);
  if (!s) s = ir_input_static(g, n, 2, &t);
  if (!s && t->dtype != HY_DTYPE_INT32 && t->dtype != HY_DTYPE_INT64)
    return ir_node_error(g, n, HY_ERR_DTYPE,
                         "input 2 ('sample_rate') has type %s; it must be int32 or int64",
                         hy_dtype_name(t->dtype));
  if (!s) s = ir_check_same_dtype(g, n, 0, 2);
  for (int32_t i = 3; i <= 4 && !s; i++)
    s = ix_input_numeric(g, n, i, true, &t);
  if (!s) s = ir_check_same_dtype(g, n, 3, 4);
  for (int32_t i = 2; i <= 4 && !s; i++)
    if (ir_type_numel(&n->in[i]->type) != 1)
      return ir_node_error(g, n, HY_ERR_SHAPE, "input %d ('%s') must be a scalar, has %lld values",
                           i, n->in[i]->name, (long long)ir_type_numel(&n->in[i]->type));
  if (!s && (*dft / 2 + 1) * *mels > SIG_MAX_LEN)
    return ir_node_error(g, n, HY_ERR_UNSUPPORTED,
                         "a %lld x %lld matrix is more than the %lld elements Hydra supports",
                         (long long)(*dft / 2 + 1), (long long)*mels, (long long)SIG_MAX_LEN);
  return s;
}

hy_status infer_melweightmatrix(ir_graph *g, ir_node *n) {
  int64_t mels, dft;
  hy_dtype dt;
  hy_status s = mel_get(g, n, &mels, &dft, &dt);
  if (s) return s;
  int64_t dims[2] = {dft / 2 + 1, mels};
  ir_set_out(n, 0, dt, 2, dims);
  return HY_OK;
}

hy_status lower_melweightmatrix(ir_graph *g, ir_node *n, ir_lowered *l) {
  int64_t mels, dft;
  hy_dtype dt;
  hy_status s = mel_get(g, n, &mels, &dft, &dt);
  if (s) return s;
  l->kernel = HY_KERNEL_melweightmatrix;
  lower_int(l, dft);
  return HY_OK;
}
