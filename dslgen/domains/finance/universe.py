"""A synthetic market: invented companies and their quarterly numbers, 2019Q1 to 2024Q4.

Why synthetic: a model must learn to read the context, not to recall figures, so tickers and names
are invented and every call of `simulate` draws fresh numbers. Each company keeps a fixed profile
(sector, size, margins, typical growth) so its figures look like a business of that kind: revenue
of 50M-100B USD a quarter following growth regimes with seasonality and noise, occasional loss
quarters, EPS = net income / diluted shares, a quarter-end price that follows revenue momentum, and
weekly social-media mentions that swell when the price moves. Only the caller's rng draws, so the
same seed gives the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from functools import cache

from dslgen.domains.finance.context import Company as CompanyRecord
from dslgen.domains.finance.context import Fact, Sentiment, Snippet
from dslgen.domains.finance.phrases import money, pct

PERIODS: tuple[str, ...] = tuple(f"{y}Q{q}" for y in range(2019, 2025) for q in range(1, 5))
METRICS: tuple[str, ...] = ("revenue", "gross_profit", "net_income", "eps", "shares", "price")
MARKET_METRICS = ("price", "mentions")  # not from a filing: dated at the quarter end
UNITS = {"revenue": "USD", "gross_profit": "USD", "net_income": "USD", "eps": "USD/share"}
UNITS |= {"shares": "shares", "price": "USD", "mentions": "count"}
WEEKS = 13  # the weeks of sentiment that make up a quarter ("the last 3 months")


@dataclass(frozen=True)
class _Sector:
    """What companies of a sector look like: ranges their profiles are drawn from."""

    gross_margin: tuple[float, float]
    net_margin: tuple[float, float]
    growth: tuple[float, float]  # annual revenue growth
    season: tuple[float, float, float, float]  # Q1..Q4 revenue multipliers
    volatility: float  # quarterly log-price noise


_SECTORS: dict[str, _Sector] = {
    "software": _Sector((0.65, 0.85), (-0.12, 0.25), (0.05, 0.55), (0.97, 0.99, 1.0, 1.04), 0.16),
    "semiconductors": _Sector((0.4, 0.65), (0.0, 0.3), (-0.1, 0.4), (0.98, 1.0, 1.02, 1.0), 0.2),
    "retail": _Sector((0.25, 0.45), (0.01, 0.08), (0.0, 0.15), (0.92, 0.95, 0.96, 1.17), 0.09),
    "medical devices": _Sector((0.55, 0.7), (0.05, 0.2), (0.03, 0.2), (0.97, 1.0, 0.98, 1.05), 0.1),
    "clean energy": _Sector((0.1, 0.35), (-0.25, 0.1), (0.1, 0.7), (0.9, 1.02, 1.06, 1.02), 0.25),
    "logistics": _Sector((0.12, 0.3), (0.02, 0.1), (-0.05, 0.15), (0.95, 0.98, 0.99, 1.08), 0.1),
}


@dataclass(frozen=True)
class Company:
    """An invented listed company; `short` is how a question names it (no legal form)."""

    ticker: str
    short: str
    suffix: str
    sector: str

    @property
    def name(self) -> str:
        return f"{self.short} {self.suffix}".strip()


def _companies() -> tuple[Company, ...]:
    rows = {
        "software": "QVRA Quivera Cloud Inc.|LUMX Lumexa Software Corp.|ZEPH Zephyrine Data Inc."
        "|KOVA Kovalent Analytics plc|BRYX Brixaro Labs Inc.",
        "semiconductors": "HALC Halcyra Semiconductor Corp.|OPTQ Optiquanta Devices Inc."
        "|SILX Silexa Micro Ltd.|FERX Ferrixon Circuits Corp.|TNQR Tanquor Photonics Inc.",
        "retail": "BSKT Basketta Stores Inc.|DRPL Draplin Outfitters Co.|CRTW Cartwell Markets Inc."
        "|HVNR Havenor Home Corp.|GLNT Glenta Apparel Ltd.",
        "medical devices": "CRDX Cardexa Medical Inc.|OSTV Osteva Instruments Corp."
        "|PLSQ Pulsiq Health Inc.|VTLQ Vitaliq Diagnostics plc|HLXN Helixon Surgical Corp.",
        "clean energy": "SOLQ Solquist Power Inc.|WDGN Windgen Renewables Corp."
        "|HYDX Hydrexa Energy Ltd.|GEOT Geotherma Systems Inc.|BTRV Batterva Storage Corp.",
        "logistics": "FRTX Freightex Logistics Inc.|CRGN Cargona Freight Corp."
        "|PRLX Parcelux Delivery Inc.|TRNZ Tranzio Lines Ltd.|DOKK Dokkar Ports plc",
    }
    out = []
    for sector, text in rows.items():
        for row in text.split("|"):
            ticker, *words = row.split()
            out.append(Company(ticker, " ".join(words[:-1]), words[-1], sector))
    return tuple(out)


COMPANIES: tuple[Company, ...] = _companies()
BY_TICKER: dict[str, Company] = {c.ticker: c for c in COMPANIES}
SECTORS: dict[str, tuple[Company, ...]] = {
    s: tuple(c for c in COMPANIES if c.sector == s) for s in _SECTORS
}


@dataclass(frozen=True)
class _Profile:
    scale: float  # typical quarterly revenue at the start, USD
    gross_margin: float
    net_margin: float
    growth: float  # typical annual revenue growth
    volatility: float  # quarterly log-price noise
    mentions: float  # typical weekly social-media mentions


@cache
def _profile(ticker: str) -> _Profile:
    """Fixed per company (seeded by its ticker), so a company looks alike in every task."""
    r = random.Random(f"profile:{ticker}")
    sector = _SECTORS[BY_TICKER[ticker].sector]
    return _Profile(
        scale=math.exp(r.uniform(math.log(8e7), math.log(2.5e10))),
        gross_margin=r.uniform(*sector.gross_margin),
        net_margin=r.uniform(*sector.net_margin),
        growth=r.uniform(*sector.growth),
        volatility=sector.volatility * r.uniform(0.7, 1.3),
        mentions=math.exp(r.uniform(math.log(800), math.log(12000))),
    )


def quarter_end(period: str) -> dt.date:
    year, q = int(period[:4]), int(period[-1])
    return dt.date(year, 3 * q, 31 if q in (1, 4) else 30)


def shift(period: str, quarters: int) -> str | None:
    """The period `quarters` later (earlier when negative); None outside 2019Q1..2024Q4."""
    i = PERIODS.index(period) + quarters
    return PERIODS[i] if 0 <= i < len(PERIODS) else None


@dataclass
class CompanyData:
    """One company's simulated history: metric -> period -> value, plus dates and sentiment."""

    company: Company
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    filed: dict[str, dt.date] = field(default_factory=dict)
    weekly: dict[str, list[tuple[str, int, float]]] = field(default_factory=dict)

    def value(self, period: str, metric: str) -> float:
        return self.values[metric][period]

    def fact(self, period: str, metric: str) -> Fact:
        """The fact as retrieval gives it; its source dates it (filing, or quarter end for market
        figures)."""
        if metric in MARKET_METRICS:
            kind = "close" if metric == "price" else "social"
            source = f"{kind} {quarter_end(period).isoformat()}"
        else:
            form = "10-K" if period.endswith("Q4") else "10-Q"
            source = f"{form} {self.filed[period].isoformat()}"
        return Fact(
            id=fact_id(self.company.ticker, period, metric),
            ticker=self.company.ticker,
            period=period,
            metric=metric,
            value=self.values[metric][period],
            unit=UNITS[metric],
            source=source,
        )

    def sentiment(self, period: str, weeks: int = 4) -> list[Sentiment]:
        """The last `weeks` weekly aggregates of the quarter (none when weeks is 0)."""
        rows = self.weekly[period][-weeks:] if weeks else []
        t = self.company.ticker
        return [Sentiment(ticker=t, week=w, mentions=m, score=s) for w, m, s in rows]

    def snippets(self, period: str) -> list[Snippet]:
        """The numbered sentences of the earnings call on `period`, consistent with the facts."""
        c, now = self.company, {m: row[period] for m, row in self.values.items()}
        date = (self.filed[period] - dt.timedelta(days=self.filed[period].day % 5)).isoformat()
        year_ago, before = shift(period, -4), shift(period, -1)
        lines = [("CEO", f"{c.short} delivered revenue of {money(now['revenue'])} in the quarter.")]
        if year_ago:
            change = 100 * (now["revenue"] / self.values["revenue"][year_ago] - 1)
            lines.append(("CFO", f"Revenue was {pct(change)} from a year ago."))
        margin = 100 * now["gross_profit"] / now["revenue"]
        lines.append(("CFO", f"Gross margin came in at {margin:.1f}%."))
        income, eps = now["net_income"], now["eps"]
        if income >= 0:
            lines.append(
                ("CFO", f"Net income was {money(income)}, or ${eps:.2f} per diluted share.")
            )
        else:
            loss = f"We recorded a net loss of {money(-income)}, or -${-eps:.2f} per share."
            lines.append(("CFO", loss))
        if before:
            change = 100 * (now["revenue"] / self.values["revenue"][before] - 1)
            mood = "strong" if change > 3 else "steady" if change > -3 else "softer"
            demand = f"Demand in {c.sector} was {mood} this quarter; sequentially revenue was "
            lines.append(("CEO", f"{demand}{pct(change)}."))
        shares = f"{now['shares'] / 1e6:,.1f} million"
        lines.append(("CFO", f"We ended the quarter with {shares} diluted shares outstanding."))
        return [
            Snippet(
                id=f"{c.ticker}-call-{period}-{n}",
                ticker=c.ticker,
                date=date,
                speaker=who,
                text=text,
            )
            for n, (who, text) in enumerate(lines, start=1)
        ]

    def record(self) -> CompanyRecord:
        """The company as the context lists it, so a question may name it instead of its ticker."""
        c = self.company
        return CompanyRecord(ticker=c.ticker, name=c.name, sector=c.sector)


def fact_id(ticker: str, period: str, metric: str) -> str:
    """The spec's fact id form: TSLA-2022Q3-revenue."""
    return f"{ticker}-{period}-{metric}"


def simulate(rng: random.Random, company: Company) -> CompanyData:
    """Draw one company's 24 quarters of figures, filing dates and weekly sentiment."""
    p, data = _profile(company.ticker), CompanyData(company)
    season = _SECTORS[company.sector].season
    cuts = set(rng.sample(range(3, len(PERIODS) - 1), rng.randint(1, 3)))  # regime changes
    level, growth = p.scale * math.exp(rng.gauss(0, 0.25)), p.growth
    price = math.exp(rng.uniform(math.log(8), math.log(400)))
    shares = level * 4 * rng.uniform(1.0, 8.0) / price  # market value 1-8x annual revenue
    dilution = rng.uniform(-0.01, 0.02)  # a year: buy-backs or new shares
    rows: dict[str, dict[str, float]] = {m: {} for m in (*METRICS, "mentions")}
    for i, period in enumerate(PERIODS):
        if i in cuts:
            growth = min(max(p.growth + rng.gauss(0, 0.15), -0.35), 1.1)
        step = math.log1p(growth) / 4 if i else 0.0
        level = min(max(level * math.exp(step), 5.5e7), 8.5e10)
        revenue = round(level * season[int(period[-1]) - 1] * math.exp(rng.gauss(0, 0.03)), -3)
        gross = round(revenue * min(max(p.gross_margin + rng.gauss(0, 0.015), 0.05), 0.95), -3)
        shock = rng.uniform(0.1, 0.3) if rng.random() < 0.06 else 0.0  # a write-down quarter
        net = round(revenue * (p.net_margin + rng.gauss(0, 0.02) - shock), -3)
        shares = round(shares * (1 + rng.gauss(dilution / 4, 0.002)), -3)
        move = 1.5 * (step - math.log1p(p.growth) / 4) + rng.gauss(0.01, p.volatility)
        price = max(round(price * math.exp(move), 2), 0.5)
        figures = (revenue, gross, net, round(net / shares, 2), shares, price)
        for metric, value in zip(METRICS, figures, strict=True):
            rows[metric][period] = value
        data.weekly[period] = _weeks(rng, period, p.mentions * (1 + 6 * abs(move)), move)
        rows["mentions"][period] = float(sum(m for _, m, _ in data.weekly[period]))
        days = rng.randint(40, 59) if period.endswith("Q4") else rng.randint(25, 44)
        data.filed[period] = quarter_end(period) + dt.timedelta(days=days)
    data.values = rows
    return data


def _weeks(
    rng: random.Random, period: str, typical: float, move: float
) -> list[tuple[str, int, float]]:
    """13 weekly (ISO week, mentions, score) ending at the quarter end; spikes now and then."""
    out, end = [], quarter_end(period)
    for k in range(WEEKS):
        year, week, _ = (end - dt.timedelta(days=7 * (WEEKS - 1 - k))).isocalendar()
        spike = rng.uniform(2, 6) if rng.random() < 0.05 else 1.0
        mentions = max(int(typical * spike * math.exp(rng.gauss(0, 0.25))), 1)
        score = round(math.tanh(2 * move + rng.gauss(0, 0.3)), 2)
        out.append((f"{year}-W{week:02d}", mentions, score))
    return out


def make_universe(rng: random.Random, tickers: list[str]) -> dict[str, CompanyData]:
    """Simulate the named companies, in the given order (the order fixes the draws)."""
    return {t: simulate(rng, BY_TICKER[t]) for t in tickers}
