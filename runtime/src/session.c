/* Sessions: one compiled model + one activation arena (allocated once at create) + how to run
 * in parallel. Runs allocate nothing; the checked entry validates tensors against the model. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "hydra/model.h"
#include "threadpool.h"

struct hy_session {
  const hy_model *m;
  uint8_t *arena;
  hy_exec ex;
  hy_pool *pool;
  const void **in_ptrs; /* the entry's full pointer arrays (model order), sized at create */
  void **out_ptrs;
  hy_entry_desc dflt; /* the default entry: every input and output, m->entry */
  int32_t *ids;       /* 0, 1, 2, ...: dflt's input and output positions */
  int64_t *out_dims; /* [n_outputs][HY_MAX_RANK]: each output's shape after the last run */
  int64_t syms[HY_MAX_SYMS]; /* this run's run-time dims (hy_model.syms), 0 while not known */
  const uint8_t *weights; /* the mapped weights file (weights-file models) */
  size_t weights_len;
  atomic_flag busy; /* set while a run owns the arena, the pointer arrays and err */
  char err[512];
  char detail[256]; /* a failing kernel's reason (hy_kernel_fail), for err */
};

/* One run at a time per session (model.h): a second caller gets HY_ERR_BUSY, not a race. */
static bool hy_session_enter(hy_session *s) {
  return !atomic_flag_test_and_set_explicit(&s->busy, memory_order_acquire);
}
static void hy_session_leave(hy_session *s) {
  atomic_flag_clear_explicit(&s->busy, memory_order_release);
}

static hy_status hy_fail(hy_session *s, hy_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static hy_status hy_fail(hy_session *s, hy_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
  return st;
}

/* Why the calling thread's last hy_session_create failed: there is no session to ask. */
static _Thread_local char hy_create_err[1024];

static hy_status hy_create_fail(hy_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static hy_status hy_create_fail(hy_status st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(hy_create_err, sizeof hy_create_err, fmt, ap);
  va_end(ap);
  return st;
}

static size_t hy_round64(uint64_t n) { return (size_t)((n + 63) & ~(uint64_t)63); }

static hy_status hy_session_exec(hy_session *s, const hy_session_options *opt) {
  s->ex.n_threads = 1;
  s->ex.detail = s->detail;
  s->ex.detail_size = (int32_t)sizeof s->detail;
  if (!opt) return HY_OK;
  if (opt->parallel_for) {
    s->ex.n_threads = opt->n_threads;
    s->ex.parallel_for = opt->parallel_for;
    s->ex.user = opt->parallel_user;
  } else if (opt->n_threads > 1) {
    s->pool = hy_pool_create(opt->n_threads);
    if (!s->pool)
      return hy_create_fail(HY_ERR_OUT_OF_MEMORY, "cannot start %d threads", (int)opt->n_threads);
    s->ex.n_threads = opt->n_threads;
    s->ex.parallel_for = hy_pool_parallel_for;
    s->ex.user = s->pool;
  }
  return HY_OK;
}

/* The folder of the running executable into buf ("" when unknown). */
static void hy_exe_dir(char *buf, size_t n) {
  buf[0] = '\0';
#ifdef __linux__
  ssize_t k = readlink("/proc/self/exe", buf, n - 1);
  buf[k > 0 ? k : 0] = '\0';
  char *slash = strrchr(buf, '/');
  *(slash ? slash : buf) = '\0';
#endif
}

/* src into dst (n bytes), cut to fit. */
static void hy_copy_path(char *dst, size_t n, const char *src) {
  size_t k = strnlen(src, n - 1);
  memcpy(dst, src, k);
  dst[k] = '\0';
}

/* Opens the weights file: the explicit path, else $HYDRA_WEIGHTS_DIR/F, the executable's
 * folder/F (F: the file name hydrac wrote), then the path as compiled (model.h); the path that
 * opened into opened, for messages. -1 when none opens, with each path tried in hy_create_err. */
static int hy_open_weights(const hy_model *m, const char *explicit_path, char *opened,
                           size_t opened_len) {
  if (explicit_path) {
    int fd = open(explicit_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) hy_create_fail(HY_ERR_IO, "weights file %s: %s", explicit_path, strerror(errno));
    hy_copy_path(opened, opened_len, explicit_path);
    return fd;
  }
  const char *compiled = m->weights_file ? m->weights_file : "";
  const char *slash = strrchr(compiled, '/'), *name = slash ? slash + 1 : compiled;
  const char *env = getenv("HYDRA_WEIGHTS_DIR");
  char exe[4096], tried[3][4200];
  hy_exe_dir(exe, sizeof exe);
  int n = 0;
  if (env && *env) snprintf(tried[n++], sizeof tried[0], "%s/%s", env, name);
  if (exe[0]) snprintf(tried[n++], sizeof tried[0], "%s/%s", exe, name);
  snprintf(tried[n++], sizeof tried[0], "%s", compiled);
  for (int i = 0; i < n; i++) {
    int fd = open(tried[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    hy_copy_path(opened, opened_len, tried[i]);
    return fd;
  }
  hy_create_fail(HY_ERR_IO,
                 "weights file '%s' not found (HYDRA_WEIGHTS_DIR %s%s; tried %s%s%s%s%s); give "
                 "its path in hy_session_options.weights_path",
                 name, env && *env ? "is " : "not set", env && *env ? env : "", tried[0],
                 n > 1 ? ", " : "", n > 1 ? tried[1] : "", n > 2 ? ", " : "",
                 n > 2 ? tried[2] : "");
  return -1;
}

/* The mapped file at path is m's: its header carries the model's fingerprint and size (a file
 * from another model, or from another hydrac, would compute wrong numbers). False, with the
 * reason in the thread's create error, when not. */
static bool hy_weights_header_ok(const hy_model *m, const uint8_t *p, const char *path) {
  hy_weights_header h;
  memcpy(&h, p, sizeof h);
  const char *name = m->name ? m->name : "?";
  if (memcmp(h.magic, HY_WEIGHTS_MAGIC, sizeof h.magic) != 0) {
    hy_create_fail(HY_ERR_IO, "weights file %s of model '%s' is not a Hydra weights file (no %s "
                   "header; written by an older hydrac?)", path, name, HY_WEIGHTS_MAGIC);
    return false;
  }
  if (h.fingerprint != m->weights_fingerprint || h.bytes != m->weights_bytes) {
    hy_create_fail(HY_ERR_IO, "weights file %s was written for another model than '%s' "
                   "(fingerprint %016llx, the model needs %016llx): compile them from the same "
                   "model file", path, name, (unsigned long long)h.fingerprint,
                   (unsigned long long)m->weights_fingerprint);
    return false;
  }
  return true;
}

/* Maps the model's weights file read-only; its size and header must be the ones hydrac wrote. */
static hy_status hy_session_map_weights(hy_session *s, const char *weights_path) {
  const hy_model *m = s->m;
  if (m->weights_bytes == 0) return HY_OK;
  char path[4200] = "";
  int fd = hy_open_weights(m, weights_path, path, sizeof path);
  if (fd < 0) return HY_ERR_IO;
  struct stat st;
  hy_status r = HY_OK;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != m->weights_bytes ||
      m->weights_bytes < sizeof(hy_weights_header)) {
    r = hy_create_fail(HY_ERR_IO, "weights file %s of model '%s': %lld bytes, the model needs %llu "
                       "(a file written for another model?)", path,
                       m->name ? m->name : "?", (long long)st.st_size,
                       (unsigned long long)m->weights_bytes);
  } else {
    void *p = mmap(NULL, (size_t)m->weights_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      r = hy_create_fail(HY_ERR_IO, "weights file %s: mmap: %s", path, strerror(errno));
    } else if (!hy_weights_header_ok(m, p, path)) {
      munmap(p, (size_t)m->weights_bytes);
      r = HY_ERR_IO;
    } else {
      s->weights = p;
      s->weights_len = (size_t)m->weights_bytes;
    }
  }
  close(fd);
  return r;
}

/* Each entry of the table has its code and positions within the model's inputs and outputs. */
static bool hy_entries_valid(const hy_model *m) {
  if (m->n_entries < 0 || (m->n_entries > 0 && !m->entries)) return false;
  for (int32_t i = 0; i < m->n_entries; i++) {
    const hy_entry_desc *e = &m->entries[i];
    bool ok = e->name && (m->entry ? e->entry != NULL : e->entry_weights != NULL) &&
              e->n_inputs >= 0 && e->n_inputs <= m->n_inputs && e->n_outputs >= 0 &&
              e->n_outputs <= m->n_outputs && (!e->n_inputs || e->inputs) &&
              (!e->n_outputs || e->outputs);
    for (int32_t k = 0; ok && k < e->n_inputs; k++)
      ok = e->inputs[k] >= 0 && e->inputs[k] < m->n_inputs;
    for (int32_t k = 0; ok && k < e->n_outputs; k++)
      ok = e->outputs[k] >= 0 && e->outputs[k] < m->n_outputs;
    if (!ok) return false;
  }
  return true;
}

/* The default entry as a descriptor: every input and output in order. */
static hy_status hy_session_default_entry(hy_session *s) {
  const hy_model *m = s->m;
  int32_t n = m->n_inputs > m->n_outputs ? m->n_inputs : m->n_outputs;
  s->ids = calloc((size_t)n + 1, sizeof *s->ids);
  if (!s->ids) return HY_ERR_OUT_OF_MEMORY;
  for (int32_t i = 0; i < n; i++) s->ids[i] = i;
  s->dflt = (hy_entry_desc){"default", m->n_inputs, m->n_outputs, s->ids, s->ids, m->entry,
                            m->entry_weights, m->n_nodes};
  return HY_OK;
}

hy_status hy_session_create(const hy_model *m, const hy_session_options *opt, hy_session **out) {
  return hy_session_create_weights(m, opt, NULL, out);
}

hy_status hy_session_create_weights(const hy_model *m, const hy_session_options *opt,
                                    const char *weights_path, hy_session **out) {
  hy_create_err[0] = '\0';
  if (!out) return hy_create_fail(HY_ERR_INVALID_ARGUMENT, "hy_session_create: out is NULL");
  *out = NULL;
  if (!m || !(m->entry || m->entry_weights) || m->n_inputs < 0 || m->n_outputs < 0)
    return hy_create_fail(HY_ERR_INVALID_ARGUMENT,
                          "hy_session_create: %s", m ? "the model has no entry or negative "
                          "input/output counts" : "no model");
  const char *name = m->name ? m->name : "";
  if (m->abi != HY_MODEL_ABI) /* built by another hydrac version */
    return hy_create_fail(HY_ERR_UNSUPPORTED, "model '%s' has model ABI %u, this runtime reads "
                          "%u: compile it again with this hydrac", name, m->abi, HY_MODEL_ABI);
  if (m->n_syms < 0 || m->n_syms > HY_MAX_SYMS || (m->n_syms && (!m->syms || m->syms_offset < 0 ||
      (uint64_t)m->syms_offset + (uint64_t)m->n_syms * 8 > m->arena_bytes)))
    return hy_create_fail(HY_ERR_INVALID_ARGUMENT, "model '%s': its run-time dims are malformed",
                          name);
  if (!hy_entries_valid(m))
    return hy_create_fail(HY_ERR_INVALID_ARGUMENT, "model '%s': its entry table is malformed",
                          name);
  if (opt && opt->n_threads < 0)
    return hy_create_fail(HY_ERR_INVALID_ARGUMENT, "hy_session_create: n_threads %d is negative",
                          opt->n_threads);
  hy_session *s = calloc(1, sizeof *s);
  if (!s)
    return hy_create_fail(HY_ERR_OUT_OF_MEMORY, "model '%s': out of memory for a session", name);
  atomic_flag_clear(&s->busy);
  s->m = m;
  /* At least one line so the entry always gets a valid, aligned pointer. */
  size_t arena_bytes = hy_round64(m->arena_bytes ? m->arena_bytes : 64);
  s->arena = aligned_alloc(64, arena_bytes);
  s->in_ptrs = calloc((size_t)m->n_inputs + 1, sizeof *s->in_ptrs);
  s->out_ptrs = calloc((size_t)m->n_outputs + 1, sizeof *s->out_ptrs);
  s->out_dims = calloc(((size_t)m->n_outputs + 1) * HY_MAX_RANK, sizeof *s->out_dims);
  hy_status st = HY_OK;
  if (!s->arena)
    st = hy_create_fail(HY_ERR_OUT_OF_MEMORY, "model '%s': out of memory for its activation "
                        "arena (%zu bytes)", name, arena_bytes);
  else if (!s->in_ptrs || !s->out_ptrs || !s->out_dims)
    st = hy_create_fail(HY_ERR_OUT_OF_MEMORY, "model '%s': out of memory for a session", name);
  else if ((st = hy_session_exec(s, opt)))
    hy_create_fail(st, "model '%s': cannot start a pool of %d threads (out of memory or "
                   "threads)", name, opt ? opt->n_threads : 0);
  else if ((st = hy_session_default_entry(s)))
    hy_create_fail(st, "model '%s': out of memory for a session", name);
  for (int32_t i = 0; !st && i < m->n_outputs; i++)
    memcpy(&s->out_dims[i * HY_MAX_RANK], m->outputs[i].dims, sizeof m->outputs[i].dims);
  if (!st && !m->entry)
    st = hy_session_map_weights(s, weights_path ? weights_path : opt ? opt->weights_path : NULL);
  if (st) {
    hy_session_destroy(s);
    return st;
  }
  *out = s;
  return HY_OK;
}

void hy_session_destroy(hy_session *s) {
  if (!s) return;
  hy_pool_destroy(s->pool);
  if (s->weights) munmap((void *)s->weights, s->weights_len);
  free(s->arena);
  free(s->in_ptrs);
  free(s->out_ptrs);
  free(s->out_dims);
  free(s->ids);
  free(s);
}

const char *hy_session_error(const hy_session *s) { return s ? s->err : hy_create_err; }

/* Bytes of an io descriptor's tensor: NULL data is fine only when it is empty. */
static bool hy_desc_empty(const hy_io_desc *d) {
  int64_t n = 1;
  for (int32_t i = 0; i < d->rank; i++) n *= d->dims[i];
  return n == 0 || hy_dtype_bits(d->dtype) == 0;
}

const hy_entry_desc *hy_model_entry(const hy_model *m, const char *name) {
  if (!m) return NULL;
  if (!name) name = "default";
  for (int32_t i = 0; i < m->n_entries && m->entries; i++)
    if (m->entries[i].name && !strcmp(m->entries[i].name, name)) return &m->entries[i];
  return NULL;
}

/* The entry a run asks for: the session's default (every output) or one of the table's; NULL,
 * with the message set, when the model has none of that name. */
static const hy_entry_desc *hy_session_entry(hy_session *s, const char *name) {
  const hy_model *m = s->m;
  if (!name || !strcmp(name, "default")) return &s->dflt;
  const hy_entry_desc *e = hy_model_entry(m, name);
  if (e) return e;
  char list[256] = "default";
  size_t k = strlen(list);
  for (int32_t i = 0; i < m->n_entries && k < sizeof list; i++)
    if (strcmp(m->entries[i].name, "default"))
      k += (size_t)snprintf(list + k, sizeof list - k, ", %s", m->entries[i].name);
  hy_fail(s, HY_ERR_INVALID_ARGUMENT, "model '%s' has no entry '%s' (entries: %s)", m->name, name,
          list);
  return NULL;
}

/* "" for the default entry, " (entry 'x')" for another, to say which entry a message is about. */
static const char *hy_entry_note(const hy_session *s, const hy_entry_desc *e, char *buf, size_t n) {
  if (e == &s->dflt || !strcmp(e->name, "default")) return "";
  snprintf(buf, n, " (entry '%s')", e->name);
  return buf;
}

static hy_status hy_check_ptrs(hy_session *s, const void *const *p, int32_t n, const hy_io_desc *d,
                               const int32_t *pos, const char *what) {
  if (n > 0 && !p) return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "no %s array", what);
  for (int32_t i = 0; i < n; i++)
    if (!p[i] && !hy_desc_empty(&d[pos[i]]))
      return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "%s %d '%s': NULL data", what, i, d[pos[i]].name);
  return HY_OK;
}

/* After a run of e: its bounded outputs' actual dims, which the entry recorded in the arena; each
 * must lie within its bound (anything else is a bug in the generated code). */
static hy_status hy_take_out_dims(hy_session *s, const hy_entry_desc *e) {
  const hy_model *m = s->m;
  for (int32_t k = 0; k < e->n_outputs; k++) {
    int32_t i = e->outputs[k];
    const hy_io_desc *d = &m->outputs[i];
    if (!d->bounded) continue;
    if (m->out_dims_offset < 0 || (uint64_t)m->out_dims_offset +
                                          (uint64_t)m->n_outputs * HY_MAX_RANK * 8 > m->arena_bytes)
      return hy_fail(s, HY_ERR_INTERNAL, "model '%s': output %d '%s' is bounded but its dims "
                     "are not recorded", m->name, i, d->name);
    int64_t got[HY_MAX_RANK];
    memcpy(got, s->arena + m->out_dims_offset + (size_t)i * HY_MAX_RANK * 8, sizeof got);
    for (int32_t r = 0; r < d->rank; r++)
      if (got[r] < 0 || got[r] > d->dims[r] || (!((d->bounded >> r) & 1) && got[r] != d->dims[r]))
        return hy_fail(s, HY_ERR_INTERNAL, "model '%s': output %d '%s': dim %d is %lld, bound %lld",
                       m->name, i, d->name, r, (long long)got[r], (long long)d->dims[r]);
    memcpy(&s->out_dims[i * HY_MAX_RANK], got, sizeof got);
  }
  return HY_OK;
}

/* The run-time dims' values for this run, each within its bounds; a dim no input of the entry
 * gave (0) is one its nodes do not use, and takes its upper bound. */
static hy_status hy_put_syms(hy_session *s) {
  const hy_model *m = s->m;
  for (int32_t k = 0; k < m->n_syms; k++) {
    const hy_sym_desc *d = &m->syms[k];
    if (!s->syms[k]) s->syms[k] = d->hi;
    if (s->syms[k] < d->lo || s->syms[k] > d->hi)
      return hy_fail(s, HY_ERR_SHAPE, "model '%s': dim '%s' is %lld, outside %lld..%lld", m->name,
                     d->name, (long long)s->syms[k], (long long)d->lo, (long long)d->hi);
  }
  if (m->n_syms) memcpy(s->arena + m->syms_offset, s->syms, (size_t)m->n_syms * 8);
  return HY_OK;
}

/* Runs e on the full pointer arrays in_ptrs/out_ptrs (its slots filled, the others NULL), with
 * the run-time dims in s->syms. */
static hy_status hy_session_call(hy_session *s, const hy_entry_desc *e) {
  const hy_model *m = s->m;
  hy_status put = hy_put_syms(s);
  if (put) return put;
  const void *const *in = s->in_ptrs;
  void *const *out = s->out_ptrs;
  s->detail[0] = 0;
  int32_t r = (int32_t)(m->entry ? e->entry(s->arena, in, out, &s->ex)
                                  : e->entry_weights(s->arena, in, out, &s->ex, s->weights));
  if (r == HY_OK) {
    s->err[0] = 0;
    return hy_take_out_dims(s, e);
  }
  char note[160];
  hy_status st = (hy_status)(r & 0xff);
  int32_t node = (r >> 8) - 1; /* HY_ENTRY_NODE_TAG */
  if (node >= 0 && node < m->n_nodes && m->node_labels)
    return hy_fail(s, st, "%s%s: %s", m->node_labels[node], hy_entry_note(s, e, note, sizeof note),
                   s->detail[0] ? s->detail : hy_status_name(st));
  return hy_fail(s, st, "model '%s'%s: run failed: %s", m->name,
                 hy_entry_note(s, e, note, sizeof note), hy_status_name(st));
}

/* Clears the full pointer arrays: the slots e does not use stay NULL. */
static void hy_clear_ptrs(hy_session *s) {
  memset(s->in_ptrs, 0, ((size_t)s->m->n_inputs + 1) * sizeof *s->in_ptrs);
  memset(s->out_ptrs, 0, ((size_t)s->m->n_outputs + 1) * sizeof *s->out_ptrs);
}

static hy_status hy_run_ptrs(hy_session *s, const hy_entry_desc *e, const void *const *inputs,
                             void *const *outputs) {
  const hy_model *m = s->m;
  hy_status st = hy_check_ptrs(s, inputs, e->n_inputs, m->inputs, e->inputs, "input");
  if (!st)
    st = hy_check_ptrs(s, (const void *const *)outputs, e->n_outputs, m->outputs, e->outputs,
                       "output");
  if (st) return st;
  hy_clear_ptrs(s);
  for (int32_t k = 0; k < e->n_inputs; k++) s->in_ptrs[e->inputs[k]] = inputs[k];
  for (int32_t k = 0; k < e->n_outputs; k++) s->out_ptrs[e->outputs[k]] = outputs[k];
  return hy_session_call(s, e);
}

/* Plain pointers carry no shapes: a model with run-time dims takes them from dims (one per
 * hy_model.syms), and refuses a run without. */
static hy_status hy_run_ptrs_dims(hy_session *s, const char *entry, const int64_t *dims,
                                  const void *const *inputs, void *const *outputs) {
  const hy_model *m = s->m;
  if (m->n_syms && !dims)
    return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "model '%s' has run-time dims (%s, ...): run it "
                   "with hy_session_run_dims or hy_session_run_tensors", m->name, m->syms[0].name);
  for (int32_t k = 0; k < m->n_syms; k++) s->syms[k] = dims[k] ? dims[k] : -1;
  const hy_entry_desc *e = hy_session_entry(s, entry);
  return e ? hy_run_ptrs(s, e, inputs, outputs) : HY_ERR_INVALID_ARGUMENT;
}

hy_status hy_session_run(hy_session *s, const void *const *inputs, void *const *outputs) {
  return hy_session_run_entry(s, NULL, inputs, outputs);
}

hy_status hy_session_run_dims(hy_session *s, const int64_t *dims, const void *const *inputs,
                              void *const *outputs) {
  return hy_session_run_entry_dims(s, NULL, dims, inputs, outputs);
}

hy_status hy_session_run_entry(hy_session *s, const char *entry, const void *const *inputs,
                               void *const *outputs) {
  return hy_session_run_entry_dims(s, entry, NULL, inputs, outputs);
}

hy_status hy_session_run_entry_dims(hy_session *s, const char *entry, const int64_t *dims,
                                    const void *const *inputs, void *const *outputs) {
  if (!s) return HY_ERR_INVALID_ARGUMENT;
  if (!hy_session_enter(s)) return HY_ERR_BUSY;
  hy_status st = hy_run_ptrs_dims(s, entry, dims, inputs, outputs);
  hy_session_leave(s);
  return st;
}

static void hy_dims_str(char *buf, size_t n, int32_t rank, const int64_t *dims) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int32_t i = 0; i < rank && i < HY_MAX_RANK && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)dims[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

/* Dim k of input t, a run-time dim: within its bounds, the same as in the inputs before. */
static hy_status hy_check_sym(hy_session *s, const hy_tensor *t, const hy_io_desc *d, int32_t i,
                              int32_t k) {
  const hy_sym_desc *sd = &s->m->syms[d->sym[k] - 1];
  int64_t *have = &s->syms[d->sym[k] - 1];
  if (t->dims[k] < sd->lo || t->dims[k] > sd->hi)
    return hy_fail(s, HY_ERR_SHAPE, "input %d '%s': dim %d ('%s') is %lld, outside %lld..%lld", i,
                   d->name, k, sd->name, (long long)t->dims[k], (long long)sd->lo,
                   (long long)sd->hi);
  if (*have && *have != t->dims[k])
    return hy_fail(s, HY_ERR_SHAPE, "input %d '%s': dim %d ('%s') is %lld, but %lld in an input "
                   "before", i, d->name, k, sd->name, (long long)t->dims[k], (long long)*have);
  *have = t->dims[k];
  return HY_OK;
}

/* t must match d exactly: dtype, rank, every dim (a run-time dim within its bounds), and data
 * present. */
static hy_status hy_check_tensor(hy_session *s, const hy_tensor *t, const hy_io_desc *d, int32_t i,
                                 const char *what) {
  if ((hy_dtype)t->dtype != d->dtype)
    return hy_fail(s, HY_ERR_DTYPE, "%s %d '%s': dtype %s, expected %s", what, i, d->name,
                   hy_dtype_name(t->dtype), hy_dtype_name(d->dtype));
  bool same = t->rank == d->rank;
  for (int32_t k = 0; same && k < d->rank; k++) {
    bool sym = d->sym[k] > 0 && d->sym[k] <= s->m->n_syms;
    hy_status st = sym ? hy_check_sym(s, t, d, i, k) : HY_OK;
    if (st) return st;
    same = sym || t->dims[k] == d->dims[k];
  }
  if (!same) {
    char got[160], want[160];
    hy_dims_str(got, sizeof got, t->rank < 0 ? 0 : t->rank, t->dims);
    hy_dims_str(want, sizeof want, d->rank, d->dims);
    return hy_fail(s, HY_ERR_SHAPE, "%s %d '%s': shape %s, expected %s", what, i, d->name, got,
                   want);
  }
  if (!t->data && !hy_desc_empty(d))
    return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "%s %d '%s': NULL data", what, i, d->name);
  return HY_OK;
}

static hy_status hy_run_tensors(hy_session *s, const hy_entry_desc *e, const hy_tensor *inputs,
                                int32_t n_inputs, hy_tensor *outputs, int32_t n_outputs) {
  const hy_model *m = s->m;
  char note[160];
  if (n_inputs != e->n_inputs || n_outputs != e->n_outputs)
    return hy_fail(s, HY_ERR_INVALID_ARGUMENT,
                   "model '%s'%s takes %d inputs and %d outputs, got %d and %d", m->name,
                   hy_entry_note(s, e, note, sizeof note), e->n_inputs, e->n_outputs, n_inputs,
                   n_outputs);
  if ((n_inputs && !inputs) || (n_outputs && !outputs))
    return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "NULL tensor array");
  hy_clear_ptrs(s);
  memset(s->syms, 0, sizeof s->syms);
  for (int32_t k = 0; k < n_inputs; k++) {
    hy_status st = hy_check_tensor(s, &inputs[k], &m->inputs[e->inputs[k]], k, "input");
    if (st) return st;
    s->in_ptrs[e->inputs[k]] = inputs[k].data;
  }
  for (int32_t k = 0; k < n_outputs; k++) {
    hy_status st = hy_check_tensor(s, &outputs[k], &m->outputs[e->outputs[k]], k, "output");
    if (st) return st;
    s->out_ptrs[e->outputs[k]] = outputs[k].data;
  }
  hy_status st = hy_session_call(s, e);
  for (int32_t k = 0; !st && k < n_outputs; k++)
    memcpy(outputs[k].dims, &s->out_dims[e->outputs[k] * HY_MAX_RANK], sizeof outputs[k].dims);
  return st;
}

hy_status hy_session_output_shape(const hy_session *s, int32_t output, int32_t *rank,
                                  int64_t dims[HY_MAX_RANK]) {
  if (!s || !rank || !dims || output < 0 || output >= s->m->n_outputs)
    return HY_ERR_INVALID_ARGUMENT;
  *rank = s->m->outputs[output].rank;
  memcpy(dims, &s->out_dims[output * HY_MAX_RANK], HY_MAX_RANK * sizeof *dims);
  return HY_OK;
}

hy_status hy_session_run_tensors(hy_session *s, const hy_tensor *inputs, int32_t n_inputs,
                                 hy_tensor *outputs, int32_t n_outputs) {
  return hy_session_run_entry_tensors(s, NULL, inputs, n_inputs, outputs, n_outputs);
}

hy_status hy_session_run_entry_tensors(hy_session *s, const char *entry, const hy_tensor *inputs,
                                       int32_t n_inputs, hy_tensor *outputs, int32_t n_outputs) {
  if (!s) return HY_ERR_INVALID_ARGUMENT;
  if (!hy_session_enter(s)) return HY_ERR_BUSY;
  const hy_entry_desc *e = hy_session_entry(s, entry);
  hy_status st = e ? hy_run_tensors(s, e, inputs, n_inputs, outputs, n_outputs)
                   : HY_ERR_INVALID_ARGUMENT;
  hy_session_leave(s);
  return st;
}
