"""Review storage: curation decisions appended to the interaction log's `reviews` table.

Decisions are appended, never updated, so a reviewer who changes their mind leaves a history;
the latest decision of an interaction counts. Texts are redacted before they are written, like
everything else in the log. Database errors become `StoreError` with one sentence.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from dslgen.curate.records import CuratedExample, HygieneFlag, ReviewRecord
from dslgen.errors import ReviewInputError
from dslgen.store.models import DECISIONS, Interaction, Review
from dslgen.store.redact import redact, redact_text
from dslgen.store.store import InteractionStore

MAX_CATEGORY = 64  # the column's width
MAX_REVIEWER = 200


class ReviewStore:
    """Reads and appends review decisions in the log an `InteractionStore` is open on."""

    def __init__(self, store: InteractionStore) -> None:
        self.store = store

    def session(self, action: str, write: bool = False) -> AbstractContextManager[Session]:
        """The interaction log's session (committed at the end; errors become StoreError)."""
        return self.store.session(action, write)

    def record(
        self,
        interaction_id: int,
        decision: str,
        reviewer: str,
        *,
        score: int | None = None,
        category: str | None = None,
        output: str | None = None,
        report: dict[str, Any] | None = None,
        executed_state: dict[str, Any] | None = None,
        flags: list[HygieneFlag] | None = None,
        forced: bool = False,
        comment: str | None = None,
    ) -> ReviewRecord:
        """Append one decision and return it. An accept needs a score (1-10) and a category;
        the interaction must exist (InteractionNotFoundError otherwise)."""
        check_decision(decision, score, category)
        reviewer = reviewer.strip()
        if not reviewer or len(reviewer) > MAX_REVIEWER:
            raise ReviewInputError(
                f"--reviewer must be 1 to {MAX_REVIEWER} characters; give your name"
            )
        self.store.get(interaction_id)  # one sentence naming the id if there is none
        row = Review(
            interaction_id=interaction_id,
            reviewer=redact_text(reviewer),
            decision=decision,
            score=score,
            category=category.strip() if category else None,
            output=redact_text(output) if output is not None else None,
            report=redact(report),
            executed_state=redact(executed_state),
            flags=[f.to_json() for f in flags or []],
            forced=forced,
            comment=redact_text(comment) if comment else None,
        )
        with self.session("store the review", write=True) as session:
            session.add(row)
            session.flush()
            return ReviewRecord.from_row(row)

    def history(self, interaction_id: int) -> list[ReviewRecord]:
        """Every decision on an interaction, oldest first."""
        with self.session("read the reviews") as session:
            rows = session.scalars(
                select(Review).where(Review.interaction_id == interaction_id).order_by(Review.id)
            )
            return [ReviewRecord.from_row(row) for row in rows]

    def latest(self, interaction_id: int) -> ReviewRecord | None:
        """The decision that counts for an interaction, None if it was never reviewed."""
        history = self.history(interaction_id)
        return history[-1] if history else None

    def accepted(
        self, domain: str | None = None, min_score: int | None = None
    ) -> list[CuratedExample]:
        """Interactions whose latest decision is accept (score ≥ `min_score`), by id."""
        newer = aliased(Review)
        is_latest = (
            ~select(newer.id)
            .where(newer.interaction_id == Review.interaction_id, newer.id > Review.id)
            .exists()
        )
        query = (
            select(Review, Interaction.domain, Interaction.instruction, Interaction.fixture)
            .join(Interaction, Interaction.id == Review.interaction_id)
            .where(is_latest, Review.decision == "accept")
            .order_by(Review.interaction_id)
        )
        if domain is not None:
            query = query.where(Interaction.domain == domain)
        if min_score is not None:
            query = query.where(Review.score >= min_score)
        with self.session("read the accepted examples") as session:
            rows: list[tuple[Review, str, str, dict[str, Any] | None]] = list(
                session.execute(query).all()
            )
            return [
                CuratedExample(ReviewRecord.from_row(row), dom, instruction, fixture)
                for row, dom, instruction, fixture in rows
            ]


def check_decision(decision: str, score: int | None, category: str | None) -> None:
    """ReviewInputError (one sentence naming the flag) unless the decision can be stored."""
    if decision not in DECISIONS:
        raise ReviewInputError(f"a decision is accept or reject, not {decision!r}")
    if decision == "reject":
        return
    if score is None or not 1 <= score <= 10:
        raise ReviewInputError(f"--score must be a whole number from 1 to 10, not {score}")
    name = (category or "").strip()
    if not name or len(name) > MAX_CATEGORY:
        raise ReviewInputError(
            f"--category must be 1 to {MAX_CATEGORY} characters (e.g. a level such as unit, "
            "or a topic such as routing)"
        )
