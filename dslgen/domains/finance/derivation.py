"""TAT-QA number notation: derivations ("(3,456 - 2,345)/2,345", "(110)" for -110, "6.9%" for
0.069) become FinQA programs (spec §2), and table cells ("$(19,898)", "(15)%") become numbers.

A derivation is parsed with lark into a small formula tree, then written as steps `op(arg, arg)`
with `#i` references, naming table cells by fact id where a number is one. The tree also decides
the scale rule of spec §5 (is a `percent` answer the result times 100?) and the question family
of the formula, the `intent` of a TAT-QA eval record.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lark import Lark, Transformer, UnexpectedInput

from dslgen.domains.finance.program import CONSTANTS
from dslgen.errors import DslgenError

_GRAMMAR = r"""
?start: sum
?sum: product | sum "+" product -> add | sum "-" product -> subtract
?product: unary | product "*" unary -> multiply | product "/" unary -> divide
?unary: atom | "-" unary -> negate
?atom: NUMBER -> number | "(" sum ")" -> paren | "[" sum "]"
NUMBER: /[$€£]?\s*(\d[\d,]*(\.\d+)?|\.\d+)\s*%?/
%ignore /\s+/
"""
_PARSER = Lark(_GRAMMAR, parser="lalr")
_CONSTANT_OF = {value: name for name, value in CONSTANTS.items()}
_MONEY = r"(?:[A-Z]{0,3}\$|[€£¥])?\s*"
_CELL = re.compile(
    rf"{_MONEY}\(?\s*(-)?\s*{_MONEY}(-)?\s*((?:0|[1-9][\d,]*)(?:\.\d+)?|\.\d+)\s*(%)?\s*\)?\s*(%)?"
)


class DerivationError(DslgenError, ValueError):
    """A TAT-QA derivation is not an arithmetic formula (empty, words, unbalanced brackets)."""


@dataclass(frozen=True)
class Number:
    """A number of a formula: `text` as a program literal without sign, `value` signed."""

    text: str
    value: float


@dataclass(frozen=True)
class Binary:
    op: str  # add | subtract | multiply | divide: the program op of the same name
    left: Number | Binary
    right: Number | Binary


Node = Number | Binary
_MINUS_ONE = Number("1", -1.0)


class _ToNodes(Transformer):  # type: ignore[type-arg]
    def number(self, children: list[Any]) -> Number:
        text = re.sub(r"[$€£\s]", "", str(children[0]))
        # Written without thousands commas, as the decoding grammar writes numbers.
        digits, percent = text.rstrip("%").replace(",", ""), text.endswith("%")
        if not re.fullmatch(r"(0|[1-9]\d*)(\.\d+)?", digits):  # ".5", "05": keep the value
            digits = format(float(digits), "f").rstrip("0").rstrip(".") or "0"
        value = float(digits)
        return Number(digits + "%" * percent, value / 100 if percent else value)

    def paren(self, children: list[Node]) -> Node:
        (child,) = children  # accounting notation: a bare number in parentheses is negative
        if isinstance(child, Number) and child.value > 0 and "%" not in child.text:
            return Number(child.text, -child.value)
        return child

    def negate(self, children: list[Node]) -> Node:
        (child,) = children
        if isinstance(child, Number):
            return Number(child.text, -child.value)
        return Binary("multiply", child, _MINUS_ONE)

    def __default__(self, data: Any, children: list[Node], meta: Any) -> Binary:
        return Binary(str(data), children[0], children[1])


def parse_derivation(derivation: str) -> Node:
    """The formula tree of a derivation; raises DerivationError naming the column."""
    if not derivation.strip():
        raise DerivationError("the derivation is empty: the answer is not computed by a formula")
    try:
        return _ToNodes().transform(_PARSER.parse(derivation))  # type: ignore[no-any-return]
    except UnexpectedInput as exc:
        raise DerivationError(
            f"the derivation {derivation!r} is not arithmetic at column {exc.column}: only "
            "numbers, + - * / and brackets are allowed"
        ) from None


def _binaries(node: Node) -> Iterator[Binary]:
    if isinstance(node, Binary):
        yield node
        yield from _binaries(node.left)
        yield from _binaries(node.right)


def formula_numbers(node: Node) -> Iterator[Number]:
    if isinstance(node, Number):
        yield node
    else:
        yield from formula_numbers(node.left)
        yield from formula_numbers(node.right)


def _times_100(node: Node) -> Node | None:
    """The other factor if `node` is `x * 100`, else None."""
    if isinstance(node, Binary) and node.op == "multiply":
        for this, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(this, Number) and this.value == 100:
                return other
    return None


def _is_count(node: Node) -> bool:
    return isinstance(node, Number) and node.value in range(1, 11)


def scales_to_percent(node: Node) -> bool:
    """Whether a `percent`-scale answer is the formula's result times 100.

    Spec §5 says: when the formula has no ×100. The data refines it: only when the result is a
    ratio (an `x%` literal, or a division by something other than an averaging count 1..10); a
    sum, difference or average of numbers that already are percentages ("13-12" of the cells
    "13%" and "12%", gold 1) is not scaled again.
    """
    if any(_times_100(b) is not None for b in _binaries(node)):
        return False
    if any(n.text.endswith("%") for n in formula_numbers(node)):
        return True
    return any(b.op == "divide" and not _is_count(b.right) for b in _binaries(node))


def derivation_program(
    derivation: str, scale: str = "", cells: Mapping[str, float] | None = None
) -> str:
    """The FinQA program of a TAT-QA derivation: "(3,456 - 2,345)/2,345" ->
    "subtract(3,456, 2,345), divide(#0, 2,345)".

    `cells` (fact id -> value, most relevant first): a number of the formula equal to a cell's
    signed value is written as that fact id, so the answer can cite it. With scale `percent` and
    a ratio-valued formula without ×100 (`scales_to_percent`), `multiply(#n, const_100)` is
    appended. Raises DerivationError for text that is not arithmetic.
    """
    node = parse_derivation(derivation)
    steps: list[str] = []
    last = _emit(node, steps, cells or {})
    if not steps:  # a lone number: a program has at least one step
        steps.append(f"multiply({last}, const_1)")
    if scale == "percent" and scales_to_percent(node):
        steps.append(f"multiply(#{len(steps) - 1}, const_100)")
    return ", ".join(steps)


def _emit(node: Node, steps: list[str], cells: Mapping[str, float]) -> str:
    """Append the steps computing `node` (operands first); return the argument naming it."""
    if isinstance(node, Number):
        for fact_id, value in cells.items():
            if math.isclose(value, node.value, rel_tol=1e-12, abs_tol=1e-12):
                return fact_id
        if node.value in _CONSTANT_OF and "%" not in node.text:
            return _CONSTANT_OF[node.value]
        return "-" * (node.value < 0) + node.text
    left, right = _emit(node.left, steps, cells), _emit(node.right, steps, cells)
    steps.append(f"{node.op}({left}, {right})")
    return f"#{len(steps) - 1}"


def derivation_intent(node: Node) -> str:
    """The question family of a formula, the `intent` of its record (docs/finance.md)."""
    node = _times_100(node) or node
    ops = {b.op for b in _binaries(node)}
    if not isinstance(node, Binary):
        return "lookup"
    if node.op == "divide" and _is_count(node.right) and ops <= {"add", "divide"}:
        return "average"
    if node.op == "divide" and isinstance(node.left, Binary) and node.left.op == "subtract":
        return "change_ratio"
    named = {"subtract": "difference", "add": "sum", "divide": "ratio", "multiply": "product"}
    return named[ops.pop()] if len(ops) == 1 else "multi_step"


def cell_value(text: str) -> tuple[float, bool] | None:
    """A table cell as (signed value, is a percentage), or None for text and dashes:
    "$ 6,577" -> (6577, False), "(317)" -> (-317, False), "(15)%" -> (-15, True)."""
    found = _CELL.fullmatch(text.strip())
    if found is None:
        return None
    value = float(found[3].replace(",", ""))
    negative = bool(found[1] or found[2]) or ("(" in text and ")" in text)
    return (-value if negative else value), bool(found[4] or found[5])
