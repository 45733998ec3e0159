/* hydrac: the command-line compiler. Dispatches to one command per file (cmd_*.c). */
#include <string.h>

#include "driver/driver.h"

static const char usage[] =
    "usage: hydrac <command> [options]\n"
    "\n"
    "commands:\n"
    "  run      MODEL.onnx [INPUT.pb ...] [-o OUTDIR]   compile in-process and run once\n"
    "  compile  MODEL.onnx -o NAME.o [--header NAME.h] [--name NAME] [--shape in=1x128 ...]\n"
    "                                                   write an object file and its C header\n"
    "  inspect  MODEL.onnx [--shape ...] [--json]       the graph after optimisation\n"
    "  bench    MODEL.onnx [--shape ...] [--iters N]    time the compiled model\n"
    "\n"
    "'hydrac help <command>' (or 'hydrac <command> --help') describes its options.\n";

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"run", cmd_run}, {"compile", cmd_compile}, {"inspect", cmd_inspect}, {"bench", cmd_bench}};

static const command *find_command(const char *name) {
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(name, commands[i].name)) return &commands[i];
  fprintf(stderr, "hydrac: unknown command '%s'\n\n%s", name, usage);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return DRV_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    if (argc == 2) {
      fputs(usage, stdout);
      return DRV_EXIT_OK;
    }
    if (argc > 3) {
      fprintf(stderr, "hydrac: help takes one command\n\n%s", usage);
      return DRV_EXIT_USAGE;
    }
    /* "help CMD" is "CMD --help": each command owns its help text. */
    const command *c = find_command(argv[2]);
    char *help_argv[] = {argv[0], argv[2], "--help", NULL};
    return c ? c->run(3, help_argv) : DRV_EXIT_USAGE;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("hydrac 0.1.0\n");
    return DRV_EXIT_OK;
  }
  const command *c = find_command(argv[1]);
  return c ? c->run(argc, argv) : DRV_EXIT_USAGE;
}
