"""FLOPs of a model's MatMul, Gemm and Conv nodes at concrete input shapes, for bench.py's GFLOP/s.

Shapes come from running the model, not from inferring them: every operand of those nodes is made
a graph output, ONNX Runtime runs the model once (graph optimisations off, so every node is still
there) on inputs of the given shapes, and the shapes it returns are exact whatever Shape/Reshape
arithmetic the exporter emitted. FLOPs count a multiply-add as two; bias adds are not counted.

usage (python of build/venv/ort): count_flops.py MODEL.onnx NAME=DIMS... [--by-op]
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort

import inputs


def _matmul(a, b):
    """2*M*N*K times the broadcast batch of A[..., M, K] @ B[..., K, N] (1-D operands as numpy)."""
    a = [1] + list(a) if len(a) == 1 else list(a)
    b = list(b) + [1] if len(b) == 1 else list(b)
    m, k, n = a[-2], a[-1], b[-1]
    batch = np.broadcast_shapes(tuple(a[:-2]), tuple(b[:-2]))
    return 2 * m * n * k * int(np.prod(batch, dtype=np.int64))


def _gemm(node, a, b):
    attrs = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
    m, k = (a[1], a[0]) if attrs.get("transA", 0) else (a[0], a[1])
    n = b[0] if attrs.get("transB", 0) else b[1]
    return 2 * m * n * k


def _conv(w, y):
    """Every output element is a dot product over (Cin/group) x kernel: W is [Cout, Cin/g, k...]."""
    return 2 * int(np.prod(y, dtype=np.int64)) * int(np.prod(w[1:], dtype=np.int64))


def _operands(node):
    if node.op_type == "Conv":
        return [node.input[1], node.output[0]]
    return list(node.input[:2])


def count(model_path, shapes):
    """{op_type: FLOPs} of the model run on inputs of `shapes` ({input name: dims})."""
    model = onnx.load(model_path)
    nodes = [n for n in model.graph.node if n.op_type in ("MatMul", "Gemm", "Conv")]
    known = {i.name: list(i.dims) for i in model.graph.initializer}
    typed = onnx.shape_inference.infer_shapes(model)
    elem = {v.name: v.type.tensor_type.elem_type
            for v in list(typed.graph.value_info) + list(typed.graph.input) + list(typed.graph.output)}
    have = {o.name for o in model.graph.output}
    wanted = sorted({t for n in nodes for t in _operands(n) if t not in known})
    for t in wanted:
        if t not in have:
            model.graph.output.append(onnx.helper.make_tensor_value_info(t, elem.get(t, onnx.TensorProto.FLOAT), None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    got = sess.run(wanted, inputs.make(sess.get_inputs(), shapes))
    known.update({t: list(v.shape) for t, v in zip(wanted, got)})
    per_op = {}
    for n in nodes:
        x, w = (known[t] for t in _operands(n))
        f = _conv(x, w) if n.op_type == "Conv" else _gemm(n, x, w) if n.op_type == "Gemm" else _matmul(x, w)
        per_op[n.op_type] = per_op.get(n.op_type, 0) + f
    return per_op


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    per_op = count(argv[1], inputs.parse_shapes([a for a in argv[2:] if "=" in a]))
    if "--by-op" in argv:
        for op, f in sorted(per_op.items()):
            print(f"{op} {f}")
    print(f"flops={sum(per_op.values())}")


if __name__ == "__main__":
    main(sys.argv)
