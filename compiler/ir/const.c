/* Constants identified by content: a 64-bit hash of dtype, shape, layout and bytes, then a full
 * compare.
 * Two initializers holding the same weights (an encoder exported three times) are one constant
 * here, whatever their names or addresses; CSE and the weight packing build on that. */
#include <string.h>

#include "ir/ir.h"

/* Open addressing on the content hash; the slot array doubles in the graph's arena. */
typedef struct ir_const_table {
  ir_value **slots;
  size_t cap, n;
} ir_const_table;

#define HASH_MUL 0x9E3779B97F4A7C15ull

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

/* Four independent multiply chains over 32-byte blocks keep up with memory on large weights. */
uint64_t ir_hash_bytes(uint64_t seed, const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h[4] = {seed ^ n, seed + HASH_MUL, seed ^ (HASH_MUL >> 7), seed - HASH_MUL};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++) {
      uint64_t w;
      memcpy(&w, b + i + 8 * k, 8);
      h[k] = (h[k] ^ w) * HASH_MUL;
      h[k] ^= h[k] >> 29;
    }
  uint64_t tail = 0;
  for (size_t k = 0; i < n; i++, k++) {
    tail |= (uint64_t)b[i] << (8 * (k % 8));
    if (k % 8 == 7 || i + 1 == n) {
      h[0] = (h[0] ^ tail) * HASH_MUL;
      h[0] ^= h[0] >> 29;
      tail = 0;
    }
  }
  return mix(h[0] ^ mix(h[1]) ^ mix(h[2] + h[3]));
}

static uint64_t type_hash(const ir_type *t, ir_layout layout) {
  uint64_t key[3 + HY_MAX_RANK] = {(uint64_t)t->dtype, (uint64_t)(int64_t)t->rank, layout};
  for (int32_t i = 0; i < t->rank && i < HY_MAX_RANK; i++)
    key[3 + i] = (uint64_t)t->dims[i];
  return ir_hash_bytes(0, key, sizeof key);
}

static int64_t const_bytes(const ir_value *v) {
  int64_t b = ir_type_bytes(&v->type);
  return b > 0 ? b : 0;
}

/* Its bytes are its content: a static type of a dtype with a size. */
static bool comparable(const ir_value *v) {
  return ir_type_bytes(&v->type) >= 0 &&
         (hy_dtype_bits(v->type.dtype) > 0 || !ir_type_numel(&v->type));
}

uint64_t ir_const_hash(ir_value *v) {
  if (v->hashed_data == v->data && v->data) return v->hash;
  v->hash =
      ir_hash_bytes(type_hash(&v->type, v->layout), v->data, v->data ? (size_t)const_bytes(v) : 0);
  v->hashed_data = v->data;
  return v->hash;
}

bool ir_const_equal(ir_value *a, ir_value *b) {
  if (a == b) return true;
  if (!a->data || !b->data) return false;
  const ir_type *ta = &a->type, *tb = &b->type;
  if (ta->dtype != tb->dtype || ta->rank != tb->rank || a->layout != b->layout) return false;
  for (int32_t i = 0; i < ta->rank; i++)
    if (ta->dims[i] != tb->dims[i]) return false;
  if (a->data == b->data) return true;
  /* content Hydra cannot size (a string tensor's pointers) is never equal to another's */
  if (!comparable(a) || ir_const_hash(a) != ir_const_hash(b)) return false;
  return !memcmp(a->data, b->data, (size_t)const_bytes(a));
}

static ir_value **find_slot(ir_const_table *t, ir_value *v) {
  size_t mask = t->cap - 1, i = (size_t)ir_const_hash(v) & mask;
  while (t->slots[i] && !ir_const_equal(t->slots[i], v))
    i = (i + 1) & mask;
  return &t->slots[i];
}

static bool grow(ir_graph *g, ir_const_table *t) {
  size_t cap = t->cap ? t->cap * 2 : 256;
  ir_value **old = t->slots, **slots = arena_array(g->a, cap, sizeof *slots);
  size_t old_cap = t->cap;
  if (!slots) return false; /* the table stays as it was */
  t->slots = slots;
  t->cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i]) *find_slot(t, old[i]) = old[i];
  return true;
}

ir_value *ir_const_intern(ir_graph *g, ir_value *v) {
  if (!v->data || !comparable(v)) return v;
  if (!g->consts && !(g->consts = arena_alloc(g->a, sizeof *g->consts))) return NULL;
  ir_const_table *t = g->consts;
  if ((t->n + 1) * 2 > t->cap && !grow(g, t)) return NULL;
  ir_value **slot = find_slot(t, v);
  if (!*slot) {
    *slot = v;
    t->n++;
  }
  (*slot)->from_model |= v->from_model; /* the same bytes: the model gives them either way */
  return *slot;
}
