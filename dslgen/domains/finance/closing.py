"""Close an answer that the token limit stopped mid-object.

Under the grammar an answer is written in the canonical form of `answer_json`: the keys in a fixed
order, each after the separator `, "key": `, and strings that hold no quote. A sample stopped by
`max_tokens` therefore ends inside one field, and everything before that field is complete. The
closed answer keeps every complete field as written, keeps the whole items of a list that was
being written (tickers, citations) and the written part of a text field, and gives the fields
never reached their empty value (null, [], "", unit "none"). It is what the model had written so
far in a form the validator can judge — the finance counterpart of cutting a pdflow script back
to its last whole line. The candidate carries `truncated`, so nobody mistakes it for a finished
answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from dslgen.domains.finance.answer import Answer, answer_json

FIELDS = (
    "answer",
    "value",
    "unit",
    "calculation",
    "rationale",
    "tickers",
    "citations",
    "context_required",
    "risk_note",
)
EMPTY: dict[str, Any] = {
    "value": None,
    "unit": "none",
    "calculation": None,
    "rationale": "",
    "tickers": [],
    "citations": [],
    "context_required": True,
    "risk_note": None,
}
_TEXT_FIELDS = {"answer", "rationale", "risk_note"}
_OPENING = '{"answer": '


def close_answer(text: str) -> str | None:
    """The answer closed after its last complete field; None when the text is already JSON, does
    not start like an answer, or nothing valid can be kept."""
    try:
        json.loads(text)
        return None
    except ValueError:
        pass
    if not text.startswith(_OPENING):
        return None
    pieces = _split_fields(text[len(_OPENING) :])
    fields: dict[str, Any] = dict(EMPTY)
    for index, (key, raw) in enumerate(pieces):
        last = index == len(pieces) - 1
        value = _partial(key, raw) if last else _complete(raw)
        if value is _MISSING:
            if key == "answer":
                return None
            continue
        fields[key] = value
    try:
        return answer_json(Answer(**fields))
    except (ValidationError, TypeError):
        return None


def _split_fields(body: str) -> list[tuple[str, str]]:
    """(key, raw text) of each field present, in order; the last may be cut short."""
    pieces: list[tuple[str, str]] = []
    key, start = FIELDS[0], 0
    for following in FIELDS[1:]:
        marker = f', "{following}": '
        at = body.find(marker, start)
        if at < 0:
            break
        pieces.append((key, body[start:at]))
        key, start = following, at + len(marker)
    pieces.append((key, body[start:]))
    return pieces


_MISSING = object()


def _complete(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return _MISSING


def _partial(key: str, raw: str) -> Any:
    """What can be kept of the field being written when the sample stopped."""
    if key in _TEXT_FIELDS and raw.startswith('"') and len(raw) > 1:
        return raw[1:].removesuffix('"')
    if key == "tickers":
        return re.findall(r'"([^"]*)"', raw)
    if key == "citations":
        return [json.loads(item) for item in re.findall(r"\{[^{}]*\}", raw)]
    return _MISSING
