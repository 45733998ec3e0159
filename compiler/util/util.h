/* Compiler support: the per-compilation arena, diagnostics (errors as values), small helpers.
 * Every compiler component includes this; nothing here prints or exits. */
#ifndef HC_UTIL_H
#define HC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hydra/hydra.h"

/* ---- arena.c: one arena per compilation; everything in the IR lives here. ---- */
typedef struct arena_block arena_block;
typedef struct arena {
  arena_block *head;
  size_t total; /* bytes handed out, for inspect */
  bool failed;  /* sticky: an allocation failed (callers report HY_ERR_OUT_OF_MEMORY) */
  int64_t fail_after; /* fault injection: allocations left before one fails; <0 disables */
} arena;

void arena_init(arena *a);
void arena_free(arena *a);
/* Zeroed, 16-byte aligned memory, or NULL (and a->failed set) when out of memory. */
void *arena_alloc(arena *a, size_t size);
/* Zeroed memory for n elements of size each, or NULL on overflow or OOM. */
void *arena_array(arena *a, size_t n, size_t size);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- diag.c: the first error wins (SQLite's habit); later ones are dropped. ---- */
#define DIAG_MSG_MAX 4096
typedef struct diag {
  hy_status status;
  char msg[DIAG_MSG_MAX];
} diag;

void diag_init(diag *d);
/* Records the error if none is recorded yet; returns the status of the *first* error. */
hy_status diag_error(diag *d, hy_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
hy_status diag_verror(diag *d, hy_status s, const char *fmt, va_list ap);
static inline bool diag_failed(const diag *d) { return d->status != HY_OK; }

/* ---- misc ---- */
/* a*b into *out; false on int64 overflow or a negative operand. */
bool mul_overflows_i64(int64_t a, int64_t b, int64_t *out);
/* Formats "[2,3,?]" into buf (for messages); returns buf. */
const char *format_dims(char *buf, size_t n, int32_t rank, const int64_t *dims);

/* ---- C identifiers (the names generated code and headers declare) ---- */
/* s is a C identifier: [A-Za-z_][A-Za-z0-9_]*. */
bool is_c_ident(const char *s);
/* A C identifier made from any string, into the arena: other chars become '_', and a leading
 * digit or an empty string gets a '_' in front. NULL when out of memory. */
const char *c_ident(arena *a, const char *s);

#endif
