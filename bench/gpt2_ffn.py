"""Writes GPT-2's feed-forward block as transformers exports it, for timing the elementwise-chain
path (fuse_elementwise, Pow by 3) against ONNX Runtime: x [s, 768] @ W1 + b1 -> gelu_new written
out (0.5*h*(1 + tanh(sqrt(2/pi)*(h + 0.044715*h^3))), eight ops with a Pow) -> @ W2 + b2.

usage: /usr/bin/python3 bench/gpt2_ffn.py OUT.onnx      (Debian's onnx; seeded random weights)
then, on the same threads:
  hydrac bench OUT.onnx --shape x=128x768 --threads T [--profile]
  HYDRA_SKIP_FUSION=fuse_elementwise hydrac bench OUT.onnx --shape x=128x768 --threads T
  (cd bench && BUILD/venv/ort/bin/python ort_time.py OUT.onnx --shape x=128x768 --threads T)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

H, F = 768, 3072


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    rng = np.random.default_rng(0)
    weights = {
        "W1": rng.standard_normal((H, F)) * 0.02, "b1": rng.standard_normal(F) * 0.02,
        "W2": rng.standard_normal((F, H)) * 0.02, "b2": rng.standard_normal(H) * 0.02,
        "half": 0.5, "one": 1.0, "three": 3.0, "c": 0.044715, "k": np.sqrt(2 / np.pi)}
    init = [numpy_helper.from_array(np.asarray(v, np.float32), n) for n, v in weights.items()]
    node = helper.make_node
    nodes = [node("MatMul", ["x", "W1"], ["m1"]), node("Add", ["m1", "b1"], ["h"]),
             node("Mul", ["half", "h"], ["hh"]), node("Pow", ["h", "three"], ["h3"]),
             node("Mul", ["c", "h3"], ["ch3"]), node("Add", ["h", "ch3"], ["inner"]),
             node("Mul", ["k", "inner"], ["kin"]), node("Tanh", ["kin"], ["th"]),
             node("Add", ["one", "th"], ["op"]), node("Mul", ["hh", "op"], ["g"]),
             node("MatMul", ["g", "W2"], ["m2"]), node("Add", ["m2", "b2"], ["y"])]
    graph = helper.make_graph(
        nodes, "gpt2_ffn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["s", H])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["s", H])], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[1])


if __name__ == "__main__":
    main()
