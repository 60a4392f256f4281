"""Hard negatives for finance answers: realistic single mistakes in a valid gold answer.

Each mutation is one mistake a model makes when writing the answer JSON — a number off by a
scale or a sign, periods swapped in a growth formula, a citation dropped or invented, a missing
risk note, a ticker the question never named, broken JSON, a field of the wrong type, a program
that does not parse or cannot run — and is labelled with the error class it must cause. Every
candidate is kept only when `validate_answer` reports that class first (in the report's JSON
order), so the corpus builder never discards one as mislabelled. Candidates are made in a fixed
order and interleaved class by class in an rng-shuffled order, so `rng` alone decides the result.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import ValidationError

from dslgen.domains.finance.answer import Answer, format_number
from dslgen.domains.finance.context import (
    FinanceContext,
    FinanceContextError,
    is_investment_question,
    mentioned_tickers,
    parse_context,
)
from dslgen.domains.finance.program import parse_program
from dslgen.domains.finance.universe import COMPANIES, PERIODS
from dslgen.domains.finance.validator import validate_answer
from dslgen.records import Negative
from dslgen.taskgen import interleave_negatives

CLASSES = (
    "json_syntax", "schema", "calc_syntax", "calc_runtime", "value_mismatch",
    "unknown_source", "missing_citation", "missing_risk_note", "ticker_mismatch",
)  # fmt: skip
Candidate = tuple[str, str, str]  # (error class, mutated text, what changed)
Data = dict[str, Any]


def _dump(data: Data) -> str:
    """The answer_json form of any dict (also of ones the schema rejects)."""
    parts = []
    for key, value in data.items():
        is_number = isinstance(value, float | int) and not isinstance(value, bool)
        text = format_number(float(value)) if key == "value" and is_number else None
        parts.append(f"{json.dumps(key)}: {text or json.dumps(value, ensure_ascii=False)}")
    return "{" + ", ".join(parts) + "}"


def _with(data: Data, **changes: Any) -> str:
    return _dump({**data, **changes})


def _calc(data: Data, calculation: str) -> str:
    return _dump({**data, "calculation": calculation})


def _json_syntax(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    text = _dump(data)
    yield "json_syntax", text[:-1], "dropped the closing brace"
    yield "json_syntax", text[:-1] + ", }", "left a trailing comma before the closing brace"
    yield "json_syntax", text.replace(', "unit"', ' "unit"', 1), "dropped the comma before unit"
    yield "json_syntax", text.replace('"rationale"', "'rationale'", 1), "single-quoted a key"
    yield "json_syntax", text.replace(": null", ": None", 1), "wrote Python None for null"
    yield "json_syntax", text.replace(": true", ": True", 1), "wrote Python True for true"
    cut = rng.randint(len(text) // 3, len(text) - 2)
    yield "json_syntax", text[:cut], f"stopped writing at character {cut}"


def _schema(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    unit = {"percent": "%", "usd": "USD", "ratio": "x", "count": "shares", "none": "n/a"}
    yield "schema", _with(data, unit=unit[data["unit"]]), f"wrote unit {unit[data['unit']]!r}"
    if data["value"] is not None:
        shown = f"{format_number(data['value'])}{'%' if data['unit'] == 'percent' else ''}"
        yield "schema", _with(data, value=shown), f"wrote value as the string {shown!r}"
    key = rng.choice(["rationale", "context_required", "risk_note", "tickers"])
    yield "schema", _dump({k: v for k, v in data.items() if k != key}), f"left out the {key} key"
    yield "schema", _dump({**data, "confidence": 0.9}), "added a confidence key"
    if data["citations"]:
        sources = [c["source"] for c in data["citations"]]
        yield "schema", _with(data, citations=sources), "wrote citations as plain ids"
    if data["tickers"]:
        yield "schema", _with(data, tickers=", ".join(data["tickers"])), "wrote tickers as a string"
    yield "schema", _with(data, context_required="true"), "wrote context_required as a string"


def _calc_syntax(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    calc = data["calculation"]
    if calc is None:
        return
    steps = parse_program(calc)
    first = steps[0]
    if first.op in ("subtract", "divide") and len(steps) >= 2 and steps[1].op == "divide":
        a, b = first.args
        infix = f"({a} - {b}) / {b} * 100" if first.op == "subtract" else f"{a} / {b} * 100"
        yield "calc_syntax", _calc(data, infix), "wrote the formula infix"
    short = {"subtract": "sub", "divide": "div", "multiply": "mul", "add": "sum", "greater": "gt"}
    alias = short.get(first.op, "calc")
    yield "calc_syntax", _calc(data, alias + calc[len(first.op) :]), f"wrote op {alias}"
    yield "calc_syntax", _calc(data, calc.replace("), ", "); ")), "joined steps with ;"
    yield "calc_syntax", _calc(data, calc[:-1]), "left the last step unclosed"
    yield "calc_syntax", _calc(data, calc.replace(", ", " ", 1)), "dropped a comma"
    if "const_100" in calc:
        yield "calc_syntax", _calc(data, calc.replace("const_100", "const_0")), "used const_0"


def _calc_runtime(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    calc = data["calculation"]
    if calc is None:
        return
    steps, facts = parse_program(calc), ctx.fact_values()
    if "#0" in calc:
        later = calc.replace("#0", f"#{len(steps)}", 1)
        yield "calc_runtime", _calc(data, later), "pointed #0 at a later step"
    ids = [a for s in steps for a in s.args if a in facts]
    if ids:
        target = rng.choice(ids)
        ticker, period, metric = target.split("-", 2)
        for other in (p for p in reversed(PERIODS) if f"{ticker}-{p}-{metric}" not in facts):
            ghost = f"{ticker}-{other}-{metric}"
            used = calc.replace(target, ghost, 1)
            yield "calc_runtime", _calc(data, used), f"used {ghost}, not in the context"
            break
    if any(s.op == "divide" for s in steps):
        head, _, tail = calc.partition("divide(")
        arg, _, rest = tail.partition(", ")
        end = rest.index(")")
        yield "calc_runtime", _calc(data, f"{head}divide({arg}, 0{rest[end:]}"), "divided by 0"
    if steps[-1].op == "greater":
        more = f"{calc}, multiply(#{len(steps) - 1}, const_1)"
        yield "calc_runtime", _calc(data, more), "did arithmetic on a yes/no"


def _value_mismatch(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    value, calc = data["value"], data["calculation"]
    if value is None and calc is not None:
        said = data["answer"]
        flipped = "No" + said[3:] if said.startswith("Yes") else "Yes" + said[2:]
        yield "value_mismatch", _with(data, answer=flipped), "flipped the yes/no"
        yield "value_mismatch", _with(data, value=1.0), "wrote 1 for yes as the value"
    if value is None:
        return
    yield "value_mismatch", _with(data, value=-value), "flipped the sign"
    if data["unit"] == "percent":
        fraction = round(value / 100, 6)
        yield "value_mismatch", _with(data, value=fraction), "wrote the percent as a fraction"
        off = round(value + rng.choice([-1, 1]) * rng.uniform(0.2, 5), 2)
        yield "value_mismatch", _with(data, value=off), f"wrote {off} instead of {value}"
    else:
        yield "value_mismatch", _with(data, value=value * 1000), "mixed up thousands"
        misread = float(f"{value * rng.uniform(1.03, 1.3):.4g}")
        yield "value_mismatch", _with(data, value=misread), f"wrote {misread} instead of {value}"
    if calc is not None:
        for step in parse_program(calc):
            a, b = step.args
            same_company = a.split("-")[0] == b.split("-")[0] and a != b and "-" in a
            if step.op in ("subtract", "divide") and same_company:
                swapped = calc.replace(a, "\0").replace(b, a).replace("\0", b)
                yield "value_mismatch", _calc(data, swapped), f"swapped {a} and {b}"
                break


def _citations(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    cites, facts = data["citations"], ctx.fact_values()
    if cites:
        yield "missing_citation", _with(data, citations=[]), "cited nothing"
        kept = [c for c in cites if c["source"] not in facts]
        if kept and data["calculation"]:
            yield "missing_citation", _with(data, citations=kept), "cited only the snippets/extras"
        i = rng.randrange(len(cites))
        source = cites[i]["source"]
        wrong = [*cites[:i], {**cites[i], "source": source + "s"}, *cites[i + 1 :]]
        yield "unknown_source", _with(data, citations=wrong), f"misspelt {source}"
        ticker, period, _ = (source.split("-", 2) + ["", ""])[:3]
        fake = [*cites[:i], {**cites[i], "source": f"{ticker}-{period}-10Q"}, *cites[i + 1 :]]
        yield "unknown_source", _with(data, citations=fake), "cited the filing instead of the fact"
        date = cites[i]["timestamp"]
        late = date[:-2] + ("01" if date[-2:] != "01" else "02")
        stale = [*cites[:i], {**cites[i], "timestamp": late}, *cites[i + 1 :]]
        yield "unknown_source", _with(data, citations=stale), f"dated {source} {late}"
    else:
        missing = data["rationale"].split(" ")[0]
        invented = [{"source": missing, "timestamp": "2024-01-01"}]
        yield "unknown_source", _with(data, citations=invented), f"cited {missing}, which is absent"


def _risk_and_tickers(data: Data, ctx: FinanceContext, rng: random.Random) -> Iterator[Candidate]:
    if data["risk_note"] is not None and is_investment_question(ctx.question):
        yield "missing_risk_note", _with(data, risk_note=None), "left out the risk note"
    asked = mentioned_tickers(ctx.question, ctx)
    if not asked or not data["tickers"]:
        return
    tickers = data["tickers"]
    bystanders = [t for t in ctx.tickers() if t not in asked]
    if bystanders:
        other = rng.choice(bystanders)
        named = _with(data, tickers=[other, *tickers[1:]])
        yield "ticker_mismatch", named, f"named {other}, which the question does not ask about"
    strangers = [c.ticker for c in COMPANIES if c.ticker not in ctx.tickers()]
    stranger = rng.choice(strangers)
    yield "ticker_mismatch", _with(data, tickers=[*tickers, stranger][-5:]), f"added {stranger}"
    lowered = _with(data, tickers=[t.lower() for t in tickers])
    yield "ticker_mismatch", lowered, "lower-cased the tickers"


_FAMILIES: tuple[Callable[[Data, FinanceContext, random.Random], Iterator[Candidate]], ...] = (
    _json_syntax, _schema, _calc_syntax, _calc_runtime, _value_mismatch, _citations, _risk_and_tickers,
)  # fmt: skip


def mutate_answer(
    text: str, fixture: dict[str, Any] | None, rng: random.Random
) -> Iterator[Negative]:
    """From a VALID answer, yield labelled negatives, each failing `validate_answer` with its
    class first; nothing for text that is not a valid answer of a valid context."""
    try:
        ctx = parse_context(fixture)
        data = json.loads(text)
        Answer.model_validate(data)
    except (ValueError, ValidationError, FinanceContextError):
        return
    if not validate_answer(text, ctx).valid:
        return
    by_class: dict[str, list[tuple[str, str]]] = {cls: [] for cls in CLASSES}
    seen = {text}
    for family in _FAMILIES:
        for cls, new, what in family(data, ctx, rng):
            if new not in seen and _first_error(new, ctx) == cls:
                seen.add(new)
                by_class[cls].append((new, what))
    yield from interleave_negatives(by_class, text, rng)


def _first_error(text: str, ctx: FinanceContext) -> str | None:
    errors = validate_answer(text, ctx).to_json()["errors"]
    return errors[0]["class"] if errors else None
