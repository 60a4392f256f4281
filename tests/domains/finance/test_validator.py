"""The finance validator: one case per error class of spec §3 (an answer that fails with exactly
that class, in the layer docs/finance.md maps it to), valid gold answers with their state, the
value tolerance at its edges, and the FinanceDomain methods built on the validator."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dslgen.domains.finance.answer import answer_json, values_agree
from dslgen.domains.finance.documents import EXAMPLE_CONTEXT, example_answers, format_documents
from dslgen.domains.finance.domain import FinanceDomain
from dslgen.domains.finance.validator import validate_answer
from dslgen.errors import ScriptInvalidError

EXAMPLES = example_answers()
QUESTION, GOLD = EXAMPLES[0]  # YoY revenue growth of ACME in 2023Q2
CONTEXT = EXAMPLE_CONTEXT.model_copy(update={"question": QUESTION})
GOLD_TEXT = answer_json(GOLD)


def _with(**changes) -> str:
    data = json.loads(GOLD_TEXT)
    data.update(changes)
    return json.dumps(data)


def _asking(question: str):
    return EXAMPLE_CONTEXT.model_copy(update={"question": question})


INVEST = "Is Acme Robotics a good stock to invest in?"
ACME_REV = [
    {"source": "ACME-2023Q2-revenue", "timestamp": "2023-07-28"},
    {"source": "ACME-2022Q2-revenue", "timestamp": "2022-07-29"},
]

# class -> (answer text, context, the layer that fails)
ERROR_CASES = {
    "json_syntax": (GOLD_TEXT[:-1], CONTEXT, "valid_syntax"),
    "schema": (_with(value="25.33"), CONTEXT, "valid_syntax"),
    "calc_syntax": (
        _with(calculation="subtract(ACME-2023Q2-revenue ACME-2022Q2-revenue)"),
        CONTEXT,
        "valid_dsl_blocks",
    ),
    "calc_runtime": (_with(calculation="divide(ACME-2023Q2-revenue, 0)"), CONTEXT, "semantics_ok"),
    "value_mismatch": (_with(value=25.4), CONTEXT, "semantics_ok"),
    "unknown_source": (
        _with(citations=[*ACME_REV, {"source": "ACME-2019Q1-revenue", "timestamp": "2019-04-30"}]),
        CONTEXT,
        "policy_ok",
    ),
    "missing_citation": (_with(citations=[]), CONTEXT, "policy_ok"),
    "missing_risk_note": (GOLD_TEXT, _asking(INVEST), "policy_ok"),
    "ticker_mismatch": (_with(tickers=["BOLT"]), CONTEXT, "policy_ok"),
}
LAYERS = ("valid_syntax", "valid_dsl_blocks", "policy_ok", "semantics_ok")


@pytest.mark.parametrize("cls", sorted(ERROR_CASES))
def test_each_error_class(cls):
    text, context, layer = ERROR_CASES[cls]
    report = validate_answer(text, context)
    assert report.error_classes == [cls], [e.render() for e in report.errors]
    assert not report.valid and report.state is None
    verdicts = {name: getattr(report, name) for name in LAYERS}
    failed = LAYERS.index(layer)
    assert verdicts[layer] is False
    # the layers before ran and passed (the DSL layer may not run); the ones after did not run
    assert all(verdicts[n] in (True, None) for n in LAYERS[:failed])
    assert all(verdicts[n] is None for n in LAYERS[failed + 1 :])
    error = report.errors[0]
    assert error.line == 1 and error.message and error.hint


def test_the_table_covers_spec_classes():
    spec = "json_syntax schema calc_syntax calc_runtime value_mismatch unknown_source "
    spec += "missing_citation missing_risk_note ticker_mismatch"
    assert sorted(ERROR_CASES) == sorted(spec.split())


MORE_CASES = [
    (_with(unit="dollars"), CONTEXT, "schema"),
    (_with(extra=1), CONTEXT, "schema"),
    (
        json.dumps({k: v for k, v in json.loads(GOLD_TEXT).items() if k != "risk_note"}),
        CONTEXT,
        "schema",
    ),
    (_with(tickers=["A", "B", "C", "D", "E", "F"]), CONTEXT, "schema"),
    (_with(context_required=1), CONTEXT, "schema"),
    (_with(value=True), CONTEXT, "schema"),
    ("[1, 2]", CONTEXT, "schema"),
    ("", CONTEXT, "json_syntax"),
    (GOLD_TEXT + " trailing", CONTEXT, "json_syntax"),
    (_with(calculation="add(const_99, 1)"), CONTEXT, "calc_syntax"),
    (_with(calculation="add(#1, 1)"), CONTEXT, "calc_runtime"),
    (_with(calculation="add(ACME-2023Q2-revenue, ACME-2031Q2-revenue)"), CONTEXT, "calc_runtime"),
    (_with(value=None), CONTEXT, "value_mismatch"),
    (_with(value=0.2533), CONTEXT, "value_mismatch"),  # a ratio where percent points are due
    (_with(citations=[ACME_REV[0] | {"timestamp": "2023-07-29"}]), CONTEXT, "unknown_source"),
    (
        _with(citations=[{"source": "ACME-call-2023Q2-1", "timestamp": "2023-07-27"}]),
        CONTEXT,
        "missing_citation",
    ),
    (_with(tickers=["ZZZ"]), _asking("Which company grew fastest?"), "ticker_mismatch"),
    (_with(tickers=["ACME", "BOLT"]), CONTEXT, "ticker_mismatch"),
]


@pytest.mark.parametrize(("text", "context", "cls"), MORE_CASES)
def test_more_cases(text, context, cls):
    assert validate_answer(text, context).error_classes == [cls]


def test_json_syntax_names_the_line():
    text = json.dumps(json.loads(GOLD_TEXT), indent=2).replace(
        '"unit": "percent"', '"unit" "percent"'
    )
    report = validate_answer(text, CONTEXT)
    assert report.error_classes == ["json_syntax"] and report.errors[0].line == 4


def test_schema_error_names_the_line_of_its_key():
    text = json.dumps(json.loads(_with(unit="dollars")), indent=2)
    assert validate_answer(text, CONTEXT).errors[0].line == 4
    assert "field unit" in validate_answer(text, CONTEXT).errors[0].message


@pytest.mark.parametrize(("question", "gold"), EXAMPLES)
def test_gold_answers_are_valid(question, gold):
    report = validate_answer(answer_json(gold), _asking(question))
    assert report.valid, [e.render() for e in report.errors]
    assert report.state is not None
    assert report.state["unit"] == gold.unit
    assert report.state["tickers"] == gold.tickers
    assert report.state["citations"] == [c.source for c in gold.citations]


def test_state_of_a_growth_answer():
    state = validate_answer(GOLD_TEXT, CONTEXT).state
    assert state == {
        "value": GOLD.value,
        "unit": "percent",
        "executed": 25.32895,
        "tickers": ["ACME"],
        "citations": ["ACME-2023Q2-revenue", "ACME-2022Q2-revenue"],
    }


def test_yes_no_answers():
    question, gold = EXAMPLES[2]  # "No, BOLT's revenue grew less than 10% ..."
    context = _asking(question)
    assert validate_answer(answer_json(gold), context).state["value"] == "no"
    said_yes = json.loads(answer_json(gold)) | {"answer": "Yes, it did."}
    assert validate_answer(json.dumps(said_yes), context).error_classes == ["value_mismatch"]
    with_value = json.loads(answer_json(gold)) | {"value": 7.4}
    assert validate_answer(json.dumps(with_value), context).error_classes == ["value_mismatch"]
    phrased = json.loads(answer_json(gold)) | {"answer": "BOLT grew less than 10%."}
    assert validate_answer(json.dumps(phrased), context).valid


def test_lookup_without_calculation():
    lookup = {"value": 1905000000, "unit": "usd", "calculation": None, "citations": ACME_REV[:1]}
    assert validate_answer(_with(**lookup), CONTEXT).valid
    off = lookup | {"value": 1805000000}
    assert validate_answer(_with(**off), CONTEXT).error_classes == ["value_mismatch"]
    from_call = {"value": 25, "unit": "percent", "calculation": None}
    cite_call = from_call | {
        "citations": [{"source": "ACME-call-2023Q2-1", "timestamp": "2023-07-27"}]
    }
    assert validate_answer(_with(**cite_call), CONTEXT).valid  # the CFO said "25%"


def test_investment_answer_with_risk_note_passes():
    assert validate_answer(_with(risk_note="Not investment advice."), _asking(INVEST)).valid


TOLERANCE = [
    (55.95, 55.9497, "percent", True),
    (10.01, 10.0, "percent", True),  # exactly 0.01 points
    (10.011, 10.0, "percent", False),
    (-3.0, -3.0099, "percent", True),
    (1005.0, 1000.0, "usd", True),  # exactly 0.5 %
    (1005.1, 1000.0, "usd", False),
    (-1004.9, -1000.0, "ratio", True),
    (0.0, 0.0, "count", True),
    (1e-12, 0.0, "usd", True),  # float noise only
    (0.001, 0.0, "usd", False),
    (1.0051, 1.0, "ratio", False),
    ("yes", "yes", "none", True),
    ("yes", "no", "none", False),
    ("yes", 1.0, "none", False),
    (None, None, "none", True),
    (None, 0.0, "usd", False),
    (0.0, None, "usd", False),
]


@pytest.mark.parametrize(("actual", "expected", "unit", "agree"), TOLERANCE)
def test_tolerance(actual, expected, unit, agree):
    assert values_agree(actual, expected, unit) is agree


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.builds(_with, value=st.floats(allow_nan=True)))
def test_any_text_gets_a_report(text):
    report = validate_answer(text, CONTEXT)
    assert report.valid or report.errors


def test_domain_validate_execute_outcome():
    domain = FinanceDomain()
    fixture = CONTEXT.model_dump(mode="json")
    state = domain.execute(GOLD_TEXT, fixture)
    assert domain.validate(GOLD_TEXT, fixture).valid
    assert domain.outcome_matches(state, {"value": 25.33, "unit": "percent"})
    assert not domain.outcome_matches(state, {"value": 25.35, "unit": "percent"})
    assert not domain.outcome_matches(None, {"value": 25.33, "unit": "percent"})
    assert domain.outcome_matches({"value": None}, {"value": None, "unit": "none"})
    with pytest.raises(ScriptInvalidError) as caught:
        domain.execute(_with(value=1.0), fixture)
    assert caught.value.report.error_classes == ["value_mismatch"]


def test_domain_documents():
    domain = FinanceDomain()
    docs = domain.documents()
    assert docs == format_documents()
    assert [d.id for d in docs if d.always] == [
        "finance:schema",
        "finance:program",
        "finance:rules",
    ]
    assert sum(d.kind == "example" for d in docs) >= 6
    context = domain.task_context(None)  # type: ignore[arg-type]
    assert "Answer: one line of JSON" in context and "Calculation:" in context


def test_the_calculation_is_reported_as_the_answers_program_block():
    """Eval metrics count program parse rates over reported blocks, as for pdflow's DSL blocks."""
    good = validate_answer(GOLD_TEXT, CONTEXT)
    assert [(b.line, b.valid) for b in good.dsl_blocks] == [(1, True)]
    broken = GOLD_TEXT.replace("(", "((", 1)
    assert [b.valid for b in validate_answer(broken, CONTEXT).dsl_blocks] == [False]
