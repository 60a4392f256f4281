"""An answer stopped by the token limit is closed after its last complete field."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dslgen.domains.finance.answer import answer_json
from dslgen.domains.finance.closing import close_answer
from dslgen.domains.finance.documents import EXAMPLE_CONTEXT, example_answers
from dslgen.domains.finance.validator import validate_answer


def _gold_text() -> str:
    """A worked example's answer in canonical form (question, Answer pairs)."""
    _, answer = example_answers()[0]
    return answer_json(answer)


def test_a_finished_answer_is_left_alone():
    assert close_answer(_gold_text()) is None


def test_complete_fields_and_whole_citations_are_kept():
    text = _gold_text()
    cut = text[: text.index('"timestamp"', text.index('"citations"')) + 5]
    closed = json.loads(close_answer(cut))
    original = json.loads(text)
    for key in ("answer", "value", "unit", "calculation", "rationale", "tickers"):
        assert closed[key] == original[key]
    assert closed["citations"] == []  # the one being written is dropped whole
    assert closed["risk_note"] is None and closed["context_required"] is True


def test_a_text_field_keeps_its_written_part():
    closed = json.loads(close_answer('{"answer": "Revenue grew 12'))
    assert closed["answer"] == "Revenue grew 12" and closed["value"] is None


def test_text_that_is_not_an_answer_is_not_closed():
    assert close_answer("Revenue grew 12%") is None
    assert close_answer('{"answer": "') is None


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_prefix_closes_to_schema_valid_json(data):
    text = _gold_text()
    end = data.draw(st.integers(min_value=len('{"answer": "x'), max_value=len(text) - 1))
    closed = close_answer(text[:end])
    if closed is not None:
        assert validate_answer(closed, EXAMPLE_CONTEXT).valid_syntax
