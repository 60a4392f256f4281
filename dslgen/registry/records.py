"""What the model registry holds: versions of a domain's model, their eval scores, and the
history of promotions and rollbacks. Pydantic models, serialised as one JSON file.

A version is named `v1`, `v2`, … per domain, in order of registration. At most one version of a
domain is `promoted` (the one `dslgen generate` and `dslgen serve` use); a version that was
promoted and then replaced or rolled back is `retired`; every other is a `candidate`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from dslgen.errors import RegistryError

REGISTRY_FORMAT: Final = "dslgen-registry/1"
VERSION_NAME = re.compile(r"^v[1-9][0-9]*$")

Status = Literal["candidate", "promoted", "retired"]
Action = Literal["promote", "rollback"]


def now_utc() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuiteScore(_Record):
    """One suite's figures for one version, from the gate's eval.

    `pass_at_1` is functional pass@1 over the `scored_tasks` that have an expected result (None
    when none has); `valid_rate` is over all `samples`. `settings` are the eval settings that
    produced them (n, temperature, limit, max_tokens, …), so scores taken differently are not
    mistaken for comparable ones.
    """

    tasks: int = Field(ge=0)
    samples: int = Field(ge=0)
    scored_tasks: int = Field(ge=0)
    pass_at_1: float | None
    valid_rate: float | None
    evaluated: str = Field(default_factory=now_utc)
    settings: dict[str, object] = {}


class GateRow(_Record):
    """One line of the gate's table: a suite's metric for the current and candidate versions."""

    suite: str
    metric: Literal["pass@1", "valid_rate"]
    current: float | None
    candidate: float | None

    @property
    def delta(self) -> float | None:
        if self.current is None or self.candidate is None:
            return None
        return self.candidate - self.current


class HistoryEvent(_Record):
    """A promotion (by the gate, maybe forced) or a rollback, with who did it and the figures."""

    domain: str
    action: Action
    version: str  # the version that became the promoted one
    previous: str | None  # the version it replaced (None: nothing was promoted)
    time: str = Field(default_factory=now_utc)
    user: str
    forced: bool = False
    threshold: float | None = None
    figures: list[GateRow] = []


class ModelVersion(_Record):
    """A base model (folder or hub id) with an optional LoRA adapter, as one deployable unit."""

    name: str = Field(pattern=VERSION_NAME.pattern)
    domain: str
    created: str = Field(default_factory=now_utc)
    base_model: str
    adapter: str | None = None  # absolute adapter folder; None: the bare base model
    run: str | None = None  # the training run folder it came from
    data_files: dict[str, str] = {}  # file name -> sha256, as the run recorded them
    data_counts: dict[str, int] = {}  # tasks, repairs, curated, dev
    scores: dict[str, SuiteScore] = {}  # suite -> the latest gate eval
    notes: str = ""
    status: Status = "candidate"

    def describe(self) -> str:
        """`base` or `base + adapter`, for one-line listings."""
        return self.base_model + (f" + {self.adapter}" if self.adapter else "")


class RegistryBook(_Record):
    """The whole registry file: every domain's versions and the history of promotions."""

    format: Literal["dslgen-registry/1"] = REGISTRY_FORMAT
    versions: list[ModelVersion] = []
    history: list[HistoryEvent] = []

    def of_domain(self, domain: str) -> list[ModelVersion]:
        return [v for v in self.versions if v.domain == domain]

    def find(self, domain: str, name: str) -> ModelVersion:
        """The version `name` of `domain`; RegistryError naming the known ones if none."""
        for version in self.versions:
            if version.domain == domain and version.name == name:
                return version
        known = ", ".join(v.name for v in self.of_domain(domain)) or "none yet"
        raise RegistryError(
            f"no version {name!r} of {domain} in the registry (known: {known}); "
            "`dslgen models list` shows them"
        )

    def promoted(self, domain: str) -> ModelVersion | None:
        return next((v for v in self.of_domain(domain) if v.status == "promoted"), None)

    def next_name(self, domain: str) -> str:
        numbers = [int(v.name[1:]) for v in self.of_domain(domain)]
        return f"v{max(numbers, default=0) + 1}"

    def promotion_stack(self, domain: str) -> list[str]:
        """The versions promoted in turn, latest last, with rolled-back ones taken off: the top
        is the promoted version and the one below it is what a rollback returns to."""
        stack: list[str] = []
        for event in self.history:
            if event.domain != domain:
                continue
            if event.action == "promote":
                stack.append(event.version)
            elif stack:
                stack.pop()
        return stack

    def events_of(self, domain: str, name: str) -> list[HistoryEvent]:
        """The promotions and rollbacks that involved version `name`."""
        return [e for e in self.history if e.domain == domain and name in (e.version, e.previous)]
