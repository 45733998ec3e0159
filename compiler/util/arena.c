/* The per-compilation arena: bump allocation in growing blocks, freed all at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

struct arena_block {
  arena_block *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK_MIN (64u * 1024u)

void arena_init(arena *a) {
  memset(a, 0, sizeof *a);
  a->fail_after = -1;
}

void arena_free(arena *a) {
  for (arena_block *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  a->head = NULL;
}

static bool arena_injected_failure(arena *a) {
  if (a->fail_after < 0) return false;
  if (a->fail_after == 0) return true;
  a->fail_after--;
  return false;
}

void *arena_alloc(arena *a, size_t size) {
  size = (size + 15u) & ~(size_t)15u;
  if (size == 0) size = 16;
  if (arena_injected_failure(a)) {
    a->failed = true;
    return NULL;
  }
  arena_block *b = a->head;
  if (!b || b->cap - b->used < size) {
    size_t cap = size > ARENA_BLOCK_MIN ? size : ARENA_BLOCK_MIN;
    if (cap > SIZE_MAX - sizeof *b) {
      a->failed = true;
      return NULL;
    }
    arena_block *nb = malloc(sizeof *nb + cap);
    if (!nb) {
      a->failed = true;
      return NULL;
    }
    nb->used = 0;
    nb->cap = cap;
    /* A big one-off block goes behind the head so the head's free space stays usable. */
    if (b && cap == size) {
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      a->head = nb;
    }
    b = nb;
  }
  void *p = b->data + b->used;
  b->used += size;
  a->total += size;
  memset(p, 0, size);
  return p;
}

void *arena_array(arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) {
    a->failed = true;
    return NULL;
  }
  return arena_alloc(a, n * size);
}

char *arena_strndup(arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  if (p && n) memcpy(p, s, n); /* s may be NULL when n is 0 (an empty protobuf string) */
  return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(arena *a, const char *fmt, ...) {
  va_list ap, aq;
  va_start(ap, fmt);
  va_copy(aq, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = n < 0 ? NULL : arena_alloc(a, (size_t)n + 1);
  if (p) vsnprintf(p, (size_t)n + 1, fmt, aq);
  va_end(aq);
  return p;
}
