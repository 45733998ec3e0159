/* hydra._hydra: the CPython extension under the Python package. A Model is one compiled graph
 * (compiler/run's hc_compile_graph_observed, then the JIT) with its session; arrays come in
 * through the buffer protocol, so a C-contiguous array is read in place. run_once is the
 * conformance runner's path (hc_run_model_named), for hydra.backend. Hydra's errors become
 * hydra.HydraError carrying its message. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "run/run_model.h"

static PyObject *HydraError;

/* Raises HydraError(msg) with .status = the status's name; returns NULL. */
static PyObject *raise_hydra(hy_status st, const char *msg) {
  PyObject *args = Py_BuildValue("(s)", msg && *msg ? msg : hy_status_name(st));
  if (!args) return NULL;
  PyObject *exc = PyObject_Call(HydraError, args, NULL);
  Py_DECREF(args);
  if (!exc) return NULL;
  PyObject *name = PyUnicode_FromString(hy_status_name(st));
  if (name) {
    PyObject_SetAttrString(exc, "status", name);
    Py_DECREF(name);
  }
  PyErr_SetObject(HydraError, exc);
  Py_DECREF(exc);
  return NULL;
}

/* ---- buffers ---- */

/* The buffers of one call: views held until the call ends, so the memory stays put while the
 * GIL is released. */
typedef struct views {
  Py_buffer *v;
  int32_t n;
} views;

static void views_release(views *vs) {
  for (int32_t i = 0; i < vs->n; i++)
    PyBuffer_Release(&vs->v[i]);
  PyMem_Free(vs->v);
  vs->v = NULL;
  vs->n = 0;
}

/* A tensor of a type under 8 bits (int4, float4e2m1, int2, ...) comes as the bytes of ONNX's
 * packed layout, which no buffer's shape describes, with its dims given apart: t's data is v's,
 * its dims dims (a sequence of ints), and v must hold exactly their elements. */
static bool packed_from(Py_buffer *v, PyObject *dims, hy_dtype dtype, const char *what,
                        hy_tensor *t) {
  PyObject *fast = PySequence_Fast(dims, "dims: a sequence of ints");
  if (!fast) return false;
  Py_ssize_t rank = PySequence_Fast_GET_SIZE(fast);
  bool ok = rank <= HY_MAX_RANK;
  if (!ok)
    PyErr_Format(PyExc_ValueError, "%s has rank %zd; Hydra takes at most %d", what, rank,
                 HY_MAX_RANK);
  memset(t, 0, sizeof *t);
  const uint64_t max_numel = (uint64_t)1 << 40; /* far past any buffer; no product overflows */
  uint64_t numel = 1;
  for (Py_ssize_t k = 0; ok && k < rank; k++) {
    long long d = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast, k));
    if (d == -1 && PyErr_Occurred()) {
      ok = false;
    } else if (d < 0 || (d > 0 && numel > max_numel / (uint64_t)d)) {
      PyErr_Format(PyExc_ValueError, "%s: dim %zd is %lld (negative, or too many elements)",
                   what, k, d);
      ok = false;
    } else {
      t->dims[k] = d;
      numel *= (uint64_t)d;
    }
  }
  Py_DECREF(fast);
  uint64_t bytes = (numel * (uint64_t)hy_dtype_bits(dtype) + 7) / 8;
  if (ok && (uint64_t)v->len != bytes) {
    PyErr_Format(PyExc_ValueError, "%s: %zd bytes given for %llu %s elements (%llu bytes packed)",
                 what, v->len, (unsigned long long)numel, hy_dtype_name(dtype),
                 (unsigned long long)bytes);
    ok = false;
  }
  t->dtype = dtype;
  t->rank = (int32_t)rank;
  t->data = v->buf;
  return ok;
}

/* obj's buffer (C-contiguous, writable when asked) as tensor t of dtype; what = "input 2" for
 * messages; dims: NULL, or the dims of a sub-byte type's packed bytes (packed_from). False with
 * the exception set. */
static bool tensor_from(PyObject *obj, hy_dtype dtype, PyObject *dims, bool writable,
                        const char *what, views *vs, hy_tensor *t) {
  Py_buffer *v = &vs->v[vs->n];
  int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(obj, v, flags) != 0) return false;
  vs->n++;
  int32_t bits = hy_dtype_bits(dtype);
  bool sub_byte = bits > 0 && bits < 8;
  if (dims || sub_byte) {
    if (!dims || !sub_byte) {
      PyErr_Format(PyExc_TypeError, "%s: %s", what,
                   dims ? "dims are given only with a type under 8 bits (its packed bytes)"
                        : "a type under 8 bits comes as its packed bytes and its dims");
      return false;
    }
    return packed_from(v, dims, dtype, what, t);
  }
  size_t elem = hy_dtype_size(dtype);
  if (v->ndim > HY_MAX_RANK) {
    PyErr_Format(PyExc_ValueError, "%s has rank %d; Hydra takes at most %d", what, v->ndim,
                 HY_MAX_RANK);
    return false;
  }
  if (elem == 0 || (size_t)v->itemsize != elem) {
    PyErr_Format(PyExc_TypeError, "%s: %zd-byte elements given for %s", what, v->itemsize,
                 hy_dtype_name(dtype));
    return false;
  }
  memset(t, 0, sizeof *t);
  t->dtype = dtype;
  t->rank = v->ndim;
  for (int k = 0; k < v->ndim; k++)
    t->dims[k] = v->shape ? v->shape[k] : 0;
  if (v->ndim == 1 && !v->shape) t->dims[0] = v->len / v->itemsize;
  t->data = v->buf;
  return true;
}

/* items: a sequence of (dtype, buffer) pairs (dtypes NULL) or of buffers with dtypes[i] given;
 * a 4- or 2-bit type's as (dtype, packed bytes, dims), or (packed bytes, dims). */
static bool tensors_from(PyObject *seq, const hy_dtype *dtypes, bool writable, const char *kind,
                         views *vs, hy_tensor **out, int32_t *n) {
  PyObject *fast = PySequence_Fast(seq, "a sequence of arrays is expected");
  if (!fast) return false;
  Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
  vs->v = PyMem_Calloc((size_t)len + 1, sizeof *vs->v);
  *out = PyMem_Calloc((size_t)len + 1, sizeof **out);
  bool ok = vs->v && *out;
  if (!ok) PyErr_NoMemory();
  for (Py_ssize_t i = 0; ok && i < len; i++) {
    PyObject *item = PySequence_Fast_GET_ITEM(fast, i), *buf = item, *dims = NULL;
    int dtype = dtypes ? dtypes[i] : 0;
    /* a 4- or 2-bit type's buffer: its packed bytes, with its dims */
    if (dtypes && PyTuple_Check(item) &&
        !PyArg_ParseTuple(item, "OO;(packed bytes, dims) expected", &buf, &dims)) {
      ok = false;
      break;
    }
    if (!dtypes &&
        !PyArg_ParseTuple(item, "iO|O;(dtype, buffer) or (dtype, packed bytes, dims) expected",
                          &dtype, &buf, &dims)) {
      ok = false;
      break;
    }
    char what[64];
    snprintf(what, sizeof what, "%s %zd", kind, i);
    ok = tensor_from(buf, (hy_dtype)dtype, dims, writable, what, vs, &(*out)[i]);
  }
  *n = (int32_t)len;
  Py_DECREF(fast);
  return ok;
}

static PyObject *dims_tuple(int32_t rank, const int64_t *dims) {
  PyObject *t = PyTuple_New(rank);
  for (int32_t k = 0; t && k < rank; k++)
    PyTuple_SET_ITEM(t, k, PyLong_FromLongLong(dims[k]));
  return t;
}

/* (sym[0], ...) of a descriptor: 1 + the model's run-time dim of each dim, 0 for a fixed one. */
static PyObject *syms_tuple(const hy_io_desc *d) {
  PyObject *t = PyTuple_New(d->rank);
  for (int32_t k = 0; t && k < d->rank; k++) {
    PyObject *v = PyLong_FromLong(d->sym[k]);
    if (!v) {
      Py_DECREF(t);
      return NULL;
    }
    PyTuple_SET_ITEM(t, k, v);
  }
  return t;
}

/* [(name, dtype, dims, bounded, syms)] of descriptors d[0..n). */
static PyObject *io_list(const hy_io_desc *d, int32_t n) {
  PyObject *l = PyList_New(n);
  for (int32_t i = 0; l && i < n; i++) {
    PyObject *item = Py_BuildValue("(siNIN)", d[i].name ? d[i].name : "", (int)d[i].dtype,
                                   dims_tuple(d[i].rank, d[i].dims), (unsigned)d[i].bounded,
                                   syms_tuple(&d[i]));
    if (!item) {
      Py_DECREF(l);
      return NULL;
    }
    PyList_SET_ITEM(l, i, item);
  }
  return l;
}

/* ---- Model ---- */

typedef struct ModelObject {
  PyObject_HEAD arena a;
  diag d; /* the graph's (ir_graph.d points here) */
  ir_graph *g;
  cg_jit *jit, *prof_jit;
  cg_profile prof;
  hy_session *s, *prof_s;
  int32_t n_threads;
  bool started; /* __init__ began compiling (without the GIL) */
} ModelObject;

static void model_dealloc(ModelObject *self) {
  hy_session_destroy(self->s);
  hy_session_destroy(self->prof_s);
  if (self->jit) cg_jit_free(self->jit);
  if (self->prof_jit) cg_jit_free(self->prof_jit);
  free(self->prof.ns);
  arena_free(&self->a);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *model_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  (void)args, (void)kw;
  ModelObject *self = (ModelObject *)type->tp_alloc(type, 0);
  if (!self) return NULL;
  arena_init(&self->a);
  diag_init(&self->d);
  return (PyObject *)self;
}

/* Dim k of binding b from item: an int, or a (lo, hi) pair leaving it to run time. */
static bool dim_from(PyObject *item, const char *name, Py_ssize_t k, pass_binding *b) {
  long long lo, hi;
  if (PyTuple_Check(item)) {
    if (!PyArg_ParseTuple(item, "LL;a run-time dim is a (lo, hi) pair", &lo, &hi)) return false;
  } else {
    lo = hi = PyLong_AsLongLong(item);
    if (lo == -1 && PyErr_Occurred()) return false;
  }
  if (lo < 0 || hi < lo) {
    PyErr_Format(PyExc_ValueError, "shape of '%s': dim %zd is %lld..%lld (negative or empty)",
                 name, k, lo, hi);
    return false;
  }
  b->lo[k] = lo;
  b->dims[k] = hi;
  if (hi > lo) b->ranged |= 1u << k;
  return true;
}

/* shapes: a sequence of (input name, dims) pairs into b[0..*n) (names borrowed from shapes); a
 * dim is an int or a (lo, hi) pair (a run-time dim). */
static bool bindings_from(PyObject *shapes, pass_binding **b, int32_t *n) {
  PyObject *fast = PySequence_Fast(shapes, "shapes: a sequence of (name, dims) pairs");
  if (!fast) return false;
  Py_ssize_t len = PySequence_Fast_GET_SIZE(fast);
  *b = PyMem_Calloc((size_t)len + 1, sizeof **b);
  bool ok = *b != NULL;
  if (!ok) PyErr_NoMemory();
  for (Py_ssize_t i = 0; ok && i < len; i++) {
    PyObject *dims;
    const char *name;
    ok = PyArg_ParseTuple(PySequence_Fast_GET_ITEM(fast, i), "sO;shapes: (name, dims) pairs", &name,
                          &dims);
    PyObject *df = ok ? PySequence_Fast(dims, "dims: a sequence of ints") : NULL;
    ok = df != NULL;
    Py_ssize_t rank = ok ? PySequence_Fast_GET_SIZE(df) : 0;
    if (ok && rank > HY_MAX_RANK) {
      PyErr_Format(PyExc_ValueError, "shape of '%s' has rank %zd; Hydra takes at most %d", name,
                   rank, HY_MAX_RANK);
      ok = false;
    }
    (*b)[i].input = name;
    (*b)[i].rank = (int32_t)rank;
    for (Py_ssize_t k = 0; ok && k < rank; k++)
      ok = dim_from(PySequence_Fast_GET_ITEM(df, k), name, k, &(*b)[i]);
    Py_XDECREF(df);
  }
  *n = (int32_t)len;
  /* the names point into the str objects, which shapes keeps alive for the call */
  Py_DECREF(fast);
  return ok;
}

static int model_init(ModelObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"path", "shapes", "threads", NULL};
  const char *path;
  PyObject *shapes = NULL;
  int threads = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "s|Oi", kwlist, &path, &shapes, &threads)) return -1;
  if (self->started) {
    PyErr_SetString(PyExc_RuntimeError, "Model is already compiled");
    return -1;
  }
  if (threads < 1 || threads > 1024) {
    PyErr_Format(PyExc_ValueError, "threads wants a number in [1, 1024], not %d", threads);
    return -1;
  }
  pass_binding *b = NULL;
  int32_t nb = 0;
  if (shapes && shapes != Py_None && !bindings_from(shapes, &b, &nb)) {
    PyMem_Free(b);
    return -1;
  }
  self->n_threads = threads;
  self->started = true;
  PyThreadState *ts = PyEval_SaveThread();
  hy_status st =
      hc_compile_graph_observed(&self->a, &self->d, path, b, nb, NULL, 0, NULL, &self->g);
  if (st == HY_OK) st = cg_jit_compile(self->g, "model", NULL, &self->jit);
  PyEval_RestoreThread(ts);
  PyMem_Free(b);
  if (st != HY_OK) {
    self->g = NULL;
    raise_hydra(st, self->d.msg);
    return -1;
  }
  hy_session_options so = {.n_threads = threads};
  st = hy_session_create(cg_jit_model(self->jit), &so, &self->s);
  if (st != HY_OK) {
    raise_hydra(st, hy_session_error(NULL));
    return -1;
  }
  return 0;
}

static bool model_ready(const ModelObject *self) {
  if (self->s) return true;
  PyErr_SetString(PyExc_RuntimeError, "Model is not compiled");
  return false;
}

static PyObject *model_inputs(ModelObject *self, void *closure) {
  (void)closure;
  if (!model_ready(self)) return NULL;
  const hy_model *m = cg_jit_model(self->jit);
  return io_list(m->inputs, m->n_inputs);
}

static PyObject *model_dims(ModelObject *self, void *closure) {
  (void)closure;
  if (!model_ready(self)) return NULL;
  const hy_model *m = cg_jit_model(self->jit);
  PyObject *list = PyList_New(m->n_syms);
  for (int32_t k = 0; list && k < m->n_syms; k++) {
    PyObject *item = Py_BuildValue("(sLL)", m->syms[k].name, (long long)m->syms[k].lo,
                                   (long long)m->syms[k].hi);
    if (!item) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, k, item);
  }
  return list;
}

static PyObject *model_outputs(ModelObject *self, void *closure) {
  (void)closure;
  if (!model_ready(self)) return NULL;
  const hy_model *m = cg_jit_model(self->jit);
  return io_list(m->outputs, m->n_outputs);
}

/* One checked run of s over the buffers (inputs: sequence of (dtype, buffer); outputs: writable
 * buffers of the outputs' dtypes); returns the outputs' actual shapes. */
static PyObject *run_session(hy_session *s, const hy_model *m, PyObject *inputs,
                             PyObject *outputs) {
  views vi = {0}, vo = {0};
  hy_tensor *ti = NULL, *to = NULL;
  int32_t ni = 0, no = 0;
  hy_dtype *od = PyMem_Calloc((size_t)m->n_outputs + 1, sizeof *od);
  PyObject *r = NULL;
  if (!od) {
    PyErr_NoMemory();
    goto done;
  }
  for (int32_t i = 0; i < m->n_outputs; i++)
    od[i] = m->outputs[i].dtype;
  if (PySequence_Size(outputs) != m->n_outputs) {
    if (!PyErr_Occurred())
      PyErr_Format(PyExc_ValueError, "%d output buffers given, the model has %d",
                   (int)PySequence_Size(outputs), m->n_outputs);
    goto done;
  }
  if (!tensors_from(inputs, NULL, false, "input", &vi, &ti, &ni) ||
      !tensors_from(outputs, od, true, "output", &vo, &to, &no))
    goto done;
  PyThreadState *ts = PyEval_SaveThread();
  hy_status st = hy_session_run_tensors(s, ti, ni, to, no);
  PyEval_RestoreThread(ts);
  if (st != HY_OK) {
    raise_hydra(st, hy_session_error(s));
    goto done;
  }
  r = PyList_New(no);
  for (int32_t i = 0; r && i < no; i++) {
    PyObject *d = dims_tuple(to[i].rank, to[i].dims);
    if (!d) {
      Py_CLEAR(r);
      break;
    }
    PyList_SET_ITEM(r, i, d);
  }
done:
  views_release(&vi);
  views_release(&vo);
  PyMem_Free(ti);
  PyMem_Free(to);
  PyMem_Free(od);
  return r;
}

static PyObject *model_run(ModelObject *self, PyObject *args) {
  PyObject *inputs, *outputs;
  if (!PyArg_ParseTuple(args, "OO", &inputs, &outputs) || !model_ready(self)) return NULL;
  return run_session(self->s, cg_jit_model(self->jit), inputs, outputs);
}

/* profile(inputs, outputs, iters, warmup): the model compiled again with a clock read around
 * each node (cg_jit_compile_profiled, as `hydrac bench --profile`), run warmup + iters times;
 * returns [(node, op, kernel, ns over the timed runs)] in run order. */
static PyObject *model_profile(ModelObject *self, PyObject *args) {
  PyObject *inputs, *outputs;
  int iters = 10, warmup = 2;
  if (!PyArg_ParseTuple(args, "OO|ii", &inputs, &outputs, &iters, &warmup) || !model_ready(self))
    return NULL;
  if (iters < 1 || warmup < 0) {
    PyErr_SetString(PyExc_ValueError, "profile wants iters >= 1 and warmup >= 0");
    return NULL;
  }
  if (!self->prof_s) {
    self->prof.n_nodes = self->g->n_nodes;
    self->prof.thread_cpu_time = self->n_threads == 1;
    self->prof.ns = calloc((size_t)self->g->n_nodes + 1, sizeof *self->prof.ns);
    if (!self->prof.ns) return PyErr_NoMemory();
    diag_init(&self->d);
    /* with the GIL held: the graph's arena and diag are shared with save() */
    hy_status st = cg_jit_compile_profiled(self->g, "model", NULL, &self->prof, &self->prof_jit);
    if (st != HY_OK) return raise_hydra(st, self->d.msg);
    hy_session_options so = {.n_threads = self->n_threads};
    st = hy_session_create(cg_jit_model(self->prof_jit), &so, &self->prof_s);
    if (st != HY_OK) return raise_hydra(st, hy_session_error(NULL));
  }
  const hy_model *m = cg_jit_model(self->prof_jit);
  for (int i = 0; i < warmup + iters; i++) {
    if (i == warmup) memset(self->prof.ns, 0, (size_t)self->prof.n_nodes * sizeof *self->prof.ns);
    PyObject *r = run_session(self->prof_s, m, inputs, outputs);
    if (!r) return NULL;
    Py_DECREF(r);
  }
  PyObject *l = PyList_New(self->prof.n_nodes);
  int32_t i = 0;
  for (const ir_node *n = self->g->first; l && n && i < self->prof.n_nodes; n = n->next, i++) {
    PyObject *item = Py_BuildValue("(sssd)", n->name ? n->name : "", ir_op_name(n->op),
                                   hy_kernel_symbol(n->lowered->kernel), self->prof.ns[i]);
    if (!item) {
      Py_CLEAR(l);
      break;
    }
    PyList_SET_ITEM(l, i, item);
  }
  return l;
}

/* save(obj, header, weights or None, name): the files `hydrac compile` writes, for this host. */
static PyObject *model_save(ModelObject *self, PyObject *args) {
  const char *obj, *header, *weights, *name;
  if (!PyArg_ParseTuple(args, "ssz|z", &obj, &header, &weights, &name) || !model_ready(self))
    return NULL;
  arena a;
  arena_init(&a);
  const char *stem = strrchr(obj, '/') ? strrchr(obj, '/') + 1 : obj;
  char *base = arena_strndup(&a, stem, strcspn(stem, "."));
  const char *sym = name ? name : base ? c_ident(&a, base) : NULL;
  if (!sym || !is_c_ident(sym)) {
    arena_free(&a);
    if (!sym) return PyErr_NoMemory();
    return PyErr_Format(PyExc_ValueError, "'%s' is not a C identifier", sym);
  }
  cg_target t = {.opt_level = 3};
  diag_init(&self->d);
  /* with the GIL held: the graph's arena and diag are shared with profile() */
  hy_status st = cg_emit_object(self->g, sym, &t, weights ? CG_WEIGHTS_FILE : CG_WEIGHTS_EMBED, obj,
                                header, weights);
  arena_free(&a);
  if (st != HY_OK) return raise_hydra(st, self->d.msg);
  Py_RETURN_NONE;
}

static PyGetSetDef model_getset[] = {
    {"inputs", (getter)model_inputs, NULL,
     "[(name, dtype, dims, bounded, syms)] of the inputs (syms[k]: 1 + dim k's run-time dim)",
     NULL},
    {"outputs", (getter)model_outputs, NULL, "[(name, dtype, dims, bounded, syms)] of the outputs",
     NULL},
    {"dims", (getter)model_dims, NULL, "[(name, lo, hi)] of the run-time dims", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef model_methods[] = {
    {"run", (PyCFunction)model_run, METH_VARARGS,
     "run(inputs, outputs): inputs [(dtype, buffer)] in model order, outputs writable buffers; "
     "returns the outputs' actual shapes"},
    {"profile", (PyCFunction)model_profile, METH_VARARGS,
     "profile(inputs, outputs, iters=10, warmup=2) -> [(node, op, kernel, ns)]"},
    {"save", (PyCFunction)model_save, METH_VARARGS,
     "save(obj, header, weights_or_None, name=None): object file, C header (and weights file)"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "hydra._hydra.Model",
    .tp_doc = "Model(path, shapes=None, threads=1): an ONNX model compiled for this machine",
    .tp_basicsize = sizeof(ModelObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = model_new,
    .tp_init = (initproc)model_init,
    .tp_dealloc = (destructor)model_dealloc,
    .tp_methods = model_methods,
    .tp_getset = model_getset,
};

/* ---- run_once ---- */

/* run_once(path, inputs, threads=1, override_declared=False): compile for the inputs' shapes
 * (their values visible to shape inference) and run once, as `hydrac run` and the conformance
 * runner do; returns [(name, dtype, dims, bytes)] in output order. */
static PyObject *run_once(PyObject *mod, PyObject *args) {
  (void)mod;
  const char *path;
  PyObject *inputs;
  int threads = 1, override = 0;
  if (!PyArg_ParseTuple(args, "sO|ip", &path, &inputs, &threads, &override)) return NULL;
  views vi = {0};
  hy_tensor *ti = NULL, *out = NULL;
  int32_t ni = 0, no = 0;
  char **names = NULL;
  PyObject *r = NULL;
  if (tensors_from(inputs, NULL, false, "input", &vi, &ti, &ni)) {
    diag d;
    diag_init(&d);
    hc_run_options opt = {.n_threads = threads, .inputs_override_declared = override != 0};
    PyThreadState *ts = PyEval_SaveThread();
    hy_status st = hc_run_model_named(path, ti, ni, &opt, &out, &no, &names, &d);
    PyEval_RestoreThread(ts);
    if (st != HY_OK)
      raise_hydra(st, d.msg);
    else
      r = PyList_New(no);
    for (int32_t i = 0; r && i < no; i++) {
      PyObject *item = Py_BuildValue(
          "(siNy#)", names[i], (int)out[i].dtype, dims_tuple(out[i].rank, out[i].dims),
          (const char *)out[i].data, (Py_ssize_t)hy_tensor_bytes(&out[i]));
      if (!item) {
        Py_CLEAR(r);
        break;
      }
      PyList_SET_ITEM(r, i, item);
    }
  }
  hc_tensors_free(out, no);
  hc_names_free(names, no);
  views_release(&vi);
  PyMem_Free(ti);
  return r;
}

static PyObject *dtype_name(PyObject *mod, PyObject *arg) {
  (void)mod;
  long v = PyLong_AsLong(arg);
  if (v == -1 && PyErr_Occurred()) return NULL;
  return PyUnicode_FromString(hy_dtype_name((hy_dtype)v));
}

static PyMethodDef module_methods[] = {
    {"run_once", run_once, METH_VARARGS,
     "run_once(path, inputs, threads=1, override_declared=False) -> [(name, dtype, dims, bytes)]"},
    {"dtype_name", dtype_name, METH_O, "Hydra's name of an ONNX dtype code"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT,
                                        "_hydra",
                                        "Hydra's compiler and runtime (C extension)",
                                        -1,
                                        module_methods,
                                        NULL,
                                        NULL,
                                        NULL,
                                        NULL};

PyMODINIT_FUNC PyInit__hydra(void) {
  if (PyType_Ready(&ModelType) < 0) return NULL;
  PyObject *m = PyModule_Create(&module_def);
  if (!m) return NULL;
  HydraError = PyErr_NewExceptionWithDoc("hydra.HydraError",
                                         "An error Hydra reported (the message names file, node "
                                         "and op; .status is Hydra's status name)",
                                         PyExc_RuntimeError, NULL);
  Py_INCREF(&ModelType);
  if (!HydraError || PyModule_AddObject(m, "HydraError", HydraError) < 0 ||
      PyModule_AddObject(m, "Model", (PyObject *)&ModelType) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  Py_INCREF(HydraError);
  return m;
}
