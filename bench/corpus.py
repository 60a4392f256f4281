"""Examples per second for building a validated corpus (default: the full 50,000 build).

Usage: .venv/bin/python bench/corpus.py [--n 50000] [--workers 2]
Prints the time, examples/s (positives, each generated, executed by the validator and
deduplicated; plus the negatives and repair pairs it validates), and the counts written.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from dslgen.corpus.build import CorpusConfig, assemble, generate_examples
from dslgen.corpus.write import write_corpus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = CorpusConfig(n=args.n, seed=args.seed, workers=args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        corpus = assemble(config, generate_examples(config))
        stats = write_corpus(config, corpus, Path(tmp), 0.0)
        seconds = time.perf_counter() - started
    counts = stats["counts"]
    validated = sum(counts[s] for s in ("train", "dev", "test")) + counts["negatives"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; workers {args.workers}")
    print(
        f"{'examples':>10}{'seconds':>10}{'examples/s':>12}{'negatives':>11}{'validations/s':>15}"
    )
    print(
        f"{args.n:>10}{seconds:>10.1f}{args.n / seconds:>12.0f}{counts['negatives']:>11}{validated / seconds:>15.0f}"
    )
    print(f"counts: {counts}; hygiene: {stats['hygiene']}")


if __name__ == "__main__":
    main()
