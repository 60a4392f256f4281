"""`SampleRecord`: one sample of one eval task with its verdicts — what the cache stores, what
`samples.jsonl` holds, and what `dslgen.evals.metrics` aggregates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from dslgen.records import Report


@dataclass(frozen=True)
class SampleRecord:
    """The final outcome of attempt `index` at task `task_id`.

    `round` is the repair round that produced `text` (0: first sample); `seconds` and `tokens` sum
    over the attempt's rounds, so they are the cost of the outcome. `dsl_ok` is None when the Tcl
    does not parse or the script has no DSL block; `policy_ok`/`semantics_ok` are None when the
    validator did not run that layer; `functional` is None when the task has no expected state.
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
