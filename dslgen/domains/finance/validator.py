"""Validate a finance answer against its context (spec §3), layer by layer.

Layers, in the order they run (a layer runs only when the ones before it passed, so the first
error is the one a single mistake causes):
  syntax    (valid_syntax)      json_syntax, schema
  dsl       (valid_dsl_blocks)  calc_syntax; None when `calculation` is null
  policy    (policy_ok)         unknown_source, missing_citation, missing_risk_note, ticker_mismatch
  semantics (semantics_ok)      calc_runtime, value_mismatch
docs/finance.md states every rule in words; this module is their one implementation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from dslgen.domains.finance.answer import Answer, values_agree
from dslgen.domains.finance.context import (
    FinanceContext,
    is_investment_question,
    mentioned_tickers,
)
from dslgen.domains.finance.program import (
    ProgramRuntimeError,
    ProgramSyntaxError,
    execute_program,
    parse_program,
)
from dslgen.records import BlockVerdict, Error, Report

__all__ = ["validate_answer", "values_agree", "is_investment_question", "mentioned_tickers"]

_NUMBER_IN_TEXT = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_YES_NO = re.compile(r"\s*(yes|no)\b", re.IGNORECASE)


def validate_answer(text: str, context: FinanceContext) -> Report:
    """The report on one answer text; `state` is filled when the answer is valid."""
    report = Report()
    answer = _syntax_layer(text, report)
    if answer is None:
        return report
    if answer.calculation is not None:
        problem = _calc_syntax(answer.calculation)
        report.valid_dsl_blocks = problem is None
        # The calculation is the answer's one embedded program: reported as its "DSL block" so
        # the generic eval metrics (DSL parse rate) count it as they count pdflow's blocks.
        report.dsl_blocks = [BlockVerdict(_line_of(text, "calculation"), problem is None)]
        if problem:
            hint = "write steps like subtract(A, B), divide(#0, B), multiply(#1, const_100)"
            report.errors.append(_error("calc_syntax", text, "calculation", problem, hint))
            return report
    policy = _policy_errors(answer, context, text)
    report.policy_ok = not policy
    report.errors += policy
    if policy:
        return report
    executed, semantic = _semantic_errors(answer, context, text)
    report.semantics_ok = not semantic
    report.errors += semantic
    if not semantic:
        report.state = {
            "value": executed if isinstance(executed, str) else answer.value,
            "unit": answer.unit,
            "executed": executed,
            "tickers": list(answer.tickers),
            "citations": [c.source for c in answer.citations],
        }
    return report


def _line_of(text: str, key: str) -> int:
    """The line of `"key"` in the text (1 for one-line answers and when it is absent)."""
    at = text.find(json.dumps(key))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _error(cls: str, text: str, key: str, message: str, hint: str = "") -> Error:
    layer = {"json_syntax": "syntax", "schema": "syntax", "calc_syntax": "dsl"}.get(cls)
    layer = layer or ("semantics" if cls in ("calc_runtime", "value_mismatch") else "policy")
    return Error(cls, _line_of(text, key), message, hint, layer)


def _syntax_layer(text: str, report: Report) -> Answer | None:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        report.valid_syntax = False
        message = f"the answer is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        hint = "write one JSON object with double-quoted keys and strings, no trailing text"
        report.errors.append(Error("json_syntax", exc.lineno, message, hint, "syntax"))
        return None
    if not isinstance(data, dict):
        report.valid_syntax = False
        message = f"the answer must be a JSON object, not a JSON {type(data).__name__}"
        report.errors.append(Error("schema", 1, message, 'write {"answer": ...}', "syntax"))
        return None
    try:
        return Answer.model_validate(data)
    except ValidationError as exc:
        report.valid_syntax = False
        for problem in exc.errors()[:5]:
            field = ".".join(str(p) for p in problem["loc"]) or "(object)"
            key = str(problem["loc"][0]) if problem["loc"] else "answer"
            message = f"field {field}: {problem['msg']}"
            hint = "keys: answer, value, unit, calculation, rationale, tickers, citations, "
            hint += "context_required, risk_note (see the answer schema)"
            report.errors.append(_error("schema", text, key, message, hint))
        return None


def _calc_syntax(calculation: str) -> str | None:
    try:
        parse_program(calculation)
    except ProgramSyntaxError as exc:
        return str(exc)
    return None


def _policy_errors(answer: Answer, context: FinanceContext, text: str) -> list[Error]:
    errors = _citation_errors(answer, context, text)
    question = context.question or ""
    if answer.risk_note is None and is_investment_question(question):
        errors.append(
            _error(
                "missing_risk_note",
                text,
                "risk_note",
                "the question asks for investment advice but risk_note is null",
                "add a risk_note saying this is not investment advice and naming the main risks",
            )
        )
    known = set(context.tickers())
    asked = mentioned_tickers(question, context)
    allowed = asked or known
    strangers = [t for t in answer.tickers if t not in allowed]
    if strangers:
        scope = "the question asks about" if asked else "the context has"
        errors.append(
            _error(
                "ticker_mismatch",
                text,
                "tickers",
                f"tickers {strangers} are not among the tickers {scope}: {sorted(allowed)}",
                "list only tickers of the companies the question asks about",
            )
        )
    return errors


def _citation_errors(answer: Answer, context: FinanceContext, text: str) -> list[Error]:
    errors = []
    sources = set(context.source_ids())
    for i, citation in enumerate(answer.citations):
        where = f"citations[{i}]"
        if citation.source not in sources:
            errors.append(
                _error(
                    "unknown_source",
                    text,
                    "citations",
                    f"{where} cites {citation.source!r}, which is not in the context",
                    "cite only fact and snippet ids that the context lists",
                )
            )
            continue
        date = context.timestamp_of(citation.source) or ""
        if citation.timestamp != date:
            errors.append(
                _error(
                    "unknown_source",
                    text,
                    "citations",
                    f"{where} dates {citation.source!r} {citation.timestamp!r}, but the context "
                    f"dates it {date!r}",
                    "copy the timestamp from the source's filing date (or snippet date)",
                )
            )
    numeric = answer.value is not None or answer.calculation is not None
    if numeric and not answer.citations:
        errors.append(
            _error(
                "missing_citation",
                text,
                "citations",
                "the answer makes a numeric claim but cites no source",
                "cite the facts the value comes from",
            )
        )
    elif answer.calculation is not None:
        used = _fact_args(answer.calculation, context)
        cited = {c.source for c in answer.citations}
        if used and not used & cited:
            errors.append(
                _error(
                    "missing_citation",
                    text,
                    "citations",
                    f"the calculation uses {sorted(used)} but none of them is cited",
                    "cite the facts the calculation uses",
                )
            )
    return errors


def _fact_args(calculation: str, context: FinanceContext) -> set[str]:
    facts = context.fact_values()
    return {arg for step in parse_program(calculation) for arg in step.args if arg in facts}


def _semantic_errors(
    answer: Answer, context: FinanceContext, text: str
) -> tuple[float | str | None, list[Error]]:
    """The executed result and the errors of running the calculation and comparing it."""
    if answer.calculation is None:
        return None, _lookup_errors(answer, context, text)
    try:
        executed = execute_program(answer.calculation, context.fact_values(), context.rows())
    except ProgramRuntimeError as exc:
        hint = "use fact ids of the context, #i of earlier steps, and no division by zero"
        return None, [_error("calc_runtime", text, "calculation", str(exc), hint)]
    problem = _compare(answer, executed)
    if problem is None:
        return executed, []
    hint = "make value the calculation's result (in the answer's unit)"
    return executed, [_error("value_mismatch", text, "value", problem, hint)]


def _compare(answer: Answer, executed: float | str) -> str | None:
    if isinstance(executed, str):
        if answer.value is not None:
            return f"the calculation answers {executed!r} (yes/no) but value is {answer.value}"
        said = _YES_NO.match(answer.answer)
        if said is not None and said.group(1).lower() != executed:
            return f"the answer says {said.group(1)!r} but the calculation answers {executed!r}"
        return None
    if answer.value is None:
        return f"the calculation gives {executed} but value is null"
    if not values_agree(answer.value, executed, answer.unit):
        return f"value {answer.value} {answer.unit} differs from the calculation's {executed}"
    return None


def _lookup_errors(answer: Answer, context: FinanceContext, text: str) -> list[Error]:
    """A value without calculation must be a cited fact's value (or a number a cited snippet
    states), within tolerance."""
    if answer.value is None:
        return []
    cited = {c.source for c in answer.citations}
    candidates = [f.value for f in context.facts if f.id in cited]
    for snippet in context.snippets:
        if snippet.id in cited:
            candidates += [float(n.replace(",", "")) for n in _NUMBER_IN_TEXT.findall(snippet.text)]
    if any(values_agree(answer.value, c, answer.unit) for c in candidates):
        return []
    message = f"value {answer.value} has no calculation and is not the value of a cited source"
    hint = "add the calculation, or cite the fact whose value this is"
    return [_error("value_mismatch", text, "value", message, hint)]
