"""The synthetic market: invented companies, realistic magnitudes, figures that agree with each
other (EPS, margins, call sentences, mention totals), and draws that depend on the seed alone."""

from __future__ import annotations

import datetime as dt
import random
import re
from statistics import median

import pytest

from dslgen.domains.finance.context import DATE
from dslgen.domains.finance.phrases import money
from dslgen.domains.finance.universe import (
    BY_TICKER,
    COMPANIES,
    PERIODS,
    SECTORS,
    fact_id,
    make_universe,
    quarter_end,
    shift,
    simulate,
)

# Words a question uses in capitals: a ticker equal to one would be "mentioned" by accident.
CAPITAL_WORDS = {"EPS", "YOY", "QOQ", "CEO", "CFO", "USD", "TTM", "GAAP", "ETF", "IPO", "P/E"}


@pytest.fixture(scope="module")
def worlds():
    """Every company simulated under three seeds."""
    return [make_universe(random.Random(seed), [c.ticker for c in COMPANIES]) for seed in range(3)]


def test_companies_are_invented_and_distinct():
    tickers = [c.ticker for c in COMPANIES]
    assert len(tickers) == len(set(tickers)) == 30
    assert all(re.fullmatch(r"[A-Z]{3,4}", t) for t in tickers)
    assert not set(tickers) & CAPITAL_WORDS
    assert len({c.name for c in COMPANIES}) == 30
    assert all(len(members) == 5 for members in SECTORS.values())
    assert BY_TICKER["QVRA"].name == "Quivera Cloud Inc." and BY_TICKER["QVRA"].short == "Quivera Cloud"  # fmt: skip


def test_periods_and_dates():
    assert PERIODS[0] == "2019Q1" and PERIODS[-1] == "2024Q4" and len(PERIODS) == 24
    assert shift("2022Q1", -1) == "2021Q4" and shift("2022Q3", -4) == "2021Q3"
    assert shift("2019Q1", -1) is None and shift("2024Q4", 1) is None
    assert str(quarter_end("2022Q3")) == "2022-09-30" and str(quarter_end("2022Q4")) == "2022-12-31"


def test_same_seed_same_figures():
    a = simulate(random.Random(11), BY_TICKER["HALC"])
    b = simulate(random.Random(11), BY_TICKER["HALC"])
    c = simulate(random.Random(12), BY_TICKER["HALC"])
    assert a.values == b.values and a.filed == b.filed and a.weekly == b.weekly
    assert a.values != c.values


def test_magnitudes_are_realistic(worlds):
    revenues = [d.value(p, "revenue") for w in worlds for d in w.values() for p in PERIODS]
    assert min(revenues) >= 5e7 and max(revenues) <= 1e11
    assert min(revenues) < 3e8 and max(revenues) > 1e10  # small caps and giants both occur
    for world in worlds:
        for d in world.values():
            for p in PERIODS:
                revenue, gross = d.value(p, "revenue"), d.value(p, "gross_profit")
                assert 0 < gross < revenue
                assert d.value(p, "price") > 0 and d.value(p, "shares") > 1e6
                assert d.value(p, "eps") == round(d.value(p, "net_income") / d.value(p, "shares"), 2)  # fmt: skip
    losses = sum(d.value(p, "net_income") < 0 for w in worlds for d in w.values() for p in PERIODS)
    assert 0 < losses < 0.4 * 3 * 30 * 24  # losses happen, but most quarters are profitable


def test_growth_regimes_and_seasonality(worlds):
    yearly = [
        d.value(p, "revenue") / d.value(shift(p, -4), "revenue") - 1
        for w in worlds
        for d in w.values()
        for p in PERIODS[4:]
    ]
    assert min(yearly) < 0 < max(yearly) and max(yearly) > 0.3  # shrinking and fast growers
    retail_q4 = [
        d.value(f"{y}Q4", "revenue") > d.value(f"{y}Q3", "revenue")
        for w in worlds
        for t in ("BSKT", "DRPL", "CRTW", "HVNR", "GLNT")
        for d in [w[t]]
        for y in range(2019, 2025)
    ]
    assert sum(retail_q4) > 0.8 * len(retail_q4)  # the holiday quarter


def test_facts_follow_the_spec_form(worlds):
    d = worlds[0]["QVRA"]
    fact = d.fact("2022Q3", "revenue")
    assert fact.id == fact_id("QVRA", "2022Q3", "revenue") == "QVRA-2022Q3-revenue"
    assert fact.unit == "USD" and fact.source.startswith("10-Q ")
    assert d.fact("2022Q4", "net_income").source.startswith("10-K ")
    assert d.fact("2022Q3", "price").source == "close 2022-09-30"
    assert d.fact("2022Q3", "mentions").source == "social 2022-09-30"
    for p in PERIODS:
        filed = DATE.search(d.fact(p, "eps").source).group(0)
        assert 25 <= (d.filed[p] - quarter_end(p)).days <= 59 and filed == d.filed[p].isoformat()


def test_mentions_total_the_weekly_rows(worlds):
    for d in worlds[1].values():
        for p in PERIODS:
            weeks = d.weekly[p]
            assert len(weeks) == 13 and len({w for w, _, _ in weeks}) == 13
            assert d.value(p, "mentions") == sum(m for _, m, _ in weeks)
            assert all(re.fullmatch(r"\d{4}-W\d{2}", w) and -1 <= s <= 1 for w, _, s in weeks)
    rows = worlds[1]["SOLQ"].sentiment("2023Q2", 4)
    assert [r.week for r in rows] == [w for w, _, _ in worlds[1]["SOLQ"].weekly["2023Q2"][-4:]]


def test_mentions_vary_between_companies(worlds):
    totals = [d.value("2023Q2", "mentions") for d in worlds[0].values()]
    assert max(totals) > 3 * median(totals)


def test_call_snippets_agree_with_the_facts(worlds):
    d = worlds[2]["CRDX"]
    for p in PERIODS[4:]:
        snippets = d.snippets(p)
        assert [s.id for s in snippets] == [f"CRDX-call-{p}-{n}" for n in range(1, 7)]
        assert all(quarter_end(p) < dt.date.fromisoformat(s.date) <= d.filed[p] for s in snippets)
        assert money(d.value(p, "revenue")) in snippets[0].text
        stated = float(re.search(r"(up|down) ([\d.]+)%", snippets[1].text).group(2))
        actual = 100 * (d.value(p, "revenue") / d.value(shift(p, -4), "revenue") - 1)
        assert abs(stated - abs(actual)) <= 0.051
        assert (
            f"{100 * d.value(p, 'gross_profit') / d.value(p, 'revenue'):.1f}%" in snippets[2].text
        )
    assert len(d.snippets("2019Q1")) == 4  # no year-ago or prior quarter to compare with
