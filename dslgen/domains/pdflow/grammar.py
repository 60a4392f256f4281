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

import json
import re
from pathlib import Path

from dslgen.catalog.model import ArgSpec, Catalog, DslProperty, DslStatement, ProcSpec, VariableSpec
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


class _Compiler:
    """Collects generated terminals while building rules (one terminal per distinct range)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.terminals: dict[str, str] = {}

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
            return "(" + " | ".join(_quote(v) for v in spec.values or []) + ")"
        if spec.type in ("float", "int"):
            return self.number(spec)
        if spec.type == "net":
            return "net"
        if spec.type == "path":
            suffixes = getattr(spec, "suffixes", None)
            ending = "(" + "|".join(re.escape(s) for s in suffixes) + ")" if suffixes else ""
            stem = r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,31}" + ("" if suffixes else r"(\.[a-z]{1,4})?")
            return self.terminal("PATH", stem + ending)
        return "NAME"

    # -- host -----------------------------------------------------------------------------
    def proc_rule(self, name: str, spec: ProcSpec) -> str:
        parts = [_quote(name)]
        for arg in spec.args:
            piece = f'" {arg.flag} " {self.value(arg)}'
            parts.append(piece if arg.required else f"({piece})?")
        return f"call_{_rule_name(name)}: " + " ".join(parts)

    def variable_alternatives(self) -> list[str]:
        return [
            f'"set {name} " {self.value(spec)}'
            for name, spec in sorted(self.catalog.variables.items())
        ]

    def condition_alternatives(self) -> list[str]:
        return [
            f'"${name} eq \\"" {self.value(spec)} "\\""'
            for name, spec in sorted(self.catalog.variables.items())
            if spec.type == "enum"
        ]

    # -- DSL ------------------------------------------------------------------------------
    def dsl_value(self, spec: DslProperty) -> str:
        if spec.type == "length":
            units = self.catalog.policy.length_units or {"um": 1.0}
            options = [
                f"({self.number(spec, scale)} {_quote(unit)})" for unit, scale in units.items()
            ]
            return "(" + " | ".join(options) + ")"
        if spec.type == "enum":
            return "(" + " | ".join(_quote(v) for v in spec.values or []) + ")"
        if spec.type == "layer_range":
            layers = self.catalog.enums.get("layer", [])
            pairs = [f'"{a}..{b}"' for i, a in enumerate(layers) for b in layers[i:]]
            return "(" + " | ".join(pairs) + ")"
        return "NAME"

    def properties(self, statement: DslStatement, all_required: bool) -> str:
        """Each property at most once, in catalog order; at least one (or all, for `layer`)."""
        pieces = [
            f'" {name}: " {self.dsl_value(spec)}' for name, spec in statement.properties.items()
        ]
        if all_required:
            return " ".join(pieces)
        alternatives = [
            " ".join([pieces[i]] + [f"({p})?" for p in pieces[i + 1 :]]) for i in range(len(pieces))
        ]
        return "(" + " | ".join(f"({a})" for a in alternatives) + ")"

    def dsl_rules(self) -> dict[str, str]:
        dsl, rules = self.catalog.dsl, {}
        if "rule" in dsl:
            rules["dsl_rule"] = (
                'dsl_rule: "rule \\"" DSL_ID "\\" apply_to: " TARGET '
                + self.properties(dsl["rule"], False)
            )
        if "group" in dsl:
            rules["dsl_group"] = (
                'dsl_group: "group \\"" DSL_ID "\\" nets: [" NET (", " NET)~0..15 "]"'
            )
        if "layer" in dsl:
            layers = " | ".join(_quote(v) for v in self.catalog.enums.get("layer", []))
            rules["dsl_layer"] = (
                f'dsl_layer: "layer " ({layers})' + " " + self.properties(dsl["layer"], True)
            )
        rules["dsl_statement"] = "?dsl_statement: " + " | ".join(rules)
        return rules


def compile_decoding_grammar(catalog: Catalog, procs: list[str] | None = None) -> str:
    """Lark text for decoding pdflow scripts from `catalog`, optionally only with `procs`."""
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
    compiler = _Compiler(catalog)
    rules = {f"call_{_rule_name(n)}": compiler.proc_rule(n, catalog.procs[n]) for n in chosen}
    header = " ".join(_quote(line + "\n") for line in catalog.policy.required_header)
    replacements = {
        "header": f"header: {header}" if header else 'header: ""',
        "proc_call": "?proc_call: " + " | ".join(rules),
        **rules,
        "set_var": "set_var: " + (" | ".join(compiler.variable_alternatives()) or '"set x 1"'),
        "condition": "condition: " + (" | ".join(compiler.condition_alternatives()) or '"1"'),
        **compiler.dsl_rules(),
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
    base = read_definitions(HOST_GRAMMAR.read_text())
    kept = {k: v for k, v in base.items() if replacements.get(k, "") is not None}
    text = replace_definitions(kept, {k: v for k, v in replacements.items() if v is not None})
    return (
        f"// decoding grammar for {catalog.domain} (catalog sha256 {catalog.sha256[:12]})\n" + text
    )
