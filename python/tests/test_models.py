"""The five reference models compiled from Python and run from NumPy on test_data_set_0's
inputs, matched to torch's outputs there (1e-4); and three compiled once for run-time dims, run
on the data sets bench_models.py writes at other shapes."""
import glob
import os

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import hydra

MODELS = ["mt_bert_small", "mt_bert_base", "mt_bert_dup", "mmoe", "vit_mt_tiny"]


def read_tensors(folder, prefix):
    out = []
    for path in sorted(glob.glob(os.path.join(folder, f"{prefix}_*.pb")),
                       key=lambda p: int(p.rsplit("_", 1)[1][:-3])):
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        out.append((t.name, numpy_helper.to_array(t)))
    return out


@pytest.mark.parametrize("name", MODELS)
def test_reference_model(models_dir, name):
    folder = os.path.join(models_dir, name)
    data = os.path.join(folder, "test_data_set_0")
    inputs = read_tensors(data, "input")
    expected = read_tensors(data, "output")
    model = hydra.compile(os.path.join(folder, "model.onnx"), shapes=_shapes(folder, inputs))
    assert [t.name for t in model.inputs] == _input_names(folder)
    got = model({n: a for n, a in _named(model, inputs)})
    assert list(got) == [t.name for t in model.outputs]
    assert len(expected) == len(got)
    for (ename, want), (gname, have) in zip(expected, got.items()):
        assert not ename or ename == gname
        assert have.shape == want.shape, gname
        np.testing.assert_allclose(have, want, rtol=1e-4, atol=1e-4, err_msg=f"{name}: {gname}")


def _input_names(folder):
    m = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
    init = {t.name for t in m.graph.initializer}
    return [i.name for i in m.graph.input if i.name not in init]


def _named(model, inputs):
    """(input name, array): the TensorProto's name, else the model's input at that position."""
    return [(n or model.inputs[i].name, a) for i, (n, a) in enumerate(inputs)]


def _shapes(folder, inputs):
    names = _input_names(folder)
    return {n or names[i]: a.shape for i, (n, a) in enumerate(inputs)}


# one range per model, and the data sets at shapes within it (bench_models.py DYNAMIC_SHAPES)
RANGES = {"mt_bert_small": ({"input_ids": ((1, 4), (1, 256)), "attention_mask": "1..4x1..256"},
                            ["1x7", "3x64", "4x256"]),
          "mmoe": ({"features": (range(1, 33), 64)}, ["1", "7", "32"])}


@pytest.mark.parametrize("name", sorted(RANGES))
def test_one_model_for_many_shapes(models_dir, name):
    folder = os.path.join(models_dir, name)
    shapes, sets = RANGES[name]
    shapes = {k: v.split("x") if isinstance(v, str) else v for k, v in shapes.items()}
    model = hydra.compile(os.path.join(folder, "model.onnx"), shapes=shapes)
    assert model.dims == ({"batch": (1, 4), "sequence": (1, 256)} if name != "mmoe"
                          else {"batch": (1, 32)})
    assert model.inputs[0].shape[0] == "batch"
    for tag in sets:
        data = os.path.join(folder, f"test_data_set_{tag}")
        got = model({n: a for n, a in _named(model, read_tensors(data, "input"))})
        for (_, want), (gname, have) in zip(read_tensors(data, "output"), got.items()):
            assert have.shape == want.shape, (tag, gname)
            np.testing.assert_allclose(have, want, rtol=1e-4, atol=1e-4, err_msg=f"{tag}: {gname}")
    too_many = model.dims["batch"][1] + 1
    with pytest.raises(hydra.HydraError, match=f"is {too_many}, outside 1..{too_many - 1}"):
        model({t.name: np.zeros((too_many,) + tuple(d if isinstance(d, int) else 3
                                                    for d in t.shape[1:]), t.dtype)
               for t in model.inputs})
