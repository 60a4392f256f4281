"""What the interaction log hands back: plain records, detached from any database session.

The CLI, the server and the curation step read these, never ORM objects, so nothing outside
`dslgen.store` depends on a session being open. `to_json()` is the JSONL export format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dslgen.store.models import Feedback, Interaction

#: The `format` key of every exported line; bump when the export's fields change.
EXPORT_FORMAT = "dslgen.interaction/1"


def as_utc(when: datetime | None) -> datetime | None:
    """`when` with a timezone: naive times (a user's `--since 2026-11-01`) are taken as UTC."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    interaction_id: int
    created_at: datetime
    rating: str | None
    edited_output: str | None
    edited_report: dict[str, Any] | None
    had_followup: bool
    comment: str | None

    @classmethod
    def from_row(cls, row: Feedback) -> FeedbackRecord:
        return cls(
            row.id,
            row.interaction_id,
            row.created_at,
            row.rating,
            row.edited_output,
            row.edited_report,
            row.had_followup,
            row.comment,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "interaction_id": self.interaction_id,
            "created_at": self.created_at.isoformat(),
            "rating": self.rating,
            "edited_output": self.edited_output,
            "edited_report": self.edited_report,
            "had_followup": self.had_followup,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class InteractionRecord:
    """One logged generation and every piece of feedback on it, oldest first."""

    id: int
    created_at: datetime
    source: str
    client_id: str | None
    instruction: str
    domain: str
    fixture: dict[str, Any] | None
    pack_ids: list[str]
    prompt_version: str
    model_id: str
    adapter_id: str | None
    samples: list[dict[str, Any]]
    output: str
    valid: bool
    report: dict[str, Any]
    latency_seconds: float
    tokens: int
    feedback: list[FeedbackRecord] = field(default_factory=list)
    model_version: str | None = None

    @classmethod
    def from_row(cls, row: Interaction) -> InteractionRecord:
        return cls(
            row.id,
            row.created_at,
            row.source,
            row.client_id,
            row.instruction,
            row.domain,
            row.fixture,
            list(row.pack_ids),
            row.prompt_version,
            row.model_id,
            row.adapter_id,
            list(row.samples),
            row.output,
            row.valid,
            row.report,
            row.latency_seconds,
            row.tokens,
            [FeedbackRecord.from_row(f) for f in row.feedback],
            row.model_version,
        )

    @property
    def rating(self) -> str | None:
        """The latest rating given (a user may change their mind), None if never rated."""
        return next((f.rating for f in reversed(self.feedback) if f.rating), None)

    @property
    def latest_edit(self) -> FeedbackRecord | None:
        """The feedback holding the latest edit: the user's gold version of the output."""
        return next((f for f in reversed(self.feedback) if f.edited_output is not None), None)

    @property
    def had_followup(self) -> bool:
        return any(f.had_followup for f in self.feedback)

    def to_json(self) -> dict[str, Any]:
        edit = self.latest_edit
        return {
            "format": EXPORT_FORMAT,
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "source": self.source,
            "client_id": self.client_id,
            "instruction": self.instruction,
            "domain": self.domain,
            "fixture": self.fixture,
            "pack_ids": self.pack_ids,
            "prompt_version": self.prompt_version,
            "model_id": self.model_id,
            "adapter_id": self.adapter_id,
            "model_version": self.model_version,
            "samples": self.samples,
            "output": self.output,
            "valid": self.valid,
            "report": self.report,
            "latency_seconds": self.latency_seconds,
            "tokens": self.tokens,
            "rating": self.rating,
            "edited_output": edit.edited_output if edit else None,
            "edited_report": edit.edited_report if edit else None,
            "had_followup": self.had_followup,
            "feedback": [f.to_json() for f in self.feedback],
        }


@dataclass(frozen=True)
class InteractionFilter:
    """Which interactions to list or export; None means "any". `rating` is the latest rating
    ("up", "down", or "none" for never rated); `since` is inclusive (naive times are UTC)."""

    domain: str | None = None
    since: datetime | None = None
    rating: str | None = None
    edited: bool | None = None
    valid: bool | None = None

    def since_utc(self) -> datetime | None:
        return as_utc(self.since)


@dataclass(frozen=True)
class InteractionPage:
    """One page of a listing, newest first, and how many interactions match in all."""

    items: list[InteractionRecord]
    total: int
    limit: int
    offset: int

    def to_json(self) -> dict[str, Any]:
        return {
            "items": [item.to_json() for item in self.items],
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }
