"""ONNX element types (Hydra's hy_dtype codes) and the NumPy dtypes they are exchanged as."""
import numpy as np

_TO_NUMPY = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
    7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64,
}
_TO_CODE = {np.dtype(t): c for c, t in _TO_NUMPY.items()}


def to_numpy(code, what):
    """The NumPy dtype of ONNX type code (TypeError naming `what` when NumPy has none)."""
    from . import _hydra

    if code not in _TO_NUMPY:
        raise TypeError(f"{what} is {_hydra.dtype_name(code)}, which has no NumPy dtype")
    return np.dtype(_TO_NUMPY[code])


def to_code(dtype, what):
    """The ONNX type code of a NumPy dtype (TypeError naming `what` when Hydra takes none)."""
    code = _TO_CODE.get(np.dtype(dtype))
    if code is None:
        raise TypeError(f"{what} has dtype {np.dtype(dtype)}, which Hydra does not take")
    return code
