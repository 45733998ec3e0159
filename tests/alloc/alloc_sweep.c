/* Allocation-failure sweep (issue 8, after SQLite's and Lua's fault-injection tests): what
 * `hydrac run MODEL INPUT.pb... -o DIR` does (read the inputs, import, passes, codegen, JIT,
 * session create, run, write the outputs), once for every N with the Nth allocation failing.
 * The hook is malloc itself: this program replaces glibc's malloc family, so every allocation of
 * the process fails through it, Hydra's, protobuf-c's, libc's and LLVM's (operator new
 * included). Each N ends in a child process that must end with HY_OK and the outputs of a clean
 * run, or with an error status and a message about memory. A signal, an exit without a verdict
 * or a hang is a failure of the sweep.
 *
 *   alloc_sweep [--verbose] [--first F] [--last L] [--stride S] [--threads T] MODEL.onnx
 *               INPUT.pb...
 *   alloc_sweep --at N MODEL.onnx INPUT.pb...     (one N in-process, for a debugger, then a
 *                                                  second run in the same process)
 *
 * fails every N in 1..F, every N in the last L allocations, and every S-th N in between (the
 * defaults 0, 0 and 1 fail every N) of the whole run (single-threaded: sweep_whole); then every N
 * of what follows the compile, on T threads, each in a fresh process (sweep_fresh).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
static bool g_in_hook; /* the sweep's own bookkeeping, which allocates too: not counted */
static bool g_server;  /* fork a child at each selected allocation (fork_point) */
static bool g_child;   /* this process is such a child */
static bool fork_point(long k);

static bool fail_now(void) {
  if (!g_armed || g_in_hook) return false;
  long k = atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed) + 1;
  if (k != g_fail_at && !(g_server && fork_point(k))) return false;
  errno = ENOMEM;
  return true;
}

/* ---- leaks: while g_track is set, every block the process allocates is recorded with the
 * address it was allocated from, and forgotten when freed. What is left at the end of a run and
 * was allocated from this program's own code (Hydra's libraries are linked into it statically)
 * is a leak of Hydra's. Blocks from libLLVM and libstdc++ (operator new) are LLVM's: a bad_alloc
 * caught at llvm_guard.cpp leaks what LLVM was building, by design (docs/reliability.md). ---- */

enum { TRACK_SLOTS = 1 << 22 }; /* open addressing; a run allocates about a million blocks */
#define TOMB ((void *)1)

static struct tracked {
  void *p;
  void *from;
} *g_tab;
static bool g_track;
extern char __executable_start, etext; /* this program's code (GNU ld) */

static size_t slot_of(const void *p) {
  return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15u) & (TRACK_SLOTS - 1);
}

static long g_hydra_live; /* tracked blocks allocated from Hydra's code, still live */

static bool from_hydra(const char *from) { return from >= &__executable_start && from < &etext; }

static void *track(void *p, void *from) {
  if (!p || !g_track || g_in_hook) return p;
  for (size_t i = slot_of(p);; i = (i + 1) & (TRACK_SLOTS - 1))
    if (!g_tab[i].p || g_tab[i].p == TOMB) {
      g_tab[i] = (struct tracked){p, from};
      g_hydra_live += from_hydra(from);
      return p;
    }
}

static void untrack(void *p) {
  if (!p || !g_tab) return;
  for (size_t i = slot_of(p); g_tab[i].p; i = (i + 1) & (TRACK_SLOTS - 1))
    if (g_tab[i].p == p) {
      g_tab[i].p = TOMB;
      g_hydra_live -= from_hydra(g_tab[i].from);
      return;
    }
}

static struct tracked *new_table(void) {
  g_hydra_live = 0;
  void *t = mmap(NULL, TRACK_SLOTS * sizeof *g_tab, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (t != MAP_FAILED) return t;
  perror("alloc_sweep: the table of live blocks");
  return NULL;
}

/* Hydra's blocks still live: how many, and where the first was allocated from (a scan of the
 * table, only when there are some). */
static long hydra_blocks(void **first) {
  *first = NULL;
  for (size_t i = 0; g_hydra_live && g_tab && i < TRACK_SLOTS && !*first; i++)
    if (g_tab[i].p && g_tab[i].p != TOMB && from_hydra(g_tab[i].from)) *first = g_tab[i].from;
  return g_hydra_live;
}

#define FROM __builtin_return_address(0)
void *malloc(size_t n) { return fail_now() ? NULL : track(__libc_malloc(n), FROM); }
void *calloc(size_t n, size_t m) { return fail_now() ? NULL : track(__libc_calloc(n, m), FROM); }
void *realloc(void *p, size_t n) {
  if (fail_now()) return NULL;
  void *q = __libc_realloc(p, n);
  if (q || !n) untrack(p);
  return track(q, FROM);
}
void free(void *p) {
  untrack(p);
  __libc_free(p);
}
static void *aligned(size_t a, size_t n, void *from) {
  return fail_now() ? NULL : track(__libc_memalign(a, n), from);
}
void *memalign(size_t a, size_t n) { return aligned(a, n, FROM); }
void *aligned_alloc(size_t a, size_t n) { return aligned(a, n, FROM); }
int posix_memalign(void **out, size_t a, size_t n) {
  void *p = aligned(a, n, FROM);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void *valloc(size_t n) { return aligned((size_t)sysconf(_SC_PAGESIZE), n, FROM); }
void *pvalloc(size_t n) {
  size_t pg = (size_t)sysconf(_SC_PAGESIZE);
  return aligned(pg, (n + pg - 1) / pg * pg, FROM);
}

/* ---- one run ---- */

enum { V_OK = 1, V_ERROR, V_WRONG, V_NO_MESSAGE, V_MISREPORT, V_LEAK };

/* What a child tells the parent through shared memory. */
typedef struct verdict {
  int kind;
  hy_status status;
  long allocations;
  char msg[512];
  uint32_t out_hash;   /* of every output's bytes, to compare a successful run with the clean one */
  long leaked;         /* Hydra's blocks left at the end (served runs) */
  uintptr_t leak_from; /* where the first was allocated, from the start of this program */
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
    hc_run_options opt = {.n_threads = 1}; /* served: see sweep_whole */
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

/* What a child does first: no more failures, a verdict or a signal within 120 s. */
static void child_start(void) {
  g_server = false;
  alarm(60); /* a hang is a failure too (a clean run takes seconds) */
  signal(SIGSEGV, on_crash);
  signal(SIGBUS, on_crash);
  signal(SIGABRT, on_crash);
  signal(SIGALRM, on_crash); /* where it hung */
}

/* The wait for a child: 0 when it ended with a verdict, else the wait status (-1: no child). */
static int wait_child(pid_t pid, const verdict *v) {
  if (pid < 0) return -1;
  int ws;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && v->kind ? 0 : (ws ? ws : -1);
}

/* Forks a child that runs once with allocation fail_at failing (-1: none); wait_child's value. */
static int run_child(long fail_at, const sweep_job *j, verdict *v) {
  memset(v, 0, sizeof *v);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    child_start();
    atomic_store(&g_count, 0);
    g_fail_at = fail_at;
    g_tab = new_table(); /* what this run allocates, not what the parent holds */
    g_track = g_armed = g_tab != NULL;
    run_once(j, v);
    g_track = g_armed = false;
    void *first_leak;
    v->leaked = hydra_blocks(&first_leak);
    v->leak_from = (uintptr_t)((char *)first_leak - &__executable_start);
    v->allocations = atomic_load(&g_count);
    _exit(0);
  }
  return wait_child(pid, v);
}

typedef struct tally {
  long points, ok, clean, oom, bad;
} tally;

/* Judges failure point k from its child's wait status ws and verdict v, against the outputs of
 * a clean run (want); prints it when bad (or verbose). */
static void judge(long k, long total, int ws, verdict *v, uint32_t want, bool verbose, tally *t) {
  t->points++;
  if (!ws && v->kind == V_OK && v->out_hash != want) v->kind = V_WRONG;
  if (!ws && v->leaked) v->kind = V_LEAK;
  /* Another status than out-of-memory must still say it was memory (a libc call's ENOMEM), not
   * blame the model or the caller. */
  if (!ws && v->kind == V_ERROR && v->status != HY_ERR_OUT_OF_MEMORY &&
      !strcasestr(v->msg, "memory"))
    v->kind = V_MISREPORT;
  if (!ws && (v->kind == V_OK || v->kind == V_ERROR)) {
    t->ok += v->kind == V_OK;
    t->clean += v->kind == V_ERROR;
    t->oom += v->kind == V_ERROR && v->status == HY_ERR_OUT_OF_MEMORY;
    if (verbose)
      printf("N=%ld (%ld from the end): %s: %s\n", k, total - k, hy_status_name(v->status), v->msg);
  } else {
    t->bad++;
    if (ws == -1)
      printf("N=%ld: cannot fork: %s\n", k, strerror(errno));
    else if (ws && WIFSIGNALED(ws))
      printf("N=%ld: killed by signal %d (%s)\n", k, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    else if (ws)
      printf("N=%ld: exited with status %d and no verdict\n", k, WEXITSTATUS(ws));
    else
      printf("N=%ld: %s: %s\n", k,
             v->kind == V_WRONG       ? "reported success with other outputs"
             : v->kind == V_MISREPORT ? "blamed something else than memory"
             : v->kind == V_LEAK      ? "leaked (addr2line -e alloc_sweep -f the address below)"
                                      : "failed without a message",
             v->msg);
    if (!ws && v->kind == V_LEAK)
      printf("  %ld blocks of Hydra's left, the first allocated from 0x%lx\n", v->leaked,
             (unsigned long)v->leak_from);
  }
  fflush(stdout);
}

static void summary(const char *what, long total, long first, long last, long stride,
                    const tally *t) {
  printf("alloc_sweep: %s: %ld allocations in a clean run; %ld failure points (the first %ld, "
         "the last %ld, every %ld-th between): %ld ran fine, %ld ended with an error and a "
         "message (%ld out of memory), %ld crashed, hung, misreported or leaked\n",
         what, total, t->points, first, last, stride, t->ok, t->clean, t->oom, t->bad);
  fflush(stdout);
}

/* ---- the whole run, served: one run forks a child at each selected allocation, and the child
 * goes on with that allocation failed. A child costs a fork and the way from the failure to the
 * end (an error path is short), not the run up to N, so every N of a million is hours, not
 * weeks; and N counts the allocations of one run exactly. What parent and child share is put
 * right: the parent puts the output folder and its files' offsets back after each child, and the
 * child takes its parent's thread id (take_server_tid). The run must be single-threaded (a fork
 * keeps only the forking thread). ---- */

enum { MAX_FDS = 64, MAX_FILES = 64 };

static struct {
  long first, tail, stride, total;
  time_t start;
  uint32_t want;
  bool verbose;
  verdict *v; /* shared with the children */
  tally t;
  const char *dir;
  struct {
    int fd;
    off_t off;
  } fds[MAX_FDS];
  int n_fds;
  struct {
    char name[256];
    char *data;
    size_t len;
  } files[MAX_FILES];
  int n_files;
} g_srv;

static char *slurp(int dirfd, const char *name, size_t *len) {
  int fd = openat(dirfd, name, O_RDONLY);
  struct stat st;
  char *p = NULL;
  if (fd >= 0 && fstat(fd, &st) == 0 && (p = malloc((size_t)st.st_size + 1)))
    *len = (size_t)pread(fd, p, (size_t)st.st_size, 0);
  if (fd >= 0) close(fd);
  return p;
}

/* What a child could change: the output folder's files and the offsets of open files (a forked
 * descriptor shares its offset). */
static void files_save(void) {
  g_srv.n_fds = 0;
  DIR *d = opendir("/proc/self/fd");
  for (struct dirent *e; d && (e = readdir(d));) {
    int fd = atoi(e->d_name);
    struct stat st;
    if (fd < 3 || fd == dirfd(d) || g_srv.n_fds == MAX_FDS || fstat(fd, &st) != 0 ||
        !S_ISREG(st.st_mode))
      continue;
    g_srv.fds[g_srv.n_fds].fd = fd;
    g_srv.fds[g_srv.n_fds++].off = lseek(fd, 0, SEEK_CUR);
  }
  if (d) closedir(d);
  for (int i = 0; i < g_srv.n_files; i++)
    free(g_srv.files[i].data);
  g_srv.n_files = 0;
  d = opendir(g_srv.dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_type != DT_REG || g_srv.n_files == MAX_FILES) continue;
    snprintf(g_srv.files[g_srv.n_files].name, 256, "%s", e->d_name);
    size_t len = 0;
    g_srv.files[g_srv.n_files].data = slurp(dirfd(d), e->d_name, &len);
    g_srv.files[g_srv.n_files++].len = len;
  }
  if (d) closedir(d);
}

static void files_restore(void) {
  for (int i = 0; i < g_srv.n_fds; i++)
    lseek(g_srv.fds[i].fd, g_srv.fds[i].off, SEEK_SET);
  DIR *d = opendir(g_srv.dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    bool kept = false;
    for (int i = 0; i < g_srv.n_files && !kept; i++)
      kept = !strcmp(g_srv.files[i].name, e->d_name);
    if (e->d_type == DT_REG && !kept) unlinkat(dirfd(d), e->d_name, 0);
  }
  for (int i = 0; d && i < g_srv.n_files; i++) {
    int fd = openat(dirfd(d), g_srv.files[i].name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) continue;
    if (g_srv.files[i].data && write(fd, g_srv.files[i].data, g_srv.files[i].len) < 0)
      perror("alloc_sweep: restoring the output folder");
    close(fd);
  }
  if (d) closedir(d);
}

/* A forked child differs from its parent in one thing that matters here: its thread id. glibc
 * records a mutex's owner by the id kept in the thread's descriptor, so a recursive lock the
 * parent held when it forked (LLVM holds its context's lock through a whole compile) would neither
 * be taken again nor released by the child, which would hang where a real run goes on. The
 * child puts its parent's id back into the descriptor; only lock ownership reads it (glibc's
 * raise and abort ask the kernel). The field is found by its value, and used only when the child
 * sees its own id there after the fork. */
static int g_tid_off = -1;
static pid_t g_server_tid;

static void find_tid_field(void) {
  g_server_tid = gettid();
  const char *self = (const char *)pthread_self();
  for (int o = 0; o + (int)sizeof(pid_t) <= 1024 && g_tid_off < 0; o += (int)sizeof(pid_t))
    if (!memcmp(self + o, &g_server_tid, sizeof(pid_t))) g_tid_off = o;
}

static void take_server_tid(void) {
  char *self = (char *)pthread_self();
  pid_t mine = gettid();
  if (g_tid_off >= 0 && !memcmp(self + g_tid_off, &mine, sizeof mine))
    memcpy(self + g_tid_off, &g_server_tid, sizeof g_server_tid);
  else
    g_tid_off = -1; /* not glibc's layout: a child may hang on a held lock (reported) */
}

/* Called by the hook for allocation k of the serving run: true in a child (k then fails). */
static bool fork_point(long k) {
  if (!(k <= g_srv.first || k >= g_srv.tail || (k - g_srv.first) % g_srv.stride == 0)) return false;
  int saved = errno;
  g_in_hook = true;
  files_save();
  memset(g_srv.v, 0, sizeof *g_srv.v);
  pid_t pid = fork();
  if (pid == 0) {
    child_start();
    take_server_tid();
    g_child = true;
    g_in_hook = false;
    return true;
  }
  judge(k, g_srv.total, wait_child(pid, g_srv.v), g_srv.v, g_srv.want, g_srv.verbose, &g_srv.t);
  if (g_srv.t.points % 20000 == 0) { /* a long sweep shows it is alive */
    printf("alloc_sweep: at N=%ld of about %ld, %ld points so far, %ld bad, %lds\n", k, g_srv.total,
           g_srv.t.points, g_srv.t.bad, (long)(time(NULL) - g_srv.start));
    fflush(stdout);
  }
  files_restore();
  g_in_hook = false;
  errno = saved; /* a successful allocation leaves errno alone */
  return false;
}

/* Fails every N in 1..first, every N of the last `last` and every stride-th between, each in a
 * child of one serving run; returns how many crashed, hung or misreported. */
static long sweep_whole(const sweep_job *j, long first, long last, long stride, bool verbose,
                        verdict *v) {
  int ws = run_child(-1, j, v); /* the outputs to expect, and the count for `last` */
  if (ws || v->kind != V_OK || v->leaked) {
    printf("alloc_sweep: hydrac run: the clean run failed (wait status %d): %s\n", ws, v->msg);
    return 1;
  }
  g_srv.first = first;
  g_srv.total = v->allocations;
  g_srv.tail = last ? v->allocations - last + 1 : LONG_MAX;
  g_srv.stride = stride;
  uint32_t want = g_srv.want = v->out_hash;
  g_srv.verbose = verbose;
  g_srv.v = v;
  g_srv.dir = j->dir;
  find_tid_field();
  g_srv.start = time(NULL);
  fflush(NULL);
  verdict mine;
  atomic_store(&g_count, 0);
  g_fail_at = -1;
  g_server = g_armed = true;
  if (!(g_tab = new_table())) return 1;
  g_track = true;
  run_once(j, &mine);
  g_server = g_armed = g_track = false;
  void *first_leak;
  mine.leaked = hydra_blocks(&first_leak);
  mine.leak_from = (uintptr_t)((char *)first_leak - &__executable_start);
  if (g_child) { /* a child that ran on from its failed allocation */
    mine.allocations = atomic_load(&g_count);
    *v = mine;
    _exit(0);
  }
  long total = atomic_load(&g_count);
  if (mine.kind != V_OK || mine.out_hash != want || mine.leaked) {
    printf("alloc_sweep: hydrac run: the serving run itself failed (%ld blocks of Hydra's left, "
           "the first from 0x%lx): %s\n",
           mine.leaked, (unsigned long)mine.leak_from, mine.msg);
    g_srv.t.bad++;
  }
  summary("hydrac run", total, first, last, stride, &g_srv.t);
  return g_srv.t.bad;
}

/* Every N of a cheap run, each in a fresh child: what follows the compile. */
static long sweep_fresh(const char *what, const sweep_job *j, bool verbose, verdict *v) {
  int ws = run_child(-1, j, v);
  if (ws || v->kind != V_OK || v->leaked) {
    printf("alloc_sweep: %s: the clean run failed (wait status %d): %s\n", what, ws, v->msg);
    return 1;
  }
  long total = v->allocations;
  uint32_t want = v->out_hash;
  tally t = {0};
  for (long k = 1; k <= total; k++)
    judge(k, total, run_child(k, j, v), v, want, verbose, &t);
  summary(what, total, 0, 0, 1, &t);
  return t.bad;
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
    /* then a clean run in the same process: it works, or, if N failed inside LLVM's one-time
     * set-up, which cannot be redone in a process (llvm_guard.cpp), it says so; never a hang
     * or a deadlock error */
    alarm(60);
    run_once(&j, &one);
    printf("again: %s %s\n", hy_status_name(one.status), one.msg);
    bool refused = one.status == HY_ERR_OUT_OF_MEMORY && strstr(one.msg, "cannot be set up again");
    return one.status != HY_OK && !refused;
  }
  void *warm[1];
  backtrace(warm, 1); /* loads the unwinder now, not in a crashing child */
  verdict *v = mmap(NULL, sizeof *v, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!mkdtemp(dir) || v == MAP_FAILED) {
    perror("alloc_sweep");
    return 2;
  }
  j.dir = dir;
  long bad = sweep_whole(&j, first, last, stride, verbose, v);

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
    bad += sweep_fresh("session create, run, outputs", &j, verbose, v);
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
