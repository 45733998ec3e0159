/* The narrow element types: sizes and names, the conversions of runtime/src/kernels/
 * dtype_convert.h against the values of ONNX's tables (max finite, saturation, NaN, subnormals,
 * ties to even), packing of the 2/4-bit types through the cast kernel, the Cast hooks' checks
 * of versions and attributes, and the conformance comparison of these types. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../../runtime/src/kernels/dtype_convert.h"
#include "compare.h"
#include "graph_fixture.h"

/* ---- sizes and names ---- */

Test(dtypes, bits_bytes_and_names) {
  cr_assert_eq(hy_dtype_bits(HY_DTYPE_INT4), 4);
  cr_assert_eq(hy_dtype_bits(HY_DTYPE_UINT2), 2);
  cr_assert_eq(hy_dtype_bits(HY_DTYPE_FLOAT8E5M2), 8);
  cr_assert_eq(hy_dtype_bits(HY_DTYPE_FLOAT6E2M3), 0, "float6 is not held");
  cr_assert_eq(hy_dtype_bytes(HY_DTYPE_INT4, 5), 3, "two per byte, padded");
  cr_assert_eq(hy_dtype_bytes(HY_DTYPE_UINT2, 7), 2, "four per byte, padded");
  cr_assert_eq(hy_dtype_bytes(HY_DTYPE_FLOAT, 3), 12);
  cr_assert_eq(hy_dtype_size(HY_DTYPE_INT4), 0, "not addressable by byte");
  cr_assert_eq(hy_dtype_size(HY_DTYPE_FLOAT8E4M3FN), 1);
  hy_tensor t = {.dtype = HY_DTYPE_FLOAT4E2M1, .rank = 2, .dims = {3, 3}};
  cr_assert_eq(hy_tensor_bytes(&t), 5);
  cr_assert_str_eq(hy_dtype_name(HY_DTYPE_FLOAT8E4M3FNUZ), "float8e4m3fnuz");
  cr_assert_str_eq(hy_dtype_name(HY_DTYPE_FLOAT8E8M0), "float8e8m0");
  cr_assert_str_eq(hy_dtype_name(HY_DTYPE_INT2), "int2");
}

/* ---- bfloat16 ---- */

Test(dtypes, bfloat16_rounds_to_nearest_even_and_keeps_nan) {
  cr_assert_eq(hy_f32_to_bf16(1.0f), 0x3f80);
  cr_assert_eq(hy_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80, "tie to the even 1.0");
  cr_assert_eq(hy_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82, "tie to the even 1 + 2^-6");
  cr_assert_eq(hy_f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81, "above the tie rounds up");
  cr_assert_eq(hy_f32_to_bf16(-0.0f), 0x8000);
  cr_assert_eq(hy_f32_to_bf16(INFINITY), 0x7f80);
  cr_assert_eq(hy_f32_to_bf16(3.4028235e38f), 0x7f80, "FLT_MAX rounds past bfloat16's max");
  cr_assert_eq(hy_f32_to_bf16(1e-40f), 0x0001, "float subnormals keep their high bits");
  uint32_t nan_bits = 0x7f800001u; /* a NaN whose payload is all in the dropped half */
  float nan;
  memcpy(&nan, &nan_bits, 4);
  cr_assert(isnan(hy_bf16_to_f32(hy_f32_to_bf16(nan))), "NaN must not become inf");
  cr_assert_eq(hy_bf16_to_f32(0x4049), 3.140625f);
  cr_assert_eq(hy_bf16_to_f32(0xff80), -INFINITY);
}

/* ---- float8 and float4 ---- */

static uint32_t enc(hy_dtype dt, double x, int sat) {
  return hy_k_f64_to_fmt(hy_k_fmt_of(dt), x, sat);
}
static float dec(hy_dtype dt, uint32_t c) { return hy_k_fmt_to_f32(hy_k_fmt_of(dt), c); }

Test(dtypes, float8e4m3fn_matches_the_spec_tables) {
  hy_dtype t = HY_DTYPE_FLOAT8E4M3FN;
  cr_assert_eq(dec(t, 0x7e), 448.0f, "max finite");
  cr_assert(isnan(dec(t, 0x7f)) && isnan(dec(t, 0xff)));
  cr_assert_eq(dec(t, 0x01), 0x1p-9f, "smallest subnormal");
  cr_assert_eq(enc(t, 1e6, 1), 0x7e, "saturates to max");
  cr_assert_eq(enc(t, -1e6, 1), 0xfe);
  cr_assert_eq(enc(t, INFINITY, 1), 0x7e, "inf saturates to max");
  cr_assert(isnan(dec(t, enc(t, 1e6, 0))), "no saturation: NaN");
  cr_assert(isnan(dec(t, enc(t, -INFINITY, 0))));
  cr_assert(isnan(dec(t, enc(t, NAN, 1))));
  cr_assert_eq(enc(t, 464, 0), 0x7e, "tie between 448 and 480 goes to the even 448");
  cr_assert(isnan(dec(t, enc(t, 465, 0))), "rounds past max");
  cr_assert_eq(enc(t, 0x1p-10, 1), 0x00, "half the smallest subnormal ties to 0");
  cr_assert_eq(enc(t, 3 * 0x1p-10, 1), 0x02, "1.5 subnormal steps tie to the even 2");
  cr_assert_eq(enc(t, -0.0, 1), 0x80, "-0 kept");
  cr_assert_eq(enc(t, 0.47892547, 1), 0x2f, "0.4789 -> 0.46875");
}

Test(dtypes, float8_fnuz_and_e5m2_formats) {
  hy_dtype u = HY_DTYPE_FLOAT8E4M3FNUZ, e5 = HY_DTYPE_FLOAT8E5M2, e5u = HY_DTYPE_FLOAT8E5M2FNUZ;
  cr_assert_eq(dec(u, 0x7f), 240.0f);
  cr_assert(isnan(dec(u, 0x80)), "0x80 is the NaN");
  cr_assert_eq(enc(u, -0.0, 1), 0x00, "no negative zero");
  cr_assert_eq(enc(u, -1e-7, 1), 0x00, "a tiny negative rounds to +0");
  cr_assert_eq(enc(u, 1e6, 0), 0x80, "overflow without saturation is NaN");
  cr_assert_eq(enc(u, -INFINITY, 1), 0xff, "-inf saturates to -240");
  cr_assert_eq(dec(e5, 0x7b), 57344.0f);
  cr_assert_eq(dec(e5, 0x7c), INFINITY);
  cr_assert_eq(enc(e5, 1e6, 0), 0x7c, "E5M2 overflows to inf");
  cr_assert_eq(enc(e5, -1e6, 0), 0xfc);
  cr_assert_eq(enc(e5, 1e6, 1), 0x7b);
  cr_assert_eq(enc(e5, 61440, 0), 0x7c, "tie above max rounds to the even 65536: inf");
  cr_assert_eq(dec(e5, 0x01), 0x1p-16f);
  cr_assert_eq(dec(e5u, 0x7f), 57344.0f);
  cr_assert_eq(dec(e5u, 0x01), 0x1p-17f);
  cr_assert_eq(enc(e5u, INFINITY, 0), 0x80);
  /* every finite code survives decode + encode */
  hy_dtype all[] = {HY_DTYPE_FLOAT8E4M3FN, u, e5, e5u};
  for (int k = 0; k < 4; k++)
    for (uint32_t c = 0; c < 256; c++) {
      float v = dec(all[k], c);
      if (isnan(v) || isinf(v)) continue;
      cr_assert_eq(enc(all[k], v, 0), c, "%s code 0x%02x", hy_dtype_name(all[k]), c);
    }
}

Test(dtypes, float4e2m1_values_ties_and_saturation) {
  hy_dtype t = HY_DTYPE_FLOAT4E2M1;
  const float vals[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (uint32_t c = 0; c < 8; c++) {
    cr_assert_eq(dec(t, c), vals[c]);
    cr_assert_eq(dec(t, c | 8), -vals[c]);
  }
  cr_assert_eq(enc(t, 0.25, 0), 0x0, "tie to the even 0");
  cr_assert_eq(enc(t, 0.75, 0), 0x2, "tie to the even 1");
  cr_assert_eq(enc(t, 2.5, 0), 0x4, "tie to the even 2");
  cr_assert_eq(enc(t, 5, 0), 0x6, "tie to the even 4");
  cr_assert_eq(enc(t, -3.5, 0), 0xe, "tie to the even -4");
  cr_assert_eq(enc(t, 7, 0), 0x7, "always saturates");
  cr_assert_eq(enc(t, -INFINITY, 0), 0xf);
  cr_assert_eq(enc(t, NAN, 0), 0x7, "NaN -> 6 (float4.md)");
  cr_assert_eq(enc(t, -0.0, 0), 0x8);
}

Test(dtypes, float8e8m0_rounding_modes_and_limits) {
  cr_assert_eq(hy_k_e8m0_to_f32(127), 1.0f);
  cr_assert_eq(hy_k_e8m0_to_f32(0), 0x1p-127f);
  cr_assert_eq(hy_k_e8m0_to_f32(254), 0x1p127f);
  cr_assert(isnan(hy_k_e8m0_to_f32(255)));
  cr_assert_eq(hy_k_f64_to_e8m0(1.1, 1, HY_CAST_ROUND_UP), 128);
  cr_assert_eq(hy_k_f64_to_e8m0(1.1, 1, HY_CAST_ROUND_DOWN), 127);
  cr_assert_eq(hy_k_f64_to_e8m0(1.1, 1, HY_CAST_ROUND_NEAREST), 127);
  cr_assert_eq(hy_k_f64_to_e8m0(1.5, 1, HY_CAST_ROUND_NEAREST), 128, "tie rounds up");
  cr_assert_eq(hy_k_f64_to_e8m0(1.49, 1, HY_CAST_ROUND_NEAREST), 127);
  cr_assert_eq(hy_k_f64_to_e8m0(4.0, 1, HY_CAST_ROUND_UP), 129, "powers of two are exact");
  cr_assert_eq(hy_k_f64_to_e8m0(0.124, 1, HY_CAST_ROUND_UP), 124);
  cr_assert_eq(hy_k_f64_to_e8m0(0.0, 1, HY_CAST_ROUND_UP), 0, "saturate + up: 0 -> E8M0_MIN");
  cr_assert_eq(hy_k_f64_to_e8m0(0.0, 0, HY_CAST_ROUND_NEAREST), 255, "no saturation: NaN");
  cr_assert_eq(hy_k_f64_to_e8m0(INFINITY, 1, HY_CAST_ROUND_UP), 254, "inf -> E8M0_MAX");
  cr_assert_eq(hy_k_f64_to_e8m0(INFINITY, 0, HY_CAST_ROUND_NEAREST), 255);
  cr_assert_eq(hy_k_f64_to_e8m0(0x1.8p127, 1, HY_CAST_ROUND_UP), 254, "saturates past the max");
  cr_assert_eq(hy_k_f64_to_e8m0(0x1.8p127, 0, HY_CAST_ROUND_UP), 255);
  cr_assert_eq(hy_k_f64_to_e8m0(0x1p-130, 0, HY_CAST_ROUND_NEAREST), 255, "below the min");
  cr_assert_eq(hy_k_f64_to_e8m0(NAN, 1, HY_CAST_ROUND_UP), 255);
}

/* ---- the cast kernel: packing and single rounding ---- */

static hy_status cast(hy_dtype from, const void *x, hy_dtype to, void *y, int64_t n,
                      const int64_t *ints, int32_t n_ints) {
  hy_tdesc ti = {.dtype = from, .rank = 1, .dims = {n}};
  hy_tdesc to_ = {.dtype = to, .rank = 1, .dims = {n}};
  hy_kparams p = {1, 1, n_ints, 0, &ti, &to_, ints, NULL};
  const void *in[1] = {x};
  void *out[1] = {y};
  return hy_kernel_table[HY_KERNEL_cast](&p, in, out, NULL, NULL);
}

Test(cast_kernel, int4_packs_low_nibble_first_and_round_trips) {
  int8_t all[16], back[16];
  for (int i = 0; i < 16; i++) all[i] = (int8_t)(i - 8);
  uint8_t packed[8];
  cr_assert_eq(cast(HY_DTYPE_INT8, all, HY_DTYPE_INT4, packed, 16, NULL, 0), HY_OK);
  cr_assert_eq(packed[0], 0x98, "-8 low, -7 high");
  cr_assert_eq(packed[7], 0x76, "6 low, 7 high");
  cr_assert_eq(cast(HY_DTYPE_INT4, packed, HY_DTYPE_INT8, back, 16, NULL, 0), HY_OK);
  cr_assert_arr_eq(back, all, 16);
  const int32_t three[3] = {1, 2, 19}; /* 19 keeps its low bits: 3 */
  uint8_t p3[2] = {0xff, 0xff};
  cr_assert_eq(cast(HY_DTYPE_INT32, three, HY_DTYPE_UINT4, p3, 3, NULL, 0), HY_OK);
  cr_assert(p3[0] == 0x21 && p3[1] == 0x03, "padding nibble zero: %02x %02x", p3[0], p3[1]);
  const float f[5] = {-8.7f, 7.9f, 8.0f, -9.0f, NAN};
  uint8_t p5[3];
  int32_t r5[5];
  cr_assert_eq(cast(HY_DTYPE_FLOAT, f, HY_DTYPE_INT4, p5, 5, NULL, 0), HY_OK);
  cr_assert_eq(cast(HY_DTYPE_INT4, p5, HY_DTYPE_INT32, r5, 5, NULL, 0), HY_OK);
  cr_assert(r5[0] == -8 && r5[1] == 7 && r5[2] == 0 && r5[3] == 0 && r5[4] == 0,
            "truncated, out of range -> 0: %d %d %d %d %d", r5[0], r5[1], r5[2], r5[3], r5[4]);
}

Test(cast_kernel, int2_and_uint2_pack_four_per_byte) {
  const int64_t v[7] = {-2, -1, 0, 1, 2, 3, 5};
  uint8_t p[2];
  int64_t back[7];
  cr_assert_eq(cast(HY_DTYPE_INT64, v, HY_DTYPE_UINT2, p, 7, NULL, 0), HY_OK);
  cr_assert(p[0] == 0x4e && p[1] == 0x1e, "%02x %02x", p[0], p[1]);
  cr_assert_eq(cast(HY_DTYPE_UINT2, p, HY_DTYPE_INT64, back, 7, NULL, 0), HY_OK);
  for (int i = 0; i < 7; i++) cr_assert_eq(back[i], v[i] & 3);
  cr_assert_eq(cast(HY_DTYPE_INT64, v, HY_DTYPE_INT2, p, 7, NULL, 0), HY_OK);
  cr_assert_eq(cast(HY_DTYPE_INT2, p, HY_DTYPE_INT64, back, 7, NULL, 0), HY_OK);
  const int64_t want[7] = {-2, -1, 0, 1, -2, -1, 1};
  cr_assert_arr_eq(back, want, sizeof want);
}

Test(cast_kernel, float8_saturate_attribute_and_back) {
  const float x[4] = {1e6f, -INFINITY, 0.5f, 300.0f};
  uint8_t y[4];
  float back[4];
  const int64_t sat[2] = {1, HY_CAST_ROUND_UP}, nosat[2] = {0, HY_CAST_ROUND_UP};
  cr_assert_eq(cast(HY_DTYPE_FLOAT, x, HY_DTYPE_FLOAT8E4M3FN, y, 4, sat, 2), HY_OK);
  cr_assert_eq(cast(HY_DTYPE_FLOAT8E4M3FN, y, HY_DTYPE_FLOAT, back, 4, NULL, 0), HY_OK);
  cr_assert(back[0] == 448 && back[1] == -448 && back[2] == 0.5f && back[3] == 288, "%g %g %g %g",
            back[0], back[1], back[2], back[3]);
  cr_assert_eq(cast(HY_DTYPE_FLOAT, x, HY_DTYPE_FLOAT8E5M2, y, 4, nosat, 2), HY_OK);
  cr_assert_eq(cast(HY_DTYPE_FLOAT8E5M2, y, HY_DTYPE_FLOAT, back, 4, NULL, 0), HY_OK);
  cr_assert(back[0] == INFINITY && back[1] == -INFINITY && back[3] == 320, "%g %g", back[0],
            back[3]);
}

Test(cast_kernel, narrowing_rounds_once) {
  /* just above a float16 tie, but float's 24 bits round it onto the tie */
  const double d[1] = {1.0 + 0x1p-11 + 0x1p-40};
  uint16_t h[1];
  cr_assert_eq(cast(HY_DTYPE_DOUBLE, d, HY_DTYPE_FLOAT16, h, 1, NULL, 0), HY_OK);
  cr_assert_eq(h[0], 0x3c01, "double -> float16 rounds up, not to the even 1.0");
  /* 2^60 + 2^52 + 1: above bfloat16's tie only by the 1 a double cannot hold */
  const int64_t i[1] = {((int64_t)1 << 60) + ((int64_t)1 << 52) + 1};
  uint16_t b[1];
  cr_assert_eq(cast(HY_DTYPE_INT64, i, HY_DTYPE_BFLOAT16, b, 1, NULL, 0), HY_OK);
  cr_assert_eq(b[0], 0x5d81, "int64 -> bfloat16 rounds once: %04x", b[0]);
  const float f[3] = {1.0f + 0x1p-8f, NAN, -2.5f};
  uint16_t bf[3];
  cr_assert_eq(cast(HY_DTYPE_FLOAT, f, HY_DTYPE_BFLOAT16, bf, 3, NULL, 0), HY_OK);
  cr_assert(bf[0] == 0x3f80 && isnan(hy_bf16_to_f32(bf[1])) && bf[2] == 0xc020);
  const uint8_t e8[2] = {127, 130};
  uint16_t h2[2];
  cr_assert_eq(cast(HY_DTYPE_FLOAT8E8M0, e8, HY_DTYPE_FLOAT16, h2, 2, NULL, 0), HY_OK);
  cr_assert(h2[0] == 0x3c00 && h2[1] == 0x4800, "1 and 8");
}

Test(cast_kernel, e8m0_takes_round_mode_and_saturate_from_the_block) {
  const float x[4] = {1.1f, 1.5f, 0.0f, 3e38f};
  uint8_t y[4];
  const int64_t up[2] = {1, HY_CAST_ROUND_UP}, down[2] = {1, HY_CAST_ROUND_DOWN};
  const int64_t near_nosat[2] = {0, HY_CAST_ROUND_NEAREST};
  cr_assert_eq(cast(HY_DTYPE_FLOAT, x, HY_DTYPE_FLOAT8E8M0, y, 4, up, 2), HY_OK);
  cr_assert(y[0] == 128 && y[1] == 128 && y[2] == 0 && y[3] == 254, "%d %d %d %d", y[0], y[1],
            y[2], y[3]);
  cr_assert_eq(cast(HY_DTYPE_FLOAT, x, HY_DTYPE_FLOAT8E8M0, y, 4, down, 2), HY_OK);
  cr_assert(y[0] == 127 && y[1] == 127 && y[3] == 254);
  cr_assert_eq(cast(HY_DTYPE_FLOAT, x, HY_DTYPE_FLOAT8E8M0, y, 4, near_nosat, 2), HY_OK);
  cr_assert(y[0] == 127 && y[1] == 128 && y[2] == 255 && y[3] == 255, "%d %d %d %d", y[0], y[1],
            y[2], y[3]);
}

/* ---- the conformance comparison ---- */

Test(dtypes, comparison_by_value_and_by_element) {
  uint8_t a[3] = {0x7f, 0x80, 0x38}, b[3] = {0xff, 0x00, 0x38}; /* NaN, -0, 1 vs -NaN, 0, 1 */
  hy_tensor ta = {.dtype = HY_DTYPE_FLOAT8E4M3FN, .rank = 1, .dims = {3}, .data = a};
  hy_tensor tb = ta;
  tb.data = b;
  char msg[256] = "";
  cr_assert(cmp_tensors(&ta, &tb, CMP_TOL_ONNX, msg, sizeof msg), "NaN == NaN, -0 == 0: %s", msg);
  b[2] = 0x39; /* 1.125 */
  cr_assert_not(cmp_tensors(&ta, &tb, CMP_TOL_ONNX, msg, sizeof msg));
  cr_assert(strstr(msg, "got 1, expected 1.125"), "%s", msg);
  uint8_t p[2] = {0x21, 0xf3}, q[2] = {0x21, 0x03}; /* int4 1,2,3 + a padding nibble */
  hy_tensor tp = {.dtype = HY_DTYPE_INT4, .rank = 1, .dims = {3}, .data = p}, tq = tp;
  tq.data = q;
  cr_assert(cmp_tensors(&tp, &tq, CMP_TOL_ONNX, msg, sizeof msg), "padding ignored: %s", msg);
  q[0] = 0x2f; /* element 0: -1 */
  cr_assert_not(cmp_tensors(&tp, &tq, CMP_TOL_ONNX, msg, sizeof msg));
  cr_assert(strstr(msg, "got 1, expected -1"), "%s", msg);
}

/* ---- the Cast hooks ---- */

static void setup(void) { graph_fixture_open("t.onnx", 0); }
TestSuite(cast_hooks, .init = setup, .fini = graph_fixture_close);

static ir_node *cast_node(const char *op, int32_t version, hy_dtype from, hy_dtype like) {
  const int64_t d[] = {4};
  ir_node *n = ir_node_new(G, ir_op_lookup("", op), op, "c1", like ? 2 : 1, 1);
  ir_node_set_input(G, n, 0, graph_fixture_value("x", from, 1, d));
  if (like) ir_node_set_input(G, n, 1, graph_fixture_value("l", like, 1, d));
  ir_node_set_output(G, n, 0, ir_value_new(G, "y"));
  n->version = n->opset = version;
  n->attrs = arena_array(&A, 3, sizeof *n->attrs);
  return n;
}

static void attr_int(ir_node *n, const char *name, int64_t v) {
  n->attrs[n->n_attrs++] = (ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v};
}

static hy_status infer(ir_node *n) { return ir_op_get(n->op)->infer(G, n); }

Test(cast_hooks, new_types_need_their_version) {
  ir_node *n = cast_node("Cast", 19, HY_DTYPE_FLOAT, 0);
  attr_int(n, "to", HY_DTYPE_INT4);
  cr_assert_eq(infer(n), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "node 'c1' (Cast)") && strstr(D.msg, "int4") &&
                strstr(D.msg, "Cast 21"), "%s", D.msg);
  n->version = 21;
  diag_init(&D);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  cr_assert_eq(n->out[0]->type.dtype, HY_DTYPE_INT4);
  ir_node *l = cast_node("CastLike", 19, HY_DTYPE_FLOAT16, HY_DTYPE_FLOAT8E5M2FNUZ);
  cr_assert_eq(infer(l), HY_OK, "%s", D.msg);
  cr_assert_eq(l->out[0]->type.dtype, HY_DTYPE_FLOAT8E5M2FNUZ);
}

Test(cast_hooks, bad_attributes_and_unsupported_types_are_named) {
  ir_node *n = cast_node("Cast", 24, HY_DTYPE_FLOAT, 0);
  attr_int(n, "to", HY_DTYPE_FLOAT8E8M0);
  attr_int(n, "saturate", 2);
  cr_assert_eq(infer(n), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'saturate'"), "%s", D.msg);
  n->attrs[1].i = 0;
  diag_init(&D); /* the diag keeps the first message */
  n->attrs[n->n_attrs++] = (ir_attr){.name = "round_mode", .kind = IR_ATTR_STRING, .s = "sideways"};
  cr_assert_eq(infer(n), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'round_mode'") && strstr(D.msg, "sideways"), "%s", D.msg);
  n->attrs[2].s = "nearest";
  diag_init(&D);
  cr_assert_eq(infer(n), HY_OK, "%s", D.msg);
  ir_node *f6 = cast_node("Cast", 28, HY_DTYPE_FLOAT, 0);
  attr_int(f6, "to", HY_DTYPE_FLOAT6E2M3);
  diag_init(&D);
  cr_assert_eq(infer(f6), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "float6e2m3"), "%s", D.msg);
  ir_node *s = cast_node("CastLike", 25, HY_DTYPE_FLOAT, HY_DTYPE_STRING);
  diag_init(&D);
  cr_assert_eq(infer(s), HY_ERR_UNSUPPORTED);
  cr_assert(strstr(D.msg, "string"), "%s", D.msg);
  ir_node *bad = cast_node("Cast", 25, HY_DTYPE_FLOAT, 0);
  attr_int(bad, "to", 40);
  diag_init(&D);
  cr_assert_eq(infer(bad), HY_ERR_INVALID_MODEL);
  cr_assert(strstr(D.msg, "attribute 'to'"), "%s", D.msg);
}

/* ir_elem_get/ir_elem_set: one element of each dtype by value, integers saturating (a constant
 * read into a kernel's attribute block must never overflow its type or be undefined). */
Test(dtypes, elem_get_and_set_by_dtype) {
  static const hy_dtype all[] = {HY_DTYPE_BOOL,   HY_DTYPE_UINT8,  HY_DTYPE_INT8,
                                 HY_DTYPE_UINT16, HY_DTYPE_INT16,  HY_DTYPE_UINT32,
                                 HY_DTYPE_INT32,  HY_DTYPE_UINT64, HY_DTYPE_INT64,
                                 HY_DTYPE_FLOAT,  HY_DTYPE_DOUBLE, HY_DTYPE_FLOAT16,
                                 HY_DTYPE_BFLOAT16};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
    unsigned char buf[3 * 8] = {0};
    double got;
    cr_assert(ir_elem_set(all[k], buf, 2, 1.0) && ir_elem_get(all[k], buf, 2, &got));
    cr_expect_eq(got, 1.0, "%s: 1 reads back as %g", hy_dtype_name(all[k]), got);
    for (size_t b = 2 * hy_dtype_size(all[k]); b < sizeof buf; b++)
      if (b >= 3 * hy_dtype_size(all[k])) cr_expect_eq(buf[b], 0, "%s wrote past its element",
                                                        hy_dtype_name(all[k]));
  }
  int8_t i8;
  cr_assert(ir_elem_set(HY_DTYPE_INT8, &i8, 0, 1000.0) && i8 == 127);
  cr_assert(ir_elem_set(HY_DTYPE_INT8, &i8, 0, NAN) && i8 == 0);
  uint64_t u64;
  cr_assert(ir_elem_set(HY_DTYPE_UINT64, &u64, 0, 1e30) && u64 == UINT64_MAX);
  cr_assert(ir_elem_set(HY_DTYPE_UINT64, &u64, 0, -5) && u64 == 0);
  int64_t i64;
  cr_assert(ir_elem_set(HY_DTYPE_INT64, &i64, 0, -1e30) && i64 == INT64_MIN);
  uint16_t h;
  cr_assert(ir_elem_set(HY_DTYPE_FLOAT16, &h, 0, 65520.0) && h == 0x7c00); /* rounds to inf */
  double d[2];
  cr_expect(!ir_elem_set(HY_DTYPE_COMPLEX128, d, 0, 1.0));
  cr_expect(!ir_elem_get(HY_DTYPE_STRING, d, 0, &d[0]));
  cr_expect(!ir_elem_get(HY_DTYPE_FLOAT8E4M3FN, d, 0, &d[0]));
  cr_expect(ir_dtype_is_float(HY_DTYPE_BFLOAT16) && !ir_dtype_is_float(HY_DTYPE_INT8) &&
            ir_dtype_is_int(HY_DTYPE_UINT64) && !ir_dtype_is_numeric(HY_DTYPE_BOOL));
}
