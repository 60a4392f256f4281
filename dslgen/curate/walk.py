"""`dslgen curate review`: walk the candidates one by one in the terminal.

Each candidate shows its instruction, the output to judge (the user's edit if there is one, else
the generated output), the edit as a unified diff against the generated output, and the validator
report. Keys are read as lines (click.prompt), so a session can be driven by scripted input:
a accept (asks score and category) · r reject · e edit in $EDITOR, re-validate · s skip · q quit.

Every decision is stored the moment it is made, so the walk is resumable: a rerun starts with the
next unreviewed candidate; skipped ones come back next time. Accept runs the same path as
`dslgen curate promote`; a refused accept (invalid, leaking, duplicate) is shown and the same
candidate is asked again (e to fix it, r to reject, s to skip).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from dslgen.curate.candidates import next_candidate
from dslgen.curate.decisions import check_output, gold_output, promote, reject
from dslgen.curate.hygiene import Hygiene
from dslgen.curate.records import Candidate, CandidateFilter
from dslgen.curate.reviews import ReviewStore
from dslgen.errors import ExampleRefusedError, ReviewInputError

KEYS = ("a", "r", "e", "s", "q")
KEY_PROMPT = "[a]ccept [r]eject [e]dit [s]kip [q]uit"


@dataclass
class WalkTally:
    """What a session did."""

    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    refused: int = 0

    def summary(self) -> str:
        return (
            f"accepted {self.accepted}, rejected {self.rejected}, skipped {self.skipped}, "
            f"refused {self.refused}"
        )


@dataclass
class ReviewWalk:
    """One interactive session. `hygiene_for(domain)` builds the checks of a domain (called
    once per domain, at its first accept, since a corpus takes seconds to sign)."""

    reviews: ReviewStore
    filters: CandidateFilter
    reviewer: str
    hygiene_for: Callable[[str], Hygiene]
    console: Console = field(default_factory=lambda: Console(highlight=False))
    tally: WalkTally = field(default_factory=WalkTally)
    skipped: set[int] = field(default_factory=set)
    _hygiene: dict[str, Hygiene] = field(default_factory=dict)

    def run(self) -> WalkTally:
        """Walk until no candidate is left or the reviewer quits (q, or end of input)."""
        try:
            while True:
                candidate = next_candidate(self.reviews, self.filters, exclude=self.skipped)
                if candidate is None:
                    self._say("no candidates left")
                    break
                if not self._decide(candidate):
                    break
        except click.Abort:  # end of input or Ctrl-C: what was decided is stored already
            self.console.print()
        return self.tally

    def _decide(self, candidate: Candidate) -> bool:
        """Show a candidate and ask until a decision, skip or quit; False on quit."""
        record = candidate.interaction
        text, source = gold_output(record)
        edit = record.latest_edit
        report = (edit.edited_report if edit is not None and source == "edit" else None) or (
            record.report
        )
        changed = False
        self._show(candidate, text, report)
        while True:
            key = click.prompt(KEY_PROMPT, type=click.Choice(KEYS), show_choices=False)
            if key == "q":
                return False
            if key == "s":
                self.skipped.add(record.id)
                self.tally.skipped += 1
                return True
            if key == "r":
                reject(self.reviews, record.id, reviewer=self.reviewer)
                self.tally.rejected += 1
                self._say(f"interaction {record.id}: rejected")
                return True
            if key == "e":
                edited = click.edit(text, extension=_suffix(record.domain))
                if edited is None or edited == text:
                    self._say("no change")
                    continue
                text, changed = edited, True
                checked = check_output(record, text)
                self._show_diff(record.output, checked.text)
                self._show_report(checked.report.to_json())
                continue
            if self._accept(candidate, text if changed else None):
                return True

    def _accept(self, candidate: Candidate, edited: str | None) -> bool:
        """Ask score and category and promote; False (shown) when the promotion is refused."""
        record = candidate.interaction
        score = click.prompt("score (1-10)", type=click.IntRange(1, 10))
        category = click.prompt("category (a level such as unit, or a topic)", type=str)
        try:
            done = promote(
                self.reviews,
                record.id,
                score=score,
                category=category,
                hygiene=self._hygiene_of,
                reviewer=self.reviewer,
                output=edited,
            )
        except ExampleRefusedError as exc:
            self.tally.refused += 1
            self._say(f"refused: {exc}", "bold red")
            return False
        except ReviewInputError as exc:  # e.g. a category too long: say so and ask again
            self._say(f"error: {exc}", "bold red")
            return False
        for flag in done.flags:
            self._say(f"warning: {flag.message}", "yellow")
        self.tally.accepted += 1
        self._say(f"interaction {record.id}: accepted (score {score}, {category})")
        return True

    def _hygiene_of(self, domain: str) -> Hygiene:
        if domain not in self._hygiene:
            self._hygiene[domain] = self.hygiene_for(domain)
            for warning in self._hygiene[domain].warnings:
                self._say(f"warning: {warning}", "yellow")
        return self._hygiene[domain]

    def _say(self, message: str, style: str = "") -> None:
        """One message, never wrapped mid-sentence (the terminal wraps it)."""
        self.console.print(Text(message, style=style), soft_wrap=True)

    def _show(self, candidate: Candidate, text: str, report: dict[str, Any]) -> None:
        record = candidate.interaction
        title = (
            f"interaction {record.id} · {candidate.signal} · {record.domain} · "
            f"{record.created_at:%Y-%m-%d %H:%M}"
        )
        self.console.rule(Text(title))
        self.console.print(Panel(Text(record.instruction), title="instruction", expand=False))
        shown = "edit" if record.latest_edit is not None else "generated output"
        self.console.print(Panel(_code(text, record.domain), title=shown))
        if record.latest_edit is not None:
            self._show_diff(record.output, text)
        self._show_report(report)

    def _show_diff(self, before: str, after: str) -> None:
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                "generated",
                "edit",
            )
        )
        body = Syntax(diff, "diff", word_wrap=True) if diff else Text("(identical)")
        self.console.print(Panel(body, title="edit vs generated"))

    def _show_report(self, report: dict[str, Any]) -> None:
        errors = report.get("errors", [])
        verdict = "valid" if report.get("valid") else "NOT VALID"
        if not errors:
            self.console.print(
                Text(f"report: {verdict}", style="green" if verdict == "valid" else "red")
            )
            return
        table = Table(title=f"report: {verdict}", title_justify="left")
        for column in ("class", "line", "message", "hint"):
            table.add_column(column)
        for error in errors:
            table.add_row(
                *(Text(str(error.get(k, ""))) for k in ("class", "line", "message", "hint"))
            )
        self.console.print(table)


def _suffix(domain: str) -> str:
    from dslgen.domain import shared_domain

    return str(shared_domain(domain).script_suffix)


def _code(text: str, domain: str) -> Syntax:
    lexer = Syntax.guess_lexer(f"output{_suffix(domain)}", text)
    return Syntax(text, lexer, line_numbers=True, word_wrap=True)
