#!/usr/bin/python3
"""Models exported separately from one encoder, for the tests of merging models
(`hydrac compile a.onnx b.onnx`): an intent-only and a tagging-only (NER) model, and the encoder
alone (whose optimised op histogram says what "one encoder" is in the merged graph).

All three take mt_bert_small's seeded modules from bench_models.py (same seed, so the same
weights): its TextEncoder, and its intent or NER head. Each export sees only its own module, so
the two task models hold two full copies of the encoder that only merging can share.

usage: /usr/bin/python3 merge_models.py OUTDIR [name ...]

writes OUTDIR/<name>/model.onnx and OUTDIR/<name>/test_data_set_0/{input,output}_N.pb for the
names mt_intent, mt_ner and mt_encoder, with bench_models.py's export settings (opset 14,
dynamic batch and sequence) and its test inputs.
"""
import os
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_models as bm  # noqa: E402  (after the path it is found on)

BASE = "mt_bert_small"
INTENT, NER = 0, 2  # MultiTaskBert.heads: intent, sentiment, NER


class OneHead(nn.Module):
    """mt_bert_small's encoder feeding one of its heads (or none: the encoder's output)."""

    def __init__(self, full, head):
        super().__init__()
        self.encoder = full.encoder
        self.head = None if head is None else full.heads[head]

    def forward(self, input_ids, attention_mask):
        h = self.encoder(input_ids, attention_mask)
        return h if self.head is None else self.head(h, attention_mask)


# name -> (head index or None, output name, dims of the output that are dynamic)
MODELS = {
    "mt_intent": (INTENT, "intent_logits", {0: "batch"}),
    "mt_ner": (NER, "ner_logits", {0: "batch", 1: "sequence"}),
    "mt_encoder": (None, "hidden", {0: "batch", 1: "sequence"}),
}


def export_one(name, outdir):
    import onnx

    head, out_name, out_axes = MODELS[name]
    m = OneHead(bm.build(BASE), head).eval()
    ins = bm.TEXT_INPUTS
    shp = bm.TEST_SHAPES["text"]
    x = bm.make_inputs(BASE, shp["batch"], shp["seq"], seed=42, pad=True)
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    axes = {n: {0: "batch", 1: "sequence"} for n in ins}
    axes[out_name] = out_axes
    t0 = time.time()
    with torch.no_grad():
        torch.onnx.export(m, tuple(x), path, opset_version=bm.OPSET, do_constant_folding=True,
                          input_names=ins, output_names=[out_name], dynamic_axes=axes)
        y = m(*x)
    bm.write_test_data(os.path.join(d, "test_data_set_0"), ins, x, [out_name], [y])
    onnx.checker.check_model(path)
    print(f"{name}: exported to {path} in {time.time() - t0:.1f}s")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    for n in sys.argv[2:] or list(MODELS):
        export_one(n, sys.argv[1])


if __name__ == "__main__":
    main()
