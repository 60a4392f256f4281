"""SEC companyfacts of Snowflake as the `sec` eval suite: YoY and QoQ growth of real quarterly
revenue and net income, answered from facts the way the synthetic growth tasks are.

companyfacts lists every figure each filing reported, so one quarter appears in its own 10-Q and
again as the comparative column of later filings; `fy`/`fp` name the filing, not the period. We
key a figure by its period (`start`, `end`, the same periods SEC's `frame` names), keep the first
filing that reported it as the source (its date is the citation timestamp), take 3-month
durations as quarters, and derive Q4, which no 10-Q reports, as the fiscal year (10-K) minus the
nine months year-to-date of the Q3 10-Q. Periods are named by the company's fiscal calendar:
FY2024 is the year ending in January 2024, so SNOW-FY2024Q4-revenue covers Nov 2023 – Jan 2024.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from dslgen.domains.finance.answer import Answer, Citation, answer_json
from dslgen.domains.finance.context import parse_context
from dslgen.domains.finance.program import execute_program
from dslgen.errors import InputFileError

SUITE = "sec"
FILE = "snow_companyfacts.json"  # its name in the data folder (DSLGEN_DATA_DIR)
TICKER = "SNOW"
CONCEPTS = {  # our metric -> the us-gaap concept that reports it
    "revenue": "RevenueFromContractWithCustomerExcludingAssessedTax",
    "net_income": "NetIncomeLoss",
}
WINDOW = 5  # quarters of both metrics in a fixture: the asked one and the four before it
_DAYS = {"quarter": range(80, 100), "nine_months": range(265, 285), "year": range(360, 370)}


@dataclass(frozen=True)
class Reported:
    """One period's figure, as first filed."""

    start: date
    end: date
    value: float
    source: str  # "10-Q 2023-12-01": the form and date of the first filing that reported it

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Quarter:
    """A fiscal quarter's figure: reported (Q1-Q3) or derived (Q4 = year - nine months)."""

    metric: str
    period: str  # FY2024Q3
    end: date
    value: float
    source: str

    @property
    def fact_id(self) -> str:
        return f"{TICKER}-{self.period}-{self.metric}"


def reported_periods(entries: list[dict[str, Any]]) -> list[Reported]:
    """One figure per period (`start`, `end`), from the earliest filing; the value of the entry
    SEC assigned a `frame` wins when filings disagree (a restatement), sorted by end date."""
    by_period: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        by_period.setdefault((entry["start"], entry["end"]), []).append(entry)
    out = []
    for (start, end), same in by_period.items():
        first = min(same, key=lambda e: e["filed"])
        value = next((e["val"] for e in same if e.get("frame")), first["val"])
        source = f"{first['form']} {first['filed']}"
        out.append(Reported(date.fromisoformat(start), date.fromisoformat(end), value, source))
    return sorted(out, key=lambda r: (r.end, r.start))


def fiscal_quarters(entries: list[dict[str, Any]], metric: str) -> list[Quarter]:
    """The metric's fiscal quarters in order: 3-month periods as reported, Q4 as the fiscal year
    minus the nine months that end with Q3 (source: the 10-K, the filing that completes it)."""
    periods = reported_periods(entries)
    years = [p for p in periods if p.days in _DAYS["year"]]
    if not years:
        raise InputFileError(f"companyfacts has no fiscal-year {metric} figure to date quarters")
    year_end_month = Counter(p.end.month for p in years).most_common(1)[0][0]
    quarters = {
        p.end: Quarter(metric, fiscal_label(p.end, year_end_month), p.end, p.value, p.source)
        for p in periods
        if p.days in _DAYS["quarter"]
    }
    nine_months = {p.start: p for p in periods if p.days in _DAYS["nine_months"]}
    for year in years:
        ytd = nine_months.get(year.start)
        if ytd is not None and year.end not in quarters:
            label = fiscal_label(year.end, year_end_month)
            quarters[year.end] = Quarter(
                metric, label, year.end, year.value - ytd.value, year.source
            )
    return [quarters[end] for end in sorted(quarters)]


def fiscal_label(end: date, year_end_month: int) -> str:
    """FY{year the fiscal year ends in}Q{1..4} of a quarter ending on `end`."""
    months_into_year = (end.month - year_end_month - 1) % 12  # 0 = first month of the FY
    fiscal_year = end.year + (end.month > year_end_month)
    return f"FY{fiscal_year}Q{months_into_year // 3 + 1}"


def _load(path: Path) -> dict[str, list[Quarter]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        concepts = data["facts"]["us-gaap"]
        return {
            metric: fiscal_quarters(concepts[name]["units"]["USD"], metric)
            for metric, name in CONCEPTS.items()
        }
    except FileNotFoundError:
        raise InputFileError(
            f"no SEC companyfacts file at {path}; put snow_companyfacts.json there or point "
            "DSLGEN_DATA_DIR (or --data-dir) at the folder holding it"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputFileError(f"{path} is not SEC companyfacts with {exc} in USD") from None


def sec_quarters(path: Path) -> dict[str, list[Quarter]]:
    """metric -> fiscal quarters of SNOW from a companyfacts file, oldest first."""
    return _load(path)


def sec_records(path: Path) -> list[dict[str, Any]]:
    """Eval records of the `sec` suite: for each metric and quarter with a predecessor, a QoQ
    task (the quarter before) and a YoY task (four quarters before), oldest first. A quarter only
    counts as "before" when it is consecutive (no gap in the reported quarters)."""
    quarters = _load(path)
    records = []
    for series in quarters.values():
        for i, quarter in enumerate(series):
            for family, lag in (("qoq_growth", 1), ("yoy_growth", 4)):
                if i >= lag and _consecutive(series[i - lag], quarter, lag):
                    window = [q for m in CONCEPTS for q in quarters[m] if _within(q, quarter)]
                    record = _record(family, series[i - lag], quarter, window)
                    if record is not None:
                        records.append(record)
    return records


def _consecutive(before: Quarter, after: Quarter, lag: int) -> bool:
    months = (after.end.year - before.end.year) * 12 + after.end.month - before.end.month
    return months == 3 * lag


def _within(quarter: Quarter, asked: Quarter) -> bool:
    months = (asked.end.year - quarter.end.year) * 12 + asked.end.month - quarter.end.month
    return 0 <= months < 3 * WINDOW


def _record(
    family: str, before: Quarter, after: Quarter, window: list[Quarter]
) -> dict[str, Any] | None:
    """The task "how did the metric change from `before` to `after`", or None when growth is
    undefined (a zero base, or a sign change between profit and loss)."""
    if before.value == 0 or (before.value > 0) != (after.value > 0):
        return None
    loss = after.value < 0  # both quarters are losses: ask about the loss, whose growth it is
    name = "net loss" if loss else after.metric.replace("_", " ")
    span = "year over year" if family == "yoy_growth" else "quarter over quarter"
    question = (
        f"By what percentage did Snowflake's (SNOW) {name} change {span} in {after.period}? "
        "Periods are fiscal quarters; Snowflake's fiscal year ends on January 31."
    )
    answer = _gold_answer(before, after, name, span)
    return {
        "id": f"sec-{after.metric}-{family.split('_')[0]}-{after.period}",
        "suite": SUITE,
        "level": "growth",
        "intent": family,
        "instruction": question,
        "fixture": {**_context(window), "question": question},
        "expected_state": {"value": answer.value, "unit": "percent"},
        "reference": answer_json(answer),
        "template_id": f"sec/{family}",
        "param_key": f"{after.metric}|{family}|{after.period}",
    }


def _context(window: list[Quarter]) -> dict[str, Any]:
    facts = [
        {"id": q.fact_id, "ticker": TICKER, "period": q.period, "metric": q.metric,
         "value": q.value, "unit": "USD", "source": q.source}
        for q in window
    ]  # fmt: skip
    companies = [{"ticker": TICKER, "name": "Snowflake Inc."}]
    return parse_context({"facts": facts, "companies": companies}).model_dump(mode="json")


def _gold_answer(before: Quarter, after: Quarter, name: str, span: str) -> Answer:
    """Growth in percent, computed by the one executor and rounded to 2 decimals as spec §2."""
    calculation = (
        f"subtract({after.fact_id}, {before.fact_id}), divide(#0, {before.fact_id}), "
        "multiply(#1, const_100)"
    )
    executed = execute_program(calculation, {q.fact_id: q.value for q in (before, after)})
    assert isinstance(executed, float)
    value = round(executed, 2)
    loss = name == "net loss"
    verb = (("widened", "narrowed") if loss else ("grew", "fell"))[value < 0]
    return Answer(
        answer=f"Snowflake's {name} {verb} {abs(value):g}% {span} in {after.period}.",
        value=value,
        unit="percent",
        calculation=calculation,
        rationale=f"{name.capitalize()} was {_usd(after.value, loss)} in {after.period} and "
        f"{_usd(before.value, loss)} in {before.period}.",
        tickers=[TICKER],
        citations=[
            Citation(source=q.fact_id, timestamp=q.source.split()[-1]) for q in (after, before)
        ],
        context_required=True,
        risk_note=None,
    )


def _usd(value: float, loss: bool) -> str:
    """1285640000 -> "$1.286B", 623599000 -> "$623.6M" (a loss is named without its sign)."""
    sign, size = "-" * (value < 0 and not loss), abs(value)
    return f"{sign}${size / 1e9:.3f}B" if size >= 1e9 else f"{sign}${size / 1e6:.1f}M"
