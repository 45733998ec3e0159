"""Fixtures of the package's tests: where the exported reference models are
($HYDRA_TEST_MODELS, the build tree's tests/models/onnx; the ctest python.package sets it), and
the full onnx backend suite (onnx_backend/) collected only when HYDRA_ONNX_BACKEND_TEST=1."""
import os

import numpy as np
import pytest

# onnx 1.12's backend runner (Debian's) compares with np.object, which numpy 1.24 (Debian's too)
# removed: the alias it meant.
if "object" not in vars(np):
    np.object = object

collect_ignore = [] if os.environ.get("HYDRA_ONNX_BACKEND_TEST") == "1" else ["onnx_backend"]


@pytest.fixture(scope="session")
def models_dir():
    d = os.environ.get("HYDRA_TEST_MODELS")
    if not d or not os.path.isdir(d):
        pytest.fail("set HYDRA_TEST_MODELS to the exported models' folder (build/tests/models/onnx)")
    return d
