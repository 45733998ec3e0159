/* Replays inputs through a fuzz target without libFuzzer: ctest runs every file of
 * tests/fuzz/regressions/<target>/ (each a crash once found) through the ordinary build, so a
 * fixed crash stays fixed. Usage: fuzz_replay_<target> FILE_OR_DIR... */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fuzz_replay: cannot open %s\n", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  size_t got = buf && n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  if (!buf || got != (size_t)(n > 0 ? n : 0)) {
    fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
    free(buf);
    return 1;
  }
  LLVMFuzzerTestOneInput(buf, got);
  free(buf);
  printf("replayed %s (%zu bytes)\n", path, got);
  return 0;
}

int main(int argc, char **argv) {
  int failed = 0, replayed = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      struct dirent *e;
      while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
        failed |= replay_file(path);
        replayed++;
      }
      if (d) closedir(d);
    } else {
      failed |= replay_file(argv[i]);
      replayed++;
    }
  }
  printf("%d replayed, %d unreadable\n", replayed, failed);
  return failed;
}
