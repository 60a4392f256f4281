"""How a version did with real users, read from the interaction log: generations, valid ones,
thumbs up among the rated, and edits — per `model_version`.

A rating counts as the interaction's latest one (people change their minds, as in
`dslgen.store`); an interaction counts as edited when any feedback holds an edited output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dslgen.registry.stats import Rate

if TYPE_CHECKING:
    from dslgen.store import InteractionStore


@dataclass(frozen=True)
class VersionUsage:
    """One version's counts in the log."""

    version: str
    generations: int
    valid: int
    rated: int
    thumbs_up: int
    edited: int

    @property
    def rates(self) -> dict[str, Rate]:
        """The compared metrics: valid rate, thumbs-up rate (among rated), edit rate."""
        return {
            "valid rate": Rate(self.valid, self.generations),
            "thumbs-up rate": Rate(self.thumbs_up, self.rated),
            "edit rate": Rate(self.edited, self.generations),
        }


def version_usage(store: InteractionStore, domain: str, version: str) -> VersionUsage:
    """`version`'s counts among `domain`'s interactions in `store` (an InteractionStore);
    raises StoreError (one sentence) if the log cannot be read."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from dslgen.errors import StoreError
    from dslgen.store.models import Feedback, Interaction

    chosen = (Interaction.domain == domain, Interaction.model_version == version)
    try:
        with Session(store.engine) as session:
            valid = dict(
                session.execute(select(Interaction.id, Interaction.valid).where(*chosen)).all()
            )
            feedback = session.execute(
                select(
                    Feedback.interaction_id, Feedback.rating, Feedback.edited_output.is_not(None)
                )
                .join(Interaction, Feedback.interaction_id == Interaction.id)
                .where(*chosen)
                .order_by(Feedback.id)
            ).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreError(f"cannot read the interaction log at {store.url}: {reason}") from exc
    latest: dict[int, str] = {}
    edited: set[int] = set()
    for interaction_id, rating, has_edit in feedback:
        if rating is not None:
            latest[interaction_id] = rating  # ordered by id: the last one wins
        if has_edit:
            edited.add(interaction_id)
    return VersionUsage(
        version=version,
        generations=len(valid),
        valid=sum(bool(v) for v in valid.values()),
        rated=len(latest),
        thumbs_up=sum(rating == "up" for rating in latest.values()),
        edited=len(edited),
    )
