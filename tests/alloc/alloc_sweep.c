/* Allocation-failure sweep (issue 8, after SQLite's and Lua's fault-injection tests): what
 * `hydrac run MODEL INPUT.pb... -o DIR` does (read the inputs, import, passes, codegen, JIT,
 * session create, run, write the outputs), once for every N with the Nth allocation failing.
 * The hook is malloc itself: this program replaces glibc's malloc family, so every allocation of
 * the process fails through it, Hydra's, protobuf-c's, libc's and LLVM's (operator new
 * included). Each N runs in a forked child (LLVM's state after a failure inside it is not
 * reused); the child must end with HY_OK and the outputs of a clean run, or with an error status
 * and a message. A signal, an exit without a verdict or a hang is a failure of the sweep.
 *
 *   alloc_sweep [--verbose] [--first F] [--last L] [--stride S] [--threads T] MODEL.onnx
 * INPUT.pb... alloc_sweep --at N MODEL.onnx INPUT.pb...     (one N in-process, for a debugger)
 *
 * fails every N in 1..F, every N in the last L allocations, and every S-th N in between (the
 * defaults 0, 0 and 1 fail every N). A small run makes about a million allocations, nearly all
 * inside LLVM, which is why the dense ends: the first thousands are the import and the passes,
 * the last hundreds session create, the run and the tensor I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/run_model.h"
#include "tensor_io.h"

/* ---- the hook: glibc's allocator underneath, the Nth call (1-based, counted once armed)
 * returns NULL ---- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static atomic_long g_count; /* allocations since arming */
static long g_fail_at = -1; /* which one fails; -1: none */
static bool g_armed;

static bool fail_now(void) {
  if (!g_armed) return false;
  long k = atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed) + 1;
  if (k != g_fail_at) return false;
  errno = ENOMEM;
  return true;
}

void *malloc(size_t n) { return fail_now() ? NULL : __libc_malloc(n); }
void *calloc(size_t n, size_t m) { return fail_now() ? NULL : __libc_calloc(n, m); }
void *realloc(void *p, size_t n) { return fail_now() ? NULL : __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t a, size_t n) { return fail_now() ? NULL : __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
  void *p = memalign(a, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void *valloc(size_t n) { return memalign((size_t)sysconf(_SC_PAGESIZE), n); }
void *pvalloc(size_t n) {
  size_t pg = (size_t)sysconf(_SC_PAGESIZE);
  return memalign(pg, (n + pg - 1) / pg * pg);
}

/* ---- one run ---- */

enum { V_OK = 1, V_ERROR, V_WRONG, V_NO_MESSAGE, V_MISREPORT };

/* What a child tells the parent through shared memory. */
typedef struct verdict {
  int kind;
  hy_status status;
  long allocations;
  char msg[512];
  uint32_t out_hash; /* of every output's bytes, to compare a successful run with the clean one */
} verdict;

static uint32_t fnv(uint32_t h, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ ((const uint8_t *)p)[i]) * 16777619u;
  return h;
}

/* What one child runs: the whole of hydrac run, or (compiled set) only what follows the
 * compile, on a model the parent compiled: session create, the run, the outputs written and
 * read back. The second is cheap, so every N of it is failed. */
typedef struct sweep_job {
  const char *model;
  char **inputs;
  int n_in, threads;
  const char *dir;
  const hy_model *compiled;
  const hy_tensor *in; /* the inputs, read by the parent (compiled set) */
} sweep_job;

/* Writes each output to dir, reads it back and hashes what was read. */
static hy_status write_outputs(const char *dir, const hy_tensor *out, char **names, int32_t n_out,
                               uint32_t *hash, char *err, size_t errlen) {
  hy_status s = HY_OK;
  *hash = 2166136261u;
  for (int32_t i = 0; !s && i < n_out; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/output_%d.pb", dir, i);
    s = pb_tensor_write(path, &out[i], names ? names[i] : NULL, err, errlen);
    hy_tensor back;
    if (!s) s = pb_tensor_read(path, &back, NULL, err, errlen);
    if (!s) {
      *hash = fnv(*hash, back.data, hy_tensor_bytes(&back));
      pb_tensor_free(&back);
    }
  }
  return s;
}

/* hydrac run's path: read inputs, hc_run_model_named, write each output (then read it back). */
static hy_status run_whole(const sweep_job *j, uint32_t *hash, char *err, size_t errlen) {
  hy_tensor in[64];
  memset(in, 0, sizeof in);
  hy_status s = HY_OK;
  for (int i = 0; !s && i < j->n_in; i++)
    s = pb_tensor_read(j->inputs[i], &in[i], NULL, err, errlen);
  hy_tensor *out = NULL;
  int32_t n_out = 0;
  char **names = NULL;
  if (!s) {
    diag d;
    diag_init(&d);
    hc_run_options opt = {.n_threads = j->threads};
    s = hc_run_model_named(j->model, in, j->n_in, &opt, &out, &n_out, &names, &d);
    if (s) snprintf(err, errlen, "%.1000s", d.msg);
  }
  if (!s) s = write_outputs(j->dir, out, names, n_out, hash, err, errlen);
  hc_tensors_free(out, n_out);
  hc_names_free(names, n_out);
  for (int i = 0; i < j->n_in; i++)
    pb_tensor_free(&in[i]);
  return s;
}

/* After the compile: a session on the compiled model, one checked run, the outputs' I/O. */
static hy_status run_session(const sweep_job *j, uint32_t *hash, char *err, size_t errlen) {
  const hy_model *m = j->compiled;
  hy_session_options so = {.n_threads = j->threads};
  hy_session *ses = NULL;
  hy_status s = hy_session_create(m, &so, &ses);
  if (s) {
    snprintf(err, errlen, "cannot create a session: %s", hy_session_error(NULL));
    return s;
  }
  hy_tensor *out = calloc((size_t)m->n_outputs + 1, sizeof *out);
  int32_t made = 0;
  for (; out && made < m->n_outputs; made++) {
    const hy_io_desc *o = &m->outputs[made];
    out[made] = (hy_tensor){.dtype = o->dtype, .rank = o->rank};
    memcpy(out[made].dims, o->dims, sizeof o->dims);
    size_t bytes = hy_tensor_bytes(&out[made]);
    if (!(out[made].data = malloc(bytes ? bytes : 1))) break;
  }
  if (!out || made < m->n_outputs) {
    s = HY_ERR_OUT_OF_MEMORY;
    snprintf(err, errlen, "out of memory for the outputs");
  }
  if (!s && (s = hy_session_run_tensors(ses, j->in, j->n_in, out, m->n_outputs)))
    snprintf(err, errlen, "run failed: %s", hy_session_error(ses));
  if (!s) s = write_outputs(j->dir, out, NULL, m->n_outputs, hash, err, errlen);
  hc_tensors_free(out, made);
  hy_session_destroy(ses);
  return s;
}

static void run_once(const sweep_job *j, verdict *v) {
  char err[1024] = "";
  uint32_t h = 0;
  hy_status s =
      j->compiled ? run_session(j, &h, err, sizeof err) : run_whole(j, &h, err, sizeof err);
  v->status = s;
  v->out_hash = h;
  snprintf(v->msg, sizeof v->msg, "%.500s", err);
  v->kind = s == HY_OK ? V_OK : err[0] ? V_ERROR : V_NO_MESSAGE;
}

/* A crashing child prints where, before dying of the same signal (addr2line reads the
 * addresses). */
static void on_crash(int sig) {
  void *frames[48];
  int n = backtrace(frames, 48);
  g_armed = false;
  backtrace_symbols_fd(frames, n, 2);
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Forks a child that runs once with allocation fail_at failing (-1: none); 0 when it ended with a
 * verdict, else the wait status. */
static int run_child(long fail_at, const sweep_job *j, verdict *v) {
  memset(v, 0, sizeof *v);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    alarm(120); /* a hang is a failure too */
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    g_fail_at = fail_at;
    g_armed = true;
    run_once(j, v);
    g_armed = false;
    v->allocations = atomic_load(&g_count);
    _exit(0);
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && v->kind ? 0 : (ws ? ws : -1);
}

/* Fails every N in 1..first, every S-th up to the last `last`, and each of those; prints the
 * failures and a summary; returns how many crashed, hung or misreported. */
static long sweep(const char *what, const sweep_job *j, long first, long last, long stride,
                  bool verbose, verdict *v) {
  int ws = run_child(-1, j, v);
  if (ws || v->kind != V_OK) {
    printf("alloc_sweep: %s: the clean run failed (wait status %d): %s\n", what, ws, v->msg);
    return 1;
  }
  long total = v->allocations;
  uint32_t want = v->out_hash;
  long n = 0, ok = 0, clean = 0, oom = 0, bad = 0;
  long tail = total - last + 1; /* where the dense end starts */
  for (long k = 1; k <= total; k = k < first || k >= tail ? k + 1
                                   : k + stride < tail    ? k + stride
                                                          : tail) {
    n++;
    ws = run_child(k, j, v);
    if (!ws && v->kind == V_OK && v->out_hash != want) v->kind = V_WRONG;
    /* Another status than out-of-memory must still say it was memory (a libc call's ENOMEM),
     * not blame the model or the caller. */
    if (!ws && v->kind == V_ERROR && v->status != HY_ERR_OUT_OF_MEMORY &&
        !strcasestr(v->msg, "memory"))
      v->kind = V_MISREPORT;
    if (!ws && (v->kind == V_OK || v->kind == V_ERROR)) {
      ok += v->kind == V_OK;
      clean += v->kind == V_ERROR;
      oom += v->kind == V_ERROR && v->status == HY_ERR_OUT_OF_MEMORY;
      if (verbose)
        printf("N=%ld (%ld from the end): %s: %s\n", k, total - k, hy_status_name(v->status),
               v->msg);
    } else {
      bad++;
      if (ws && WIFSIGNALED(ws))
        printf("N=%ld: killed by signal %d (%s)\n", k, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
      else if (ws)
        printf("N=%ld: exited with status %d and no verdict\n", k, WEXITSTATUS(ws));
      else
        printf("N=%ld: %s: %s\n", k,
               v->kind == V_WRONG       ? "reported success with other outputs"
               : v->kind == V_MISREPORT ? "blamed something else than memory"
                                        : "failed without a message",
               v->msg);
    }
  }
  printf("alloc_sweep: %s: %ld allocations in a clean run; %ld failure points (the first %ld, "
         "the last %ld, every %ld-th between): %ld ran fine, %ld ended with an error and a "
         "message (%ld out of memory), %ld crashed, hung or misreported\n",
         what, total, n, first, last, stride, ok, clean, oom, bad);
  fflush(stdout);
  return bad;
}

/* The parent's own compile of the model for the session phase (never failed on purpose). */
static hy_status compile_once(const char *model, char **inputs, int n_in, hy_tensor *in, arena *a,
                              diag *d, cg_jit **jit) {
  pass_binding b[64];
  char *names[64] = {0};
  char err[1024];
  hy_status s = HY_OK;
  for (int i = 0; !s && i < n_in; i++) {
    if ((s = pb_tensor_read(inputs[i], &in[i], &names[i], err, sizeof err)))
      return diag_error(d, s, "%s", err);
    b[i] = (pass_binding){.input = names[i], .rank = in[i].rank, .value = in[i].data};
    memcpy(b[i].dims, in[i].dims, sizeof b[i].dims);
  }
  ir_graph *g;
  s = hc_compile_graph(a, d, model, b, n_in, &g);
  if (!s) s = cg_jit_compile(g, "model", NULL, jit);
  for (int i = 0; i < n_in; i++)
    free(names[i]);
  return s;
}

int main(int argc, char **argv) {
  long stride = 1, first = 0, last = 0;
  int threads = 1, a = 1;
  bool verbose = false;
  for (; a + 1 < argc && argv[a][0] == '-' && argv[a][1] == '-'; a += 2) {
    if (!strcmp(argv[a], "--verbose")) {
      verbose = true;
      a--;
    } else if (!strcmp(argv[a], "--stride"))
      stride = atol(argv[a + 1]);
    else if (!strcmp(argv[a], "--first"))
      first = atol(argv[a + 1]);
    else if (!strcmp(argv[a], "--last"))
      last = atol(argv[a + 1]);
    else if (!strcmp(argv[a], "--threads"))
      threads = atoi(argv[a + 1]);
    else if (!strcmp(argv[a], "--at"))
      first = -atol(argv[a + 1]); /* one N, for a debugger */
    else
      break;
  }
  if (argc - a < 1 || stride < 1 || last < 0 || argc - a - 1 > 64) {
    fprintf(stderr, "usage: alloc_sweep [--verbose] [--first F] [--last L] [--stride S] "
                    "[--threads T] MODEL.onnx INPUT.pb...\n");
    return 2;
  }
  char dir[] = "/tmp/hydra_alloc_sweep_XXXXXX";
  sweep_job j = {argv[a], argv + a + 1, argc - a - 1, threads, "/tmp", NULL, NULL};
  if (first < 0) { /* --at N: in this process, where gdb sees the fault */
    verdict one;
    g_fail_at = -first;
    g_armed = true;
    run_once(&j, &one);
    g_armed = false;
    printf("N=%ld: %s: %s\n", -first, hy_status_name(one.status), one.msg);
    alarm(60); /* then a clean run in the same process: nothing LLVM held is in the way */
    run_once(&j, &one);
    printf("again: %s %s\n", hy_status_name(one.status), one.msg);
    return one.status != HY_OK;
  }
  void *warm[1];
  backtrace(warm, 1); /* loads the unwinder now, not in a crashing child */
  verdict *v = mmap(NULL, sizeof *v, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!mkdtemp(dir) || v == MAP_FAILED) {
    perror("alloc_sweep");
    return 2;
  }
  j.dir = dir;
  long bad = sweep("hydrac run", &j, first, last, stride, verbose, v);

  /* every N of what follows the compile, on one compile in this process */
  hy_tensor in[64];
  memset(in, 0, sizeof in);
  arena ar;
  arena_init(&ar);
  diag d;
  diag_init(&d);
  cg_jit *jit = NULL;
  if (compile_once(j.model, j.inputs, j.n_in, in, &ar, &d, &jit)) {
    printf("alloc_sweep: cannot compile %s: %s\n", j.model, d.msg);
    bad++;
  } else {
    j.compiled = cg_jit_model(jit);
    j.in = in;
    bad += sweep("session create, run, outputs", &j, 0, 0, 1, verbose, v);
  }
  cg_jit_free(jit);
  arena_free(&ar);
  for (int i = 0; i < j.n_in; i++)
    pb_tensor_free(&in[i]);
  for (int i = 0;; i++) {
    char path[64];
    snprintf(path, sizeof path, "%s/output_%d.pb", dir, i);
    if (unlink(path) != 0) break;
  }
  rmdir(dir);
  return bad ? 1 : 0;
}
