"""onnx's whole backend suite (node, simple and PyTorch-converted models; not the real models,
which it downloads) against hydra.backend, as ONNX Runtime runs it. Collected only with
HYDRA_ONNX_BACKEND_TEST=1 (conftest.py); the counts are in docs/conformance.md.
HYDRA_ONNX_BACKEND_INCLUDE=REGEX runs only the cases it matches (to split a run in parts)."""
import os

import onnx.backend.test

import hydra.backend

backend_test = onnx.backend.test.BackendTest(hydra.backend, __name__)
if os.environ.get("HYDRA_ONNX_BACKEND_INCLUDE"):
    backend_test.include(os.environ["HYDRA_ONNX_BACKEND_INCLUDE"])
globals().update({k: v for k, v in backend_test.test_cases.items()
                  if k != "OnnxBackendRealModelTest"})
