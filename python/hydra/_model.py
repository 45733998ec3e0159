"""hydra.compile and the compiled Model it returns, over the C extension hydra._hydra."""
import inspect
import os
import tempfile
from collections import namedtuple

import numpy as np

from . import _hydra
from ._dtypes import (SUB_BYTE_BITS, pack_sub_byte, sub_byte_code, sub_byte_numpy, to_code,
                      to_numpy, unpack_sub_byte)

TensorInfo = namedtuple("TensorInfo", "name dtype shape")
TensorInfo.__doc__ = "An input or output: its name, NumPy dtype and (static) shape."

NodeTime = namedtuple("NodeTime", "name op kernel ms")
NodeTime.__doc__ = "One node's time per run in a profile (milliseconds)."


class Profile:
    """Per-node times of `Model.profile`, as `hydrac bench --profile` measures them: `nodes`
    (NodeTime, slowest first), `total_ms` per run, `runs` timed, `clock` ("thread CPU time" with
    one thread, else "wall time")."""

    def __init__(self, rows, runs, clock):
        self.runs = runs
        self.clock = clock
        self.nodes = sorted(
            (NodeTime(n, op, k, ns / 1e6 / runs) for n, op, k, ns in rows),
            key=lambda t: -t.ms)
        self.total_ms = sum(t.ms for t in self.nodes)

    def by_op(self):
        """{(op, kernel): ms per run}, slowest first."""
        acc = {}
        for t in self.nodes:
            acc[(t.op, t.kernel)] = acc.get((t.op, t.kernel), 0.0) + t.ms
        return dict(sorted(acc.items(), key=lambda kv: -kv[1]))

    def __str__(self):
        lines = [f"profile: {self.runs} runs, {self.total_ms:.4f} ms per run in "
                 f"{len(self.nodes)} nodes ({self.clock})"]
        lines += [f"  {ms:10.4f} ms  {op} ({kernel})" for (op, kernel), ms in self.by_op().items()]
        return "\n".join(lines)


class Model:
    """A model compiled for this machine (hydra.compile). Call it with NumPy arrays: by position
    (the inputs' order), by name (keywords), or one dict {name: array}. It returns a dict
    {output name: ndarray} in the model's output order.

    An array of the input's dtype that is C-contiguous is read in place; another layout is copied
    first. An array of another dtype is refused (TypeError); Python lists and scalars are
    converted to the input's dtype. A model runs one call at a time: from several threads, use
    one Model each (a second concurrent call raises HydraError, status HY_ERR_BUSY).

    Compiled with a range for a dim (shapes={"input_ids": ((1, 4), (1, 256))}), the model takes
    any size within it: that dim of the input's .shape is the run-time dim's name, .dims gives
    its bounds, and each call's outputs come in that call's shapes."""

    def __init__(self, path, shapes=None, threads=1, label=None):
        self._path = label or os.fspath(path)  # what messages call the model
        self._threads = threads
        self._m = _hydra.Model(os.fspath(path), _bindings(shapes), threads)
        dims = self._m.dims
        #: {name: (lo, hi)} of the run-time dims (shapes given as (lo, hi) pairs)
        self.dims = {n: (lo, hi) for n, lo, hi in dims}
        self.inputs = [TensorInfo(n, _numpy_dtype(c, f"input '{n}'"),
                                  tuple(dims[s - 1][0] if s else x for x, s in zip(d, syms)))
                       for n, c, d, _, syms in self._m.inputs]
        self.outputs = [_output_info(n, c, d) for n, c, d, _, _ in self._m.outputs]
        self._out_codes = [c for _, c, _, _, _ in self._m.outputs]

    def __repr__(self):
        sig = ", ".join(f"{t.name}: {t.dtype}{list(t.shape)}" for t in self.inputs)
        return f"<hydra.Model {self._path} ({sig})>"

    def _arrays(self, args, kwargs):
        """The call's arrays in input order, checked and made C-contiguous."""
        if len(args) == 1 and isinstance(args[0], dict) and not kwargs:
            args, kwargs = (), args[0]
        names = [t.name for t in self.inputs]
        if len(args) > len(names):
            raise TypeError(f"{len(args)} inputs given; the model has {len(names)} "
                            f"({', '.join(names)})")
        given = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise TypeError(f"'{k}' is no input of {self._path} (the inputs are: "
                                f"{', '.join(names)})")
            if k in given:
                raise TypeError(f"input '{k}' is given twice")
            given[k] = v
        missing = [n for n in names if n not in given]
        if missing:
            raise TypeError(f"missing input{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)} of {self._path}")
        return [_checked(t, given[t.name]) for t in self.inputs]

    def __call__(self, *args, **kwargs):
        arrays = self._arrays(args, kwargs)
        outs = self._output_buffers()
        shapes = self._m.run([_input_item(a) for a in arrays], outs)
        return {t.name: _actual(o, s, c)
                for t, o, s, c in zip(self.outputs, outs, shapes, self._out_codes)}

    def _output_buffers(self):
        """A buffer per output, for the bounds: its array, or a 4- or 2-bit type's packed bytes
        with its dims."""
        return [(np.empty((int(np.prod(t.shape, dtype=np.int64)) * SUB_BYTE_BITS[c] + 7) // 8,
                          np.uint8), t.shape) if c in SUB_BYTE_BITS else np.empty(t.shape, t.dtype)
                for t, c in zip(self.outputs, self._out_codes)]

    run = __call__

    def profile(self, *args, iters=10, warmup=2, **kwargs):
        """Times every node over `iters` runs (after `warmup`) on these inputs, with the model
        compiled again with a clock read around each node (slightly slower than the plain
        model, which this leaves as it is)."""
        arrays = self._arrays(args, kwargs)
        rows = self._m.profile([_input_item(a) for a in arrays], self._output_buffers(), iters,
                               warmup)
        return Profile(rows, iters, "thread CPU time" if self._threads == 1 else "wall time")

    def save(self, name, weights="embed", c_name=None):
        """Writes NAME.o and NAME.h (and NAME.weights with weights="file"), the files `hydrac
        compile -o NAME.o [--weights file]` writes, for this machine; the C API's prefix is
        c_name (default: NAME's file stem made a C identifier). Returns the paths written."""
        if weights not in ("embed", "file"):
            raise ValueError(f"weights is 'embed' or 'file', not {weights!r}")
        name = os.fspath(name)
        stem = name[:-2] if name.endswith(".o") else name
        paths = [stem + ".o", stem + ".h"] + ([stem + ".weights"] if weights == "file" else [])
        folder = os.path.dirname(stem)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._m.save(paths[0], paths[1], paths[2] if weights == "file" else None, c_name)
        return paths


def _numpy_dtype(code, what):
    """The dtype a tensor of ONNX type code is exchanged as (ml_dtypes' for 4- and 2-bit types)."""
    return sub_byte_numpy(code, what) if code in SUB_BYTE_BITS else to_numpy(code, what)


def _output_info(name, code, dims):
    return TensorInfo(name, _numpy_dtype(code, f"output '{name}'"), dims)


def _input_item(a):
    """An input as the extension takes it: (code, array), or (code, packed bytes, dims)."""
    code = sub_byte_code(a.dtype)
    return (code, pack_sub_byte(a), a.shape) if code else (to_code(a.dtype, ""), a)


def _actual(buf, shape, code=None):
    """An output whose extent the values or the run-time dims decide is written dense at the
    buffer's start; a 4- or 2-bit one comes as packed bytes."""
    if isinstance(buf, tuple):
        return unpack_sub_byte(code, buf[0].tobytes(), tuple(shape))
    if buf.shape == tuple(shape):
        return buf
    return buf.reshape(-1)[:int(np.prod(shape, dtype=np.int64))].reshape(shape)


def _checked(info, value):
    """value as a C-contiguous array of the input's dtype and shape (copied only when its layout
    is another); TypeError for another dtype, ValueError for another shape."""
    if isinstance(value, (list, tuple, int, float, bool)):
        value = np.asarray(value, dtype=info.dtype)
    a = np.asarray(value)
    if a.dtype != info.dtype:
        raise TypeError(f"input '{info.name}' is {a.dtype}; the model takes {info.dtype}")
    if len(a.shape) != len(info.shape) or any(
            d != w for d, w in zip(a.shape, info.shape) if not isinstance(w, str)):
        raise ValueError(f"input '{info.name}' has shape {a.shape}; the model was compiled for "
                         f"{tuple(info.shape)}")
    return np.require(a, requirements="C")  # np.ascontiguousarray would make a 0-d array 1-d


def _dim(d):
    """A dim of shapes=: an int, or (lo, hi) / "lo..hi" for a run-time dim."""
    if isinstance(d, str) and ".." in d:
        lo, hi = d.split("..", 1)
        return (int(lo), int(hi))
    if isinstance(d, (tuple, list, range)):
        lo, hi = (d.start, d.stop - 1) if isinstance(d, range) else d
        return (int(lo), int(hi))
    return int(d)


def _bindings(shapes):
    """shapes {name: dims} as the extension's [(name, dims)]; a dim (lo, hi), "lo..hi" or
    range(lo, hi + 1) is left to run time within those bounds."""
    if not shapes:
        return None
    return [(name, tuple(_dim(d) for d in dims)) for name, dims in dict(shapes).items()]


def _is_torch_module(model):
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module"
               for c in type(model).__mro__)


def _export_torch(module, example_inputs, folder, export_kwargs):
    """module exported by torch.onnx.export into folder/NAME.onnx; inputs named after forward's
    parameters, outputs after the keys of a dict result, else output / output_<i>."""
    import torch

    args = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    kw = dict(export_kwargs)
    if "input_names" not in kw:
        params = list(inspect.signature(module.forward).parameters)
        kw["input_names"] = params[:len(args)] if len(params) >= len(args) else None
    if "output_names" not in kw:
        with torch.no_grad():
            res = module(*args)
        if isinstance(res, dict):
            kw["output_names"] = [str(k) for k in res]
        elif isinstance(res, (tuple, list)):
            kw["output_names"] = [f"output_{i}" for i in range(len(res))]
        else:
            kw["output_names"] = ["output"]
    path = os.path.join(folder, type(module).__name__ + ".onnx")
    was_training = module.training
    module.eval()
    try:
        torch.onnx.export(module, args, path, **kw)
    finally:
        module.train(was_training)
    return path


def compile(model, shapes=None, threads=1, example_inputs=None, **export_kwargs):
    """Compiles model for this machine: an ONNX file's path, an onnx.ModelProto, or a
    torch.nn.Module with example_inputs (a tensor or a tuple of them; exported by
    torch.onnx.export with export_kwargs, shapes taken from the examples). shapes gives inputs
    with symbolic dims their static shape: {name: (1, 128)}. threads: the
    session's worker threads. Raises HydraError with Hydra's message when the model is refused."""
    if isinstance(model, (str, os.PathLike)):
        return Model(model, shapes, threads)
    with tempfile.TemporaryDirectory(prefix="hydra-") as folder:
        if _is_torch_module(model):
            if example_inputs is None:
                raise TypeError("compiling a torch module needs example_inputs")
            path = _export_torch(model, example_inputs, folder, export_kwargs)
            label = f"{type(model).__name__} (torch module)"
        elif hasattr(model, "SerializeToString") and hasattr(model, "graph"):
            name = model.graph.name or "model"
            label = f"ModelProto '{name}'"
            path = os.path.join(folder, "".join(c if c.isalnum() else "_" for c in name) + ".onnx")
            with open(path, "wb") as f:
                f.write(model.SerializeToString())
        else:
            raise TypeError(f"hydra.compile takes a path, an onnx.ModelProto or a torch module, "
                            f"not {type(model).__name__}")
        return Model(path, shapes, threads, label)
