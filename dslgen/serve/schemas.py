"""The JSON the API takes and gives, as pydantic models with bounds.

Bounds are the server's first defence: a request outside them is a 422 naming the field before
any model, validator or database sees it. Unknown keys are refused (a typo such as `max_token`
would otherwise be silently ignored). Texts must be encodable UTF-8 without NUL (PostgreSQL
refuses NUL, and lone surrogates cannot be stored), and fixtures hold only finite numbers
(JSON has no NaN, so a stored NaN could never be read back out through the API).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_INSTRUCTION_CHARS = 8_000
MAX_SCRIPT_CHARS = 200_000
MAX_COMMENT_CHARS = 4_000
MAX_FIXTURE_DEPTH = 32
#: Below this (but above 0, which is greedy) logits / temperature overflow float32 to inf and
#: sampling fails: found by the property test with temperature 3e-248.
MIN_TEMPERATURE = 0.01


def plain_text(value: str) -> str:
    """Refuse text that the log cannot store faithfully (NUL, lone surrogates)."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text holds a lone surrogate, which UTF-8 cannot encode") from exc
    return value


def json_fixture(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Refuse fixtures the log cannot store or the API cannot give back."""
    if value is not None:
        _check_json(value, 0)
    return value


def _check_json(value: Any, depth: int) -> None:
    if depth > MAX_FIXTURE_DEPTH:
        raise ValueError(f"nests deeper than {MAX_FIXTURE_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("holds a number that is not finite (JSON has no NaN or Infinity)")
    if isinstance(value, str):
        plain_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            plain_text(key)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("the instruction is blank; say what the script should do")
    return value


def sampling_temperature(value: float) -> float:
    if 0 < value < MIN_TEMPERATURE:
        raise ValueError(f"use 0 for greedy decoding or at least {MIN_TEMPERATURE}")
    return value


Text = Annotated[str, AfterValidator(plain_text)]
Instruction = Annotated[str, AfterValidator(plain_text), AfterValidator(not_blank)]
Fixture = Annotated[dict[str, Any] | None, AfterValidator(json_fixture)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class GenerateBody(_Body):
    """POST /v1/generate: what to write, and how hard to try."""

    instruction: Instruction = Field(min_length=1, max_length=MAX_INSTRUCTION_CHARS)
    fixture: Fixture = Field(None, description="The domain's fixture (pdflow: design_nets).")
    k: int = Field(4, ge=1, le=16, description="Samples per round.")
    temperature: Annotated[float, AfterValidator(sampling_temperature)] = Field(
        0.3, ge=0.0, le=2.0, allow_inf_nan=False, description="0: greedy; else 0.01 to 2."
    )
    max_tokens: int = Field(600, ge=1, le=4000, description="Tokens per sample at most.")
    repair_rounds: int = Field(1, ge=0, le=3)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    client_id: Text | None = Field(None, min_length=1, max_length=100)


class ValidateBody(_Body):
    """POST /v1/validate: a script to check; `instruction` binds the fixture as generation does
    (finance validates an answer against its question)."""

    script: Text = Field(max_length=MAX_SCRIPT_CHARS)
    fixture: Fixture = None
    instruction: Text | None = Field(None, max_length=MAX_INSTRUCTION_CHARS)


class FeedbackBody(_Body):
    """POST /v1/feedback/{id}: at least one of rating, edited_output, had_followup, comment."""

    rating: Literal["up", "down"] | None = None
    edited_output: Text | None = Field(None, max_length=MAX_SCRIPT_CHARS)
    had_followup: bool = False
    comment: Text | None = Field(None, max_length=MAX_COMMENT_CHARS)

    @model_validator(mode="after")
    def _something_given(self) -> FeedbackBody:
        if (
            self.rating is None
            and self.edited_output is None
            and not self.had_followup
            and not self.comment
        ):
            raise ValueError("feedback needs a rating, an edited_output, had_followup or a comment")
        return self


class GenerateResponse(BaseModel):
    """The chosen script and its report; `candidates` are the other samples with theirs."""

    id: int = Field(description="The interaction id: POST /v1/feedback/{id} rates it.")
    script: str
    valid: bool
    report: dict[str, Any]
    candidates: list[dict[str, Any]]
    selection: dict[str, Any] = Field(
        default_factory=dict,
        description="Why the script was picked: the chosen candidate's outcome group, coverage "
        "and vote, every group's summed vote, and the reason (see docs/decoding.md).",
    )
    latency_s: float
    tokens: int
    model: str
    adapter: str | None
    model_version: str | None = Field(
        None, description="The registry version that answered (None outside the registry)."
    )
    runtime: str = Field("transformers", description="The decoding runtime that answered.")
    weights: str = Field("", description="What that runtime served: model, adapter, weights file.")


class FeedbackResponse(BaseModel):
    """The feedback rows stored (an edit is one row, a rating with it another) and the
    validator report of the edit, if one was given."""

    interaction_id: int
    feedback: list[dict[str, Any]]
    report: dict[str, Any] | None


class ExampleFixture(BaseModel):
    name: str
    instruction: str
    fixture: dict[str, Any]


class FixturesResponse(BaseModel):
    domain: str
    fixtures: list[ExampleFixture]
