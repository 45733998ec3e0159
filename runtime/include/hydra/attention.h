/* The attention kernel's blocking and scratch sizing, shared by its lowering (which plans the
 * scratch) and the kernel (which carves it up): each task owns one slice of
 * hy_attention_task_bytes() and works on one (batch, head, block of query rows) at a time. */
#ifndef HYDRA_ATTENTION_H
#define HYDRA_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HY_ATTN_BQ 64  /* query rows per block: one GEMM A panel of scores */
#define HY_ATTN_BK 256 /* keys per tile: the scores block is BQ x BK, never the whole row set */
/* float16/bfloat16 take whole rows of keys (their softmax is exact, not online): a block holds
 * at most this many scores, and at least one row */
#define HY_ATTN_HALF_SCORES 16384

/* Bytes of one task's slice for a bq x bk scores block, tot keys (past and new), head sizes d
 * (Q, K) and dv (V), acc_size the compute type's size (4 or 8); packed nonzero for float32,
 * whose task also holds one head's keys and values packed for the GEMM micro-kernels. */
size_t hy_attention_task_bytes(int64_t bq, int64_t bk, int64_t tot, int64_t d, int64_t dv,
                               size_t acc_size, int packed);

#ifdef __cplusplus
}
#endif

#endif
