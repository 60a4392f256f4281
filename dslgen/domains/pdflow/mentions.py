"""What an engineer's request names: files, names, quantities, enum values and asked-for actions.

Two consumers read the same `Mentions`, so they can never disagree about what a request says:
- grounding (grammar.py): the decoding grammar lets a value slot take only what the request or
  the fixture names — a slot the request says nothing about keeps the catalog's whole range, so
  grounding never makes a well-posed request impossible;
- coverage (coverage.py): a candidate script is ranked by how much of the request it does, and
  by what it does that nobody asked for.

Everything here is read from the catalog (enum values, units, proc names) plus pdflow's phrase
table (`metal 3` is M3, `facing south` is S, "the reset net" is the fixture's one reset net).
A team's catalog gets the catalog-driven part unchanged: its enum values, its files, its names
and its numbers; its procs are asked for when a word of their name appears.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dslgen.catalog.model import Catalog

# Words that spell numbers (number words like "four", "thirty-two", "a dozen").
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "dozen": 12,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_NUMBER_WORD = re.compile(
    r"\b(?:(?P<tens>"
    + "|".join(_TENS)
    + r")(?:[- ](?P<unit_after>"
    + "|".join(k for k in _UNITS if _UNITS[k] < 10 and _UNITS[k] > 0)
    + r"))?|(?P<unit>"
    + "|".join(_UNITS)
    + r")|(?P<hundred>a hundred|one hundred))\b",
    re.IGNORECASE,
)

# Length units as an engineer writes them -> the catalog's unit names.
_UNIT_WORDS = {
    "nm": "nm", "nanometre": "nm", "nanometres": "nm", "nanometer": "nm", "nanometers": "nm",
    "um": "um", "µm": "um", "μm": "um", "micron": "um", "microns": "um", "micrometre": "um",
    "micrometres": "um", "micrometer": "um", "micrometers": "um",
}  # fmt: skip
_QUANTITY = re.compile(
    r"(?<![\w.,])(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:e[-+]?\d+)?|\.\d+)"
    r"(?![\d.,]\d)\s*(?P<unit>"
    + "|".join(sorted(map(re.escape, _UNIT_WORDS), key=len, reverse=True))
    + r")?(?![\w.]\w|\w)",
    re.IGNORECASE,
)
# "metal 3", "metal layer 3", "layer 3": a layer, not a quantity.
_LAYER_PHRASE = re.compile(r"\b(?:metal(?:\s+layer)?|layer)\s*(\d)\b", re.IGNORECASE)
_FILE = re.compile(r"(?<![\w.\-/])([A-Za-z0-9_][A-Za-z0-9_\-]*\.[A-Za-z][A-Za-z0-9]{0,3})(?![\w])")
_WORD = re.compile(r"[`'\"]?[A-Za-z_][A-Za-z0-9_]*[`'\"]?")
# A word right after one of these is a name the engineer chose ("a net called foo", "as ctrl").
_NAMING_CUES = {"named", "called", "net", "instance", "group", "rule", "inst", "cell", "as", "into"}
# Cues after which a name is a DSL id (a rule's or a group's).
_ID_CUES = {"rule", "group", "named", "called", "as", "into"}
_STOPWORDS = {
    "a", "an", "the", "it", "its", "is", "to", "on", "in", "of", "for", "and", "or", "with", "at",
    "as", "be", "by", "this", "that", "them", "they", "new", "each", "every", "all", "both",
    "named", "called", "type", "group", "rule", "net", "nets", "instance", "cell", "design",
    "please", "then", "also", "so", "too", "first", "one", "layer", "metal", "from", "into",
    "up", "out", "here", "there", "now", "wire", "width", "spacing", "which", "if",
}  # fmt: skip

# pdflow's phrase table: words that name an enum value without spelling it.
_ENUM_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"\bflipped[- ]north\b", ("FN",)),
    (r"\bflipped[- ]south\b", ("FS",)),
    (r"\b(?<!flipped )(?<!flipped-)north\b", ("N",)),
    (r"\b(?<!flipped )(?<!flipped-)south\b", ("S",)),
    (r"\beast\b", ("E",)),
    (r"\bwest\b", ("W",)),
    (r"\btypical\b", ("tt",)),
    (r"\bslow\b", ("ss",)),
    (r"\bfast\b", ("ff",)),
    (r"\bground\b", ("VSS", "ground")),
    (r"\bpower\b", ("VDD", "power")),
    (r"\bclocks?\b", ("clock",)),
    (r"\bhoriz(?:ontal(?:ly)?)?\b", ("horizontal",)),
    (r"\bvert(?:ical(?:ly)?)?\b", ("vertical",)),
)

# pdflow's actions: what each proc, variable and DSL statement is asked for with. A team's
# catalog falls back to the words of each proc's name (`my::report_timing`: report, timing).
_ACTION_PHRASES: dict[str, str] = {
    "my::load_design": r"\b(?:load|read|open|work on)\b|\.(?:def|odb)\b",
    "my::save_design": r"\b(?:save|saving|saved|write|writing|store|dump|export)\b",
    "my::create_net": r"\b(?:create|creating|new|make|makes|define|set up|need)\b(?:(?!\brules?\b|\bsure\b)[^.;])*\bnets?\b",
    "my::route": r"\b(?:rout(?!ing rule)\w*|run the|runs? on|goes on|go on)\b",
    "my::keepout": r"\bkeep[- ]?outs?\b|\bkeep\b.*\baway\b|\bclearance\b",
    "my::shield": r"\bshield\w*\b",
    "my::add_buffer": r"\bbuffer\w*\b|\b\w+ x BUF_X\d+\b|\bBUF_X\d+ (?:cells?|buffers?)\b",
    "my::place": r"\bplac\w*\b|\binstance\b|\bat \(|\borigin\b|\bx \d",
    "my::set_effort": r"\beffort\b",
    "my::report_timing": r"\btiming\b|\breport\w*\b|\bpaths?\b",
    "::tech::corner": (
        r"\b(?:use|target|set|switch to|on)\b[^.;]*\bcorner\b(?! for)|\bcorner (?:to|=)"
        r"|\btarget (?:tt|ss|ff)\b|\bcorner (?:tt|ss|ff)\b"
    ),
    "::flow::max_fanout": r"\bfan-?out\b",
    "dsl:rule": r"\brules?\b|\bspacing\b|\bmax(?:imum)? length\b|\blonger than\b",
    "dsl:group": r"\bgroup\w*\b|\bbundle\w*\b",
    "dsl:layer": r"\btracks?\b|\bpitch\b|\bdirection\b",
}
# Actions a script may take without being asked: the design must be loaded before anything.
PREREQUISITES = frozenset({"my::load_design"})

# Fixture nets that a description picks out ("the clock", "the reset net").
_THE = r"\b(?:the|both)\s+(?:\w+\s+)?"
_NET_DESCRIPTIONS: tuple[tuple[str, str], ...] = (
    (_THE + r"clocks?\b", "type:clock"),
    (_THE + r"reset\b", "name:RST|RESET"),
    (_THE + r"enable\b", "name:^EN$|_EN$|^EN_"),
    (_THE + r"power net\b", "type:power"),
    (_THE + r"ground net\b", "type:ground"),
)


@dataclass(frozen=True)
class Quantity:
    """A number the request writes, with the unit it gave (None: no unit)."""

    value: float
    unit: str | None

    def in_unit(self, unit: str, scales: dict[str, float]) -> float:
        """The value in `unit` (a unitless number is already in it)."""
        if self.unit is None or self.unit not in scales or unit not in scales:
            return self.value
        return self.value * scales[self.unit] / scales[unit]


@dataclass(frozen=True)
class Mentions:
    """What a request names. Tuples are in order of appearance, without repeats."""

    files: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # identifiers the request writes (or picks out of the fixture)
    ids: tuple[str, ...] = ()  # names written right after "rule", "group", "called", ...
    quantities: tuple[Quantity, ...] = ()
    enum_values: frozenset[str] = frozenset()
    # for coverage: each value the request spells, or the values a phrase may mean ("ground":
    # the VSS supply or the ground net type); one of each group is enough
    enum_groups: tuple[frozenset[str], ...] = ()
    actions: frozenset[str] = frozenset()  # procs, variables and `dsl:<statement>` asked for
    # actions a value the request spells belongs to ("a BUF_X8": add_buffer's cell; "pitch":
    # the DSL layer statement): allowed in a grounded grammar, though not counted as asked
    implied: frozenset[str] = frozenset()
    fixture_nets: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return (
            len(self.files)
            + len(self.names)
            + len(self.quantities)
            + len(self.enum_values)
            + len(self.actions)
        )


def _unique(items: list[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(items))


def _number_words(text: str) -> list[float]:
    values = []
    for match in _NUMBER_WORD.finditer(text):
        if match["tens"]:
            values.append(
                _TENS[match["tens"].lower()]
                + _UNITS.get((match["unit_after"] or "zero").lower(), 0)
            )
        elif match["unit"]:
            values.append(_UNITS[match["unit"].lower()])
        else:
            values.append(100)
    return [float(v) for v in values]


def quantities_of(text: str, layer_spans: list[tuple[int, int]]) -> list[Quantity]:
    """Numerals (with their units) and number words, outside layer phrases and names."""
    found = []
    for match in _QUANTITY.finditer(text):
        if any(start <= match.start() < end for start, end in layer_spans):
            continue
        unit = match["unit"]
        number = float(match["number"].replace(",", ""))
        found.append(Quantity(number, _UNIT_WORDS[unit.lower()] if unit else None))
    found += [Quantity(value, None) for value in _number_words(text)]
    if re.search(r"\borigin\b", text, re.IGNORECASE):
        found.append(Quantity(0.0, None))
    return found


def _enum_values(text: str, catalog: Catalog) -> list[frozenset[str]]:
    """Groups of enum values the text names: one group per value it spells (`M3`, `metal 3`,
    `medium`) and one per phrase of the phrase table (`facing south`: S)."""
    words = {w.strip("`'\"") for w in _WORD.findall(text)}
    lowered = {w.lower() for w in words}
    values = {v for vs in catalog.enums.values() for v in vs}
    for spec in catalog.procs.values():
        values.update(v for arg in spec.args for v in arg.values or [])
    named = {v for v in values if v in words or (len(v) > 2 and v.lower() in lowered)}
    layers = catalog.enums.get("layer", [])
    for match in _LAYER_PHRASE.finditer(text):
        named.update(v for v in layers if v.upper() == f"M{match.group(1)}")
    named.update(v for v in layers if v.lower() in lowered)
    phrased = []
    for pattern, meanings in _ENUM_PHRASES:
        known = frozenset(meanings) & values
        if known and re.search(pattern, text, re.IGNORECASE) and known not in phrased:
            phrased.append(known)
    # a word the phrase table reads ("ground") is one mention, not one per meaning
    spelled = [
        frozenset({v}) for v in sorted(named) if not any(v in g and len(g) > 1 for g in phrased)
    ]
    return spelled + [g for g in phrased if g not in spelled]


def _is_name(word: str, previous: str) -> bool:
    """A word the engineer chose as a name: quoted, shaped like one (CLK, RST_N, U7, clk_div),
    or written right after a naming cue ("a net called foo")."""
    if word[0] in "`'\"" and word[-1] in "`'\"" and len(word) > 2:
        return True
    bare = word.strip("`'\"")
    if not bare or bare.lower() in _STOPWORDS or bare.lower() in _UNITS or bare.lower() in _TENS:
        return False
    if any(c.isdigit() for c in bare) or "_" in bare.strip("_"):
        return True
    if len(bare) >= 2 and bare.isupper():
        return True
    return previous.lower() in _NAMING_CUES and len(bare) > 1


def _names(text: str) -> tuple[list[str], list[str]]:
    """The names a text writes, and those of them written right after an id cue ("rule SR1",
    "group called CTRL")."""
    masked = _FILE.sub(" ", text)
    names: list[str] = []
    ids: list[str] = []
    previous, end = "", 0
    for match in _WORD.finditer(masked):
        word = match.group(0)
        if re.search(r"[.;:!?,]", masked[end : match.start()]):
            previous = ""  # a cue does not reach across a sentence or list break
        end = match.end()
        if _is_name(word, previous):
            names.append(word.strip("`'\""))
            if previous.lower() in _ID_CUES:
                ids.append(word.strip("`'\""))
        previous = word.strip("`'\"")
    return names, ids


def _described_nets_for(
    text: str, pattern: str, selector: str, fixture_nets: dict[str, str]
) -> list[str]:
    if not re.search(pattern, text, re.IGNORECASE):
        return []
    kind, _, value = selector.partition(":")
    if kind == "type":
        nets = [n for n, t in fixture_nets.items() if t == value]
    else:
        nets = [n for n in fixture_nets if re.search(value, n)]
    plural = re.search(pattern.replace("s?", "s"), text, re.IGNORECASE) or "both" in text
    return sorted(nets) if len(nets) == 1 or (plural and nets) else []


def _described_nets(text: str, fixture_nets: dict[str, str]) -> list[str]:
    """Fixture nets a phrase picks out unambiguously ("the clock" with one clock net; "both
    clocks" with two)."""
    picked = []
    for pattern, selector in _NET_DESCRIPTIONS:
        picked += _described_nets_for(text, pattern, selector, fixture_nets)
    return picked


def _described_spans(text: str, fixture_nets: dict[str, str]) -> list[tuple[int, int]]:
    """Where a description picks out fixture nets ("the clock"): those words name a net, so
    they are not also an enum value ("route the clock on M4" asks for no clock type)."""
    spans = []
    for pattern, selector in _NET_DESCRIPTIONS:
        if _described_nets_for(text, pattern, selector, fixture_nets):
            spans += [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]
    return spans


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _proc_words(name: str) -> list[str]:
    """The distinctive words of a proc's name (`ns::report_timing` -> report, timing)."""
    tail = name.rsplit("::", 1)[-1]
    return [w for w in tail.split("_") if len(w) >= 4 and w not in {"design", "with"}]


# "don't save", "do not route", "without saving", "no save": the clause asks for the opposite.
_NEGATED = re.compile(r"\b(?:don'?t|do not|never|without|no|not)\b[^.;,]*", re.IGNORECASE)


def _actions(text: str, catalog: Catalog) -> set[str]:
    text = _NEGATED.sub(" ", text)
    asked = set()
    forbidden = set(catalog.policy.forbidden_commands)
    procs = {
        name
        for name, spec in catalog.procs.items()
        if spec.deprecated is None and name not in forbidden
    }
    known = procs | set(catalog.variables) | {f"dsl:{s}" for s in catalog.dsl}
    for action in known:
        pattern = _ACTION_PHRASES.get(action)
        if pattern is None:
            words = _proc_words(action.split(":")[-1])
            pattern = (
                r"\b(?:" + "|".join(re.escape(w[:-1]) for w in words) + r")\w*" if words else ""
            )
        if pattern and re.search(pattern, text, re.IGNORECASE):
            asked.add(action)
    return asked


def permitted_actions(mentions: Mentions, catalog: Catalog) -> set[str] | None:
    """The actions (procs, variables, `dsl:<statement>`) a grounded grammar lets a script take:
    those the request asks for, the prerequisites, and every action the phrase table has no
    words for (a team's own procs are never excluded on a guess). None when the request asks for
    nothing recognisable: then nothing is excluded."""
    if not mentions.actions:
        return None
    known = set(catalog.procs) | set(catalog.variables) | {f"dsl:{s}" for s in catalog.dsl}
    wanted = mentions.actions | mentions.implied | PREREQUISITES
    return {action for action in known if action in wanted or action not in _ACTION_PHRASES}


def _implied_actions(text: str, enum_values: frozenset[str], catalog: Catalog) -> set[str]:
    """Actions whose own values or property names the text spells: a proc or variable taking
    an enum value the request names, a DSL statement one of whose property names it writes."""
    words = {w.lower() for w in _WORD.findall(text)}
    implied = {
        name
        for name, spec in catalog.procs.items()
        if any(set(arg.values or []) & enum_values for arg in spec.args)
    }
    implied |= {n for n, v in catalog.variables.items() if set(v.values or []) & enum_values}
    for name, statement in catalog.dsl.items():
        spelled = {p.replace("_", " ") for p in statement.properties} | set(statement.properties)
        values = {v for p in statement.properties.values() for v in p.values or []}
        if (
            any(p in text.lower() for p in spelled if " " in p)
            or words & spelled
            or (values & enum_values)
        ):
            implied.add(f"dsl:{name}")
    return implied


def find_mentions(
    instruction: str, catalog: Catalog, fixture: dict[str, Any] | None = None
) -> Mentions:
    """Everything `instruction` names, read with `catalog` (and the fixture's nets)."""
    fixture_nets: dict[str, str] = dict((fixture or {}).get("design_nets") or {})
    layer_spans = [m.span() for m in _LAYER_PHRASE.finditer(instruction)]
    described = _described_spans(instruction, fixture_nets)
    enum_groups = _enum_values(_blank(instruction, described), catalog)
    layers = set(catalog.enums.get("layer", []))  # a layer is never a net or a new name
    written, ids = _names(instruction)
    names = [n for n in written if n not in layers]
    names += _described_nets(instruction, fixture_nets)
    return Mentions(
        files=_unique(_FILE.findall(instruction)),
        names=_unique(names),
        ids=_unique([i for i in ids if i not in layers]),
        quantities=_unique(quantities_of(instruction, layer_spans)),
        enum_values=frozenset().union(*enum_groups),
        enum_groups=tuple(enum_groups),
        actions=frozenset(_actions(instruction, catalog)),
        implied=frozenset(_implied_actions(instruction, frozenset().union(*enum_groups), catalog)),
        fixture_nets=tuple(sorted(fixture_nets)),
    )
