"""onnx.backend.base.Backend over Hydra, so onnx's own backend tests (onnx.backend.test
.BackendTest) run against it, as they run against ONNX Runtime:

    import onnx.backend.test, hydra.backend
    globals().update(onnx.backend.test.BackendTest(hydra.backend, __name__).test_cases)

Each run compiles the model for the given inputs' shapes (their values visible to shape
inference) and runs it once: the path of `hydrac run` and of Hydra's conformance runner.
"""
import os
import tempfile

import numpy as np
from onnx.backend.base import Backend, BackendRep

from . import _hydra
from ._dtypes import has_numpy, to_code, to_numpy


class HydraRep(BackendRep):
    """A prepared model: its file in a folder of its own, compiled at each run."""

    def __init__(self, model, threads=1):
        self._dir = tempfile.TemporaryDirectory(prefix="hydra-backend-")
        self._path = os.path.join(self._dir.name, "model.onnx")
        with open(self._path, "wb") as f:
            f.write(model.SerializeToString())
        init = {t.name for t in model.graph.initializer}
        graph_inputs = [i for i in model.graph.input if i.name not in init]
        self._inputs = [i.name for i in graph_inputs]
        self._bf16 = [i.type.tensor_type.elem_type == _BFLOAT16 for i in graph_inputs]
        self._threads = threads

    def run(self, inputs, **kwargs):
        if isinstance(inputs, dict):
            inputs = [inputs[n] for n in self._inputs]
        elif isinstance(inputs, np.ndarray):
            inputs = [inputs]
        arrays = [np.ascontiguousarray(np.asarray(a)) for a in inputs]
        given = [(_BFLOAT16 if i < len(self._bf16) and self._bf16[i] and a.dtype == np.uint16
                  else to_code(a.dtype, f"input {i}"), a) for i, a in enumerate(arrays)]
        outs = _hydra.run_once(self._path, given, self._threads, True)
        return [np.frombuffer(data, np.uint16 if code == _BFLOAT16 and not _HAS_BFLOAT16 else
                              to_numpy(code, f"output '{name}'")).reshape(dims).copy()
                for name, code, dims, data in outs]


# NumPy has no bfloat16. Without ml_dtypes (onnx before 1.15) onnx's numpy_helper gives a bfloat16
# tensor as its bits, a uint16 array, so a bfloat16 input comes as uint16 and a bfloat16 output
# goes back so; with it, as ml_dtypes.bfloat16 both ways (_dtypes.py).
_BFLOAT16 = 16
_HAS_BFLOAT16 = has_numpy(_BFLOAT16)


class HydraBackend(Backend):
    @classmethod
    def prepare(cls, model, device="CPU", **kwargs):
        super().prepare(model, device, **kwargs)
        return HydraRep(model, kwargs.get("threads", 1))

    @classmethod
    def supports_device(cls, device):
        return device.upper() == "CPU"


prepare = HydraBackend.prepare
run_model = HydraBackend.run_model
run_node = HydraBackend.run_node
supports_device = HydraBackend.supports_device
