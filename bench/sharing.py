"""The multi-task sharing table of docs/performance.md: Hydra against itself, in the same rounds.

Issue 6 asks that work shared by heads and models be done once, and that one head can run alone
at its own cost. ONNX Runtime has no counterpart for these (it runs a merged model's two
encoders), so each row compares two Hydra runs timed in the same interleaved rounds:
  - mt_bert_dup (three traced copies of one encoder) against mt_bert_small (one): CSE must make
    them the same work, so about 1.00;
  - the intent-only and NER-only models merged into one unit against the slower of the two alone:
    the encoder computed once, so at most about 1.1;
  - mt_bert_small's intent entry (`--outputs intent_logits`) against all its heads: below 1;
  - the merged unit's intent entry against the intent model alone: about 1.00.
"""
import os
import sys

import rounds as rounds_

TEXT = ["--shape", "input_ids=1x128", "--shape", "attention_mask=1x128"]


def variants(models):
    m = lambda name: os.path.join(models, name, "model.onnx")
    pair = [f"intent={m('mt_intent')}", f"ner={m('mt_ner')}"]
    return {
        "mt_bert_small": [m("mt_bert_small")],
        "mt_bert_dup": [m("mt_bert_dup")],
        "mt_bert_small intent entry": [m("mt_bert_small"), "--outputs", "intent_logits"],
        "mt_intent": [m("mt_intent")],
        "mt_ner": [m("mt_ner")],
        "intent+ner merged": pair,
        "merged, intent entry": pair + ["--outputs", "intent_logits"],
    }


# (row label, numerator variant, denominator: a variant or a list whose slowest counts, target)
ROWS = [
    ("mt_bert_dup / mt_bert_small", "mt_bert_dup", "mt_bert_small", "0.95-1.05"),
    ("merged pair / slower single model", "intent+ner merged", ["mt_intent", "mt_ner"], "<= 1.1"),
    ("mt_bert_small intent entry / all heads", "mt_bert_small intent entry", "mt_bert_small", "< 1"),
    ("merged pair's intent entry / mt_intent alone", "merged, intent entry", "mt_intent", "about 1"),
]


def table(hydrac, models, threads, rounds, seconds, run):
    """Times every variant at each thread count in `rounds` interleaved rounds (order reversed
    every other round) with `run(argv) -> median ms`, and returns the markdown table."""
    vs = variants(models)
    missing = [a for argv in vs.values() for a in argv if a.endswith(".onnx") and
               not os.path.exists(a.split("=", 1)[-1])]
    if missing:
        sys.exit(f"bench: {missing[0]} is missing; it is exported by the build target "
                 "hydra_test_models_merge (bench/run.sh builds it)")
    est = run([hydrac, "bench"] + vs["mt_bert_small"] + TEXT + ["--iters", "3", "--warmup", "1"])
    iters = rounds_.iterations(seconds, est, cap=2000)
    med = rounds_.interleaved(
        list(vs), threads, rounds,
        lambda v, t: run([hydrac, "bench"] + vs[v] + TEXT +
                         ["--threads", str(t), "--iters", str(iters),
                          "--warmup", str(max(1, iters // 10))]),
        "sharing")
    out = ["| ratio (Hydra against Hydra, 1x128) | threads | numerator ms | denominator ms | ratio | "
           "target |", "|---|---|---|---|---|---|"]
    for label, num, den, target in ROWS:
        for t in threads:
            d = max(med[(x, t)] for x in den) if isinstance(den, list) else med[(den, t)]
            n = med[(num, t)]
            out.append(f"| {label} | {t} | {n:.3f} | {d:.3f} | **{n / d:.2f}** | {target} |")
    return "\n".join(out)
