"""`SampleRecord`: one sample of one eval task with its verdicts — what the cache stores, what
`samples.jsonl` holds, and what `dslgen.evals.metrics` aggregates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from dslgen.decode.selection import Ballot
from dslgen.records import Coverage, Report


@dataclass(frozen=True)
class SampleRecord:
    """The final outcome of attempt `index` at task `task_id`.

    A task's records are every candidate `dslgen generate` drew for it (`index` in drawing
    order): the k of round 0, then any repair round's. `round` is the round that drew `text`.
    `dsl_ok` is None when the Tcl does not parse or the script has no DSL block;
    `policy_ok`/`semantics_ok` are None when the validator did not run that layer; `functional`
    is None when the task has no expected state. The selection fields (`logprob`, `group`,
    `coverage`, `vote`, `acts`, `named`) are what `dslgen.decode.selection.choose` reads, so any
    selection can be replayed on cached samples; `chosen` marks the pick of the run's selection.
    """

    task_id: str
    task_digest: str
    suite: str
    level: str
    intent: str
    index: int
    text: str
    tokens: int
    seconds: float
    round: int
    valid_syntax: bool
    dsl_ok: bool | None
    policy_ok: bool | None
    semantics_ok: bool | None
    valid: bool
    first_valid: bool
    functional: bool | None
    error_classes: list[str] = field(default_factory=list)
    logprob: float = 0.0
    group: int | None = None
    coverage: float = 1.0
    vote: float = 1.0
    acts: bool = True
    named: int = 0
    unasked: int = 0
    chosen: bool = False

    @property
    def ballot(self) -> Ballot:
        """The candidate as selection sees it (coverage reduced to the figures it weighs)."""
        covered = round(self.coverage * self.named)
        coverage = Coverage(self.named, covered, unasked=["?"] * self.unasked, acts=self.acts)
        return Ballot(self.valid, self.group, coverage, self.logprob, self.tokens)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> SampleRecord:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in record.items() if k in names})


def verdicts(report: Report) -> dict[str, Any]:
    """The per-layer fields of a SampleRecord from a validator report."""
    return {
        "valid_syntax": report.valid_syntax,
        "dsl_ok": (report.valid_dsl_blocks is True)
        if report.valid_syntax and report.dsl_blocks
        else None,
        "policy_ok": report.policy_ok,
        "semantics_ok": report.semantics_ok,
        "valid": report.valid,
        "error_classes": sorted(set(report.error_classes)),
    }
