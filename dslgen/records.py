"""Typed records that cross stages: validator errors and reports.

A `Report` is data, not prose: per-layer verdicts plus a list of `Error(cls, line, message, hint)`.
Its JSON form (`Report.to_json`) is the output of `dslgen validate --format json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Layers in the order the validator runs them; a layer that did not run is reported as None.
LAYERS = ("syntax", "dsl", "policy", "semantics")


@dataclass(frozen=True)
class Error:
    """One problem found in a script.

    `cls` is a stable error-class identifier (pdflow spec §5); `line` is 1-based in the script file
    (0 when the problem concerns the whole file); `hint` tells the user how to repair it.
    """

    cls: str
    line: int
    message: str
    hint: str = ""
    layer: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"class": self.cls, "line": self.line, "message": self.message, "hint": self.hint}

    def render(self) -> str:
        text = f"{self.cls} line {self.line}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


@dataclass(frozen=True)
class BlockVerdict:
    """The verdict on one embedded DSL block: where it starts and whether it parsed."""

    line: int
    valid: bool


@dataclass
class Report:
    """The validator's verdict on one script, layer by layer.

    A layer's verdict is None when it did not run: DSL blocks and policy are checked only on
    scripts that parse, and semantics runs only on scripts that pass every static layer, so
    forbidden code is never executed.
    """

    valid_syntax: bool = True
    valid_dsl_blocks: bool | None = None
    policy_ok: bool | None = None
    semantics_ok: bool | None = None
    errors: list[Error] = field(default_factory=list)
    dsl_blocks: list[BlockVerdict] = field(default_factory=list)
    state: dict[str, Any] | None = None
    file: str | None = None

    @property
    def valid(self) -> bool:
        return (
            self.valid_syntax
            and self.valid_dsl_blocks is not False
            and self.policy_ok is not False
            and self.semantics_ok is not False
            and not self.errors
        )

    @property
    def error_classes(self) -> list[str]:
        return [e.cls for e in self.errors]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.file is not None:
            out["file"] = self.file
        out.update(
            {
                "valid": self.valid,
                "valid_syntax": self.valid_syntax,
                "valid_dsl_blocks": self.valid_dsl_blocks,
                "policy_ok": self.policy_ok,
                "semantics_ok": self.semantics_ok,
                "errors": [e.to_json() for e in sorted(self.errors, key=_error_order)],
                "dsl_blocks": [{"line": b.line, "valid": b.valid} for b in self.dsl_blocks],
            }
        )
        return out


@dataclass(frozen=True)
class Coverage:
    """How much of a request a candidate does (`Domain.coverage`).

    `named` things the request names (files, names, values, actions), `covered` of them done;
    `missing` and `unasked` say which, in the user's words (`name CLK`, `action my::save_design`);
    `unasked` are things it does that the request never named (an invented net, a save nobody
    asked for); `acts` is False for a script that does nothing beyond its header.
    """

    named: int = 0
    covered: int = 0
    missing: list[str] = field(default_factory=list)
    unasked: list[str] = field(default_factory=list)
    acts: bool = True

    @property
    def share(self) -> float:
        """The covered share of what the request names (1 when it names nothing)."""
        return self.covered / self.named if self.named else 1.0

    @property
    def weight(self) -> float:
        """A candidate's vote in execution consensus: coverage squared (so one that does all
        of the request outweighs two that do half of it), halved for each unasked thing, and 0
        for a script that does nothing when the request names something."""
        if not self.acts and self.named:
            return 0.0
        return self.share**2 * 0.5 ** len(self.unasked)

    def to_json(self) -> dict[str, Any]:
        return {
            "named": self.named,
            "covered": self.covered,
            "share": round(self.share, 4),
            "missing": self.missing,
            "unasked": self.unasked,
            "acts": self.acts,
        }


def _error_order(error: Error) -> tuple[int, str]:
    return (error.line, error.cls)


@dataclass(frozen=True)
class Task:
    """A generated task: what to ask, on which fixture, and the reference answer.

    `template_id` names the instruction template(s) used (the unit of the train/test split);
    `param_key` names the parameter combination (the other unit of the split).
    """

    level: str  # micro | unit | multi | scenario
    intent: str
    instruction: str
    script: str
    fixture: dict[str, Any]
    template_id: str
    param_key: str
    topic: str = ""


@dataclass(frozen=True)
class Negative:
    """A labelled hard negative: a broken variant of a valid script and the class it must fail with."""

    text: str
    error_class: str
    source: str
    mutation: str  # what was changed, in words (for repair prompts and stats)


@dataclass(frozen=True)
class Doc:
    """One thing the retriever can put in a context pack.

    `kind` is proc | variable | dsl | policy | example; `symbols` are the procs and DSL statement
    kinds the document covers (what decoding may be restricted to); `text` is what the pack shows.
    """

    id: str
    kind: str
    title: str
    text: str
    symbols: tuple[str, ...] = ()
    always: bool = False  # header and policy lines go in every pack
