#!/usr/bin/env python3
"""Checks the optimised op histogram of `hydrac inspect --json` (its "ops" key) for one exported
model against the expected file under tests/models/histograms/, printing what differs; a
fusion that stops firing shows up as its op missing and the chain's ops back. --update writes
the expected file instead. --same checks that two models optimise to the same histogram (CSE:
mt_bert_dup's three encoder copies become mt_bert_small's one).

  check_histogram.py HYDRAC MODEL SHAPES EXPECTED.json [--update]
  check_histogram.py HYDRAC MODEL SHAPES --same OTHER_MODEL

SHAPES is comma-separated name=AxB, as the model tests take it. Regenerate every expected file
(after checking that the change is intended) with
  cmake --build build --target hydra_update_histograms
"""
import json
import os
import subprocess
import sys


def histogram(hydrac, model, shapes):
    if not os.path.exists(model):
        sys.exit(f"{model} is missing: build the models first (targets hydra_test_models and "
                 f"hydra_test_models_torch2)")
    cmd = [hydrac, "inspect", model, "--json"]
    for s in shapes.split(","):
        cmd += ["--shape", s]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    try:
        return json.loads(r.stdout)["ops"]
    except (ValueError, KeyError) as e:
        sys.exit(f"{' '.join(cmd)}: no op histogram in its JSON ({e})")


def differences(expected, got):
    """One line per op whose count differs, expected first."""
    lines = []
    for op in sorted(set(expected) | set(got)):
        e, g = expected.get(op, 0), got.get(op, 0)
        if e != g:
            lines.append(f"  {op}: expected {e}, got {g} ({g - e:+d})")
    return lines


def render(ops):
    """Most frequent first, then by name: a file that reads like the histogram."""
    items = sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))
    body = ",\n".join(f"  {json.dumps(op)}: {n}" for op, n in items)
    return "{\n" + body + "\n}\n"


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    hydrac, model, shapes = argv[1], argv[2], argv[3]
    got = histogram(hydrac, model, shapes)
    if argv[4] == "--same":
        other = histogram(hydrac, argv[5], shapes)
        diff = differences(other, got)
        if diff:
            print(f"{model} and {argv[5]} optimise to different op histograms "
                  f"(expected: the second's, got: the first's):\n" + "\n".join(diff))
            return 1
        print(f"same histogram ({sum(got.values())} nodes): {model} and {argv[5]}")
        return 0
    expected_path = argv[4]
    if len(argv) > 5 and argv[5] == "--update":
        with open(expected_path, "w") as f:
            f.write(render(got))
        print(f"wrote {expected_path}")
        return 0
    try:
        with open(expected_path) as f:
            expected = json.load(f)
    except (OSError, ValueError) as e:
        sys.exit(f"cannot read the expected histogram {expected_path}: {e}")
    diff = differences(expected, got)
    if diff:
        print(f"the optimised op histogram of {model} differs from {expected_path}:\n"
              + "\n".join(diff)
              + "\nIf the change is intended, regenerate the expected files with\n"
                "  cmake --build build --target hydra_update_histograms")
        return 1
    print(f"histogram as expected ({sum(got.values())} nodes): {model}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
