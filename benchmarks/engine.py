"""How fast the engine is: prints figures against targets (not a test; `make bench`).

    .venv/bin/python benchmarks/engine.py [--runs 200]

Targets on a 2-core machine: one 6-step generation with full traces < 5 ms (median),
the 729-input eval < 1 s. Each figure is given as wall-clock time and as this process's CPU
time: on a machine busy with other work (see the load average) the wall-clock figure grows
with the load, the CPU figure stays what the code costs, so targets are judged on it.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Run as a script, this folder is sys.path[0], and this file's name would shadow the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from engine import accuracy, generate, load_weights, parse_input  # noqa: E402
from engine.train import TrainConfig, train  # noqa: E402


def median_seconds(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of fn()."""
    fn()  # warm up
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def report(label: str, seconds: tuple[float, float], unit: str, target: float | None = None,
           scale: float = 1.0) -> None:
    wall, cpu = (scale * s for s in seconds)
    verdict = "" if target is None else f"   target < {target:g} {unit}: {'ok' if cpu < target else 'OVER'}"
    print(f"{label:<40} {wall:8.2f} {unit} wall {cpu:8.2f} {unit} cpu{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="generations to time")
    args = parser.parse_args()

    print(f"numpy {np.__version__}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    model = load_weights()
    tokens = parse_input("CBABBC")
    report("generate: 6 steps with traces", median_seconds(lambda: generate(model, tokens), args.runs),
           "ms", 5, scale=1e3)
    report("one forward pass of 6 tokens", median_seconds(lambda: model.forward(tokens), args.runs),
           "ms", scale=1e3)
    report("eval: all 729 inputs (median of 5)", median_seconds(lambda: accuracy(model), 5), "s", 1)
    iterations = 20
    seconds = median_seconds(lambda: train(0, TrainConfig(iterations=iterations)), 3)
    report("training: one iteration (batch 64)", seconds, "ms", scale=1e3 / iterations)
    report("training: 2000 iterations, extrapolated", seconds, "s", scale=2000 / iterations)


if __name__ == "__main__":
    main()
