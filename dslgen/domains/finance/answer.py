"""The answer of the finance domain (spec §2) and its one canonical text.

Every string and list is bounded so that constrained decoding ends; the same bounds are in the
decoding grammar (grammar.py). `answer_json` writes a gold answer as one line with keys in spec
order: that line is the "script" of a finance Task, what the model learns to write.
"""

from __future__ import annotations

import json
import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Unit = Literal["percent", "usd", "ratio", "count", "none"]
UNITS: tuple[str, ...] = ("percent", "usd", "ratio", "count", "none")

MAX_ANSWER = 300
MAX_SOURCE = 80
MAX_STEPS = 12  # steps of a calculation: the bound decoding keeps to
# The longest text MAX_STEPS steps can have: `multiply(ID, ID)` with two ids of MAX_SOURCE
# characters, joined by ", ". A character cap below it (the first version had 400) let a
# grammar-constrained answer of 12 legal steps fail the schema.
MAX_CALCULATION = MAX_STEPS * (len("multiply(") + 2 * MAX_SOURCE + len(", )")) + 2 * (MAX_STEPS - 1)
MAX_RATIONALE = 400
MAX_RISK_NOTE = 300
MAX_TICKERS = 5
MAX_TICKER = 10
MAX_CITATIONS = 6
MAX_TIMESTAMP = 32
MAX_DECIMALS = 10  # digits after the point in a written value


class _Strict(BaseModel):
    # strict: "55.95" is not a number and 1 is not `true`; a model must write the JSON types.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Citation(_Strict):
    """A context source backing the answer, with the date the context gives for it."""

    source: str = Field(min_length=1, max_length=MAX_SOURCE)
    timestamp: str = Field(max_length=MAX_TIMESTAMP)


class Answer(_Strict):
    """Fields in spec order; all are required (null where the type allows it)."""

    answer: str = Field(min_length=1, max_length=MAX_ANSWER)
    value: float | None = Field(allow_inf_nan=False)
    unit: Unit
    calculation: str | None = Field(min_length=1, max_length=MAX_CALCULATION)
    rationale: str = Field(max_length=MAX_RATIONALE)
    tickers: list[str] = Field(max_length=MAX_TICKERS)
    citations: list[Citation] = Field(max_length=MAX_CITATIONS)
    context_required: bool
    risk_note: str | None = Field(min_length=1, max_length=MAX_RISK_NOTE)

    @field_validator("tickers")
    @classmethod
    def _short_tickers(cls, tickers: list[str]) -> list[str]:
        for ticker in tickers:
            if not 1 <= len(ticker) <= MAX_TICKER:
                raise ValueError(f"ticker {ticker!r} must have 1 to {MAX_TICKER} characters")
        return tickers


def format_number(value: float) -> str:
    """A JSON number without exponent, as short as round-tripping allows (21454000000, 55.95)."""
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written as a JSON number")
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text or "E" in text or len(text.partition(".")[2]) > MAX_DECIMALS:
        text = f"{value:.{MAX_DECIMALS}f}".rstrip("0").rstrip(".")
    return text


def answer_json(answer: Answer) -> str:
    """The canonical one-line text of an answer: keys in spec order, `, ` and `: ` separators,
    numbers without exponent, non-ASCII kept as is (the decoding grammar writes this form)."""
    data = answer.model_dump(mode="json")
    parts = []
    for key, value in data.items():
        if key == "value" and value is not None:
            text = format_number(float(value))
        else:
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f"{json.dumps(key)}: {text}")
    return "{" + ", ".join(parts) + "}"


PERCENT_TOLERANCE = 0.01  # absolute, in percentage points
RELATIVE_TOLERANCE = 0.005  # 0.5 % of the expected value, for every other unit


def values_agree(actual: float | str | None, expected: float | str | None, unit: str) -> bool:
    """Whether an answer's value matches the expected one (spec §3): within 0.01 when `unit` is
    percent, else within 0.5 % of `expected`; yes/no and None (a refusal) must match exactly."""
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, str) or isinstance(expected, str):
        return isinstance(actual, str) and isinstance(expected, str) and actual == expected
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    slack = 1e-9 * max(1.0, abs(expected))  # float noise, e.g. 0.1 + 0.2
    if unit == "percent":
        return abs(actual - expected) <= PERCENT_TOLERANCE + slack
    return abs(actual - expected) <= RELATIVE_TOLERANCE * abs(expected) + slack
