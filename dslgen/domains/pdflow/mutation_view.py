"""What the pdflow mutators see of a valid script: every command with whether it surely runs,
the DSL statements, the names in use, and text edits that keep everything else as it was.

Kept apart from the mutation families (`mutate.py`): the families decide *which* mistake to make,
the view knows *where* one can go and how to write it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dslgen.catalog.model import Catalog
from dslgen.domains.pdflow.dsl import DslSyntaxError, Statement, parse_block
from dslgen.tcl.walk import expression_words, script_words
from dslgen.tcl.words import Command, TclSource, Word

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Site:
    command: Command
    certain: bool  # runs whenever the script runs, so a run-time mistake here surely fires
    top: bool


class ScriptView:
    """The valid source as the mutators need it: every command, the DSL statements, names in use."""

    def __init__(self, text: str, catalog: Catalog, fixture: dict[str, Any] | None) -> None:
        self.text, self.catalog, self.lines = text, catalog, text.split("\n")
        self.source = TclSource(text)
        self.top = self.source.commands()
        self.called = {c.name for c in self.top}
        self.sites = list(self._walk(self.top, True, True))
        self.fixture_nets: dict[str, str] = dict((fixture or {}).get("design_nets", {}))
        self.names = set(IDENT.findall(text)) | set(self.fixture_nets)
        self.helpers = {s.command.words[1].literal or "" for s in self.sites if is_proc(s.command)}
        self.statements = [st for s in self.sites for st in self._statements(s)]
        self.load = next((s for s in self.calls("my::load_design") if self.standalone(s)), None)

    def _walk(self, commands: list[Command], certain: bool, top: bool) -> Iterator[Site]:
        """Like dslgen.tcl.walk.walk, also telling whether each command surely runs."""
        for c in commands:
            yield Site(c, certain, top)
            for w in c.words:
                yield from self._walk(w.scripts, certain, False)
            for w in expression_words(c):
                if w.kind == "braced":
                    yield from self._walk(self.source.substitutions(w), certain, False)
            runs = (c.name == "foreach" and len(c.words) == 4 and bool(c.words[2].literal)) or (
                is_proc(c) and c.words[1].literal in self.called
            )
            for w in script_words(c):
                if w.kind == "braced" or w.literal is not None:
                    yield from self._walk(self.source.body(w), certain and runs, False)

    def _statements(self, site: Site) -> Iterator[tuple[int, Statement, bool]]:
        """(script line, statement, surely runs) for each statement of a `dsl { }` block."""
        c = site.command
        if c.name == self.catalog.dsl_command and len(c.words) == 2 and "\\\n" not in c.text:
            for st in parse_block(c.words[1].literal or ""):
                yield c.words[1].line + st.line - 1, st, site.certain

    def calls(self, *names: str) -> list[Site]:
        """Sites of the named catalog procs (all of them when none is named; never deprecated)."""
        procs = self.catalog.procs
        wanted = names or tuple(n for n, p in procs.items() if not p.deprecated)
        return [s for s in self.sites if s.command.name in wanted]

    def standalone(self, site: Site) -> bool:
        """A top-level command alone on its line with literal words: safe to copy, move, delete."""
        c = site.command
        alone = self.lines[c.line - 1].strip() == c.text.strip()
        return site.top and alone and all(w.literal is not None for w in c.words)

    def sub(self, start: int, end: int, new: str) -> str:
        return self.text[:start] + new + self.text[end:]

    def word(self, w: Word, new: str) -> str:
        """The text with word `w` replaced (with the blanks before it, when `new` is empty)."""
        start = len(self.text[: w.start].rstrip(" \t")) if not new else w.start
        return self.sub(start, w.end, new)

    def line_end(self, c: Command) -> int:
        return self.source.line_of(max(c.end - 1, c.start))

    def with_lines(self, n: int, new: list[str]) -> str:
        """The text with line `n` (1-based) replaced by `new` (none: deleted)."""
        return "\n".join(self.lines[: n - 1] + new + self.lines[n:])

    def insert_after(self, n: int, new: str) -> str:
        return self.with_lines(n, [self.lines[n - 1], new])

    def edit_line(
        self, n: int, pattern: str, repl: str, dsl_breaks: bool | None = None
    ) -> str | None:
        """Line `n` with `pattern` replaced once; for a DSL statement line, only if it still parses
        (or, with dsl_breaks, only if it no longer does) — so a value edit never breaks syntax."""
        line = self.lines[n - 1]
        changed = re.sub(pattern, repl, line, count=1)
        if changed == line:
            return None
        if dsl_breaks is not None and statement_parses(changed) in (None, dsl_breaks):
            return None
        return self.with_lines(n, [changed])


def statement_parses(line: str) -> bool | None:
    """Whether one statement line parses; None when it is not a lone statement (leave it be)."""
    core = re.sub(r"^\s*dsl\s*\{|\}\s*$", "", line)  # a one-line `dsl { rule ... }`
    if "{" in core or "}" in core:
        return None
    try:
        parse_block(core)
    except DslSyntaxError:
        return False
    return True


def is_proc(c: Command) -> bool:
    return c.name == "proc" and len(c.words) == 4


def word_pairs(c: Command) -> list[tuple[Word, Word | None]]:
    words = c.words[1:]
    return [
        (words[i], words[i + 1] if i + 1 < len(words) else None) for i in range(0, len(words), 2)
    ]
