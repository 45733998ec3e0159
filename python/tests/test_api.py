"""hydra.compile from a torch module and from an onnx.ModelProto, the model's description, save,
profile, and the errors a user meets (wrong dtype, wrong shape, unknown input name, bad model)."""
import os

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

import hydra


class TwoHeads(torch.nn.Module):
    """A shared encoder (projection, GELU, LayerNorm, one self-attention) and two task heads."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.proj = torch.nn.Linear(16, 32)
        self.norm = torch.nn.LayerNorm(32)
        self.qkv = torch.nn.Linear(32, 96)
        self.cls = torch.nn.Linear(32, 3)
        self.tag = torch.nn.Linear(32, 5)

    def forward(self, x, mask):
        h = self.norm(torch.nn.functional.gelu(self.proj(x)))
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        scores = q @ k.transpose(1, 2) / 32 ** 0.5 + (1 - mask[:, None, :]) * -1e4
        h = h + torch.softmax(scores, dim=-1) @ v
        pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return {"cls": self.cls(pooled), "tags": self.tag(h)}


@pytest.fixture(scope="module")
def torch_case():
    module = TwoHeads().eval()
    x = torch.randn(2, 8, 16)
    mask = torch.ones(2, 8)
    mask[1, 5:] = 0
    return module, x, mask, hydra.compile(module, example_inputs=(x, mask), threads=2)


def test_torch_module_matches_torch(torch_case):
    module, x, mask, model = torch_case
    assert [(t.name, t.dtype, t.shape) for t in model.inputs] == [
        ("x", np.float32, (2, 8, 16)), ("mask", np.float32, (2, 8))]
    assert [t.name for t in model.outputs] == ["cls", "tags"]
    with torch.no_grad():
        want = module(x, mask)
    got = model(x.numpy(), mask=mask.numpy())
    for name in ("cls", "tags"):
        np.testing.assert_allclose(got[name], want[name].numpy(), rtol=1e-4, atol=1e-4)
    # the same call by a dict, and with a non-contiguous array (copied, same result)
    again = model({"x": np.asfortranarray(x.numpy()), "mask": mask.numpy()})
    np.testing.assert_array_equal(again["tags"], got["tags"])


def test_wrong_dtype_shape_and_names_raise(torch_case):
    _, x, mask, model = torch_case
    xs, ms = x.numpy(), mask.numpy()
    with pytest.raises(TypeError, match="input 'x' is float64; the model takes float32"):
        model(xs.astype(np.float64), ms)
    with pytest.raises(ValueError, match=r"input 'mask' has shape \(2, 7\).*\(2, 8\)"):
        model(xs, ms[:, :7])
    with pytest.raises(TypeError, match=r"'masks' is no input of TwoHeads \(torch module\) \(the inputs are: x, mask\)"):
        model(x=xs, masks=ms)
    with pytest.raises(TypeError, match="missing input mask"):
        model(xs)
    with pytest.raises(TypeError, match="3 inputs given; the model has 2"):
        model(xs, ms, ms)


def test_model_proto_and_save(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "w"], ["m"], name="mm"),
         helper.make_node("Relu", ["m"], ["y"], name="relu")],
        "tiny",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
        [helper.make_tensor("w", TensorProto.FLOAT, [4, 3],
                            np.arange(12, dtype=np.float32) - 6)])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    model = hydra.compile(proto, shapes={"a": (5, 4)})
    a = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    w = (np.arange(12, dtype=np.float32) - 6).reshape(4, 3)
    np.testing.assert_allclose(model(a)["y"], np.maximum(a @ w, 0), rtol=1e-5, atol=1e-5)
    paths = model.save(tmp_path / "out" / "tiny", weights="file")
    assert paths == [str(tmp_path / "out" / f"tiny{e}") for e in (".o", ".h", ".weights")]
    assert all(os.path.getsize(p) > 0 for p in paths)
    header = open(paths[1]).read()
    assert "tiny_run(" in header and "tiny.weights" in header
    assert model.save(tmp_path / "emb.o", c_name="emb")[1].endswith("emb.h")
    assert "emb_create(" in open(tmp_path / "emb.h").read()


def test_profile_times_every_node(torch_case):
    _, x, mask, model = torch_case
    p = model.profile(x.numpy(), mask.numpy(), iters=3, warmup=1)
    assert p.runs == 3 and p.clock == "wall time"
    assert p.total_ms > 0 and all(t.ms >= 0 for t in p.nodes)
    ops = {t.op for t in p.nodes}
    assert {"LayerNormalization", "FusedMatMul", "Softmax"} <= ops  # forward()'s, fused
    assert sum(p.by_op().values()) == pytest.approx(p.total_ms)
    assert "ms per run" in str(p)


def test_bad_models_raise_hydra_errors(tmp_path):
    with pytest.raises(hydra.HydraError, match="nope.onnx: cannot open") as e:
        hydra.compile(tmp_path / "nope.onnx")
    assert e.value.status
    graph = helper.make_graph(
        [helper.make_node("Relu", ["a"], ["y"], name="r")], "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    with pytest.raises(hydra.HydraError, match="'b'"):
        hydra.compile(proto, shapes={"b": (3,)})
    with pytest.raises(TypeError, match="takes a path, an onnx.ModelProto or a torch module"):
        hydra.compile(42)


def test_arrays_are_read_in_place_when_they_can_be(torch_case):
    """A C-contiguous array of the input's dtype reaches the extension itself (its buffer is
    read in place); a Fortran-ordered one is copied to C order first."""
    from hydra._model import _checked

    _, x, _, model = torch_case
    a = np.ascontiguousarray(x.numpy())
    assert _checked(model.inputs[0], a) is a
    f = np.asfortranarray(a)
    c = _checked(model.inputs[0], f)
    assert c is not f and c.flags.c_contiguous and np.array_equal(c, f)


def test_scalar_inputs_and_outputs_keep_rank_0():
    """A 0-d array is a rank-0 tensor both ways (np.ascontiguousarray would make it [1])."""
    graph = helper.make_graph(
        [helper.make_node("Mul", ["a", "b"], ["y"], name="mul")], "scalar",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, []) for n in ("a", "b")],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])])
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    y = hydra.compile(proto)(np.array(3, np.float32), np.array(-2, np.float32))["y"]
    assert y.shape == () and y == -6
    rep = hydra.backend.prepare(proto)
    (y,) = rep.run([np.array(3, np.float32), np.array(-2, np.float32)])
    assert y.shape == () and y.dtype == np.float32 and y == -6
