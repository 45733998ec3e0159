"""Tiny attention blocks for the attention-fusion model tests, each exported in a second or two:
nn.MultiheadAttention (sequence first, key padding mask), nn.TransformerEncoderLayer (batch
first, key padding mask; and sequence first with a causal float mask beside the padding one), and
a GPT-style causal block (packed qkv Linear split in three, a constant lower-triangle buffer
applied by masked_fill, an additive padding mask; then GPT-2's MLP, whose tanh GELU written out
is an elementwise chain with a Pow).

usage: /usr/bin/python3 attention_models.py OUTDIR [name ...]            (torch 1.13, opset 14)
       VENV/bin/python attention_models.py --torch2 OUTDIR [name ...]    (dynamo=True)

writes OUTDIR/<name>/model.onnx and OUTDIR/<name>/test_data_set_0 (bench_models.write_test_data)
with static shapes (SEQ x BATCH or BATCH x SEQ); the first batch row pads its last two keys.
"""
import os
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench_models as bm  # noqa: E402  (after the path it is found on)

E, HEADS, SEQ, BATCH, FF = 16, 2, 6, 2, 32


def padding():
    """[BATCH, SEQ] bool, True = padded: the first row's last two keys."""
    m = torch.zeros(BATCH, SEQ, dtype=torch.bool)
    m[0, -2:] = True
    return m


class Mha(nn.Module):
    """nn.MultiheadAttention over [SEQ, BATCH, E], self-attention, key padding mask."""

    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(E, HEADS)

    def forward(self, x, key_padding_mask):
        return self.attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=False)[0]


class Encoder(nn.Module):
    """nn.TransformerEncoderLayer over [BATCH, SEQ, E], key padding mask."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0, batch_first=True)

    def forward(self, x, key_padding_mask):
        return self.layer(x, src_key_padding_mask=key_padding_mask)


class EncoderCausal(nn.Module):
    """nn.TransformerEncoderLayer over [SEQ, BATCH, E] with the square subsequent (causal) float
    mask and a key padding mask."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0)
        causal = torch.triu(torch.full((SEQ, SEQ), float("-inf")), diagonal=1)
        self.register_buffer("causal", causal)

    def forward(self, x, key_padding_mask):
        return self.layer(x, src_mask=self.causal, src_key_padding_mask=key_padding_mask)


def gelu_new(h):
    """GPT-2's tanh GELU as HF transformers writes it out: exported as Pow, Mul, Add, Tanh."""
    return 0.5 * h * (1.0 + torch.tanh((2.0 / torch.pi) ** 0.5 * (h + 0.044715 * torch.pow(h, 3.0))))


class Gpt(nn.Module):
    """A GPT-2 style block: packed qkv, causal tril buffer, additive padding mask, then the MLP
    with the tanh GELU written out (gelu_new) on the residual."""

    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(E, 3 * E)
        self.proj = nn.Linear(E, E)
        self.fc = nn.Linear(E, FF)
        self.fc_out = nn.Linear(FF, E)
        tri = torch.tril(torch.ones(SEQ, SEQ, dtype=torch.bool)).view(1, 1, SEQ, SEQ)
        self.register_buffer("tri", tri)

    def forward(self, x, attention_mask):
        b, t, e = x.shape
        q, k, v = self.qkv(x).split(E, dim=2)
        q, k, v = (z.view(b, t, HEADS, e // HEADS).transpose(1, 2) for z in (q, k, v))
        a = (q @ k.transpose(-2, -1)) * (1.0 / (e // HEADS) ** 0.5)
        a = a.masked_fill(self.tri[:, :, :t, :t] == 0, float("-inf"))
        a = a + (1.0 - attention_mask[:, None, None, :]) * -10000.0
        y = self.proj((a.softmax(-1) @ v).transpose(1, 2).contiguous().view(b, t, e))
        return y + self.fc_out(gelu_new(self.fc(y)))


def case(name):
    """-> (module, inputs, input names)"""
    g = torch.Generator().manual_seed(7)
    seq_first = torch.randn(SEQ, BATCH, E, generator=g)
    batch_first = torch.randn(BATCH, SEQ, E, generator=g)
    if name == "attn_mha":
        return Mha(), (seq_first, padding()), ["x", "key_padding_mask"]
    if name == "attn_encoder":
        return Encoder(), (batch_first, padding()), ["x", "key_padding_mask"]
    if name == "attn_encoder_causal":
        return EncoderCausal(), (seq_first, padding()), ["x", "key_padding_mask"]
    if name == "attn_gpt":
        return Gpt(), (batch_first, (~padding()).float()), ["x", "attention_mask"]
    raise SystemExit(f"unknown model {name}")


NAMES = ["attn_mha", "attn_encoder", "attn_encoder_causal", "attn_gpt"]


def export_one(name, outdir, torch2):
    import onnx

    torch.manual_seed(0)
    m, x, ins = case(name)
    m = m.eval()
    path = bm.fresh_model_path(outdir, name)
    d = os.path.dirname(path)
    t0 = time.time()
    # torch 1.13 takes its fused fast path (aten::_native_multi_head_attention, which it cannot
    # export) for batch-first modules under no_grad: the export traces with grad enabled
    if torch2:
        with torch.no_grad():
            torch.onnx.export(m, x, path, dynamo=True, input_names=ins, output_names=["y"])
    else:
        torch.onnx.export(m, x, path, opset_version=bm.OPSET, do_constant_folding=True,
                          input_names=ins, output_names=["y"])
    with torch.no_grad():
        y = m(*x)
    bm.write_test_data(os.path.join(d, "test_data_set_0"), ins, x, ["y"], [y])
    onnx.checker.check_model(path)
    print(f"{name}: exported with torch {torch.__version__} to {path} in {time.time() - t0:.1f}s")


def main():
    args = sys.argv[1:]
    torch2 = "--torch2" in args
    args = [a for a in args if a != "--torch2"]
    if not args:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    for n in args[1:] or NAMES:
        export_one(n, args[0], torch2)


if __name__ == "__main__":
    main()
