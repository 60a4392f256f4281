"""What the retriever indexes for finance, and how a context is shown in a prompt.

Three `format` documents (answer schema, program language, rules) go in every prompt; the
`example` documents are worked questions on one small hand-written context whose answers are
computed by the executor and written by `answer_json`, so they are valid by construction
(tests/domains/finance/test_validator.py checks each one).
"""

from __future__ import annotations

from dslgen.domains.finance.answer import Answer, Citation, answer_json, format_number
from dslgen.domains.finance.context import Company, Fact, FinanceContext, Snippet
from dslgen.domains.finance.program import CONSTANTS, execute_program
from dslgen.records import Doc

SCHEMA_TEXT = """\
Answer: one line of JSON, keys in this order: {"answer": str, "value": number|null, "unit": \
"percent"|"usd"|"ratio"|"count"|"none", "calculation": str|null, "rationale": str, "tickers": \
[str], "citations": [{"source": id, "timestamp": date}], "context_required": bool, \
"risk_note": str|null}
- value: the number the calculation gives (percent as points: 55.95, not 0.5595); null for yes/no \
and qualitative answers and refusals.
- At most 5 tickers and 6 citations; answer and risk_note up to 300 characters, calculation and \
rationale up to 400."""

PROGRAM_TEXT = f"""\
Calculation: steps op(arg, arg) joined by ", "; the last step is the result.
- ops: add subtract multiply divide exp greater (yes/no); table_sum table_average table_max \
table_min (ROW, none) over a row "TICKER-metric" (the context's values of that metric, by period).
- args: a fact id of the context, a number (1234.5, 6.9% = 0.069), #i = result of step i (from 0), \
or a constant: {" ".join(CONSTANTS)}.
- e.g. subtract(A, B), divide(#0, B), multiply(#1, const_100) = growth of A over B in percent.
- Results are rounded to 5 decimals; division by zero or an unknown id makes it invalid."""

RULES_TEXT = """\
Rules: cite the facts you use as {"source": fact id, "timestamp": the date in its filing}; a value \
or calculation needs at least one citation, and only ids of the context may be cited.
- value must match the calculation (0.01 points for percent, 0.5% otherwise).
- tickers: only the companies the question asks about (else companies of the context).
- Questions about investing, buying or selling need a risk_note (not advice; the main risks).
- If the context lacks the data: value null, calculation null, context_required true, and the \
answer says what is missing."""

_FACTS = [  # ticker, period, metric, value, filing
    ("ACME", "2022Q2", "revenue", 1_520_000_000, "10-Q 2022-07-29"),
    ("ACME", "2023Q1", "revenue", 1_610_000_000, "10-Q 2023-04-28"),
    ("ACME", "2023Q2", "revenue", 1_905_000_000, "10-Q 2023-07-28"),
    ("ACME", "2023Q2", "gross_profit", 780_000_000, "10-Q 2023-07-28"),
    ("BOLT", "2022Q2", "revenue", 940_000_000, "10-Q 2022-08-05"),
    ("BOLT", "2023Q2", "revenue", 1_010_000_000, "10-Q 2023-08-04"),
]

EXAMPLE_CONTEXT = FinanceContext(
    facts=[
        Fact(id=f"{t}-{p}-{m}", ticker=t, period=p, metric=m, value=v, unit="USD", source=s)
        for t, p, m, v, s in _FACTS
    ],
    snippets=[
        Snippet(
            id="ACME-call-2023Q2-1",
            ticker="ACME",
            date="2023-07-27",
            speaker="CFO",
            text="Warehouse robot orders drove revenue up 25% year over year.",
        )
    ],
    companies=[
        Company(ticker="ACME", name="Acme Robotics Inc.", sector="Industrials"),
        Company(ticker="BOLT", name="Bolt Energy Corp.", sector="Energy"),
    ],
)

# question, answer text, unit, calculation, rationale, tickers, cited ids, risk note
_EXAMPLES: list[tuple[str, str, str, str | None, str, list[str], list[str], str | None]] = [
    (
        "How much did Acme Robotics' revenue grow year over year in 2023Q2?",
        "Acme Robotics' revenue grew {v}% YoY in 2023Q2.",
        "percent",
        "subtract(ACME-2023Q2-revenue, ACME-2022Q2-revenue), divide(#0, ACME-2022Q2-revenue), "
        "multiply(#1, const_100)",
        "Revenue rose from $1.52B in 2022Q2 to $1.905B in 2023Q2.",
        ["ACME"],
        ["ACME-2023Q2-revenue", "ACME-2022Q2-revenue"],
        None,
    ),
    (
        "What was ACME's gross margin in 2023Q2?",
        "ACME's gross margin was {v}% in 2023Q2.",
        "percent",
        "divide(ACME-2023Q2-gross_profit, ACME-2023Q2-revenue), multiply(#0, const_100)",
        "Gross profit of $780M on revenue of $1.905B.",
        ["ACME"],
        ["ACME-2023Q2-gross_profit", "ACME-2023Q2-revenue"],
        None,
    ),
    (
        "Did BOLT grow revenue by more than 10% year over year in 2023Q2?",
        "No, BOLT's revenue grew less than 10% YoY in 2023Q2.",
        "none",
        "subtract(BOLT-2023Q2-revenue, BOLT-2022Q2-revenue), divide(#0, BOLT-2022Q2-revenue), "
        "multiply(#1, const_100), greater(#2, 10)",
        "Revenue rose from $940M to $1.01B, about 7.4%.",
        ["BOLT"],
        ["BOLT-2023Q2-revenue", "BOLT-2022Q2-revenue"],
        None,
    ),
    (
        "What was ACME's average quarterly revenue over the quarters in the context?",
        "ACME's average quarterly revenue was ${v}.",
        "usd",
        "table_average(ACME-revenue, none)",
        "The mean of ACME's revenue in 2022Q2, 2023Q1 and 2023Q2.",
        ["ACME"],
        ["ACME-2022Q2-revenue", "ACME-2023Q1-revenue", "ACME-2023Q2-revenue"],
        None,
    ),
    (
        "What was BOLT's net income in 2023Q2?",
        "The context has no net income figure for BOLT in 2023Q2, so it cannot be answered.",
        "usd",
        None,
        "Only BOLT revenue is given.",
        ["BOLT"],
        [],
        None,
    ),
    (
        "Is Acme Robotics a good stock to buy after its 2023Q2 results?",
        "Acme Robotics grew revenue {v}% YoY in 2023Q2, but growth alone does not make it a buy.",
        "percent",
        "subtract(ACME-2023Q2-revenue, ACME-2022Q2-revenue), divide(#0, ACME-2022Q2-revenue), "
        "multiply(#1, const_100)",
        "Strong growth, driven by warehouse robot orders per the CFO.",
        ["ACME"],
        ["ACME-2023Q2-revenue", "ACME-2022Q2-revenue", "ACME-call-2023Q2-1"],
        "Not investment advice: the context has no valuation, debt or cash-flow data, and one "
        "quarter of growth may not last.",
    ),
]


def example_answers() -> list[tuple[str, Answer]]:
    """(question, gold answer) of each worked example, on EXAMPLE_CONTEXT."""
    out = []
    for question, text, unit, calc, rationale, tickers, cited, risk in _EXAMPLES:
        result = (
            None
            if calc is None
            else execute_program(calc, EXAMPLE_CONTEXT.fact_values(), EXAMPLE_CONTEXT.rows())
        )
        value = result if isinstance(result, float) else None
        citations = [
            Citation(source=s, timestamp=EXAMPLE_CONTEXT.timestamp_of(s) or "") for s in cited
        ]
        answer = Answer(
            answer=text.format(v=f"{value:,.2f}" if value is not None else ""),
            value=value,
            unit=unit,  # type: ignore[arg-type]
            calculation=calc,
            rationale=rationale,
            tickers=tickers,
            citations=citations,
            context_required=True,
            risk_note=risk,
        )
        out.append((question, answer))
    return out


def format_documents() -> list[Doc]:
    """The format documents (in every prompt) and the worked examples."""
    docs = [
        Doc("finance:schema", "format", "Answer schema", SCHEMA_TEXT, always=True),
        Doc("finance:program", "format", "Calculation language", PROGRAM_TEXT, always=True),
        Doc("finance:rules", "format", "Citation, ticker and risk rules", RULES_TEXT, always=True),
    ]
    for i, (question, answer) in enumerate(example_answers()):
        shown = render_context(_slice(EXAMPLE_CONTEXT, set(answer.tickers)))
        text = f"Question: {question}\nContext:\n{shown}\nAnswer: {answer_json(answer)}"
        docs.append(Doc(f"finance:example:{i}", "example", question, text))
    return docs


def _slice(context: FinanceContext, tickers: set[str]) -> FinanceContext:
    """The part of a context about `tickers` (what an example shows)."""
    return FinanceContext(
        facts=[f for f in context.facts if f.ticker in tickers],
        snippets=[s for s in context.snippets if s.ticker in tickers],
        sentiment=[s for s in context.sentiment if s.ticker in tickers],
        companies=[c for c in context.companies if c.ticker in tickers],
    )


def render_context(context: FinanceContext) -> str:
    """The context as compact prompt lines: companies, facts, snippets, sentiment."""
    lines = []
    if context.companies:
        named = [
            f"{c.ticker} = {c.name}" + (f" ({c.sector})" if c.sector else "")
            for c in context.companies
        ]
        lines.append("Companies: " + "; ".join(named))
    if context.facts:
        lines.append("Facts:")
        lines += [f"{f.id} = {format_number(f.value)} {f.unit} ({f.source})" for f in context.facts]
    if context.snippets:
        lines.append("Snippets:")
        lines += [f"{s.id} ({s.date}, {s.ticker} {s.speaker}): {s.text}" for s in context.snippets]
    if context.sentiment:
        lines.append("Sentiment:")
        lines += [
            f"{s.ticker} {s.week}: {s.mentions} mentions, score {s.score:g}"
            for s in context.sentiment
        ]
    return "\n".join(lines) if lines else "(the context is empty)"
