"""Build a corpus: validated positives, labelled negatives and repair pairs, split and deduplicated.

Every example is made by a worker from its own seed (`"{seed}:{index}"`), so the output does not
depend on the number of workers or their scheduling: the same seed gives byte-identical files.
Positives are executed by the validator and carry the state it produced; a generated reference
that fails validation is a generator bug and is counted, never written. A negative is kept only
when the validator's first error has the class the mutation engine labelled.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dslgen.corpus.hygiene import NearDuplicateFilter, signature
from dslgen.corpus.records import layers_passed
from dslgen.domain import Domain, shared_domain
from dslgen.prompts import render_repair_instruction


@dataclass(frozen=True)
class CorpusConfig:
    """What to build. Shares are fractions of `n` (positives)."""

    domain: str = "pdflow"
    n: int = 50_000
    seed: int = 1
    level_shares: dict[str, float] | None = None  # default: the domain's level_shares
    split_shares: dict[str, float] = field(
        default_factory=lambda: {"train": 0.9, "dev": 0.05, "test": 0.05}
    )
    negative_rate: float = 0.5  # chance that a train/dev positive also yields one negative
    max_output_chars: int = 4000
    max_instruction_chars: int = 1200
    near_duplicate_threshold: float = 0.95
    workers: int = 2
    chunk: int = 250


@dataclass
class Example:
    """What a worker returns for one index: a positive, maybe a negative, and their signatures."""

    index: int
    split: str
    positive: dict[str, Any] | None
    negative: dict[str, Any] | None = None
    repair: dict[str, Any] | None = None
    signature: list[int] = field(default_factory=list)
    failure: str = ""
    mislabelled: int = 0


def _choose(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(sorted(shares), weights=[shares[k] for k in sorted(shares)])[0]


def make_example(config: CorpusConfig, index: int) -> Example:
    """Build the example of one index (runs in a worker)."""
    domain = shared_domain(config.domain)
    rng = random.Random(f"{config.seed}:{index}")
    level_shares = config.level_shares or domain.level_shares
    level, split = _choose(rng, level_shares), _choose(rng, config.split_shares)
    task = domain.make_task(rng, level, split)
    report = domain.validate(task.script, task.fixture)
    if not report.valid:
        return Example(index, split, None, failure=f"{task.intent}: {report.errors[0].render()}")
    ident = f"{config.domain}-{split}-{index:06d}"
    positive = {
        "id": ident,
        "level": task.level,
        "intent": task.intent,
        "instruction": task.instruction,
        "context": domain.task_context(task),
        "output": task.script,
        "valid": True,
        "error_class": None,
        "fixture": task.fixture,
        "expected_state": report.state,
        "metadata": {
            "validators_passed": layers_passed(report.to_json()),
            "topic": task.topic,
            "template_id": task.template_id,
            "param_key": task.param_key,
        },
    }
    example = Example(
        index, split, positive, signature=signature(task.instruction + "\n" + task.script)
    )
    if split != "test" and rng.random() < config.negative_rate:
        _add_negative(domain, example, task.fixture, rng)
    return example


def _add_negative(
    domain: Domain, example: Example, fixture: dict[str, Any], rng: random.Random
) -> None:
    positive = example.positive or {}
    for tried, negative in enumerate(domain.mutate(positive["output"], fixture, rng)):
        if tried >= 4:
            return
        report = domain.validate(negative.text, fixture).to_json()
        if report["valid"] or report["errors"][0]["class"] != negative.error_class:
            example.mislabelled += 1
            continue
        base = {k: positive[k] for k in ("level", "intent", "instruction", "context", "fixture")}
        example.negative = {
            **base,
            "id": positive["id"] + "-neg",
            "output": negative.text,
            "valid": False,
            "error_class": negative.error_class,
            "expected_state": None,
            "report": report,
            "metadata": {
                **positive["metadata"],
                "validators_passed": layers_passed(report),
                "mutation": negative.mutation,
            },
        }
        example.repair = {
            **base,
            "id": positive["id"] + "-repair",
            "instruction": render_repair_instruction(report["errors"], negative.text),
            "task_instruction": positive["instruction"],
            "output": positive["output"],
            "valid": True,
            "error_class": negative.error_class,
            "expected_state": positive["expected_state"],
            "metadata": {**positive["metadata"], "kind": "repair", "mutation": negative.mutation},
        }
        return


def _work(job: tuple[CorpusConfig, list[int]]) -> list[Example]:
    config, indices = job
    return [make_example(config, i) for i in indices]


def generate_examples(
    config: CorpusConfig, on_progress: Callable[[int], None] | None = None
) -> Iterator[Example]:
    """Examples in index order, made by `config.workers` processes."""
    chunks = [
        list(range(i, min(i + config.chunk, config.n))) for i in range(0, config.n, config.chunk)
    ]
    jobs = [(config, c) for c in chunks]
    if config.workers <= 1:
        results: Iterator[list[Example]] = map(_work, jobs)
        for batch in results:
            yield from batch
            if on_progress:
                on_progress(len(batch))
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(config.workers) as pool:
        for batch in pool.imap(_work, jobs):
            yield from batch
            if on_progress:
                on_progress(len(batch))


@dataclass
class Assembled:
    """The corpus in memory, ready to write."""

    splits: dict[str, list[dict[str, Any]]]
    negatives: list[dict[str, Any]]
    repairs: list[dict[str, Any]]
    failures: list[str]
    dropped_duplicates: int = 0
    dropped_long: int = 0
    mislabelled: int = 0


def assemble(config: CorpusConfig, examples: Iterator[Example]) -> Assembled:
    """Apply hygiene in a fixed order (test, dev, then train) and collect the outputs."""
    collected = sorted(
        examples, key=lambda e: ({"test": 0, "dev": 1, "train": 2}[e.split], e.index)
    )
    near = NearDuplicateFilter(config.near_duplicate_threshold)
    out = Assembled({"train": [], "dev": [], "test": []}, [], [], [])
    for example in collected:
        out.mislabelled += example.mislabelled
        if example.positive is None:
            out.failures.append(example.failure)
            continue
        record = example.positive
        if (
            len(record["output"]) > config.max_output_chars
            or len(record["instruction"]) > config.max_instruction_chars
        ):
            out.dropped_long += 1
            continue
        if not near.keep(
            record["id"], record["instruction"] + "\n" + record["output"], example.signature
        ):
            out.dropped_duplicates += 1
            continue
        out.splits[example.split].append(record)
        if example.negative is not None and example.repair is not None:
            out.negatives.append(example.negative)
            out.repairs.append(example.repair)
    for records in (*out.splits.values(), out.negatives, out.repairs):
        records.sort(key=lambda r: r["id"])
    return out
