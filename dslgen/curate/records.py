"""What curation hands around: candidates, review decisions, hygiene flags, export counts.

Plain frozen records, detached from any database session (as in `dslgen.store.records`), so the
CLI and the interactive walk never hold ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dslgen.store.models import Review
from dslgen.store.records import InteractionRecord, as_utc

#: Candidate classes, highest signal first: a user's edit is a gold output written by hand; a
#: thumbs-up without a follow-up is a confirmed good output; a thumbs-down (or a follow-up: the
#: user had to ask again) is a failure worth fixing by hand.
SIGNALS = ("edited", "up", "down")


@dataclass(frozen=True)
class CandidateFilter:
    """Which interactions may be candidates; None means "any". `since` is inclusive (UTC)."""

    domain: str | None = None
    since: datetime | None = None

    def since_utc(self) -> datetime | None:
        return as_utc(self.since)


@dataclass(frozen=True)
class Candidate:
    """A logged interaction worth review, with the signal that makes it one (see SIGNALS)."""

    signal: str
    interaction: InteractionRecord

    def to_json(self) -> dict[str, Any]:
        record = self.interaction
        return {
            "id": record.id,
            "signal": self.signal,
            "created_at": record.created_at.isoformat(),
            "domain": record.domain,
            "instruction": record.instruction,
            "valid": record.valid,
            "rating": record.rating,
            "edited": record.latest_edit is not None,
            "had_followup": record.had_followup,
        }


@dataclass(frozen=True)
class HygieneFlag:
    """A note on a promoted example kept in the review row: what it resembles and how closely.

    `kind`: near_duplicate_corpus | near_duplicate_curated | exact_duplicate_corpus |
    exact_duplicate_curated | evals_unchecked. `against`: the id of the record it resembles
    (a corpus id, or `curated-<interaction id>`); `similarity`: estimated Jaccard of the word
    3-grams of instruction + output (1.0 for an exact normalised match).
    """

    kind: str
    message: str
    against: str | None = None
    similarity: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "against": self.against,
            "similarity": self.similarity,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HygieneFlag:
        return cls(
            data["kind"], data.get("message", ""), data.get("against"), data.get("similarity")
        )


@dataclass(frozen=True)
class ReviewRecord:
    """One stored curation decision (a row of `reviews`)."""

    id: int
    interaction_id: int
    created_at: datetime
    reviewer: str
    decision: str
    score: int | None
    category: str | None
    output: str | None
    report: dict[str, Any] | None
    executed_state: dict[str, Any] | None
    flags: list[HygieneFlag] = field(default_factory=list)
    forced: bool = False
    comment: str | None = None

    @classmethod
    def from_row(cls, row: Review) -> ReviewRecord:
        return cls(
            row.id,
            row.interaction_id,
            row.created_at,
            row.reviewer,
            row.decision,
            row.score,
            row.category,
            row.output,
            row.report,
            row.executed_state,
            [HygieneFlag.from_json(f) for f in row.flags or []],
            bool(row.forced),
            row.comment,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "interaction_id": self.interaction_id,
            "created_at": self.created_at.isoformat(),
            "reviewer": self.reviewer,
            "decision": self.decision,
            "score": self.score,
            "category": self.category,
            "output": self.output,
            "report": self.report,
            "executed_state": self.executed_state,
            "flags": [f.to_json() for f in self.flags],
            "forced": self.forced,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class CuratedExample:
    """An accepted review with what export needs from its interaction."""

    review: ReviewRecord
    domain: str
    instruction: str
    fixture: dict[str, Any] | None

    @property
    def example_id(self) -> str:
        return curated_id(self.review.interaction_id)


def curated_id(interaction_id: int) -> str:
    """The id a curated example carries everywhere (export, flags, held-out suite)."""
    return f"curated-{interaction_id}"


@dataclass(frozen=True)
class ExportSummary:
    """What `export_curated` wrote: examples to train on, held out, and left out."""

    train: int
    heldout: int
    dropped_near_heldout: int  # train examples left out: near-identical to a held-out one
    heldout_written: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "train": self.train,
            "heldout": self.heldout,
            "dropped_near_heldout": self.dropped_near_heldout,
            "heldout_written": self.heldout_written,
        }
