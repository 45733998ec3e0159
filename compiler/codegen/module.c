/* The model module: kernels linked in from the embedded bitcode, the entry function calling one
 * kernel per node with constant hy_kparams, the hy_model descriptor, then the O-level pipeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/Linker.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen/cg_internal.h"
#include "ir/entry.h"

/* Built by runtime/CMakeLists.txt (clang-19 → llvm-link) and embedded by kernels_bc.S. */
extern const char hc_kernels_bc[];
extern const char hc_kernels_bc_end[];

typedef struct cg_ctx {
  const cg_build *b;
  ir_graph *g;
  LLVMContextRef c;
  LLVMModuleRef m;
  LLVMBuilderRef ir;     /* the node calls */
  LLVMBuilderRef allocs; /* allocas, at the end of the entry block */
  LLVMTypeRef i8, i32, i64, f64, ptr, tdesc, kparams, iodesc, symdesc, edesc, model, entry_ty,
      kernel_ty;
  LLVMValueRef entry, model_gv;
  /* The named entries (g->entries), in order: their functions and cones. */
  LLVMValueRef *entry_fns;
  ir_cone *cones;
  int32_t n_nodes; /* in the graph */
  /* The function being emitted (the entry or a node's function) and its parameters. */
  LLVMValueRef fn, arena, inputs, outputs, ex, weights;
  LLVMValueRef *consts; /* one global per constant value, by value id (embedded mode) */
  char diag_msg[512];   /* first error the LLVM context reported (linker) */
  struct cg_spec *specs; /* kernel specialisations by key (open addressing), see cg_spec_for */
  int32_t specs_cap, n_specs;
} cg_ctx;

/* One specialised kernel function: the kernel with one constant hy_kparams. */
typedef struct cg_spec {
  uint64_t hash;
  const int64_t *key; /* NULL: empty slot */
  int32_t key_len;
  LLVMValueRef fn;
} cg_spec;

static void cg_diag_handler(LLVMDiagnosticInfoRef di, void *user) {
  cg_ctx *x = user;
  if (LLVMGetDiagInfoSeverity(di) != LLVMDSError || x->diag_msg[0]) return;
  char *s = LLVMGetDiagInfoDescription(di);
  snprintf(x->diag_msg, sizeof x->diag_msg, "%s", s ? s : "?");
  LLVMDisposeMessage(s);
}

static LLVMValueRef ci32(cg_ctx *x, int64_t v) { return LLVMConstInt(x->i32, (uint64_t)v, 1); }
static LLVMValueRef ci64(cg_ctx *x, int64_t v) { return LLVMConstInt(x->i64, (uint64_t)v, 1); }

/* Struct types mirroring hydra/kernel.h and hydra/model.h. LLVM lays out a non-packed struct
 * with the data layout's natural alignment, which is the C layout for these fields. */
static void cg_types(cg_ctx *x) {
  LLVMContextRef c = x->c;
  x->i8 = LLVMInt8TypeInContext(c);
  x->i32 = LLVMInt32TypeInContext(c);
  x->i64 = LLVMInt64TypeInContext(c);
  x->f64 = LLVMDoubleTypeInContext(c);
  x->ptr = LLVMPointerTypeInContext(c, 0);
  LLVMTypeRef dims = LLVMArrayType2(x->i64, HY_MAX_RANK);
  LLVMTypeRef td[] = {x->i32, x->i32, dims};
  x->tdesc = LLVMStructTypeInContext(c, td, 3, 0);
  LLVMTypeRef kp[] = {x->i32, x->i32, x->i32, x->i32, x->ptr, x->ptr, x->ptr, x->ptr};
  x->kparams = LLVMStructTypeInContext(c, kp, 8, 0);
  LLVMTypeRef io[] = {x->ptr, x->i32, x->i32, dims, x->i32, LLVMArrayType2(x->i8, HY_MAX_RANK)};
  x->iodesc = LLVMStructTypeInContext(c, io, 6, 0);
  LLVMTypeRef sd[] = {x->ptr, x->i64, x->i64};
  x->symdesc = LLVMStructTypeInContext(c, sd, 3, 0);
  LLVMTypeRef ed[] = {x->ptr, x->i32, x->i32, x->ptr, x->ptr, x->ptr, x->ptr, x->i32};
  x->edesc = LLVMStructTypeInContext(c, ed, 8, 0);
  LLVMTypeRef md[] = {x->i32, x->ptr, x->i32, x->i32, x->ptr, x->ptr, x->i64,
                      x->ptr, x->ptr, x->i64, x->ptr, x->i64, x->i32, x->ptr,
                      x->i64, x->i32, x->ptr, x->i32, x->ptr, x->i64};
  x->model = LLVMStructTypeInContext(c, md, 20, 0);
  LLVMTypeRef ep[] = {x->ptr, x->ptr, x->ptr, x->ptr, x->ptr}; /* + weights in file mode */
  x->entry_ty = LLVMFunctionType(x->i32, ep, x->b->weights ? 5 : 4, 0);
  LLVMTypeRef kp_args[] = {x->ptr, x->ptr, x->ptr, x->ptr, x->ptr};
  x->kernel_ty = LLVMFunctionType(x->i32, kp_args, 5, 0);
}

/* A private constant global holding init; returns the global. */
static LLVMValueRef cg_const_global(cg_ctx *x, LLVMValueRef init, const char *name, unsigned align) {
  LLVMValueRef gv = LLVMAddGlobal(x->m, LLVMTypeOf(init), name);
  LLVMSetInitializer(gv, init);
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMPrivateLinkage);
  LLVMSetUnnamedAddr(gv, 1);
  if (align) LLVMSetAlignment(gv, align);
  return gv;
}

static LLVMValueRef cg_cstring(cg_ctx *x, const char *s) {
  return cg_const_global(x, LLVMConstStringInContext2(x->c, s, strlen(s), 0), "str", 1);
}

static LLVMValueRef cg_dims(cg_ctx *x, int32_t rank, const int64_t *dims) {
  LLVMValueRef d[HY_MAX_RANK];
  for (int32_t i = 0; i < HY_MAX_RANK; i++) d[i] = ci64(x, i < rank ? dims[i] : 0);
  return LLVMConstArray2(x->i64, d, HY_MAX_RANK);
}

/* hy_tdesc of v; dtype 0 for an omitted operand. */
static LLVMValueRef cg_tdesc(cg_ctx *x, const ir_value *v) {
  int32_t rank = v ? v->type.rank : 0;
  LLVMValueRef f[] = {ci32(x, v ? (int64_t)v->type.dtype : 0), ci32(x, rank),
                      cg_dims(x, rank, v ? v->type.dims : NULL)};
  return LLVMConstNamedStruct(x->tdesc, f, 3);
}

static LLVMValueRef cg_tdesc_array(cg_ctx *x, ir_value **vals, int32_t n) {
  if (n == 0) return LLVMConstNull(x->ptr);
  LLVMValueRef elems[n];
  for (int32_t i = 0; i < n; i++) elems[i] = cg_tdesc(x, vals[i]);
  return cg_const_global(x, LLVMConstArray2(x->tdesc, elems, (uint64_t)n), "tdesc", 8);
}

/* The constant double[n_floats] of a lowered node's float attributes, or NULL. */
static LLVMValueRef cg_floats_global(cg_ctx *x, const ir_lowered *l) {
  if (l->n_floats <= 0) return LLVMConstNull(x->ptr);
  LLVMValueRef v[l->n_floats];
  for (int32_t i = 0; i < l->n_floats; i++) v[i] = LLVMConstReal(x->f64, l->floats[i]);
  return cg_const_global(x, LLVMConstArray2(x->f64, v, (uint64_t)l->n_floats), "floats", 8);
}

static LLVMValueRef cg_kparams(cg_ctx *x, const ir_node *n) {
  const ir_lowered *l = n->lowered;
  LLVMValueRef ints = LLVMConstNull(x->ptr), floats = cg_floats_global(x, l);
  if (l->n_ints > 0) {
    LLVMValueRef v[l->n_ints];
    for (int32_t i = 0; i < l->n_ints; i++) v[i] = ci64(x, l->ints[i]);
    ints = cg_const_global(x, LLVMConstArray2(x->i64, v, (uint64_t)l->n_ints), "ints", 8);
  }
  LLVMValueRef f[] = {ci32(x, n->n_in),  ci32(x, n->n_out),
                      ci32(x, l->n_ints), ci32(x, l->n_floats),
                      cg_tdesc_array(x, n->in, n->n_in), cg_tdesc_array(x, n->out, n->n_out),
                      ints, floats};
  return cg_const_global(x, LLVMConstNamedStruct(x->kparams, f, 8), n->name, 8);
}

static hy_status cg_value_bytes(cg_ctx *x, const ir_value *v, int64_t *bytes) {
  *bytes = ir_type_bytes(&v->type);
  if (*bytes < 0)
    return diag_error(x->g->d, HY_ERR_INTERNAL, "codegen: value '%s' has no static type",
                      v->name ? v->name : "?");
  return HY_OK;
}

/* Weights-file mode: the address of v's bytes in the file (weights_file.c laid it out), computed
 * in the current function's first block from its weights argument; NULL when v is embedded. */
static LLVMValueRef cg_weights_blob(cg_ctx *x, const ir_value *v) {
  const cg_weights_out *w = x->b->weights;
  if (v->id < 0 || v->id >= x->g->n_values || w->offset[v->id] < 0) return NULL;
  LLVMValueRef o = ci64(x, w->offset[v->id]);
  return LLVMBuildInBoundsGEP2(x->allocs, x->i8, x->weights, &o, 1, "w");
}

/* The 64-byte aligned constant holding v's bytes (one per value). */
static hy_status cg_const_data(cg_ctx *x, const ir_value *v, LLVMValueRef *out) {
  bool cached = v->id >= 0 && v->id < x->g->n_values;
  if (cached && x->consts[v->id]) {
    *out = x->consts[v->id];
    return HY_OK;
  }
  int64_t bytes;
  hy_status s = cg_value_bytes(x, v, &bytes);
  if (s) return s;
  if (x->b->weights && (*out = cg_weights_blob(x, v))) return HY_OK; /* not cached: per function */
  /* A zero-size constant still needs an address; one byte keeps it distinct. */
  LLVMValueRef init = bytes ? LLVMConstStringInContext2(x->c, v->data, (size_t)bytes, 1)
                            : LLVMConstNull(LLVMArrayType2(x->i8, 1));
  *out = cg_const_global(x, init, "const", 64);
  if (cached) x->consts[v->id] = *out;
  return HY_OK;
}

static LLVMValueRef cg_load_io(cg_ctx *x, LLVMValueRef base, int32_t index) {
  LLVMValueRef idx = ci64(x, index);
  LLVMValueRef slot = LLVMBuildGEP2(x->ir, x->ptr, base, &idx, 1, "");
  return LLVMBuildLoad2(x->ir, x->ptr, slot, "");
}

static LLVMValueRef cg_arena_at(cg_ctx *x, int64_t offset) {
  LLVMValueRef off = ci64(x, offset);
  return LLVMBuildInBoundsGEP2(x->ir, x->i8, x->arena, &off, 1, "");
}

/* Where v lives at run time. */
static hy_status cg_value_ptr(cg_ctx *x, const ir_value *v, LLVMValueRef *out) {
  if (!v) {
    *out = LLVMConstNull(x->ptr);
    return HY_OK;
  }
  if (v->data) return cg_const_data(x, v, out);
  if (v->input_index >= 0) {
    *out = cg_load_io(x, x->inputs, v->input_index);
    return HY_OK;
  }
  if (v->mem == IR_MEM_ARENA) {
    *out = cg_arena_at(x, v->offset);
    return HY_OK;
  }
  if (v->output_index >= 0) {
    *out = cg_load_io(x, x->outputs, v->output_index);
    return HY_OK;
  }
  return diag_error(x->g->d, HY_ERR_INTERNAL, "codegen: value '%s' has no memory planned",
                    v->name ? v->name : "?");
}

/* An alloca'd [n x ptr] filled with the operands' addresses, then extra when not NULL (the
 * extent slot of a value-dependent node, kernel.h). */
static hy_status cg_ptr_array(cg_ctx *x, ir_value **vals, int32_t n, LLVMValueRef extra,
                              LLVMValueRef *out) {
  int32_t len = n + (extra != NULL);
  if (len == 0) {
    *out = LLVMConstNull(x->ptr);
    return HY_OK;
  }
  LLVMTypeRef arr_ty = LLVMArrayType2(x->ptr, (uint64_t)len);
  LLVMValueRef arr = LLVMBuildAlloca(x->allocs, arr_ty, "ops");
  for (int32_t i = 0; i < len; i++) {
    LLVMValueRef p = extra;
    if (i < n) {
      hy_status s = cg_value_ptr(x, vals[i], &p);
      if (s) return s;
    }
    LLVMValueRef idx[] = {ci64(x, 0), ci64(x, i)};
    LLVMBuildStore(x->ir, p, LLVMBuildInBoundsGEP2(x->ir, arr_ty, arr, idx, 2, ""));
  }
  *out = arr;
  return HY_OK;
}

/* if (st != HY_OK) return st | node_tag; node_tag is HY_ENTRY_NODE_TAG(index) for a node's
 * call (the session names the node from it, model.h), 0 for a call that already tagged it. */
static void cg_check_status(cg_ctx *x, LLVMValueRef st, int64_t node_tag) {
  LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(x->c, x->fn, "fail");
  LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(x->c, x->fn, "next");
  LLVMValueRef ok = LLVMBuildICmp(x->ir, LLVMIntEQ, st, ci32(x, 0), "");
  LLVMBuildCondBr(x->ir, ok, next, fail);
  LLVMPositionBuilderAtEnd(x->ir, fail);
  LLVMBuildRet(x->ir, node_tag ? LLVMBuildOr(x->ir, st, ci32(x, node_tag), "") : st);
  LLVMPositionBuilderAtEnd(x->ir, next);
}

/* Starts emitting fn (the entry's signature): its parameters, a first block for allocas and
 * address computations, a body block for the code. cg_end_function joins them. */
static void cg_begin_function(cg_ctx *x, LLVMValueRef fn) {
  x->fn = fn;
  x->arena = LLVMGetParam(fn, 0);
  x->inputs = LLVMGetParam(fn, 1);
  x->outputs = LLVMGetParam(fn, 2);
  x->ex = LLVMGetParam(fn, 3);
  x->weights = x->b->weights ? LLVMGetParam(fn, 4) : NULL;
  LLVMBasicBlockRef top = LLVMAppendBasicBlockInContext(x->c, fn, "top");
  LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(x->c, fn, "body");
  LLVMPositionBuilderAtEnd(x->allocs, top);
  LLVMPositionBuilderAtEnd(x->ir, body);
}

static void cg_end_function(cg_ctx *x) {
  LLVMBasicBlockRef top = LLVMGetEntryBasicBlock(x->fn);
  LLVMPositionBuilderAtEnd(x->allocs, top);
  LLVMBuildBr(x->allocs, LLVMGetNextBasicBlock(top));
}

/* What a kernel sees of node n at compile time, as int64s: kernel id, operand dtypes and dims,
 * whether it has scratch, the attribute block. Nodes with equal keys run the same code. */
static int64_t *cg_spec_key(cg_ctx *x, const ir_node *n, int32_t *len) {
  const ir_lowered *l = n->lowered;
  int32_t cap = 6 + (n->n_in + n->n_out) * (2 + HY_MAX_RANK) + l->n_ints + l->n_floats;
  int64_t *k = arena_array(x->g->a, (size_t)cap, sizeof *k);
  if (!k) return NULL;
  int32_t m = 0;
  k[m++] = l->kernel;
  k[m++] = n->n_in;
  k[m++] = n->n_out;
  for (int32_t i = 0; i < n->n_in + n->n_out; i++) {
    const ir_value *v = i < n->n_in ? n->in[i] : n->out[i - n->n_in];
    int32_t rank = v ? v->type.rank : 0;
    k[m++] = v ? (int64_t)v->type.dtype : 0;
    k[m++] = rank;
    for (int32_t d = 0; d < rank; d++) k[m++] = v->type.dims[d];
  }
  k[m++] = l->scratch_bytes > 0;
  k[m++] = l->n_ints;
  for (int32_t i = 0; i < l->n_ints; i++) k[m++] = l->ints[i];
  k[m++] = l->n_floats;
  for (int32_t i = 0; i < l->n_floats; i++) memcpy(&k[m++], &l->floats[i], sizeof(double));
  *len = m;
  return k;
}

/* Dim k of v is a run-time value (not the same at every size). */
static bool cg_dim_is_rt(const ir_value *v, int32_t k) {
  return v && k < v->type.rank && v->type.dyn && !ir_dimx_is_const(&v->type.dyn[k]);
}

static bool cg_int_is_rt(const ir_lowered *l, int32_t i) {
  return l->dyn_ints && !ir_dimx_is_const(&l->dyn_ints[i]);
}

/* A key from cg_spec_key for a node on run-time dims: each run-time dim and int replaced by a
 * marker no size or int takes, its first word negated to keep it apart from constant-shape keys
 * (their functions take no kparams). Walks the key in cg_spec_key's order. */
static void cg_dyn_key(const ir_node *n, int64_t *k) {
  const ir_lowered *l = n->lowered;
  const int64_t marker = INT64_MIN;
  int32_t m = 3;
  k[0] = -1 - k[0];
  for (int32_t i = 0; i < n->n_in + n->n_out; i++) {
    const ir_value *v = i < n->n_in ? n->in[i] : n->out[i - n->n_in];
    int32_t rank = v ? v->type.rank : 0;
    m += 2;
    for (int32_t d = 0; d < rank; d++, m++)
      if (cg_dim_is_rt(v, d)) k[m] = marker;
  }
  m += 2; /* scratch, n_ints */
  for (int32_t i = 0; i < l->n_ints; i++, m++)
    if (cg_int_is_rt(l, i)) k[m] = marker;
}

static uint64_t cg_hash(const int64_t *k, int32_t len) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a over the words */
  for (int32_t i = 0; i < len; i++) h = (h ^ (uint64_t)k[i]) * 1099511628211ull;
  return h;
}

/* The specialisation of key (hash h) made before, or NULL. */
static LLVMValueRef cg_spec_find(const cg_ctx *x, const int64_t *key, int32_t len, uint64_t h) {
  uint64_t mask = (uint64_t)x->specs_cap - 1;
  for (uint64_t i = h & mask; x->specs[i].key; i = (i + 1) & mask) {
    const cg_spec *e = &x->specs[i];
    if (e->hash == h && e->key_len == len && !memcmp(e->key, key, (size_t)len * sizeof *key))
      return e->fn;
  }
  return NULL;
}

/* Records fn as the specialisation of key (hash h); the table has room for every node's. */
static void cg_spec_add(cg_ctx *x, const int64_t *key, int32_t len, uint64_t h, LLVMValueRef fn) {
  uint64_t mask = (uint64_t)x->specs_cap - 1, i = h & mask;
  while (x->specs[i].key) i = (i + 1) & mask;
  x->specs[i] = (cg_spec){h, key, len, fn};
  x->n_specs++;
}

/* The body of a specialisation: the kernel called with n's constant hy_kparams and always
 * inlined, which is what specialises it on the shapes and attributes. */
static hy_status cg_spec_body(cg_ctx *x, const ir_node *n, LLVMValueRef fn) {
  const char *sym = hy_kernel_symbol(n->lowered->kernel);
  if (!sym)
    return ir_node_error(x->g, n, HY_ERR_INTERNAL, "codegen: bad kernel id %d", n->lowered->kernel);
  /* Declared here; cg_link_kernels brings in the definition. */
  LLVMValueRef kfn = LLVMGetNamedFunction(x->m, sym);
  if (!kfn) kfn = LLVMAddFunction(x->m, sym, x->kernel_ty);
  LLVMBuilderRef b = LLVMCreateBuilderInContext(x->c);
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(x->c, fn, "body"));
  LLVMValueRef args[5] = {cg_kparams(x, n), LLVMGetParam(fn, 0), LLVMGetParam(fn, 1),
                          LLVMGetParam(fn, 2), LLVMGetParam(fn, 3)};
  LLVMValueRef st = LLVMBuildCall2(b, x->kernel_ty, kfn, args, 5, "");
  unsigned always = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
  LLVMAddCallSiteAttribute(st, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(x->c, always, 0));
  LLVMBuildRet(b, st);
  LLVMDisposeBuilder(b);
  return HY_OK;
}

/* The specialised kernel function for n, hy_status (in, out, scratch, ex), shared by every node
 * with the same key: a BERT's twelve layers, or the copies of an encoder that several heads or
 * models repeat, compile each distinct kernel once. Each is noinline so it gets the inliner's
 * whole budget for its kernel's helpers and the entry stays small. */
static hy_status cg_spec_for(cg_ctx *x, const ir_node *n, LLVMValueRef *out) {
  int32_t len;
  int64_t *key = cg_spec_key(x, n, &len);
  if (!key) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  uint64_t h = cg_hash(key, len);
  if ((*out = cg_spec_find(x, key, len, h))) return HY_OK;
  char *fname = arena_printf(x->g->a, "%s_k%d", x->b->sym, x->n_specs);
  if (!fname) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  LLVMTypeRef params[] = {x->ptr, x->ptr, x->ptr, x->ptr};
  LLVMValueRef fn = LLVMAddFunction(x->m, fname, LLVMFunctionType(x->i32, params, 4, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(x->c, noinline, 0));
  hy_status s = cg_spec_body(x, n, fn);
  if (s) return s;
  cg_spec_add(x, key, len, h, fn);
  *out = fn;
  return HY_OK;
}

/* ---- run-time dims: shapes computed from the values the session wrote (model.h) ---- */

/* Symbol k's value in this run. */
static LLVMValueRef cg_sym(cg_ctx *x, int32_t k) {
  return LLVMBuildLoad2(x->ir, x->i64, cg_arena_at(x, x->g->syms_offset + 8 * (int64_t)k), "");
}

/* The monomial d in this run. */
static LLVMValueRef cg_dimx(cg_ctx *x, const ir_dimx *d) {
  LLVMValueRef v = ci64(x, d->coef);
  for (int32_t k = 0; k < IR_MAX_SYMS; k++)
    for (int32_t e = 0; e < d->exp[k]; e++) v = LLVMBuildMul(x->ir, v, cg_sym(x, k), "");
  return v;
}

/* Dim k of v in this run. */
static LLVMValueRef cg_dim(cg_ctx *x, const ir_value *v, int32_t k) {
  return v->type.dyn ? cg_dimx(x, &v->type.dyn[k]) : ci64(x, v->type.dims[k]);
}

/* The node's shapes or attribute ints depend on the run-time dims. */
static bool cg_node_dynamic(const ir_node *n) {
  if (n->lowered->dyn_ints) return true;
  for (int32_t i = 0; i < n->n_in + n->n_out; i++) {
    const ir_value *v = i < n->n_in ? n->in[i] : n->out[i - n->n_in];
    if (v && v->type.dyn) return true;
  }
  return false;
}

/* The values a node on run-time dims hands its specialisation, in this order: each operand's
 * run-time dims (inputs, then outputs), then its run-time ints. Their monomials into out (room
 * for (n_in + n_out) * HY_MAX_RANK + n_ints); returns how many. Everything else the kernel reads
 * is a constant of the specialisation (cg_dyn_spec_body walks the same order). */
static int32_t cg_dyn_values(const ir_node *n, const ir_dimx **out) {
  int32_t m = 0;
  for (int32_t i = 0; i < n->n_in + n->n_out; i++) {
    const ir_value *v = i < n->n_in ? n->in[i] : n->out[i - n->n_in];
    for (int32_t k = 0; v && k < v->type.rank; k++)
      if (cg_dim_is_rt(v, k)) out[m++] = &v->type.dyn[k];
  }
  for (int32_t i = 0; i < n->lowered->n_ints; i++)
    if (cg_int_is_rt(n->lowered, i)) out[m++] = &n->lowered->dyn_ints[i];
  return m;
}

/* In the entry: int64[] of n's run-time values for this run (cg_dyn_values) into *out, or NULL. */
static hy_status cg_dyn_values_rt(cg_ctx *x, const ir_node *n, LLVMValueRef *out) {
  size_t room = (size_t)(n->n_in + n->n_out) * HY_MAX_RANK + (size_t)n->lowered->n_ints;
  const ir_dimx **d = arena_array(x->g->a, room > 0 ? room : 1, sizeof *d);
  if (!d) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  int32_t count = cg_dyn_values(n, d);
  *out = LLVMConstNull(x->ptr);
  if (count == 0) return HY_OK;
  LLVMTypeRef arr_ty = LLVMArrayType2(x->i64, (uint64_t)count);
  LLVMValueRef arr = LLVMBuildAlloca(x->allocs, arr_ty, "rt");
  for (int32_t j = 0; j < count; j++) {
    LLVMValueRef at[] = {ci32(x, 0), ci32(x, j)};
    LLVMBuildStore(x->ir, cg_dimx(x, d[j]), LLVMBuildInBoundsGEP2(x->ir, arr_ty, arr, at, 2, ""));
  }
  *out = arr;
  return HY_OK;
}

/* A node that computes shape content only: its values stored, no kernel. */
static hy_status cg_fill_content(cg_ctx *x, const ir_node *n) {
  for (int32_t i = 0; i < n->n_out; i++) {
    const ir_value *v = n->out[i];
    if (!v || !v->sdata) continue;
    LLVMValueRef p;
    hy_status s = cg_value_ptr(x, v, &p);
    if (s) return s;
    for (int64_t e = 0; e < ir_type_numel(&v->type); e++) {
      LLVMValueRef at = ci64(x, e);
      LLVMBuildStore(x->ir, cg_dimx(x, &v->sdata[e]),
                     LLVMBuildInBoundsGEP2(x->ir, x->i64, p, &at, 1, ""));
    }
  }
  return HY_OK;
}

/* The next of the run-time values at rt (int64[], cg_dyn_values' order). */
static LLVMValueRef cg_load_rt(cg_ctx *x, LLVMBuilderRef b, LLVMValueRef rt, int32_t *next) {
  LLVMValueRef at = ci64(x, (*next)++);
  return LLVMBuildLoad2(b, x->i64, LLVMBuildInBoundsGEP2(b, x->i64, rt, &at, 1, ""), "");
}

/* The body of a specialisation on run-time dims, hy_status (values, in, out, scratch, ex): the
 * kernel called, always inlined, with kparams in which everything the node fixes at compile time
 * (dtypes, ranks, fixed dims and ints, floats) is a constant, so the kernel is specialised on those
 * as on constant shapes; only the run-time values are loaded, in cg_dyn_values' order. */
static void cg_dyn_spec_body(cg_ctx *x, const ir_node *n, LLVMValueRef fn, LLVMValueRef kfn) {
  const ir_lowered *l = n->lowered;
  LLVMBuilderRef b = LLVMCreateBuilderInContext(x->c);
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(x->c, fn, "body"));
  LLVMValueRef rt = LLVMGetParam(fn, 0);
  int32_t next = 0; /* the next run-time value */
  LLVMValueRef tds[2] = {LLVMConstNull(x->ptr), LLVMConstNull(x->ptr)};
  for (int32_t side = 0; side < 2; side++) {
    int32_t count = side ? n->n_out : n->n_in;
    ir_value **vals = side ? n->out : n->in;
    if (!count) continue;
    tds[side] = LLVMBuildAlloca(b, LLVMArrayType2(x->tdesc, (uint64_t)count), "td");
    for (int32_t i = 0; i < count; i++) {
      const ir_value *v = vals[i];
      int32_t rank = v ? v->type.rank : 0;
      LLVMValueRef f0[] = {ci32(x, i), ci32(x, 0)}, f1[] = {ci32(x, i), ci32(x, 1)};
      LLVMBuildStore(b, ci32(x, v ? (int64_t)v->type.dtype : 0),
                     LLVMBuildInBoundsGEP2(b, x->tdesc, tds[side], f0, 2, ""));
      LLVMBuildStore(b, ci32(x, rank), LLVMBuildInBoundsGEP2(b, x->tdesc, tds[side], f1, 2, ""));
      for (int32_t k = 0; k < HY_MAX_RANK; k++) {
        LLVMValueRef at[] = {ci32(x, i), ci32(x, 2), ci32(x, k)};
        LLVMValueRef d = cg_dim_is_rt(v, k) ? cg_load_rt(x, b, rt, &next)
                                            : ci64(x, k < rank ? v->type.dims[k] : 0);
        LLVMBuildStore(b, d, LLVMBuildInBoundsGEP2(b, x->tdesc, tds[side], at, 3, ""));
      }
    }
  }
  /* The floats are part of the key: the same in every node this specialisation serves. */
  LLVMValueRef ints = LLVMConstNull(x->ptr), floats = cg_floats_global(x, l);
  if (l->n_ints > 0) {
    LLVMTypeRef arr_ty = LLVMArrayType2(x->i64, (uint64_t)l->n_ints);
    ints = LLVMBuildAlloca(b, arr_ty, "ints");
    for (int32_t i = 0; i < l->n_ints; i++) {
      LLVMValueRef at[] = {ci32(x, 0), ci32(x, i)};
      LLVMValueRef v = cg_int_is_rt(l, i) ? cg_load_rt(x, b, rt, &next) : ci64(x, l->ints[i]);
      LLVMBuildStore(b, v, LLVMBuildInBoundsGEP2(b, arr_ty, ints, at, 2, ""));
    }
  }
  LLVMValueRef kp = LLVMBuildAlloca(b, x->kparams, "kp");
  LLVMValueRef f[] = {ci32(x, n->n_in), ci32(x, n->n_out), ci32(x, l->n_ints),
                      ci32(x, l->n_floats), tds[0], tds[1], ints, floats};
  for (int32_t i = 0; i < 8; i++)
    LLVMBuildStore(b, f[i], LLVMBuildStructGEP2(b, x->kparams, kp, (unsigned)i, ""));
  LLVMValueRef args[5] = {kp, LLVMGetParam(fn, 1), LLVMGetParam(fn, 2), LLVMGetParam(fn, 3),
                          LLVMGetParam(fn, 4)};
  LLVMValueRef st = LLVMBuildCall2(b, x->kernel_ty, kfn, args, 5, "");
  unsigned always = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
  LLVMAddCallSiteAttribute(st, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(x->c, always, 0));
  LLVMBuildRet(b, st);
  LLVMDisposeBuilder(b);
}

/* The kernel function for n on run-time dims, hy_status (kparams, in, out, scratch, ex), shared
 * by every node with the same compile-time key (cg_spec_key, each run-time dim or int a marker):
 * a BERT's layers compile each kernel once, as for constant shapes. */
static hy_status cg_kernel_fn(cg_ctx *x, const ir_node *n, LLVMValueRef *out) {
  const ir_lowered *l = n->lowered;
  const char *sym = hy_kernel_symbol(l->kernel);
  if (!sym) return ir_node_error(x->g, n, HY_ERR_INTERNAL, "codegen: bad kernel id %d", l->kernel);
  int32_t len;
  int64_t *key = cg_spec_key(x, n, &len);
  if (!key) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  cg_dyn_key(n, key);
  uint64_t h = cg_hash(key, len);
  if ((*out = cg_spec_find(x, key, len, h))) return HY_OK;
  char *fname = arena_printf(x->g->a, "%s_rt%d", x->b->sym, x->n_specs);
  if (!fname) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  LLVMValueRef kfn = LLVMGetNamedFunction(x->m, sym);
  if (!kfn) kfn = LLVMAddFunction(x->m, sym, x->kernel_ty);
  LLVMValueRef fn = LLVMAddFunction(x->m, fname, x->kernel_ty);
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(x->c, noinline, 0));
  cg_dyn_spec_body(x, n, fn, kfn);
  cg_spec_add(x, key, len, h, fn);
  *out = fn;
  return HY_OK;
}

/* In the entry: node n (the index-th) — its operand pointers, and the call of its
 * specialisation (on run-time dims: of its kernel, with the kparams of this run). */
static hy_status cg_node_call(cg_ctx *x, const ir_node *n, int32_t index) {
  const ir_lowered *l = n->lowered;
  if (!l) return ir_node_error(x->g, n, HY_ERR_INTERNAL, "codegen: node was not lowered");
  if (l->alias) return HY_OK; /* a view: its output is its input's bytes (memplan.c) */
  if (l->fills_content) return cg_fill_content(x, n);
  if (l->n_ints > LOWER_MAX_INTS || l->n_floats > LOWER_MAX_FLOATS || l->n_ints < 0 ||
      l->n_floats < 0)
    return ir_node_error(x->g, n, HY_ERR_INTERNAL, "codegen: attribute block too large");
  for (int32_t i = 0; i < n->n_out; i++)
    if (n->out[i] && (n->out[i]->data || n->out[i]->input_index >= 0))
      return ir_node_error(x->g, n, HY_ERR_INTERNAL,
                           "codegen: output %d ('%s') is a constant or a graph input", i,
                           n->out[i]->name);
  bool dynamic = cg_node_dynamic(n);
  LLVMValueRef fn = NULL, args[5], *ops = dynamic ? args + 1 : args;
  hy_status s = dynamic ? cg_kernel_fn(x, n, &fn) : cg_spec_for(x, n, &fn);
  LLVMValueRef extent = ir_node_value_dependent(n) ? cg_arena_at(x, l->extent_offset) : NULL;
  if (!s) s = cg_ptr_array(x, n->in, n->n_in, NULL, &ops[0]);
  if (!s) s = cg_ptr_array(x, n->out, n->n_out, extent, &ops[1]);
  if (s) return s;
  ops[2] = l->scratch_bytes > 0 ? cg_arena_at(x, l->scratch_offset) : LLVMConstNull(x->ptr);
  ops[3] = x->ex;
  if (dynamic && (s = cg_dyn_values_rt(x, n, &args[0]))) return s;
  cg_check_status(x, LLVMBuildCall2(x->ir, LLVMGlobalGetValueType(fn), fn, args,
                                    dynamic ? 5 : 4, ""),
                  HY_ENTRY_NODE_TAG(index));
  return HY_OK;
}

/* The position in g->outputs of an entry's k-th output (outs NULL: every output, k itself). */
static int32_t cg_out_pos(const int32_t *outs, int32_t k) { return outs ? outs[k] : k; }

/* An entry's outputs (positions outs[0..n)) not written in place by their producer: constants,
 * graph inputs, arena values and the second listing of a value are copied into the caller's
 * buffer. */
static hy_status cg_copy_outputs(cg_ctx *x, const int32_t *outs, int32_t n) {
  for (int32_t k = 0; k < n; k++) {
    int32_t i = cg_out_pos(outs, k);
    const ir_value *v = x->g->outputs[i];
    bool in_place = !v->data && v->input_index < 0 && v->mem != IR_MEM_ARENA &&
                    v->output_index == i;
    if (in_place) continue;
    int64_t bytes;
    LLVMValueRef src;
    hy_status s = cg_value_bytes(x, v, &bytes);
    if (!s) s = cg_value_ptr(x, v, &src);
    if (s) return s;
    if (bytes == 0) continue;
    LLVMValueRef len = ci64(x, bytes);
    if (v->type.dyn) { /* this run's elements, dense */
      if (hy_dtype_bits(v->type.dtype) % 8)
        return diag_error(x->g->d, HY_ERR_UNSUPPORTED, "codegen: output '%s' has run-time dims "
                          "and a sub-byte type", v->name ? v->name : "?");
      len = ci64(x, hy_dtype_bits(v->type.dtype) / 8);
      for (int32_t d = 0; d < v->type.rank; d++)
        len = LLVMBuildMul(x->ir, len, cg_dim(x, v, d), "");
    }
    LLVMBuildMemCpy(x->ir, cg_load_io(x, x->outputs, i), 1, src, 1, len);
  }
  return HY_OK;
}

/* An entry's bounded outputs: their actual dims into the arena's record (hy_entry_fn), the
 * bounded ones from the extent their producer's kernel reported. */
static hy_status cg_record_out_dims(cg_ctx *x, const int32_t *outs, int32_t n) {
  ir_graph *g = x->g;
  for (int32_t j = 0; j < n; j++) {
    int32_t i = cg_out_pos(outs, j);
    const ir_value *v = g->outputs[i];
    if (v->type.dyn && !v->type.bounded) { /* run-time dims: computed from the symbols */
      for (int32_t k = 0; k < v->type.rank; k++)
        LLVMBuildStore(x->ir, cg_dim(x, v, k),
                       cg_arena_at(x, g->out_dims_offset + (i * HY_MAX_RANK + k) * 8));
      continue;
    }
    if (!v->type.bounded) continue;
    const ir_node *p = v->producer;
    if (g->out_dims_offset < 0 || !p || !p->lowered)
      return diag_error(g->d, HY_ERR_INTERNAL, "codegen: bounded output '%s' has no recorded "
                        "extent", v->name ? v->name : "?");
    LLVMValueRef extent = NULL;
    for (int32_t k = 0; k < v->type.rank; k++) {
      LLVMValueRef d = ci64(x, v->type.dims[k]);
      if ((v->type.bounded >> k) & 1) {
        if (!extent)
          extent = LLVMBuildLoad2(x->ir, x->i64, cg_arena_at(x, p->lowered->extent_offset), "");
        d = extent;
      }
      LLVMBuildStore(x->ir, d, cg_arena_at(x, g->out_dims_offset + (i * HY_MAX_RANK + k) * 8));
    }
  }
  return HY_OK;
}

/* Profiling: cg_profile_mark(profile, index), the profile's address baked in (JIT only). */
static void cg_profile_call(cg_ctx *x, int32_t index) {
  if (!x->b->profile) return;
  LLVMTypeRef params[] = {x->ptr, x->i32};
  LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(x->c), params, 2, 0);
  LLVMValueRef fn = LLVMGetNamedFunction(x->m, "cg_profile_mark");
  if (!fn) fn = LLVMAddFunction(x->m, "cg_profile_mark", fty);
  LLVMValueRef args[] = {
      LLVMConstIntToPtr(ci64(x, (int64_t)(intptr_t)x->b->profile), x->ptr), ci32(x, index)};
  LLVMBuildCall2(x->ir, fty, fn, args, 2, "");
}

/* The nodes one entry runs, in graph order, with their positions in the whole graph (which
 * HY_ENTRY_NODE_TAG and the profile use). */
typedef struct cg_run_list {
  const ir_node **nodes;
  int32_t *index;
  int32_t n;
} cg_run_list;

/* One part of an entry: the calls of nodes [first, first + CG_PART_NODES) of its list, in order,
 * in a noinline function of the entry's signature. Bounding the calls per function keeps LLVM's
 * function passes linear in the model's size: over one function with a checked call per node,
 * merging the failure returns into one PHI made SimplifyCFG quadratic (a 10k-node chain took
 * minutes). */
#define CG_PART_NODES 256

static hy_status cg_entry_part(cg_ctx *x, const char *entry_name, const cg_run_list *r,
                               int32_t first, LLVMValueRef *out) {
  char *fname = arena_printf(x->g->a, "%s_part%d", entry_name, first / CG_PART_NODES);
  if (!fname) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  LLVMValueRef fn = LLVMAddFunction(x->m, fname, x->entry_ty);
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
  LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(x->c, noinline, 0));
  cg_begin_function(x, fn);
  for (int32_t k = first; k < r->n && k < first + CG_PART_NODES; k++) {
    cg_profile_call(x, r->index[k]);
    hy_status s = cg_node_call(x, r->nodes[k], r->index[k]);
    if (s) return s;
  }
  LLVMBuildRet(x->ir, ci32(x, HY_OK));
  cg_end_function(x);
  *out = fn;
  return HY_OK;
}

/* The nodes of cone c (NULL: every node) in order. */
static hy_status cg_run_list_of(cg_ctx *x, const ir_cone *c, cg_run_list *r) {
  r->nodes = arena_array(x->g->a, (size_t)x->n_nodes + 1, sizeof *r->nodes);
  r->index = arena_array(x->g->a, (size_t)x->n_nodes + 1, sizeof *r->index);
  if (!r->nodes || !r->index) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  r->n = 0;
  int32_t i = 0;
  for (const ir_node *n = x->g->first; n; n = n->next, i++) {
    if (c && !c->node[n->id]) continue;
    r->nodes[r->n] = n;
    r->index[r->n++] = i;
  }
  return HY_OK;
}

/* An entry function called fname running the nodes of cone c (NULL: all) and filling the outputs
 * at positions outs[0..n_outs) (NULL: all): the parts in order, each status checked, then the
 * outputs that were not written in place. An entry small enough for one part calls its nodes
 * directly. */
static hy_status cg_entry_fn(cg_ctx *x, const char *fname, const ir_cone *c, const int32_t *outs,
                             int32_t n_outs, LLVMValueRef *out) {
  cg_run_list r = {0};
  hy_status s = cg_run_list_of(x, c, &r);
  if (s) return s;
  int32_t n_parts = (r.n + CG_PART_NODES - 1) / CG_PART_NODES;
  LLVMValueRef *parts = arena_array(x->g->a, (size_t)n_parts + 1, sizeof *parts);
  if (!parts) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  for (int32_t p = 0; n_parts > 1 && p < n_parts; p++)
    if ((s = cg_entry_part(x, fname, &r, p * CG_PART_NODES, &parts[p]))) return s;
  LLVMValueRef fn = LLVMAddFunction(x->m, fname, x->entry_ty);
  cg_begin_function(x, fn);
  LLVMValueRef args[5];
  for (unsigned i = 0; i < LLVMCountParams(fn); i++) args[i] = LLVMGetParam(fn, i);
  for (int32_t p = 0; n_parts > 1 && p < n_parts; p++)
    cg_check_status(x, LLVMBuildCall2(x->ir, x->entry_ty, parts[p], args, LLVMCountParams(fn), ""),
                    0);
  for (int32_t k = 0; n_parts <= 1 && k < r.n; k++) { /* one part: the nodes themselves */
    cg_profile_call(x, r.index[k]);
    if ((s = cg_node_call(x, r.nodes[k], r.index[k]))) return s;
  }
  cg_profile_call(x, x->n_nodes);
  if (!s) s = cg_copy_outputs(x, outs, n_outs);
  if (!s) s = cg_record_out_dims(x, outs, n_outs);
  if (s) return s;
  LLVMBuildRet(x->ir, ci32(x, HY_OK));
  cg_end_function(x);
  *out = fn;
  return HY_OK;
}

/* The default entry <sym>_entry (every output), then <sym>_entry<k> for each named entry. */
static hy_status cg_entries(cg_ctx *x) {
  ir_graph *g = x->g;
  x->n_nodes = 0;
  for (const ir_node *n = g->first; n; n = n->next) x->n_nodes++;
  x->specs_cap = 16;
  while (x->specs_cap < 2 * x->n_nodes) x->specs_cap *= 2;
  x->specs = arena_array(g->a, (size_t)x->specs_cap, sizeof *x->specs);
  x->entry_fns = arena_array(g->a, (size_t)g->n_entries + 1, sizeof *x->entry_fns);
  x->cones = arena_array(g->a, (size_t)g->n_entries + 1, sizeof *x->cones);
  char *fname = arena_printf(g->a, "%s_entry", x->b->sym);
  if (!fname || !x->specs || !x->entry_fns || !x->cones)
    return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  hy_status s = cg_entry_fn(x, fname, NULL, NULL, g->n_outputs, &x->entry);
  for (int32_t k = 0; !s && k < g->n_entries; k++) {
    const ir_entry *e = &g->entries[k];
    if ((s = ir_entry_cone(g, e, &x->cones[k]))) break;
    if (!(fname = arena_printf(g->a, "%s_entry%d", x->b->sym, k + 1)))
      return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
    s = cg_entry_fn(x, fname, &x->cones[k], e->outputs, e->n_outputs, &x->entry_fns[k]);
  }
  return s;
}

/* The node labels run-time errors start with: "<file>: node '<name>' (<Op>)", as the compiler's
 * own errors do, by position in a constant array. */
static hy_status cg_node_labels(cg_ctx *x, LLVMValueRef *out) {
  int32_t n_nodes = 0;
  for (const ir_node *n = x->g->first; n; n = n->next) n_nodes++;
  LLVMValueRef *labels = arena_array(x->g->a, (size_t)n_nodes + 1, sizeof *labels);
  if (!labels) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  int32_t i = 0;
  for (const ir_node *n = x->g->first; n; n = n->next, i++) {
    char *label = arena_printf(x->g->a, "%s: node '%s' (%s)", n->file ? n->file : x->g->file,
                               n->name, n->op_type);
    if (!label) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
    labels[i] = cg_cstring(x, label);
  }
  *out = cg_const_global(x, LLVMConstArray2(x->ptr, labels, (uint64_t)n_nodes), "node_labels", 8);
  return HY_OK;
}

/* A run-time dim as hy_io_desc.sym has it: the symbol's index when d is one bare symbol, -1 for a
 * constant, -2 for any other product. */
static int32_t cg_io_symbol(const ir_dimx *d) {
  if (ir_dimx_is_const(d)) return -1;
  int32_t which = -2;
  for (int32_t k = 0; k < IR_MAX_SYMS; k++) {
    if (!d->exp[k]) continue;
    if (d->exp[k] != 1 || which != -2) return -2;
    which = k;
  }
  return d->coef == 1 ? which : -2;
}

/* inputs: the model's inputs (their run-time dims are hy_io_desc.sym), else its outputs (theirs
 * are bounded: the entry reports them). */
static hy_status cg_io_descs(cg_ctx *x, ir_value **vals, int32_t n, bool inputs,
                             LLVMValueRef *out) {
  if (n == 0) {
    *out = LLVMConstNull(x->ptr);
    return HY_OK;
  }
  LLVMValueRef elems[n];
  for (int32_t i = 0; i < n; i++) {
    const ir_value *v = vals[i];
    if (!ir_type_is_static(&v->type))
      return diag_error(x->g->d, HY_ERR_INTERNAL, "codegen: graph value '%s' has no static shape",
                        v->name ? v->name : "?");
    uint32_t bounded = v->type.bounded;
    LLVMValueRef sym[HY_MAX_RANK];
    for (int32_t k = 0; k < HY_MAX_RANK; k++) {
      int32_t which = k < v->type.rank && v->type.dyn ? cg_io_symbol(&v->type.dyn[k]) : -1;
      if (which == -2 && inputs)
        return diag_error(x->g->d, HY_ERR_INTERNAL, "codegen: input '%s': dim %d is no symbol",
                          v->name ? v->name : "?", k);
      if (which != -1 && !inputs) bounded |= 1u << k;
      sym[k] = LLVMConstInt(x->i8, which >= 0 && inputs ? (uint64_t)which + 1 : 0, 0);
    }
    LLVMValueRef f[] = {cg_cstring(x, v->name ? v->name : ""), ci32(x, v->type.dtype),
                        ci32(x, v->type.rank), cg_dims(x, v->type.rank, v->type.dims),
                        ci32(x, (int64_t)bounded), LLVMConstArray2(x->i8, sym, HY_MAX_RANK)};
    elems[i] = LLVMConstNamedStruct(x->iodesc, f, 6);
  }
  *out = cg_const_global(x, LLVMConstArray2(x->iodesc, elems, (uint64_t)n), "io", 8);
  return HY_OK;
}

/* A constant int32 array of positions (NULL when empty). */
static LLVMValueRef cg_positions(cg_ctx *x, const int32_t *pos, int32_t n) {
  if (n == 0) return LLVMConstNull(x->ptr);
  LLVMValueRef v[n];
  for (int32_t i = 0; i < n; i++) v[i] = ci32(x, pos[i]);
  return cg_const_global(x, LLVMConstArray2(x->i32, v, (uint64_t)n), "pos", 4);
}

/* One hy_entry_desc: its name, the inputs it reads and outputs it fills, its function, nodes. */
static LLVMValueRef cg_entry_desc(cg_ctx *x, const char *name, const int32_t *ins, int32_t n_in,
                                  const int32_t *outs, int32_t n_out, LLVMValueRef fn,
                                  int32_t n_nodes) {
  LLVMValueRef null = LLVMConstNull(x->ptr);
  bool w = x->b->weights != NULL;
  LLVMValueRef f[] = {cg_cstring(x, name), ci32(x, n_in), ci32(x, n_out),
                      cg_positions(x, ins, n_in), cg_positions(x, outs, n_out),
                      w ? null : fn, w ? fn : null, ci32(x, n_nodes)};
  return LLVMConstNamedStruct(x->edesc, f, 8);
}

/* hy_model.entries: "default" (every input and output) first, then the named entries, each
 * reading the inputs of its cone. */
static hy_status cg_entry_table(cg_ctx *x, LLVMValueRef *out) {
  ir_graph *g = x->g;
  int32_t n = g->n_inputs > g->n_outputs ? g->n_inputs : g->n_outputs;
  int32_t *all = arena_array(g->a, (size_t)n + 1, sizeof *all);
  int32_t *ins = arena_array(g->a, (size_t)g->n_inputs + 1, sizeof *ins);
  LLVMValueRef *descs = arena_array(g->a, (size_t)g->n_entries + 1, sizeof *descs);
  if (!all || !ins || !descs) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  for (int32_t i = 0; i < n; i++) all[i] = i;
  descs[0] = cg_entry_desc(x, IR_DEFAULT_ENTRY, all, g->n_inputs, all, g->n_outputs, x->entry,
                           x->n_nodes);
  for (int32_t k = 0; k < g->n_entries; k++) {
    const ir_entry *e = &g->entries[k];
    int32_t n_in = 0;
    for (int32_t i = 0; i < g->n_inputs; i++)
      if (x->cones[k].input[i]) ins[n_in++] = i;
    descs[k + 1] = cg_entry_desc(x, e->name, ins, n_in, e->outputs, e->n_outputs,
                                 x->entry_fns[k], x->cones[k].n_nodes);
  }
  *out = cg_const_global(x, LLVMConstArray2(x->edesc, descs, (uint64_t)g->n_entries + 1),
                         "entries", 8);
  return HY_OK;
}

/* hy_model.syms: each run-time dim's name and bounds (NULL when there are none). */
static LLVMValueRef cg_sym_table(cg_ctx *x) {
  const ir_graph *g = x->g;
  if (!g->n_syms) return LLVMConstNull(x->ptr);
  LLVMValueRef elems[IR_MAX_SYMS];
  for (int32_t k = 0; k < g->n_syms; k++) {
    LLVMValueRef f[] = {cg_cstring(x, g->syms[k].name), ci64(x, g->syms[k].lo),
                        ci64(x, g->syms[k].hi)};
    elems[k] = LLVMConstNamedStruct(x->symdesc, f, 3);
  }
  return cg_const_global(x, LLVMConstArray2(x->symdesc, elems, (uint64_t)g->n_syms), "syms", 8);
}

/* const hy_model <sym>_model = {...}: external, the one symbol a program needs. */
static hy_status cg_model_global(cg_ctx *x) {
  LLVMValueRef ins, outs, labels = NULL, entries = NULL;
  hy_status s = cg_io_descs(x, x->g->inputs, x->g->n_inputs, true, &ins);
  if (!s) s = cg_io_descs(x, x->g->outputs, x->g->n_outputs, false, &outs);
  if (!s) s = cg_node_labels(x, &labels);
  if (!s) s = cg_entry_table(x, &entries);
  if (s) return s;
  LLVMValueRef null = LLVMConstNull(x->ptr);
  cg_weights_out *w = x->b->weights;
  LLVMValueRef f[] = {ci32(x, HY_MODEL_ABI),
                      cg_cstring(x, x->b->name),
                      ci32(x, x->g->n_inputs),
                      ci32(x, x->g->n_outputs),
                      ins,
                      outs,
                      ci64(x, x->g->arena_bytes),
                      w ? null : x->entry,
                      w ? cg_cstring(x, x->b->weights_file ? x->b->weights_file : "") : null,
                      ci64(x, w ? w->total : 0),
                      w ? x->entry : null,
                      ci64(x, w ? (int64_t)w->fingerprint : 0),
                      ci32(x, x->g->n_nodes),
                      labels,
                      ci64(x, x->g->out_dims_offset),
                      ci32(x, x->g->n_entries + 1),
                      entries,
                      ci32(x, x->g->n_syms),
                      cg_sym_table(x),
                      ci64(x, x->g->n_syms ? x->g->syms_offset : -1)};
  char *gname = arena_printf(x->g->a, "%s_model", x->b->sym);
  if (!gname) return diag_error(x->g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  LLVMValueRef gv = LLVMAddGlobal(x->m, x->model, gname);
  LLVMSetInitializer(gv, LLVMConstNamedStruct(x->model, f, 20));
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetAlignment(gv, 8);
  x->model_gv = gv;
  return HY_OK;
}

/* The kernel bitcode is read lazily and every definition in it made linkonce_odr: the linker
 * then copies (and materialises) only what the entry's kernel declarations reach, instead of
 * parsing and optimising every kernel for every model. */
static hy_status cg_link_kernels(cg_ctx *x) {
  LLVMAttributeRef always =
      LLVMCreateEnumAttribute(x->c, LLVMGetEnumAttributeKindForName("alwaysinline", 12), 0);
  LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(
      hc_kernels_bc, (size_t)(hc_kernels_bc_end - hc_kernels_bc), "hydra_kernels.bc", 0);
  LLVMModuleRef km = NULL;
  if (LLVMGetBitcodeModuleInContext2(x->c, buf, &km)) { /* owns buf on success only */
    LLVMDisposeMemoryBuffer(buf);
    return diag_error(x->g->d, HY_ERR_INTERNAL, "codegen: embedded kernel bitcode: %s",
                      x->diag_msg[0] ? x->diag_msg : "unreadable");
  }
  /* Same triple and layout as the model module, so the linker has nothing to warn about. */
  LLVMSetTarget(km, x->b->triple);
  LLVMSetDataLayout(km, x->b->datalayout);
  for (LLVMValueRef f = LLVMGetFirstFunction(km); f; f = LLVMGetNextFunction(f))
    if (LLVMGetLinkage(f) == LLVMExternalLinkage && !LLVMIsDeclaration(f))
      LLVMSetLinkage(f, LLVMLinkOnceODRLinkage);
  for (LLVMValueRef gv = LLVMGetFirstGlobal(km); gv; gv = LLVMGetNextGlobal(gv))
    if (LLVMGetLinkage(gv) == LLVMExternalLinkage && !LLVMIsDeclaration(gv))
      LLVMSetLinkage(gv, LLVMLinkOnceODRLinkage);
  if (LLVMLinkModules2(x->m, km)) /* km is destroyed either way */
    return diag_error(x->g->d, HY_ERR_INTERNAL, "codegen: linking kernels: %s",
                      x->diag_msg[0] ? x->diag_msg : "failed");
  for (const ir_node *n = x->g->first; n; n = n->next) {
    if (n->lowered->alias || n->lowered->fills_content) continue; /* these call nothing */
    const char *sym = hy_kernel_symbol(n->lowered->kernel);
    LLVMValueRef fn = LLVMGetNamedFunction(x->m, sym);
    if (!fn || LLVMIsDeclaration(fn))
      return ir_node_error(x->g, n, HY_ERR_INTERNAL, "codegen: kernel '%s' is not in the bitcode",
                           sym);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, always); /* see cg_optimise */
  }
  return HY_OK;
}

/* The GEMM's hy_gemm_target_isa (hydra/gemm.h), declared by the kernels, becomes a constant of
 * this module for its target: the other micro-kernel families fold away. */
static void cg_define_gemm_isa(cg_ctx *x) {
  LLVMValueRef gv = LLVMGetNamedGlobal(x->m, "hy_gemm_target_isa");
  if (!gv || !LLVMIsDeclaration(gv)) return;
  LLVMSetInitializer(gv, ci32(x, cg_gemm_isa(x->b->triple, x->b->features)));
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMInternalLinkage);
}

/* Kernels become internal (unused ones are dropped, used ones inlined); every definition gets
 * the target's CPU and features, without which the inliner refuses to inline across them. */
static void cg_prepare_functions(cg_ctx *x) {
  LLVMAttributeRef cpu = LLVMCreateStringAttribute(x->c, "target-cpu", 10, x->b->cpu,
                                                   (unsigned)strlen(x->b->cpu));
  LLVMAttributeRef feat = LLVMCreateStringAttribute(x->c, "target-features", 15, x->b->features,
                                                    (unsigned)strlen(x->b->features));
  for (LLVMValueRef f = LLVMGetFirstFunction(x->m); f; f = LLVMGetNextFunction(f)) {
    if (LLVMIsDeclaration(f)) continue;
    if (f != x->entry) LLVMSetLinkage(f, LLVMInternalLinkage);
    LLVMRemoveStringAttributeAtIndex(f, LLVMAttributeFunctionIndex, "tune-cpu", 8);
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, cpu);
    LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, feat);
  }
  for (LLVMValueRef gv = LLVMGetFirstGlobal(x->m); gv; gv = LLVMGetNextGlobal(gv)) {
    if (LLVMIsDeclaration(gv) || gv == x->model_gv) continue;
    LLVMLinkage lk = LLVMGetLinkage(gv);
    if (lk != LLVMPrivateLinkage) LLVMSetLinkage(gv, LLVMInternalLinkage);
  }
}

static hy_status cg_optimise(cg_ctx *x) {
  LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
  bool vec = x->b->opt_level >= 2;
  LLVMPassBuilderOptionsSetLoopVectorization(opts, vec);
  LLVMPassBuilderOptionsSetSLPVectorization(opts, vec);
  LLVMPassBuilderOptionsSetLoopUnrolling(opts, vec);
  LLVMPassBuilderOptionsSetLoopInterleaving(opts, vec);
  /* One O3 run. Its CGSCC inliner visits the kernels before the entry, so each kernel's generic
   * body is simplified once, then inlined at every call (the calls are alwaysinline, see
   * cg_spec_body) and specialised there on the node's constant hy_kparams. Inlining first with the
   * always-inline pass instead copies the unsimplified all-dtypes bodies into every call site
   * and costs seconds per dozen nodes. */
  char pipeline[32];
  snprintf(pipeline, sizeof pipeline, "globaldce,default<O%d>", x->b->opt_level);
  LLVMErrorRef e = LLVMRunPasses(x->m, pipeline, x->b->tm, opts);
  LLVMDisposePassBuilderOptions(opts);
  return e ? cg_llvm_error(x->g->d, e, "optimising") : HY_OK;
}

/* HYDRA_DUMP_IR=dir writes <dir>/<sym>.pre.ll and <sym>.ll, before and after optimisation. */
static void cg_dump(cg_ctx *x, const char *suffix) {
  const char *dir = getenv("HYDRA_DUMP_IR");
  if (!dir || !*dir) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s%s.ll", dir, x->b->sym, suffix);
  char *err = NULL;
  LLVMPrintModuleToFile(x->m, path, &err);
  LLVMDisposeMessage(err);
}

hy_status cg_build_module(const cg_build *b, LLVMContextRef ctx, LLVMModuleRef *out) {
  ir_graph *g = b->g;
  cg_ctx x = {.b = b, .g = g, .c = ctx};
  x.consts = arena_array(g->a, (size_t)(g->n_values > 0 ? g->n_values : 1), sizeof(LLVMValueRef));
  if (!x.consts) return diag_error(g->d, HY_ERR_OUT_OF_MEMORY, "codegen: out of memory");
  LLVMContextSetDiagnosticHandler(ctx, cg_diag_handler, &x);
  x.m = LLVMModuleCreateWithNameInContext(b->sym, ctx);
  LLVMSetTarget(x.m, b->triple);
  LLVMSetDataLayout(x.m, b->datalayout);
  x.ir = LLVMCreateBuilderInContext(ctx);
  x.allocs = LLVMCreateBuilderInContext(ctx);
  cg_types(&x);
  hy_status s = cg_entries(&x);
  if (!s) s = cg_model_global(&x);
  if (!s) { /* what we emitted; the kernels come verified from clang */
    char *msg = NULL;
    if (LLVMVerifyModule(x.m, LLVMReturnStatusAction, &msg))
      s = diag_error(g->d, HY_ERR_INTERNAL, "codegen: invalid module: %.1000s", msg);
    LLVMDisposeMessage(msg);
  }
  if (!s) s = cg_link_kernels(&x);
  if (!s) {
    cg_define_gemm_isa(&x);
    cg_prepare_functions(&x);
    cg_dump(&x, ".pre");
    s = cg_optimise(&x);
  }
  if (!s) cg_dump(&x, "");
  LLVMDisposeBuilder(x.ir);
  LLVMDisposeBuilder(x.allocs);
  LLVMContextSetDiagnosticHandler(ctx, NULL, NULL);
  if (s) {
    LLVMDisposeModule(x.m);
    return s;
  }
  *out = x.m;
  return HY_OK;
}
