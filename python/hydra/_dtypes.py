"""ONNX element types (Hydra's hy_dtype codes) and the NumPy dtypes they are exchanged as."""
import numpy as np

_TO_NUMPY = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
    7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64,
}
# The types NumPy lacks come from ml_dtypes when it is installed (onnx 1.15 and later depend on it
# and give such tensors in its dtypes): bfloat16 and the float8s, whose bits are ONNX's. Its 4- and
# 2-bit types hold an element per byte where ONNX packs two or four, so they are not exchanged.
try:
    import ml_dtypes

    _TO_NUMPY.update({16: ml_dtypes.bfloat16, 17: ml_dtypes.float8_e4m3fn,
                      18: ml_dtypes.float8_e4m3fnuz, 19: ml_dtypes.float8_e5m2,
                      20: ml_dtypes.float8_e5m2fnuz})
    if hasattr(ml_dtypes, "float8_e8m0fnu"):
        _TO_NUMPY[24] = ml_dtypes.float8_e8m0fnu
except ImportError:
    pass
_TO_CODE = {np.dtype(t): c for c, t in _TO_NUMPY.items()}


def has_numpy(code):
    """Whether ONNX type code has a NumPy dtype here."""
    return code in _TO_NUMPY


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
