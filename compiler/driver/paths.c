/* Output paths: the folders an -o path names are created, as `mkdir -p` would. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver/driver.h"

int drv_make_dirs(const char *dir) {
  if (!*dir) return DRV_EXIT_OK;
  char *p = strdup(dir);
  if (!p) {
    fprintf(stderr, "hydrac: error: out of memory\n");
    return DRV_EXIT_ERROR;
  }
  int rc = DRV_EXIT_OK;
  /* Each prefix ending before a '/' in turn, then the whole path. */
  for (char *s = p + 1;; s++) {
    char c = *s;
    if (c != '/' && c != '\0') continue;
    *s = '\0';
    struct stat st;
    if (mkdir(p, 0777) != 0 && (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) {
      fprintf(stderr, "hydrac: error: cannot create folder %s: %s\n", p,
              errno == EEXIST ? "a file of that name exists" : strerror(errno));
      rc = DRV_EXIT_ERROR;
      break;
    }
    *s = c;
    if (!c) break;
  }
  free(p);
  return rc;
}

int drv_make_parent(const char *file) {
  const char *slash = strrchr(file, '/');
  if (!slash || slash == file) return DRV_EXIT_OK;
  char *dir = strndup(file, (size_t)(slash - file));
  if (!dir) {
    fprintf(stderr, "hydrac: error: out of memory\n");
    return DRV_EXIT_ERROR;
  }
  int rc = drv_make_dirs(dir);
  free(dir);
  return rc;
}
