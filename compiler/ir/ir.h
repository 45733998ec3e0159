/* The IR: graphs of nodes and values with types, the op table, and the hook signatures every op
 * implements. Everything is allocated in the graph's arena; nothing is freed individually. */
#ifndef HC_IR_H
#define HC_IR_H

#include "hydra/kernel.h"
#include "hydra/model.h"
#include "util/util.h"

/* The newest default-domain opset whose op versions Hydra knows (onnx_versions.def, from onnx
 * 1.23). Not a cap on models: each node is checked against its own op's versions. */
#define IR_NEWEST_OPSET 28

typedef struct ir_graph ir_graph;
typedef struct ir_node ir_node;
typedef struct ir_value ir_value;
typedef struct ir_entry ir_entry; /* ir/entry.h */

/* ---- the op table: ops_*.def hold one OP(...) row per ONNX op ----
 * OP(ident, domain, since, upto, min_in, max_in, min_out, max_out, hooks)
 *   ident   the ONNX op type (also the enum suffix: OP_Add)
 *   domain  "" for the default ONNX domain
 *   since, upto  the op versions the hooks implement: a node's version is the newest version of
 *           its op at or below the model's opset (onnx_versions.def); outside [since, upto] the
 *           node is refused, naming op and version. Raise upto only after reading what each
 *           newer version changed (docs/Changelog.md of onnx), and handling it.
 *   min_in/max_in, min_out/max_out  arity (max_in -1: variadic). Input slots below min_in are
 *           required: import and verify refuse a node that leaves one empty, so hooks may read
 *           in[i] for i < min_in without a check; later slots go through ir_in_type/ir_input_*.
 *   hooks   infer_<hooks>() and lower_<hooks>() implement it (several ops may share them) */
#define IR_OP_LIST(OP)                                                                             \
  IR_OPS_ELEMENTWISE(OP)                                                                           \
  IR_OPS_LINALG(OP)                                                                                \
  IR_OPS_NN(OP)                                                                                    \
  IR_OPS_MOVEMENT(OP)                                                                              \
  IR_OPS_INDEX(OP)                                                                                 \
  IR_OPS_QUANT(OP)                                                                                 \
  IR_OPS_ATTENTION(OP)                                                                             \
  IR_OPS_SIGNAL(OP)

#include "ir/ops_attention.def"
#include "ir/ops_elementwise.def"
#include "ir/ops_index.def"
#include "ir/ops_linalg.def"
#include "ir/ops_movement.def"
#include "ir/ops_nn.def"
#include "ir/ops_quant.def"
#include "ir/ops_signal.def"

typedef enum ir_op {
  OP_UNKNOWN = 0,
#define IR_OP_ENUM(ident, ...) OP_##ident,
  IR_OP_LIST(IR_OP_ENUM)
#undef IR_OP_ENUM
  OP_COUNT
} ir_op;

/* ---- types ---- */
/* rank -1: unknown. dims[i] -1: not known yet, sym[i] its symbolic name when the model has one.
 * Bit i of bounded: dims[i] is only an upper bound, the extent depends on the input's values
 * (NonZero's count, Unique's, a run-time TopK K): memory is planned for the bound, the producing
 * kernel reports the actual extent at run time (kernel.h), and the run returns it. */
/* ---- run-time dims (dims.c) ---- */
/* `--shape ids=1..4x1..256` leaves a dim to run time: each such dim is a symbol of the graph
 * with its bounds (inputs sharing a dim name share the symbol), and every dim computed from it
 * is a monomial over the symbols. Monomials are what the supported ops make ([batch*seq,768],
 * [12*batch,seq,64]); a sum of symbols or a clamp is refused, so a dim's largest value is its
 * value at the upper bounds. */
#define IR_MAX_SYMS HY_MAX_SYMS
typedef struct ir_symbol {
  const char *name;
  int64_t lo, hi;
} ir_symbol;
/* coef * prod(syms[k]^exp[k]); syms is the graph's table, NULL for a constant. */
typedef struct ir_dimx {
  const ir_symbol *syms;
  int64_t coef;
  uint8_t exp[IR_MAX_SYMS];
} ir_dimx;

typedef struct ir_type {
  hy_dtype dtype;
  int32_t rank;
  int64_t dims[HY_MAX_RANK];
  const char *sym[HY_MAX_RANK];
  uint32_t bounded;
  /* NULL: the dims are the shape. Else dyn[k] is dim k, known at run time (rank entries, in the
   * arena), and dims[k] its value at the symbols' upper bounds: every compile-time computation
   * (shape checks, memory) sees the largest shape. */
  const ir_dimx *dyn;
} ir_type;

bool ir_type_is_static(const ir_type *t); /* rank and every dim known */
int64_t ir_type_numel(const ir_type *t);  /* -1 when not static */
int64_t ir_type_bytes(const ir_type *t);  /* -1 when not static; the bound's when bounded */
/* "float[2,3]" / "int64[batch,?]" / "int64[2,<=6]" (a bounded dim) / "float[batch*seq,768]"
 * (run-time dims) into buf; returns buf. */
const char *ir_type_str(const ir_type *t, char *buf, size_t n);

/* ---- dims.c: run-time dims ---- */
ir_dimx ir_dimx_const(int64_t v);
ir_dimx ir_dimx_symbol(const ir_graph *g, int32_t k); /* the graph's symbol k */
bool ir_dimx_is_const(const ir_dimx *d);
bool ir_dimx_equal(const ir_dimx *a, const ir_dimx *b);
/* d with symbol k worth values[k]; false when that overflows int64. */
bool ir_dimx_eval(const ir_dimx *d, const int64_t *values, int64_t *out);
/* The least and largest values of d over the symbols' bounds; false on overflow. */
bool ir_dimx_range(const ir_dimx *d, int64_t *lo, int64_t *hi);
/* "768", "batch", "12*batch*seq" into buf; returns buf. */
const char *ir_dimx_str(const ir_dimx *d, char *buf, size_t n);
/* t's element count at the symbols' upper bounds (ir_type_numel for a fixed shape): what a
 * lowering's size heuristics decide on, so every size gets the same kernel. */
int64_t ir_type_numel_at_most(const ir_type *t);
/* Dim k of t as a monomial (a constant when t has no run-time dims). */
ir_dimx ir_type_dim(const ir_type *t, int32_t k);
/* Gives output i of n (its rank and dims at the upper bounds set by the hook) the run-time dims
 * d[0..rank): an internal error when a d[k] at the upper bounds is not dims[k]. */
hy_status ir_set_out_dyn(ir_graph *g, ir_node *n, int32_t i, const ir_dimx *d);

/* ---- elem.c: element values by dtype ---- */
bool ir_dtype_is_float(hy_dtype t);   /* float, double, float16, bfloat16 */
bool ir_dtype_is_int(hy_dtype t);     /* the eight signed and unsigned integer types */
bool ir_dtype_is_numeric(hy_dtype t); /* either */
/* Element i of data, of type dt, as a double (bool, integers, the four float types); false for
 * the others (string, complex, the sub-byte and 8-bit float formats), which no caller reads as
 * one number. int64 beyond 2^53 rounds. */
bool ir_elem_get(hy_dtype dt, const void *data, int64_t i, double *out);
/* Stores v as element i of data: integers saturate (NaN gives 0), floats round to nearest even;
 * false for the dtypes ir_elem_get refuses. */
bool ir_elem_set(hy_dtype dt, void *data, int64_t i, double v);

/* ---- values ---- */
/* How a value's bytes are arranged. Only constants are ever other than row-major today. */
typedef enum ir_layout {
  IR_LAYOUT_ROW_MAJOR = 0,
  /* hydra/gemm.h's packed-B panels of a constant MatMul/Gemm weight; the type still says
   * [bytes / (4 * HY_GEMM_NR), HY_GEMM_NR] floats, which sizes the constant but is no shape */
  IR_LAYOUT_GEMM_PACKED_B,
} ir_layout;

typedef enum ir_mem {
  IR_MEM_NONE = 0, /* not planned (dead, or not yet planned) */
  IR_MEM_ARENA,    /* at offset in the activation arena */
  IR_MEM_INPUT,    /* the caller's input buffer io_index */
  IR_MEM_OUTPUT,   /* the caller's output buffer io_index */
  IR_MEM_CONST,    /* data, a constant baked into the module */
} ir_mem;

typedef struct ir_use {
  ir_node *node;
  int32_t slot;
} ir_use;

struct ir_value {
  const char *name;
  ir_type type;
  ir_node *producer; /* NULL for graph inputs and constants */
  int32_t producer_slot;
  /* Constant content (initializer, Constant node, folded): numel * dtype size bytes, row-major,
   * owned by the arena or by the mapped model file. NULL when computed at run time. */
  const void *data;
  /* The content follows from the model alone: an initializer or a Constant's value, or a fold or
   * packing of such constants only. Content computed from the shapes the graph was bound to (a
   * position table sliced to the sequence length, a Shape) does not, and neither does a constant
   * a pass builds from dims. Only such constants go to a weights file, which is why one file
   * serves every object compiled from the model (codegen/weights_file.c). */
  bool from_model;
  /* A model constant that a fold for this binding read (a position table a Gather took rows of):
   * the weights file keeps it, since an object compiled for run-time dims reads it at run time. */
  bool read_by_binding;
  /* A constant folded for this binding whose bytes are view_of's (a model constant) from byte
   * view_offset on, a multiple of 64 (a Gather of consecutive rows): a weights file serves it
   * from there instead of the object holding a copy. NULL: none. */
  ir_value *view_of;
  int64_t view_offset;
  /* For `run`: the caller's value of a graph input, known at compile time. Shape inference may
   * read it (a Reshape whose shape is an input); the value stays a run-time input otherwise. */
  const void *bound;
  /* A small int64 value computed from run-time dims (Shape of such a value, and Gather, Concat,
   * ... of that): its elements as monomials, numel of them; data is NULL. Shape inference reads
   * it where it reads constants (a Reshape's target); nothing computes it at run time. */
  const ir_dimx *sdata;
  ir_layout layout;     /* part of a constant's identity: the same bytes mean other elements */
  int32_t input_index;  /* position among graph inputs, -1 if not one */
  int32_t output_index; /* position among graph outputs, -1 if not one (first, if several) */
  ir_use *uses;
  int32_t n_uses, cap_uses;
  int32_t id;
  /* const.c's memo of the content hash: valid while hashed_data == data */
  uint64_t hash;
  const void *hashed_data;
  /* memory plan */
  ir_mem mem;
  int64_t offset; /* IR_MEM_ARENA: byte offset */
};

/* ---- attributes ---- */
typedef enum ir_attr_kind {
  IR_ATTR_FLOAT = 1,
  IR_ATTR_INT,
  IR_ATTR_STRING,
  IR_ATTR_TENSOR,
  IR_ATTR_GRAPH,
  IR_ATTR_FLOATS,
  IR_ATTR_INTS,
  IR_ATTR_STRINGS,
} ir_attr_kind;

typedef struct ir_attr {
  const char *name;
  ir_attr_kind kind;
  int64_t i;
  float f;
  const char *s; /* NUL-terminated copy; s_len bytes (may hold NULs) */
  size_t s_len;
  int64_t *ints;
  float *floats;
  const char **strings;
  int32_t n; /* element count of ints/floats/strings */
  ir_value *tensor; /* IR_ATTR_TENSOR: an unnamed constant value */
  ir_graph *graph;  /* IR_ATTR_GRAPH */
} ir_attr;

/* ---- lowering: what the kernel call for a node looks like ---- */
#define LOWER_MAX_INTS 256
#define LOWER_MAX_FLOATS 32
typedef struct ir_lowered {
  hy_kernel_id kernel;
  int32_t n_ints, n_floats;
  int64_t ints[LOWER_MAX_INTS];
  double floats[LOWER_MAX_FLOATS];
  int64_t scratch_bytes;
  int64_t scratch_offset; /* set by the memory planner */
  /* A node with value-dependent outputs (ir_node_value_dependent): arena offset of the int64 its
   * kernel sets to the actual extent of their bounded dims (set by the memory planner). */
  int64_t extent_offset;
  /* Set by the memory planner for a copy-kernel node (Reshape, Squeeze, Unsqueeze, Flatten,
   * Identity, ...) whose output is a view: it shares input 0's arena block, and no call is made. */
  bool alias;
  /* A node on run-time dims (lower_dynamic.c): each int as a monomial of the symbols (n_ints of
   * them), which codegen computes at run time; NULL when the ints are the same at every size. */
  const ir_dimx *dyn_ints;
  /* The node computes shape content only (its outputs' ir_value.sdata): codegen stores the
   * values, there is no kernel call. */
  bool fills_content;
} ir_lowered;

/* ---- nodes ---- */
struct ir_node {
  const char *name; /* never NULL: import names unnamed nodes "<op>_<index>" */
  /* The model file the node came from, for messages: one string shared by all the nodes of a
   * model (ir_source.file), so a merged unit's nodes still name their own file. */
  const char *file;
  ir_op op;
  const char *op_type; /* as written in the model */
  const char *domain;
  int32_t opset;   /* version of the node's domain the model imports */
  int32_t version; /* the op's version that opset means (ir_onnx_op_version); opset elsewhere */
  ir_value **in; /* in[i] NULL for an omitted optional input */
  int32_t n_in;
  ir_value **out; /* out[i] NULL for an omitted optional output */
  int32_t n_out;
  ir_attr *attrs;
  int32_t n_attrs;
  ir_node *prev, *next; /* topological order */
  int32_t id;
  ir_lowered *lowered; /* set by the lower pass */
};

/* One model a graph was imported from. A unit merged from several models (frontend/merge.c) has
 * one per model, in the order given; its outputs are theirs concatenated, so model k's outputs
 * are outputs[first_output .. first_output + n_outputs), in the model's own order. */
typedef struct ir_source {
  const char *file; /* its path: the string its nodes' `file` points at */
  const char *name; /* its name in the unit: the file's stem, or the one given */
  int32_t first_output, n_outputs;
} ir_source;

struct ir_graph {
  arena *a;
  diag *d;
  const char *file; /* for messages about the graph as a whole ("a.onnx + b.onnx" when merged) */
  const char *name;
  ir_graph *parent; /* enclosing graph of a subgraph (outer-scope names), NULL at top level */
  ir_node *first, *last;
  int32_t n_nodes, next_node_id;
  ir_value **values;
  int32_t n_values, cap_values;
  ir_value **inputs; /* graph inputs that are not initializers, in order */
  int32_t n_inputs;
  ir_value **outputs;
  int32_t n_outputs;
  int64_t opset; /* default-domain opset */
  ir_symbol syms[IR_MAX_SYMS]; /* run-time dims (bind.c), n_syms of them */
  int32_t n_syms;
  int64_t syms_offset; /* set by the memory planner: their values, int64[n_syms], in the arena */
  int64_t arena_bytes; /* set by the memory planner */
  /* Set by the memory planner when a graph output has bounded dims: arena offset of
   * int64[n_outputs][HY_MAX_RANK], where the entry records each such output's actual dims
   * (hy_model.out_dims_offset); -1 when every output shape is static. */
  int64_t out_dims_offset;
  struct ir_const_table *consts; /* const.c: the graph's constants by content, made on first use */
  /* What the fusion passes did, for inspect: attention chains fused, and near misses (a chain
   * that looked like attention but was left unfused). Zero until a pass counts. */
  struct { int attention_fused, attention_near_miss; } stats;
  /* entry.c: the named entries besides the default one (all outputs), in order */
  ir_entry *entries;
  int32_t n_entries, cap_entries;
  ir_source *sources; /* the models it came from (top-level graphs; set by the frontend) */
  int32_t n_sources;
};

/* ---- graph.c: construction and mutation (keeps use lists right) ---- */
ir_graph *ir_graph_new(arena *a, diag *d, const char *file);
ir_value *ir_value_new(ir_graph *g, const char *name);
/* Appends a node with n_in/n_out empty slots; op_type is copied; its file is g's (a rewrite run by
 * ir_rewrite_worklist gives the node it makes the file of the node it matched at). */
ir_node *ir_node_new(ir_graph *g, ir_op op, const char *op_type, const char *name, int32_t n_in,
                     int32_t n_out);
void ir_node_set_input(ir_graph *g, ir_node *n, int32_t slot, ir_value *v);
void ir_node_set_output(ir_graph *g, ir_node *n, int32_t slot, ir_value *v);
/* Unlinks n and drops its uses; its outputs keep their producer pointer cleared. */
void ir_node_remove(ir_graph *g, ir_node *n);
/* Every use of from becomes a use of to; graph outputs that were from become to. */
void ir_replace_all_uses(ir_graph *g, ir_value *from, ir_value *to);
/* A constant value owning a copy of nothing: data points at the given bytes (not copied). */
ir_value *ir_const_new(ir_graph *g, const char *name, hy_dtype dt, int32_t rank,
                       const int64_t *dims, const void *data);

/* For merging graphs (frontend/merge.c): v, made in another graph of g's arena, joins g's values
 * (its id renumbered; false when out of memory); n joins the end of g's node order (id
 * renumbered). Use lists move with them; producers, inputs and outputs stay as they are. */
bool ir_graph_adopt_value(ir_graph *g, ir_value *v);
void ir_graph_adopt_node(ir_graph *g, ir_node *n);
/* Moves n (already in g) to stand right before `before`: a rewrite's new node (appended by
 * ir_node_new) takes the place of the chain it replaces, so topological order holds. */
void ir_node_move_before(ir_graph *g, ir_node *n, ir_node *before);
/* The position of g's input named name, -1 when none is. */
int32_t ir_graph_input_index(const ir_graph *g, const char *name);
/* True when v is one of g's outputs. */
bool ir_is_graph_output(const ir_graph *g, const ir_value *v);
/* "a, b, c" (cut with "..." when long; "none" when n is 0): the values' names for messages. */
const char *ir_value_names(ir_value *const *v, int32_t n, char *buf, size_t size);
/* n is still linked into g (ir_node_remove unlinks it). */
static inline bool ir_node_in_graph(const ir_graph *g, const ir_node *n) {
  return n->prev || g->first == n;
}

/* ---- const.c: constants identified by content (dtype, shape, bytes) ---- */
/* 64-bit hash of v's dtype, shape, layout and bytes (v->data must be set); memoised in v. */
uint64_t ir_const_hash(ir_value *v);
/* Same dtype, same shape, same layout, same bytes. */
bool ir_const_equal(ir_value *a, ir_value *b);
/* The constant of g with v's content that was interned first, or v itself (then interned). The
 * table lives in g's arena. NULL only when out of memory (g->a->failed set). */
ir_value *ir_const_intern(ir_graph *g, ir_value *v);
/* The hash of bytes, chained from seed (for keys that mix content with other fields). */
uint64_t ir_hash_bytes(uint64_t seed, const void *p, size_t n);

/* ---- ops.c: the op table ---- */
const char *ir_op_name(ir_op op);
/* OP_UNKNOWN if Hydra has no such op in that domain. */
ir_op ir_op_lookup(const char *domain, const char *op_type);
typedef struct ir_op_info {
  const char *name, *domain;
  int32_t since, upto, min_in, max_in, min_out, max_out;
  hy_status (*infer)(ir_graph *g, ir_node *n);
  hy_status (*lower)(ir_graph *g, ir_node *n, ir_lowered *l);
} ir_op_info;
const ir_op_info *ir_op_get(ir_op op);

/* ---- versions.c: ONNX's own op versions (default domain) ---- */
/* The version of op_type that a model importing default-domain `opset` means: the newest opset at
 * or below it where the op's definition changed. 0 when ONNX has no such op at that opset. */
int32_t ir_onnx_op_version(const char *op_type, int64_t opset);
/* The opset that introduced op_type, 0 when ONNX has no such op. */
int32_t ir_onnx_op_first_version(const char *op_type);

/* ---- attr.c: attribute access for hooks ---- */
const ir_attr *ir_attr_find(const ir_node *n, const char *name);
int64_t ir_attr_int(const ir_node *n, const char *name, int64_t dflt);
float ir_attr_float(const ir_node *n, const char *name, float dflt);
const char *ir_attr_string(const ir_node *n, const char *name, const char *dflt);
/* true when present (and an INTS attribute); vals points into the arena. */
bool ir_attr_ints(const ir_node *n, const char *name, const int64_t **vals, int32_t *count);
bool ir_attr_floats(const ir_node *n, const char *name, const float **vals, int32_t *count);
/* "[4,-1]": the ints as written, in buf (size bytes, cut when short). */
const char *ir_fmt_ints(char *buf, size_t size, int32_t count, const int64_t *v);
/* The INTS attribute `name` as a permutation of 0..rank-1 into perm (*present false and perm
 * untouched when absent); an error naming it when it is another kind or no such permutation. */
hy_status ir_attr_perm(ir_graph *g, const ir_node *n, const char *name, int32_t rank,
                       int64_t *perm, bool *present);
/* A 0/1 INT attribute (dflt when absent) into *out; an error naming it for any other value. */
hy_status ir_attr_flag(ir_graph *g, const ir_node *n, const char *name, int64_t dflt,
                       int64_t *out);
/* A finite FLOAT attribute (dflt when absent) into *out; an error naming it when it has another
 * kind, is NaN or infinite. */
hy_status ir_attr_finite(ir_graph *g, const ir_node *n, const char *name, float dflt, float *out);

/* ---- diag for nodes: "<file>: node '<name>' (<op>): <message>", file the node's own ---- */
hy_status ir_node_error(ir_graph *g, const ir_node *n, hy_status s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with the attribute named: "... (<op>): attribute 'axis': <message>" */
hy_status ir_attr_error(ir_graph *g, const ir_node *n, const char *attr, hy_status s,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- hook helpers (infer.c in passes uses the same) ---- */
/* The input's type, or NULL for an omitted optional input. */
static inline const ir_type *ir_in_type(const ir_node *n, int32_t i) {
  return (i < n->n_in && n->in[i]) ? &n->in[i]->type : NULL;
}
/* Compile-time content of a value: data if constant, else bound (for run), else NULL. */
static inline const void *ir_value_known(const ir_value *v) {
  return v ? (v->data ? v->data : v->bound) : NULL;
}
/* Reads a known int32/int64 1-D (or scalar) input as int64s into the arena; an error naming the
 * node and input when it is not known at compile time. */
hy_status ir_input_ints(ir_graph *g, ir_node *n, int32_t slot, const int64_t **vals,
                        int32_t *count);
/* The same for a known float, double or float16 input, as doubles. */
hy_status ir_input_floats(ir_graph *g, ir_node *n, int32_t slot, const double **vals,
                          int32_t *count);
/* Input slot's type into *t when it is present with a static shape; an error naming the node and
 * input otherwise. */
hy_status ir_input_static(ir_graph *g, const ir_node *n, int32_t slot, const ir_type **t);
/* Sets out[i]'s type; a no-op for an omitted output. */
void ir_set_out(ir_node *n, int32_t i, hy_dtype dt, int32_t rank, const int64_t *dims);
/* Marks dim d of out[i] value-dependent (dims[d] its bound); a no-op for an omitted output. */
void ir_set_out_bounded(ir_node *n, int32_t i, int32_t d);
/* Any present output with a bounded dim: the node's kernel reports the actual extent. */
bool ir_node_value_dependent(const ir_node *n);
/* Every present input is a constant from the model (ir_value.from_model): outputs computed from
 * them at compile time are the model's too. False when one is computed at run time, even if only
 * its shape is read (Shape, Size). */
bool ir_node_reads_model_only(const ir_node *n);
/* Checks that inputs [first, last] all have dtype of input first; error otherwise. */
hy_status ir_check_same_dtype(ir_graph *g, ir_node *n, int32_t first, int32_t last);
/* Numpy-style multidirectional broadcast of a and b into out; error naming the node if they
 * do not broadcast. */
hy_status ir_broadcast(ir_graph *g, ir_node *n, const ir_type *a, const ir_type *b, ir_type *out);
/* Normalises axis in [-rank, rank) (or [-rank-1, rank] when inclusive) to [0, rank); error
 * naming attr when out of range. */
hy_status ir_norm_axis(ir_graph *g, ir_node *n, const char *attr, int64_t axis, int32_t rank,
                       int64_t *out);

/* lowering helpers */
static inline void lower_int(ir_lowered *l, int64_t v) {
  if (l->n_ints < LOWER_MAX_INTS) l->ints[l->n_ints] = v;
  l->n_ints++; /* the lower pass reports overflow past LOWER_MAX_INTS */
}
static inline void lower_float(ir_lowered *l, double v) {
  if (l->n_floats < LOWER_MAX_FLOATS) l->floats[l->n_floats] = v;
  l->n_floats++;
}

/* ---- hook declarations, one pair per hooks family named in the .def rows ---- */
#define IR_HOOK_DECL(ident, domain, since, upto, min_in, max_in, min_out, max_out, hooks)         \
  hy_status infer_##hooks(ir_graph *g, ir_node *n);                                                \
  hy_status lower_##hooks(ir_graph *g, ir_node *n, ir_lowered *l);
IR_OP_LIST(IR_HOOK_DECL)
#undef IR_HOOK_DECL

/* ---- verify.c ---- */
/* Structural invariants: use lists match inputs, topological order, arity within the op table,
 * every graph output produced. Returns an HY_ERR_INTERNAL diagnostic when broken. */
hy_status ir_verify(ir_graph *g, const char *after_pass);

#endif
