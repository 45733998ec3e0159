"""The five reference models compiled from Python and run from NumPy on test_data_set_0's
inputs, matched to torch's outputs there (1e-4)."""
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
