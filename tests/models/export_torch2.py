"""Exports the model-test models with today's PyTorch (torch 2.15, the pinned venv of
tests/python/requirements-torch.txt) through its torch.export-based exporter, beside the torch 1.13
exports of bench_models.py and examples/multitask_text/model.py.

usage: VENV/bin/python export_torch2.py OUTDIR [name ...]

Names: the five of bench_models.py and multitask_text (the example). The modules, seeds and
inputs are imported from those two scripts, so both exports hold the same weights (the example is
retrained with its seed) and see the same test inputs; the expected outputs of each
OUTDIR/<name>/test_data_set_0 are computed by this torch. torch.onnx.export(dynamo=True) with the
exporter's defaults (its opset, external weights in model.onnx.data, its graph optimiser, less
its CSE for mt_bert_dup: NoOnnxCSE) and dynamic_shapes for the axes bench_models.py makes dynamic.
"""
import contextlib
import importlib.util
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_models as bm  # noqa: E402  (after the path it is found on)

EXAMPLE = os.path.join(HERE, "..", "..", "examples", "multitask_text", "model.py")


def load_example():
    spec = importlib.util.spec_from_file_location("multitask_text_model", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bench_case(name):
    """-> (module, inputs, input names, output names, dynamic_shapes) as bench_models.py exports."""
    m = bm.build(name)
    ins, outs = bm.io_names(name)
    kind = bm.SPECS[name]["kind"]
    shp = bm.TEST_SHAPES[kind]
    x = bm.make_inputs(name, shp["batch"], shp.get("seq", 128), seed=42, pad=True)
    batch = torch.export.Dim("batch")
    if kind == "text":
        seq = torch.export.Dim("sequence", max=m.encoder.position_ids.shape[1])
        dyn = {n: {0: batch, 1: seq} for n in ins}
    else:
        dyn = {n: {0: batch} for n in ins}
    return m, x, ins, outs, dyn


def example_case():
    ex = load_example()
    m = ex.trained_model()
    x = ex.test_inputs()
    batch = torch.export.Dim("batch")
    seq = torch.export.Dim("sequence", max=ex.SEQ)
    return m, x, ex.INPUT_NAMES, ex.OUTPUT_NAMES, {n: {0: batch, 1: seq} for n in ex.INPUT_NAMES}


class NoOnnxCSE:
    """The exporter's graph optimiser (onnxscript) ends with common-subexpression elimination,
    which merges mt_bert_dup's three encoder copies into one, as torch 1.13's CSE did (see
    bench_models.NoTorchCSE). Disabled while mt_bert_dup is exported so that its graph, too, holds
    the three copies; every other pass of the default optimiser still runs."""

    def __enter__(self):
        from onnx_ir.passes.common import CommonSubexpressionEliminationPass as cse
        self.cls, self.orig = cse, cse._eliminate_common_subexpression
        cse._eliminate_common_subexpression = lambda self, graph: False
        return self

    def __exit__(self, *a):
        self.cls._eliminate_common_subexpression = self.orig


def export_one(name, outdir):
    import onnx

    m, x, ins, outs, dyn = example_case() if name == "multitask_text" else bench_case(name)
    path = bm.fresh_model_path(outdir, name)
    d = os.path.dirname(path)
    t0 = time.time()
    guard = NoOnnxCSE() if getattr(m, "dup", False) else contextlib.nullcontext()
    with torch.no_grad(), guard:
        torch.onnx.export(m, tuple(x), path, dynamo=True, input_names=ins, output_names=outs,
                          dynamic_shapes=dyn)
        y = m(*x)
    bm.write_test_data(os.path.join(d, "test_data_set_0"), ins, x, outs, y)
    onnx.checker.check_model(path)
    opset = next(o.version for o in onnx.load(path, load_external_data=False).opset_import
                 if o.domain in ("", "ai.onnx"))
    print(f"{name}: exported with torch {torch.__version__} (opset {opset}) to {path} "
          f"in {time.time() - t0:.1f}s")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    for n in sys.argv[2:] or list(bm.SPECS) + ["multitask_text"]:
        export_one(n, sys.argv[1])


if __name__ == "__main__":
    main()
