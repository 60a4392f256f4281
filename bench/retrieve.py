"""Retrieval: index build time, warm per-query pack latency, recall@pack (dense, BM25, hybrid).

Usage: .venv/bin/python bench/retrieve.py [--budget 768] [--tokenizer SPEC] [--threads N]

Runs offline (HF_HUB_OFFLINE=1); the index is built in a temporary folder. Tokens are counted
with the default model's tokenizer (`dslgen model fetch`) or `--tokenizer`, else estimated.
The queries are the instructions of evals/pdflow/unit.jsonl and scenario.jsonl; a task needs
the procs and DSL statement kinds its reference script uses. Latency is one
`build_context_pack` call per instruction on a warm index (model loaded, index loaded, ten
warm-up packs): clause embedding, ranking, budgeted filling and token counting, nothing cached
between queries except document token counts. "forward floor" is one embedding of the text "a":
the cost of one pass over the model's weights, which every dense query pays once.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("unit", "scenario")


def machine() -> str:
    import torch

    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        model = names[0] if names else model
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
        f"load average {load}, Python {sys.version.split()[0]}"
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=None)
    parser.add_argument("--tokenizer", default=None, help="model folder/hub id for token counts")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    folder = Path(tempfile.mkdtemp(prefix="dslgen-bench-")) / "index" / "pdflow"

    import torch

    from dslgen.domain import get_domain
    from dslgen.domains.pdflow.context import used_symbols
    from dslgen.errors import ModelNotAvailableError
    from dslgen.retrieve import DEFAULT_BUDGET, build_and_save_index, build_context_pack, load_index
    from dslgen.retrieve.embed import embed_texts, embedding_dtype, load_embedder
    from dslgen.retrieve.recall import symbol_recall
    from dslgen.retrieve.tokens import estimate_tokens, tokenizer_counter

    if args.threads:
        torch.set_num_threads(args.threads)
    budget = args.budget or DEFAULT_BUDGET
    try:
        count, counter_name = tokenizer_counter(args.tokenizer), "model tokenizer"
    except ModelNotAvailableError:
        count, counter_name = estimate_tokens, "estimate (no tokenizer fetched)"
    domain = get_domain("pdflow")
    catalog = domain.catalog()
    tasks = [
        json.loads(line)
        for suite in SUITES
        for line in (ROOT / "evals" / "pdflow" / f"{suite}.jsonl").read_text().splitlines()
    ]
    needed = [set(sum(used_symbols(t["reference"], catalog), [])) for t in tasks]

    started = time.perf_counter()
    load_embedder()
    model_load = time.perf_counter() - started
    started = time.perf_counter()
    index = build_and_save_index(domain, folder)
    build = time.perf_counter() - started
    started = time.perf_counter()
    index = load_index(domain, folder)
    index_load = time.perf_counter() - started

    print(f"machine: {machine()}")
    print(f"budget {budget} tokens, counted by {counter_name}; {len(tasks)} instructions")
    print(
        f"embedding model load {model_load:.2f} s, weights in {embedding_dtype()} "
        "(once per process, not in the figures below)"
    )
    print(f"index build {build:.2f} s ({len(index.docs)} documents: embed, BM25, save)")
    print(f"index load {index_load * 1000:.0f} ms (staleness check included)")
    for task in tasks[:10]:
        build_context_pack(index, task["instruction"], budget, count)
    floor = []
    for _ in range(30):
        started = time.perf_counter()
        embed_texts(["a"])
        floor.append((time.perf_counter() - started) * 1000)
    print(f"forward floor {percentile(floor, 0.5):.1f} ms (embedding one token, median of 30)")
    header = f"{'method':<8}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}"
    header += "".join(f"{'recall ' + s:>16}" for s in (*SUITES, "all"))
    header += f"{'max tokens':>12}{'over':>6}{'refs':>6}{'heads':>6}{'examples':>9}"
    print(header)
    for method in ("dense", "bm25", "hybrid"):
        times, packs = [], []
        for task in tasks:
            started = time.perf_counter()
            packs.append(build_context_pack(index, task["instruction"], budget, count, method))
            times.append((time.perf_counter() - started) * 1000)
        recalls = [
            symbol_recall(
                [p for p, t in zip(packs, tasks, strict=True) if t["suite"] == suite],
                [n for n, t in zip(needed, tasks, strict=True) if t["suite"] == suite],
            )
            for suite in SUITES
        ] + [symbol_recall(packs, needed)]
        refs = statistics.mean(
            sum(d.kind != "example" and not d.always for d in p.docs) for p in packs
        )
        heads = statistics.mean(sum(e.headline_only for e in p.entries) for p in packs)
        examples = statistics.mean(sum(d.kind == "example" for d in p.docs) for p in packs)
        row = f"{method:<8}{percentile(times, 0.5):>8.1f}{percentile(times, 0.95):>8.1f}"
        row += f"{max(times):>8.1f}" + "".join(f"{r:>16.4f}" for r in recalls)
        row += f"{max(p.tokens for p in packs):>12}{sum(p.tokens > budget for p in packs):>6}"
        row += f"{refs:>6.1f}{heads:>6.1f}{examples:>9.2f}"
        print(row)
    print(
        "refs/heads/examples: mean reference documents, of them headline-only, and examples per pack"
    )


if __name__ == "__main__":
    main()
