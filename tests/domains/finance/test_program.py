"""The FinQA program language: what it computes, and the sentence each failure gives.

The tables below are the language's reference (docs/finance.md shows the same cases).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dslgen.domains.finance.program import (
    ProgramRuntimeError,
    ProgramSyntaxError,
    Step,
    execute_program,
    parse_number,
    parse_program,
)

FACTS = {"TSLA-2022Q3-revenue": 21_454_000_000.0, "TSLA-2021Q3-revenue": 13_757_000_000.0}
ROWS = {"TSLA-revenue": [13_757_000_000.0, 21_454_000_000.0], "X-eps": [1.0, -2.0, 4.0]}
SPEC_EXAMPLE = (
    "subtract(TSLA-2022Q3-revenue, TSLA-2021Q3-revenue), divide(#0, TSLA-2021Q3-revenue), "
    "multiply(#1, const_100)"
)

RESULTS = [
    (SPEC_EXAMPLE, 55.9497),
    ("add(1,234, 6.9%)", 1234.069),
    ("subtract(-5, const_m1)", -4.0),
    ("multiply(const_1000000, const_1000000000)", 1e15),
    ("exp(2, 10)", 1024.0),
    ("divide(1, 3)", 0.33333),
    ("divide(2, 3)", 0.66667),
    ("greater(TSLA-2022Q3-revenue, TSLA-2021Q3-revenue)", "yes"),
    ("greater(6.9%, 0.069)", "no"),
    ("table_sum(X-eps, none)", 3.0),
    ("table_average(X-eps, none)", 1.0),
    ("table_max(X-eps, none)", 4.0),
    ("table_min(X-eps, none), multiply(#0, const_10)", -20.0),
    ("add(1, 2),add(#0,#0)", 6.0),  # spacing is free
    ("divide(1, 3), multiply(#0, 3)", 1.0),  # only the answer is rounded
    ("subtract(1, 1), multiply(#0, const_m1)", 0.0),  # never -0.0
]


@pytest.mark.parametrize(("program", "expected"), RESULTS)
def test_results(program, expected):
    assert execute_program(program, FACTS, ROWS) == expected


def test_parse_keeps_arguments_as_written():
    assert parse_program("add(1,234, #0), table_max(T-r, none)") == [
        Step("add", ("1,234", "#0")),
        Step("table_max", ("T-r", "none")),
    ]


SYNTAX_ERRORS = [
    ("", "empty"),
    ("   ", "empty"),
    ("sum(1, 2)", "column 1"),
    ("add(1)", "column 6"),
    ("add(1, 2, 3)", "column 9"),
    ("add(1, 2) add(3, 4)", "column 11"),
    ("add(1, 2),", "does not parse"),
    ("add(const_99, 1)", "unknown constant 'const_99'"),
    ("add(none, 1)", "`none` is only the second argument"),
    ("table_sum(X-eps, 3)", "takes `none` here"),
    ("table_sum(#0, none)", "takes a row name"),
    ("add((1), 2)", "column 5"),
]


@pytest.mark.parametrize(("program", "says"), SYNTAX_ERRORS)
def test_syntax_errors(program, says):
    with pytest.raises(ProgramSyntaxError) as caught:
        parse_program(program)
    assert says in str(caught.value)
    with pytest.raises(ProgramSyntaxError):
        execute_program(program, FACTS, ROWS)


RUNTIME_ERRORS = [
    ("divide(1, 0)", "step 0 (divide): division by zero"),
    ("subtract(1, 1), divide(5, #0)", "step 1 (divide): division by zero"),
    ("add(#0, 1)", "step that has not run yet"),
    ("add(1, 2), add(#1, 1)", "#i may only name an earlier step (#0 .. #0)"),
    ("greater(2, 1), add(#0, 1)", "#0 is a yes/no result"),
    ("exp(10, 400)", "cannot be computed"),
    ("exp(-8, 0.5)", "not a finite real number"),
    ("multiply(1000000000000000000000000000000000, 1e300)", "does not parse"),
    ("add(TSLA-2020Q3-revenue, 1)", "unknown fact id 'TSLA-2020Q3-revenue'"),
    ("table_sum(TSLA-eps, none)", "unknown table row 'TSLA-eps'"),
]


@pytest.mark.parametrize(("program", "says"), RUNTIME_ERRORS)
def test_runtime_errors(program, says):
    error = ProgramSyntaxError if says == "does not parse" else ProgramRuntimeError
    with pytest.raises(error) as caught:
        execute_program(program, FACTS, ROWS)
    assert says in str(caught.value)


def test_errors_are_value_errors():
    assert issubclass(ProgramSyntaxError, ValueError)
    assert issubclass(ProgramRuntimeError, ValueError)


def test_rows_are_optional():
    with pytest.raises(ProgramRuntimeError, match="none in this context"):
        execute_program("table_sum(TSLA-revenue, none)", FACTS)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,234", 1234.0), ("6.9%", 0.069), ("-2.5", -2.5), ("1,234,567.5%", 12345.675)],
)
def test_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(0, 99999))
def test_any_written_number_round_trips(whole, fraction):
    text = f"{whole}.{fraction:05d}"
    assert execute_program(f"add({text}, 0)", {}) == pytest.approx(float(text), abs=1e-5)


@given(st.text(max_size=60))
def test_any_text_parses_or_says_why(text):
    """The executor never lets another exception out: any text is a result or a sentence."""
    try:
        execute_program(text, FACTS, ROWS)
    except (ProgramSyntaxError, ProgramRuntimeError) as exc:
        assert str(exc)
