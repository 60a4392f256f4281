"""The FinQA program language of finance answers (spec §2): parse with lark, execute on facts.

A program is steps `op(arg, arg)` joined by `, `; the last step's result is the answer. Parsing
checks the form (known ops, known constants, `none` only as a table op's second argument);
execution looks up fact ids and table rows and fails with `ProgramRuntimeError` on anything that
cannot be computed (unknown id, division by zero, a `#i` that does not point backwards, overflow).
The validator, the question generator, the TAT-QA converter and scoring all run this one executor.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lark import Lark, Token, Tree, UnexpectedInput

from dslgen.errors import DslgenError

ARITHMETIC_OPS = ("add", "subtract", "multiply", "divide", "exp", "greater")
TABLE_OPS = ("table_sum", "table_average", "table_max", "table_min")
OPS = ARITHMETIC_OPS + TABLE_OPS

CONSTANTS: dict[str, float] = {
    **{f"const_{i}": float(i) for i in range(1, 11)},
    "const_100": 100.0,
    "const_1000": 1000.0,
    "const_1000000": 1_000_000.0,
    "const_1000000000": 1_000_000_000.0,
    "const_m1": -1.0,
}

# What a fact id (and a table row name) may look like: it starts with a letter so that it can
# never be read as a number, and has no space, comma or bracket so that it needs no quoting.
FACT_ID_PATTERN = r"[A-Za-z][A-Za-z0-9_.\-]*"
NUMBER_PATTERN = r"-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?%?"
DECIMALS = 5

_GRAMMAR = rf"""
start: step ("," step)*
step: OP "(" ARG "," ARG ")"
OP: {" | ".join(f'"{op}"' for op in sorted(OPS, key=len, reverse=True))}
ARG: NUMBER | REF | NAME
NUMBER: /{NUMBER_PATTERN}/
REF: /#\d+/
NAME: /{FACT_ID_PATTERN}/
%ignore /[ \t]+/
"""
_PARSER = Lark(_GRAMMAR, parser="lalr")


class ProgramSyntaxError(DslgenError, ValueError):
    """The calculation is not a program of the language; the message names the column."""


class ProgramRuntimeError(DslgenError, ValueError):
    """The program parses but cannot be computed; the message names the step and the cause."""


@dataclass(frozen=True)
class Step:
    """One `op(arg, arg)`; args are kept as written (`1,234`, `#0`, `const_100`, a fact id)."""

    op: str
    args: tuple[str, ...]


def parse_program(text: str) -> list[Step]:
    """The steps of `text`; raises ProgramSyntaxError with the column and what was expected."""
    if not text.strip():
        raise ProgramSyntaxError("the calculation is empty; write steps like `divide(a, b)`")
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise ProgramSyntaxError(_syntax_message(text, exc)) from None
    steps: list[Step] = []
    for node in tree.children:  # the `step` subtrees, in order
        if not isinstance(node, Tree):
            continue
        index = len(steps)
        op, *args = [str(t) for t in node.children if isinstance(t, Token)]
        steps.append(Step(op, tuple(args)))
        _check_args(index, op, args)
    return steps


def _syntax_message(text: str, exc: UnexpectedInput) -> str:
    column = getattr(exc, "column", 0) or len(text) + 1
    near = text[max(column - 1, 0) : column + 11] or "the end"
    return (
        f"the calculation does not parse at column {column} (near {near!r}): steps must be "
        f"`op(arg, arg)` joined by `, ` with op one of {', '.join(OPS)}"
    )


def _check_args(index: int, op: str, args: list[str]) -> None:
    """Form rules the lark grammar leaves to us: constants, `none`, row names."""
    for position, arg in enumerate(args):
        where = f"step {index} ({op}) argument {position + 1}"
        if arg.startswith("const_") and arg not in CONSTANTS:
            raise ProgramSyntaxError(
                f"{where}: unknown constant {arg!r}; use one of {', '.join(CONSTANTS)}"
            )
        if op in TABLE_OPS:
            if position == 1 and arg != "none":
                raise ProgramSyntaxError(f"{where}: a table op takes `none` here, not {arg!r}")
            if position == 0 and not re.fullmatch(FACT_ID_PATTERN, arg):
                raise ProgramSyntaxError(f"{where}: a table op takes a row name, not {arg!r}")
        elif arg == "none":
            raise ProgramSyntaxError(f"{where}: `none` is only the second argument of table ops")


def parse_number(text: str) -> float:
    """A number argument as a float: `1,234` -> 1234.0, `6.9%` -> 0.069."""
    percent = text.endswith("%")
    value = float(text.rstrip("%").replace(",", ""))
    return value / 100 if percent else value


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "exp": lambda a, b: a**b,
}
_TABLE: dict[str, Callable[[Sequence[float]], float]] = {
    "table_sum": lambda row: math.fsum(row),
    "table_average": lambda row: math.fsum(row) / len(row),
    "table_max": max,
    "table_min": min,
}


def execute_program(
    text: str,
    facts: Mapping[str, float],
    rows: Mapping[str, Sequence[float]] | None = None,
) -> float | str:
    """The result of the last step: a float rounded to 5 decimals, or "yes"/"no" from `greater`.

    Intermediate results keep full precision; only the answer is rounded. Raises
    ProgramSyntaxError for text that does not parse and ProgramRuntimeError for everything that
    parses but cannot be computed.
    """
    results: list[float | str] = []
    for index, step in enumerate(parse_program(text)):
        results.append(_run_step(index, step, facts, rows or {}, results))
    last = results[-1]
    return last if isinstance(last, str) else round(last, DECIMALS) + 0.0


def _run_step(
    index: int,
    step: Step,
    facts: Mapping[str, float],
    rows: Mapping[str, Sequence[float]],
    results: list[float | str],
) -> float | str:
    where = f"step {index} ({step.op})"
    if step.op in _TABLE:
        row = rows.get(step.args[0])
        if not row:
            known = ", ".join(sorted(rows)[:8]) or "none in this context"
            raise ProgramRuntimeError(f"{where}: unknown table row {step.args[0]!r}; rows: {known}")
        return _checked(where, lambda: _TABLE[step.op]([float(v) for v in row]))
    a, b = (_value(where, arg, facts, results) for arg in step.args)
    if step.op == "greater":
        return "yes" if a > b else "no"
    return _checked(where, lambda: _ARITHMETIC[step.op](a, b))


def _checked(where: str, compute: Callable[[], float]) -> float:
    try:
        value = compute()
    except ZeroDivisionError:
        raise ProgramRuntimeError(f"{where}: division by zero") from None
    except (OverflowError, ValueError) as exc:
        raise ProgramRuntimeError(f"{where}: the result cannot be computed ({exc})") from None
    if isinstance(value, complex) or not math.isfinite(value):
        raise ProgramRuntimeError(f"{where}: the result is not a finite real number")
    return float(value)


def _value(where: str, arg: str, facts: Mapping[str, float], results: list[float | str]) -> float:
    if arg.startswith("#"):
        i = int(arg[1:])
        if i >= len(results):
            raise ProgramRuntimeError(
                f"{where}: {arg} refers to a step that has not run yet; "
                f"#i may only name an earlier step (#0 .. #{len(results) - 1})"
                if results
                else f"{where}: {arg} refers to a step that has not run yet (this is the first)"
            )
        value = results[i]
        if isinstance(value, str):
            raise ProgramRuntimeError(f"{where}: {arg} is a yes/no result, not a number")
        return value
    if arg in CONSTANTS:
        return CONSTANTS[arg]
    if arg[0].isdigit() or arg[0] == "-":
        return parse_number(arg)
    if arg not in facts:
        raise ProgramRuntimeError(f"{where}: unknown fact id {arg!r}; cite ids from the context")
    return float(facts[arg])
