"""TAT-QA as the `tatqa` suite: derivations become programs that the executor runs to the gold.

The unit tests need no data. The acceptance tests read the real TAT-QA test file from
$DSLGEN_DATA_DIR (default ../shared/data next to the repository), skip when it is absent, and
pin exact counts so that a regression of parser, table reader or executor changes a number.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lark import Lark

from dslgen.domains.finance.answer import values_agree
from dslgen.domains.finance.context import parse_context
from dslgen.domains.finance.derivation import (
    DerivationError,
    cell_value,
    derivation_intent,
    parse_derivation,
)
from dslgen.domains.finance.grammar import answer_grammar
from dslgen.domains.finance.program import execute_program, parse_program
from dslgen.domains.finance.tatqa import (
    FILE,
    derivation_program,
    table_context,
    tatqa_checks,
    tatqa_records,
)
from dslgen.domains.finance.validator import validate_answer
from dslgen.errors import InputFileError

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = Path(os.environ.get("DSLGEN_DATA_DIR") or ROOT.parent / "shared" / "data")
TATQA = DATA_DIR / FILE
RECORD_KEYS = {
    "id", "suite", "level", "intent", "instruction", "fixture", "expected_state", "reference",
    "template_id", "param_key",
}  # fmt: skip

# (derivation, scale, program, value): the translation's reference table. Numbers lose their
# thousands commas and currency signs: the decoding grammar writes numbers that way.
PROGRAMS = [
    ("(3,456 - 2,345)/2,345", "", "subtract(3456, 2345), divide(#0, 2345)", 0.47377),
    ("(110)", "", "multiply(-110, const_1)", -110.0),
    ("(110) + 20", "", "add(-110, 20)", -90.0),
    ("-$52,982-(-19,342)", "", "subtract(-52982, -19342)", -33640.0),
    ("(77.2+60.4)/2", "", "add(77.2, 60.4), divide(#0, const_2)", 68.8),
    ("[(3,401.2+3,011.5)/2] - [(3,011.5+2,618.2)/2]", "", "add(3401.2, 3011.5), divide(#0, "
     "const_2), add(3011.5, 2618.2), divide(#2, const_2), subtract(#1, #3)", 391.5),
    ("-(11.4+8.5) / 2", "", "add(11.4, 8.5), multiply(#0, const_m1), divide(#1, const_2)", -9.95),
    ("16.6/93.8", "percent", "divide(16.6, 93.8), multiply(#0, const_100)", 17.69723),
    ("(16.6/93.8 ) * 100", "percent", "divide(16.6, 93.8), multiply(#0, const_100)", 17.69723),
    ("32.0% - 31.8%", "percent", "subtract(32.0%, 31.8%), multiply(#0, const_100)", 0.2),
    ("(32.0% - 31.8% ) * 100", "percent", "subtract(32.0%, 31.8%), multiply(#0, const_100)", 0.2),
    ("13-12", "percent", "subtract(13, 12)", 1.0),  # percentage points: not scaled again
    ("(47+46) / 2", "percent", "add(47, 46), divide(#0, const_2)", 46.5),
    ("$ 90,963-$ 84,886", "thousand", "subtract(90963, 84886)", 6077.0),
    (".5 * 1,6000", "", "multiply(0.5, 16000)", 8000.0),
]  # fmt: skip


@pytest.mark.parametrize(("derivation", "scale", "program", "value"), PROGRAMS)
def test_derivation_program(derivation, scale, program, value):
    assert derivation_program(derivation, scale) == program
    assert execute_program(program, {}) == pytest.approx(value, abs=1e-5)


def test_numbers_equal_to_cells_become_fact_ids():
    cells = {"T1-inventories-as_reported": 1571.7, "T1-inventories-adjustments": -3.1}
    program = derivation_program("(1,571.7 + (3.1)) / 1,571.7", cells=cells)
    assert program == (
        "add(T1-inventories-as_reported, T1-inventories-adjustments), "
        "divide(#0, T1-inventories-as_reported)"
    )
    assert execute_program(program, cells) == pytest.approx(1568.6 / 1571.7, abs=1e-5)


@pytest.mark.parametrize("derivation", ["", "   ", "two apples", "(1+2", "3 ** 2", "1 + 2)"])
def test_non_arithmetic_derivations_are_refused_with_a_sentence(derivation):
    with pytest.raises(DerivationError, match="derivation"):
        derivation_program(derivation)


INTENTS = [
    ("29,566-27,627", "difference"), ("((4,421.8-4,029.3)/4,029.3 ) * 100", "change_ratio"),
    ("(2,823 + 1,870 + 780) / 3", "average"), ("108+114", "sum"),
    ("(3,656/177,216) * 100", "ratio"), ("19,468,186*48.105", "product"),
    ("(831.7+1,571.7+93.8)/691.6", "multi_step"),
]  # fmt: skip


@pytest.mark.parametrize(("derivation", "intent"), INTENTS)
def test_intent_of_a_formula(derivation, intent):
    assert derivation_intent(parse_derivation(derivation)) == intent


CELLS = [
    ("$ 6,577", (6577.0, False)), ("(317)", (-317.0, False)), ("$(19,898)", (-19898.0, False)),
    ("(15)%", (-15.0, True)), ("12.7%", (12.7, True)), ("-34.8", (-34.8, False)),
    ("0", (0.0, False)), ("—", None), ("$—", None), ("US$000", None), ("Various", None),
]  # fmt: skip


@pytest.mark.parametrize(("cell", "parsed"), CELLS)
def test_cell_value(cell, parsed):
    assert cell_value(cell) == parsed


def _formula(leaves: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Formulas in TAT-QA notation; sub-formulas are bracketed, bare numbers never are (a
    bracketed bare number is negative in accounting notation)."""
    return st.recursive(
        leaves,
        lambda inner: st.builds(
            lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from("+-*/"), inner
        ),
        max_leaves=6,
    )


LEAVES = st.one_of(
    st.integers(1, 99_999).map(lambda n: f"{n:,}"),
    st.integers(1, 9999).map(lambda n: f"{n / 10:.1f}"),
)


@given(_formula(LEAVES))
def test_any_formula_computes_what_python_computes(formula):
    try:  # the formula is made of digits, commas, dots, operators and brackets
        expected = eval(formula.replace(",", ""))
    except ZeroDivisionError:
        assume(False)
    assume(math.isfinite(expected) and abs(expected) < 1e12)
    program = derivation_program(formula)
    assert execute_program(program, {}) == pytest.approx(round(expected, 5), rel=1e-9, abs=1e-5)


ITEM = {
    "table": {
        "uid": "abc",
        "table": [
            ["", "Year Ended December 31,", ""],
            ["", "2019", "2018"],
            ["Current assets", "", ""],
            ["Inventories", "$1,571.7", "1,402.0"],
            ["Total", "3,000", "2,900"],
            ["Current liabilities", "", ""],
            ["Total", "(1,000)", "—"],
            ["Margin", "12.5%", "11%"],
        ],
    },
    "paragraphs": [{"uid": "p", "order": 1, "text": "Amounts in thousands."}],
    "questions": [
        {"uid": "q1", "order": 1, "question": "What is the change in inventories?",
         "answer": 169.7, "derivation": "1,571.7 - 1,402.0", "answer_type": "arithmetic",
         "answer_from": "table", "rel_paragraphs": ["1"], "scale": "thousand",
         "mappings": [{"table": [3, 1]}, {"table": [3, 2]}]},
        {"uid": "q2", "order": 2, "question": "What is the margin change in percent?",
         "answer": 1.5, "derivation": "12.5-11", "answer_type": "arithmetic",
         "answer_from": "table", "rel_paragraphs": [], "scale": "percent",
         "mappings": [{"table": [7, 1]}, {"table": [7, 2]}]},
        {"uid": "q3", "order": 3, "question": "What is in the paragraph?", "answer": ["x"],
         "derivation": "", "answer_type": "span", "answer_from": "text", "rel_paragraphs": ["1"],
         "scale": "", "mappings": []},
    ],
}  # fmt: skip


def test_table_facts_are_named_by_row_and_column():
    table = table_context(ITEM, "T7")
    facts = {f["id"]: f for f in table.context["facts"]}
    assert list(facts) == [
        "T7-inventories-2019",
        "T7-inventories-2018",
        "T7-current_assets_total-2019",
        "T7-current_assets_total-2018",
        "T7-current_liabilities_total-2019",  # the dash is no number
        "T7-margin-2019",
        "T7-margin-2018",
    ]
    assert facts["T7-current_liabilities_total-2019"]["value"] == -1000.0
    assert facts["T7-margin-2019"]["unit"] == "percent"
    assert facts["T7-inventories-2019"]["unit"] == "thousand"
    assert facts["T7-inventories-2019"]["period"] == "Year Ended December 31, 2019"
    assert facts["T7-inventories-2018"]["period"] == "2018"
    assert table.context["snippets"][0]["id"] == "T7-p1"


def test_records_of_a_small_file(tmp_path):
    path = tmp_path / "tatqa.json"
    path.write_text(json.dumps([ITEM]))
    records = tatqa_records(path)
    assert [r["param_key"] for r in records] == ["q1", "q2"]  # spans are not in the suite
    first, second = records
    assert set(first) == RECORD_KEYS and first["suite"] == "tatqa"
    assert first["fixture"]["question"] == first["instruction"]
    assert first["expected_state"] == {"value": 169.7, "unit": "usd"}
    assert second["expected_state"] == {"value": 1.5, "unit": "percent"}
    answer = json.loads(first["reference"])
    assert answer["calculation"] == "subtract(T1-inventories-2019, T1-inventories-2018)"
    assert [c["source"] for c in answer["citations"]] == [
        "T1-inventories-2019",
        "T1-inventories-2018",
        "T1-p1",
    ]
    for record in records:
        assert validate_answer(record["reference"], parse_context(record["fixture"])).valid


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="DSLGEN_DATA_DIR"):
        tatqa_records(tmp_path / "absent.json")


# --- acceptance on the real TAT-QA test file ---------------------------------------------------

needs_tatqa = pytest.mark.skipif(not TATQA.is_file(), reason=f"no TAT-QA data at {TATQA}")
ARITHMETIC = 699
REPRODUCED = 689  # the executor gives the gold within the spec tolerance
# The other ten, by uid prefix: a small ratio whose gold is rounded to 2 decimals, beyond the
# 0.5 % tolerance (kept, expected value = the exact result), or a gold that disagrees with its
# own derivation (left out). docs/finance.md lists them with their questions.
EXCEPTIONS = {
    "53f5f57955": "rounded", "d96471e34f": "rounded", "d06c686c79": "rounded",
    "7662d5a455": "rounded", "15e255ba2b": "rounded", "8bdc5d0e03": "rounded",
    "b610b2e2b8": "rounded", "65f3019f77": "rounded",
    "468395ce97": "inconsistent", "766c916963": "inconsistent",
}  # fmt: skip


@pytest.fixture(scope="module")
def checks():
    return tatqa_checks(TATQA)


@pytest.fixture(scope="module")
def records():
    return tatqa_records(TATQA)


@needs_tatqa
def test_every_evaluable_derivation_reproduces_its_gold(checks):
    statuses = Counter(c.status for c in checks)
    assert len(checks) == ARITHMETIC
    assert statuses["not_arithmetic"] == 0  # every derivation of the test set parses
    assert statuses["reproduced"] == REPRODUCED
    assert {c.uid[:10]: c.status for c in checks if c.status != "reproduced"} == EXCEPTIONS
    for check in checks:
        if check.status == "reproduced":
            assert values_agree(check.executed, check.gold, check.unit), check
        elif check.status == "rounded":
            assert round(check.executed, 2) == check.gold and abs(check.gold) < 1, check
        else:  # both inconsistent golds are percentages the annotator forgot to multiply by 100
            assert round(check.executed / 100, 2) == pytest.approx(check.gold, abs=0.011), check


@needs_tatqa
def test_records_validate_and_reach_their_expected_value(records):
    assert len(records) == REPRODUCED + list(EXCEPTIONS.values()).count("rounded")
    assert len({r["id"] for r in records}) == len(records)
    assert Counter(r["expected_state"]["unit"] for r in records) == {
        "usd": 311, "percent": 282, "none": 89, "ratio": 15,
    }  # fmt: skip
    for record in records:
        assert set(record) == RECORD_KEYS
        context = parse_context(record["fixture"])
        report = validate_answer(record["reference"], context)
        assert report.valid, (record["id"], report.errors)
        expected = record["expected_state"]
        assert values_agree(report.state["executed"], expected["value"], expected["unit"])


@needs_tatqa
def test_programs_name_table_cells(records):
    """Most numbers of a derivation are table cells; the program names them so they are cited."""
    named = literal = 0
    for record in records:
        facts = {f["id"] for f in record["fixture"]["facts"]}
        calculation = json.loads(record["reference"])["calculation"]
        args = [arg for step in parse_program(calculation) for arg in step.args]
        named += sum(a in facts for a in args)
        literal += sum(a[:1].isdigit() or a[:1] == "-" for a in args)
    assert named / (named + literal) > 0.85


@needs_tatqa
def test_references_are_answers_the_decoding_grammar_can_write(records):
    for record in records[::10]:  # every record does (33 s); a tenth keeps the suite fast
        grammar = answer_grammar(parse_context(record["fixture"]))
        Lark(grammar, parser="earley").parse(record["reference"])
