"""One hand-made sample record for eval tests: valid on every layer, fields overridable."""

from __future__ import annotations

from typing import Any

from dslgen.evals.records import SampleRecord


def valid_record(**fields: Any) -> SampleRecord:
    """A valid first-round sample of task "t" (override any field by name)."""
    defaults: dict[str, Any] = dict(
        task_id="t", task_digest="d", suite="unit", level="unit", intent="route", index=0,
        text="", tokens=10, seconds=0.1, round=0, valid_syntax=True, dsl_ok=None,
        policy_ok=True, semantics_ok=True, valid=True, first_valid=True, error_classes=[],
    )  # fmt: skip
    return SampleRecord(**(defaults | fields))
