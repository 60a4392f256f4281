"""Finance tasks of the four curriculum levels, split by template and parameters like pdflow's.

Split rule (the same as dslgen/domains/pdflow/tasks/compose.py): a phrasing with index k is a
held-out template when k % 4 == 3; train and dev tasks use only the others, test tasks only
held-out ones. A question's parameters (family, template family, tickers, period, variant: the
`Ask`, fixed before any figure is drawn) hash to a bucket 0-9: 0 is test, 1 dev, 2-9 train.

Levels: lookup (one fact, or a refusal), growth (arithmetic on one company), compare (several
tickers of a sector), screen (hype and price moves, investment questions). Refusals keep the
question of a normal family and drop a needed fact from the context; the gold answer then has
value, calculation and citations empty and says which figure is missing. The builders are in
families.py (one company) and sectors.py (several tickers, screens); phrasings in phrases.py.
"""

from __future__ import annotations

import random
import re

from dslgen.domains.finance import families as one
from dslgen.domains.finance import sectors as many
from dslgen.domains.finance.answer import Answer, Citation, answer_json
from dslgen.domains.finance.context import Fact, FinanceContext
from dslgen.domains.finance.families import Ask, Builder, Draft, Universe, split_id
from dslgen.domains.finance.phrases import QUESTIONS, RISK_NOTES, listing, period_text, plain
from dslgen.domains.finance.universe import (
    BY_TICKER,
    METRICS,
    PERIODS,
    SECTORS,
    fact_id,
    make_universe,
    quarter_end,
    shift,
)
from dslgen.records import Task
from dslgen.taskgen import param_bucket, template_allowed

LEVELS = ("lookup", "growth", "compare", "screen")
SPLITS = ("train", "dev", "test")
MAX_ATTEMPTS = 400
MAX_FACTS = 40
MAX_SNIPPETS = 4
# level -> family -> weight; "refusal" and "investment" draw their template family below
MIX: dict[str, dict[str, float]] = {
    "lookup": {"lookup": 3, "refusal": 1},
    "growth": {"yoy_growth": 3, "qoq_growth": 2, "margin": 2, "ratio": 2, "fast_growing": 2}
    | {"refusal": 1},
    "compare": {"sector_rank": 3, "sector_gap": 2, "sector_total": 2, "sector_greater": 2}
    | {"refusal": 1.5},
    "screen": {"hype_move": 4, "investment": 4, "refusal": 1.5},
}
# template family -> (tickers asked about, quarters of history the period needs, variants, builder)
BASES: dict[str, tuple[int, int, tuple[str, ...], Builder]] = {
    "lookup": (1, 0, METRICS, one.lookup),
    "yoy_growth": (1, 4, ("revenue", "net_income", "eps"), one.change(4)),
    "qoq_growth": (1, 1, ("revenue", "net_income", "eps"), one.change(1)),
    "margin": (1, 0, ("gross_margin", "net_margin"), one.margin),
    "ratio": (1, 3, ("pe", "ps", "eps_calc"), one.ratio),
    "fast_growing": (1, 7, ("revenue", "gross_profit"), one.fast_growing),
    "sector_rank": (3, 4, ("growth", "net_margin", "gross_margin"), many.leader),
    "sector_gap": (2, 4, ("growth", "net_margin", "gross_margin"), many.gap),
    "sector_total": (3, 0, ("revenue", "gross_profit", "net_income"), many.total),
    "sector_greater": (2, 0, ("revenue", "net_income", "eps"), many.greater),
    "hype_move": (3, 1, ("3", "4"), many.hype),  # the variant is the number of tickers
    "investment_stock": (1, 4, ("stock",), many.invest_stock),
    "investment_sector": (3, 4, ("sector",), many.invest_sector),
    "investment_pick": (3, 4, ("pick",), many.leader),
}
REFUSAL_BASES = {
    "lookup": ("lookup",),
    "growth": ("yoy_growth", "qoq_growth", "margin", "ratio", "fast_growing"),
    "compare": ("sector_rank", "sector_gap", "sector_total"),
    "screen": ("hype_move",),
}
INVESTMENT_BASES = ("investment_stock", "investment_sector", "investment_pick")
# Figures that can be recomputed from each other: a refusal drops the whole group.
_DERIVABLE = ("eps", "net_income", "shares")


def make_question_task(rng: random.Random, level: str, split: str) -> Task:
    """One task of `level` for `split`; parameters are redrawn until they fall in the split's
    bucket and the drawn figures make a well-posed question."""
    if level not in MIX or split not in SPLITS:
        raise ValueError(
            f"level must be one of {LEVELS} and split one of {SPLITS}, not {level!r}/{split!r}"
        )
    families = sorted(MIX[level])
    for _ in range(MAX_ATTEMPTS):
        family = rng.choices(families, weights=[MIX[level][f] for f in families])[0]
        base = family
        if family == "refusal":
            base = rng.choice(REFUSAL_BASES[level])
        elif family == "investment":
            base = rng.choice(INVESTMENT_BASES)
        ask = _ask(rng, family, base)
        if param_bucket(ask.key) != split:
            continue
        sector = SECTORS[BY_TICKER[ask.tickers[0]].sector]
        rest = [c.ticker for c in sector if c.ticker not in ask.tickers]
        others = rng.sample(rest, min(rng.randint(1, 2), len(rest)))
        uni = make_universe(rng, [*ask.tickers, *others])
        draft = BASES[base][3](rng, ask, uni)
        if draft is not None:
            return _task(rng, level, split, draft, uni, others)
    raise RuntimeError(f"could not make a {level} task for {split} in {MAX_ATTEMPTS} attempts")


def _ask(rng: random.Random, family: str, base: str) -> Ask:
    count, history, variants, _ = BASES[base]
    variant = rng.choice(variants)
    count = int(variant) if base == "hype_move" else count
    sector = rng.choice(sorted(SECTORS))
    tickers = tuple(c.ticker for c in rng.sample(SECTORS[sector], count))
    return Ask(family, base, tickers, rng.choice(PERIODS[history:]), variant)


def _task(
    rng: random.Random, level: str, split: str, draft: Draft, uni: Universe, others: list[str]
) -> Task:
    ask = draft.ask
    missing = rng.choice(draft.refusable or draft.needed) if ask.family == "refusal" else None
    drop = _dropped(missing)
    context = _pack(rng, level, draft, uni, others, drop)
    allowed = [k for k in range(len(QUESTIONS[ask.base])) if template_allowed(k, split)]
    k = rng.choice(allowed)
    question = _question(rng, QUESTIONS[ask.base][k], draft)
    context = context.model_copy(update={"question": question})
    gold = _refusal(draft, context, missing) if missing else _answer(rng, draft, context)
    return Task(
        level=level,
        intent=ask.family,
        instruction=question,
        script=answer_json(gold),
        fixture=context.model_dump(mode="json"),
        template_id=f"{ask.base}/{k}",
        param_key=ask.key,
        topic=ask.base,
    )


def _dropped(missing: str | None) -> list[str]:
    if missing is None:
        return []
    t, p, m = split_id(missing)
    return [fact_id(t, p, x) for x in _DERIVABLE] if m in _DERIVABLE else [missing]


def _pack(
    rng: random.Random, level: str, draft: Draft, uni: Universe, others: list[str], drop: list[str]
) -> FinanceContext:
    """The needed facts plus distractors (other periods, metrics and tickers), a few call
    snippets, and sentiment only where the question needs it."""
    ask, p = draft.ask, draft.ask.period
    facts = _facts(rng, level, draft, uni, others, drop)
    refused = {split_id(i)[0] for i in drop}  # no call sentence may restate a dropped figure
    cited = [s for s in draft.cited if "-call-" in s]
    calls = [s for t in [*ask.tickers, *others] if t not in refused for s in uni[t].snippets(p)]
    spare = [s for s in calls if s.id not in cited]
    chosen = cited + [s.id for s in rng.sample(spare, rng.randint(0, MAX_SNIPPETS - len(cited)))]
    snippets = sorted((s for s in calls if s.id in chosen), key=lambda s: s.id)
    sentiment = [row for t in ask.tickers for row in uni[t].sentiment(p, draft.weeks)]
    present = {f.ticker for f in facts} | {s.ticker for s in snippets} | set(ask.tickers)
    companies = [uni[t].record() for t in sorted(present)]
    return FinanceContext(
        facts=facts,
        snippets=snippets,
        sentiment=sentiment if draft.weeks else [],
        companies=companies,
    )


def _facts(
    rng: random.Random, level: str, draft: Draft, uni: Universe, others: list[str], drop: list[str]
) -> list[Fact]:
    """The needed facts and 6-26 distractors, at most MAX_FACTS, sorted as a filing table."""
    ask, p = draft.ask, draft.ask.period
    ids = [i for i in dict.fromkeys(draft.needed) if i not in drop]
    # screen questions speak of "the last 3 months": nothing later than the asked quarter
    offsets = (0, -1, -2, -4, -5) if level == "screen" else (0, -1, -2, -4, -5, 1)
    mine = [q for o in offsets if (q := shift(p, o))]
    near = [q for o in (0, -1, -4) if (q := shift(p, o))]
    pool = [fact_id(t, q, m) for t in ask.tickers for q in mine for m in METRICS]
    pool += [fact_id(t, q, m) for t in others for q in near for m in METRICS if m != "shares"]
    if level == "screen":
        pool += [fact_id(t, p, "mentions") for t in others]
    pool = [i for i in dict.fromkeys(pool) if i not in ids and i not in drop]
    room = min(len(pool), MAX_FACTS - len(ids), 26)
    ids += rng.sample(pool, rng.randint(min(6, room), room))
    order = {m: i for i, m in enumerate((*METRICS, "mentions"))}
    return sorted(
        (uni[t].fact(q, m) for t, q, m in map(split_id, ids)),
        key=lambda f: (f.ticker, f.period, order[f.metric]),
    )


def _question(rng: random.Random, template: str, draft: Draft) -> str:
    ask = draft.ask
    refs = [_ref(t, rng) for t in ask.tickers]
    fields = {"T": refs[0], "A": refs[0], "B": refs[-1], "L": listing(refs)}
    fields |= {"P": period_text(ask.period, rng), "D": quarter_end(ask.period).isoformat()}
    fields |= {"S": BY_TICKER[ask.tickers[0]].sector} | draft.fields
    text = re.sub(r"(?<=[a-z]s)'s\b", "'", template.format(**fields))  # Dokkar Ports' revenue
    return text[0].upper() + text[1:]


def _ref(ticker: str, rng: random.Random) -> str:
    """How a question names a company: mostly the ticker, sometimes the name."""
    return rng.choice([ticker, ticker, BY_TICKER[ticker].short])


def _answer(rng: random.Random, draft: Draft, context: FinanceContext) -> Answer:
    return Answer(
        answer=draft.answer,
        value=draft.value,
        unit=draft.unit,  # type: ignore[arg-type]
        calculation=draft.program,
        rationale=draft.rationale,
        tickers=draft.tickers,
        citations=[
            Citation(source=s, timestamp=context.timestamp_of(s) or "") for s in draft.cited
        ],
        context_required=True,
        risk_note=rng.choice(RISK_NOTES) if draft.risk else None,
    )


def _refusal(draft: Draft, context: FinanceContext, missing: str) -> Answer:
    t, p, m = split_id(missing)
    have = sorted(f.period for f in context.facts if f.ticker == t and f.metric == m)
    known = f"only for {listing(have)}" if have else "for no period at all"
    return Answer(
        answer=f"I cannot answer from this context: it has no {plain(m)} for {t} in {p} "
        f"({missing}), which the question needs.",
        value=None,
        unit="none",
        calculation=None,
        rationale=f"{missing} is missing from the context; it gives {t}'s {plain(m)} {known}.",
        tickers=[t],
        citations=[],
        context_required=True,
        risk_note=None,
    )
