"""The interaction log's tables as SQLAlchemy 2 typed models (the schema at the head revision).

The migrations in `dslgen/store/migrations/versions/` build these tables step by step; a test
checks that upgrading to the head gives exactly these models. Types are chosen to mean the same
on SQLite and PostgreSQL: JSON is `JSON` (JSONB on PostgreSQL), times are stored in UTC and read
back timezone-aware on both (SQLite keeps no offset).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: JSON that PostgreSQL stores as JSONB (indexable, compact) and SQLite as text.
PortableJSON = JSON().with_variant(JSONB(), "postgresql")

SOURCES = ("cli", "api")
RATINGS = ("up", "down")
DECISIONS = ("accept", "reject")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend: SQLite drops offsets, so values are
    stored as naive UTC there and given their UTC zone back when read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Interaction(Base):
    """One generation: what was asked, with what model and prompt, every sample and the answer."""

    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint("source IN ('cli', 'api')", name="ck_interactions_source"),
        Index("ix_interactions_domain_created_at", "domain", "created_at"),
        Index("ix_interactions_client_id", "client_id"),
        Index("ix_interactions_model_version", "model_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    source: Mapped[str] = mapped_column(String(8))
    client_id: Mapped[str | None] = mapped_column(String(200))  # added in revision 0002
    # the registry version (e.g. "v2") that answered; None outside the registry (revision 0003)
    model_version: Mapped[str | None] = mapped_column(String(64))
    instruction: Mapped[str] = mapped_column(Text)
    domain: Mapped[str] = mapped_column(String(64))
    fixture: Mapped[Any | None] = mapped_column(PortableJSON)
    pack_ids: Mapped[list[str]] = mapped_column(PortableJSON)
    prompt_version: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(Text)
    adapter_id: Mapped[str | None] = mapped_column(Text)
    samples: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    output: Mapped[str] = mapped_column(Text)
    valid: Mapped[bool]
    report: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    latency_seconds: Mapped[float] = mapped_column(Float)
    tokens: Mapped[int] = mapped_column(Integer)

    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="interaction", order_by="Feedback.id", cascade="all, delete-orphan"
    )


class Feedback(Base):
    """One act of feedback on an interaction; several may follow one another (the latest rating
    counts), so nothing a user said is overwritten."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),
        Index("ix_feedback_interaction_id", "interaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE", name="fk_feedback_interaction_id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    rating: Mapped[str | None] = mapped_column(String(8))
    edited_output: Mapped[str | None] = mapped_column(Text)
    edited_report: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    had_followup: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str | None] = mapped_column(Text)

    interaction: Mapped[Interaction] = relationship(back_populates="feedback")


class Review(Base):
    """One curation decision on an interaction (revision 0003): accepted as a training example
    (with its gold output, validator report and executed state, so it doubles as a functional
    test) or rejected. Decisions are appended; the latest one counts."""

    __tablename__ = "reviews"
    __table_args__ = (
        CheckConstraint("decision IN ('accept', 'reject')", name="ck_reviews_decision"),
        CheckConstraint("score IS NULL OR (score >= 1 AND score <= 10)", name="ck_reviews_score"),
        Index("ix_reviews_interaction_id", "interaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE", name="fk_reviews_interaction_id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    reviewer: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))
    score: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(64))
    output: Mapped[str | None] = mapped_column(Text)  # the accepted gold output
    report: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    executed_state: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str | None] = mapped_column(Text)
