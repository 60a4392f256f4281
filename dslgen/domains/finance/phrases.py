"""How people ask finance questions and how gold answers write numbers.

Question phrasings are indexed lists per template family: the index is the unit of the
train/test split (questions.py holds out every index k with k % 4 == 3), so each family has 8.
Fields in braces are filled by the question builders: T/A/B a company (ticker or name), L a list
of companies, P a period, M a metric label, N a threshold, D a date, S a sector. Only investment
families use the words the validator's investment detector looks for (invest, buy, recommend,
should I, portfolio, worth buying, good stock/sector/buy/investment); tests keep it that way.
"""

from __future__ import annotations

import random

QUESTIONS: dict[str, tuple[str, ...]] = {
    "lookup": (
        "What was {T}'s {M} in {P}?", "What {M} did {T} report for {P}?",
        "Look up {T}'s {M} for {P}.", "{T}: {M} in {P}?",
        "Give me the {M} {T} reported for {P}.", "What {M} figure did {T} have in {P}?",
        "Find {T}'s {M} for {P}.", "Tell me {T}'s {M} for {P}.",
    ),
    "yoy_growth": (
        "What was {T}'s {M} growth {Y} in {P}?", "By what percentage did {T}'s {M} change {Y} in {P}?",
        "How much did {T}'s {M} grow in {P} compared with the same quarter a year earlier?",
        "Compute the {Y} change in {T}'s {M} for {P}, in percent.", "{T}: {Y} {M} growth for {P}?",
        "What was the percentage change in {T}'s {M} from {P0} to {P}?",
        "How fast did {T}'s {M} grow {Y} in {P}?", "Calculate {T}'s {M} growth in {P} versus a year before.",
    ),
    "qoq_growth": (
        "What was {T}'s {M} growth quarter over quarter in {P}?",
        "By what percentage did {T}'s {M} change from {P0} to {P}?",
        "How much did {T}'s {M} grow sequentially in {P}?",
        "Compute the QoQ change in {T}'s {M} for {P}, in percent.", "{T}: sequential {M} growth in {P}?",
        "What was the percentage change in {T}'s {M} versus the previous quarter, in {P}?",
        "How fast did {T}'s {M} grow from the prior quarter to {P}?",
        "Calculate {T}'s QoQ {M} growth for {P}.",
    ),
    "margin": (
        "What was {T}'s {M} in {P}?", "Compute {T}'s {M} for {P} as a percentage of revenue.",
        "What {M} did {T} earn in {P}?", "{T}: {M} in {P}?", "How high was {T}'s {M} in {P}?",
        "Give {T}'s {M} for {P} in percent.", "What percentage of revenue was {T}'s {X} in {P}?",
        "Calculate the {M} of {T} for {P}.",
    ),
    "ratio": (
        "What was {T}'s {M} at the end of {P}?", "Compute {T}'s {M} for {P}.",
        "Using the filings, what is {T}'s {M} as of {P}?", "{T}: {M} for {P}?",
        "Calculate the {M} of {T} in {P}.", "What {M} did {T} have in {P}?",
        "Work out {T}'s {M} for {P}.", "How large was {T}'s {M} in {P}?",
    ),
    "fast_growing": (
        "Is {T} fast-growing, meaning {M} grew more than {N}% YoY in each of the four quarters ending {P}?",
        "Did {T}'s {M} grow over {N}% year over year in every one of the four quarters through {P}?",
        "Classify {T} as fast-growing or not: fast-growing means {M} YoY growth above {N}% in each of the four quarters to {P}.",
        "Was {T}'s {M} growth above {N}% YoY in each quarter from {P3} to {P}?",
        "Using a threshold of {N}% YoY {M} growth in each of the last four quarters (to {P}), is {T} fast-growing?",
        "Has {T} been growing fast, with {M} up more than {N}% on the year in all four quarters ending {P}?",
        "Is {T} a fast grower by the rule: {M} YoY growth > {N}% in each of the four quarters through {P}?",
        "Check whether {T}'s {M} beat {N}% YoY growth in every quarter from {P3} through {P}.",
    ),
    "sector_rank": (
        "Which of {L} had the highest {M} in {P}?", "Among {L}, which led on {M} in {P}, and with what figure?",
        "Rank {L} by {M} for {P}: which comes first?", "In {P}, which company among {L} posted the best {M}?",
        "Compare {L} on {M} in {P}. Which is highest?", "Of {L}, which had the strongest {M} in {P}, and what was it?",
        "Which {S} company among {L} had the top {M} in {P}?", "Who had the highest {M} in {P}: {L}?",
    ),
    "sector_gap": (
        "By how many percentage points did {A}'s {M} exceed {B}'s in {P}?",
        "What was the gap between {A}'s and {B}'s {M} in {P}, in percentage points ({A} minus {B})?",
        "Compare {A} and {B}: how much higher was {A}'s {M} than {B}'s in {P}?",
        "{A} vs {B} in {P}: difference in {M} ({A} minus {B})?",
        "How far apart were {A} and {B} on {M} in {P}? Give {A} minus {B} in points.",
        "In {P}, what was {A}'s {M} minus {B}'s, in percentage points?",
        "Compute the {M} spread between {A} and {B} for {P} ({A} minus {B}).",
        "How many points of {M} separated {A} from {B} in {P} ({A} minus {B})?",
    ),
    "sector_total": (
        "What was the combined {M} of {L} in {P}?", "Add up the {M} of {L} for {P}.",
        "How much {M} did {L} report together in {P}?", "Total {M} across {L} in {P}?",
        "Sum the {M} of {L} for {P}.", "What {M} did {L} generate in total in {P}?",
        "Combined, how much {M} did {L} have in {P}?", "Give the total {M} of {L} for {P}.",
    ),
    "sector_greater": (
        "Did {A} report higher {M} than {B} in {P}?", "In {P}, was {A}'s {M} greater than {B}'s?",
        "Was {A} ahead of {B} on {M} in {P}?", "{A} vs {B}: did {A} have the larger {M} in {P}?",
        "Is it true that {A}'s {M} exceeded {B}'s in {P}?", "Compare {M} in {P}: did {A} beat {B}?",
        "Did {A} top {B} in {M} for {P}?", "Was {A}'s {M} in {P} above {B}'s?",
    ),
    "hype_move": (
        "As of {D}, which of {L} had the most hype and the fastest price move over the last 3 months?",
        "Over the three months to {D}, which of {L} drew the most social-media mentions, and which moved the most in price?",
        "Screen {L} for hype and momentum in the 3 months ending {D}: who had the most mentions and the biggest price move?",
        "Among {L}, which was the most talked-about name and which had the largest price swing in the quarter to {D}?",
        "Which of {L} had the most buzz and the sharpest share-price move in the last 3 months (to {D})?",
        "For the 3 months ending {D}, rank {L} by mentions and by price change: who leads each?",
        "Find the hype leader and the fastest mover among {L} over the last three months as of {D}.",
        "Most mentions and biggest price move over the last 3 months to {D}, among {L}?",
    ),
    "investment_stock": (
        "Is {T} a good stock to invest in after its {P} results?", "Should I buy {T} based on its {P} numbers?",
        "Would you recommend investing in {T} given its {P} results?", "Is {T} worth buying after {P}?",
        "Is {T} a good investment right now, judging by its {P} filing?",
        "Should we add {T} to our portfolio after its {P} report?",
        "Given {T}'s {P} results, is it a good buy?", "Is now the time to invest in {T}, after {P}?",
    ),
    "investment_sector": (
        "Judging by {L}, is {S} a good sector to invest in after {P}?",
        "Should I invest in the {S} sector? Base it on {L} in {P}.",
        "Looking at {L}, would you recommend {S} as a sector to buy into after {P}?",
        "Is {S} a good sector to invest in, using the {P} results of {L}?",
        "Based on {L} in {P}, is {S} worth buying into?",
        "Should we put money into {S}? Use {L} and their {P} figures.",
        "Is {S}, as represented by {L}, a good sector to invest in following {P}?",
        "Do the {P} results of {L} make {S} a good investment?",
    ),
    "investment_pick": (
        "Which of {L} should I buy, judging by {P} revenue growth?",
        "Based on YoY revenue growth in {P}, which of {L} is the best stock to invest in?",
        "Among {L}, which would you recommend buying after {P}, on revenue growth?",
        "Which stock to buy among {L}, given their YoY revenue growth in {P}?",
        "I can buy one of {L}. Which one, based on YoY revenue growth in {P}?",
        "Pick the best investment among {L} using YoY revenue growth in {P}.",
        "Which of {L} is the best pick to invest in after {P}, by revenue growth?",
        "Should I invest in {L}? Which one looks best on YoY revenue growth in {P}?",
    ),
}  # fmt: skip

LABELS: dict[str, tuple[str, ...]] = {
    "revenue": ("revenue", "total revenue", "sales"),
    "gross_profit": ("gross profit",),
    "net_income": ("net income", "net profit"),
    "eps": ("EPS", "diluted EPS", "earnings per share"),
    "shares": ("diluted share count", "diluted shares outstanding"),
    "price": ("quarter-end share price", "closing share price at quarter end"),
    "gross_margin": ("gross margin",),
    "net_margin": ("net margin", "net profit margin"),
    "growth": ("YoY revenue growth", "year-over-year revenue growth"),
    "pe": ("P/E ratio (quarter-end price over trailing four-quarter EPS)",),
    "ps": ("price-to-sales ratio (market value over trailing four-quarter revenue)",),
    "eps_calc": ("net income per diluted share (net income over diluted shares)",),
}
PLAIN = {"gross_profit": "gross profit", "net_income": "net income", "eps": "EPS"}
PLAIN |= {"shares": "diluted share count", "price": "share price", "mentions": "mentions"}
RISK_NOTES = (
    "Not investment advice: past growth does not guarantee future returns, and share prices can fall sharply.",
    "This is not a recommendation; results can reverse, and a single stock or sector carries concentrated risk.",
    "Past figures do not predict returns; valuation, competition and market swings can cause losses.",
    "Not investment advice: consider diversification and your own risk tolerance, as prices are volatile.",
)  # fmt: skip
_ORDINAL = {"1": "first", "2": "second", "3": "third", "4": "fourth"}


def label(metric: str, rng: random.Random) -> str:
    return rng.choice(LABELS[metric])


def plain(metric: str) -> str:
    """The label gold answers use: one fixed name per metric."""
    return PLAIN.get(metric, metric.replace("_", " "))


def period_text(period: str, rng: random.Random) -> str:
    """2022Q3 as `2022Q3`, `Q3 2022`, `the third quarter of 2022` or `fiscal 2022 Q3`."""
    year, q = period[:4], period[-1]
    return rng.choice([period, f"Q{q} {year}", f"the {_ORDINAL[q]} quarter of {year}", f"fiscal {year} Q{q}"])  # fmt: skip


def listing(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


def money(value: float) -> str:
    """$21.45 billion, $512.3 million, -$3.2 million, $812,000."""
    a, sign = abs(value), "-" if value < 0 else ""
    if a >= 1e9:
        return f"{sign}${a / 1e9:.2f} billion"
    if a >= 1e6:
        return f"{sign}${a / 1e6:.1f} million"
    return f"{sign}${a:,.0f}"


def pct(value: float, up: str = "up", down: str = "down") -> str:
    """`up 5.3%` or `down 2.0%`: how a call transcript states a change."""
    return f"{up if value >= 0 else down} {abs(value):.1f}%"


def show(value: float, metric: str) -> str:
    """A fact's value as a gold answer writes it."""
    if metric in ("revenue", "gross_profit", "net_income"):
        return money(value)
    if metric in ("eps", "price"):
        return f"-${-value:.2f}" if value < 0 else f"${value:.2f}"
    if metric == "shares":
        return f"{value / 1e6:,.1f} million shares"
    return f"{value:,.0f}"
