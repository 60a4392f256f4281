"""Training data: the example pool, the curriculum plan of each stage, and prompt rendering.

A stage is one curriculum level (micro → unit → multi → scenario) with a share of the steps.
Its examples are drawn from that level's pool (without replacement while the pool lasts), a
`repair_share` of them replaced by repair pairs of the same level, curated examples always
added (repeated, with `synthetic_share_max`, until synthetic rows are at most that share of the
stage), then ordered by difficulty: split into `difficulty_buckets` by script length and shuffled
within each bucket, easiest bucket first. With the online filter, intents that failed in the
last dev evaluation are drawn more often (weight 1 + boost × failure rate).

Prompts are rendered by `dslgen.prompts.render_messages`, the renderer inference uses, with the
context the config asks for: the retrieved pack (as at inference), the oracle catalog excerpt
stored in the corpus record, or none.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.corpus.records import read_jsonl
from dslgen.errors import InputFileError
from dslgen.models.wheel import sha256 as file_sha256
from dslgen.prompts import render_messages
from dslgen.train.config import TrainConfig

# (instruction) -> context text; the decoding session's builder, or the oracle/none variants
ContextFor = Callable[[dict[str, Any]], str]


@dataclass
class Pool:
    """Everything a run may draw from, by level."""

    tasks: dict[str, list[dict[str, Any]]]
    repairs: dict[str, list[dict[str, Any]]]
    curated: list[dict[str, Any]]
    dev: list[dict[str, Any]]
    files: dict[str, str]  # file name -> sha256, recorded in the run folder

    def counts(self) -> dict[str, int]:
        return {
            "tasks": sum(map(len, self.tasks.values())),
            "repairs": sum(map(len, self.repairs.values())),
            "curated": len(self.curated),
            "dev": len(self.dev),
        }


def _read(path: Path) -> list[dict[str, Any]]:
    try:
        return read_jsonl(path)
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot read ({exc.strerror}); build the corpus first"
        ) from exc


def load_pool(corpus: Path, curated: list[Path]) -> Pool:
    """The train positives, the repair pairs of train positives, curated examples, dev tasks."""
    train_path, repairs_path, dev_path = (
        corpus / f for f in ("train.jsonl", "repairs.jsonl", "dev.jsonl")
    )
    if not train_path.is_file():
        raise InputFileError(
            f"{corpus}: no train.jsonl there; run `dslgen corpus build --out {corpus}` or leave "
            "`corpus` unset to build one into the run"
        )
    train = [r for r in _read(train_path) if r.get("valid", True)]
    train_ids = {r["id"] for r in train}
    repairs = [
        r
        for r in (_read(repairs_path) if repairs_path.is_file() else [])
        if r["id"].removesuffix("-repair") in train_ids
    ]
    tasks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_level_repairs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in train:
        tasks[record["level"]].append(record)
    for record in repairs:
        by_level_repairs[record["level"]].append(record)
    curated_records = []
    files = {p.name: file_sha256(p) for p in (train_path, repairs_path, dev_path) if p.is_file()}
    for path in curated:
        rows = _read(path)
        for line, record in enumerate(rows, 1):
            missing = {"instruction", "output", "level"} - record.keys()
            if missing:
                raise InputFileError(
                    f"{path} line {line}: a curated example needs {', '.join(sorted(missing))}; "
                    "export it with `dslgen curate export`"
                )
            curated_records.append({**record, "kind": "curated"})
        files[f"curated:{path.name}"] = file_sha256(path)
    dev = _read(dev_path) if dev_path.is_file() else []
    return Pool(dict(tasks), dict(by_level_repairs), curated_records, dev, files)


def stage_lengths(config: TrainConfig, levels: tuple[str, ...]) -> list[tuple[str, int]]:
    """(level, optimizer steps) per stage, in curriculum order; steps sum to max_steps.
    `config.stages` is resolved by then (`TrainConfig.for_domain`)."""
    shares = config.stages or {}
    unknown = set(shares) - set(levels)
    if unknown:
        raise InputFileError(
            f"stages name levels the domain does not have: {', '.join(sorted(unknown))}; "
            f"use {', '.join(levels)}"
        )
    stages = [(level, shares[level]) for level in levels if shares.get(level, 0) > 0]
    total = sum(share for _, share in stages)
    steps = [max(1, round(config.max_steps * share / total)) for _, share in stages]
    steps[-1] = max(1, config.max_steps - sum(steps[:-1]))
    while sum(steps) > config.max_steps and len(steps) > 1:  # tiny max_steps: trim the longest
        steps[steps.index(max(steps))] -= 1
    return [(level, n) for (level, _), n in zip(stages, steps, strict=True) if n > 0]


def _difficulty(record: dict[str, Any]) -> int:
    return len(record["output"])


def _ordered_by_difficulty(
    records: list[dict[str, Any]], buckets: int, rng: random.Random
) -> list[dict[str, Any]]:
    ranked = sorted(records, key=lambda r: (_difficulty(r), r["id"]))
    size = max(1, -(-len(ranked) // buckets))
    ordered: list[dict[str, Any]] = []
    for start in range(0, len(ranked), size):
        bucket = ranked[start : start + size]
        rng.shuffle(bucket)
        ordered += bucket
    return ordered


def _draw(
    records: list[dict[str, Any]], count: int, rng: random.Random, weights: dict[str, float]
) -> list[dict[str, Any]]:
    """`count` records, without replacement while they last (then the pool is used again);
    weighted by intent with Efraimidis-Spirakis keys (u ** (1 / weight), largest first)."""

    def key(record: dict[str, Any]) -> float:
        return rng.random() ** (1.0 / max(weights.get(record.get("intent", ""), 1.0), 1e-9))

    chosen: list[dict[str, Any]] = []
    while records and len(chosen) < count:
        chosen += sorted(records, key=key, reverse=True)[: count - len(chosen)]
    return chosen


def plan_stage(
    config: TrainConfig,
    pool: Pool,
    stage: int,
    level: str,
    steps: int,
    weights: dict[str, float] | None = None,
    staged: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """The corpus records of one stage, in training order (deterministic for a seed).

    `staged` is the levels that have a stage with steps (`stage_lengths`; default: every level
    in `config.stages`): the first stage also takes the curated examples of every other level,
    so a level whose share rounds to no steps never drops its curated examples."""
    rng = random.Random(f"{config.seed}:stage:{stage}:{level}")
    weights = weights or {}
    slots = steps * config.batch_size * config.gradient_accumulation
    curated = [r for r in pool.curated if r["level"] == level]
    if stage == 0:  # curated examples of levels without a stage go first
        stage_levels = set(config.stages or {}) if staged is None else set(staged)
        curated += [r for r in pool.curated if r["level"] not in stage_levels]
    copies = max(1, round(config.curated_weight)) if curated else 0
    if curated and config.synthetic_share_max is not None:
        # synthetic rows <= cap x slots: curated rows must fill the rest, whole copies at a time
        needed = slots - math.floor(config.synthetic_share_max * slots + 1e-9)
        copies = max(copies, -(-needed // len(curated)))
    fixed = curated * copies
    synthetic = max(0, slots - len(fixed))
    repairs = round(synthetic * config.repair_share) if pool.repairs.get(level) else 0
    records = (
        fixed
        + _draw(pool.tasks.get(level, []), synthetic - repairs, rng, weights)
        + _draw(pool.repairs.get(level, []), repairs, rng, weights)
    )
    if not records:
        raise InputFileError(
            f"the corpus has no {level} examples for stage {stage}; build a bigger corpus or "
            f"drop {level} from `stages`"
        )
    return _ordered_by_difficulty(records, config.difficulty_buckets, rng)


def context_for(config: TrainConfig, pack_builder: Callable[[str], str] | None) -> ContextFor:
    """How a record's prompt context is made, per `config.context`."""
    if config.context == "none":
        return lambda record: ""
    if config.context == "oracle":
        return lambda record: record.get("context", "")
    if pack_builder is None:
        raise ValueError("context = 'pack' needs the retriever")
    # a repair is asked in the context of the task it repairs, as in the generate pipeline
    return lambda record: pack_builder(record.get("task_instruction") or record["instruction"])


def to_training_row(domain: str, record: dict[str, Any], context: str) -> dict[str, Any]:
    """One trl prompt-completion row; the extra keys are kept for the run's data files."""
    return {
        "id": record["id"],
        "level": record["level"],
        "intent": record.get("intent", ""),
        "kind": record.get("kind") or record.get("metadata", {}).get("kind", "task"),
        "prompt": render_messages(domain, record["instruction"], context, record.get("fixture")),
        "completion": [{"role": "assistant", "content": record["output"]}],
    }


def dev_sample(pool: Pool, count: int, seed: int) -> list[dict[str, Any]]:
    """A fixed spread of dev tasks over levels, for pass rates during training."""
    if count <= 0 or not pool.dev:
        return []
    by_level: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in sorted(pool.dev, key=lambda r: r["id"]):
        by_level[record["level"]].append(record)
    rng = random.Random(f"{seed}:dev")
    for records in by_level.values():
        rng.shuffle(records)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < count and any(by_level.values()):
        for level in sorted(by_level):
            if by_level[level] and len(chosen) < count:
                chosen.append(by_level[level].pop())
    return chosen
