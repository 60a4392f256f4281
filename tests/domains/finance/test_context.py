"""The finance context: its accessors, the sentences bad contexts get, question analysis, how it
renders in a prompt, and the FinanceDomain methods that take a fixture."""

from __future__ import annotations

import pytest

from dslgen.domains.finance.context import (
    FinanceContextError,
    is_investment_question,
    mentioned_tickers,
    parse_context,
)
from dslgen.domains.finance.documents import render_context
from dslgen.domains.finance.domain import FinanceDomain


def _fact(ticker, period, metric, value, source="10-Q 2022-10-24"):
    return {
        "id": f"{ticker}-{period}-{metric}",
        "ticker": ticker,
        "period": period,
        "metric": metric,
        "value": value,
        "unit": "USD",
        "source": source,
    }


CONTEXT = {
    "facts": [
        _fact("TSLA", "2022Q3", "revenue", 21454000000),
        _fact("TSLA", "2021Q3", "revenue", 13757000000, "10-Q 2021-10-25"),
        _fact("F", "2022Q3", "revenue", 39392000000, "annual report"),
    ],
    "snippets": [
        {
            "id": "TSLA-call-2022Q3-4",
            "ticker": "TSLA",
            "date": "2022-10-19",
            "speaker": "CFO",
            "text": "Deliveries rose.",
        }
    ],
    "sentiment": [{"ticker": "GM", "week": "2022-W42", "mentions": 18211, "score": 0.31}],
    "companies": [
        {"ticker": "TSLA", "name": "Tesla, Inc.", "sector": "Automotive"},
        {"ticker": "F", "name": "Ford Motor Company"},
    ],
}


def test_accessors():
    context = parse_context(CONTEXT)
    assert context.source_ids() == [
        "TSLA-2022Q3-revenue",
        "TSLA-2021Q3-revenue",
        "F-2022Q3-revenue",
        "TSLA-call-2022Q3-4",
    ]
    assert context.fact_values()["TSLA-2021Q3-revenue"] == 13757000000.0
    assert context.timestamp_of("TSLA-2021Q3-revenue") == "2021-10-25"
    assert context.timestamp_of("TSLA-call-2022Q3-4") == "2022-10-19"
    assert context.timestamp_of("F-2022Q3-revenue") is None  # no date in its source
    assert context.timestamp_of("nope") is None
    assert context.tickers() == ["F", "GM", "TSLA"]
    assert context.rows() == {
        "F-revenue": [39392000000.0],
        "TSLA-revenue": [13757000000.0, 21454000000.0],  # by period, not by position
    }


def test_fixture_round_trip():
    context = parse_context(CONTEXT)
    assert parse_context(context.model_dump(mode="json")) == context
    assert parse_context(None) == parse_context({})


BAD = [
    ({"facts": [{**_fact("T", "Q", "m", 1), "value": "lots"}]}, "facts[0].value"),
    ({"facts": [{**_fact("T", "Q", "m", 1), "value": float("inf")}]}, "facts[0].value"),
    ({"facts": [{**_fact("T", "Q", "m", 1), "id": "T 2022"}]}, "facts[0].id"),
    ({"facts": [{**_fact("T", "Q", "m", 1), "id": "const_5"}]}, "word of the program language"),
    ({"facts": [{**_fact("T", "Q", "m", 1), "id": "none"}]}, "facts[0].id"),
    ({"facts": [_fact("T", "Q", "m", 1), _fact("T", "Q", "m", 2)]}, "used twice"),
    ({"facts": [{**_fact("T", "Q", "m", 1), "color": "red"}]}, "facts[0].color"),
    ({"fact": []}, "field fact"),
    ({"snippets": [{"id": "s1", "ticker": "T"}]}, "snippets[0].date"),
    ({"question": 3}, "field question"),
]


@pytest.mark.parametrize(("data", "says"), BAD)
def test_bad_contexts_name_the_field(data, says):
    with pytest.raises(FinanceContextError) as caught:
        parse_context(data)
    assert says in str(caught.value)


def test_not_an_object():
    with pytest.raises(FinanceContextError, match="must be a JSON object, not list"):
        parse_context([])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "tickers"),
    [
        ("How much did TSLA's revenue grow?", ["TSLA"]),
        ("Compare Tesla and Ford Motor revenue in 2022Q3.", ["F", "TSLA"]),
        ("Compare Tesla and Ford revenue in 2022Q3.", ["TSLA"]),  # a name counts only whole
        ("Did tesla grow faster than GM?", ["GM", "TSLA"]),
        ("Is TSLAX a fund?", []),  # tickers are whole words
        ("What did the CFO say about deliveries?", []),  # "F" inside words is not Ford
        ("Is F cheaper than Ford Motor?", ["F"]),
        (None, []),
    ],
)
def test_mentioned_tickers(question, tickers):
    assert mentioned_tickers(question, parse_context(CONTEXT)) == tickers


@pytest.mark.parametrize(
    ("question", "investment"),
    [
        ("Is the EV sector a good sector to invest in?", True),
        ("Which stocks should I buy after 2022Q3?", True),
        ("Would you recommend TSLA?", True),
        ("Is Tesla worth buying now?", True),
        ("Should we sell Ford?", True),
        ("Is TSLA a good stock?", True),
        ("How much did Tesla's revenue grow YoY in 2022Q3?", False),
        ("Did Ford's share buyback raise EPS?", False),
        ("Did revenue growth hold above 20% in each quarter?", False),
        ("What were total investments in the quarter?", False),  # documented false positive
        (None, False),
    ],
)
def test_investment_questions(question, investment):
    assert is_investment_question(question) is investment


def test_render_context():
    text = render_context(parse_context(CONTEXT))
    assert text.splitlines() == [
        "Companies: TSLA = Tesla, Inc. (Automotive); F = Ford Motor Company",
        "Facts:",
        "TSLA-2022Q3-revenue = 21454000000 USD (10-Q 2022-10-24)",
        "TSLA-2021Q3-revenue = 13757000000 USD (10-Q 2021-10-25)",
        "F-2022Q3-revenue = 39392000000 USD (annual report)",
        "Snippets:",
        "TSLA-call-2022Q3-4 (2022-10-19, TSLA CFO): Deliveries rose.",
        "Sentiment:",
        "GM 2022-W42: 18211 mentions, score 0.31",
    ]
    assert render_context(parse_context(None)) == "(the context is empty)"


def test_domain_fixture_methods():
    domain = FinanceDomain()
    fixture = domain.request_fixture("Did Tesla grow?", CONTEXT)
    assert fixture["question"] == "Did Tesla grow?" and "question" not in CONTEXT
    assert domain.request_fixture("Hi?", None) == {"question": "Hi?"}
    assert domain.render_fixture(fixture) == render_context(parse_context(CONTEXT))


def test_domain_catalog_and_fingerprint():
    domain = FinanceDomain()
    assert domain.catalog().domain == "finance" and not domain.catalog().procs
    assert domain.fingerprint() == FinanceDomain().fingerprint()
    assert len(domain.fingerprint()) == 64
    assert domain.levels == ("lookup", "growth", "compare", "screen")
    assert domain.script_suffix == ".json"
