"""ONNX element types (Hydra's hy_dtype codes) and the NumPy dtypes they are exchanged as."""
import numpy as np

_TO_NUMPY = {
    1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
    7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32, 13: np.uint64,
}
# The types NumPy lacks come from ml_dtypes when it is installed (onnx 1.15 and later depend on it
# and give such tensors in its dtypes): bfloat16 and the float8s, whose bits are ONNX's. Its 4- and
# 2-bit types hold an element per byte (its bits in the low ones) where ONNX packs two or four
# (the first element in the lowest bits): hydra.backend and a compiled Model pack and unpack them
# (pack_sub_byte, unpack_sub_byte).
SUB_BYTE_BITS = {21: 4, 22: 4, 23: 4, 25: 2, 26: 2}  # uint4, int4, float4e2m1, uint2, int2
_SUB_BYTE_NAMES = {21: "uint4", 22: "int4", 23: "float4_e2m1fn", 25: "uint2", 26: "int2"}
_SUB_BYTE = {}  # code: ml_dtypes type, for those this ml_dtypes has
try:
    import ml_dtypes

    _TO_NUMPY.update({16: ml_dtypes.bfloat16, 17: ml_dtypes.float8_e4m3fn,
                      18: ml_dtypes.float8_e4m3fnuz, 19: ml_dtypes.float8_e5m2,
                      20: ml_dtypes.float8_e5m2fnuz})
    if hasattr(ml_dtypes, "float8_e8m0fnu"):
        _TO_NUMPY[24] = ml_dtypes.float8_e8m0fnu
    _SUB_BYTE.update({c: getattr(ml_dtypes, n) for c, n in _SUB_BYTE_NAMES.items()
                      if hasattr(ml_dtypes, n)})
except ImportError:
    pass
_TO_CODE = {np.dtype(t): c for c, t in _TO_NUMPY.items()}
_SUB_BYTE_CODE = {np.dtype(t): c for c, t in _SUB_BYTE.items()}


def sub_byte_code(dtype):
    """The ONNX type code of an ml_dtypes 4- or 2-bit dtype, else None."""
    return _SUB_BYTE_CODE.get(np.dtype(dtype))


def pack_sub_byte(a):
    """An array of an ml_dtypes 4- or 2-bit dtype as ONNX's packed bytes (a uint8 array)."""
    bits = SUB_BYTE_BITS[sub_byte_code(a.dtype)]
    per = 8 // bits
    codes = np.ascontiguousarray(a).reshape(-1).view(np.uint8) & ((1 << bits) - 1)
    codes = np.concatenate([codes, np.zeros(-codes.size % per, np.uint8)]).reshape(-1, per)
    packed = np.zeros(codes.shape[0], np.uint8)
    for j in range(per):
        packed |= codes[:, j] << (j * bits)
    return packed


def unpack_sub_byte(code, data, dims):
    """ONNX's packed bytes of a 4- or 2-bit type code as an ml_dtypes array of shape dims."""
    if code not in _SUB_BYTE:
        raise TypeError(f"type code {code} has no NumPy dtype here (install ml_dtypes)")
    t, bits = _SUB_BYTE[code], SUB_BYTE_BITS[code]
    per, n = 8 // bits, int(np.prod(dims, dtype=np.int64))
    b = np.frombuffer(data, np.uint8)
    codes = np.stack([(b >> (j * bits)) & ((1 << bits) - 1) for j in range(per)], axis=1)
    return codes.reshape(-1)[:n].copy().view(t).reshape(dims)


def sub_byte_numpy(code, what):
    """The ml_dtypes dtype of a 4- or 2-bit type code (TypeError naming `what` without one)."""
    if code not in _SUB_BYTE:
        from . import _hydra

        raise TypeError(f"{what} is {_hydra.dtype_name(code)}: install ml_dtypes for it")
    return np.dtype(_SUB_BYTE[code])


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
