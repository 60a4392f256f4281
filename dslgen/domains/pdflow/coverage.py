"""How much of a request a pdflow script does, and what it does that nobody asked for.

A valid script can still be the wrong answer: it may leave out the net the request names, or add
a `my::save_design` nobody asked for, or be the two header lines padded with comments. Selection
(dslgen.decode.selection) ranks candidates by this coverage before execution consensus, so such
a script loses to one that does the task.

Only code counts: comment lines and `puts` text are dropped first, so a comment that copies the
request covers nothing.
"""

from __future__ import annotations

import re
from typing import Any

from dslgen.catalog.model import Catalog
from dslgen.domains.pdflow.mentions import PREREQUISITES, Mentions, find_mentions
from dslgen.records import Coverage

_TOKEN = re.compile(r"[A-Za-z0-9_.\-]+")
_NUMBER = re.compile(r"(?P<number>\d+(?:\.\d+)?|\.\d+)(?P<unit>[a-z]+)?")
_FILE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]*\.[A-Za-z][A-Za-z0-9]{0,3}")
_TOLERANCE = 1e-9


def script_code(text: str, header: list[str]) -> list[str]:
    """The script's command lines: no header, comments, `puts` or blank lines."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped in header or stripped.startswith(("#", "//", "puts ")):
            continue
        lines.append(stripped)
    return lines


def _features(
    code: list[str], catalog: Catalog
) -> tuple[set[str], set[str], list[float], set[str]]:
    """Words, files, numbers (as written and normalised to the catalog's base unit) and actions."""
    scales = catalog.policy.length_units or {}
    words: set[str] = set()
    files: set[str] = set()
    numbers: list[float] = []
    actions: set[str] = set()
    for line in code:
        for token in _TOKEN.findall(line.replace("..", " ")):
            if _FILE.fullmatch(token) and not _NUMBER.fullmatch(token):
                files.add(token)
                continue
            number = _NUMBER.fullmatch(token)
            if number:
                value = float(number["number"])
                numbers.append(value)
                if number["unit"] in scales:
                    numbers.append(value * scales[number["unit"]])
                continue
            words.add(token.lstrip("@"))
        words.update(f"{p}:" for p in re.findall(r"\b([a-z_]+):(?!:)", line))
        first = line.split()[0] if line.split() else ""
        if first in catalog.procs:
            actions.add(first)
        if first in catalog.dsl:
            actions.add(f"dsl:{first}")
        actions.update(v for v in catalog.variables if v in line)
    # a value left at its default is still the value asked for ("1 x BUF_X4": no -count)
    numbers += [
        float(arg.default)
        for name in actions & set(catalog.procs)
        for arg in catalog.procs[name].args
        if isinstance(arg.default, int | float)
    ]
    return words, files, numbers, actions


def _has_number(
    numbers: list[float], value: float, scales: dict[str, float], unit: str | None
) -> bool:
    wanted = {value}
    if unit in scales:
        wanted |= {value * scales[unit] / scale for scale in scales.values()}
    return any(abs(n - w) <= _TOLERANCE * max(1.0, abs(w)) for n in numbers for w in wanted)


def script_coverage(
    instruction: str, text: str, catalog: Catalog, fixture: dict[str, Any] | None = None
) -> Coverage:
    """The coverage of `instruction` by the script `text` (see `dslgen.records.Coverage`)."""
    mentions = find_mentions(instruction, catalog, fixture)
    code = script_code(text, catalog.policy.required_header)
    words, files, numbers, actions = _features(code, catalog)
    return _compare(mentions, words, files, numbers, actions, bool(code), catalog)


def _compare(
    mentions: Mentions,
    words: set[str],
    files: set[str],
    numbers: list[float],
    actions: set[str],
    acts: bool,
    catalog: Catalog,
) -> Coverage:
    scales = catalog.policy.length_units or {}
    names = [n for n in mentions.names if n not in mentions.enum_values]
    written_or_default = words | _defaults(catalog)
    wanted = (
        [(f"file {f}", f in files) for f in mentions.files]
        + [(f"name {n}", n in words) for n in names]
        + [
            (f"value {'|'.join(sorted(group))}", bool(group & written_or_default))
            for group in mentions.enum_groups
        ]
        + [
            (f"number {q.value:g}{q.unit or ''}", _has_number(numbers, q.value, scales, q.unit))
            for q in mentions.quantities
        ]
        + [(f"action {a}", _done(a, actions, words)) for a in sorted(mentions.actions)]
    )
    known_names = set(mentions.names) | set(mentions.fixture_nets)
    enum_words = {v for vs in catalog.enums.values() for v in vs}
    invented = sorted(
        {f"file {f}" for f in files - set(mentions.files)}
        | {
            f"name {w}"
            for w in words
            if _looks_like_name(w) and w not in known_names and w not in enum_words
        }
        | {f"action {a}" for a in actions - mentions.actions - PREREQUISITES}
    )
    return Coverage(
        named=len(wanted),
        covered=sum(hit for _, hit in wanted),
        missing=[what for what, hit in wanted if not hit],
        unasked=invented,
        acts=acts,
    )


def _done(action: str, actions: set[str], words: set[str]) -> bool:
    """An action is done by its proc, variable or DSL statement, or by a DSL property of its
    name (`shield` asked for: `my::shield` or a rule's `shield: VSS`)."""
    return action in actions or f"{action.rsplit(':', 1)[-1]}:" in words


def _defaults(catalog: Catalog) -> set[str]:
    """Enum values a script gets without writing them (the catalog's defaults)."""
    defaults = {str(a.default) for p in catalog.procs.values() for a in p.args if a.default}
    return defaults | {str(v.default) for v in catalog.variables.values() if v.default}


def _looks_like_name(word: str) -> bool:
    """A word of a script that is a design name (a net, an instance, a rule id), not Tcl syntax,
    a flag, a proc, a keyword or a number."""
    return (
        not word.startswith(("-", "my::", "::", "$"))
        and any(c.isupper() for c in word)
        and bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word))
    )
