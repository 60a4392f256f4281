"""Parse the text of a `dsl { }` block into typed statements (grammars/pdflow_dsl.lark).

Parsing fixes only the structure; names and values stay as written (with their lines) so that
the policy layer can type-check them with precise messages and hints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

GRAMMAR_PATH = Path(__file__).resolve().parents[3] / "grammars" / "pdflow_dsl.lark"


@dataclass(frozen=True)
class Property:
    name: str
    value: str
    line: int


@dataclass(frozen=True)
class Statement:
    """One DSL statement; `line` is 1-based within the block text."""

    kind: str  # rule | group | layer
    line: int
    name: str  # rule ID, group name (unquoted) or layer name
    target: str | None = None
    properties: list[Property] = field(default_factory=list)
    nets: list[str] = field(default_factory=list)


class DslSyntaxError(Exception):
    def __init__(self, message: str, line: int, hint: str) -> None:
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


@lru_cache(maxsize=1)
def dsl_parser() -> Lark:
    return Lark(GRAMMAR_PATH.read_text(), parser="lalr", propagate_positions=True)


@lru_cache(maxsize=4096)
def parse_block(text: str) -> tuple[Statement, ...]:
    """Parse a block's text; raise DslSyntaxError with the line (within the block) and a hint.

    Cached: the DSL layer and the executor both parse each block, and corpora repeat blocks.
    """
    # Trailing blanks are not significant; leading blanks on the first line neither.
    prepared = text.lstrip(" \t").rstrip() + "\n"
    try:
        tree = dsl_parser().parse(prepared)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, prepared) from None
    return tuple(_statement(node) for node in tree.children if isinstance(node, Tree))


def _statement(node: Tree) -> Statement:
    kind, line = node.data, node.meta.line
    tokens = {c.type: str(c) for c in node.children if isinstance(c, Token)}
    properties = [
        Property(str(p.children[0]), str(p.children[1]), p.children[0].line)
        for p in node.children
        if isinstance(p, Tree) and p.data == "property"
    ]
    if kind == "rule":
        return Statement("rule", line, tokens["ID"][1:-1], tokens["TARGET"], properties)
    if kind == "group":
        nets_tree = next(c for c in node.children if isinstance(c, Tree))
        nets = [str(t) for t in nets_tree.children if isinstance(t, Token) and t.type == "NET"]
        return Statement("group", line, tokens["ID"][1:-1], nets=nets)
    return Statement("layer", line, tokens["LAYER_WORD"], None, properties)


_EXPECTED_WORDS = {
    "ID": 'a quoted ID such as "SR1"',
    "APPLY_TO": '"apply_to:"',
    "NETS": '"nets:"',
    "TARGET": "a net, @GROUP or *",
    "PROPERTY": "a property such as spacing:",
    "VALUE": "a value",
    "NET": "a net name",
    "LAYER_WORD": "a layer such as M2",
    "_S": "a space",
    "_EOL": "the end of the line",
    "COLON": '":"',
    "RSQB": '"]"',
    "LSQB": '"["',
    "COMMA": '","',
    "RULE": '"rule"',
    "GROUP": '"group"',
    "LAYER": '"layer"',
}


def _syntax_error(exc: UnexpectedInput, text: str) -> DslSyntaxError:
    line = getattr(exc, "line", 1) or 1
    if isinstance(exc, UnexpectedEOF):
        line = text.count("\n")
    expected = sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or [])
    wanted = ", ".join(dict.fromkeys(_EXPECTED_WORDS.get(e, e.lower()) for e in expected))
    if isinstance(exc, UnexpectedCharacters):
        found = repr(text[exc.pos_in_stream]) if exc.pos_in_stream < len(text) else "end of block"
        message = f"unexpected character {found}"
    elif isinstance(exc, UnexpectedToken):
        found = "end of line" if exc.token.type == "_EOL" else repr(str(exc.token))
        message = f"unexpected {found}"
    else:
        message = "unexpected end of block"
    hint = f"expected {wanted}" if wanted else "check the statement against its form"
    if not expected or {"RULE", "GROUP", "LAYER"} & set(expected):
        hint += "; a statement is one of: " + "; ".join(STATEMENT_FORMS)
    return DslSyntaxError(message, line, hint)


STATEMENT_FORMS = (
    'rule "ID" apply_to: TARGET PROP: VALUE ...',
    'group "NAME" nets: [NET, ...]',
    "layer LAYER direction: horizontal|vertical pitch: LENGTH",
)
