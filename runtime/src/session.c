/* Sessions: one compiled model + one activation arena (allocated once at create) + how to run
 * in parallel. Runs allocate nothing; the checked entry validates tensors against the model. */
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
  const void **in_ptrs; /* run_tensors' pointer arrays, sized at create */
  void **out_ptrs;
  int64_t *out_dims; /* [n_outputs][HY_MAX_RANK]: each output's shape after the last run */
  const uint8_t *weights; /* the mapped weights file (weights-file models) */
  size_t weights_len;
  atomic_flag busy; /* set while a run owns the arena, the pointer arrays and err */
  char err[512];
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

static size_t hy_round64(uint64_t n) { return (size_t)((n + 63) & ~(uint64_t)63); }

static hy_status hy_session_exec(hy_session *s, const hy_session_options *opt) {
  s->ex.n_threads = 1;
  if (!opt) return HY_OK;
  if (opt->parallel_for) {
    s->ex.n_threads = opt->n_threads;
    s->ex.parallel_for = opt->parallel_for;
    s->ex.user = opt->parallel_user;
  } else if (opt->n_threads > 1) {
    s->pool = hy_pool_create(opt->n_threads);
    if (!s->pool) return HY_ERR_OUT_OF_MEMORY;
    s->ex.n_threads = opt->n_threads;
    s->ex.parallel_for = hy_pool_parallel_for;
    s->ex.user = s->pool;
  }
  return HY_OK;
}

/* Maps the model's weights file read-only; its size must be the one hydrac wrote. */
static hy_status hy_session_map_weights(hy_session *s, const char *weights_path) {
  const hy_model *m = s->m;
  const char *path = weights_path ? weights_path : m->weights_file;
  if (m->weights_bytes == 0) return HY_OK;
  if (!path) return HY_ERR_INVALID_ARGUMENT;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HY_ERR_IO;
  struct stat st;
  hy_status r = HY_OK;
  if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != m->weights_bytes) {
    r = HY_ERR_IO;
  } else {
    void *p = mmap(NULL, (size_t)m->weights_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      r = HY_ERR_IO;
    } else {
      s->weights = p;
      s->weights_len = (size_t)m->weights_bytes;
    }
  }
  close(fd);
  return r;
}

hy_status hy_session_create(const hy_model *m, const hy_session_options *opt, hy_session **out) {
  return hy_session_create_weights(m, opt, NULL, out);
}

hy_status hy_session_create_weights(const hy_model *m, const hy_session_options *opt,
                                    const char *weights_path, hy_session **out) {
  if (!out) return HY_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!m || !(m->entry || m->entry_weights) || m->n_inputs < 0 || m->n_outputs < 0) return HY_ERR_INVALID_ARGUMENT;
  if (m->abi != HY_MODEL_ABI) return HY_ERR_UNSUPPORTED; /* built by another hydrac version */
  if (opt && opt->n_threads < 0) return HY_ERR_INVALID_ARGUMENT;
  hy_session *s = calloc(1, sizeof *s);
  if (!s) return HY_ERR_OUT_OF_MEMORY;
  atomic_flag_clear(&s->busy);
  s->m = m;
  /* At least one line so the entry always gets a valid, aligned pointer. */
  s->arena = aligned_alloc(64, hy_round64(m->arena_bytes ? m->arena_bytes : 64));
  s->in_ptrs = calloc((size_t)m->n_inputs + 1, sizeof *s->in_ptrs);
  s->out_ptrs = calloc((size_t)m->n_outputs + 1, sizeof *s->out_ptrs);
  s->out_dims = calloc(((size_t)m->n_outputs + 1) * HY_MAX_RANK, sizeof *s->out_dims);
  hy_status st = (s->arena && s->in_ptrs && s->out_ptrs && s->out_dims) ? hy_session_exec(s, opt)
                                                                        : HY_ERR_OUT_OF_MEMORY;
  for (int32_t i = 0; !st && i < m->n_outputs; i++)
    memcpy(&s->out_dims[i * HY_MAX_RANK], m->outputs[i].dims, sizeof m->outputs[i].dims);
  if (!st && !m->entry) st = hy_session_map_weights(s, weights_path);
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
  free(s);
}

const char *hy_session_error(const hy_session *s) { return s ? s->err : "no session"; }

/* Bytes of an io descriptor's tensor: NULL data is fine only when it is empty. */
static bool hy_desc_empty(const hy_io_desc *d) {
  int64_t n = 1;
  for (int32_t i = 0; i < d->rank; i++) n *= d->dims[i];
  return n == 0 || hy_dtype_bits(d->dtype) == 0;
}

static hy_status hy_check_ptrs(hy_session *s, const void *const *p, int32_t n, const hy_io_desc *d,
                               const char *what) {
  if (n > 0 && !p) return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "no %s array", what);
  for (int32_t i = 0; i < n; i++)
    if (!p[i] && !hy_desc_empty(&d[i]))
      return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "%s %d '%s': NULL data", what, i, d[i].name);
  return HY_OK;
}

/* After a run: the bounded outputs' actual dims, which the entry recorded in the arena; each must
 * lie within its bound (anything else is a bug in the generated code). */
static hy_status hy_take_out_dims(hy_session *s) {
  const hy_model *m = s->m;
  for (int32_t i = 0; i < m->n_outputs; i++) {
    const hy_io_desc *d = &m->outputs[i];
    if (!d->bounded) continue;
    if (m->out_dims_offset < 0 || (uint64_t)m->out_dims_offset +
                                          (uint64_t)m->n_outputs * HY_MAX_RANK * 8 > m->arena_bytes)
      return hy_fail(s, HY_ERR_INTERNAL, "model '%s': output %d '%s' is bounded but its dims "
                     "are not recorded", m->name, i, d->name);
    int64_t got[HY_MAX_RANK];
    memcpy(got, s->arena + m->out_dims_offset + (size_t)i * HY_MAX_RANK * 8, sizeof got);
    for (int32_t k = 0; k < d->rank; k++)
      if (got[k] < 0 || got[k] > d->dims[k] || (!((d->bounded >> k) & 1) && got[k] != d->dims[k]))
        return hy_fail(s, HY_ERR_INTERNAL, "model '%s': output %d '%s': dim %d is %lld, bound %lld",
                       m->name, i, d->name, k, (long long)got[k], (long long)d->dims[k]);
    memcpy(&s->out_dims[i * HY_MAX_RANK], got, sizeof got);
  }
  return HY_OK;
}

static hy_status hy_session_run_owned(hy_session *s, const void *const *inputs,
                                      void *const *outputs) {
  const hy_model *m = s->m;
  hy_status st = hy_check_ptrs(s, inputs, m->n_inputs, m->inputs, "input");
  if (!st) st = hy_check_ptrs(s, (const void *const *)outputs, m->n_outputs, m->outputs, "output");
  if (st) return st;
  int32_t r = (int32_t)(m->entry ? m->entry(s->arena, inputs, outputs, &s->ex)
                                  : m->entry_weights(s->arena, inputs, outputs, &s->ex, s->weights));
  if (r == HY_OK) {
    s->err[0] = 0;
    return hy_take_out_dims(s);
  }
  st = (hy_status)(r & 0xff);
  int32_t node = (r >> 8) - 1; /* HY_ENTRY_NODE_TAG */
  if (node >= 0 && node < m->n_nodes && m->node_labels)
    return hy_fail(s, st, "model '%s': node %s: %s", m->name, m->node_labels[node],
                   hy_status_name(st));
  return hy_fail(s, st, "model '%s': run failed: %s", m->name, hy_status_name(st));
}

hy_status hy_session_run(hy_session *s, const void *const *inputs, void *const *outputs) {
  if (!s) return HY_ERR_INVALID_ARGUMENT;
  if (!hy_session_enter(s)) return HY_ERR_BUSY;
  hy_status st = hy_session_run_owned(s, inputs, outputs);
  hy_session_leave(s);
  return st;
}

static void hy_dims_str(char *buf, size_t n, int32_t rank, const int64_t *dims) {
  size_t k = (size_t)snprintf(buf, n, "[");
  for (int32_t i = 0; i < rank && i < HY_MAX_RANK && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)dims[i]);
  if (k < n) snprintf(buf + k, n - k, "]");
}

/* t must match d exactly: dtype, rank, every dim, and data present. */
static hy_status hy_check_tensor(hy_session *s, const hy_tensor *t, const hy_io_desc *d, int32_t i,
                                 const char *what) {
  if ((hy_dtype)t->dtype != d->dtype)
    return hy_fail(s, HY_ERR_DTYPE, "%s %d '%s': dtype %s, expected %s", what, i, d->name,
                   hy_dtype_name(t->dtype), hy_dtype_name(d->dtype));
  bool same = t->rank == d->rank;
  for (int32_t k = 0; same && k < d->rank; k++) same = t->dims[k] == d->dims[k];
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

static hy_status hy_session_run_tensors_owned(hy_session *s, const hy_tensor *inputs,
                                              int32_t n_inputs, hy_tensor *outputs,
                                              int32_t n_outputs) {
  const hy_model *m = s->m;
  if (n_inputs != m->n_inputs || n_outputs != m->n_outputs)
    return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "model '%s' takes %d inputs and %d outputs, got %d and %d",
                   m->name, m->n_inputs, m->n_outputs, n_inputs, n_outputs);
  if ((n_inputs && !inputs) || (n_outputs && !outputs))
    return hy_fail(s, HY_ERR_INVALID_ARGUMENT, "NULL tensor array");
  for (int32_t i = 0; i < n_inputs; i++) {
    hy_status st = hy_check_tensor(s, &inputs[i], &m->inputs[i], i, "input");
    if (st) return st;
    s->in_ptrs[i] = inputs[i].data;
  }
  for (int32_t i = 0; i < n_outputs; i++) {
    hy_status st = hy_check_tensor(s, &outputs[i], &m->outputs[i], i, "output");
    if (st) return st;
    s->out_ptrs[i] = outputs[i].data;
  }
  hy_status st = hy_session_run_owned(s, s->in_ptrs, s->out_ptrs);
  for (int32_t i = 0; !st && i < n_outputs; i++)
    memcpy(outputs[i].dims, &s->out_dims[i * HY_MAX_RANK], sizeof outputs[i].dims);
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
  if (!s) return HY_ERR_INVALID_ARGUMENT;
  if (!hy_session_enter(s)) return HY_ERR_BUSY;
  hy_status st = hy_session_run_tensors_owned(s, inputs, n_inputs, outputs, n_outputs);
  hy_session_leave(s);
  return st;
}
