/* Name tables for import: open addressing over strings, arena-allocated, chained to parents. */
#include <string.h>

#include "frontend/fe_internal.h"

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

void fe_map_init(fe_map *m, arena *a, const fe_map *parent) {
  memset(m, 0, sizeof *m);
  m->a = a;
  m->parent = parent;
}

static size_t slot_of(const fe_map *m, const char *key) {
  size_t i = (size_t)hash_str(key) & (m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key)) i = (i + 1) & (m->cap - 1);
  return i;
}

static bool grow(fe_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  fe_map bigger = *m;
  bigger.cap = cap;
  bigger.n = 0;
  bigger.keys = arena_array(m->a, cap, sizeof *bigger.keys);
  bigger.vals = arena_array(m->a, cap, sizeof *bigger.vals);
  if (!bigger.keys || !bigger.vals) return false;
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t s = slot_of(&bigger, m->keys[i]);
    bigger.keys[s] = m->keys[i];
    bigger.vals[s] = m->vals[i];
    bigger.n++;
  }
  *m = bigger;
  return true;
}

bool fe_map_put(fe_map *m, const char *key, void *val) {
  if ((m->n + 1) * 2 > m->cap && !grow(m)) return false;
  size_t s = slot_of(m, key);
  if (!m->keys[s]) m->n++;
  m->keys[s] = key;
  m->vals[s] = val;
  return true;
}

void *fe_map_get_local(const fe_map *m, const char *key) {
  if (!m->cap) return NULL;
  size_t s = slot_of(m, key);
  return m->keys[s] ? m->vals[s] : NULL;
}

void *fe_map_get(const fe_map *m, const char *key) {
  for (; m; m = m->parent) {
    void *v = fe_map_get_local(m, key);
    if (v) return v;
  }
  return NULL;
}
