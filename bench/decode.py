"""Decoding speed of both runtimes side by side, in one run on the same machine: tokens/s with and
without the grammar, the grammar mask's cost per token and share of decode time, first-token
latency, batched k-sample throughput, and the wall time of `dslgen generate` from the shell.

Usage: .venv/bin/python bench/decode.py [--model M] [--adapter A] [--prompts 5] [--max-tokens 200]
       [--runtimes llama.cpp,transformers] [--cold-runs 3]
Same prompts (the first instructions of evals/pdflow/unit.jsonl), greedy, k = 1, the loop guard
off so every row decodes comparable numbers of tokens; then k = 4 at temperature 0.3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from dslgen.decode.session import open_sampler
from dslgen.domain import get_domain
from dslgen.prompts import render_messages

ROOT = Path(__file__).resolve().parents[1]
REQUEST = "Load top.def. Create a clock net CLK and route it on M3."


class MaskTimer:
    """Wraps an Outlines generator's logits processor and adds up the time spent in it."""

    def __init__(self, processor) -> None:  # noqa: ANN001
        self.processor, self.seconds, self.calls = processor, 0.0, 0

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003
        started = time.perf_counter()
        out = self.processor(*args, **kwargs)
        self.seconds += time.perf_counter() - started
        self.calls += 1
        return out

    def __getattr__(self, name: str):  # reset() and the rest go to the real processor
        return getattr(self.processor, name)


def timed_sample(sampler: Any, messages: list[dict[str, str]], grammar: str | None, **kw: Any):
    """(sample list, seconds, mask seconds, first-token seconds) for one call."""
    if sampler.runtime == "llama.cpp":
        started = time.perf_counter()
        samples = sampler.sample(messages, grammar=grammar, **kw)
        seconds = time.perf_counter() - started
        stats = sampler.last_stats
        return samples, seconds, stats.mask_seconds, stats.first_token_seconds
    generator = sampler._generator(grammar)  # built before the clock starts, as when cached
    timer = MaskTimer(generator.logits_processor) if generator.logits_processor else None
    if timer:
        generator.logits_processor = timer
    started = time.perf_counter()
    samples = sampler.sample(messages, grammar=grammar, **kw)
    seconds = time.perf_counter() - started
    if timer:
        generator.logits_processor = timer.processor
    first = time.perf_counter()
    sampler.sample(messages, grammar=grammar, **{**kw, "max_tokens": 1})
    return samples, seconds, timer.seconds if timer else 0.0, time.perf_counter() - first


def bench_runtime(runtime: str, args: argparse.Namespace, tasks: list[dict]) -> dict[str, Any]:
    domain = get_domain("pdflow")
    started = time.perf_counter()
    sampler = open_sampler(args.model, args.adapter, runtime)
    load = time.perf_counter() - started
    grammar = domain.grammar()
    sampler.sample(
        [{"role": "user", "content": "warm up"}], grammar=grammar, max_tokens=4, temperature=0
    )
    grounded = [domain.grammar(None, t["fixture"], t["instruction"]) for t in tasks]
    rows = {}
    for label, grammars in (
        ("no grammar", [None] * len(tasks)),
        ("grammar", [grammar] * len(tasks)),
        ("grounded", grounded),
    ):
        tokens = seconds = mask = first = 0.0
        for task, g in zip(tasks, grammars, strict=True):
            messages = render_messages("pdflow", task["instruction"], "", task["fixture"])
            samples, s, m, f = timed_sample(
                sampler, messages, g, max_tokens=args.max_tokens, temperature=0, stop_loops=False
            )
            tokens += samples[0].tokens
            seconds, mask, first = seconds + s, mask + m, first + f
        rows[label] = (tokens, seconds, mask, first / len(tasks))
    # k samples of one request, as `dslgen generate` draws them
    tokens = seconds = 0.0
    for task, g in zip(tasks, grounded, strict=True):
        messages = render_messages("pdflow", task["instruction"], "", task["fixture"])
        samples, s, _, _ = timed_sample(
            sampler, messages, g, k=4, max_tokens=args.max_tokens, temperature=0.3, seed=1
        )
        tokens += sum(x.tokens for x in samples)
        seconds += s
    return {"load": load, "rows": rows, "k4": (tokens, seconds), "weights": sampler.weights}


def cold_start(runtime: str, model: str | None, adapter: str | None) -> tuple[float, int]:
    """Wall seconds of `dslgen generate` for the one-line request, k = 4, from a fresh process."""
    command = [
        str(Path(sys.executable).with_name("dslgen")),
        "generate",
        "-i",
        REQUEST,
        "--k",
        "4",
        "--runtime",
        runtime,
        "--format",
        "json",
        "--no-log",
    ]
    if model:
        command += ["--model", model]
    if adapter:
        command += ["--adapter", adapter]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, text=True)
    seconds = time.perf_counter() - started
    try:
        tokens = json.loads(done.stdout)["tokens"]
    except (ValueError, KeyError):
        tokens = -1
    return seconds, tokens


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--adapter", default=None)
    parser.add_argument("--prompts", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--runtimes", default="llama.cpp,transformers")
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()
    runtimes = args.runtimes.split(",")
    tasks = [
        json.loads(line) for line in (ROOT / "evals/pdflow/unit.jsonl").read_text().splitlines()
    ][: args.prompts]
    results = {runtime: bench_runtime(runtime, args, tasks) for runtime in runtimes}
    domain = get_domain("pdflow")
    from dslgen.domains.pdflow import grammar as pdflow_grammar

    pdflow_grammar._CACHE.clear()  # what a request with a new literal set pays
    compile_started = time.perf_counter()
    for task in tasks:
        domain.grammar(None, task["fixture"], task["instruction"])
    compile_ms = 1000 * (time.perf_counter() - compile_started) / len(tasks)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; {len(tasks)} prompts, greedy, "
        f"k = 1, up to {args.max_tokens} tokens"
    )
    print(
        f"{'runtime':<14}{'decoding':<12}{'tokens':>7}{'seconds':>9}{'tokens/s':>10}"
        f"{'mask ms/tok':>13}{'mask share':>12}{'first token ms':>16}"
    )
    for runtime, result in results.items():
        for label, (tokens, seconds, mask, first) in result["rows"].items():
            per_token = 1000 * mask / tokens if tokens else 0
            print(
                f"{runtime:<14}{label:<12}{tokens:>7.0f}{seconds:>9.1f}{tokens / seconds:>10.1f}"
                f"{per_token:>13.2f}{mask / seconds:>11.1%}{1000 * first:>16.0f}"
            )
    for runtime, result in results.items():
        tokens, seconds = result["k4"]
        print(
            f"{runtime}: k = 4 grounded, temperature 0.3: {tokens / seconds:.1f} tokens/s in all, "
            f"{tokens / seconds / 4:.1f} per sequence; model load {result['load']:.1f} s; "
            f"weights {result['weights']}"
        )
    print(f"grounded grammar compile: {compile_ms:.1f} ms per request (uncached)")
    for runtime in runtimes:
        runs = [cold_start(runtime, args.model, args.adapter) for _ in range(args.cold_runs)]
        walls = sorted(seconds for seconds, _ in runs)
        print(
            f"`dslgen generate --k 4 --runtime {runtime}` (one-line request, retrieval on), "
            f"wall from the shell: median {statistics.median(walls):.1f} s "
            f"(min {walls[0]:.1f}, max {walls[-1]:.1f}; {args.cold_runs} runs)"
        )


if __name__ == "__main__":
    main()
