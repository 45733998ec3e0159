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
from ._dtypes import (SUB_BYTE_BITS, has_numpy, pack_sub_byte, sub_byte_code, to_code,
                      to_numpy, unpack_sub_byte)


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
        # np.require keeps a 0-d array 0-d (np.ascontiguousarray makes it 1-d)
        arrays = [np.require(np.asarray(a), requirements="C") for a in inputs]
        outs = _hydra.run_once(self._path, [self._given(i, a) for i, a in enumerate(arrays)],
                               self._threads, True)
        return [unpack_sub_byte(code, data, dims) if code in SUB_BYTE_BITS else
                np.frombuffer(data, np.uint16 if code == _BFLOAT16 and not _HAS_BFLOAT16 else
                              to_numpy(code, f"output '{name}'")).reshape(dims).copy()
                for name, code, dims, data in outs]

    def _given(self, i, a):
        """Input i as the extension takes it: (code, array), or (code, packed bytes, dims)."""
        sub = sub_byte_code(a.dtype)
        if sub is not None:
            return sub, pack_sub_byte(a), a.shape
        if i < len(self._bf16) and self._bf16[i] and a.dtype == np.uint16:
            return _BFLOAT16, a
        return to_code(a.dtype, f"input {i}"), a


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
