"""Quantizes a model-test export with ONNX Runtime's quantize_dynamic and writes ORT's outputs as
the quantized model's expected data (the pinned venv of tests/python/requirements-ort.txt).

usage: VENV/bin/python quantize_ort.py SRC_DIR OUT_DIR

SRC_DIR holds model.onnx and test_data_set_0/ (bench_models.py's torch 1.13 export). OUT_DIR gets
model.onnx, the quantize_dynamic model with quantize_dynamic's defaults (int8 weights, per tensor,
uint8 activations quantized at run time by DynamicQuantizeLinear), and test_data_set_0/ with
SRC_DIR's inputs and the outputs ORT computes for them on its CPU provider. The graph optimiser
is off, as in ORT's own quantization tests (op_test_utils.check_model_correctness), so the
expected data is the standard-op graph's, not ORT's fused contrib kernels'.
"""
import os
import shutil
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from onnxruntime.quantization import quantize_dynamic


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    data_in = os.path.join(src, "test_data_set_0")
    data_out = os.path.join(out, "test_data_set_0")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(data_out)
    model = os.path.join(out, "model.onnx")
    quantize_dynamic(os.path.join(src, "model.onnx"), model)

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])
    feeds = {}
    for i, info in enumerate(sess.get_inputs()):
        name = f"input_{i}.pb"
        shutil.copy(os.path.join(data_in, name), os.path.join(data_out, name))
        feeds[info.name] = numpy_helper.to_array(onnx.load_tensor(os.path.join(data_in, name)))
    for i, (info, value) in enumerate(zip(sess.get_outputs(), sess.run(None, feeds))):
        t = numpy_helper.from_array(np.asarray(value), info.name)
        onnx.save_tensor(t, os.path.join(data_out, f"output_{i}.pb"))
    ops = sorted({n.op_type for n in onnx.load(model).graph.node})
    print(f"quantize_ort: {model} ({', '.join(ops)})")


if __name__ == "__main__":
    main()
