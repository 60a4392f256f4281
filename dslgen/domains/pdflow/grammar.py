"""Compile a catalog into the decoding grammar of pdflow (Lark text for llguidance).

The structure comes from grammars/pdflow_tcl.lark; the rules it marks CATALOG are generated
here, so that a decoder using the grammar can only write: the required header, catalog procs
that are not forbidden, each with its own flags in catalog order (required ones always, optional
ones at most once), enum values from the catalog, numbers inside their ranges (host numbers
without unit, DSL lengths with `um`/`nm`), and DSL statements with each property at most once.
Everything such a grammar produces passes the validator's syntax, DSL and policy layers
(tests/grammar/test_grammar_agreement.py checks this on samples).
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from dslgen.catalog.model import ArgSpec, Catalog, DslProperty, DslStatement, ProcSpec, VariableSpec
from dslgen.domains.pdflow.mentions import Mentions, Quantity, permitted_actions
from dslgen.errors import GrammarError
from dslgen.grammar.lark_text import read_definitions, replace_definitions
from dslgen.grammar.numeric import decimal_range_regex

HOST_GRAMMAR = Path(__file__).resolve().parents[3] / "grammars" / "pdflow_tcl.lark"

# Numbers with no upper bound in the catalog (coordinates) are capped for decoding: an unbounded
# digit run lets a small model write digits until max_tokens.
UNBOUNDED_CAP = 1_000_000
MAX_DECIMALS = 3


def _quote(text: str) -> str:
    return json.dumps(text)


def _rule_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def numeral(value: float, integer: bool = False) -> str:
    """The shortest plain numeral of a value, at most MAX_DECIMALS decimals kept when it has
    more than that many (`2.0` -> `2`, `0.25` -> `0.25`)."""
    if integer or float(value).is_integer():
        return str(int(round(value)))
    text = f"{value:.{MAX_DECIMALS + 6}f}".rstrip("0").rstrip(".")
    short = f"{value:.{MAX_DECIMALS}f}".rstrip("0").rstrip(".")
    return short if abs(float(short) - value) < 1e-12 else text


def _in_range(value: float, spec: ArgSpec | VariableSpec | DslProperty, scale: float) -> bool:
    low = None if spec.min is None else spec.min / scale
    high = None if spec.max is None else spec.max / scale
    if low is not None and (
        value < low or (getattr(spec, "min_exclusive", False) and value <= low)
    ):
        return False
    return high is None or value <= high + 1e-12


class _Compiler:
    """Collects generated terminals while building rules (one terminal per distinct range).

    With `grounding` (what the request names, see mentions.py) a value slot takes only the
    request's literals that fit it: its numbers in the slot's unit and range, its files with the
    slot's suffix, its enum values; a slot the request names nothing for keeps the catalog's range.
    """

    def __init__(self, catalog: Catalog, grounding: Mentions | None = None) -> None:
        self.catalog = catalog
        self.grounding = grounding
        self.terminals: dict[str, str] = {}

    def _alternatives(self, literals: list[str]) -> str:
        return "(" + " | ".join(_quote(v) for v in dict.fromkeys(literals)) + ")"

    def grounded_numbers(self, spec: ArgSpec | VariableSpec, unit: str | None) -> list[str]:
        """The request's numbers that fit a host number slot, in its unit; the default too."""
        if self.grounding is None:
            return []
        integer = spec.type == "int"
        scales = self.catalog.policy.length_units or {}
        values = []
        for quantity in self.grounding.quantities:
            if integer and (quantity.unit is not None or not quantity.value.is_integer()):
                continue
            value = quantity.in_unit(unit, scales) if unit else quantity.value
            if _in_range(value, spec, 1.0):
                values.append(numeral(value, integer))
        if values and isinstance(spec.default, int | float):
            values.append(numeral(float(spec.default), integer))
        return values

    def grounded_enum(self, values: list[str], default: object = None) -> list[str]:
        named = [v for v in values if self.grounding and v in self.grounding.enum_values]
        if not named:
            return values
        return named + ([str(default)] if default in values and default not in named else [])

    def terminal(self, stem: str, regex: str) -> str:
        name = f"{stem.upper()}_{len(self.terminals)}"
        for existing, pattern in self.terminals.items():
            if pattern == regex:
                return existing
        self.terminals[name] = regex
        return name

    def number(self, spec: ArgSpec | VariableSpec | DslProperty, scale: float = 1.0) -> str:
        high = spec.max if spec.max is not None else UNBOUNDED_CAP
        low = spec.min
        integer = spec.type == "int"
        regex = decimal_range_regex(
            None if low is None else low / scale,
            high / scale,
            integer=integer,
            max_decimals=0 if integer else MAX_DECIMALS,
            lo_exclusive=getattr(spec, "min_exclusive", False),
        )
        return self.terminal("INT" if integer else "NUM", regex)

    def value(self, spec: ArgSpec | VariableSpec) -> str:
        """The grammar expression for one host value."""
        if spec.type == "enum":
            return self._alternatives(self.grounded_enum(spec.values or [], spec.default))
        if spec.type in ("float", "int"):
            grounded = self.grounded_numbers(spec, getattr(spec, "unit", None))
            return self._alternatives(grounded) if grounded else self.number(spec)
        if spec.type == "net":
            return "net"
        if spec.type == "path":
            suffixes = getattr(spec, "suffixes", None)
            files = [
                f
                for f in (self.grounding.files if self.grounding else ())
                if not suffixes or f.endswith(tuple(suffixes))
            ]
            if files:
                return self._alternatives(files)
            ending = "(" + "|".join(re.escape(s) for s in suffixes) + ")" if suffixes else ""
            stem = r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,31}" + ("" if suffixes else r"(\.[a-z]{1,4})?")
            return self.terminal("PATH", stem + ending)
        return "NAME"

    # -- host -----------------------------------------------------------------------------
    def named_for(self, spec: ArgSpec) -> bool:
        """Whether the request names a value for this slot (so grounding narrowed it)."""
        if self.grounding is None:
            return False
        if spec.type == "enum":
            values = spec.values or []
            return self.grounded_enum(values, spec.default) != values
        if spec.type in ("float", "int"):
            return bool(self.grounded_numbers(spec, spec.unit))
        return False

    def proc_rule(self, name: str, spec: ProcSpec) -> str:
        """One proc call, flags in catalog order. Grounded, an optional flag the request names a
        value for is written out: its choices are the request's values and the default, so
        writing it can mean nothing but what omitting it would (`-count 8` or `-count 1`), and
        the model cannot drop the value the request asked for."""
        parts = [_quote(name)]
        for arg in spec.args:
            piece = f'" {arg.flag} " {self.value(arg)}'
            spelled = arg.default is not None and self.named_for(arg)
            parts.append(piece if arg.required or spelled else f"({piece})?")
        return f"call_{_rule_name(name)}: " + " ".join(parts)

    def variable_alternatives(self, allowed: set[str] | None = None) -> list[str]:
        return [
            f'"set {name} " {self.value(spec)}'
            for name, spec in sorted(self.catalog.variables.items())
            if allowed is None or name in allowed
        ]

    def condition_alternatives(self, allowed: set[str] | None = None) -> list[str]:
        return [
            f'"${name} eq \\"" {self.value(spec)} "\\""'
            for name, spec in sorted(self.catalog.variables.items())
            if spec.type == "enum" and (allowed is None or name in allowed)
        ]

    # -- DSL ------------------------------------------------------------------------------
    def grounded_lengths(self, spec: DslProperty) -> list[str]:
        """The request's lengths that fit a DSL length slot, in every unit the DSL takes
        (`280 nanometres`: `280nm` or `0.28um`); a number without unit is read in the slot's."""
        units = self.catalog.policy.length_units or {"um": 1.0}
        base = spec.unit or next(iter(units))
        literals = []
        for quantity in self.grounding.quantities if self.grounding else ():
            written = quantity if quantity.unit in units else Quantity(quantity.value, base)
            for unit in units:
                value = written.in_unit(unit, units)
                if _in_range(written.in_unit(base, units), spec, 1.0):
                    literals.append(numeral(value) + unit)
        return literals

    def dsl_value(self, spec: DslProperty) -> str:
        if spec.type == "length":
            grounded = self.grounded_lengths(spec)
            if grounded:
                return self._alternatives(grounded)
            units = self.catalog.policy.length_units or {"um": 1.0}
            options = [
                f"({self.number(spec, scale)} {_quote(unit)})" for unit, scale in units.items()
            ]
            return "(" + " | ".join(options) + ")"
        if spec.type == "enum":
            return self._alternatives(self.grounded_enum(spec.values or []))
        if spec.type == "layer_range":
            # open-ended ranges ("M3 and above") need the lowest and highest layer as ends
            every = self.catalog.enums.get("layer", [])
            named = set(self.grounded_enum(every)) | ({every[0], every[-1]} if every else set())
            layers = [layer for layer in every if layer in named]
            pairs = [f'"{a}..{b}"' for i, a in enumerate(layers) for b in layers[i:]]
            return "(" + " | ".join(pairs) + ")"
        return "NAME"

    def properties(self, statement: DslStatement, all_required: bool) -> str:
        """All properties in catalog order (for `layer`)."""
        return " ".join(
            f'" {name}: " {self.dsl_value(spec)}' for name, spec in statement.properties.items()
        )

    def any_order_properties(self, stem: str, statement: DslStatement) -> dict[str, str]:
        """Rules for one or more properties, each at most once, in any order (the spec's
        `PROP: VALUE [PROP: VALUE ...]`; engineers and the task generator write them in the order
        the request gives them). One rule per set of still-unused properties (2^n rules with n
        alternatives each), so the language is exact without listing every permutation."""
        names = list(statement.properties)
        rules = {
            f"{stem}_prop_{i}": f'{stem}_prop_{i}: " {name}: " '
            + self.dsl_value(statement.properties[name])
            for i, name in enumerate(names)
        }

        def rest(unused: frozenset[int]) -> str:
            return f"{stem}_rest_" + "".join(str(i) for i in sorted(unused))

        for size in range(1, len(names) + 1):
            for unused in itertools.combinations(range(len(names)), size):
                left = frozenset(unused)
                options = [
                    f"{stem}_prop_{i}" + (f" {rest(left - {i})}" if left - {i} else "")
                    for i in sorted(left)
                ]
                rules[rest(left)] = (
                    f"{rest(left)}: ("
                    + " | ".join(options)
                    + ")"
                    + ("" if size == len(names) else "?")
                )
        return rules

    def dsl_rules(self, allowed: set[str] | None = None) -> dict[str, str | None]:
        dsl = {
            k: v for k, v in self.catalog.dsl.items() if allowed is None or f"dsl:{k}" in allowed
        }
        rules: dict[str, str] = {}
        helpers: dict[str, str] = {}
        if "rule" in dsl:
            helpers = self.any_order_properties("rule", dsl["rule"])
            everything = "rule_rest_" + "".join(map(str, range(len(dsl["rule"].properties))))
            rules["dsl_rule"] = 'dsl_rule: "rule \\"" DSL_ID "\\" apply_to: " TARGET ' + everything
        if "group" in dsl:
            rules["dsl_group"] = (
                'dsl_group: "group \\"" DSL_ID "\\" nets: [" NET (", " NET)~0..15 "]"'
            )
        if "layer" in dsl:
            layers = " | ".join(
                _quote(v) for v in self.grounded_enum(self.catalog.enums.get("layer", []))
            )
            rules["dsl_layer"] = (
                f'dsl_layer: "layer " ({layers})' + " " + self.properties(dsl["layer"], True)
            )
        if not rules:  # no statement allowed: no DSL block either (see _commands)
            return {"dsl_statement": None, "dsl_block": None}
        rules["dsl_statement"] = "?dsl_statement: " + " | ".join(rules)
        rules.update(helpers)
        return rules


def compile_decoding_grammar(
    catalog: Catalog, procs: list[str] | None = None, grounding: Mentions | None = None
) -> str:
    """Lark text for decoding pdflow scripts from `catalog`, optionally only with `procs`, and
    grounded in what a request names (`grounding`, see `ground_names`). Compiled grammars are
    cached per (catalog, procs, literal set): a server answering the same kind of request does
    not rebuild them."""
    return _compiled(catalog, tuple(procs) if procs is not None else None, grounding)


_CACHE: dict[tuple[str, tuple[str, ...] | None, Mentions | None], str] = {}
_CACHE_SIZE = 256


def _compiled(catalog: Catalog, procs: tuple[str, ...] | None, grounding: Mentions | None) -> str:
    key = (catalog.sha256, procs, grounding)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _compile(catalog, list(procs) if procs is not None else None, grounding)
    return _CACHE[key]


def _literals(names: list[str]) -> str:
    return " | ".join(_quote(n) for n in sorted(set(names), key=lambda n: (-len(n), n)))


def ground_names(catalog: Catalog, grounding: Mentions) -> dict[str, str]:
    """The name terminals of a grounded grammar: nets are the fixture's and the request's names,
    new names (nets, instances, cells) and DSL ids are the request's. A kind the request gives
    no candidate for keeps its catalog pattern; the comment rule allows one comment line before
    a command (and one at the end) at most, so comments cannot pad a script that does nothing."""
    pattern = re.compile(catalog.identifier_pattern)
    dsl_id = re.compile(r"[A-Za-z0-9_]{1,16}")
    names = [n for n in grounding.names if pattern.fullmatch(n) and len(n) <= 32]
    nets = list(dict.fromkeys([*grounding.fixture_nets, *names]))
    # DSL ids are grounded only when the request names one ("rule SR1", "group called CTRL");
    # "add a spacing rule on CLK" leaves the id free rather than forcing `rule "CLK"`.
    ids = [n for n in names if dsl_id.fullmatch(n)] if grounding.ids else []
    rules = {
        "start": 'start: header line~0..40 (comment "\\n")?',
        "line": 'line: (comment "\\n")? command "\\n"',
    }
    if nets:
        rules["NET"] = "NET: " + _literals(nets)
        groups = " | " + " | ".join(_quote("@" + n) for n in ids) if ids else ""
        rules["TARGET"] = 'TARGET: NET | "*"' + (groups or r" | /@[A-Za-z_][A-Za-z0-9_]{0,31}/")
    if names:
        rules["NAME"] = "NAME: " + _literals(names)
    if ids:
        rules["DSL_ID"] = "DSL_ID: " + _literals(ids)
    return rules


def _commands(compiler: _Compiler, allowed: set[str] | None) -> dict[str, str]:
    """The command rules of a grammar grounded in the actions a request asks for: a kind of
    command the request asks for none of (a variable, an `if` on one, a DSL block) is left out."""
    if allowed is None:
        return {}
    host = ["proc_call"] + (["set_var"] if compiler.variable_alternatives(allowed) else [])
    command = host + ["foreach_loop"]
    command += ["if_block"] if compiler.condition_alternatives(allowed) else []
    command += ["dsl_block"] if any(a.startswith("dsl:") for a in allowed) else []
    return {
        "command": "?command: " + " | ".join([*command, "puts_cmd"]),
        "body_command": "?body_command: " + " | ".join([*host, "puts_cmd"]),
    }


def _compile(catalog: Catalog, procs: list[str] | None, grounding: Mentions | None) -> str:
    forbidden = set(catalog.policy.forbidden_commands)
    chosen = [
        name
        for name, spec in sorted(catalog.procs.items())
        if name not in forbidden and spec.deprecated is None and (procs is None or name in procs)
    ]
    unknown = sorted(set(procs or []) - set(catalog.procs))
    if unknown:
        raise GrammarError(f"cannot restrict the grammar to unknown procs: {', '.join(unknown)}")
    if not chosen:
        raise GrammarError(
            "the grammar would allow no proc; name at least one allowed catalog proc"
        )
    compiler = _Compiler(catalog, grounding)
    allowed = permitted_actions(grounding, catalog) if grounding is not None else None
    if allowed is not None:
        chosen = [n for n in chosen if n in allowed] or chosen
    rules = {f"call_{_rule_name(n)}": compiler.proc_rule(n, catalog.procs[n]) for n in chosen}
    header = " ".join(_quote(line + "\n") for line in catalog.policy.required_header)
    replacements = {
        "header": f"header: {header}" if header else 'header: ""',
        "proc_call": "?proc_call: " + " | ".join(rules),
        **rules,
        "set_var": "set_var: "
        + (" | ".join(compiler.variable_alternatives(allowed)) or '"set x 1"'),
        "condition": "condition: "
        + (" | ".join(compiler.condition_alternatives(allowed)) or '"1"'),
        **compiler.dsl_rules(allowed),
        **_commands(compiler, allowed),
        "value": None,
        "PROC": None,
        "FLAG": None,
        "VARIABLE": None,
        "BARE": None,
        "DSL_ID": "DSL_ID: /[A-Za-z0-9_]{1,16}/",
        "NAME": f"NAME: /{catalog.identifier_pattern[:-1]}{{0,31}}/"
        if catalog.identifier_pattern.endswith("*")
        else f"NAME: /{catalog.identifier_pattern}/",
    }
    replacements.update({name: f"{name}: /{regex}/" for name, regex in compiler.terminals.items()})
    if grounding is not None:
        replacements.update(ground_names(catalog, grounding))
    base = read_definitions(HOST_GRAMMAR.read_text())
    kept = {k: v for k, v in base.items() if replacements.get(k, "") is not None}
    text = replace_definitions(kept, {k: v for k, v in replacements.items() if v is not None})
    return (
        f"// decoding grammar for {catalog.domain} (catalog sha256 {catalog.sha256[:12]})\n" + text
    )
