"""Build a catalog from the Tcl sources that define the procs (`dslgen catalog extract`).

A team's procs are documented where they are written, so the catalog is read off the comment block
directly above each `proc` (no blank line between) instead of being typed twice. Convention:

    # Route a net on a metal layer.           <- text before the first tag: the summary
    # @flag -net net required an existing net
    # @flag -layer enum(M1|M2|M3) required metal layer
    # @flag -width float[0.05,2.0] default=0.1 unit=um wire width
    # @flag -count int[1,64] default=1
    # @flag -file path(.def|.odb) required
    # @returns the net name
    # @effects nets[NET].route = {layer, width}
    # @requires_design
    # @example my::route -net CLK -layer M3   <- repeatable
    # @note anything                          <- repeatable
    # @deprecated 1.0 my::route               <- SINCE [REPLACEMENT]
    # @private                                <- leave the proc out of the catalog
    proc my::route {args} { ... }

`@flag -NAME TYPE [required] [default=V] [unit=U] [DOC...]`. TYPE is one of net, name, string,
path, float, int, net_list, layer_range, target; `path(.a|.b)` (allowed suffixes); `enum(a|b|c)`;
`float[min,max]` / `int[min,max]` where either bound may be empty (`float[0,]`) and `(` in place
of `[` makes the lower bound exclusive (`float(0,10]`). A comment line that is not a tag continues
the previous tag (or the summary). Procs whose last name part starts with `_` are private too.
Procs are found at top level and inside `namespace eval NAME {...}` (nested, names qualified).

Without `@flag` lines the Tcl argument list is used: each named argument becomes a flag `-NAME`
typed `string`, required unless it has a default (`{orient N}`); a trailing `args` gives no flag.
Both are reported in `untyped`, as is every malformed tag (file:line and what is wrong); a
malformed `@flag` is kept typed as `string` so the catalog stays usable. Only an
unreadable file (InputFileError) or one that is not Tcl (CatalogError, file:line) is an error.

Merge over a base (the full rule is in docs/catalog-extract.md): base procs the sources do not
define stay; a source proc overrides its base proc field by field wherever the source documents
the field (non-empty text or list, @deprecated given, @requires_design only turns it on). With
@flag lines the source's flag list wins (a flag with no doc/unit keeps the base flag's); without,
the base's flags stay. The rest of the catalog is the base's. Procs are written sorted by name.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import tkinter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dslgen.catalog.model import ArgSpec, Catalog, Deprecation, ProcSpec
from dslgen.errors import CatalogError, InputFileError
from dslgen.tcl.engine import tcl
from dslgen.tcl.words import Command, TclParseError, TclSource

_TAG = re.compile(r"^@(\w+)\s*(.*)$")
_DECORATION = re.compile(r"^[-=*#~_\s]*$")  # `# ------` ruler lines carry no text
_OPTION = re.compile(r"^(required$|default=|unit=)")
_FLAG = re.compile(r"^-[A-Za-z][A-Za-z0-9_]*$")
_LISTED = re.compile(r"^(enum|path)\((.*)\)$")
_RANGE = re.compile(r"^(float|int)([\[(])([^,]*),([^,]*)([\])])$")
_SIMPLE_TYPE = re.compile(r"^(net|name|string|path|float|int|net_list|layer_range|target)$")
_TYPE_HELP = "expected net, name, string, path(...), enum(a|b), float[min,max] or int[min,max]"


@dataclass
class ExtractResult:
    """The merged catalog, the sentences about what could not be typed, and the procs seen."""

    catalog: Catalog
    untyped: list[str]
    procs_found: list[str]


@dataclass
class _Found:
    """One proc read from a source; `arg_notes` apply only if its argument-list flags are used."""

    spec: ProcSpec
    where: str
    documented_args: bool
    notes: list[str] = field(default_factory=list)
    arg_notes: list[str] = field(default_factory=list)


def extract_catalog(
    paths: list[Path], base: Catalog | None = None, domain: str = "pdflow"
) -> ExtractResult:
    """Read every proc of `paths` and merge them over `base` (or an empty catalog of `domain`)."""
    found: dict[str, _Found] = {}
    order: list[str] = []
    for path in paths:
        for name, proc in _procs_in_file(Path(path)):
            if name in found:
                proc.notes.insert(
                    0, f"{proc.where}: {name}: redefined, {found[name].where} ignored"
                )
            found[name] = proc
            order.append(name)
    catalog = base if base is not None else Catalog(domain=domain)
    procs, untyped = dict(catalog.procs), []
    for name, proc in found.items():
        procs[name] = _merge_proc(name, catalog.procs.get(name), proc, untyped)
    merged = catalog.model_copy(update={"procs": dict(sorted(procs.items()))})
    return ExtractResult(merged, untyped, order)


def write_catalog(catalog: Catalog, path: Path) -> None:
    """Write atomically (temp file + os.replace): a failed write never leaves half a catalog."""
    path, tmp = Path(path), None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(catalog.to_json_text())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        raise InputFileError(f"{path}: cannot write catalog: {exc}") from exc


# -- reading sources -------------------------------------------------------------------------
def _procs_in_file(path: Path) -> list[tuple[str, _Found]]:
    """All procs of one file; a Tcl syntax error is a CatalogError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read Tcl source: {exc}") from exc
    source, lines = TclSource(text), text.splitlines()
    try:
        return list(_walk(source, source.commands(), "", lines, path))
    except TclParseError as exc:
        raise CatalogError(f"{path}:{exc.line}: not valid Tcl: {exc.message}") from exc


def _walk(
    source: TclSource, commands: list[Command], ns: str, lines: list[str], path: Path
) -> Iterator[tuple[str, _Found]]:
    """Yield (name, proc) for `proc` commands, descending into `namespace eval NAME {body}`."""
    for cmd in commands:
        words = [w.literal for w in cmd.words]
        if len(words) == 4 and words[:2] == ["namespace", "eval"] and words[2]:
            inner = _qualify(ns, words[2])
            yield from _walk(source, source.body(cmd.words[3]), inner, lines, path)
        elif len(words) == 4 and words[0] == "proc" and words[1] and words[2] is not None:
            name = _qualify(ns, words[1])
            proc = _read_proc(name, words[2], cmd.line, lines, path)
            if proc is not None:
                yield name, proc


def _qualify(ns: str, name: str) -> str:
    """Tcl name resolution for definitions: `::x` is absolute, anything else is under `ns`."""
    if name.startswith("::"):
        return name.lstrip(":")
    return f"{ns}::{name}" if ns else name


def _read_proc(name: str, arglist: str, line: int, lines: list[str], path: Path) -> _Found | None:
    where = f"{path}:{line}"
    proc = _Found(ProcSpec(), where, documented_args=False)
    doc = _parse_doc(_comment_block(lines, line), name, path, proc.notes)
    if doc.pop("private", False) or name.rsplit("::", 1)[-1].startswith("_"):
        return None
    if doc["args"]:
        proc.documented_args = True
    else:
        doc["args"] = _arglist_flags(name, arglist, where, proc.arg_notes)
    proc.spec = ProcSpec(**doc)
    return proc


def _comment_block(lines: list[str], line: int) -> list[tuple[int, str]]:
    """(line number, text) of the `#` lines directly above line `line`, `#` marks removed."""
    start = line - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        if lines[start - 1].lstrip().startswith("#!"):
            break
        start -= 1
    return [(i + 1, lines[i].strip().lstrip("#").strip()) for i in range(start, line - 1)]


# -- the comment convention ------------------------------------------------------------------
def _parse_doc(
    block: list[tuple[int, str]], name: str, path: Path, notes: list[str]
) -> dict[str, Any]:
    """The ProcSpec fields a comment block documents (plus `private`), problems into `notes`."""
    summary: list[str] = []
    tags: list[list[Any]] = []  # [line, tag, text]
    for lineno, text in block:
        if _DECORATION.match(text):
            continue
        match = _TAG.match(text)
        if match:
            tags.append([lineno, match[1], match[2].strip()])
        elif tags:
            tags[-1][2] = f"{tags[-1][2]} {text}".strip()
        else:
            summary.append(text)
    doc: dict[str, Any] = {"summary": " ".join(summary), "args": [], "examples": [], "notes": []}
    for lineno, tag, text in tags:
        _apply_tag(doc, tag, text, f"{path}:{lineno}: {name}", notes)
    return doc


def _apply_tag(doc: dict[str, Any], tag: str, text: str, where: str, notes: list[str]) -> None:
    if tag == "flag":
        arg = _parse_flag(text, where, notes)
        if arg is not None and any(a.flag == arg.flag for a in doc["args"]):
            notes.append(f"{where} {arg.flag}: documented twice, the first @flag is kept")
        elif arg is not None:
            doc["args"].append(arg)
    elif tag in ("returns", "effects"):
        doc[tag] = text
    elif tag in ("example", "note"):
        doc[tag + "s"].append(text)
    elif tag in ("requires_design", "private"):
        doc[tag] = True
    elif tag == "deprecated" and text:
        since, _, replacement = text.partition(" ")
        doc["deprecated"] = Deprecation(since=since, replacement=replacement.strip() or None)
    elif tag == "deprecated":
        notes.append(f"{where}: @deprecated needs a version (@deprecated SINCE [REPLACEMENT])")
    else:
        notes.append(f"{where}: unknown tag @{tag}, ignored")


def _parse_flag(text: str, where: str, notes: list[str]) -> ArgSpec | None:
    """One `@flag` line; a bad type, default or range is reported and the flag typed string."""
    tokens = text.split()
    if len(tokens) < 2 or not _FLAG.match(tokens[0]):
        notes.append(f"{where}: malformed @flag '{text}' (expected '-NAME TYPE ...'), ignored")
        return None
    flag, given = tokens[0], list(takewhile(_OPTION.match, tokens[2:]))
    options = dict(token.partition("=")[::2] for token in given)
    base = {"flag": flag, "required": "required" in options, "unit": options.get("unit") or None}
    base["doc"] = " ".join(tokens[2 + len(given) :])
    try:
        typed = _parse_type(tokens[1])
        if "default" in options:
            typed["default"] = _convert_default(options["default"], typed)
        return ArgSpec(**base, **typed)
    except (ValueError, ValidationError) as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        notes.append(f"{where} {flag}: {reason}, typed as string")
        return ArgSpec(type="string", **base)


def _parse_type(text: str) -> dict[str, Any]:
    """TYPE of an @flag line as ArgSpec fields; ValueError says what is wrong."""
    if _SIMPLE_TYPE.match(text):
        return {"type": text}
    listed = _LISTED.match(text)
    if listed:
        items = listed[2].split("|")
        if not all(items):
            raise ValueError(f"empty item in '{text}'")
        return {"type": listed[1], "values" if listed[1] == "enum" else "suffixes": items}
    ranged = _RANGE.match(text)
    if not ranged:
        raise ValueError(f"unknown type '{text}' ({_TYPE_HELP})")
    kind, opening, low, high, closing = ranged.groups()
    if closing == ")":
        raise ValueError(f"exclusive upper bound in '{text}' is not supported, use ']'")
    lo, hi = (_number(b, kind, f"bound of '{text}'") if b.strip() else None for b in (low, high))
    if opening == "(" and lo is None:
        raise ValueError(f"'(' in '{text}' makes the lower bound exclusive but there is none")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"bad range '{text}': min {low} is above max {high}")
    return {"type": kind, "min": lo, "max": hi, "min_exclusive": opening == "("}


def _number(text: str, kind: str, what: str) -> int | float:
    """`text` as an int or a finite float; ValueError names `what` it was meant to be."""
    try:
        value = int(text) if kind == "int" else float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise ValueError(
            f"{what} '{text.strip()}' is not {'an int' if kind == 'int' else 'a float'}"
        )
    return value


def _convert_default(text: str, typed: dict[str, Any]) -> str | float | int:
    """The default in the flag's own type, so the catalog holds 0.1 and 1, not "0.1" and "1"."""
    kind = typed["type"]
    if kind == "enum" and text not in typed["values"]:
        raise ValueError(f"default '{text}' is not one of {'|'.join(typed['values'])}")
    if kind not in ("int", "float"):
        return text
    value = _number(text, kind, "default")
    low, high = typed.get("min"), typed.get("max")
    too_low = low is not None and (value < low or (value == low and typed["min_exclusive"]))
    if too_low or (high is not None and value > high):
        raise ValueError(f"default {text} is outside the range")
    return value


def _arglist_flags(name: str, arglist: str, where: str, notes: list[str]) -> list[ArgSpec]:
    """Flags from a Tcl argument list (`inst cell {orient N}`), typed string: reported."""
    try:
        params = [p for p in map(tcl().splitlist, tcl().splitlist(arglist)) if p]
    except tkinter.TclError as exc:
        raise CatalogError(f"{where}: {name}: argument list is not a Tcl list: {exc}") from exc
    flags: list[ArgSpec] = []
    for index, (arg, *default) in enumerate(params):
        if arg == "args" and index == len(params) - 1:
            notes.append(f"{where}: {name}: takes 'args' and has no @flag docs: no flags known")
            continue
        try:
            required, value = not default, default[0] if default else None
            flags.append(ArgSpec(flag=f"-{arg}", type="string", required=required, default=value))
            notes.append(f"{where}: {name} -{arg}: no @flag doc, typed as string")
        except ValidationError:
            notes.append(f"{where}: {name} {arg}: not usable as a flag name, skipped")
    return flags


# -- merging ---------------------------------------------------------------------------------
def _merge_proc(name: str, old: ProcSpec | None, proc: _Found, untyped: list[str]) -> ProcSpec:
    """Source over base, field by field (the rule of the module docstring)."""
    untyped.extend(proc.notes)
    new = proc.spec
    if old is None:
        untyped.extend(proc.arg_notes)
        return new
    if proc.documented_args:
        args = [_keep_base_doc(arg, old.arg(arg.flag)) for arg in new.args]
    elif old.args:
        args = old.args
        untyped.append(
            f"{proc.where}: {name}: no @flag docs, kept the base catalog's {len(args)} flag(s)"
        )
    else:
        args = new.args
        untyped.extend(proc.arg_notes)
    fields = ("summary", "returns", "effects", "requires_design", "examples", "notes", "deprecated")
    return ProcSpec(args=args, **{f: getattr(new, f) or getattr(old, f) for f in fields})


def _keep_base_doc(arg: ArgSpec, old: ArgSpec | None) -> ArgSpec:
    if old is None:
        return arg
    return arg.model_copy(update={"doc": arg.doc or old.doc, "unit": arg.unit or old.unit})
