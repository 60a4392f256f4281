"""The question families of spec §4 over several tickers and the screen level: sector
comparisons (leader, gap, total, which is larger), "most hype and fastest price move in the last
3 months", and investment questions (which need a risk note).

Builders follow families.py: write the program, run it with the one executor, word the answer
around the result; None when the figures make a poor question (near ties, bases that are not
positive), so the caller draws again.
"""

from __future__ import annotations

import random

from dslgen.domains.finance.families import (
    Ask,
    Draft,
    Universe,
    cap,
    growth,
    number,
    percent_of,
    run,
)
from dslgen.domains.finance.phrases import label, listing, money, plain, show
from dslgen.domains.finance.universe import fact_id, quarter_end, shift


def _per_ticker(uni: Universe, ask: Ask, kind: str) -> dict[str, tuple[str, list[str]]]:
    """ticker -> (program, fact ids) of its YoY revenue growth or margin in the asked period."""
    p, out = ask.period, {}
    for t in ask.tickers:
        if kind == "growth":
            ids = [fact_id(t, p, "revenue"), fact_id(t, shift(p, -4) or p, "revenue")]
            out[t] = (growth(*ids), ids)
        else:
            part = "gross_profit" if kind == "gross_margin" else "net_income"
            ids = [fact_id(t, p, part), fact_id(t, p, "revenue")]
            out[t] = (percent_of(*ids), ids)
    return out


def _positive_bases(uni: Universe, ask: Ask) -> bool:
    old = shift(ask.period, -4) or ask.period
    return all(uni[t].value(old, "revenue") > 0 for t in ask.tickers)


def leader(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """sector_rank and investment_pick: the ticker with the highest growth or margin."""
    kind = "growth" if ask.base == "investment_pick" else ask.variant
    if kind == "growth" and not _positive_bases(uni, ask):
        return None
    programs = _per_ticker(uni, ask, kind)
    rates = {t: number(uni, program) for t, (program, _) in programs.items()}
    ranked = sorted(rates, key=lambda t: -rates[t])
    if rates[ranked[0]] - rates[ranked[1]] < 0.5:
        return None
    w, p = ranked[0], ask.period
    listed = ", ".join(f"{t} {rates[t]:.2f}%" for t in ask.tickers)
    name = "YoY revenue growth" if kind == "growth" else plain(kind)
    draft = Draft(
        ask,
        needed=[i for _, ids in programs.values() for i in ids],
        program=programs[w][0],
        value=rates[w],
        unit="percent",
        answer=f"{w} had the highest {name} in {p}: {rates[w]:.2f}%.",
        rationale=f"{cap(name)} in {p}: {listed}.",
        tickers=[w],
        fields={"M": label(kind, rng)},
        cited=programs[w][1],
    )
    if ask.base == "investment_pick":
        draft.answer = f"On YoY revenue growth, {w} looks strongest: {rates[w]:.2f}% in {p}. "
        draft.answer += "Growth alone does not make it the right stock to buy."
        draft.risk = True
    return draft


def gap(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """A minus B in percentage points, of YoY revenue growth or a margin."""
    (a, b), p, kind = ask.tickers, ask.period, ask.variant
    if kind == "growth" and not _positive_bases(uni, ask):
        return None
    programs = _per_ticker(uni, ask, kind)
    (a_now, a_old), (b_now, b_old) = programs[a][1], programs[b][1]
    if kind == "growth":
        program = f"subtract({a_now}, {a_old}), divide(#0, {a_old}), "
        program += f"subtract({b_now}, {b_old}), divide(#2, {b_old}), "
        program += "subtract(#1, #3), multiply(#4, const_100)"
    else:
        program = f"divide({a_now}, {a_old}), divide({b_now}, {b_old}), "
        program += "subtract(#0, #1), multiply(#2, const_100)"
    value = number(uni, program)
    name = "YoY revenue growth" if kind == "growth" else plain(kind)
    side = "above" if value >= 0 else "below"
    each = f"{a} {number(uni, programs[a][0]):.2f}%, {b} {number(uni, programs[b][0]):.2f}%"
    return Draft(
        ask,
        needed=[a_now, a_old, b_now, b_old],
        program=program,
        value=value,
        unit="percent",
        answer=f"{a}'s {name} in {p} was {abs(value):.2f} percentage points {side} {b}'s.",
        rationale=f"{cap(name)}: {each}.",
        tickers=[a, b],
        fields={"M": label(kind, rng)},
    )


def total(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """The sum of one metric over three companies."""
    p, m = ask.period, ask.variant
    ids = [fact_id(t, p, m) for t in ask.tickers]
    program = f"add({ids[0]}, {ids[1]}), add(#0, {ids[2]})"
    value = number(uni, program, "usd")
    return Draft(
        ask,
        needed=ids,
        program=program,
        value=value,
        unit="usd",
        answer=f"The combined {plain(m)} of {listing(list(ask.tickers))} in {p} was {money(value)}.",
        rationale=", ".join(f"{t} {money(uni[t].value(p, m))}" for t in ask.tickers) + ".",
        tickers=list(ask.tickers),
        fields={"M": label(m, rng)},
    )


def greater(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """Yes/no: was A's figure above B's."""
    (a, b), p, m = ask.tickers, ask.period, ask.variant
    x, y = uni[a].value(p, m), uni[b].value(p, m)
    if x == y:
        return None
    ids = [fact_id(a, p, m), fact_id(b, p, m)]
    said = str(run(uni, f"greater({ids[0]}, {ids[1]})"))
    how = "was higher than" if said == "yes" else "was not higher than"
    return Draft(
        ask,
        needed=ids,
        program=f"greater({ids[0]}, {ids[1]})",
        value=None,
        unit="none",
        answer=f"{cap(said)}. {a}'s {plain(m)} in {p} ({show(x, m)}) {how} {b}'s ({show(y, m)}).",
        rationale=f"{ids[0]} = {x:,.2f} and {ids[1]} = {y:,.2f}.",
        tickers=[a, b],
        fields={"M": label(m, rng)},
    )


def hype(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """The most-mentioned ticker and the biggest price move (up or down) over the quarter."""
    p, before, day = ask.period, shift(ask.period, -1) or ask.period, quarter_end(ask.period)
    moves = {t: growth(fact_id(t, p, "price"), fact_id(t, before, "price")) for t in ask.tickers}
    rates = {t: number(uni, program) for t, program in moves.items()}
    buzz = {t: uni[t].value(p, "mentions") for t in ask.tickers}
    by_move = sorted(ask.tickers, key=lambda t: -abs(rates[t]))
    by_buzz = sorted(ask.tickers, key=lambda t: -buzz[t])
    if abs(rates[by_move[0]]) - abs(rates[by_move[1]]) < 1:
        return None
    if buzz[by_buzz[0]] < 1.05 * buzz[by_buzz[1]]:
        return None
    mover, loudest = by_move[0], by_buzz[0]
    said = f"{loudest} had the most hype ({buzz[loudest]:,.0f} mentions)"
    move = f"the fastest price move ({rates[mover]:+.2f}%) in the 3 months to {day.isoformat()}."
    answer = f"{said} and also {move}" if mover == loudest else f"{said}, but {mover} had {move}"
    why = "Price change: " + ", ".join(f"{t} {rates[t]:+.2f}%" for t in ask.tickers)
    why += "; mentions: " + ", ".join(f"{t} {buzz[t]:,.0f}" for t in ask.tickers) + "."
    prices = [fact_id(t, q, "price") for t in ask.tickers for q in (p, before)]
    return Draft(
        ask,
        needed=prices + [fact_id(t, p, "mentions") for t in ask.tickers],
        program=moves[mover],
        value=rates[mover],
        unit="percent",
        answer=answer,
        rationale=why,
        tickers=[loudest] if mover == loudest else [loudest, mover],
        cited=[fact_id(mover, p, "price"), fact_id(mover, before, "price")]
        + [fact_id(loudest, p, "mentions")],
        weeks=3,
        refusable=prices,
    )


def invest_stock(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """Is X a good stock: the facts (growth, profit, the CEO's demand remark), not advice."""
    (t,), p = ask.tickers, ask.period
    old = shift(p, -4) or p
    ids = [fact_id(t, p, "revenue"), fact_id(t, old, "revenue")]
    if not _positive_bases(uni, ask):
        return None
    value, income = number(uni, growth(*ids)), uni[t].value(p, "net_income")
    profit = f"earned net income of {money(income)}" if income >= 0 else "posted a net loss of "
    profit += money(-income) if income < 0 else ""
    answer = f"{t}'s revenue {'grew' if value >= 0 else 'fell'} {abs(value):.2f}% YoY in {p} and "
    answer += f"it {profit}. These results alone do not make it a good or bad investment."
    mood = sum(s.score for s in uni[t].sentiment(p, 3)) / 3
    why = f"Revenue went from {money(uni[t].value(old, 'revenue'))} in {old} to "
    why += f"{money(uni[t].value(p, 'revenue'))} in {p}; social sentiment over the last 3 weeks "
    why += f"averaged {mood:.2f}."
    demand = [s.id for s in uni[t].snippets(p) if s.text.startswith("Demand")]
    needed = [*ids, fact_id(t, p, "net_income")]
    return Draft(
        ask,
        needed=needed,
        program=growth(*ids),
        value=value,
        unit="percent",
        answer=answer,
        rationale=why,
        tickers=[t],
        cited=needed + demand,
        risk=True,
        weeks=3,
    )


def invest_sector(rng: random.Random, ask: Ask, uni: Universe) -> Draft | None:
    """Is a sector a good investment: combined YoY revenue growth of three of its companies."""
    p = ask.period
    if not _positive_bases(uni, ask):
        return None
    now = [fact_id(t, p, "revenue") for t in ask.tickers]
    old = [fact_id(t, shift(p, -4) or p, "revenue") for t in ask.tickers]
    program = f"add({now[0]}, {now[1]}), add(#0, {now[2]}), add({old[0]}, {old[1]}), "
    program += f"add(#2, {old[2]}), subtract(#1, #3), divide(#4, #3), multiply(#5, const_100)"
    value = number(uni, program)
    sector = uni[ask.tickers[0]].company.sector
    answer = f"Combined revenue of {listing(list(ask.tickers))} "
    answer += f"{'grew' if value >= 0 else 'fell'} {abs(value):.2f}% YoY in {p}. That is one "
    answer += f"signal about {sector}, not proof that the sector is a good investment."
    rates = [number(uni, growth(n, o)) for n, o in zip(now, old, strict=True)]
    each = [f"{t} {r:.2f}%" for t, r in zip(ask.tickers, rates, strict=True)]
    return Draft(
        ask,
        needed=now + old,
        program=program,
        value=value,
        unit="percent",
        answer=answer,
        rationale="YoY revenue growth: " + ", ".join(each) + ".",
        tickers=list(ask.tickers),
        risk=True,
    )
