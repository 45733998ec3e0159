"""Writes the ONNX backend test suite of the installed onnx package as a data folder laid out like
the Debian libonnx-testdata one, for hydra_conformance --data.

The wheel ships its node cases only as generators (onnx.backend.test.case.node) and its simple
model cases partly as generators (onnx.backend.test.case.model); both are written here the way
`onnx.backend.test.cmd_tools generate-data` writes them: DIR/<kind>/<name>/model.onnx and
test_data_set_<i>/{input,output}_<j>.pb. The shipped simple, pytorch-converted and
pytorch-operator folders are copied beside them. Real models (downloads) are left out.

Usage: python write_onnx_suite.py OUT_DIR   (run with the interpreter that has the pinned onnx)
"""
from __future__ import annotations

import os
import shutil
import sys

import onnx
from onnx import TensorProto, numpy_helper
from onnx.backend.test.case import model as model_cases
from onnx.backend.test.case import node as node_cases

SHIPPED = ("simple", "pytorch-converted", "pytorch-operator")


def serialize(value, vi: onnx.ValueInfoProto) -> bytes:
    """One input or output value as the protobuf its declared type calls for."""
    t = vi.type
    if isinstance(value, TensorProto):
        return value.SerializeToString()
    if t.HasField("sequence_type"):
        return numpy_helper.from_list(value, vi.name).SerializeToString()
    if t.HasField("optional_type"):
        return numpy_helper.from_optional(value, vi.name).SerializeToString()
    if t.HasField("map_type"):
        return numpy_helper.from_dict(value, vi.name).SerializeToString()
    return numpy_helper.from_array(value, vi.name).SerializeToString()


def write_case(out_dir: str, case) -> None:
    case_dir = os.path.join(out_dir, case.kind, case.name)
    if os.path.exists(case_dir):
        shutil.rmtree(case_dir)
    os.makedirs(case_dir)
    with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    graph = case.model.graph
    for i, (inputs, outputs) in enumerate(case.data_sets):
        ds = os.path.join(case_dir, f"test_data_set_{i}")
        os.makedirs(ds)
        for j, value in enumerate(inputs):
            with open(os.path.join(ds, f"input_{j}.pb"), "wb") as f:
                f.write(serialize(value, graph.input[j]))
        for j, value in enumerate(outputs):
            with open(os.path.join(ds, f"output_{j}.pb"), "wb") as f:
                f.write(serialize(value, graph.output[j]))


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    counts: dict[str, int] = {}
    generated = list(node_cases.collect_testcases())
    generated += [c for c in model_cases.collect_testcases() if c.kind != "real"]
    for case in generated:
        write_case(out_dir, case)
        counts[case.kind] = counts.get(case.kind, 0) + 1
    data_dir = os.path.join(os.path.dirname(onnx.backend.test.__file__), "data")
    for kind in SHIPPED:
        src = os.path.join(data_dir, kind)
        for name in sorted(os.listdir(src)):
            dst = os.path.join(out_dir, kind, name)
            if os.path.exists(dst):
                continue  # a generated case of the same name wins
            shutil.copytree(os.path.join(src, name), dst)
            counts[kind] = counts.get(kind, 0) + 1
    total = sum(counts.values())
    detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"onnx {onnx.__version__}: wrote {total} cases to {out_dir} ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
