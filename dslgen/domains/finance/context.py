"""The context of a finance question (spec §1): facts, call snippets, sentiment, the question.

A task's fixture IS this context as a dict (`FinanceContext.model_dump(mode="json")`), with the
question copied into `question` so the validator can check risk notes and tickers. Every model
rejects unknown keys, so a misspelt key is an error naming the key, not a silently empty list.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dslgen.domains.finance.program import CONSTANTS, FACT_ID_PATTERN
from dslgen.errors import DslgenError

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FinanceContextError(DslgenError, ValueError):
    """A finance context is not of the documented form; the message names the field path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(_Strict):
    """One reported number, e.g. TSLA 2022Q3 revenue; `source` names the filing and its date
    ("10-Q 2022-10-24"), whose date is the timestamp a citation of the fact must carry."""

    id: str = Field(pattern=f"^{FACT_ID_PATTERN}$", max_length=80)
    ticker: str
    period: str
    metric: str
    value: float
    unit: str
    source: str

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "none" or value in CONSTANTS:
            raise ValueError(f"{value!r} is a word of the program language, not a fact id")
        return value

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("a fact value must be a finite number")
        return value


class Snippet(_Strict):
    """A sentence from an earnings call; citable by `id`, its timestamp is `date`."""

    id: str = Field(pattern=f"^{FACT_ID_PATTERN}$", max_length=80)
    ticker: str
    date: str
    speaker: str
    text: str


class Sentiment(_Strict):
    """A weekly social-media aggregate for a ticker (not citable: it has no id)."""

    ticker: str
    week: str
    mentions: int
    score: float


class Company(_Strict):
    """A company of the context: lets the validator see "Tesla" in a question as TSLA."""

    ticker: str
    name: str
    sector: str | None = None


class FinanceContext(_Strict):
    """Everything the answer may use; `question` is set by the task, not by retrieval."""

    facts: list[Fact] = Field(default_factory=list)
    snippets: list[Snippet] = Field(default_factory=list)
    sentiment: list[Sentiment] = Field(default_factory=list)
    companies: list[Company] = Field(default_factory=list)
    question: str | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> FinanceContext:
        seen: set[str] = set()
        for source_id in self.source_ids():
            if source_id in seen:
                raise ValueError(f"source id {source_id!r} is used twice; ids must be unique")
            seen.add(source_id)
        return self

    def source_ids(self) -> list[str]:
        """What a citation may name: fact ids, then snippet ids."""
        return [f.id for f in self.facts] + [s.id for s in self.snippets]

    def fact_values(self) -> dict[str, float]:
        """Fact id -> value: the names a program may use."""
        return {f.id: f.value for f in self.facts}

    def timestamp_of(self, source_id: str) -> str | None:
        """The date a citation of `source_id` carries (None: unknown id, or a fact whose source
        names no YYYY-MM-DD date)."""
        for fact in self.facts:
            if fact.id == source_id:
                found = DATE.search(fact.source)
                return found.group(0) if found else None
        for snippet in self.snippets:
            if snippet.id == source_id:
                return snippet.date
        return None

    def tickers(self) -> list[str]:
        """Every ticker the context speaks about, sorted."""
        found = {f.ticker for f in self.facts} | {s.ticker for s in self.snippets}
        found |= {s.ticker for s in self.sentiment} | {c.ticker for c in self.companies}
        return sorted(found)

    def rows(self) -> dict[str, list[float]]:
        """ "{ticker}-{metric}" -> values ordered by period: the rows the table_* ops aggregate."""
        grouped: dict[str, list[tuple[str, float]]] = {}
        for fact in self.facts:
            grouped.setdefault(f"{fact.ticker}-{fact.metric}", []).append((fact.period, fact.value))
        return {key: [v for _, v in sorted(pairs)] for key, pairs in sorted(grouped.items())}


def parse_context(data: dict[str, Any] | None) -> FinanceContext:
    """The context of a fixture dict (None -> an empty context); raises FinanceContextError with
    the path of the first bad field, e.g. `facts[2].value`."""
    if data is None:
        return FinanceContext()
    if not isinstance(data, dict):
        raise FinanceContextError(
            f"a finance context must be a JSON object, not {type(data).__name__}"
        )
    try:
        return FinanceContext.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = _path(first["loc"])
        raise FinanceContextError(
            f"finance context field {path or '(top level)'}: {first['msg']}"
            f" ({exc.error_count()} problem(s) in all)"
        ) from None


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# Investment questions need a risk_note (spec §2). A question is one when its lower-cased text
# matches any of these (whole words): asking to invest, buy or sell, for a recommendation,
# or whether something is a good stock/sector/pick.
# Advice-seeking phrasings only: accounting language ("net cash used in investing activities",
# "investment property", "investor relations" — TAT-QA has all three) is not a request for advice.
INVESTMENT_PATTERNS: tuple[str, ...] = (
    r"\b(?:should|to|worth|good time to) invest(?:ing)?\b",
    r"\binvest(?:ing)? (?:in|into)\b(?! (?:subsidiar|joint venture|associate|affiliate))",
    r"\b(?:good|safe|smart|risky|best) investments?\b",
    r"\binvestment (?:advice|pick|picks|idea|ideas|case)\b",
    r"\b(?:stocks?|shares?|tickers?) to (?:buy|sell)\b",
    r"\b(?:buy|sell|buying|selling) (?:the |its |their )?(?:stock|stocks|shares)\b",
    r"\bbuy or sell\b",
    r"\b(?:i|we) (?:can|could|would|want to|plan to) buy\b",
    r"\bshould (?:i|we|you)\b",
    r"\brecommend(?:s|ed|ation|ations)?\b",
    r"\bportfolio\b",
    r"\bworth (?:buying|owning|it)\b",
    r"\bgood (?:stock|stocks|sector|sectors|pick|picks|bet|bets|buy)\b",
)
_INVESTMENT = re.compile("|".join(INVESTMENT_PATTERNS))
# Legal-form words dropped from a company name before looking for it in a question.
_LEGAL_FORMS = {"inc", "corp", "corporation", "co", "company", "ltd", "plc", "group", "holdings"}


def is_investment_question(question: str | None) -> bool:
    """Whether the question asks for investment advice (then the answer needs a risk_note)."""
    return question is not None and _INVESTMENT.search(question.lower()) is not None


def mentioned_tickers(question: str | None, context: FinanceContext) -> list[str]:
    """The context's tickers the question names: the ticker as a whole word (case-sensitive,
    "TSLA's" counts) or the company's name without its legal form ("Tesla" for "Tesla, Inc."),
    as whole words in any case. Sorted; empty when the question names none."""
    if not question:
        return []
    lowered = question.lower()
    found = set()
    for ticker in context.tickers():
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(ticker)}(?![A-Za-z0-9])", question):
            found.add(ticker)
    for company in context.companies:
        words = re.findall(r"[a-z0-9&]+", company.name.lower())
        while words and words[-1] in _LEGAL_FORMS:
            words.pop()
        name = r"\W+".join(re.escape(w) for w in words)
        if name and re.search(rf"(?<![a-z0-9]){name}(?![a-z0-9])", lowered):
            found.add(company.ticker)
    return sorted(found)
