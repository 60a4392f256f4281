"""The question families of spec §4 about one company: lookups, growth, margins, ratios, and
"is X fast-growing"; plus what every family shares (`Ask`, `Draft`, running a program).

A builder gets the question's parameters (`Ask`: tickers, period, variant) and the simulated
companies, writes the FinQA program, runs it with the one executor (`execute_program`), and words
the answer around the result, so value and calculation agree by construction. It returns None
when the figures make a poor question (a growth base that is not positive, a near tie); the
caller then draws again. Families over several tickers are in sectors.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from dslgen.domains.finance.answer import format_number
from dslgen.domains.finance.phrases import label, money, period_text, plain, show
from dslgen.domains.finance.program import execute_program, parse_program
from dslgen.domains.finance.universe import CompanyData, fact_id, shift

Universe = dict[str, CompanyData]
THRESHOLDS = (10, 15, 20, 25, 30, 40, 50)  # "fast-growing" cut-offs, YoY percent


@dataclass(frozen=True)
class Ask:
    """A question's parameters before any figure is drawn: the unit of the parameter split."""

    family: str  # the task intent (refusal and investment span several template families)
    base: str  # the template family its phrasing comes from
    tickers: tuple[str, ...]
    period: str
    variant: str

    @property
    def key(self) -> str:
        return "|".join((self.family, self.base, ",".join(self.tickers), self.period, self.variant))


@dataclass
class Draft:
    """A gold answer before its context is packed; `needed` facts must be in the context."""

    ask: Ask
    needed: list[str]
    program: str | None
    value: float | None
    unit: str
    answer: str
    rationale: str
    tickers: list[str]
    fields: dict[str, str] = field(default_factory=dict)  # question fields: M, Y, N, X, P0, P3
    cited: list[str] = field(default_factory=list)  # default: needed; snippet ids get packed too
    risk: bool = False
    weeks: int = 0  # weekly sentiment rows per asked ticker
    refusable: list[str] = field(default_factory=list)  # facts a refusal may drop (default needed)

    def __post_init__(self) -> None:
        self.cited = self.cited or list(self.needed)


Builder = Callable[[random.Random, Ask, Universe], Draft | None]


def split_id(fid: str) -> tuple[str, str, str]:
    ticker, period, metric = fid.split("-", 2)
    return ticker, period, metric


def run(uni: Universe, program: str) -> float | str:
    """The program's result on the universe's figures: the one executor, so gold values are
    exactly what the validator computes from the same facts."""
    ids = [a for step in parse_program(program) for a in step.args if a.count("-") == 2]
    facts = {i: uni[split_id(i)[0]].value(split_id(i)[1], split_id(i)[2]) for i in ids}
    return execute_program(program, facts)


def gold_value(result: float, unit: str) -> float:
    """The value a gold answer writes: percents to 2 decimals, other units to 4 significant
    digits below 1000 (well inside the validator's tolerance), whole numbers above."""
    if unit == "percent":
        return round(result, 2)
    return float(round(result)) if abs(result) >= 1000 else float(f"{result:.4g}")


def number(uni: Universe, program: str, unit: str = "percent") -> float:
    """The gold value of a program that yields a number."""
    result = run(uni, program)
    if isinstance(result, str):
        raise TypeError(f"{program!r} answers yes/no, not a number")
    return gold_value(result, unit)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def growth(new: str, old: str) -> str:
    """Percent change from `old` to `new`."""
    return f"subtract({new}, {old}), divide(#0, {old}), multiply(#1, const_100)"


def percent_of(part: str, whole: str) -> str:
    return f"divide({part}, {whole}), multiply(#0, const_100)"


def lookup(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """One fact, stated as it is: no calculation, the fact cited."""
    (t,), p, m = ask.tickers, ask.period, ask.variant
    fact = uni[t].fact(p, m)
    return Draft(
        ask,
        needed=[fact.id],
        program=None,
        value=fact.value,
        unit="count" if m == "shares" else "usd",
        answer=f"{t}'s {plain(m)} in {p} was {show(fact.value, m)}.",
        rationale=f"The context reports {fact.id} = {format_number(fact.value)} {fact.unit} "
        f"({fact.source}).",
        tickers=[t],
        fields={"M": label(m, rng)},
    )


def change(back: int) -> Builder:
    """YoY (back=4) or QoQ (back=1) growth of revenue, net income or EPS."""

    def build(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
        (t,), p, m = ask.tickers, ask.period, ask.variant
        old = shift(p, -back) or p
        ids = [fact_id(t, p, m), fact_id(t, old, m)]
        a, b = uni[t].value(p, m), uni[t].value(old, m)
        if b <= 0 or (m == "eps" and b < 0.05):
            return None
        value = number(uni, growth(*ids))
        kind, verb = ("YoY" if back == 4 else "QoQ"), ("grew" if value >= 0 else "fell")
        fields = {"M": label(m, rng), "P0": period_text(old, rng)}
        fields["Y"] = rng.choice(["YoY", "year over year", "year-over-year"])
        return Draft(
            ask,
            needed=ids,
            program=growth(*ids),
            value=value,
            unit="percent",
            answer=f"{t}'s {plain(m)} {verb} {abs(value):.2f}% {kind} in {p}.",
            rationale=f"{cap(plain(m))} went from {show(b, m)} in {old} to {show(a, m)} in {p}.",
            tickers=[t],
            fields=fields,
        )

    return build


def margin(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """Gross or net margin: profit over revenue, in percent."""
    (t,), p, kind = ask.tickers, ask.period, ask.variant
    part = "gross_profit" if kind == "gross_margin" else "net_income"
    ids = [fact_id(t, p, part), fact_id(t, p, "revenue")]
    value = number(uni, percent_of(*ids))
    profit, revenue = uni[t].value(p, part), uni[t].value(p, "revenue")
    return Draft(
        ask,
        needed=ids,
        program=percent_of(*ids),
        value=value,
        unit="percent",
        answer=f"{t}'s {plain(kind)} in {p} was {value:.2f}%.",
        rationale=f"{cap(plain(part))} of {money(profit)} over revenue of {money(revenue)}.",
        tickers=[t],
        fields={"M": label(kind, rng), "X": plain(part)},
    )


def ratio(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """P/E on trailing EPS, price-to-sales on trailing revenue, or net income per share."""
    (t,), p, kind = ask.tickers, ask.period, ask.variant
    d, last4 = uni[t], [shift(p, k - 3) or p for k in range(4)]
    price, shares = fact_id(t, p, "price"), fact_id(t, p, "shares")
    if kind == "pe":
        eps = [fact_id(t, q, "eps") for q in last4]
        trailing = sum(d.value(q, "eps") for q in last4)
        if trailing < 0.05:
            return None
        program = f"add({eps[0]}, {eps[1]}), add(#0, {eps[2]}), add(#1, {eps[3]}), "
        program += f"divide({price}, #2)"
        ids, unit, name = [price, *eps], "ratio", "P/E ratio"
        why = f"Price {show(d.value(p, 'price'), 'price')} over trailing EPS of ${trailing:.2f}"
        why += f" ({last4[0]} to {p})."
    elif kind == "ps":
        rev = [fact_id(t, q, "revenue") for q in last4]
        program = f"multiply({price}, {shares}), add({rev[0]}, {rev[1]}), add(#1, {rev[2]}), "
        program += f"add(#2, {rev[3]}), divide(#0, #3)"
        ids, unit, name = [price, shares, *rev], "ratio", "price-to-sales ratio"
        cap_value = d.value(p, "price") * d.value(p, "shares")
        trailing = sum(d.value(q, "revenue") for q in last4)
        why = f"Market value {money(cap_value)} over trailing revenue of {money(trailing)}."
    else:
        income = fact_id(t, p, "net_income")
        program, ids, unit = f"divide({income}, {shares})", [income, shares], "usd"
        name = "net income per diluted share"
        why = f"Net income of {money(d.value(p, 'net_income'))} over "
        why += f"{d.value(p, 'shares') / 1e6:,.1f} million diluted shares."
    value = number(uni, program, unit)
    shown = f"${value:.2f}" if unit == "usd" else f"{value:.2f}"
    return Draft(
        ask,
        needed=ids,
        program=program,
        value=value,
        unit=unit,
        answer=f"{t}'s {name} in {p} was {shown}.",
        rationale=why,
        tickers=[t],
        fields={"M": label(kind, rng)},
    )


def fast_growing(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """Yes/no: growth above a stated threshold in each of four quarters. The program tests the
    weakest quarter, which decides for all four; the rationale lists every quarter."""
    (t,), p, m = ask.tickers, ask.period, ask.variant
    quarters = [shift(p, k - 3) or p for k in range(4)]
    pairs = [(fact_id(t, q, m), fact_id(t, shift(q, -4) or q, m)) for q in quarters]
    if any(uni[t].value(split_id(old)[1], m) <= 0 for _, old in pairs):
        return None
    rates = [number(uni, growth(*pair)) for pair in pairs]
    j = min(range(4), key=lambda i: rates[i])
    above = [n for n in THRESHOLDS if n < rates[j] - 0.5]
    below = [n for n in THRESHOLDS if n > rates[j] + 0.5]
    pool = above if (above and rng.random() < 0.5) or not below else below
    if not pool:
        return None
    n = rng.choice(pool)
    program = f"{growth(*pairs[j])}, greater(#2, {n})"
    weakest = f"{rates[j]:.2f}% in {quarters[j]}"
    if run(uni, program) == "yes":
        answer = f"Yes. {t}'s {plain(m)} grew more than {n}% YoY in each of the four quarters "
        answer += f"to {p}; the weakest was {weakest}."
    else:
        answer = f"No. {t}'s {plain(m)} grew only {rates[j]:.2f}% YoY in {quarters[j]}, "
        answer += f"not more than {n}%."
    why = "YoY growth: " + ", ".join(f"{q} {r:.2f}%" for q, r in zip(quarters, rates, strict=True))
    return Draft(
        ask,
        needed=[i for pair in pairs for i in pair],
        program=program,
        value=None,
        unit="none",
        answer=answer,
        rationale=f"{why}; the lowest, {quarters[j]}, decides.",
        tickers=[t],
        fields={"M": plain(m), "N": str(n), "P3": period_text(quarters[0], rng)},
        cited=list(pairs[j]),
    )
