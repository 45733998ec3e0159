/* GEMM epilogue fusion: a float MatMul (B 2-D) or Gemm (transA 0) and what follows it,
 *   [Add(bias)] → [Relu | Gelu | Tanh | Sigmoid] → [Add(residual)]
 * (at least one of them, in this order), becomes one FusedMatMul (ops_linalg.def) whose GEMM
 * applies them to each tile while it is in cache, instead of one pass over memory each.
 * ONNX's results are kept exactly: the bias must be a constant per-column [..., N] vector (a
 * Gemm's C too, with its beta), the residual exactly the product's shape and dtype, every Add
 * and activation output the product's type, and every intermediate read by nothing else (no
 * graph output either); a chain that fails a test stops before it. Matched at the MatMul/Gemm
 * by the worklist driver (ir/match.h); pass_fuse_epilogue_counted tells what it fused. */
#include <string.h>

#include "hydra/gemm.h"
#include "ir/match.h"
#include "ops/linalg.h"
#include "passes/pass_internal.h"

typedef struct epi_match {
  ir_node *root, *nodes[3]; /* the MatMul/Gemm, then bias Add, activation, residual Add */
  int32_t n_nodes;
  ir_value *bias, *res, *y; /* y: the last node's output, which the fused node takes over */
  float beta;
  int32_t act;
} epi_match;

/* The GEMM the root computes: A's rows x [K, N], float, into *N and *tb. */
static bool root_ok(const ir_node *n, int64_t *N, int64_t *tb) {
  if ((n->op != OP_MatMul && n->op != OP_Gemm) || n->n_out != 1 || !n->out[0]) return false;
  const ir_type *a = &n->in[0]->type, *b = &n->in[1]->type, *y = &n->out[0]->type;
  if (a->dtype != HY_DTYPE_FLOAT || b->dtype != HY_DTYPE_FLOAT || b->rank != 2 || a->rank < 1 ||
      !ir_type_is_static(y) || !ir_type_is_static(a) || y->rank < 1)
    return false;
  *tb = n->op == OP_Gemm ? ir_attr_int(n, "transB", 0) : 0;
  if (n->op == OP_Gemm && (ir_attr_int(n, "transA", 0) != 0 || (*tb != 0 && *tb != 1)))
    return false;
  *N = y->dims[y->rank - 1];
  return *N == b->dims[*tb ? 0 : 1];
}

/* v's single reader when it is an `op` node whose output has v's type. */
static ir_node *next_of(const ir_graph *g, const ir_value *v, ir_op op) {
  if (!ir_match_single_use(g, v)) return NULL;
  ir_node *n = v->uses[0].node;
  if (n->op != op || n->n_out != 1 || !n->out[0] || !ir_match_same_type(&n->out[0]->type, &v->type))
    return NULL;
  return n;
}

static bool is_column_bias(const ir_value *v, const void *arg) {
  const int64_t *N = arg;
  return v->data && v->layout == IR_LAYOUT_ROW_MAJOR && v->type.dtype == HY_DTYPE_FLOAT &&
         lin_is_column_bias(&v->type, *N);
}

/* The activation node after v, as HY_GEMM_ACT_* (0: none). */
static int32_t act_of(const ir_graph *g, const ir_value *v, ir_node **node) {
  static const ir_op ops[] = {OP_Relu, OP_Tanh, OP_Sigmoid, OP_Gelu};
  static const int32_t acts[] = {HY_GEMM_ACT_RELU, HY_GEMM_ACT_TANH, HY_GEMM_ACT_SIGMOID,
                                 HY_GEMM_ACT_GELU};
  for (int i = 0; i < 4; i++) {
    ir_node *n = next_of(g, v, ops[i]);
    if (!n) continue;
    *node = n;
    if (ops[i] != OP_Gelu) return acts[i];
    const char *approx = ir_attr_string(n, "approximate", "none");
    return !strcmp(approx, "none") ? HY_GEMM_ACT_GELU
           : !strcmp(approx, "tanh") ? HY_GEMM_ACT_GELU_TANH : 0;
  }
  return 0;
}

/* The MatMul/Gemm alone as the start of a match (a Gemm's C as its bias); false when it is no
 * FusedMatMul's product. */
static bool match_root(ir_node *root, epi_match *m, int64_t *N) {
  int64_t tb;
  if (!root_ok(root, N, &tb)) return false;
  *m = (epi_match){.root = root, .beta = 1.0f, .y = root->out[0]};
  if (root->op == OP_Gemm && root->n_in > 2 && root->in[2]) { /* C must be a per-column bias */
    if (!is_column_bias(root->in[2], N)) return false;
    m->beta = ir_attr_float(root, "beta", 1.0f);
    m->bias = m->beta != 0.0f ? root->in[2] : NULL; /* beta 0: Gemm never reads C */
  }
  return true;
}

static bool match_epilogue(const ir_graph *g, ir_node *root, epi_match *m) {
  int64_t N;
  if (!match_root(root, m, &N)) return false;
  ir_node *n;
  if (!m->bias && (n = next_of(g, m->y, OP_Add)) &&
      ir_match_commutative(n, is_column_bias, &N, &m->bias, NULL)) {
    m->nodes[m->n_nodes++] = n;
    m->y = n->out[0];
  }
  if ((m->act = act_of(g, m->y, &n)) != 0) {
    m->nodes[m->n_nodes++] = n;
    m->y = n->out[0];
  }
  if ((n = next_of(g, m->y, OP_Add)) && n->n_in == 2) {
    ir_value *r = ir_match_other(n, m->y);
    if (r && r != m->y && ir_match_same_type(&r->type, &m->y->type)) {
      m->res = r;
      m->nodes[m->n_nodes++] = n;
      m->y = n->out[0];
    }
  }
  return m->n_nodes > 0;
}

/* FusedMatMul(A, B, bias, residual) → the chain's output, where its last node stood (the root
 * when the chain is empty). */
static hy_status replace(ir_graph *g, const epi_match *m, ir_node **made) {
  ir_node *root = m->root, *last = m->n_nodes ? m->nodes[m->n_nodes - 1] : root;
  char *name = arena_printf(g->a, "%s/FusedMatMul", root->name);
  ir_node *n = name ? ir_node_new(g, OP_FusedMatMul, NULL, name, 4, 1) : NULL;
  ir_attr *at = arena_array(g->a, 4, sizeof *at);
  const char *act = lin_fused_act_name(m->act);
  if (!n || !at) return pass_oom(g);
  at[0] = (ir_attr){.name = "transB", .kind = IR_ATTR_INT, .i = ir_attr_int(root, "transB", 0)};
  at[1] = (ir_attr){.name = "alpha", .kind = IR_ATTR_FLOAT, .f = ir_attr_float(root, "alpha", 1)};
  at[2] = (ir_attr){.name = "beta", .kind = IR_ATTR_FLOAT, .f = m->beta};
  at[3] = (ir_attr){.name = "activation", .kind = IR_ATTR_STRING, .s = act, .s_len = strlen(act)};
  n->attrs = at;
  n->n_attrs = 4;
  n->domain = ir_op_get(OP_FusedMatMul)->domain;
  n->file = root->file; /* messages name the model the GEMM came from */
  n->opset = n->version = 1;
  ir_node_move_before(g, n, last);
  ir_value *a = root->in[0], *b = root->in[1];
  ir_node_remove(g, root);
  for (int32_t i = 0; i < m->n_nodes; i++) ir_node_remove(g, m->nodes[i]);
  ir_node_set_input(g, n, 0, a);
  ir_node_set_input(g, n, 1, b);
  if (m->bias) ir_node_set_input(g, n, 2, m->bias);
  if (m->res) ir_node_set_input(g, n, 3, m->res);
  ir_node_set_output(g, n, 0, m->y);
  *made = n;
  return pass_infer_node(g, n);
}

static hy_status rewrite(ir_graph *g, ir_node *n, void *ctx, ir_node **made) {
  epi_match m;
  if (!match_epilogue(g, n, &m)) return HY_OK;
  pass_epilogue_stats *st = ctx;
  st->fused++;
  st->biases += m.bias != NULL;
  st->activations += m.act != 0;
  st->residuals += m.res != NULL;
  return replace(g, &m, made);
}

hy_status pass_fuse_epilogue_counted(ir_graph *g, pass_epilogue_stats *st) {
  *st = (pass_epilogue_stats){0};
  return ir_rewrite_worklist(g, rewrite, st);
}

hy_status pass_as_fused_matmul(ir_graph *g, ir_node *n, ir_node **made) {
  epi_match m;
  int64_t N;
  *made = NULL;
  if (n->op == OP_FusedMatMul) {
    *made = n;
    return HY_OK;
  }
  return match_root(n, &m, &N) ? replace(g, &m, made) : HY_OK;
}

hy_status pass_fuse_epilogue(ir_graph *g) {
  pass_epilogue_stats st;
  return pass_fuse_epilogue_counted(g, &st);
}
