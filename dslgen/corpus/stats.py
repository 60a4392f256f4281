"""Corpus statistics: counts per level, error class and intent, lengths, split overlap."""

from __future__ import annotations

from collections import Counter
from typing import Any

LENGTH_BUCKETS = (200, 400, 800, 1600, 3200, 6400)


def template_atoms(record: dict[str, Any]) -> set[str]:
    return set(record["metadata"]["template_id"].split("+"))


def overlap(splits: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Templates and parameter combinations shared between train and test (both must be 0)."""
    train, test = splits.get("train", []), splits.get("test", [])
    train_templates = set().union(*(template_atoms(r) for r in train)) if train else set()
    test_templates = set().union(*(template_atoms(r) for r in test)) if test else set()
    train_params = {r["metadata"]["param_key"] for r in train}
    test_params = {r["metadata"]["param_key"] for r in test}
    return {
        "templates_train_test": len(train_templates & test_templates),
        "params_train_test": len(train_params & test_params),
        "instructions_train_test": len(
            {r["instruction"] for r in train} & {r["instruction"] for r in test}
        ),
    }


def histogram(lengths: list[int]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for n in lengths:
        bucket = next((f"<{b}" for b in LENGTH_BUCKETS if n < b), f">={LENGTH_BUCKETS[-1]}")
        counts[bucket] += 1
    order = [f"<{b}" for b in LENGTH_BUCKETS] + [f">={LENGTH_BUCKETS[-1]}"]
    return {k: counts[k] for k in order if counts[k]}


def corpus_stats(
    splits: dict[str, list[dict[str, Any]]],
    negatives: list[dict[str, Any]],
    repairs: list[dict[str, Any]],
) -> dict[str, Any]:
    positives = [r for records in splits.values() for r in records]
    intents: Counter[str] = Counter()
    for r in positives:
        intents.update(r["intent"].split("+"))
    return {
        "counts": {name: len(records) for name, records in splits.items()}
        | {"negatives": len(negatives), "repairs": len(repairs)},
        "per_level": {
            split: dict(sorted(Counter(r["level"] for r in records).items()))
            for split, records in splits.items()
        },
        "per_error_class": dict(sorted(Counter(r["error_class"] for r in negatives).items())),
        "per_intent": dict(sorted(intents.items())),
        "output_chars_histogram": histogram([len(r["output"]) for r in positives]),
        "overlap": overlap(splits),
    }


def render_markdown(stats: dict[str, Any], extra: dict[str, Any], level_names: list[str]) -> str:
    """The stats as Markdown tables; `level_names` in curriculum order (the domain's levels)."""
    lines = ["# Corpus statistics", ""]
    for key, value in extra.items():
        lines.append(f"- {key}: {value}")
    lines.append("")
    for title, table in [
        ("Counts", stats["counts"]),
        ("Negatives per error class", stats["per_error_class"]),
        ("Intents (features) among positives", stats["per_intent"]),
        ("Output length (chars)", stats["output_chars_histogram"]),
        ("Train/test overlap (must be 0)", stats["overlap"]),
    ]:
        lines += [f"## {title}", "", "| key | count |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in table.items()]
        lines.append("")
    lines += [
        "## Levels per split",
        "",
        "| split | " + " | ".join(level_names) + " |",
        "|---|" + "---|" * len(level_names),
    ]
    for split, levels in stats["per_level"].items():
        lines.append(
            f"| {split} | " + " | ".join(str(levels.get(k, 0)) for k in level_names) + " |"
        )
    return "\n".join(lines) + "\n"
