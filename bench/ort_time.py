"""Times ONNX Runtime (CPU) on one model the way `hydrac bench` times Hydra, and prints the same last
line: median_ms=... p10_ms=... p90_ms=...

intra_op_num_threads = --threads (the same count Hydra gets), one inter-op thread, sequential
execution, every graph optimisation on: ORT's default for latency on a CPU.

usage (python of build/venv/ort): ort_time.py MODEL.onnx [--shape NAME=DIMS ...] [--threads N]
                                  [--iters N] [--warmup N]
"""
import argparse
import time

import onnxruntime as ort

import inputs


def percentile(sorted_ms, p):
    return sorted_ms[int(p * (len(sorted_ms) - 1) + 0.5)]  # as cmd_bench.c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--shape", action="append", default=[])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(a.model, opts, providers=["CPUExecutionProvider"])
    feeds = inputs.make(sess.get_inputs(), inputs.parse_shapes(a.shape))
    for _ in range(a.warmup):
        sess.run(None, feeds)
    ms = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        sess.run(None, feeds)
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    print(f"ort={ort.__version__}")
    print(f"median_ms={percentile(ms, 0.5):.6f} p10_ms={percentile(ms, 0.1):.6f} "
          f"p90_ms={percentile(ms, 0.9):.6f}")


if __name__ == "__main__":
    main()
