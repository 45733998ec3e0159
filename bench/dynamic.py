"""The run-time dims table of docs/performance.md: Hydra against itself, in the same rounds.

Issue 9 asks that an object compiled for ranges (`--shape input_ids=1..4x1..256`: one object for
every shape within the bounds) run within 10% of one compiled for the very shape it runs. Each row
times, at one shape, the fixed-shape compile and the ranged one run at that shape (`--dims`), both
through the JIT (`hydrac bench`) and as compiled objects (bench/aot_main.c, what an embedding
program runs), interleaved, order reversed every other round. The ratio is ranged / fixed.
"""
import os
import sys

import rounds as rounds_


def text(dims):
    return [f"input_ids={dims}", f"attention_mask={dims}"]


# (model, shape label, fixed --shape values, ranged --shape values, --dims at that shape)
ROWS = [
    ("mt_bert_small", "1x128", text("1x128"), text("1..4x1..256"), "batch=1,sequence=128"),
    ("mt_bert_base", "1x128", text("1x128"), text("1..4x1..256"), "batch=1,sequence=128"),
    ("mmoe", "1x64", ["features=1x64"], ["features=1..32x64"], "batch=1"),
    ("mmoe", "32x64", ["features=32x64"], ["features=1..32x64"], "batch=32"),
    ("vit_mt_tiny", "1x3x64x64", ["pixel_values=1x3x64x64"], ["pixel_values=1..8x3x64x64"],
     "batch=1"),
]
TARGET = 1.10


def shape_args(shapes):
    return [a for s in shapes for a in ("--shape", s)]


def table(hydrac, models, threads, rounds, seconds, run, aot=None, only=None):
    """Times each row's fixed and ranged compiles at each thread count in `rounds` interleaved
    rounds with `run(argv) -> median ms`; `aot.program(model, shapes)` (bench.AotParticipant)
    adds the compiled objects. Returns the markdown table."""
    out = ["| model, shape | threads | fixed ms (JIT) | ranged ms (JIT) | ratio | fixed ms (AOT) | "
           "ranged ms (AOT) | ratio | target |", "|---|---|---|---|---|---|---|---|---|"]
    for model, label, fixed, ranged, dims in ROWS:
        if only and model not in only:
            continue
        path = os.path.join(models, model, "model.onnx")
        if not os.path.exists(path):
            sys.exit(f"bench: {path} is missing; it is exported by the build target hydra_test_models")
        variants = {"JIT fixed": [hydrac, "bench", path] + shape_args(fixed),
                    "JIT ranged": [hydrac, "bench", path] + shape_args(ranged) + ["--dims", dims]}
        if aot:
            variants["AOT fixed"] = [aot.program(path, fixed)]
            variants["AOT ranged"] = [aot.program(path, ranged), "--dims", dims]
        est = run(variants["JIT fixed"] + ["--iters", "3", "--warmup", "1"])
        iters = rounds_.iterations(seconds, est)
        med = rounds_.interleaved(
            list(variants), threads, rounds,
            lambda v, t: run(variants[v] + ["--threads", str(t), "--iters", str(iters),
                                            "--warmup", str(max(1, iters // 10))]),
            f"run-time dims {model} {label}")
        for t in threads:
            cells = []
            for side in ("JIT", "AOT") if aot else ("JIT",):
                f, g = med[(f"{side} fixed", t)], med[(f"{side} ranged", t)]
                cells += [f"{f:.4g}", f"{g:.4g}", f"**{g / f:.2f}**"]
            if not aot:
                cells += ["-", "-", "-"]
            out.append(f"| {model} {label} ({dims}) | {t} | " + " | ".join(cells) +
                       f" | <= {TARGET:.2f} |")
    return "\n".join(out)
