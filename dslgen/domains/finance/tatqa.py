"""TAT-QA (real financial-report tables and text) as the `tatqa` eval suite of the finance domain.

A TAT-QA context is one report table plus paragraphs; its arithmetic questions carry a
`derivation` ("(3,456 - 2,345)/2,345"), which `derivation.py` translates into a FinQA program.
Each arithmetic question becomes an eval record whose fixture is the finance context of its
table (cells as facts, paragraphs as snippets), so the executor, validator and scoring of the
synthetic suites measure a model on real reports. docs/finance.md ("Real-world data") says which
questions are kept and why.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dslgen.domains.finance.answer import (
    MAX_CITATIONS,
    Answer,
    Citation,
    answer_json,
    format_number,
    values_agree,
)
from dslgen.domains.finance.context import FinanceContext, is_investment_question, parse_context
from dslgen.domains.finance.derivation import (
    Binary,
    DerivationError,
    Node,
    cell_value,
    derivation_intent,
    derivation_program,
    formula_numbers,
    parse_derivation,
)
from dslgen.domains.finance.program import ProgramRuntimeError, execute_program, parse_program
from dslgen.errors import InputFileError

__all__ = ["derivation_program", "tatqa_checks", "tatqa_records"]

SUITE = "tatqa"
FILE = "tatqa_test_gold.json"  # its name in the data folder (DSLGEN_DATA_DIR)
LEVEL = "growth"  # the finance level of one-company arithmetic
GOLD_DECIMALS = 2  # TAT-QA rounds its arithmetic answers to 2 decimals
# TAT-QA asks about report lines such as "investing activities" that the validator's
# investment-question phrases match; the gold answer then carries this neutral note.
_RISK_NOTE = "A figure from a company report, not investment advice."
_YEAR = re.compile(r"(19|20)\d\d")


def _slug(text: str, words: int, limit: int = 24) -> str:
    """The first `words` words of `text`, lower-case, joined by "_", cut at a word to `limit`."""
    out = ""
    for word in re.findall(r"[a-z0-9]+", text.lower())[:words]:
        if out and len(out) + 1 + len(word) > limit:
            break
        out = f"{out}_{word}" if out else word[:limit]
    return out


def _unique(candidates: list[list[str]]) -> list[str]:
    """For each item the first of its candidate names that no other item shares at that rank."""
    names: list[str] = []
    for index, options in enumerate(candidates):
        for rank, name in enumerate(options):
            if name and sum(other[rank] == name for other in candidates) == 1:
                names.append(name)
                break
        else:
            same = [o[0] for o in candidates[:index]].count(options[0])
            names.append(f"{options[0] or 'blank'}_{same + 1}")
    return names


@dataclass
class TableContext:
    """The finance context of one TAT-QA table: facts by cell, and snippets by paragraph."""

    ticker: str
    context: dict[str, Any]
    cell_ids: dict[tuple[int, int], str]
    dollar_columns: set[int]


def table_context(item: dict[str, Any], ticker: str) -> TableContext:
    """Facts from the numeric cells of the table (id `{ticker}-{row}-{column}` from the row and
    column labels, metric = the row's name, period = the column's header text, unit `percent`
    for "%" cells and the table's scale otherwise) and one snippet per paragraph
    (`{ticker}-p{order}`)."""
    width = max(len(row) for row in item["table"]["table"])
    rows = [[c.strip() for c in row] + [""] * (width - len(row)) for row in item["table"]["table"]]
    heads = _header_rows(rows)
    periods = [" ".join(r[j] for r in rows[:heads] if r[j]) for j in range(width)]
    columns = _column_names(rows[:heads], periods)
    scales = Counter(q["scale"] for q in item["questions"] if q["scale"] not in ("", "percent"))
    unit = scales.most_common(1)[0][0] if scales else "number"
    facts, cell_ids = [], {}
    for i, row_name in _row_names(rows, heads).items():
        for j in range(1, width):
            if (parsed := cell_value(rows[i][j])) is not None:
                cell_ids[i, j] = fact_id = f"{ticker}-{row_name}-{columns[j]}"
                facts.append({"id": fact_id, "ticker": ticker, "period": periods[j] or f"column {j}",
                              "metric": row_name, "value": parsed[0], "source": "report table",
                              "unit": "percent" if parsed[1] else unit})  # fmt: skip
    snippets = [{"id": f"{ticker}-p{p['order']}", "ticker": ticker, "date": "", "text": p["text"],
                 "speaker": "report"} for p in sorted(item["paragraphs"], key=lambda p: p["order"])
    ]  # fmt: skip
    context = parse_context({"facts": facts, "snippets": snippets}).model_dump(mode="json")
    dollars = {j for j in range(width) if any("$" in row[j] for row in rows)}
    return TableContext(ticker, context, cell_ids, dollars)


def _column_names(heads: list[list[str]], periods: list[str]) -> list[str]:
    """Column slugs: the most specific header, else the whole header text, else numbered."""
    options = [
        [_slug(_column_head(heads, j), 3), _slug(periods[j], 5)] for j in range(1, len(periods))
    ]
    return ["", *_unique(options)]


def _row_names(rows: list[list[str]], heads: int) -> dict[int, str]:
    """Data row index -> slug of its label, made unique with its section ("Current liabilities")
    or else numbered in order ("percentage_of_revenue_2")."""
    data = [i for i in range(heads, len(rows)) if any(cell_value(c) for c in rows[i][1:])]
    section, sections = "", {}
    for i in range(heads, len(rows)):
        section = rows[i][0] if i not in data and rows[i][0] else section
        sections[i] = section
    options = [
        [_slug(rows[i][0], 5, 32), _slug(f"{sections[i]} {rows[i][0]}", 6, 32)] for i in data
    ]
    return dict(zip(data, _unique(options), strict=True))


def _column_head(heads: list[list[str]], column: int) -> str:
    """The most specific header of a column: the lowest one naming a year, else the lowest."""
    cells = [row[column] for row in reversed(heads) if row[column]]
    return next((c for c in cells if _YEAR.search(c)), cells[0] if cells else "")


def _header_rows(rows: list[list[str]]) -> int:
    """How many top rows are column headers: rows whose value cells are empty, text or years,
    up to the first row with a number or the first section label ("Current assets", "", "")."""
    count = 0
    for row in rows:
        values = [c for c in row[1:] if c]
        if (row[0] and not values) or any(cell_value(c) and not _YEAR.fullmatch(c) for c in values):
            break
        count += 1
    return count


@dataclass(frozen=True)
class GoldCheck:
    """What the executor makes of one arithmetic question: `status` is `reproduced` (the program
    gives the gold within tolerance), `rounded` (it gives a value the 2-decimal gold is the
    rounding of, beyond the 0.5 % tolerance: small ratios), `inconsistent` (neither: the gold
    disagrees with its own derivation) or `not_arithmetic` (the derivation does not parse or
    cannot be computed)."""

    uid: str
    status: str
    program: str | None
    executed: float | None
    gold: float
    unit: str
    reason: str = ""


def check_question(question: dict[str, Any], table: TableContext) -> GoldCheck:
    """Translate the derivation with the question's table cells and run it on the facts."""
    gold, scale, derivation = float(question["answer"]), question["scale"], question["derivation"]
    mapped = [tuple(m["table"]) for m in question["mappings"] if "table" in m]
    values = {f["id"]: f["value"] for f in table.context["facts"]}
    cells = {table.cell_ids[c]: values[table.cell_ids[c]] for c in mapped if c in table.cell_ids}
    try:
        node = parse_derivation(derivation)
        program = derivation_program(derivation, scale, cells)
        executed = float(execute_program(program, values))  # the four ops never give yes/no
    except (DerivationError, ProgramRuntimeError) as exc:
        return GoldCheck(question["uid"], "not_arithmetic", None, None, gold, "none", str(exc))
    unit = _answer_unit(node, question, mapped, table)
    if values_agree(executed, gold, unit):
        return GoldCheck(question["uid"], "reproduced", program, executed, gold, unit)
    if round(executed, GOLD_DECIMALS) == gold:
        reason = f"gold {gold} is {executed} rounded to {GOLD_DECIMALS} decimals"
        return GoldCheck(question["uid"], "rounded", program, executed, gold, unit, reason)
    reason = f"the derivation gives {executed} but the gold is {gold} ({scale or 'no scale'})"
    return GoldCheck(question["uid"], "inconsistent", program, executed, gold, unit, reason)


def _answer_unit(
    node: Node, question: dict[str, Any], mapped: list[tuple[int, ...]], table: TableContext
) -> str:
    """percent for scale `percent`; ratio for an unscaled ratio or relative change; usd when
    the formula or a column it reads shows "$"; none otherwise (shares, counts, other money)."""
    if question["scale"] == "percent":
        return "percent"
    divides = isinstance(node, Binary) and node.op == "divide"
    if not question["scale"] and divides and derivation_intent(node) != "average":
        return "ratio"
    if "$" in question["derivation"] or any(c[1] in table.dollar_columns for c in mapped):
        return "usd"
    return "none"


def _load(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        message = f"no TAT-QA file at {path}; point DSLGEN_DATA_DIR (or --data-dir) at its folder"
        raise InputFileError(message) from None
    except (OSError, ValueError) as exc:
        raise InputFileError(f"cannot read the TAT-QA file {path}: {exc}") from None
    if not isinstance(data, list):
        raise InputFileError(f"{path} is not TAT-QA: expected a JSON list of contexts")
    return data


def _arithmetic(path: Path) -> Iterator[tuple[dict[str, Any], TableContext, GoldCheck]]:
    for index, item in enumerate(_load(path), start=1):
        table = table_context(item, f"T{index}")
        for question in sorted(item["questions"], key=lambda q: q["order"]):
            if question["answer_type"] == "arithmetic":
                yield question, table, check_question(question, table)


def tatqa_checks(path: Path) -> list[GoldCheck]:
    """The check of every arithmetic question of the file, in file order."""
    return [check for _, _, check in _arithmetic(path)]


def tatqa_records(path: Path) -> list[dict[str, Any]]:
    """Eval records of the `tatqa` suite: one per arithmetic question whose derivation the
    executor reproduces (`reproduced` and `rounded` checks), in file order. The expected value is
    the gold, or for `rounded` ones the exact value the gold rounds (the only value an answer
    whose calculation must agree with its value can match)."""
    return [
        _record(question, table, check)
        for question, table, check in _arithmetic(path)
        if check.status in ("reproduced", "rounded")
    ]


def _record(question: dict[str, Any], table: TableContext, check: GoldCheck) -> dict[str, Any]:
    assert check.program is not None and check.executed is not None
    value = check.gold if check.status == "reproduced" else check.executed
    fixture = {**table.context, "question": question["question"]}
    context = parse_context(fixture)
    intent = derivation_intent(parse_derivation(question["derivation"]))
    sources = _sources(question, table, check.program, context)
    scale = {"percent": "%", "": ""}.get(question["scale"], f" {question['scale']}")
    answer = Answer(
        answer=f"The answer is {format_number(check.gold)}{scale}.",
        value=value,
        unit=check.unit,  # type: ignore[arg-type]
        calculation=check.program,
        rationale=f"From the report: {question['derivation'].strip()}"[:400],
        tickers=[table.ticker],
        citations=[Citation(source=s, timestamp=context.timestamp_of(s) or "") for s in sources],
        context_required=True,
        risk_note=_RISK_NOTE if is_investment_question(question["question"]) else None,
    )
    return {
        "id": f"tatqa-{question['uid'][:10]}",
        "suite": SUITE,
        "level": LEVEL,
        "intent": intent,
        "instruction": question["question"],
        "fixture": fixture,
        "expected_state": {"value": value, "unit": check.unit},
        "reference": answer_json(answer),
        "template_id": f"tatqa/{intent}",
        "param_key": question["uid"],
    }


def _sources(
    question: dict[str, Any], table: TableContext, program: str, context: FinanceContext
) -> list[str]:
    """What the gold answer cites: the program's fact ids, the cells and paragraphs of the gold
    `mappings`, the `rel_paragraphs`; without any, the cells holding the formula's numbers."""
    cited = [arg for step in parse_program(program) for arg in step.args]
    cited += [table.cell_ids[c] for m in question["mappings"] if (c := tuple(m.get("table", ())))
              in table.cell_ids]  # fmt: skip
    cited += [f"{table.ticker}-p{k.split('_')[1]}" for m in question["mappings"] for k in m
              if k.startswith("paragraph_")]  # fmt: skip
    cited += [f"{table.ticker}-p{order}" for order in question["rel_paragraphs"]]
    known = set(context.source_ids())
    if not known & set(cited):
        numbers = {abs(n.value) for n in formula_numbers(parse_derivation(question["derivation"]))}
        cited = [f.id for f in context.facts if abs(f.value) in numbers]
    return [s for s in dict.fromkeys(cited) if s in known][:MAX_CITATIONS]
