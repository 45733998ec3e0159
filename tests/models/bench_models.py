#!/usr/bin/python3
"""The five multi-task models of Hydra's model tests, and their export to ONNX with test data.

Adapted from the team's peer-benchmark scripts (/work/shared/bench/models.py and
export_models.py, written for the ONNX Runtime / PyTorch comparison): the same modules, seeds,
inputs and export settings, so these tests check the graphs that are benchmarked. Kept in the
repository so the tests need nothing outside it.

usage: /usr/bin/python3 bench_models.py OUTDIR [name ...]

writes OUTDIR/<name>/model.onnx and OUTDIR/<name>/test_data_set_0/{input,output}_N.pb, and the
data sets at other shapes that tests of run-time dims use (DYNAMIC_SHAPES)
(TensorProto; outputs computed by torch). torch.onnx.export: opset 14, constant folding, named
inputs/outputs, dynamic batch (and sequence for the text models).
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234

# ---------------------------------------------------------------- text models


class SelfAttention(nn.Module):
    """Multi-head self attention written the usual (HF BERT) way:
    separate q/k/v Linear, q@k^T/sqrt(d) + additive mask, softmax, @v."""

    def __init__(self, hidden, heads):
        super().__init__()
        assert hidden % heads == 0
        self.h = heads
        self.d = hidden // heads
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.o = nn.Linear(hidden, hidden)

    def split(self, x):  # [B,S,H*D] -> [B,H,S,D]
        b, s, _ = x.shape
        return x.view(b, s, self.h, self.d).permute(0, 2, 1, 3)

    def forward(self, x, add_mask=None):
        b, s, hid = x.shape
        q = self.split(self.q(x))
        k = self.split(self.k(x))
        v = self.split(self.v(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d)
        if add_mask is not None:
            scores = scores + add_mask  # [B,1,1,S] broadcast
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v)  # [B,H,S,D]
        ctx = ctx.permute(0, 2, 1, 3).contiguous().view(b, s, hid)
        return self.o(ctx)


class PostNormLayer(nn.Module):
    """BERT encoder layer: x = LN(x + attn(x)); x = LN(x + FFN(x)), exact erf GELU."""

    def __init__(self, hidden, heads, ffn, eps=1e-12):
        super().__init__()
        self.attn = SelfAttention(hidden, heads)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.fc1 = nn.Linear(hidden, ffn)
        self.fc2 = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x, add_mask):
        x = self.ln1(x + self.attn(x, add_mask))
        x = self.ln2(x + self.fc2(F.gelu(self.fc1(x))))  # approximate='none' (erf)
        return x


class TextEncoder(nn.Module):
    def __init__(self, vocab, max_pos, hidden, heads, ffn, layers):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([PostNormLayer(hidden, heads, ffn) for _ in range(layers)])
        self.register_buffer("position_ids", torch.arange(max_pos).unsqueeze(0), persistent=False)

    def forward(self, input_ids, attention_mask):
        s = input_ids.shape[1]
        pos = self.position_ids[:, :s]
        x = self.ln(self.tok(input_ids) + self.pos(pos))
        # additive mask, HF-BERT style: 0 where attended, -10000 where padded
        add_mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, add_mask)
        return x


class IntentHead(nn.Module):  # CLS token -> Linear -> 5 logits
    def __init__(self, hidden, n=5):
        super().__init__()
        self.fc = nn.Linear(hidden, n)

    def forward(self, h, attention_mask):
        return self.fc(h[:, 0])


class SentimentHead(nn.Module):  # masked mean pool -> Linear-Tanh-Linear -> 3 logits
    def __init__(self, hidden, n=3):
        super().__init__()
        self.fc1 = nn.Linear(hidden, hidden)
        self.fc2 = nn.Linear(hidden, n)

    def forward(self, h, attention_mask):
        m = attention_mask.to(h.dtype).unsqueeze(-1)  # [B,S,1]
        pooled = (h * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return self.fc2(torch.tanh(self.fc1(pooled)))


class NerHead(nn.Module):  # per-token Linear -> 9 tags
    def __init__(self, hidden, n=9):
        super().__init__()
        self.fc = nn.Linear(hidden, n)

    def forward(self, h, attention_mask):
        return self.fc(h)


class MultiTaskBert(nn.Module):
    """dup=False: encoder runs once, its output feeds the 3 heads.
    dup=True : `for head in heads: head(self.encoder(x))` -> encoder traced 3 times."""

    def __init__(self, hidden, heads, ffn, layers, vocab=8000, max_pos=512, dup=False):
        super().__init__()
        self.encoder = TextEncoder(vocab, max_pos, hidden, heads, ffn, layers)
        self.heads = nn.ModuleList([IntentHead(hidden), SentimentHead(hidden), NerHead(hidden)])
        self.dup = dup

    def forward(self, input_ids, attention_mask):
        if self.dup:
            return tuple(head(self.encoder(input_ids, attention_mask), attention_mask)
                         for head in self.heads)
        h = self.encoder(input_ids, attention_mask)
        return tuple(head(h, attention_mask) for head in self.heads)


# ---------------------------------------------------------------- MMoE


class MMoE(nn.Module):
    def __init__(self, d_in=64, n_experts=4, expert_hidden=128, expert_out=64, tower_hidden=32,
                 n_tasks=3, sigmoid_tasks=(True, True, False)):
        super().__init__()
        self.experts = nn.ModuleList([
            nn.Sequential(nn.Linear(d_in, expert_hidden), nn.ReLU(),
                          nn.Linear(expert_hidden, expert_out), nn.ReLU())
            for _ in range(n_experts)])
        self.gates = nn.ModuleList([
            nn.Sequential(nn.Linear(d_in, n_experts), nn.Softmax(dim=-1)) for _ in range(n_tasks)])
        self.towers = nn.ModuleList([
            nn.Sequential(nn.Linear(expert_out, tower_hidden), nn.ReLU(), nn.Linear(tower_hidden, 1))
            for _ in range(n_tasks)])
        self.sigmoid_tasks = sigmoid_tasks

    def forward(self, features):
        e = torch.stack([ex(features) for ex in self.experts], dim=1)  # [B,E,D]
        outs = []
        for gate, tower, sig in zip(self.gates, self.towers, self.sigmoid_tasks):
            g = gate(features).unsqueeze(-1)  # [B,E,1]
            y = tower((g * e).sum(dim=1))  # [B,1]
            outs.append(torch.sigmoid(y) if sig else y)
        return tuple(outs)


# ---------------------------------------------------------------- ViT


class PreNormLayer(nn.Module):
    def __init__(self, dim, heads, mlp, eps=1e-6):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim, eps=eps)
        self.attn = SelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim, eps=eps)
        self.fc1 = nn.Linear(dim, mlp)
        self.fc2 = nn.Linear(mlp, dim)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        x = x + self.fc2(F.gelu(self.fc1(self.ln2(x))))
        return x


class ViTMultiTask(nn.Module):
    def __init__(self, img=64, patch=8, dim=192, heads=3, mlp=768, layers=4, n_cls=10, n_reg=4):
        super().__init__()
        self.patch = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        n = (img // patch) ** 2
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        self.layers = nn.ModuleList([PreNormLayer(dim, heads, mlp) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim, eps=1e-6)
        self.cls_head = nn.Linear(dim, n_cls)  # from CLS token
        self.reg_head = nn.Linear(dim, n_reg)  # from mean of patch tokens

    def forward(self, pixel_values):
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)  # [B,N,D]
        cls = self.cls.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos
        for layer in self.layers:
            x = layer(x)
        x = self.ln(x)
        return self.cls_head(x[:, 0]), self.reg_head(x[:, 1:].mean(dim=1))


# ---------------------------------------------------------------- registry

TEXT_INPUTS = ["input_ids", "attention_mask"]
TEXT_OUTPUTS = ["intent_logits", "sentiment_logits", "ner_logits"]

SPECS = {
    "mt_bert_small": dict(kind="text", ctor=lambda: MultiTaskBert(256, 4, 1024, 4)),
    "mt_bert_base": dict(kind="text", ctor=lambda: MultiTaskBert(768, 12, 3072, 6)),
    "mt_bert_dup": dict(kind="text", ctor=lambda: MultiTaskBert(256, 4, 1024, 4, dup=True)),
    "mmoe": dict(kind="dense", ctor=lambda: MMoE()),
    "vit_mt_tiny": dict(kind="image", ctor=lambda: ViTMultiTask()),
}


def build(name):
    """Seeded, random-weight, eval-mode model. Same seed -> same weights in every script."""
    torch.manual_seed(SEED)
    m = SPECS[name]["ctor"]()
    if SPECS[name]["kind"] == "text":
        # BERT-like init scale so activations stay in a sane range
        for p in m.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)
    return m.eval()


def io_names(name):
    kind = SPECS[name]["kind"]
    if kind == "text":
        return TEXT_INPUTS, TEXT_OUTPUTS
    if kind == "dense":
        return ["features"], ["ctr", "cvr", "value"]
    return ["pixel_values"], ["class_logits", "regression"]


def make_inputs(name, batch, seq=128, seed=0, pad=False):
    """Seeded random inputs (torch tensors) in the order of io_names(name)[0].
    pad=True leaves the tail of each row after the first padded (mask 0) for text models."""
    g = torch.Generator().manual_seed(seed)
    kind = SPECS[name]["kind"]
    if kind == "text":
        ids = torch.randint(0, 8000, (batch, seq), generator=g, dtype=torch.int64)
        mask = torch.ones(batch, seq, dtype=torch.int64)
        if pad:
            for b in range(1, batch):
                keep = max(1, seq - (seq * b) // (batch + 1))
                mask[b, keep:] = 0
                ids[b, keep:] = 0
        return [ids, mask]
    if kind == "dense":
        return [torch.randn(batch, 64, generator=g)]
    return [torch.randn(batch, 3, 64, 64, generator=g)]


# ---------------------------------------------------------------- export

OPSET = 14

# shapes of test_data_set_0: small, with padding so the attention mask matters
TEST_SHAPES = {"text": dict(batch=2, seq=32), "dense": dict(batch=3), "image": dict(batch=2)}
# the data sets test_data_set_<batch>x<seq> (or _<batch>) that one object compiled for run-time
# dims runs (tests/models/CMakeLists.txt, DYNAMIC_RANGES there): the bounds and between them
DYNAMIC_SHAPES = {"text": [dict(batch=1, seq=7), dict(batch=3, seq=64), dict(batch=4, seq=256)],
                  "dense": [dict(batch=1), dict(batch=7), dict(batch=32)],
                  "image": [dict(batch=1), dict(batch=3), dict(batch=8)]}


def dynamic_axes(name):
    ins, outs = io_names(name)
    kind = SPECS[name]["kind"]
    d = {n: ({0: "batch", 1: "sequence"} if kind == "text" else {0: "batch"}) for n in ins}
    d.update({n: {0: "batch"} for n in outs})
    if kind == "text":
        d["ner_logits"] = {0: "batch", 1: "sequence"}
    return d


class NoTorchCSE:
    """torch 1.13's exporter runs torch._C._jit_pass_cse, which merges the three traced encoder
    copies of mt_bert_dup into one (the export would equal mt_bert_small's). Disabled while
    mt_bert_dup is exported so its graph really holds three copies, as other exporters emit."""

    def __enter__(self):
        self.orig = torch._C._jit_pass_cse
        torch._C._jit_pass_cse = lambda graph: False
        return self

    def __exit__(self, *a):
        torch._C._jit_pass_cse = self.orig


def write_tensor(path, array, name):
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def fresh_model_path(outdir, name):
    """outdir/name/model.onnx, its folder made and any earlier export (with its external data)
    removed, so a failed export cannot leave a stale model behind."""
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    for stale in (path, path + ".data"):
        if os.path.exists(stale):
            os.remove(stale)
    return path


def write_test_data(d, in_names, inputs, out_names, outputs):
    """A backend-style data set: d/input_N.pb, d/output_N.pb (float outputs) of torch tensors."""
    import numpy as np
    os.makedirs(d, exist_ok=True)
    for i, (n, t) in enumerate(zip(in_names, inputs)):
        write_tensor(os.path.join(d, f"input_{i}.pb"), t.numpy(), n)
    for i, (n, t) in enumerate(zip(out_names, outputs)):
        write_tensor(os.path.join(d, f"output_{i}.pb"), t.numpy().astype(np.float32), n)


def export_one(name, outdir):
    import contextlib
    import time

    import onnx

    m = build(name)
    ins, outs = io_names(name)
    shp = TEST_SHAPES[SPECS[name]["kind"]]
    x = make_inputs(name, shp["batch"], shp.get("seq", 128), seed=42, pad=True)
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    t0 = time.time()
    guard = NoTorchCSE() if getattr(m, "dup", False) else contextlib.nullcontext()
    with torch.no_grad(), guard:
        torch.onnx.export(m, tuple(x), path, opset_version=OPSET, do_constant_folding=True,
                          input_names=ins, output_names=outs, dynamic_axes=dynamic_axes(name))
        y = m(*x)
        write_test_data(os.path.join(d, "test_data_set_0"), ins, x, outs, y)
        for k, shp in enumerate(DYNAMIC_SHAPES[SPECS[name]["kind"]]):
            x = make_inputs(name, shp["batch"], shp.get("seq", 128), seed=43 + k, pad=True)
            tag = f"{shp['batch']}x{shp['seq']}" if "seq" in shp else f"{shp['batch']}"
            write_test_data(os.path.join(d, f"test_data_set_{tag}"), ins, x, outs, m(*x))
    onnx.checker.check_model(path)
    print(f"{name}: exported to {path} in {time.time() - t0:.1f}s")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    for n in sys.argv[2:] or list(SPECS):
        export_one(n, sys.argv[1])


if __name__ == "__main__":
    main()
