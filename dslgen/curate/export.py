"""Export curated examples: training records for `dslgen train --curated`, and a held-out suite.

Accepted examples (latest decision accept, score ≥ min) are split by a stable hash of the
interaction id: `heldout_fraction(id) < share` goes to the held-out suite, the rest to training.
The hash depends on nothing but the id, so an example never changes side when others are added,
and raising the share only moves examples from training to held-out. Held-out examples are
written in the eval-task format (`dslgen.evals.config.EvalTask`) so the regression gate can run
them as a suite named "curated"; they never go into the training file, and neither does a
training example flagged as a near-duplicate of a held-out one (it would leak it).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dslgen.corpus.records import layers_passed, write_jsonl
from dslgen.curate.records import CuratedExample, ExportSummary
from dslgen.curate.reviews import ReviewStore
from dslgen.errors import ReviewInputError
from dslgen.stable_hash import stable_fraction
from dslgen.store.store import InteractionStore

HELDOUT_SUITE = "curated"
FALLBACK_LEVEL = "curated"  # a category that is not one of the domain's levels


def heldout_fraction(interaction_id: int) -> float:
    """A number in [0, 1) fixed by the interaction id alone (SHA-256, first 8 bytes)."""
    return stable_fraction(f"dslgen-curated:{interaction_id}")


def is_heldout(interaction_id: int, share: float) -> bool:
    """Whether an example belongs to the held-out suite at this share (0: none, 1: all)."""
    return heldout_fraction(interaction_id) < share


def example_level(example: CuratedExample, levels: Iterable[str]) -> str:
    """The category when it is one of the domain's curriculum levels, else "curated"."""
    category = example.review.category or ""
    return category if category in tuple(levels) else FALLBACK_LEVEL


def to_corpus_record(example: CuratedExample, level: str) -> dict[str, Any]:
    """The example as a corpus record (the fields of `dslgen corpus build`'s train.jsonl that
    mean something here, plus where it came from)."""
    review = example.review
    report = review.report or {}
    return {
        "id": example.example_id,
        "domain": example.domain,
        "level": level,
        "intent": review.category,
        "instruction": example.instruction,
        "output": review.output,
        "valid": True,
        "error_class": None,
        "fixture": example.fixture,
        "expected_state": review.executed_state,
        "report": report,
        "interaction_id": review.interaction_id,
        "score": review.score,
        "reviewer": review.reviewer,
        "metadata": {
            "source": "curated",
            "validators_passed": layers_passed(report) if report else [],
            "reviewed_at": review.created_at.isoformat(),
            "flags": sorted({f.kind for f in review.flags}),
            "forced": review.forced,
        },
    }


def to_eval_task(example: CuratedExample, level: str) -> dict[str, Any]:
    """The example as a task of the held-out suite "curated" (EvalTask's JSON, plus the gold
    `reference` as the committed suites carry it)."""
    from dslgen.evals.config import EvalTask

    review = example.review
    task = EvalTask(
        id=example.example_id,
        suite=HELDOUT_SUITE,
        level=level,
        intent=review.category or "",
        instruction=example.instruction,
        fixture=example.fixture,
        expected_state=review.executed_state,
    )
    return {**task.to_json(), "reference": review.output}


def export_curated(
    store: InteractionStore,
    out: Path,
    *,
    min_score: int = 6,
    heldout_out: Path | None = None,
    heldout_share: float = 0.2,
    domain: str | None = None,
) -> ExportSummary:
    """Write accepted examples scoring ≥ `min_score` to `out` (corpus records) and, when
    `heldout_out` is given, the held-out share to it (eval tasks); both atomically, sorted by
    interaction id. Held-out examples are left out of `out` whether or not they are written."""
    if not 1 <= min_score <= 10:
        raise ReviewInputError(f"--min-score must be from 1 to 10, not {min_score}")
    if not 0.0 <= heldout_share <= 1.0:
        raise ReviewInputError(f"--heldout-share must be from 0 to 1, not {heldout_share}")
    examples = ReviewStore(store).accepted(domain=domain, min_score=min_score)
    heldout = [e for e in examples if is_heldout(e.review.interaction_id, heldout_share)]
    leaking = _near(heldout, examples)
    left_out = leaking | {e.example_id for e in heldout}
    train = [e for e in examples if e.example_id not in left_out]
    levels = _levels({e.domain for e in examples})
    write_jsonl(out, (to_corpus_record(e, example_level(e, levels[e.domain])) for e in train))
    if heldout_out is not None:
        write_jsonl(
            heldout_out, (to_eval_task(e, example_level(e, levels[e.domain])) for e in heldout)
        )
    return ExportSummary(len(train), len(heldout), len(leaking), heldout_out is not None)


def _near(heldout: list[CuratedExample], examples: list[CuratedExample]) -> set[str]:
    """Ids of non-held-out examples flagged as duplicates of a held-out one (either way)."""
    held = {e.example_id for e in heldout}
    exported = {e.example_id for e in examples}
    near: set[str] = set()
    for example in examples:
        for flag in example.review.flags:
            if not flag.kind.endswith("_curated") or flag.against not in exported:
                continue
            pair = {example.example_id, flag.against}
            if pair & held:
                near |= pair - held
    return near


def _levels(domains: set[str]) -> dict[str, tuple[str, ...]]:
    from dslgen.domain import get_domain

    return {name: tuple(get_domain(name).levels) for name in sorted(domains)}
