"""Wilson intervals and Fisher's exact test against published values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dslgen.registry.stats import Rate, fisher_p_value, verdict, wilson_interval


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),  # Newcombe (1998), table I
        (5, 10, 0.2366, 0.7634),
        (81, 263, 0.2553, 0.3662),  # Newcombe's 81/263 example
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes, total, low, high):
    got = wilson_interval(successes, total)
    assert got == pytest.approx((low, high), abs=5e-5)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_rate_and_stays_in_bounds(case):
    successes, total = case
    low, high = wilson_interval(successes, total)
    assert 0.0 <= low <= successes / total <= high <= 1.0


def test_fisher_exact_test_matches_the_tea_tasting_example():
    # Fisher's lady tasting tea: [[3, 1], [1, 3]], two-sided p = 34/70
    assert fisher_p_value(Rate(3, 4), Rate(1, 4)) == pytest.approx(0.4857142857)
    # [[1, 9], [11, 3]] (scipy's docs example): two-sided p = 0.002759
    assert fisher_p_value(Rate(1, 10), Rate(11, 14)) == pytest.approx(0.0027594, abs=1e-6)
    assert fisher_p_value(Rate(0, 0), Rate(1, 4)) is None


def test_rates_and_verdicts_in_words():
    assert Rate(0, 0).value is None and Rate(0, 0).interval is None
    assert Rate(1, 4).to_json()["rate"] == 0.25
    assert verdict(0.2) == "not significant" and verdict(0.01) == "significant"
    assert verdict(None) == "no data"
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
