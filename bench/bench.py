"""Hydra against ONNX Runtime on the reference models: interleaved rounds, a table of medians, ratios
and GFLOP/s, written to docs/performance.md. Run through bench/run.sh, which builds what this needs.

Every configuration (model, shape) is timed at each thread count in R rounds; in each round Hydra
(`hydrac bench`, JIT) and ORT (ort_time.py) run one after the other in fresh processes, in
alternating order, each for about --seconds. The figure for each is the median of its round
medians, so a burst of load from other processes hits both sides alike. With --baseline, a second
hydrac (another build, e.g. before a change) joins every round as a third participant.

usage (python of build/venv/ort): bench.py --hydrac BIN --models DIR --peak-gflops G --doc FILE
    [--baseline BIN] [--quick] [--rounds R] [--seconds S] [--threads 1,2] [--only MODEL,...]
    [--no-sharing] [--no-dynamic] [--no-aot] [--workdir DIR]
A full run (no --quick, no --only) ends with sharing.py's table: Hydra against itself on the
multi-task sharing of issue 6 (duplicated encoders, merged models, one head alone). Without
--quick it also has dynamic.py's table: objects compiled for ranges (run-time dims, issue 9)
against objects compiled for the shape they run.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

import count_flops
import dynamic
import rounds as rounds_
import sharing

HERE = os.path.dirname(os.path.abspath(__file__))


def text(b, s):
    return [f"input_ids={b}x{s}", f"attention_mask={b}x{s}"]


# (model, shape label, --shape arguments): the table
CONFIGS = [
    ("mmoe", "1x64", ["features=1x64"]),
    ("mmoe", "32x64", ["features=32x64"]),
    ("mt_bert_small", "1x128", text(1, 128)),
    ("mt_bert_dup", "1x128", text(1, 128)),
    ("mt_bert_base", "1x128", text(1, 128)),
    ("mt_bert_base", "8x128", text(8, 128)),
    ("vit_mt_tiny", "1x3x64x64", ["pixel_values=1x3x64x64"]),
]
QUICK = {("mmoe", "32x64"), ("mt_bert_small", "1x128")}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    m = re.search(r"median_ms=([0-9.]+)", p.stdout)
    if not m:
        sys.exit(f"bench: no median_ms in the output of {' '.join(cmd)}:\n{p.stdout}")
    return float(m.group(1))


class Participant:
    def __init__(self, name, argv):
        self.name, self.argv = name, argv

    def time(self, model, shapes, threads, iters, warmup):
        cmd = self.argv + [model, "--threads", str(threads), "--iters", str(iters), "--warmup", str(warmup)]
        for s in shapes:
            cmd += ["--shape", s]
        return run(cmd)


class AotParticipant(Participant):
    """Hydra through `hydrac compile`: per (model, shapes) the object is compiled once and linked
    into aot_main.c with the runtime (libhydrart.a, built beside hydrac), then timed like the JIT."""

    def __init__(self, name, hydrac, workdir):
        super().__init__(name, [])
        self.hydrac, self.workdir, self.built = hydrac, workdir, {}
        self.build_dir = os.path.dirname(os.path.abspath(hydrac))

    def program(self, model, shapes):
        key = (model, tuple(shapes))
        if key not in self.built:
            d = os.path.join(self.workdir, f"aot{len(self.built)}")
            os.makedirs(d, exist_ok=True)
            cmd = [self.hydrac, "compile", model, "--name", "bench_model", "-o", f"{d}/bench_model.o",
                   "--header", f"{d}/bench_model.h"]
            for sh in shapes:
                cmd += ["--shape", sh]
            for c in (cmd, ["cc", "-O2", "-std=gnu11", "-DHYDRA_MODEL_NAME=bench_model", f"-I{d}",
                            "-I" + os.path.join(HERE, "..", "runtime", "include"), "-include", "bench_model.h",
                            os.path.join(HERE, "aot_main.c"), f"{d}/bench_model.o",
                            os.path.join(self.build_dir, "runtime", "libhydrart.a"), "-lm", "-lpthread",
                            "-o", f"{d}/aot"]):
                p = subprocess.run(c, capture_output=True, text=True)
                if p.returncode != 0:
                    sys.exit(f"bench: {' '.join(c)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
            self.built[key] = f"{d}/aot"
        return self.built[key]

    def time(self, model, shapes, threads, iters, warmup):
        return run([self.program(model, shapes), "--threads", str(threads), "--iters", str(iters),
                    "--warmup", str(warmup)])


def machine():
    info = {}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    except OSError:
        pass
    flags = info.get("Flags", "").split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2+FMA" if "fma" in flags else "SSE"
    return (f"{info.get('Model name', '?')}, {info.get('CPU(s)', '?')} CPUs "
            f"({info.get('Core(s) per socket', '?')} cores/socket, "
            f"{info.get('Thread(s) per core', '?')} thread/core), {isa}")


def load():
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def git_rev():
    p = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"], capture_output=True, text=True)
    return p.stdout.strip() or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hydrac", required=True)
    ap.add_argument("--baseline", help="another hydrac to time in the same rounds")
    ap.add_argument("--models", required=True, help="DIR/<model>/model.onnx")
    ap.add_argument("--peak-gflops", type=float, required=True)
    ap.add_argument("--peak-line", default="")
    ap.add_argument("--gemm", help="tests/bench/gemm_bench's output, for the GEMM-alone table")
    ap.add_argument("--doc", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--only", help="comma-separated model names")
    ap.add_argument("--no-sharing", action="store_true", help="skip the multi-task sharing table")
    ap.add_argument("--no-dynamic", action="store_true", help="skip the run-time dims table")
    ap.add_argument("--no-aot", action="store_true", help="skip the compiled object (Hydra AOT)")
    ap.add_argument("--workdir", help="where the AOT programs are built (default: bench/ beside hydrac)")
    a = ap.parse_args()
    rounds = a.rounds or (3 if a.quick else 5)
    seconds = a.seconds or (0.3 if a.quick else 1.0)
    threads = [int(t) for t in a.threads.split(",")]
    configs = [c for c in CONFIGS if (not a.quick or (c[0], c[1]) in QUICK)
               and (not a.only or c[0] in a.only.split(","))]
    py = sys.executable
    parts = [Participant("Hydra", [a.hydrac, "bench"]),
             Participant("ORT", [py, os.path.join(HERE, "ort_time.py")])]
    aot = None
    if not a.no_aot:
        aot = AotParticipant("Hydra AOT", a.hydrac,
                             a.workdir or os.path.join(os.path.dirname(os.path.abspath(a.hydrac)), "bench"))
        parts.append(aot)
    if a.baseline:
        parts.append(Participant("Hydra base", [a.baseline, "bench"]))
    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = load()
    rows = []
    for model, label, shapes in configs:
        path = os.path.join(a.models, model, "model.onnx")
        flops = sum(count_flops.count(path, dict((s.split("=")[0], [int(d) for d in s.split("=")[1].split("x")])
                                                 for s in shapes)).values())
        est = parts[1].time(path, shapes, 1, 3, 1)  # ORT, one thread: sizes the runs
        iters = rounds_.iterations(seconds, est)
        warmup = max(1, iters // 10)
        by_name = {p.name: p for p in parts}
        ms = rounds_.interleaved(list(by_name), threads, rounds,
                                 lambda n, t: by_name[n].time(path, shapes, t, iters, warmup),
                                 f"{model} {label}")
        for t in threads:
            med = {p.name: ms[(p.name, t)] for p in parts}
            rows.append(dict(model=model, shape=label, threads=t, flops=flops, iters=iters, med=med))
    table = render(rows, [p.name for p in parts], a.peak_gflops)
    if a.gemm:
        with open(a.gemm) as f:
            table += "\n\n" + gemm_table(f.read(), a.peak_gflops)
    print(table)
    if not a.quick and not a.no_sharing and not a.only:
        shared = sharing.table(a.hydrac, a.models, threads, rounds, seconds, run)
        print(shared)
        table += "\n\n## Multi-task sharing\n\n" + sharing.__doc__.split("\n\n", 1)[1].strip() + "\n\n" + shared
    if not a.quick and not a.no_dynamic:
        dyn = dynamic.table(a.hydrac, a.models, threads, rounds, seconds, run, aot,
                            a.only.split(",") if a.only else None)
        print(dyn)
        table += "\n\n## Run-time dims\n\n" + dynamic.__doc__.split("\n\n", 1)[1].strip() + "\n\n" + dyn
    finished = datetime.datetime.now(datetime.timezone.utc)
    header = dict(date=started.strftime("%Y-%m-%d %H:%M UTC"), minutes=(finished - started).total_seconds() / 60,
                  machine=machine(), load=f"{load0} at the start, {load()} at the end", rev=git_rev(),
                  peak=a.peak_gflops, peak_line=a.peak_line, rounds=rounds, seconds=seconds,
                  quick=a.quick, baseline=a.baseline)
    write_doc(a.doc, header, table)


def render(rows, names, peak):
    """Markdown: per configuration and thread count the medians, Hydra/ORT, GFLOP/s and % of peak;
    then Hydra's and ORT's 2-thread speed-up where both counts ran."""
    others = [n for n in names if n not in ("Hydra", "ORT")]
    hdr = ["model", "shape", "GFLOP", "threads", "Hydra ms", "ORT ms", "Hydra/ORT"]
    hdr += [f"{n} ms" for n in others] + [f"{n}/ORT" for n in others]
    hdr += ["Hydra GFLOP/s", "ORT GFLOP/s", "Hydra % of peak", "ORT % of peak"]
    out = ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for r in rows:
        m, f, t = r["med"], r["flops"], r["threads"]
        gf = {n: f / m[n] / 1e6 for n in names}
        cells = [r["model"], r["shape"], f"{f / 1e9:.4f}", str(t), f"{m['Hydra']:.3f}", f"{m['ORT']:.3f}",
                 f"**{m['Hydra'] / m['ORT']:.2f}**"]
        cells += [f"{m[n]:.3f}" for n in others] + [f"{m[n] / m['ORT']:.2f}" for n in others]
        cells += [f"{gf['Hydra']:.1f}", f"{gf['ORT']:.1f}", f"{100 * gf['Hydra'] / (peak * t):.0f}%",
                  f"{100 * gf['ORT'] / (peak * t):.0f}%"]
        out.append("| " + " | ".join(cells) + " |")
    by = {(r["model"], r["shape"], r["threads"]): r["med"] for r in rows}
    pairs = [(mo, sh) for (mo, sh, t) in by if t == 1 and (mo, sh, 2) in by]
    if pairs:
        out += ["", "Speed-up from 1 to 2 threads (1-thread median / 2-thread median):", ""]
        out += ["| model | shape | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
        for mo, sh in pairs:
            out.append(f"| {mo} | {sh} | " + " | ".join(f"{by[(mo, sh, 1)][n] / by[(mo, sh, 2)][n]:.2f}x"
                                                      for n in names) + " |")
    return "\n".join(out)


NOTES_MARK = "<!-- notes below are kept by bench.py across runs -->"


GEMM_ROW = re.compile(r"^(\S+)\s+([\d.]+) GF/s \(\s*[\d.]+% pk\)\s+([\d.]+) GF/s \(\s*[\d.]+% pk\)\s+([\d.]+) GF/s"
                      r"\s+([\d.]+) GF/s")


def gemm_table(out, peak):
    """Markdown of tests/bench/gemm_bench's best-of-rounds GFLOP/s per product, as % of this run's
    peak (bench/peak_fma) and of the peak gemm_bench measured between its own rounds."""
    own = re.search(r"FMA peak: ([\d.]+) GFLOP/s \(best of (\d+) rounds\)", out)
    rounds = own.group(2) if own else "its"
    own = float(own.group(1)) if own else None
    lines = ["## GEMM alone", "",
             f"`tests/bench/gemm_bench.c`: the fp32 GEMM of the FusedMatMul nodes, best of {rounds} rounds, gemm.c built by "
             "clang-19 for this CPU as generated code builds it, with libhydrart's micro-kernels. M x K x N; "
             "+gelu/+res: the epilogue the BERT FFN's fc1/fc2 apply (bias on every row). Issue 7 asks for 85% of "
             "the peak at the BERT-base shapes (128 x 768 x 768, 128 x 768 x 3072, 128 x 3072 x 768). B cold: each run "
             "reads the next of copies filling 128 MiB, so the weights come from memory, as a model's do when they "
             "outgrow the last-level cache (mt_bert_base's 170 MB). Its 2-thread "
             "runs start a fresh pthread per product (not the session's pool), so small products there show "
             "thread start-up, not the GEMM.", "",
             f"gemm_bench's own peak, measured between its rounds: {own:.1f} GFLOP/s." if own else "", "",
             "| product | 1 thread, B prepacked GFLOP/s | % of peak | 1 thread, B cold | % of peak | 1 thread, packing B "
             "| 2 threads, B prepacked | % of 2x peak |",
             "|---|---|---|---|---|---|---|---|"]
    for line in out.splitlines():
        m = GEMM_ROW.match(line)
        if m:
            name, one, pack, two, cold = m.group(1), *(float(m.group(i)) for i in range(2, 6))
            lines.append(f"| {name} | {one:.1f} | {100 * one / peak:.0f}% | {cold:.1f} | {100 * cold / peak:.0f}% | "
                         f"{pack:.1f} | {two:.1f} | {100 * two / (2 * peak):.0f}% |")
    return "\n".join(lines)


def kept_notes(text):
    """The part of the old document from NOTES_MARK on (measurements made by hand, each with its
    own date and machine), so a rerun refreshes the tables without dropping them."""
    at = text.find(NOTES_MARK)
    return "" if at < 0 else "\n" + text[at:]


def write_doc(path, h, table):
    try:
        with open(path) as f:
            path_text = f.read()
    except FileNotFoundError:
        path_text = ""
    base = f"\n- Baseline: `{h['baseline']}` timed in the same rounds." if h["baseline"] else ""
    quick = " (`--quick`: fewer models, rounds and iterations)" if h["quick"] else ""
    doc = f"""# Performance

Written by `bash bench/run.sh` (see [bench/README.md](../bench/README.md)); rerun it to refresh.
Hydra is `hydrac bench` (the JIT) and Hydra AOT the same model through `hydrac compile`, linked
into `bench/aot_main.c` with libhydrart (what an embedding program runs); the peer is ONNX Runtime from PyPI, pinned in
`tests/python/requirements-ort.txt`, with `intra_op_num_threads` set to Hydra's `--threads`. Each figure
is the median of {h['rounds']} rounds' medians, each round running Hydra and ORT one after the other
for about {h['seconds']} s each, in alternating order{quick}. Hydra/ORT below 1 means Hydra is faster.
GFLOP counts the MatMul, Gemm and Conv multiply-adds (x2) at the shapes (`bench/count_flops.py`);
% of peak divides GFLOP/s by the single-core FMA peak measured in the same run times the threads.

- Date: {h['date']} ({h['minutes']:.0f} minutes)
- Machine: {h['machine']}
- Load average: {h['load']} (other processes share the machine: compare ratios, not times)
- Single-core fp32 FMA peak (`bench/peak_fma.c`, thread CPU time): {h['peak']:.1f} GFLOP/s ({h['peak_line']})
- Hydra: `git describe` {h['rev']}{base}

{table}
"""
    with open(path, "w") as f:
        f.write(doc + kept_notes(path_text))


if __name__ == "__main__":
    main()
