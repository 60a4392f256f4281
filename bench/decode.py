"""Decoding speed on the default model: tokens/s with and without the grammar, the per-token
cost of the grammar mask, and the cold start of `dslgen generate` to its first script.

Usage: .venv/bin/python bench/decode.py [--model M] [--prompts 5] [--max-tokens 200]
Same prompts (the first instructions of evals/pdflow/unit.jsonl), greedy, one process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from dslgen.decode.sampler import Sampler
from dslgen.domain import get_domain
from dslgen.models import load_model, load_tokenizer
from dslgen.prompts import render_messages

ROOT = Path(__file__).resolve().parents[1]


class MaskTimer:
    """Wraps the generator's logits processor and adds up the time spent in it."""

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--prompts", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--adapter", default=None, help="cold start with this adapter / run")
    parser.add_argument("--cold-only", action="store_true", help="only the cold-start figure")
    args = parser.parse_args()
    if args.cold_only:
        print_cold_start(args.model, args.adapter)
        return
    domain = get_domain("pdflow")
    tasks = [
        json.loads(line) for line in (ROOT / "evals/pdflow/unit.jsonl").read_text().splitlines()
    ][: args.prompts]
    started = time.perf_counter()
    sampler = Sampler(load_model(args.model), load_tokenizer(args.model))
    load_seconds = time.perf_counter() - started
    grammar = domain.grammar()
    sampler.sample(
        [{"role": "user", "content": "warm up"}], grammar=grammar, max_tokens=4, temperature=0
    )
    rows = {}
    grounded = [domain.grammar(None, t["fixture"], t["instruction"]) for t in tasks]
    from dslgen.domains.pdflow import grammar as pdflow_grammar

    pdflow_grammar._CACHE.clear()  # what a request with a new literal set pays
    compile_started = time.perf_counter()
    for task in tasks:
        domain.grammar(None, task["fixture"], task["instruction"])
    compile_ms = 1000 * (time.perf_counter() - compile_started) / len(tasks)
    variants = (
        ("no grammar", [None] * len(tasks)),
        ("grammar", [grammar] * len(tasks)),
        ("grounded", grounded),
    )
    for label, grammars in variants:
        tokens = seconds = mask = 0.0
        for task, g in zip(tasks, grammars, strict=True):
            generator = sampler._generator(g)  # built before the clock starts, as when cached
            timer = MaskTimer(generator.logits_processor) if generator.logits_processor else None
            if timer:
                generator.logits_processor = timer
            messages = render_messages("pdflow", task["instruction"], "", task["fixture"])
            t0 = time.perf_counter()
            # The loop guard stays off so the rows decode comparable numbers of tokens.
            sample = sampler.sample(
                messages, grammar=g, max_tokens=args.max_tokens, temperature=0, stop_loops=False
            )[0]
            seconds += time.perf_counter() - t0
            tokens += sample.tokens
            if timer:
                generator.logits_processor = timer.processor
                mask += timer.seconds
        rows[label] = (tokens, seconds, mask)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores; model load {load_seconds:.1f} s; {len(tasks)} prompts, greedy"
    )
    print(
        f"{'decoding':<12}{'tokens':>8}{'seconds':>9}{'tokens/s':>10}{'mask ms/token':>15}{'mask share':>12}"
    )
    for label, (tokens, seconds, mask) in rows.items():
        per_token = 1000 * mask / tokens if tokens else 0
        print(
            f"{label:<12}{tokens:>8.0f}{seconds:>9.1f}{tokens / seconds:>10.1f}{per_token:>15.2f}{mask / seconds:>11.1%}"
        )
    print(f"grounded grammar compile: {compile_ms:.1f} ms per request (uncached)")
    print_cold_start(args.model, args.adapter)


def print_cold_start(model: str | None, adapter: str | None) -> None:
    seconds, tokens = cold_start(model, adapter)
    print(
        "cold start of `dslgen generate` to first script (k=1, --no-retrieval, max 200 tokens"
        f"{', adapter ' + adapter if adapter else ''}): {seconds:.1f} s, {tokens} tokens"
    )


def cold_start(model: str | None, adapter: str | None = None) -> tuple[float, int]:
    command = [
        str(Path(sys.executable).with_name("dslgen")),
        "generate",
        "-i",
        "Load top.def. Create a clock net CLK and route it on M3.",
        "--k",
        "1",
        "--temperature",
        "0",
        "--max-tokens",
        "200",
        "--no-retrieval",
        "--repair-rounds",
        "0",
        "--format",
        "json",
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


if __name__ == "__main__":
    main()
