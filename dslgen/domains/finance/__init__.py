"""The finance domain: JSON answers to questions about companies, checked against a context.

The public surface: the context (`parse_context`), the answer (`Answer`, `answer_json`), the
program language (`parse_program`, `execute_program`), the validator (`validate_answer`,
`values_agree`) and the decoding grammar (`answer_grammar`). docs/finance.md is the manual.
"""

from dslgen.domains.finance.answer import Answer, Citation, answer_json, values_agree
from dslgen.domains.finance.context import (
    FinanceContext,
    FinanceContextError,
    is_investment_question,
    mentioned_tickers,
    parse_context,
)
from dslgen.domains.finance.grammar import answer_grammar
from dslgen.domains.finance.program import (
    ProgramRuntimeError,
    ProgramSyntaxError,
    Step,
    execute_program,
    parse_program,
)
from dslgen.domains.finance.validator import validate_answer

__all__ = [
    "Answer",
    "Citation",
    "FinanceContext",
    "FinanceContextError",
    "ProgramRuntimeError",
    "ProgramSyntaxError",
    "Step",
    "answer_grammar",
    "answer_json",
    "execute_program",
    "is_investment_question",
    "mentioned_tickers",
    "parse_context",
    "parse_program",
    "validate_answer",
    "values_agree",
]
