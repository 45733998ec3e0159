/* hydra_conformance: runs the ONNX backend test suite through hc_run_model (the path of
 * `hydrac run`), each case in a forked child with a timeout, and reports pass/fail/unsupported
 * per case and per op; checks the checked-in list of cases that must pass. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "ir/ir.h"
#include "model_file.h"
#include "random_check.h"
#include "run/run_model.h"
#include "scope.h"
#include "tensor_io.h"

#define REASON_MAX 600
/* The verdict of a random case that passed on dtype, shape and plausible values alone. */
#define RANDOM_PASS "pass (random: shape and dtype only)"
/* A child gets --timeout seconds of CPU, and WALL_FACTOR times that in wall-clock time (a
 * blocked child uses no CPU). */
#define WALL_FACTOR 10

static const char *const SUITES[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};

typedef enum { ST_PENDING, ST_PASS, ST_FAIL, ST_UNSUPPORTED } case_status;

typedef struct tcase {
  char *name; /* "node/test_add" */
  char *dir;
  char **ops; /* distinct op types of the model (subgraphs included) */
  int n_ops;
  unsigned scope; /* scope.h: the later-work features the model uses, 0 for a tensor graph */
  case_status status;
  /* The graph holds a random-valued op (random_check.h). random_pass: it passed on dtype, shape
   * and plausible values alone, its numbers differing from the suite's. */
  bool random, random_pass;
  char reason[REASON_MAX];
} tcase;

typedef struct options {
  const char *data_dir, *filter, *expected, *report, *write_expected, *suite;
  int jobs;
  double timeout;
  bool verbose;
} options;

/* ---------------------------------------------------------------- small helpers */

/* snprintf that truncates quietly: reasons are cut to fit, by design. */
static void say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n);
  if (!q) {
    fputs("hydra_conformance: out of memory\n", stderr);
    exit(2);
  }
  return q;
}

static char *xstrdup(const char *s) { return strcpy(xrealloc(NULL, strlen(s) + 1), s); }

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of dir that start with prefix (NULL: all but dot files). */
static char **list_dir(const char *dir, const char *prefix, int *count) {
  char **names = NULL;
  int n = 0;
  DIR *d = opendir(dir);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (e->d_name[0] == '.' || (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0))
        continue;
      names = xrealloc(names, sizeof *names * (size_t)(n + 1));
      names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
  }
  if (n) qsort(names, (size_t)n, sizeof *names, cmp_str);
  *count = n;
  return names;
}

static void free_list(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------- op types of a case */

static void add_op(tcase *c, const char *domain, const char *op) {
  char buf[256];
  bool onnx = !domain || !*domain || strcmp(domain, "ai.onnx") == 0;
  say(buf, sizeof buf, "%s%s%s", onnx ? "" : domain, onnx ? "" : ":", op);
  for (int i = 0; i < c->n_ops; i++)
    if (strcmp(c->ops[i], buf) == 0) return;
  c->ops = xrealloc(c->ops, sizeof *c->ops * (size_t)(c->n_ops + 1));
  c->ops[c->n_ops++] = xstrdup(buf);
}

static void collect_ops(tcase *c, const Onnx__GraphProto *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *n = g->node[i];
    add_op(c, n->domain, n->op_type);
    for (size_t a = 0; a < n->n_attribute; a++) {
      collect_ops(c, n->attribute[a]->g);
      for (size_t k = 0; k < n->attribute[a]->n_graphs; k++) collect_ops(c, n->attribute[a]->graphs[k]);
    }
  }
}

/* Fills c->ops from the model; a model that cannot be read leaves a failure reason. */
static void read_case_ops(tcase *c) {
  char path[4096], err[REASON_MAX];
  say(path, sizeof path, "%s/model.onnx", c->dir);
  pb_model m;
  if (pb_model_open(path, &m, err, sizeof err) != HY_OK) {
    c->status = ST_FAIL;
    say(c->reason, sizeof c->reason, "%s", err);
    return;
  }
  collect_ops(c, m.proto->graph);
  c->scope = scope_of_model(m.proto);
  c->random = rc_graph_is_random(m.proto->graph);
  qsort(c->ops, (size_t)c->n_ops, sizeof *c->ops, cmp_str);
  pb_model_close(&m);
}

/* Marks the case unsupported when one of its ops is not in Hydra's op table. */
static void check_supported(tcase *c) {
  char missing[REASON_MAX - 16] = "";
  size_t k = 0;
  for (int i = 0; i < c->n_ops; i++) {
    const char *colon = strrchr(c->ops[i], ':');
    char domain[256] = "";
    const char *op = c->ops[i];
    if (colon) {
      say(domain, sizeof domain, "%.*s", (int)(colon - op), op);
      op = colon + 1;
    }
    if (ir_op_lookup(domain, op) != OP_UNKNOWN || k >= sizeof missing) continue;
    k += (size_t)snprintf(missing + k, sizeof missing - k, "%s%s", k ? ", " : "", c->ops[i]);
  }
  if (!k) return;
  c->status = ST_UNSUPPORTED;
  say(c->reason, sizeof c->reason, "no op %s", missing);
}

/* ---------------------------------------------------------------- discovery */

static void discover(const options *o, tcase **cases_out, int *n_out) {
  tcase *cases = NULL;
  int n = 0;
  for (size_t s = 0; s < sizeof SUITES / sizeof *SUITES; s++) {
    char sdir[2048];
    say(sdir, sizeof sdir, "%s/%s", o->data_dir, SUITES[s]);
    int nc;
    char **names = list_dir(sdir, NULL, &nc);
    for (int i = 0; i < nc; i++) {
      char name[1024], dir[4096], model[4200];
      say(name, sizeof name, "%s/%s", SUITES[s], names[i]);
      say(dir, sizeof dir, "%s/%s", sdir, names[i]);
      say(model, sizeof model, "%s/model.onnx", dir);
      if (!is_file(model) || (o->filter && !strstr(name, o->filter))) continue;
      cases = xrealloc(cases, sizeof *cases * (size_t)(n + 1));
      cases[n] = (tcase){.name = xstrdup(name), .dir = xstrdup(dir)};
      n++;
    }
    free_list(names, nc);
  }
  *cases_out = cases;
  *n_out = n;
}

/* ---------------------------------------------------------------- one case, in the child */

/* Reads prefix_0.pb, prefix_1.pb, ... from dir until one is missing. */
static hy_status read_tensors(const char *dir, const char *prefix, hy_tensor **out, int32_t *n,
                              char *err, size_t errlen) {
  hy_tensor *ts = NULL;
  int32_t k = 0;
  for (;; k++) {
    char path[4200];
    say(path, sizeof path, "%s/%s_%d.pb", dir, prefix, (int)k);
    if (!is_file(path)) break;
    ts = xrealloc(ts, sizeof *ts * (size_t)(k + 1));
    hy_status s = pb_tensor_read(path, &ts[k], NULL, err, errlen);
    if (s != HY_OK) return s;
  }
  *out = ts;
  *n = k;
  return HY_OK;
}

/* The verdict of a failed step: what Hydra does not implement (HY_ERR_UNSUPPORTED: an op at
 * that opset, a dtype, string/sequence data) is unsupported, anything else a failure. */
static char verdict(hy_status s) { return s == HY_ERR_UNSUPPORTED ? 'U' : 'F'; }

/* The 1.12 suite stores bfloat16 test data as uint16 tensors (numpy had no bfloat16): inputs
 * whose graph input is declared bfloat16 are read as such; such outputs are compared as ONNX's
 * backend runner compares them, as the uint16 arrays they are (cmp_bits). */
static int32_t elem_type(const Onnx__ValueInfoProto *v) {
  const Onnx__TypeProto *t = v ? v->type : NULL;
  if (!t || t->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !t->tensor_type) return 0;
  return t->tensor_type->elem_type;
}

static bool is_initializer(const Onnx__GraphProto *g, const char *name) {
  for (size_t i = 0; i < g->n_initializer; i++)
    if (!strcmp(g->initializer[i]->name, name)) return true;
  return false;
}

static void retag(hy_tensor *t, int32_t declared) {
  if (t->dtype == HY_DTYPE_UINT16 && declared == HY_DTYPE_BFLOAT16) t->dtype = HY_DTYPE_BFLOAT16;
}

static void fix_bfloat16(const char *model, hy_tensor *in, int32_t n_in, hy_tensor *exp,
                         int32_t n_exp, bool *as_bits) {
  pb_model m;
  char err[256];
  if (pb_model_open(model, &m, err, sizeof err) != HY_OK) return; /* the run will say why */
  const Onnx__GraphProto *g = m.proto->graph;
  int32_t k = 0;
  for (size_t i = 0; g && i < g->n_input && k < n_in; i++)
    if (!is_initializer(g, g->input[i]->name)) retag(&in[k++], elem_type(g->input[i]));
  for (size_t i = 0; g && i < g->n_output && (int32_t)i < n_exp; i++)
    as_bits[i] = exp[i].dtype == HY_DTYPE_UINT16 && elem_type(g->output[i]) == HY_DTYPE_BFLOAT16;
  pb_model_close(&m);
}

/* A bfloat16 output against its uint16-stored expectation, the way ONNX's backend runner checks
 * it: numpy's assert_allclose (rtol, atol) on the two uint16 arrays, so on the bit patterns.
 * This is what makes the 1.12 suite's Cast-to-bfloat16 data, made by truncating where Cast
 * rounds to nearest even, pass there: the two differ by one in the last bit. */
static bool cmp_bits(const hy_tensor *got, const hy_tensor *exp, char *err, size_t n) {
  if (got->dtype != HY_DTYPE_BFLOAT16) return cmp_tensors(got, exp, CMP_TOL_ONNX, err, n);
  int64_t count = hy_tensor_numel(exp);
  if (hy_tensor_numel(got) != count) return cmp_tensors(got, exp, CMP_TOL_ONNX, err, n);
  hy_tensor g = *got, e = *exp;
  float *gv = xrealloc(NULL, sizeof *gv * (size_t)(count + 1));
  float *ev = xrealloc(NULL, sizeof *ev * (size_t)(count + 1));
  for (int64_t i = 0; i < count; i++) {
    gv[i] = ((const uint16_t *)got->data)[i];
    ev[i] = ((const uint16_t *)exp->data)[i];
  }
  g.dtype = e.dtype = HY_DTYPE_FLOAT;
  g.data = gv;
  e.data = ev;
  bool ok = cmp_tensors(&g, &e, CMP_TOL_ONNX, err, n);
  free(gv);
  free(ev);
  return ok;
}

/* Outputs of a random case that do not match the suite's: 'R' when they pass rc_check. */
static char check_random(const char *model, const hy_tensor *in, int32_t n_in, const hy_tensor *out,
                         const hy_tensor *exp, int32_t n_exp, char *msg, size_t n) {
  pb_model m;
  char err[REASON_MAX];
  if (pb_model_open(model, &m, err, sizeof err) != HY_OK) {
    say(msg, n, "%s", err);
    return 'F';
  }
  bool ok = rc_check(m.proto->graph, in, n_in, out, exp, n_exp, err, sizeof err);
  pb_model_close(&m);
  if (!ok) say(msg, n, "%s", err);
  return ok ? 'R' : 'F';
}

/* Runs one data set: 'P', 'R' (a random case passing on dtype, shape and plausible values), or
 * 'F'/'U' with the reason in msg. */
static char run_data_set(const char *model, bool random, const char *ds_dir, const char *ds,
                         char *msg, size_t n) {
  char err[REASON_MAX];
  hy_tensor *in = NULL, *exp = NULL, *out = NULL;
  int32_t n_in = 0, n_exp = 0, n_out = 0;
  hy_status s = read_tensors(ds_dir, "input", &in, &n_in, err, sizeof err);
  if (s == HY_OK) s = read_tensors(ds_dir, "output", &exp, &n_exp, err, sizeof err);
  if (s != HY_OK) {
    say(msg, n, "%s: %s", ds, err);
    return verdict(s);
  }
  bool *as_bits = xrealloc(NULL, sizeof *as_bits * (size_t)(n_exp + 1));
  memset(as_bits, 0, sizeof *as_bits * (size_t)(n_exp + 1));
  fix_bfloat16(model, in, n_in, exp, n_exp, as_bits);
  diag d;
  diag_init(&d);
  /* ONNX's runner never checks the data against the declared input shapes; neither does this */
  hc_run_options opt = {.inputs_override_declared = true};
  s = hc_run_model(model, in, n_in, &opt, &out, &n_out, &d);
  if (s != HY_OK) {
    say(msg, n, "%s: %s: %s", ds, hy_status_name(s), d.msg);
    return verdict(s);
  }
  if (n_out != n_exp) {
    say(msg, n, "%s: %d outputs, expected %d", ds, (int)n_out, (int)n_exp);
    return 'F';
  }
  for (int32_t i = 0; i < n_exp; i++) {
    cmp_tol tol = CMP_TOL_ONNX;
    /* ONNX's backend runner (1.23) compares bfloat16 outputs to two bfloat16 ulps */
    if (exp[i].dtype == HY_DTYPE_BFLOAT16 && tol.rtol < 0x1p-6) tol.rtol = 0x1p-6;
    if (as_bits[i] ? cmp_bits(&out[i], &exp[i], err, sizeof err)
                   : cmp_tensors(&out[i], &exp[i], tol, err, sizeof err))
      continue;
    if (random) {
      char v = check_random(model, in, n_in, out, exp, n_exp, err, sizeof err);
      if (v == 'F') say(msg, n, "%s: %s", ds, err);
      return v;
    }
    say(msg, n, "%s: output %d: %s", ds, (int)i, err);
    return 'F';
  }
  return 'P'; /* the child exits right after: its allocations die with it */
}

/* Runs every test_data_set_* of the case; writes "P", "F <reason>" or "U <reason>" to fd. */
static void run_case_child(const tcase *c, int fd) {
  char model[4200], msg[REASON_MAX] = "";
  say(model, sizeof model, "%s/model.onnx", c->dir);
  int nds;
  char **sets = list_dir(c->dir, "test_data_set_", &nds);
  char v = nds > 0 ? 'P' : 'F';
  bool random_pass = false;
  if (!nds) say(msg, sizeof msg, "no test_data_set_* folder");
  for (int i = 0; (v == 'P' || v == 'R') && i < nds; i++) {
    char ds_dir[4500];
    say(ds_dir, sizeof ds_dir, "%s/%s", c->dir, sets[i]);
    v = run_data_set(model, c->random, ds_dir, sets[i], msg, sizeof msg);
    random_pass |= v == 'R';
  }
  if (v == 'P' && random_pass) v = 'R';
  char line[REASON_MAX + 4];
  int len = snprintf(line, sizeof line, "%c %s", v, msg);
  if (len > (int)sizeof line - 1) len = (int)sizeof line - 1;
  for (int off = 0; off < len;) {
    ssize_t w = write(fd, line + off, (size_t)(len - off));
    if (w <= 0) break;
    off += (int)w;
  }
}

/* ---------------------------------------------------------------- the scheduler */

typedef struct slot {
  tcase *c;
  pid_t pid;
  int fd;
  double deadline;
  bool timed_out;
  char buf[REASON_MAX + 8];
  size_t len;
} slot;

static bool start_case(slot *s, tcase *c, const options *o) {
  int p[2];
  if (pipe(p) != 0) return false;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return false;
  }
  if (pid == 0) {
    close(p[0]);
    /* CPU time, not wall time, bounds a case: a loaded machine must not fail slow cases. */
    rlim_t cpu = (rlim_t)o->timeout;
    setrlimit(RLIMIT_CPU, &(struct rlimit){cpu, cpu + 5});
    if (!o->verbose) { /* compiler chatter would bury the report */
      int null = open("/dev/null", O_WRONLY);
      if (null >= 0) dup2(null, 2), dup2(null, 1);
    }
    run_case_child(c, p[1]);
    _exit(0);
  }
  close(p[1]);
  *s = (slot){.c = c, .pid = pid, .fd = p[0], .deadline = now_s() + WALL_FACTOR * o->timeout};
  return true;
}

/* The child closed its pipe (or was killed): reap it and classify the case. */
static void finish_case(slot *s) {
  int ws = 0;
  while (waitpid(s->pid, &ws, 0) < 0 && errno == EINTR) {}
  close(s->fd);
  tcase *c = s->c;
  s->buf[s->len] = 0;
  if (s->timed_out || (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGXCPU)) {
    c->status = ST_FAIL;
    say(c->reason, sizeof c->reason, "timeout (%s limit)", s->timed_out ? "wall-clock" : "CPU");
  } else if (WIFSIGNALED(ws)) {
    c->status = ST_FAIL;
    say(c->reason, sizeof c->reason, "crashed: signal %d (%s)", WTERMSIG(ws),
             strsignal(WTERMSIG(ws)));
  } else if (s->len && (s->buf[0] == 'P' || s->buf[0] == 'R')) {
    c->status = ST_PASS;
    c->random_pass = s->buf[0] == 'R';
  } else {
    c->status = s->len && s->buf[0] == 'U' ? ST_UNSUPPORTED : ST_FAIL;
    say(c->reason, sizeof c->reason, "%s",
             s->len > 2 ? s->buf + 2 : "exited without a result");
  }
  s->c = NULL;
}

/* Reads what the child wrote; true once it hit end of file. */
static bool drain(slot *s) {
  char tmp[512];
  ssize_t r = read(s->fd, tmp, sizeof tmp);
  if (r < 0) return errno != EINTR && errno != EAGAIN;
  if (r == 0) return true;
  size_t room = sizeof s->buf - 1 - s->len;
  size_t k = (size_t)r < room ? (size_t)r : room;
  memcpy(s->buf + s->len, tmp, k);
  s->len += k;
  return false;
}

static void print_progress(const tcase *c, int done, int total, bool verbose) {
  if (c->status == ST_FAIL)
    printf("[%d/%d] FAIL %s: %s\n", done, total, c->name, c->reason);
  else if (verbose)
    printf("[%d/%d] %s %s%s%s\n", done, total,
           c->status != ST_PASS ? "unsupported" : c->random_pass ? RANDOM_PASS : "pass", c->name,
           c->status == ST_PASS ? "" : ": ", c->status == ST_PASS ? "" : c->reason);
  fflush(stdout);
}

/* Runs the pending cases, o->jobs at a time. */
static void run_all(tcase *cases, int n, const options *o) {
  slot slots[16] = {{0}};
  int jobs = o->jobs < 1 ? 1 : (o->jobs > 16 ? 16 : o->jobs);
  int next = 0, done = 0, running = 0;
  for (int i = 0; i < n; i++)
    if (cases[i].status != ST_PENDING) print_progress(&cases[i], ++done, n, o->verbose);
  for (;;) {
    for (int j = 0; j < jobs; j++) {
      while (!slots[j].c && next < n) {
        tcase *c = &cases[next++];
        if (c->status != ST_PENDING) continue;
        if (start_case(&slots[j], c, o)) {
          running++;
        } else {
          c->status = ST_FAIL;
          say(c->reason, sizeof c->reason, "fork failed: %s", strerror(errno));
          print_progress(c, ++done, n, o->verbose);
        }
      }
    }
    if (!running) break;
    struct pollfd pf[16];
    int map[16], np = 0;
    for (int j = 0; j < jobs; j++)
      if (slots[j].c) pf[np] = (struct pollfd){.fd = slots[j].fd, .events = POLLIN}, map[np++] = j;
    poll(pf, (nfds_t)np, 200);
    double t = now_s();
    for (int k = 0; k < np; k++) {
      slot *s = &slots[map[k]];
      bool eof = (pf[k].revents & (POLLIN | POLLHUP | POLLERR)) && drain(s);
      if (!eof && t > s->deadline && !s->timed_out) {
        s->timed_out = true;
        kill(s->pid, SIGKILL);
      }
      if (!eof && !s->timed_out) continue;
      tcase *c = s->c;
      finish_case(s);
      running--;
      print_progress(c, ++done, n, o->verbose);
    }
  }
}

/* ---------------------------------------------------------------- expected list */

/* The case names of an expected-pass file ('#' starts a comment). NULL if it cannot be read. */
static char **read_list(const char *path, int *count) {
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  char **names = NULL, line[1024];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char *b = line, *e = line + strlen(line);
    while (*b == ' ' || *b == '\t') b++;
    while (e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
    if (!*b) continue;
    names = xrealloc(names, sizeof *names * (size_t)(n + 1));
    names[n++] = xstrdup(b);
  }
  fclose(f);
  *count = n;
  return names ? names : xrealloc(NULL, 1);
}

static tcase *find_case(tcase *cases, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(cases[i].name, name) == 0) return &cases[i];
  return NULL;
}

/* Every listed case (within the filter) must pass; prints each one that does not. */
static void check_expected(tcase *cases, int n, char **list, int n_list, const options *o,
                           int *passed, int *failed) {
  *passed = *failed = 0;
  for (int i = 0; i < n_list; i++) {
    if (o->filter && !strstr(list[i], o->filter)) continue;
    const tcase *c = find_case(cases, n, list[i]);
    if (c && c->status == ST_PASS) {
      ++*passed;
      continue;
    }
    ++*failed;
    printf("expected to pass: %s: %s%s\n", list[i],
           !c ? "case not found in the suite" : c->status == ST_UNSUPPORTED ? "unsupported: " : "",
           c ? c->reason : "");
  }
}

static int write_list(const char *path, tcase *cases, int n, char **old, int n_old) {
  char **all = NULL;
  int k = 0;
  for (int i = 0; i < n_old + n; i++) {
    const char *name = i < n_old ? old[i] : cases[i - n_old].status == ST_PASS ? cases[i - n_old].name : NULL;
    if (!name) continue;
    all = xrealloc(all, sizeof *all * (size_t)(k + 1));
    all[k++] = (char *)name;
  }
  if (k) qsort(all, (size_t)k, sizeof *all, cmp_str);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "hydra_conformance: cannot write %s: %s\n", path, strerror(errno));
    free(all);
    return 1;
  }
  fputs("# ONNX backend cases that must pass (hydra_conformance --expected). The list only grows:\n"
        "# regenerate with hydra_conformance --expected FILE --write-expected FILE.\n", f);
  for (int i = 0; i < k; i++)
    if (i == 0 || strcmp(all[i], all[i - 1]) != 0) fprintf(f, "%s\n", all[i]);
  free(all);
  return fclose(f) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- report */

typedef struct op_row {
  const char *op;
  int cases, passed;
  bool known;
} op_row;

static int cmp_op_row(const void *a, const void *b) {
  return strcmp(((const op_row *)a)->op, ((const op_row *)b)->op);
}

static op_row *op_table(tcase *cases, int n, int *n_rows) {
  op_row *rows = NULL;
  int k = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < cases[i].n_ops; j++) {
      int r = 0;
      while (r < k && strcmp(rows[r].op, cases[i].ops[j]) != 0) r++;
      if (r == k) {
        rows = xrealloc(rows, sizeof *rows * (size_t)(k + 1));
        const char *colon = strrchr(cases[i].ops[j], ':');
        char dom[256] = "";
        if (colon) say(dom, sizeof dom, "%.*s", (int)(colon - cases[i].ops[j]), cases[i].ops[j]);
        rows[k++] = (op_row){cases[i].ops[j], 0, 0,
                             ir_op_lookup(dom, colon ? colon + 1 : cases[i].ops[j]) != OP_UNKNOWN};
      }
      rows[r].cases++;
      rows[r].passed += cases[i].status == ST_PASS;
    }
  }
  if (k) qsort(rows, (size_t)k, sizeof *rows, cmp_op_row);
  *n_rows = k;
  return rows;
}

/* Counts the cases of one sub-suite (NULL: all); tensor_only keeps the tensor graphs (scope.h). */
static void count(const tcase *cases, int n, const char *suite, bool tensor_only, int *total,
                  int *p, int *r, int *u, int *f) {
  *total = *p = *r = *u = *f = 0;
  size_t sl = suite ? strlen(suite) : 0;
  for (int i = 0; i < n; i++) {
    if (suite && (strncmp(cases[i].name, suite, sl) != 0 || cases[i].name[sl] != '/')) continue;
    if (tensor_only && cases[i].scope) continue;
    ++*total;
    *p += cases[i].status == ST_PASS;
    *r += cases[i].random_pass;
    *u += cases[i].status == ST_UNSUPPORTED;
    *f += cases[i].status == ST_FAIL;
  }
}

/* One line per case of the given status: its reason, and the later work it waits for. */
static void write_cases(FILE *f, const tcase *cases, int n, case_status status) {
  for (int i = 0; i < n; i++) {
    if (cases[i].status != status) continue;
    char later[128];
    if (cases[i].scope)
      fprintf(f, "- `%s` (later: %s): %s\n", cases[i].name,
              scope_describe(cases[i].scope, later, sizeof later), cases[i].reason);
    else
      fprintf(f, "- `%s`: %s\n", cases[i].name, cases[i].reason);
  }
}

/* The suite's section: counts, the per-op table, the random cases that passed on dtype, shape and
 * plausible values alone, and every case that does not pass. */
static void write_section(FILE *f, tcase *cases, int n, const options *o) {
  int t, p, r, u, fl;
  count(cases, n, NULL, false, &t, &p, &r, &u, &fl);
  fprintf(f, "## %s\n\n", o->suite);
  fprintf(f, "Generated by `hydra_conformance --suite '%s' --report` over `%s`%s%s%s (`real` "
             "is skipped: its models are not shipped).\n\n",
          o->suite, o->data_dir, o->filter ? ", filter `" : "", o->filter ? o->filter : "",
          o->filter ? "`" : "");
  fprintf(f, "**Whole suite: %d/%d cases pass** (%d of them random: shape and dtype only; %d "
             "unsupported, %d failed).\n\n", p, t, r, u, fl);
  count(cases, n, NULL, true, &t, &p, &r, &u, &fl);
  fprintf(f, "**Tensor graphs: %d/%d cases pass** (%d unsupported, %d failed): the cases whose "
             "graphs use only default-domain tensor ops, without control flow, sequences, "
             "optionals, strings, recurrent ops or image decoding. The others wait for later work and are "
             "marked with what they use.\n\n", p, t, u, fl);
  fprintf(f, "| suite | cases | pass | of which random: shape and dtype only | unsupported | fail "
             "|\n|---|---:|---:|---:|---:|---:|\n");
  for (size_t s = 0; s < sizeof SUITES / sizeof *SUITES; s++) {
    count(cases, n, SUITES[s], false, &t, &p, &r, &u, &fl);
    fprintf(f, "| %s | %d | %d | %d | %d | %d |\n", SUITES[s], t, p, r, u, fl);
  }
  int nr;
  op_row *rows = op_table(cases, n, &nr);
  fprintf(f, "\n### Per op\n\nA case counts for every op type its model contains.\n\n"
             "| op | in Hydra | cases | passed |\n|---|---|---:|---:|\n");
  for (int i = 0; i < nr; i++)
    fprintf(f, "| %s | %s | %d | %d |\n", rows[i].op, rows[i].known ? "yes" : "no",
            rows[i].cases, rows[i].passed);
  free(rows);
  fprintf(f, "\n### Random-valued cases: %s\n\nTheir graphs hold a random op; Hydra's draws "
             "differ from numpy's, so they pass on each output's dtype and shape, 0/1 outputs "
             "being 0 or 1, and Dropout's output being x * mask / (1 - ratio) with a plausible "
             "number kept.\n\n", RANDOM_PASS);
  for (int i = 0; i < n; i++)
    if (cases[i].random_pass) fprintf(f, "- `%s`\n", cases[i].name);
  fprintf(f, "\n### Failing cases\n\n");
  write_cases(f, cases, n, ST_FAIL);
  fprintf(f, "\n### Unsupported cases\n\n");
  write_cases(f, cases, n, ST_UNSUPPORTED);
}

/* The whole file, or NULL (a missing file is an empty one). */
static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return xstrdup("");
  size_t len = 0, cap = 1 << 16;
  char *buf = xrealloc(NULL, cap);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += got;
    if (len + 1 == cap) buf = xrealloc(buf, cap *= 2);
  }
  fclose(f);
  buf[len] = '\0';
  return buf;
}

/* The report holds one section per suite between markers; this run replaces its own suite's
 * section (or appends it) and keeps the others, so each suite's run updates one document. */
static int write_report(const char *path, tcase *cases, int n, const options *o) {
  char begin[256], end[256];
  say(begin, sizeof begin, "<!-- suite: %s -->\n", o->suite);
  say(end, sizeof end, "<!-- end of suite: %s -->\n", o->suite);
  char *old = read_text(path);
  char *b = strstr(old, begin), *e = b ? strstr(b, end) : NULL;
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "hydra_conformance: cannot write %s: %s\n", path, strerror(errno));
    free(old);
    return 1;
  }
  if (!*old)
    fprintf(f, "# ONNX backend test suites: conformance\n\n"
               "Each section is written by `hydra_conformance --suite NAME --report "
               "docs/conformance.md` (`scripts/conformance_report.sh` runs both). A case passes "
               "when every data set's outputs match (same dtype and shape; floats within 1e-7 + "
               "1e-3·|expected|, NaN equal to NaN; integers and bools exactly). Unsupported: the "
               "model uses an op, an op version or a dtype Hydra does not have yet. Each case "
               "runs in its own process with a CPU-time limit; a crash or a timeout is a "
               "failure.\n\n");
  if (b && e) fwrite(old, 1, (size_t)(b - old), f);
  else fputs(old, f);
  fputs(begin, f);
  write_section(f, cases, n, o);
  fputs(end, f);
  if (b && e) fputs(e + strlen(end), f);
  free(old);
  return fclose(f) == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- main */

static void usage(void) {
  fputs("usage: hydra_conformance [--data DIR] [--filter SUBSTR] [--expected FILE]\n"
        "                         [--suite NAME] [--report FILE.md] [--write-expected FILE]\n"
        "                         [--jobs N] [--timeout CPU_SECONDS] [--verbose]\n"
        "Runs the ONNX backend suite (DIR/{node,simple,pytorch-converted,pytorch-operator},\n"
        "default /usr/share/libonnx-testdata/data) through hc_run_model, each case in its own\n"
        "process. With --expected, exits 1 when a listed case does not pass.\n",
        stderr);
}

static bool parse_args(int argc, char **argv, options *o) {
  *o = (options){.data_dir = "/usr/share/libonnx-testdata/data",
                 .suite = "ONNX 1.12 (libonnx-testdata)",
                 .jobs = 2,
                 .timeout = 60};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
      o->verbose = true;
      continue;
    }
    if (!v) return false;
    i++;
    if (strcmp(a, "--data") == 0) o->data_dir = v;
    else if (strcmp(a, "--filter") == 0) o->filter = v;
    else if (strcmp(a, "--expected") == 0) o->expected = v;
    else if (strcmp(a, "--report") == 0) o->report = v;
    else if (strcmp(a, "--suite") == 0) o->suite = v;
    else if (strcmp(a, "--write-expected") == 0) o->write_expected = v;
    else if (strcmp(a, "--jobs") == 0) o->jobs = atoi(v);
    else if (strcmp(a, "--timeout") == 0) o->timeout = atof(v);
    else return false;
  }
  return o->timeout >= 1;
}

int main(int argc, char **argv) {
  options o;
  if (!parse_args(argc, argv, &o)) {
    usage();
    return 2;
  }
  if (!is_dir(o.data_dir)) {
    fprintf(stderr, "hydra_conformance: no test data at %s (install libonnx-testdata)\n", o.data_dir);
    return 2;
  }
  char **list = NULL;
  int n_list = 0;
  if (o.expected && !(list = read_list(o.expected, &n_list))) {
    fprintf(stderr, "hydra_conformance: cannot read %s: %s\n", o.expected, strerror(errno));
    return 2;
  }
  tcase *cases;
  int n;
  discover(&o, &cases, &n);
  for (int i = 0; i < n; i++) {
    read_case_ops(&cases[i]);
    if (cases[i].status == ST_PENDING) check_supported(&cases[i]);
  }
  double t0 = now_s();
  run_all(cases, n, &o);
  int t, p, r, u, f, tt, tp, tr, tu, tf;
  count(cases, n, NULL, false, &t, &p, &r, &u, &f);
  count(cases, n, NULL, true, &tt, &tp, &tr, &tu, &tf);
  printf("conformance: %s: whole suite: %d/%d cases pass (%d of them random: shape and dtype "
         "only; %d unsupported, %d failed) in %.0f s\n"
         "conformance: %s: tensor graphs (no control flow, sequences, strings, recurrent ops, "
         "other domains or image decoding): %d/%d pass (%d unsupported, %d failed)\n",
         o.suite, p, t, r, u, f, now_s() - t0, o.suite, tp, tt, tu, tf);
  int rc = 0;
  if (o.report) rc |= write_report(o.report, cases, n, &o);
  if (o.write_expected) rc |= write_list(o.write_expected, cases, n, list, n_list);
  int passed = p, failed = f;
  if (o.expected) {
    check_expected(cases, n, list, n_list, &o, &passed, &failed);
    if (failed) rc = 1;
  }
  printf("%d passed, %d failed\n", passed, failed);
  /* freed so the sanitizer tree's LeakSanitizer, which fails a leaking run, sees only Hydra's */
  for (int i = 0; i < n; i++) {
    free(cases[i].name);
    free(cases[i].dir);
    free_list(cases[i].ops, cases[i].n_ops);
  }
  free(cases);
  free_list(list, n_list);
  return rc;
}
