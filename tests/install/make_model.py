"""Writes the small two-head model the install tests compile: x float[batch, 4] → MatMul W + b →
Relu → y1, and x → Neg → y2 (W[i][j] = (i - j) / 4, b = (0.5, -0.5, 0); main.c recomputes both).
Usage: make_model.py OUT.onnx  (Debian's /usr/bin/python3 with onnx)"""
import sys

from onnx import TensorProto, checker, helper, save

W = [(i - j) / 4 for i in range(4) for j in range(3)]
B = [0.5, -0.5, 0.0]
graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "b"], ["xwb"], name="bias"),
        helper.make_node("Relu", ["xwb"], ["y1"], name="relu"),
        helper.make_node("Neg", ["x"], ["y2"], name="neg"),
    ],
    "tiny",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [
        helper.make_tensor_value_info("y1", TensorProto.FLOAT, ["batch", 3]),
        helper.make_tensor_value_info("y2", TensorProto.FLOAT, ["batch", 4]),
    ],
    [
        helper.make_tensor("W", TensorProto.FLOAT, [4, 3], W),
        helper.make_tensor("b", TensorProto.FLOAT, [3], B),
    ],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 7
checker.check_model(model)
save(model, sys.argv[1])
