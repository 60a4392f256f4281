"""The decoding grammar of finance answers: Lark text for llguidance, built per context.

It writes exactly the canonical form of `answer_json` (one line, keys in spec order, `, ` and
`: `), with every string, list and number bounded so that a small model cannot write until
max_tokens. Given a context it also rules out what the validator's policy layer would reject:
the calculation may only name the context's fact ids and table rows, citations are whole
`{"source": ID, "timestamp": DATE}` pairs of the context (so unknown sources and wrong dates
cannot be written), tickers are the ones the question asks about (or the context's), a numeric
value or a calculation needs at least one citation, and an investment question gets a risk note.
Without a context, ids, tickers and dates follow generic patterns.
"""

from __future__ import annotations

import json

from dslgen.domains.finance.answer import (
    MAX_ANSWER,
    MAX_CITATIONS,
    MAX_DECIMALS,
    MAX_RATIONALE,
    MAX_RISK_NOTE,
    MAX_STEPS,
    MAX_TICKERS,
    UNITS,
)
from dslgen.domains.finance.context import (
    FinanceContext,
    is_investment_question,
    mentioned_tickers,
)
from dslgen.domains.finance.program import ARITHMETIC_OPS, CONSTANTS, TABLE_OPS

MAX_DIGITS = 15  # integer digits of a written number

# One JSON string character as decoding writes it: anything but a quote, backslash or control
# character. Escapes are left out on purpose: a bounded repetition of the escape alternation
# ({1,300} over 4 branches) made llguidance's lexer cost ~0.5 s per token on CPU, against
# ~0.015 s for this plain class (measured, docs/finance.md). The validator still accepts escapes.
_CHAR = r'[^"\\\x00-\x1f]'
_NUMBER = rf"-?(?:0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}})(?:\.[0-9]{{1,{MAX_DECIMALS}}})?"

# The part of the grammar that no context changes.
FIXED_RULES = rf"""
rest_free: ", \"rationale\": " RATIONALE ", \"tickers\": " tickers ", \"citations\": " citations_any tail
tail: ", \"context_required\": " ("true" | "false") ", \"risk_note\": " risk "}}"
UNIT: {" | ".join(json.dumps(json.dumps(u)) for u in UNITS)}
ANSWER: /"{_CHAR}{{1,{MAX_ANSWER}}}"/
RATIONALE: /"{_CHAR}{{0,{MAX_RATIONALE}}}"/
RISK: /"{_CHAR}{{1,{MAX_RISK_NOTE}}}"/
"""

# What a calculation or a citation needs; left out when the context has nothing to cite.
CITED_RULES = rf"""
unvalued: "null" UNIT_KEY UNIT CALC_KEY ("null" rest_free | calculation rest_cited)
valued: NUMBER UNIT_KEY UNIT CALC_KEY ("null" | calculation) rest_cited
rest_cited: ", \"rationale\": " RATIONALE ", \"tickers\": " tickers ", \"citations\": " citations tail
citations_any: "[]" | citations
citations: "[" citation (", " citation)~0..{MAX_CITATIONS - 1} "]"
calculation: "\"" step (", " step)~0..{MAX_STEPS - 1} "\""
UNIT_KEY: ", \"unit\": "
CALC_KEY: ", \"calculation\": "
ARITH_OP: {" | ".join(json.dumps(op) for op in ARITHMETIC_OPS)}
TABLE_OP: {" | ".join(json.dumps(op) for op in TABLE_OPS)}
CONST: {" | ".join(json.dumps(c) for c in CONSTANTS)}
REF: /#(?:1[01]|[0-9])/
NUMBER: /{_NUMBER}/
NUM_ARG: /{_NUMBER}%?/
"""

# Generic patterns used when there is no context.
GENERIC_RULES = r"""
fact: FACT_ID
row: FACT_ID
citation: "{\"source\": \"" FACT_ID "\", \"timestamp\": \"" DATE? "\"}"
ticker: "\"" TICKER "\""
risk: "null" | RISK
FACT_ID: /[A-Za-z][A-Za-z0-9_.\-]{0,79}/
DATE: /[0-9]{4}-[0-9]{2}-[0-9]{2}/
TICKER: /[A-Z][A-Z0-9.\-]{0,9}/
"""


def _alternatives(literals: list[str]) -> str:
    return " | ".join(json.dumps(text) for text in literals)


def _context_rules(context: FinanceContext) -> list[str]:
    """Rules naming the context's ids (a rule is left out when it would have no alternative)."""
    lines = []
    if facts := list(context.fact_values()):
        lines.append("fact: " + _alternatives(facts))
    if rows := list(context.rows()):
        lines.append("row: " + _alternatives(rows))
    pairs = [
        json.dumps({"source": s, "timestamp": context.timestamp_of(s) or ""}, ensure_ascii=False)
        for s in context.source_ids()
    ]
    if pairs:
        lines.append("citation: " + _alternatives(pairs))
    if tickers := mentioned_tickers(context.question, context) or context.tickers():
        lines.append("ticker: " + _alternatives([json.dumps(t) for t in tickers]))
    risk = "RISK" if is_investment_question(context.question) else '"null" | RISK'
    lines.append(f"risk: {risk}")
    return lines


def answer_grammar(context: FinanceContext | None) -> str:
    """Lark text (accepted by llguidance and by lark's Earley parser) for answers in `context`."""
    if context is None:
        specific = GENERIC_RULES.strip().splitlines()
        origin = "generic, no context"
    else:
        specific = _context_rules(context)
        origin = f"context of {len(context.facts)} facts and {len(context.snippets)} snippets"
    defined = {line.split(":", 1)[0] for line in specific}
    lines = [f"// finance answer grammar ({origin}); see docs/finance.md"]
    if "citation" in defined:
        lines.append('start: "{\\"answer\\": " ANSWER ", \\"value\\": " (unvalued | valued)')
        lines += CITED_RULES.strip().splitlines()
        step = 'ARITH_OP "(" arg ", " arg ")"'
        lines.append(
            f"step: {step}" + (' | TABLE_OP "(" row ", none)"' if "row" in defined else "")
        )
        lines.append("arg: NUM_ARG | CONST | REF" + (" | fact" if "fact" in defined else ""))
    else:  # nothing to cite: only answers without value or calculation can be valid
        lines.append(
            'start: "{\\"answer\\": " ANSWER ", \\"value\\": null, \\"unit\\": " UNIT '
            '", \\"calculation\\": null" rest_free'
        )
        lines.append('citations_any: "[]"')
    lines += FIXED_RULES.strip().splitlines()
    if "ticker" in defined:
        lines.append(f'tickers: "[]" | "[" ticker (", " ticker)~0..{MAX_TICKERS - 1} "]"')
    else:
        lines.append('tickers: "[]"')
    lines += specific
    return "\n".join(lines) + "\n"
