"""Benchmark inputs for ONNX Runtime, made the way `hydrac bench` makes Hydra's: integers (token
ids, masks) in [0, 100), floats uniform in [-1, 1). Shapes are given as NAME=AxBxC, as to hydrac."""
import numpy as np

_DTYPES = {"tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(int64)": np.int64,
           "tensor(int32)": np.int32, "tensor(bool)": np.bool_}


def parse_shapes(specs):
    """["input_ids=1x128", ...] -> {"input_ids": [1, 128], ...}"""
    out = {}
    for s in specs:
        name, _, dims = s.partition("=")
        out[name] = [int(d) for d in dims.split("x")]
    return out


def make(session_inputs, shapes, seed=1):
    """{name: array} for an ORT session's inputs; every symbolic dim must be in `shapes`."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for i in session_inputs:
        dims = shapes.get(i.name) or i.shape
        if any(not isinstance(d, int) for d in dims):
            raise SystemExit(f"input '{i.name}' has symbolic dims {i.shape}: give --shape {i.name}=...")
        dt = _DTYPES.get(i.type)
        if dt is None:
            raise SystemExit(f"input '{i.name}': type {i.type} not supported by the benchmark")
        if np.issubdtype(dt, np.floating):
            feeds[i.name] = rng.uniform(-1, 1, dims).astype(dt)
        else:
            feeds[i.name] = rng.integers(0, 100, dims).astype(dt)
    return feeds
