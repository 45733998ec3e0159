"""Hydra from Python: compile an ONNX model (a path, an onnx.ModelProto, or a torch module with
example inputs) for this machine and call it with NumPy arrays.

    import hydra
    m = hydra.compile("model.onnx", shapes={"input_ids": (1, 128)}, threads=2)
    out = m(input_ids=ids, attention_mask=mask)   # {output name: ndarray}

hydra.backend is onnx.backend.base.Backend over Hydra (imported on demand: it needs onnx).
"""
from ._hydra import HydraError
from ._model import Model, NodeTime, Profile, TensorInfo, compile

__all__ = ["compile", "Model", "TensorInfo", "Profile", "NodeTime", "HydraError"]
__version__ = "0.1.0"
