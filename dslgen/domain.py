"""The one seam between generic stages and a target language: the Domain interface + registry.

Generic code (validation of files, corpus, retrieval, decoding, training, evals, serving) talks to
a domain only through `Domain` and `get_domain`; it never imports `dslgen.domains.<name>`.
"""

from __future__ import annotations

import functools
import importlib
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from dslgen.catalog.model import Catalog
from dslgen.errors import UnknownDomainError
from dslgen.records import Coverage, Doc, Negative, Report, Task

# name -> "module:factory"; imported only when asked for, so `dslgen validate` stays light.
REGISTRY: dict[str, str] = {
    "pdflow": "dslgen.domains.pdflow.domain:PdflowDomain",
    "finance": "dslgen.domains.finance.domain:FinanceDomain",
}


class Domain(Protocol):
    """Everything specific to one target language (see ../shared/design.md)."""

    name: str
    script_suffix: str  # what `dslgen validate DIR` looks for
    levels: tuple[str, ...]  # curriculum levels, easiest first
    eval_suites: dict[str, dict[str, int]]  # built held-out suites: suite -> level -> task count
    real_suites: tuple[str, ...]  # suites imported from third-party data (never trained on)
    headline_suites: tuple[str, ...]  # what `dslgen eval` and its ablation run by default
    level_shares: dict[str, float]  # the corpus mix of levels (and default training stages)
    metric_titles: dict[str, str]  # eval table titles of the generic metrics (key -> title)

    def catalog(self) -> Catalog: ...

    def fingerprint(self) -> str:
        """A hash of what derived artefacts (indexes, cached eval samples) depend on."""
        ...

    def grammar(
        self,
        procs: list[str] | None = None,
        fixture: dict[str, Any] | None = None,
        instruction: str | None = None,
    ) -> str:
        """Lark text for constrained decoding, optionally restricted to some procs; a domain whose
        answers name things in the request's fixture (finance: fact ids) restricts them to it.
        With `instruction`, the grammar is grounded: free values (names, files, numbers, enum
        values) come from the request and the fixture where it names them, and keep the
        catalog's range where it does not, so a well-posed request stays possible."""
        ...

    def coverage(
        self, instruction: str, text: str, fixture: dict[str, Any] | None = None
    ) -> Coverage:
        """How much of `instruction` the output `text` does, and what it does unasked (for
        selection, see dslgen.decode.selection). A domain with nothing to compare returns
        `Coverage()` (names nothing, so every output covers it)."""
        ...

    def request_fixture(
        self, instruction: str, fixture: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The fixture a request is validated against (finance copies the question into it)."""
        ...

    def cut_back(self, text: str) -> list[str]:
        """Shorter versions of an output stopped by the token limit, longest first: what the
        model had written so far, in a form the validator can accept (see decode.checked)."""
        ...

    def render_fixture(self, fixture: dict[str, Any]) -> str:
        """The fixture as prompt text."""
        ...

    def validate(self, text: str, fixture: dict[str, Any] | None = None) -> Report: ...

    def execute(self, text: str, fixture: dict[str, Any] | None = None) -> dict[str, Any]:
        """The state a valid script produces; raises ScriptInvalidError with the report."""
        ...

    def outcome_matches(self, actual: Any, expected: Any) -> bool:
        """Functional correctness: whether an executed outcome (a validator report's `state`)
        equals a task's expected one, with the domain's tolerances."""
        ...

    def make_task(self, rng: random.Random, level: str, split: str) -> Task:
        """A rule-based task of `level` whose templates and parameters belong to `split`."""
        ...

    def mutate(
        self, text: str, fixture: dict[str, Any] | None, rng: random.Random
    ) -> Iterator[Negative]:
        """Labelled hard negatives made from a valid script."""
        ...

    def documents(self) -> list[Doc]:
        """What the retriever indexes: catalog entries, policy, curated examples."""
        ...

    def task_context(self, task: Task) -> str:
        """Reference text (catalog entries) for a task's prompt."""
        ...

    def real_suite_records(self, suite: str, data_dir: Path) -> list[dict[str, Any]]:
        """The eval records of a real-data suite read from `data_dir` (raises DslgenError naming
        the missing file)."""
        ...


@functools.lru_cache(maxsize=8)
def shared_domain(name: str) -> Domain:
    """The domain `name` with its own catalog, built once per process and shared (hot paths:
    rendering every prompt, validating every corpus example in a worker)."""
    return get_domain(name)


def get_domain(name: str, catalog_path: str | Path | None = None) -> Domain:
    """The domain registered as `name`, optionally with a team's own catalog file."""
    target = REGISTRY.get(name)
    if target is None:
        known = ", ".join(sorted(REGISTRY))
        raise UnknownDomainError(f"unknown domain {name!r}; known domains: {known}")
    module_name, factory = target.split(":")
    module = importlib.import_module(module_name)
    domain: Domain = getattr(module, factory)(catalog_path)
    return domain
