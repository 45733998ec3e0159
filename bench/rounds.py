"""Interleaved timing rounds, shared by bench.py's tables (bench.py, sharing.py, dynamic.py)."""
import statistics
import sys


def iterations(seconds, est_ms, cap=5000):
    """Runs per timing for about `seconds` each, from one run's estimate (at least 3)."""
    return max(3, min(cap, round(seconds * 1e3 / max(est_ms, 1e-3))))


def interleaved(names, threads, rounds, time_one, label):
    """Times time_one(name, threads) -> ms for every name at each thread count in `rounds` rounds,
    the order reversed every other round so that a burst of load from other processes hits every
    name alike; prints each round's times under `label`. Returns {(name, threads): median ms}."""
    ms = {(n, t): [] for n in names for t in threads}
    for r in range(rounds):
        for t in threads:
            for n in (names if r % 2 == 0 else names[::-1]):
                ms[(n, t)].append(time_one(n, t))
        print(f"  {label} round {r + 1}/{rounds}: " +
              " ".join(f"{n}@{t}={ms[(n, t)][-1]:.3f}" for t in threads for n in names),
              file=sys.stderr, flush=True)
    return {k: statistics.median(x) for k, x in ms.items()}
