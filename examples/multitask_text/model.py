#!/usr/bin/python3
"""The multi-task text example: a tiny BERT-like encoder shared by three heads (intent, sentiment,
per-token named entities), a word-level tokenizer, a synthetic training set, and the export.

usage: /usr/bin/python3 model.py OUTDIR

Trains for a few seconds on generated sentences (so the predictions mean something), then writes
  OUTDIR/multitask_text.onnx      opset 14, inputs input_ids/attention_mask [batch, sequence]
  OUTDIR/multitask_text_vocab.h   the vocabulary and label names for the C tokenizer (main.c)
  OUTDIR/expected.txt             torch's predictions for SENTENCES, for `multitask_text --check`
  OUTDIR/test_data_set_0/         SENTENCES as one batch and torch's logits, for the model tests
                                  (tests/models; export_torch2.py exports the same model with
                                  torch 2.x through trained_model() and test_inputs())
The C side (main.c) mirrors tokenize(): lower-case, split on anything but [a-z0-9'], [CLS] first,
unknown words -> [UNK], padded with [PAD] to SEQ tokens.
"""
import math
import os
import random
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SEQ = 16
SEED = 7

# ---------------------------------------------------------------- data and vocabulary

CITIES = ["paris", "london", "tokyo", "berlin", "rome", "madrid", "oslo", "cairo"]
TIMES = ["tomorrow", "tonight", "today", "monday", "friday", "noon", "midnight", "sunday"]
ARTISTS = ["adele", "beyonce", "mozart", "coldplay", "queen", "bach", "shakira", "drake"]

INTENTS = ["weather", "music", "alarm", "restaurant", "greeting"]
SENTIMENTS = ["negative", "neutral", "positive"]
TAGS = ["O", "CITY", "TIME", "ARTIST"]

TEMPLATES = {
    "weather": ["what is the weather in {city} {time}", "will it rain in {city} {time}",
                "is it sunny in {city}", "how cold is it in {city} {time}"],
    "music": ["play {artist}", "play some music by {artist}", "put on {artist} please",
              "i want to hear {artist} {time}"],
    "alarm": ["set an alarm for {time}", "wake me up {time}", "remind me {time}",
              "set a timer for {time}"],
    "restaurant": ["book a table in {city} {time}", "find a restaurant in {city}",
                   "reserve dinner in {city} for {time}", "where can i eat in {city}"],
    "greeting": ["hello", "hi there", "good morning", "hey how are you"],
}
MOODS = {
    "negative": ["this is awful", "i hate this", "terrible service", "so annoying", "ugh"],
    "neutral": ["", "", "ok", "please"],
    "positive": ["i love it", "thanks a lot", "that is great", "awesome", "wonderful"],
}
SLOTS = {"city": ("CITY", CITIES), "time": ("TIME", TIMES), "artist": ("ARTIST", ARTISTS)}

# What the compiled example shows; expected.txt holds torch's predictions for them.
SENTENCES = [
    "What is the weather in Paris tomorrow? I love it",
    "play some music by Coldplay, this is awful",
    "set an alarm for Monday please",
    "book a table in Tokyo tonight, thanks a lot",
    "hello, I hate this",
    "will it rain in Oslo today",
]

INPUT_NAMES = ["input_ids", "attention_mask"]
OUTPUT_NAMES = ["intent_logits", "sentiment_logits", "ner_logits"]

SPECIALS = ["[PAD]", "[UNK]", "[CLS]"]
PAD, UNK, CLS = 0, 1, 2


def build_vocab():
    words = set(CITIES + TIMES + ARTISTS)
    for ts in TEMPLATES.values():
        for t in ts:
            words.update(w for w in re.split(r"[^a-z0-9'{}]+", t) if w and "{" not in w)
    for ms in MOODS.values():
        for m in ms:
            words.update(m.split())
    return SPECIALS + sorted(words)


VOCAB = build_vocab()
WORD_ID = {w: i for i, w in enumerate(VOCAB)}


def words_of(text):
    return [w for w in re.split(r"[^a-z0-9']+", text.lower()) if w]


def tokenize(text):
    """-> (ids, mask), each SEQ long: [CLS] word... [PAD]..., words past SEQ-1 dropped."""
    ids = [CLS] + [WORD_ID.get(w, UNK) for w in words_of(text)][: SEQ - 1]
    mask = [1] * len(ids) + [0] * (SEQ - len(ids))
    return ids + [PAD] * (SEQ - len(ids)), mask


def sample(rng):
    """One synthetic sentence -> (ids, mask, intent, sentiment, per-token tags (-100: ignored))."""
    intent = rng.randrange(len(INTENTS))
    mood = rng.randrange(len(SENTIMENTS))
    words, tags = [], []
    for part in rng.choice(TEMPLATES[INTENTS[intent]]).split():
        if part.startswith("{"):
            tag, values = SLOTS[part[1:-1]]
            words.append(rng.choice(values))
            tags.append(TAGS.index(tag))
        else:
            words.append(part)
            tags.append(0)
    extra = rng.choice(MOODS[SENTIMENTS[mood]]).split()
    words += extra
    tags += [0] * len(extra)
    ids, mask = tokenize(" ".join(words))
    tag_row = [-100] + tags[: SEQ - 1]
    tag_row += [-100] * (SEQ - len(tag_row))
    return ids, mask, intent, mood, tag_row


# ---------------------------------------------------------------- the model


class Layer(nn.Module):
    """Post-norm BERT layer: self-attention with an additive mask, erf-GELU feed-forward."""

    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.h, self.d = heads, hidden // heads
        self.qkv = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(3)])
        self.o = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=1e-12)
        self.fc1 = nn.Linear(hidden, ffn)
        self.fc2 = nn.Linear(ffn, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, add_mask):
        b, s, hid = x.shape
        q, k, v = (lin(x).view(b, s, self.h, self.d).permute(0, 2, 1, 3) for lin in self.qkv)
        p = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d) + add_mask, -1)
        ctx = torch.matmul(p, v).permute(0, 2, 1, 3).contiguous().view(b, s, hid)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.fc2(F.gelu(self.fc1(x))))


class MultiTaskText(nn.Module):
    def __init__(self, vocab, hidden=48, heads=2, ffn=96, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(SEQ, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([Layer(hidden, heads, ffn) for _ in range(layers)])
        self.intent = nn.Linear(hidden, len(INTENTS))
        self.sentiment = nn.Linear(hidden, len(SENTIMENTS))
        self.ner = nn.Linear(hidden, len(TAGS))
        self.register_buffer("position_ids", torch.arange(SEQ).unsqueeze(0), persistent=False)

    def forward(self, input_ids, attention_mask):
        x = self.ln(self.tok(input_ids) + self.pos(self.position_ids[:, : input_ids.shape[1]]))
        m = attention_mask.to(x.dtype)
        add_mask = (1.0 - m[:, None, None, :]) * -10000.0
        for layer in self.layers:
            x = layer(x, add_mask)
        pooled = (x * m.unsqueeze(-1)).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
        return self.intent(x[:, 0]), self.sentiment(pooled), self.ner(x)


def train(model, steps=150, batch=64):
    rng = random.Random(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        rows = [sample(rng) for _ in range(batch)]
        ids, mask, intent, mood, tags = (torch.tensor(c) for c in zip(*rows))
        li, ls, ln = model(ids, mask)
        loss = (F.cross_entropy(li, intent) + F.cross_entropy(ls, mood)
                + F.cross_entropy(ln.reshape(-1, len(TAGS)), tags.reshape(-1), ignore_index=-100))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            print(f"  step {step:3d}: loss {loss.item():.3f}")
    return model.eval()


# ---------------------------------------------------------------- outputs


def c_strings(name, items):
    body = ", ".join('"' + s + '"' for s in items)
    return f"static const char *const {name}[] = {{{body}}};\n"


def write_header(path):
    with open(path, "w") as f:
        f.write("/* Generated by examples/multitask_text/model.py: the vocabulary and labels of the\n"
                " * multi-task text model, for the C tokenizer in main.c. Do not edit. */\n")
        f.write(f"#define MT_SEQ {SEQ}\n#define MT_PAD {PAD}\n#define MT_UNK {UNK}\n#define MT_CLS {CLS}\n")
        f.write(f"#define MT_VOCAB_SIZE {len(VOCAB)}\n")
        f.write(f"#define MT_N_INTENTS {len(INTENTS)}\n#define MT_N_SENTIMENTS {len(SENTIMENTS)}\n")
        f.write(f"#define MT_N_TAGS {len(TAGS)}\n")
        f.write(c_strings("MT_VOCAB", VOCAB) + c_strings("MT_INTENTS", INTENTS))
        f.write(c_strings("MT_SENTIMENTS", SENTIMENTS) + c_strings("MT_TAGS", TAGS))


def predict(model, text):
    ids, mask = tokenize(text)
    with torch.no_grad():
        li, ls, ln = model(torch.tensor([ids]), torch.tensor([mask]))
    n = sum(mask)
    tags = [TAGS[t] for t in ln[0, 1:n].argmax(-1).tolist()]
    return INTENTS[li.argmax().item()], SENTIMENTS[ls.argmax().item()], tags


def trained_model():
    """The example's model, seeded and trained on one thread: the same weights on every run."""
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    t0 = time.time()
    model = train(MultiTaskText(len(VOCAB)))
    print(f"multitask_text: trained in {time.time() - t0:.1f}s, vocabulary {len(VOCAB)} words")
    return model


def test_inputs():
    """SENTENCES tokenized as one batch: [input_ids, attention_mask], each [len(SENTENCES), SEQ]."""
    rows = [tokenize(s) for s in SENTENCES]
    return [torch.tensor([r[0] for r in rows]), torch.tensor([r[1] for r in rows])]


def write_test_data(d, model):
    """A backend-style data set (input_N.pb, output_N.pb) of test_inputs() and torch's logits."""
    from onnx import numpy_helper
    x = test_inputs()
    with torch.no_grad():
        y = model(*x)
    os.makedirs(d, exist_ok=True)
    for kind, names, ts in (("input", INPUT_NAMES, x), ("output", OUTPUT_NAMES, y)):
        for i, (n, t) in enumerate(zip(names, ts)):
            with open(os.path.join(d, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy(), n).SerializeToString())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    model = trained_model()
    ids, mask = tokenize(SENTENCES[0])
    with torch.no_grad():
        torch.onnx.export(model, (torch.tensor([ids]), torch.tensor([mask])),
                          os.path.join(out, "multitask_text.onnx"), opset_version=14,
                          do_constant_folding=True, input_names=INPUT_NAMES,
                          output_names=OUTPUT_NAMES,
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                        "attention_mask": {0: "batch", 1: "sequence"},
                                        "intent_logits": {0: "batch"},
                                        "sentiment_logits": {0: "batch"},
                                        "ner_logits": {0: "batch", 1: "sequence"}})
    write_header(os.path.join(out, "multitask_text_vocab.h"))
    write_test_data(os.path.join(out, "test_data_set_0"), model)
    with open(os.path.join(out, "expected.txt"), "w") as f:
        for s in SENTENCES:
            intent, mood, tags = predict(model, s)
            f.write(f"{s}\t{intent}\t{mood}\t{' '.join(tags)}\n")
            print(f"  {s!r}: {intent}, {mood}, {tags}")


if __name__ == "__main__":
    main()
