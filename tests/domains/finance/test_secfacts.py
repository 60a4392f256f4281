"""SEC companyfacts of Snowflake as the `sec` suite: one figure per period, Q4 derived, growth
tasks whose gold answers validate.

The expected figures below were read off the raw file by hand (the entries are quoted), so the
tests check the de-duplication and the Q4 rule against the source, not against themselves.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from lark import Lark

from dslgen.domains.finance.context import parse_context
from dslgen.domains.finance.grammar import answer_grammar
from dslgen.domains.finance.secfacts import (
    FILE,
    fiscal_label,
    fiscal_quarters,
    reported_periods,
    sec_quarters,
    sec_records,
)
from dslgen.domains.finance.validator import validate_answer
from dslgen.errors import InputFileError

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = Path(os.environ.get("DSLGEN_DATA_DIR") or ROOT.parent / "shared" / "data")
SNOW = DATA_DIR / FILE
needs_snow = pytest.mark.skipif(not SNOW.is_file(), reason=f"no SEC companyfacts at {SNOW}")


def _entry(start, end, val, filed, form="10-Q", frame=None):
    out = {"start": start, "end": end, "val": val, "form": form, "filed": filed, "fy": 0}
    return out | ({"frame": frame} if frame else {})


# A calendar-year company: Q1-Q3 from 10-Qs (Q1 again in a later 10-Q), the year from a 10-K.
ENTRIES = [
    _entry("2023-01-01", "2023-03-31", 100, "2023-05-01"),
    _entry("2023-01-01", "2023-03-31", 100, "2024-05-01", frame="CY2023Q1"),
    _entry("2023-04-01", "2023-06-30", 110, "2023-08-01", frame="CY2023Q2"),
    _entry("2023-01-01", "2023-06-30", 210, "2023-08-01"),
    _entry("2023-07-01", "2023-09-30", 120, "2023-11-01", frame="CY2023Q3"),
    _entry("2023-01-01", "2023-09-30", 330, "2023-11-01"),
    _entry("2023-01-01", "2023-12-31", 460, "2024-02-20", form="10-K", frame="CY2023"),
]


def test_one_figure_per_period_from_the_first_filing():
    periods = reported_periods(ENTRIES)
    assert len(periods) == 6  # the repeated Q1 is one period
    q1 = periods[0]
    assert (q1.start, q1.end, q1.value, q1.source) == (
        date(2023, 1, 1), date(2023, 3, 31), 100, "10-Q 2023-05-01",
    )  # fmt: skip


def test_q4_is_the_year_minus_nine_months():
    quarters = fiscal_quarters(ENTRIES, "revenue")
    assert [(q.period, q.value, q.source) for q in quarters] == [
        ("FY2023Q1", 100, "10-Q 2023-05-01"),
        ("FY2023Q2", 110, "10-Q 2023-08-01"),
        ("FY2023Q3", 120, "10-Q 2023-11-01"),
        ("FY2023Q4", 460 - 330, "10-K 2024-02-20"),
    ]
    assert quarters[0].fact_id == "SNOW-FY2023Q1-revenue"


@pytest.mark.parametrize(
    ("end", "year_end_month", "label"),
    [
        (date(2023, 3, 31), 12, "FY2023Q1"),
        (date(2023, 12, 31), 12, "FY2023Q4"),
        (date(2023, 4, 30), 1, "FY2024Q1"),  # Snowflake: FY2024 runs Feb 2023 - Jan 2024
        (date(2023, 10, 31), 1, "FY2024Q3"),
        (date(2024, 1, 31), 1, "FY2024Q4"),
        (date(2023, 9, 30), 6, "FY2024Q1"),  # a June year-end
    ],
)
def test_fiscal_labels(end, year_end_month, label):
    assert fiscal_label(end, year_end_month) == label


def test_a_missing_or_foreign_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="DSLGEN_DATA_DIR"):
        sec_records(tmp_path / "absent.json")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"facts": {"us-gaap": {}}}))
    with pytest.raises(InputFileError, match="not SEC companyfacts"):
        sec_records(other)


# --- the real Snowflake file -------------------------------------------------------------------


@pytest.fixture(scope="module")
def quarters():
    return sec_quarters(SNOW)


@needs_snow
@pytest.mark.parametrize(
    ("metric", "period", "value", "source"),
    [
        # {'start': '2023-08-01', 'end': '2023-10-31', 'val': 734173000, 'form': '10-Q',
        #  'filed': '2023-12-01'} (again in the 10-Q of 2024-11-27, with frame CY2023Q3)
        ("revenue", "FY2024Q3", 734_173_000, "10-Q 2023-12-01"),
        # first in the 10-Q of 2021-06-04; the copy in the 10-Q of 2022-06-03 says fp "FY"
        ("revenue", "FY2022Q1", 228_914_000, "10-Q 2021-06-04"),
        ("net_income", "FY2021Q2", -77_634_000, "10-Q 2021-09-02"),
        # Q4: year 2023-02-01..2024-01-31 (10-K 2024-03-26) minus nine months to 2023-10-31
        ("revenue", "FY2024Q4", 2_806_489_000 - 2_031_790_000, "10-K 2024-03-26"),
        ("net_income", "FY2025Q4", -1_285_640_000 - -958_166_000, "10-K 2025-03-21"),
        ("revenue", "FY2020Q4", 264_748_000 - 177_056_000, "10-K 2021-03-31"),
    ],
)
def test_quarters_match_the_raw_file(quarters, metric, period, value, source):
    (quarter,) = [q for q in quarters[metric] if q.period == period]
    assert (quarter.value, quarter.source) == (value, source)


@needs_snow
def test_quarters_are_unique_and_consecutive(quarters):
    for series in quarters.values():
        periods = [q.period for q in series]
        assert len(periods) == len(set(periods)) == 23
        assert periods[0] == "FY2020Q3" and periods[-1] == "FY2026Q1"
        for before, after in zip(series, series[1:], strict=False):
            months = (after.end.year - before.end.year) * 12 + after.end.month - before.end.month
            assert months == 3, (before.period, after.period)


@needs_snow
def test_records_validate():
    records = sec_records(SNOW)
    assert len(records) == 82  # 2 metrics x (22 QoQ + 19 YoY)
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        report = validate_answer(record["reference"], parse_context(record["fixture"]))
        assert report.valid, (record["id"], report.errors)
        assert record["fixture"]["question"] == record["instruction"]
        assert len(record["fixture"]["facts"]) <= 10  # 5 quarters x 2 metrics
    for record in records[::8]:
        grammar = answer_grammar(parse_context(record["fixture"]))
        Lark(grammar, parser="earley").parse(record["reference"])
    (yoy,) = [r for r in records if r["id"] == "sec-revenue-yoy-FY2024Q4"]
    fy2023q4 = 2_065_659_000 - 1_476_647_000
    expected = (774_699_000 - fy2023q4) / fy2023q4 * 100
    assert yoy["expected_state"] == {"value": round(expected, 2), "unit": "percent"}
    answer = json.loads(yoy["reference"])
    assert [c["timestamp"] for c in answer["citations"]] == ["2024-03-26", "2023-03-29"]
    (loss,) = [r for r in records if r["id"] == "sec-net_income-qoq-FY2026Q1"]
    assert "net loss" in loss["instruction"]
    assert loss["expected_state"]["value"] == round((-430_092_000 / -327_474_000 - 1) * 100, 2)
