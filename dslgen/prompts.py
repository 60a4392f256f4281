"""The one prompt renderer: corpus export, training and inference all build messages here.

A prompt is a system message (the domain's role and rules) and a user message (the instruction,
the fixture when there is one, and the context pack). Changing the format changes
`PROMPT_VERSION`, which is recorded with every trained model and logged generation.
"""

from __future__ import annotations

from typing import Any

from dslgen.domain import shared_domain

PROMPT_VERSION = "1"

SYSTEM_PROMPTS = {
    "pdflow": (
        "You write pdflow scripts: Tcl with my:: procs and dsl { } rule blocks. Start with "
        "#!/usr/bin/env tclsh and package require pdflow 1.0, load the design before touching nets, "
        "use only the procs, flags and values in the reference, and answer with the script only."
    ),
    "finance": (
        "You answer questions about companies from the context only, as one JSON object with the "
        "keys answer, value, unit, calculation, rationale, tickers, citations, context_required "
        "and risk_note. The calculation is a program over the context's fact ids (subtract, "
        "divide, multiply, add, greater, ...); cite the facts you use; give a risk_note on "
        "investment questions; if the context lacks the data, say what is missing and set value "
        "to null."
    ),
}
DEFAULT_SYSTEM = "Answer with the program only, using only the APIs in the reference."


def render_user(
    domain: str, instruction: str, context: str = "", fixture: dict[str, Any] | None = None
) -> str:
    """Task, fixture (as the domain renders it) and reference text, in that order."""
    parts = [f"Task: {instruction.strip()}"]
    if fixture:
        parts.append(shared_domain(domain).render_fixture(fixture))
    if context.strip():
        parts.append("Reference:\n" + context.strip())
    return "\n\n".join(parts)


def render_messages(
    domain: str, instruction: str, context: str = "", fixture: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """Chat messages (system + user) for one request."""
    return [
        {"role": "system", "content": SYSTEM_PROMPTS.get(domain, DEFAULT_SYSTEM)},
        {"role": "user", "content": render_user(domain, instruction, context, fixture)},
    ]


def render_repair_instruction(errors: list[dict[str, Any]], broken: str) -> str:
    """The instruction of a repair task: the validator's errors and the script to fix."""
    listed = "\n".join(
        f"- {e['class']} line {e['line']}: {e['message']}; {e['hint']}" for e in errors
    )
    return f"Fix this script so that it passes the validator.\nErrors:\n{listed}\nScript:\n{broken}"
