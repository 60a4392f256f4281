"""The gate's verdict as a pure function of two versions' suite scores (no model)."""

from __future__ import annotations

import pytest

from dslgen.registry.gate import decide
from dslgen.registry.records import SuiteScore


def score(pass_at_1: float | None, valid_rate: float | None, tasks: int = 20) -> SuiteScore:
    return SuiteScore(
        tasks=tasks,
        samples=tasks,
        scored_tasks=tasks if pass_at_1 is not None else 0,
        pass_at_1=pass_at_1,
        valid_rate=valid_rate,
    )


def test_with_nothing_promoted_the_candidate_passes():
    decision = decide(None, {"unit": score(0.1, 0.2)})
    assert decision.passed and decision.reason() == ""
    assert [(r.suite, r.metric, r.current, r.candidate) for r in decision.rows] == [
        ("unit", "pass@1", None, 0.1),
        ("unit", "valid_rate", None, 0.2),
    ]


def test_a_drop_beyond_the_threshold_is_refused_naming_the_suite():
    current = {"unit": score(0.60, 0.90), "curated": score(0.50, 0.80)}
    candidate = {"unit": score(0.70, 0.95), "curated": score(0.40, 0.80)}
    decision = decide(current, candidate, threshold=0.05)
    assert not decision.passed
    assert [(r.suite, r.metric) for r in decision.drops] == [("curated", "pass@1")]
    assert decision.reason() == (
        "curated pass@1 fell from 0.500 to 0.400 (-0.100), more than the threshold 0.050"
    )
    assert decide(current, candidate, threshold=0.10).passed  # exactly the threshold is allowed


def test_a_drop_of_exactly_the_threshold_passes_despite_float_rounding():
    assert 0.55 - 0.5 > 0.05  # the float trap the gate must not fall into
    assert decide({"unit": score(0.55, 1.0)}, {"unit": score(0.5, 1.0)}, 0.05).passed


def test_the_valid_rate_gates_too_and_missing_metrics_never_block():
    current = {"syntax": score(None, 0.9), "unit": score(0.5, 0.9)}
    candidate = {"syntax": score(None, 0.7), "unit": score(None, 0.9)}
    decision = decide(current, candidate)
    assert [(r.suite, r.metric) for r in decision.drops] == [("syntax", "valid_rate")]
    unit_pass = next(r for r in decision.rows if (r.suite, r.metric) == ("unit", "pass@1"))
    assert unit_pass.delta is None


def test_a_negative_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold"):
        decide(None, {}, threshold=-0.1)
