"""The interaction log: every generation with its samples, and the feedback people give on it.

A user's edit of a generated script is the most valuable training example there is, so the CLI
and the server log every generation here, feedback is appended (never overwritten), and the
curation step reads it back with `export_jsonl`. Every text is redacted before it is written
(see redact.py). Library errors are `StoreError`s with one sentence; nothing here prints.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Engine, exists, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from dslgen.corpus.records import atomic_output, dumps
from dslgen.errors import InteractionNotFoundError, InvalidRecordError, StoreError
from dslgen.prompts import PROMPT_VERSION
from dslgen.store.engine import READ_ONLY, create_store_engine, shown
from dslgen.store.migrate import upgrade
from dslgen.store.models import RATINGS, SOURCES, Feedback, Interaction
from dslgen.store.records import (
    FeedbackRecord,
    InteractionFilter,
    InteractionPage,
    InteractionRecord,
)
from dslgen.store.redact import redact, redact_text

if TYPE_CHECKING:
    from dslgen.decode.pipeline import GenerateResult

MAX_PAGE = 1000
_EXPORT_BATCH = 200


def open_store(url: str | None = None) -> InteractionStore:
    """The interaction log at `url` (None: SQLite at `home()/interactions.sqlite`), migrated to
    the current schema. Raises StoreError (one sentence) on a bad URL or an unreachable server."""
    engine = create_store_engine(url)
    try:
        upgrade(engine)
    except StoreError:
        engine.dispose()
        raise
    return InteractionStore(engine)


class InteractionStore:
    """Reads and writes interactions and feedback; safe to share between threads (one engine)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = engine.execution_options(**{READ_ONLY: True})

    @property
    def url(self) -> str:
        """The database URL with its password hidden."""
        return shown(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> InteractionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def session(self, action: str, write: bool = False) -> Iterator[Session]:
        """A session committed at the end of the block; database errors become StoreError."""
        try:
            with Session(self.engine if write else self._reader) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StoreError(
                f"cannot {action} in the interaction log at {self.url}: {reason}"
            ) from exc

    def log_generation(
        self,
        result: GenerateResult,
        *,
        instruction: str,
        domain: str,
        fixture: dict[str, Any] | None,
        model_id: str,
        adapter_id: str | None = None,
        source: str = "cli",
        client_id: str | None = None,
        prompt_version: str = PROMPT_VERSION,
        model_version: str | None = None,
    ) -> int:
        """Store one generation (all its samples with their reports) and return its id.

        `fixture` is the request's fixture as the user gave it; `result` is what
        `generate_script` returned; `model_version` is the registry version that answered
        (None outside the registry). Every text is redacted before it is written.
        """
        if source not in SOURCES:
            raise InvalidRecordError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
        data = result.to_json()
        row = Interaction(
            source=source,
            client_id=redact_text(client_id) if client_id else None,
            model_version=model_version,
            instruction=redact_text(instruction),
            domain=domain,
            fixture=redact(fixture),
            pack_ids=list(data["context_pack"]),
            prompt_version=prompt_version,
            model_id=redact_text(model_id),
            adapter_id=redact_text(adapter_id) if adapter_id else None,
            samples=redact(data["candidates"]),
            output=redact_text(data["script"]),
            valid=bool(data["valid"]),
            report=redact(data["report"]),
            latency_seconds=float(data["seconds"]),
            tokens=int(data["tokens"]),
        )
        with self.session("log the generation", write=True) as session:
            session.add(row)
            session.flush()
            return row.id

    def add_feedback(
        self,
        interaction_id: int,
        *,
        rating: str | None = None,
        edited_output: str | None = None,
        edited_report: dict[str, Any] | None = None,
        had_followup: bool = False,
        comment: str | None = None,
    ) -> FeedbackRecord:
        """Append feedback to an interaction: a rating ("up"/"down"), an edit (the user's gold
        output, with its validator report), a follow-up flag and/or a comment — at least one."""
        if rating is not None and rating not in RATINGS:
            raise InvalidRecordError(f"rating must be 'up' or 'down', not {rating!r}")
        if rating is None and edited_output is None and not had_followup and not comment:
            raise InvalidRecordError(
                "feedback needs a rating, an edit, a follow-up or a comment; none was given"
            )
        row = Feedback(
            interaction_id=interaction_id,
            rating=rating,
            edited_output=redact_text(edited_output) if edited_output is not None else None,
            edited_report=redact(edited_report),
            had_followup=had_followup,
            comment=redact_text(comment) if comment else None,
        )
        with self.session("store the feedback", write=True) as session:
            self._require(session, interaction_id)
            session.add(row)
            session.flush()
            return FeedbackRecord.from_row(row)

    def add_edit(
        self, interaction_id: int, text: str, comment: str | None = None
    ) -> FeedbackRecord:
        """Validate an edited output with the interaction's domain and fixture, then store it with
        its report (an invalid edit is kept too: its report says what is wrong)."""
        from dslgen.domain import get_domain

        record = self.get(interaction_id)
        chosen = get_domain(record.domain)
        fixture = chosen.request_fixture(record.instruction, record.fixture)
        report = chosen.validate(text, fixture).to_json()
        return self.add_feedback(
            interaction_id, edited_output=text, edited_report=report, comment=comment
        )

    def get(self, interaction_id: int) -> InteractionRecord:
        """The interaction and its feedback; InteractionNotFoundError if there is none."""
        with self.session("read the interaction") as session:
            return InteractionRecord.from_row(self._require(session, interaction_id))

    def list_interactions(
        self, filters: InteractionFilter | None = None, limit: int = 20, offset: int = 0
    ) -> InteractionPage:
        """A page of interactions matching `filters`, newest first, with the total count."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidRecordError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        if offset < 0:
            raise InvalidRecordError(f"offset must be 0 or more, not {offset}")
        conditions = _conditions(filters or InteractionFilter())
        with self.session("list interactions") as session:
            total = session.scalar(select(func.count(Interaction.id)).where(*conditions)) or 0
            rows = session.scalars(
                select(Interaction)
                .where(*conditions)
                .order_by(Interaction.id.desc())
                .limit(limit)
                .offset(offset)
                .options(selectinload(Interaction.feedback))
            )
            items = [InteractionRecord.from_row(row) for row in rows]
        return InteractionPage(items, total, limit, offset)

    def export_jsonl(self, path: Path, filters: InteractionFilter | None = None) -> int:
        """Write matching interactions to `path` as JSONL, oldest first, atomically (readers
        never see half a file); return how many were written."""
        conditions = _conditions(filters or InteractionFilter())
        count, last_id = 0, 0
        with self.session("export interactions") as session, atomic_output(path) as out:
            while True:
                batch = session.scalars(
                    select(Interaction)
                    .where(*conditions, Interaction.id > last_id)
                    .order_by(Interaction.id)
                    .limit(_EXPORT_BATCH)
                    .options(selectinload(Interaction.feedback))
                ).all()
                for row in batch:
                    out.write(dumps(InteractionRecord.from_row(row).to_json()) + "\n")
                if len(batch) < _EXPORT_BATCH:
                    return count + len(batch)
                count, last_id = count + len(batch), batch[-1].id
                session.expunge_all()

    def _require(self, session: Session, interaction_id: int) -> Interaction:
        row = session.get(Interaction, interaction_id)
        if row is None:
            raise InteractionNotFoundError(
                f"no interaction {interaction_id} in the interaction log at {self.url}; "
                "`dslgen interactions list` shows the ids"
            )
        return row


def latest_rating() -> Any:
    """SQL for an interaction's latest rating (NULL if never rated), as a correlated subquery."""
    return (
        select(Feedback.rating)
        .where(Feedback.interaction_id == Interaction.id, Feedback.rating.is_not(None))
        .order_by(Feedback.id.desc())
        .limit(1)
        .correlate(Interaction)
        .scalar_subquery()
    )


def _conditions(filters: InteractionFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.domain is not None:
        conditions.append(Interaction.domain == filters.domain)
    since = filters.since_utc()
    if since is not None:
        conditions.append(Interaction.created_at >= since)
    if filters.rating is not None:
        if filters.rating not in (*RATINGS, "none"):
            raise InvalidRecordError(f"rating must be up, down or none, not {filters.rating!r}")
        latest = latest_rating()
        conditions.append(
            latest.is_(None) if filters.rating == "none" else latest == filters.rating
        )
    if filters.edited is not None:
        edited = exists().where(
            Feedback.interaction_id == Interaction.id, Feedback.edited_output.is_not(None)
        )
        conditions.append(edited if filters.edited else ~edited)
    if filters.valid is not None:
        conditions.append(Interaction.valid.is_(filters.valid))
    return conditions
