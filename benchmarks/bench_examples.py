"""Time the scoring pipeline on the bundled examples against the YAML parse floor.

    python benchmarks/bench_examples.py [rounds]

Not part of the test suite. The floor is PyYAML's C loader merely loading the same
files; the pipeline must read, validate, resolve, score and check them.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.pipeline import Pipeline  # noqa: E402

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def per_file(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for path in EXAMPLES:
            fn(path)
        samples.append((time.perf_counter() - start) / len(EXAMPLES))
    return statistics.median(samples)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    pipeline = Pipeline()
    pipeline.run(EXAMPLES[0])  # compile validators, load sets
    floor = per_file(lambda p: yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader), rounds)
    full = per_file(pipeline.run, rounds)
    print(f"files: {len(EXAMPLES)} examples × {rounds} rounds")
    print(f"parse floor (CSafeLoader): {floor * 1000:.2f} ms/file")
    print(f"jixiao pipeline:           {full * 1000:.2f} ms/file  ({full / floor:.1f}× the floor)")


if __name__ == "__main__":
    main()
