"""Hard negatives for pdflow: realistic single mistakes in a valid script, labelled with a class.

Why not random token noise: a model learns to repair the mistakes it actually makes — a flag typo,
a layer one past the last, a net that was never created, a DSL rule without its colon — so every
mutation here is one such mistake, changes one thing, and says what it changed. The label is
what the validator reports first, predicted from its order rather than by calling it: syntax
errors alone, then DSL and policy errors together sorted by line, then the first run-time error.
Run-time mistakes go only into commands that surely run (top level, a literal `foreach`, a proc
called at top level), never into an `if` branch that may not be taken. The corpus builder
validates every negative and drops the few whose first error differs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

from dslgen.catalog.model import Catalog
from dslgen.catalog.values import format_number, nearest
from dslgen.domains.pdflow.dsl import DslSyntaxError
from dslgen.domains.pdflow.mutation_view import IDENT, ScriptView, is_proc, word_pairs
from dslgen.domains.pdflow.near_miss import beyond, near_enum, near_name, typo
from dslgen.records import Negative
from dslgen.taskgen import interleave_negatives
from dslgen.tcl.words import TclParseError

Candidate = tuple[str, str | None, str]  # (error class, mutated text or None, what changed)
CLASSES = (
    "tcl_syntax", "dsl_syntax", "missing_header", "unknown_proc", "forbidden_proc",
    "unknown_flag", "missing_flag", "bad_enum", "out_of_range", "bad_unit", "unknown_net",
    "duplicate_net", "duplicate_id", "undefined_group", "no_design", "runtime_limit",
)  # fmt: skip
_LENGTH = re.compile(r"^([0-9.]+)([a-z]+)$")
_FORBIDDEN_LINES = (
    "exec mkdir -p reports", "file mkdir reports", "set log [open route.log w]",
    "source setup.tcl", "cd reports", "package require Tcl 8.6",
)  # fmt: skip
_UNKNOWN_LINES = ("set t0 [clock seconds]", "after 100", "set defs [glob *.def]", "lassign $argv a")  # fmt: skip
# Names for the variables and proc of a never-ending loop: the first one the script does not use.
_FRESH = (("i", "k", "idx"), ("j", "m", "jdx"), ("todo", "pending", "queue"), ("retry", "redo", "again"))  # fmt: skip
# Procs a recursion may call forever without failing first (create_net and place would fail on repeat).
_REPEATABLE = ("my::route", "my::keepout", "my::shield", "my::add_buffer", "my::set_effort")


# -- one function per family of mistakes --------------------------------------------------------
def _tcl_syntax(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Unbalanced braces, quotes or brackets, `}x` glued words, and a misspelt `$variable`
    (reading an unset variable is a Tcl error, which the validator reports as tcl_syntax)."""
    for s in v.sites:
        words = s.command.words
        for i, w in enumerate(words):
            at = f"on line {v.source.line_of(w.end - 1)}"
            if w.kind == "braced" and "\n" in w.text:
                yield "tcl_syntax", v.sub(w.end - 1, w.end, ""), f"closing }} deleted {at}"
            if w.kind == "quoted":
                yield "tcl_syntax", v.sub(w.end - 1, w.end, ""), f'closing " deleted {at}'
            if w.kind == "bare" and w.scripts and w.text.endswith("]"):
                yield "tcl_syntax", v.sub(w.end - 1, w.end, ""), f"closing ] deleted {at}"
            gap = v.text[w.end : words[i + 1].start] if i + 1 < len(words) else ""
            if w.kind in ("braced", "quoted") and gap and not gap.strip(" \t"):
                new = v.sub(w.end, words[i + 1].start, "")
                yield "tcl_syntax", new, f"space after the closing {w.text[-1]} removed {at}"
            variables = re.finditer(r"\$([A-Za-z_]\w*)", w.text) if w.kind != "braced" else ()
            for m in variables if s.certain else ():
                new, start = near_name(m[1], v.names, rng), w.start + m.start(1)
                what = f"${m[1]} → ${new} (never set) on line {w.line}"
                yield "tcl_syntax", new and v.sub(start, start + len(m[1]), new), what


def _dsl_syntax(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Statements that no longer parse: a lost colon or comma, an unquoted ID, a bad keyword, a
    property given twice."""
    for line, st, _ in v.statements:
        first, last = st.properties[:1], st.properties[-1:]
        edits = [
            (r"\b(apply_to|nets):", r"\1", "colon of {} dropped"),
            (r",", "", "comma dropped in the net list"),
        ]
        edits += [(rf"\b{p.name}:", p.name, "colon of {} dropped") for p in first]
        edits += [(rf"\b{p.name}: ", f"{p.name}=", f"{p.name}: written as {p.name}=") for p in last]
        edits += [(r'"([^"]*)"', r"\1", "quotes of the ID dropped")]
        edits += [(rf"^(\s*){st.kind}\b", rf"\1{st.kind}s", f"keyword {st.kind} → {st.kind}s")]
        edits += [(r"\b(\d[\d.]*)(um|nm)\b", r"\1 \2", "space inside the length {}")]
        for pattern, repl, what in edits:
            m = re.search(pattern, v.lines[line - 1])
            new = m and v.edit_line(line, pattern, repl, dsl_breaks=True)
            yield "dsl_syntax", new, f"{what.format(m and m[0].strip())} on line {line}"
        for p in last if st.kind == "rule" else ():
            pattern = rf"(\b{p.name}:\s*{re.escape(p.value)})(?![\w.])"
            new = v.edit_line(line, pattern, rf"\1 {p.name}: {p.value}", dsl_breaks=False)
            yield "dsl_syntax", new, f"property {p.name}: given twice on line {line}"


def _header(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """The policy header: line 1 `#!/usr/bin/env tclsh`, then `package require pdflow 1.0`
    before any my:: call. A package other than pdflow 1.0 is forbidden_proc."""
    yield "missing_header", v.with_lines(1, []), "line 1 (#!/usr/bin/env tclsh) deleted"
    shebang = rng.choice(["#!/usr/bin/tclsh", "#!/bin/sh", "#!/usr/bin/env tclsh8.6"])
    yield "missing_header", v.with_lines(1, [shebang]), f"line 1 changed to {shebang}"
    yield "missing_header", v.with_lines(1, ["", v.lines[0]]), "blank line added above line 1"
    package = next((c for c in v.top if c.name == "package"), None)
    first = next((c for c in v.top if (c.name or "").startswith("my::")), None)
    if package is None or first is None or package.line == first.line:
        return
    n = package.line
    yield "missing_header", v.with_lines(n, []), f"line {n} (package require) deleted"
    moved = v.lines[: v.line_end(first)] + [package.text] + v.lines[v.line_end(first) :]
    del moved[n - 1]
    yield "missing_header", "\n".join(moved), f"package require moved below line {first.line}"
    version = rng.choice(["2.0", "1.1"])
    what = f"package require pdflow 1.0 → {version} on line {n}"
    yield "forbidden_proc", v.edit_line(n, r"1\.0", version), what


def _procs(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Unknown commands (a typo in a proc name, Tcl outside the allowed core) and forbidden ones
    (the deprecated my::legacy_route, exec, file, open, source, cd, other packages)."""
    policy = v.catalog.policy
    known = {*v.catalog.procs, *policy.allowed_commands, *policy.forbidden_commands, *v.helpers}
    for s in v.calls() + [s for s in v.sites if s.command.name in v.helpers | {"puts"}]:
        name, word, line = s.command.name or "", s.command.words[0], s.command.line
        new = rng.choice(["print", "echo"]) if name == "puts" else typo(name, rng, known)
        yield "unknown_proc", new and v.word(word, new), f"{name} → {new} on line {line}"
        if name == "my::route":
            what = f"my::route → my::legacy_route on line {line}"
            yield "forbidden_proc", v.word(word, "my::legacy_route"), what
    package = next((c for c in v.top if c.name == "package"), None)
    after = [c for c in v.top if package is not None and c.start > package.start]
    for cls, lines in (("forbidden_proc", _FORBIDDEN_LINES), ("unknown_proc", _UNKNOWN_LINES)):
        for line in lines if after else ():
            n = v.line_end(rng.choice(after))
            yield cls, v.insert_after(n, line), f"`{line}` inserted as line {n + 1}"


def _flags(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Flag typos, flags given twice or without their value, a required flag or its name left out
    (a value without its flag is also an unexpected argument, but missing_flag sorts first)."""
    for s in v.calls():
        c, spec = s.command, v.catalog.procs[s.command.name or ""]
        flags, at = [a.flag for a in spec.args], f"on line {s.command.line}"
        for flag_word, value in word_pairs(c):
            flag, arg = flag_word.literal or "", spec.arg(flag_word.literal or "")
            if arg is None or value is None:
                continue
            new = typo(flag, rng, set(flags), flags)
            yield "unknown_flag", new and v.word(flag_word, new), f"{flag} → {new} {at}"
            if arg.values and value.literal in arg.values:
                other = rng.choice([x for x in arg.values if x != value.literal])
                new = v.sub(c.words[-1].end, c.words[-1].end, f" {flag} {other}")
                yield "unknown_flag", new, f"{flag} given twice ({flag} {other} added) {at}"
            if not arg.required:
                continue
            start = len(v.text[: flag_word.start].rstrip(" \t"))
            yield "missing_flag", v.sub(start, value.end, ""), f"{flag} {value.text} removed {at}"
            if value.literal is not None and not value.text.startswith("-"):
                cls = "unknown_flag" if nearest(value.literal, flags) == flag else "missing_flag"
                what = f"flag name {flag} dropped before {value.text} {at}"
                yield cls, v.sub(start, value.start, " "), what
            if value is c.words[-1]:
                yield "missing_flag", v.word(value, ""), f"value of {flag} dropped {at}"
    for line, st, _ in v.statements:
        props = list(v.catalog.dsl[st.kind].properties)
        for p in st.properties:
            if st.kind == "rule":  # a layer's misspelt property is also missing: missing_flag
                new = typo(p.name, rng, set(props), props)
                edited = new and v.edit_line(line, rf"\b{p.name}:", f"{new}:", dsl_breaks=False)
                yield "unknown_flag", edited, f"property {p.name}: → {new}: on line {line}"
            elif st.kind == "layer":
                pattern = rf"\s+{p.name}:\s*{re.escape(p.value)}(?![\w.])"
                edited = v.edit_line(line, pattern, "", dsl_breaks=False)
                yield "missing_flag", edited, f"{p.name}: {p.value} removed on line {line}"


def _value_mistakes(
    spec: Any, raw: str, rng: random.Random, catalog: Catalog
) -> Iterator[tuple[str, str | None]]:
    """(class, wrong value) for one value: nearest-but-wrong enum, just out of range, bad unit."""
    units, layers = catalog.policy.length_units, catalog.enums.get("layer", [])
    length = _LENGTH.match(raw) if spec.type == "length" else None
    if spec.type == "enum":
        yield "bad_enum", near_enum(raw, spec.values or [], rng)
    elif spec.type == "path" and getattr(spec, "suffixes", None):
        yield "bad_enum", re.sub(r"\.\w+$", "", raw) + rng.choice([".v", ".gds", ".lef"])
    elif spec.type in ("int", "float") and re.fullmatch(r"[0-9.]+", raw):
        past = beyond(spec, rng)
        options = [format_number(past)] if past is not None else []
        yield "out_of_range", rng.choice(options + ([f"{raw}.5"] if spec.type == "int" else []))
        if spec.type == "float" and getattr(spec, "unit", None):
            yield "bad_unit", raw + spec.unit  # host numbers carry no unit
    elif length and length[2] in units:
        yield "bad_unit", rng.choice([length[1], length[1] + "mm", length[1] + "u"])
        past = beyond(spec, rng)
        yield "out_of_range", past and format_number(past / units[length[2]]) + length[2]
    elif spec.type == "layer_range" and ".." in raw:
        low, high = raw.split("..", 1)
        yield "bad_enum", f"{low}..{near_enum(high, layers, rng)}"
        yield "out_of_range", f"{high}..{low}" if low != high else None


def _values(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Wrong values of flags, catalog variables (`set ::tech::corner`) and DSL properties."""
    for s in v.sites:
        c, spec = s.command, v.catalog.procs.get(s.command.name or "")
        name = (
            (c.words[1].literal or "").lstrip(":") if c.name == "set" and len(c.words) == 3 else ""
        )
        var = v.catalog.variables.get("::" + name) if name else None
        pairs = [(c.words[1], c.words[2])] if var else word_pairs(c) if spec else []
        for flag, value in pairs:
            arg = var or (spec.arg(flag.literal or "") if spec else None)
            if arg is None or value is None or value.literal is None or value.kind != "bare":
                continue
            for cls, new in _value_mistakes(arg, value.literal, rng, v.catalog):
                what = f"{flag.literal} {value.literal} → {new} on line {c.line}"
                yield cls, new and v.word(value, new), what
    for line, st, _ in v.statements:
        props = v.catalog.dsl[st.kind].properties
        for p in (p for p in st.properties if p.name in props):
            for cls, new in _value_mistakes(props[p.name], p.value, rng, v.catalog):
                pattern = rf"\b{p.name}:(\s*){re.escape(p.value)}(?![\w.])"
                repl = rf"{p.name}:\g<1>{new}"
                edited = new and v.edit_line(line, pattern, repl, dsl_breaks=False)
                yield cls, edited, f"{p.name}: {p.value} → {new} on line {line}"
        if st.kind == "layer":
            new = near_enum(st.name, v.catalog.enums.get("layer", []), rng)
            pattern = rf"\blayer\s+{st.name}\b"
            edited = new and v.edit_line(line, pattern, f"layer {new}", dsl_breaks=False)
            yield "bad_enum", edited, f"layer {st.name} → {new} on line {line}"


def _nets(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Nets that do not exist (a near-miss name: CLK → CLK2, DATA_3 → DATA_4) and nets created a
    second time (a create_net repeated, or creating a net the design fixture already has)."""
    for s in (s for s in v.calls() if s.certain):
        spec = v.catalog.procs[s.command.name or ""]
        for flag, value in word_pairs(s.command):
            arg = spec.arg(flag.literal or "")
            if arg and arg.type == "net" and value and value.kind == "bare" and value.literal:
                new = near_name(value.literal, v.names, rng)
                what = f"-net {value.literal} → {new} (no such net) on line {s.command.line}"
                yield "unknown_net", new and v.word(value, new), what
    for line, st, certain in v.statements:
        target = [st.target] if st.target and st.target[0] not in "@*" else []
        names = target if st.kind == "rule" else st.nets
        old = rng.choice(names) if certain and names else ""
        new = near_name(old, v.names, rng) if old else None
        edited = new and v.edit_line(line, rf"(?<![\w@]){old}\b", new, dsl_breaks=False)
        yield "unknown_net", edited, f"net {old} → {new} (no such net) on line {line}"
    for s in v.sites:
        c = s.command
        if s.certain and c.name == "foreach" and len(c.words) == 4 and c.words[2].kind == "braced":
            var, body = c.words[1].literal, c.words[3].text
            items = list(IDENT.finditer(c.words[2].literal or ""))
            if items and f"-net ${var}" in body and f"-name ${var}" not in body:
                m = rng.choice(items)
                new, start = near_name(m[0], v.names, rng), c.words[2].content_start + m.start()
                what = f"loop item {m[0]} → {new} (no such net) on line {c.line}"
                yield "unknown_net", new and v.sub(start, start + len(m[0]), new), what
    for s in (s for s in v.calls("my::create_net") if v.standalone(s)):
        n = v.line_end(s.command)
        what = f"`{s.command.text}` on line {n} repeated as line {n + 1}"
        yield "duplicate_net", v.insert_after(n, s.command.text), what
    for net in rng.sample(sorted(v.fixture_nets), min(2, len(v.fixture_nets))) if v.load else ():
        new, n = f"my::create_net -name {net} -type {v.fixture_nets[net]}", v.load.command.line
        what = f"`{new}` inserted as line {n + 1} (the design already has {net})"
        yield "duplicate_net", v.insert_after(n, new), what


def _alone(v: ScriptView, line: int, kind: str) -> bool:
    """The line holds only this DSL statement, so it can be copied, moved or deleted."""
    text = v.lines[line - 1].strip()
    return text.startswith(kind + " ") and "{" not in text and "}" not in text


def _ids(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """IDs used twice (rules, groups, placed instances) and groups used before or without their
    definition."""
    for kind in ("rule", "group"):
        named = [(line, st) for line, st, certain in v.statements if certain and st.kind == kind]
        for i, (line, st) in enumerate(named):
            first = rng.choice(named[:i])[1].name if i else None
            edited = first and v.edit_line(line, rf'"{re.escape(st.name)}"', f'"{first}"')
            what = f'{kind} "{st.name}" renamed "{first}" (already used) on line {line}'
            yield "duplicate_id", edited, what
            copy = v.insert_after(line, v.lines[line - 1]) if _alone(v, line, kind) else None
            yield "duplicate_id", copy, f'{kind} "{st.name}" pasted again as line {line + 1}'
    for s in (s for s in v.calls("my::place") if v.standalone(s)):
        m = re.search(r"-x (\d+(?:\.\d+)?)", s.command.text)
        copy = m and s.command.text.replace(m[0], f"-x {format_number(float(m[1]) + 10)}")
        what = f"`{s.command.text}` pasted again with a new -x as line {s.command.line + 1}"
        yield "duplicate_id", copy and v.insert_after(s.command.line, copy), what
    groups = {st.name: line for line, st, _ in v.statements if st.kind == "group"}
    for line, st, certain in v.statements:
        target = st.target or ""
        if not (certain and st.kind == "rule" and target.startswith("@")):
            continue
        new = near_name(target[1:], v.names | set(groups), rng)
        edited = new and v.edit_line(line, re.escape(target) + r"\b", "@" + new)
        yield "undefined_group", edited, f"{target} → @{new} on line {line}"
        g = groups.get(target[1:])
        if g and g < line and _alone(v, g, "group") and _alone(v, line, "rule"):
            what = f'group "{target[1:]}" on line {g} deleted'
            yield "undefined_group", v.with_lines(g, []), what
            lines = list(v.lines)
            lines.insert(g - 1, lines.pop(line - 1))
            what = f"rule on line {line} moved above its group (line {g})"
            yield "undefined_group", "\n".join(lines), what


def _order(v: ScriptView, rng: random.Random) -> Iterator[Candidate]:
    """Touching the design before my::load_design, and loops or recursion that never end."""
    touching = [s for s in v.calls() if v.catalog.procs[s.command.name or ""].requires_design]
    load = v.load.command if v.load else None
    after = [s for s in touching if load and s.certain and s.command.start > load.start]
    if load and after:
        what = f"my::load_design on line {load.line} deleted"
        yield "no_design", v.with_lines(load.line, []), what
    for s in [s for s in after if v.standalone(s)][:3] if load else ():
        c, up, down = s.command, list(v.lines), list(v.lines)
        up.insert(load.line - 1, up.pop(c.line - 1))
        what = f"`{c.text}` moved from line {c.line} above my::load_design"
        yield "no_design", "\n".join(up), what
        down.insert(c.line - 1, down.pop(load.line - 1))
        yield "no_design", "\n".join(down), f"my::load_design moved below line {c.line}"
    repeatable = [s for s in v.calls(*_REPEATABLE) if v.standalone(s)]
    call = rng.choice(repeatable).command if repeatable else None
    body = call.text if call else 'puts "waiting for the router"'
    n = v.line_end(call) if call else (load.line if load else len(v.lines) - 1)
    # Loops with a cheap body and recursion stop on the command or depth limit within ~0.1 s,
    # always the same limit: never the wall clock, which would make reports machine-dependent.
    i, j, todo, retry = (next(x for x in c if x not in v.names) for c in _FRESH)
    loop = rng.choice(
        [f"set {i} 0\nwhile {{${i} < 4}} {{", f"for {{set {i} 0}} {{${i} < 4}} {{incr {j}}} {{"]
    )
    what = f"`{loop.split(chr(10))[-1]} ...}}` whose ${i} never grows inserted after line {n}"
    yield "runtime_limit", v.insert_after(n, f"{loop}\n  lappend {todo} DATA_${i}\n}}"), what
    recurse = f"proc {retry} {{}} {{\n  {body}\n  {retry}\n}}\n{retry}"
    what = f"proc {retry} that calls itself forever inserted after line {n}"
    yield "runtime_limit", v.insert_after(n, recurse), what
    for c in (s.command for s in v.sites if is_proc(s.command)):
        name, params, close = c.words[1].literal, c.words[2].literal or "{", v.line_end(c)
        repeats = set(re.findall(r"\b(my::\w+|dsl)\b", c.words[3].text)) <= set(_REPEATABLE)
        if name in v.called and repeats and "{" not in params and v.lines[close - 1] == "}":
            call_self = f"  {name} {' '.join('$' + p for p in params.split())}".rstrip()
            what = f"proc {name} calls itself with no base case (line {close})"
            yield "runtime_limit", v.with_lines(close, [call_self, "}"]), what


_FAMILIES = (_tcl_syntax, _dsl_syntax, _header, _procs, _flags, _values, _nets, _ids, _order)


def mutate_script(
    text: str, catalog: Catalog, fixture: dict[str, Any] | None, rng: random.Random
) -> Iterator[Negative]:
    """From a VALID script, yield labelled hard negatives: realistic single mistakes a model or an
    engineer makes.

    Candidates are made in a fixed order (so `rng` alone decides the result), de-duplicated, then
    interleaved class by class in an rng-shuffled class order: the corpus builder keeps only the
    first few negatives of each script, and interleaving keeps the 16 classes balanced.
    """
    try:
        view = ScriptView(text, catalog, fixture)
    except (TclParseError, DslSyntaxError):
        return  # not a valid script: nothing to mutate
    by_class: dict[str, list[tuple[str, str]]] = {cls: [] for cls in CLASSES}
    seen = {text}
    for family in _FAMILIES:
        for cls, new, what in family(view, rng):
            if new and new not in seen:
                seen.add(new)
                by_class[cls].append((new, what))
    yield from interleave_negatives(by_class, text, rng)
