/* C identifiers: the names a compiled unit gives its functions (NAME_run_<entry>), its header's
 * parameters and its JIT symbols, made from ONNX names that may hold any character. */
#include <string.h>

#include "util/util.h"

static bool ident_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

bool is_c_ident(const char *s) {
  if (!s || !*s || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!ident_char(*s)) return false;
  return true;
}

const char *c_ident(arena *a, const char *s) {
  size_t n = strlen(s);
  char *r = arena_alloc(a, n + 2);
  if (!r) return NULL;
  size_t j = 0;
  if (n == 0 || (s[0] >= '0' && s[0] <= '9')) r[j++] = '_';
  for (size_t i = 0; i < n; i++)
    r[j++] = ident_char(s[i]) ? s[i] : '_';
  r[j] = 0;
  return r;
}
