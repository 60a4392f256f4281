"""Promote an interaction to a curated example, or reject it.

A promoted example is a training example *and* a functional test, so its gold output must
validate and execute with the interaction's domain and fixture: the stored review carries the
validator report and the executed state, which export writes as the expected state. The gold
output is, in order: a file the reviewer gives, else the user's latest edit, else the generated
output. It is redacted *before* it is validated, so what is stored is exactly what validated.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dslgen.curate.hygiene import Hygiene
from dslgen.curate.records import HygieneFlag, ReviewRecord, curated_id
from dslgen.curate.reviews import ReviewStore, check_decision
from dslgen.errors import CurationError, InputFileError, InvalidExampleError
from dslgen.paths import current_user
from dslgen.records import Report
from dslgen.store.records import InteractionRecord
from dslgen.store.redact import redact_text

REVIEWER_ENV = "DSLGEN_REVIEWER"
SHOWN_ERRORS = 3
SOURCE_NAMES = {
    "file": "the given gold output",
    "edit": "the user's latest edit",
    "generated": "the generated output",
}


def default_reviewer() -> str:
    """`$DSLGEN_REVIEWER`, else the login name, else "unknown" (a container without a user)."""
    name = os.environ.get(REVIEWER_ENV, "").strip()
    if name:
        return name
    return current_user()


def read_gold_file(path: Path) -> str:
    """The text of a reviewer's fixed output; InputFileError naming the file otherwise."""
    from dslgen.validate.files import read_script

    text, error = read_script(path)
    if text is None:
        reason = error.message if error else "unreadable"
        raise InputFileError(f"--output {path}: {reason}; give the file with the fixed output")
    return text


def gold_output(record: InteractionRecord, override: str | None = None) -> tuple[str, str]:
    """(text, where it came from): the override ("file"), the latest edit, or the output."""
    if override is not None:
        return override, "file"
    edit = record.latest_edit
    if edit is not None and edit.edited_output is not None:
        return edit.edited_output, "edit"
    return record.output, "generated"


@dataclass(frozen=True)
class CheckedOutput:
    """A gold output with its validator report, as promotion needs it."""

    text: str
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.valid and self.report.state is not None

    def problem(self) -> str:
        """What is wrong, in a few words plus the report's first errors; "" when ok."""
        if self.ok:
            return ""
        errors = self.report.errors[:SHOWN_ERRORS]
        if not errors:
            return "validates but does not execute to a state"
        listed = "; ".join(f"{e.cls} line {e.line}: {e.message}" for e in errors)
        more = len(self.report.errors) - len(errors)
        return f"does not validate ({listed}{f'; and {more} more' if more > 0 else ''})"


def check_output(record: InteractionRecord, text: str) -> CheckedOutput:
    """Validate and execute `text` (redacted first) with the interaction's domain and fixture."""
    from dslgen.domain import get_domain

    domain = get_domain(record.domain)
    fixture = domain.request_fixture(record.instruction, record.fixture)
    text = redact_text(text)
    return CheckedOutput(text, domain.validate(text, fixture))


@dataclass(frozen=True)
class Promotion:
    """A stored accept: the review, where its gold output came from ("file", "edit",
    "generated"), its hygiene flags, and what the checks could not do (warnings)."""

    review: ReviewRecord
    source: str
    flags: list[HygieneFlag] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def promote(
    reviews: ReviewStore,
    interaction_id: int,
    *,
    score: int,
    category: str,
    hygiene: Hygiene | Callable[[str], Hygiene] | None = None,
    reviewer: str | None = None,
    output: str | None = None,
    force_duplicate: bool = False,
    comment: str | None = None,
) -> Promotion:
    """Check and store an accept decision. Raises InteractionNotFoundError (no such id),
    ReviewInputError (score/category), InvalidExampleError (does not validate or execute),
    EvalLeakageError (an eval task), DuplicateExampleError (exact duplicate, not forced).
    Nothing is stored when it raises. `hygiene` is the checks of the interaction's domain, or a
    function building them from the domain's name (called only once the output is valid: a
    corpus takes seconds to sign); None builds them with the defaults (evals/<domain>, no
    corpus).
    """
    check_decision("accept", score, category)
    record = reviews.store.get(interaction_id)
    text, source = gold_output(record, output)
    checked = check_output(record, text)
    if not checked.ok:
        raise InvalidExampleError(
            f"interaction {interaction_id} cannot be promoted: {SOURCE_NAMES[source]} "
            f"{checked.problem()}; fix it (promote --output FILE, or e in curate review) or "
            "reject it"
        )
    state: dict[str, Any] = checked.report.state or {}
    hygiene = _hygiene_for(reviews, record.domain, hygiene)
    flags = hygiene.screen(
        interaction_id, record.instruction, checked.text, state, force_duplicate, record.fixture
    )
    review = reviews.record(
        interaction_id,
        "accept",
        reviewer or default_reviewer(),
        score=score,
        category=category,
        output=checked.text,
        report=checked.report.to_json(),
        executed_state=state,
        flags=flags,
        forced=any(f.kind.startswith("exact_duplicate") for f in flags),
        comment=comment,
    )
    hygiene.remember(curated_id(interaction_id), record.instruction, checked.text)
    return Promotion(review, source, flags, list(hygiene.warnings))


def _hygiene_for(
    reviews: ReviewStore, domain: str, given: Hygiene | Callable[[str], Hygiene] | None
) -> Hygiene:
    if given is None:
        return Hygiene.build(reviews, domain)
    hygiene = given if isinstance(given, Hygiene) else given(domain)
    if hygiene.domain != domain:
        raise CurationError(
            f"the hygiene checks were built for {hygiene.domain}, not for this {domain} "
            f"interaction; build them for {domain}"
        )
    return hygiene


def reject(
    reviews: ReviewStore,
    interaction_id: int,
    *,
    reviewer: str | None = None,
    comment: str | None = None,
) -> ReviewRecord:
    """Store a reject decision (the interaction leaves the candidate list)."""
    return reviews.record(interaction_id, "reject", reviewer or default_reviewer(), comment=comment)
