/* The float32 products of the attention kernel on packed heads: the keys (as K^T) and values of
 * one (batch, kv head) are packed once into the GEMM's NR-wide panels, and every query block of
 * that head computes its scores Q.K^T and its P.V from them with the GEMM's register-tile
 * micro-kernels (gemm_ukernel.h, the compile target's family). */
#ifndef HY_KERNELS_ATTENTION_PACK_H
#define HY_KERNELS_ATTENTION_PACK_H

#include <string.h>

#include "kernels/gemm_blocks.h"
#include "kernels/gemm_ukernel.h"

#define AP_NR HY_GEMM_NR

/* Bytes of one packed head, 64-byte aligned parts: K^T as ceil(tot / NR) panels of d rows of NR
 * keys (zero past tot), then V as ceil(dv / NR) panels of tot rows of NR values (zero past dv). */
static inline size_t ap_keys_bytes(int64_t tot, int64_t d) {
  return gb_align64((size_t)(gb_round_up(tot, AP_NR) * d) * sizeof(float));
}
static inline size_t ap_head_bytes(int64_t tot, int64_t d, int64_t dv) {
  return ap_keys_bytes(tot, d) + gb_align64((size_t)(gb_round_up(dv, AP_NR) * tot) * sizeof(float));
}

typedef float ap_v8f __attribute__((vector_size(32)));

/* o[e] = column e of the 8 x 8 block whose rows are r[0..8): unpacks, then pair and half swaps. */
GEMM_INLINE void ap_transpose8(const ap_v8f *r, ap_v8f *o) {
  ap_v8f t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4)
    for (int h = 0; h < 2; h++) {
      u[i + 2 * h] = __builtin_shufflevector(t[i + h], t[i + 2 + h], 0, 1, 8, 9, 4, 5, 12, 13);
      u[i + 2 * h + 1] =
          __builtin_shufflevector(t[i + h], t[i + 2 + h], 2, 3, 10, 11, 6, 7, 14, 15);
    }
  for (int e = 0; e < 4; e++) {
    o[e] = __builtin_shufflevector(u[e], u[e + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    o[e + 4] = __builtin_shufflevector(u[e], u[e + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

/* Packs keys kj0 .. kj0 + n (rows of k and v, strides rsk and rsv) into the packed head at kp
 * (K^T) and vp (V). Runs of 8 keys from a multiple of 8 are transposed 8 x 8 in registers: one
 * key at a time the stores would go a panel row (NR floats) apart, each to another line. */
static inline void ap_pack_rows(const float *k, int64_t rsk, const float *v, int64_t rsv,
                                int64_t kj0, int64_t n, int64_t tot, int64_t d, int64_t dv,
                                float *restrict kp, float *restrict vp) {
  for (int64_t c = 0; c < n;) {
    int64_t kj = kj0 + c, w = kj % 8 == 0 && n - c >= 8 ? 8 : 1, e = 0;
    float *kd = kp + (kj / AP_NR) * d * AP_NR + kj % AP_NR;
    const float *kr = k + c * rsk;
    if (w == 8)
      for (; e + 8 <= d; e += 8) {
        ap_v8f r[8], o[8];
        for (int i = 0; i < 8; i++) memcpy(&r[i], kr + i * rsk + e, sizeof r[i]);
        ap_transpose8(r, o);
        for (int i = 0; i < 8; i++) memcpy(kd + (e + i) * AP_NR, &o[i], sizeof o[i]);
      }
    for (; e < d; e++)
      for (int64_t i = 0; i < w; i++) kd[e * AP_NR + i] = kr[i * rsk + e];
    c += w;
  }
  for (int64_t c = 0; c < n; c++) {
    const float *vr = v + c * rsv;
    for (int64_t e0 = 0; e0 < dv; e0 += AP_NR) {
      float *vd = vp + (e0 / AP_NR) * tot * AP_NR + (kj0 + c) * AP_NR;
      int64_t m = gb_min(AP_NR, dv - e0);
      if (m == AP_NR) { /* a constant size: inlined */
        memcpy(vd, vr + e0, AP_NR * sizeof(float));
        continue;
      }
      memcpy(vd, vr + e0, (size_t)m * sizeof(float));
      memset(vd + m, 0, (size_t)(AP_NR - m) * sizeof(float));
    }
  }
}

/* Zeroes the keys from tot to the end of the last K^T panel (the tiles read them, the scores of
 * those columns are dropped). */
static inline void ap_pad_keys(int64_t tot, int64_t d, float *kp) {
  int64_t last = tot / AP_NR, pad = gb_round_up(tot, AP_NR) - tot;
  if (pad == 0) return;
  for (int64_t e = 0; e < d; e++)
    memset(kp + (last * d + e) * AP_NR + tot % AP_NR, 0, (size_t)pad * sizeof(float));
}

/* s[r * lds + c] = scale * q_r . key (kj + c) for rows r < rows (q_r at q + r * rsq) and
 * c < n. Tiles are TW-aligned in the key index, so a tile never straddles two panels; the
 * columns of a tile outside [kj, kj + n) are dropped. */
VEC512 GEMM_INLINE void ap_scores(int isa, const float *q, int64_t rsq, int64_t d,
                                  const float *kp, int64_t kj, int64_t rows, int64_t n,
                                  float scale, float *restrict s, int64_t lds) {
  const int mr_max = gu_isa_mr(isa), tw = gu_isa_tw(isa);
  float t[HY_GEMM_UK_MR_MAX * HY_GEMM_UK_TW_MAX] __attribute__((aligned(64)));
  for (int64_t c0 = kj - kj % tw; c0 < kj + n; c0 += tw) {
    const float *panel = kp + (c0 / AP_NR) * d * AP_NR + c0 % AP_NR;
    int64_t lo = c0 < kj ? kj : c0, hi = gb_min(kj + n, c0 + tw);
    for (int64_t r0 = 0; r0 < rows; r0 += mr_max) {
      int mr = (int)gb_min(mr_max, rows - r0);
      /* hi - c0 columns: a half tile when the keys end in its first half (vit's 65th) */
      gu_ukernel_rows(isa, mr, hi - c0, d, q + r0 * rsq, rsq, panel, scale, 0.0f, t, tw, NULL);
      for (int i = 0; i < mr; i++) {
        float *sr = s + (r0 + i) * lds - kj;
        const float *ti = t + i * tw - c0;
        for (int64_t c = lo; c < hi; c++) sr[c] = ti[c];
      }
    }
  }
}

/* o[r * dv + e] += sum over c < n of p[r * ldp + c] * value (kj + c)[e], for rows r < rows. */
VEC512 GEMM_INLINE void ap_pv(int isa, const float *p, int64_t ldp, const float *vp, int64_t tot,
                              int64_t dv, int64_t kj, int64_t rows, int64_t n, float *restrict o) {
  const int mr_max = gu_isa_mr(isa), tw = gu_isa_tw(isa);
  float t[HY_GEMM_UK_MR_MAX * HY_GEMM_UK_TW_MAX] __attribute__((aligned(64)));
  for (int64_t e0 = 0; e0 < dv; e0 += tw) {
    const float *panel = vp + (e0 / AP_NR) * tot * AP_NR + kj * AP_NR + e0 % AP_NR;
    int64_t ne = gb_min(tw, dv - e0);
    for (int64_t r0 = 0; r0 < rows; r0 += mr_max) {
      int mr = (int)gb_min(mr_max, rows - r0);
      if (ne == tw) { /* a whole tile: accumulated into o in place */
        gu_ukernel_rows(isa, mr, tw, n, p + r0 * ldp, ldp, panel, 1.0f, 1.0f, o + r0 * dv + e0, dv,
                        NULL);
        continue;
      }
      gu_ukernel_rows(isa, mr, ne, n, p + r0 * ldp, ldp, panel, 1.0f, 0.0f, t, tw, NULL);
      for (int i = 0; i < mr; i++) {
        float *orow = o + (r0 + i) * dv + e0;
        const float *ti = t + i * tw;
        for (int64_t e = 0; e < ne; e++) orow[e] += ti[e];
      }
    }
  }
}

#endif
