"""Aggregate sample records into the eval's figures, overall and per suite, level and intent, and
the failure taxonomy. Pure functions over `SampleRecord`s: no model, no domain.

Denominators (see docs/evals.md): every rate is over all samples of the group except the DSL parse
rate (over samples whose Tcl parses and that contain a DSL block) and the functional rate and
pass@k (over samples/tasks that have an expected state).

Two kinds of pass@1 are reported. `pass@1` (and pass@k) is the unbiased estimate over a task's
first-round samples: what the sampler can do. `picked@1` is the share of tasks whose *picked*
candidate (the selection replayed on all of the task's candidates, repair rounds included) is
functionally correct: what a user of `dslgen generate` gets.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from dslgen.decode.selection import choose
from dslgen.evals.passk import mean_pass_at_k
from dslgen.evals.records import SampleRecord

LAYER_ORDER = ("syntax", "dsl", "policy", "semantics", "functional")


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def picked_rate(samples: list[SampleRecord], selection: str = "consensus") -> float | None:
    """The share of tasks (with an expected state) whose picked candidate is functionally
    correct; a task with no valid candidate counts as a failure."""
    per_task: dict[str, list[SampleRecord]] = defaultdict(list)
    for sample in samples:
        if sample.functional is not None:
            per_task[sample.task_id].append(sample)
    hits = 0
    for records in per_task.values():
        records.sort(key=lambda s: s.index)
        index = choose([r.ballot for r in records], selection).index
        hits += index is not None and bool(records[index].functional)
    return _rate(hits, len(per_task))


def summarize(
    samples: list[SampleRecord], ks: list[int], selection: str = "consensus"
) -> dict[str, Any]:
    """The figures of one group of samples (see the module docstring for denominators)."""
    n = len(samples)
    with_dsl = [s for s in samples if s.dsl_ok is not None]
    scored = [s for s in samples if s.functional is not None]
    per_task: dict[str, list[SampleRecord]] = defaultdict(list)
    for sample in scored:
        if sample.round == 0:
            per_task[sample.task_id].append(sample)
    counts = [(len(group), sum(bool(s.functional) for s in group)) for group in per_task.values()]
    seconds = [s.seconds for s in samples]
    out: dict[str, Any] = {
        "tasks": len({s.task_id for s in samples}),
        "samples": n,
        "tcl_parse_rate": _rate(sum(s.valid_syntax for s in samples), n),
        "dsl_samples": len(with_dsl),
        "dsl_parse_rate": _rate(sum(bool(s.dsl_ok) for s in with_dsl), len(with_dsl)),
        "mixed_compliance": _rate(
            sum(s.valid_syntax and s.dsl_ok is not False for s in samples), n
        ),
        "policy_compliance": _rate(sum(s.policy_ok is True for s in samples), n),
        "valid_rate": _rate(sum(s.valid for s in samples), n),
        "functional_samples": len(scored),
        "functional_rate": _rate(sum(bool(s.functional) for s in scored), len(scored)),
        "picked@1": picked_rate(samples, selection),
        "repaired": sum(s.round > 0 and s.valid for s in samples),
        "latency_mean_s": statistics.fmean(seconds) if seconds else None,
        "latency_p50_s": statistics.median(seconds) if seconds else None,
        "tokens_mean": statistics.fmean(s.tokens for s in samples) if samples else None,
    }
    for k in ks:
        usable = [(size, c) for size, c in counts if size >= k]
        out[f"pass@{k}"] = mean_pass_at_k(usable, k)
    return out


def _grouped(
    samples: list[SampleRecord],
    key: Callable[[SampleRecord], str],
    ks: list[int],
    selection: str,
) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[SampleRecord]] = defaultdict(list)
    for sample in samples:
        groups[key(sample)].append(sample)
    return {name: summarize(groups[name], ks, selection) for name in sorted(groups)}


def aggregate(
    samples: list[SampleRecord], ks: list[int], selection: str = "consensus"
) -> dict[str, Any]:
    """Overall figures and the same figures per suite, per level and per intent."""
    return {
        "overall": summarize(samples, ks, selection),
        "by_suite": _grouped(samples, lambda s: s.suite, ks, selection),
        "by_level": _grouped(samples, lambda s: s.level, ks, selection),
        "by_intent": _grouped(samples, lambda s: s.intent, ks, selection),
    }


def first_failure(sample: SampleRecord) -> str | None:
    """The first check a sample fails, in validator order; None when it passes all."""
    if not sample.valid_syntax:
        return "syntax"
    if sample.dsl_ok is False:
        return "dsl"
    if sample.policy_ok is not True:
        return "policy"
    if not sample.valid:
        return "semantics"
    if sample.functional is False:
        return "functional"
    return None


def failure_taxonomy(samples: list[SampleRecord]) -> dict[str, Any]:
    """Which error classes occur and which intents fail.

    error_classes: samples showing each class (a sample counts once per class). first_failure:
    samples per first failing check. failing_intents: per intent, samples that are not
    functionally correct (not valid, where there is no expected state), most failing first.
    Scenario intents are `+`-joined steps; failing_intent_steps counts failing samples per step.
    """
    classes = Counter(cls for s in samples for cls in s.error_classes)
    layers = Counter(layer for s in samples if (layer := first_failure(s)) is not None)
    failed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    for sample in samples:
        total[sample.intent] += 1
        ok = sample.functional if sample.functional is not None else sample.valid
        if not ok:
            failed[sample.intent] += 1
            steps.update(set(sample.intent.split("+")))
    return {
        "error_classes": dict(sorted(classes.items(), key=lambda kv: (-kv[1], kv[0]))),
        "first_failure": {layer: layers[layer] for layer in LAYER_ORDER if layers[layer]},
        "failing_intents": [
            {"intent": intent, "failed": failed[intent], "samples": total[intent]}
            for intent in sorted(failed, key=lambda i: (-failed[i], i))
        ],
        "failing_intent_steps": dict(sorted(steps.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
