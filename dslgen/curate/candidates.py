"""Which logged interactions are worth a reviewer's time, highest signal first.

The order is decided in SQL (the log can hold millions of rows, on SQLite or PostgreSQL), from
each interaction's feedback: (1) edited — some feedback holds an edit; (2) up — the latest rating
is up and no follow-up was flagged; (3) down — the latest rating is down, or a follow-up was
flagged (the user had to ask again). Interactions with no rating, edit or follow-up, and those
already reviewed (any decision), are not candidates. Within a class, newest first.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, case, exists, select
from sqlalchemy.orm import selectinload

from dslgen.curate.records import SIGNALS, Candidate, CandidateFilter
from dslgen.curate.reviews import ReviewStore
from dslgen.errors import ReviewInputError
from dslgen.store.models import Feedback, Interaction, Review
from dslgen.store.records import InteractionRecord
from dslgen.store.store import latest_rating

MAX_CANDIDATES = 10_000


def signal_rank() -> ColumnElement[Any]:
    """1, 2 or 3 (the index + 1 of the interaction's class in SIGNALS), NULL if none."""
    edited = exists().where(
        Feedback.interaction_id == Interaction.id, Feedback.edited_output.is_not(None)
    )
    followup = exists().where(
        Feedback.interaction_id == Interaction.id, Feedback.had_followup.is_(True)
    )
    rating = latest_rating()
    return case(
        (edited, 1),
        ((rating == "up") & ~followup, 2),
        ((rating == "down") | followup, 3),
        else_=None,
    )


def list_candidates(
    reviews: ReviewStore,
    filters: CandidateFilter | None = None,
    limit: int = 20,
    exclude: Collection[int] = (),
) -> list[Candidate]:
    """Up to `limit` unreviewed candidates in review order (see the module docstring);
    `exclude` holds ids to pass over (what an interactive walk skipped this session)."""
    if not 1 <= limit <= MAX_CANDIDATES:
        raise ReviewInputError(f"--limit must be between 1 and {MAX_CANDIDATES}, not {limit}")
    filters = filters or CandidateFilter()
    reviewed = exists().where(Review.interaction_id == Interaction.id)
    conditions: list[ColumnElement[bool]] = [~reviewed]
    if filters.domain is not None:
        conditions.append(Interaction.domain == filters.domain)
    since = filters.since_utc()
    if since is not None:
        conditions.append(Interaction.created_at >= since)
    if exclude:
        conditions.append(Interaction.id.not_in(sorted(exclude)))
    ranked = (
        select(Interaction.id, Interaction.created_at, signal_rank().label("rank"))
        .where(*conditions)
        .subquery()
    )
    query = (
        select(ranked.c.id, ranked.c.rank)
        .where(ranked.c.rank.is_not(None))
        .order_by(ranked.c.rank, ranked.c.created_at.desc(), ranked.c.id.desc())
        .limit(limit)
    )
    with reviews.session("list the curation candidates") as session:
        ranks: dict[int, int] = dict(session.execute(query).all())  # id -> rank, in order
        rows = session.scalars(
            select(Interaction)
            .where(Interaction.id.in_(list(ranks)))
            .options(selectinload(Interaction.feedback))
        )
        records = {row.id: InteractionRecord.from_row(row) for row in rows}
    return [Candidate(SIGNALS[rank - 1], records[row_id]) for row_id, rank in ranks.items()]


def next_candidate(
    reviews: ReviewStore, filters: CandidateFilter | None = None, exclude: Collection[int] = ()
) -> Candidate | None:
    """The first unreviewed candidate not in `exclude`, None when there is none left."""
    found = list_candidates(reviews, filters, limit=1, exclude=exclude)
    return found[0] if found else None
