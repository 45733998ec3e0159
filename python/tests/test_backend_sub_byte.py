"""hydra.backend and a compiled hydra.Model exchange ONNX's 4- and 2-bit types as ml_dtypes arrays
(an element a byte), packing them into ONNX's layout on the way in and unpacking them on the way
out."""
import numpy as np
import pytest
from onnx import TensorProto, helper

import hydra
import hydra.backend
from hydra._dtypes import pack_sub_byte, unpack_sub_byte

ml_dtypes = pytest.importorskip("ml_dtypes")

# (ONNX type's name, ml_dtypes name, values of that type; an odd count, so the last byte is only
# partly used). onnx before 1.17 has no INT2 and UINT2, before 1.18 no FLOAT4E2M1.
CASES = [("INT4", "int4", [-8, -1, 0, 3, 7]),
         ("UINT4", "uint4", [0, 1, 9, 15, 4]),
         ("FLOAT4E2M1", "float4_e2m1fn", [-6, -0.5, 0, 1.5, 4]),
         ("INT2", "int2", [-2, -1, 0, 1, 1]),
         ("UINT2", "uint2", [0, 1, 2, 3, 2])]


def _types(onnx_name, name):
    """The ONNX type code and the ml_dtypes dtype, or a skip when this onnx or ml_dtypes lacks
    one."""
    if not hasattr(ml_dtypes, name) or not hasattr(TensorProto, onnx_name):
        pytest.skip(f"this onnx or ml_dtypes has no {onnx_name}")
    return getattr(TensorProto, onnx_name), np.dtype(getattr(ml_dtypes, name))


def _cast_to_float(onnx_type):
    """A model: Cast of a [5] input of onnx_type to float."""
    graph = helper.make_graph(
        [helper.make_node("Cast", ["t"], ["y"], to=TensorProto.FLOAT, name="to_float")],
        "sub_byte_in", [helper.make_tensor_value_info("t", onnx_type, [5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
    proto.ir_version = 11
    return proto


@pytest.mark.parametrize("onnx_name,name,values", CASES)
def test_packing_is_onnx_layout(onnx_name, name, values):
    onnx_type, dtype = _types(onnx_name, name)
    a = np.array(values, dtype=dtype)
    packed = pack_sub_byte(a)
    bits = 4 if "4" in name else 2
    codes = a.view(np.uint8) & ((1 << bits) - 1)
    # the first element in the lowest bits of the first byte, the second in the next ones
    assert packed[0] & ((1 << bits) - 1) == codes[0]
    assert (packed[0] >> bits) & ((1 << bits) - 1) == codes[1]
    assert packed.size == (a.size * bits + 7) // 8
    back = unpack_sub_byte(onnx_type, packed.tobytes(), (a.size,))
    assert back.dtype == a.dtype and np.array_equal(back.view(np.uint8), a.view(np.uint8))


@pytest.mark.parametrize("onnx_name,name,values", CASES)
def test_cast_round_trip_through_the_backend(onnx_name, name, values):
    """float -> T -> float by two Casts, T an output too (each value is representable in T);
    then T as an input."""
    onnx_type, dtype = _types(onnx_name, name)
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["t"], to=onnx_type, name="to_t"),
         helper.make_node("Cast", ["t"], ["y"], to=TensorProto.FLOAT, name="to_float")],
        "sub_byte",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5]),
         helper.make_tensor_value_info("t", onnx_type, [5])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
    proto.ir_version = 11
    x = np.array(values, np.float32)
    y, t = hydra.backend.prepare(proto).run([x])
    np.testing.assert_array_equal(y, x)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.astype(np.float32), x)
    (y2,) = hydra.backend.prepare(_cast_to_float(onnx_type)).run([t])
    np.testing.assert_array_equal(y2, x)


@pytest.mark.parametrize("onnx_name,name,values", CASES)
def test_cast_round_trip_through_a_compiled_model(onnx_name, name, values):
    """The same two Casts compiled with hydra.compile, called with NumPy: T out, then T in."""
    onnx_type, dtype = _types(onnx_name, name)
    graph = helper.make_graph(
        [helper.make_node("Cast", ["x"], ["t"], to=onnx_type, name="to_t"),
         helper.make_node("Cast", ["t"], ["y"], to=TensorProto.FLOAT, name="to_float")],
        "sub_byte", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [5]),
         helper.make_tensor_value_info("t", onnx_type, [5])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 25)])
    proto.ir_version = 11
    x = np.array(values, np.float32)
    got = hydra.compile(proto)(x)
    np.testing.assert_array_equal(got["y"], x)
    assert got["t"].dtype == dtype and got["t"].shape == (5,)
    np.testing.assert_array_equal(got["t"].astype(np.float32), x)
    back = hydra.compile(_cast_to_float(onnx_type))
    assert back.inputs[0].dtype == dtype
    np.testing.assert_array_equal(back(got["t"])["y"], x)
    with pytest.raises(TypeError, match=f"is float32; the model takes {dtype}"):
        back(x)


def test_wrong_packed_sizes_are_refused(tmp_path):
    """The extension checks packed bytes against their dims, and takes dims only for such types."""
    from hydra import _hydra

    onnx_type, _ = _types("INT4", "int4")
    path = str(tmp_path / "m.onnx")
    with open(path, "wb") as f:
        f.write(_cast_to_float(onnx_type).SerializeToString())
    with pytest.raises(ValueError, match=r"2 bytes given for 5 int4 elements \(3 bytes packed\)"):
        _hydra.run_once(path, [(onnx_type, np.zeros(2, np.uint8), (5,))])
    with pytest.raises(TypeError, match="packed bytes and its dims"):
        _hydra.run_once(path, [(onnx_type, np.zeros(5, np.uint8))])
    with pytest.raises(TypeError, match="dims are given only with a type under 8 bits"):
        _hydra.run_once(path, [(TensorProto.FLOAT, np.zeros(5, np.float32), (5,))])
    (y,) = [np.frombuffer(d, np.float32) for _, _, _, d in
            _hydra.run_once(path, [(onnx_type, np.array([0x21, 0xF3, 0x07], np.uint8), (5,))])]
    np.testing.assert_array_equal(y, [1, 2, 3, -1, 7])
