"""The pdflow domain object: what the generic stages see of pdflow."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from dslgen.catalog.model import Catalog, load_catalog
from dslgen.errors import DslgenError, ScriptInvalidError
from dslgen.records import Coverage, Doc, Negative, Report, Task
from dslgen.tcl.sandbox import Limits

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_CATALOG = PROJECT_ROOT / "catalog" / "pdflow.json"


class PdflowDomain:
    name = "pdflow"
    script_suffix = ".tcl"
    levels = ("micro", "unit", "multi", "scenario")
    eval_suites = {
        "syntax": {"micro": 40, "unit": 40, "multi": 40, "scenario": 40},
        "unit": {"unit": 240},
        "scenario": {"scenario": 120},
    }
    real_suites: tuple[str, ...] = ()
    headline_suites = ("unit", "scenario")
    level_shares = {"micro": 0.2, "unit": 0.4, "multi": 0.25, "scenario": 0.15}
    metric_titles: dict[str, str] = {}  # the generic titles are pdflow's

    def __init__(
        self, catalog_path: str | Path | None = None, limits: Limits | None = None
    ) -> None:
        self.catalog_path = Path(catalog_path) if catalog_path else DEFAULT_CATALOG
        self.limits = limits or Limits()

    @cached_property
    def _catalog(self) -> Catalog:
        return load_catalog(self.catalog_path)

    def catalog(self) -> Catalog:
        return self._catalog

    def fingerprint(self) -> str:
        return self._catalog.sha256

    def grammar(
        self,
        procs: list[str] | None = None,
        fixture: dict[str, Any] | None = None,
        instruction: str | None = None,
    ) -> str:
        """The decoding grammar; with an instruction, grounded in what it and the fixture name
        (nets, names, files, numbers, enum values — see mentions.py)."""
        from dslgen.domains.pdflow.grammar import compile_decoding_grammar

        grounding = None
        if instruction is not None:
            from dslgen.domains.pdflow.mentions import find_mentions

            grounding = find_mentions(instruction, self._catalog, fixture)
        return compile_decoding_grammar(self._catalog, procs, grounding)

    def request_fixture(
        self, instruction: str, fixture: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        return fixture

    def cut_back(self, text: str) -> list[str]:
        """Prefixes of whole lines, longest first (every line of the grammar is a command)."""
        lines = text.splitlines(keepends=True)
        return ["".join(lines[:end]) for end in range(len(lines) - 1, 0, -1)]

    def render_fixture(self, fixture: dict[str, Any]) -> str:
        return "Design fixture: " + json.dumps(fixture, sort_keys=True)

    def validate(self, text: str, fixture: dict[str, Any] | None = None) -> Report:
        from dslgen.domains.pdflow.validator import validate_script

        return validate_script(text, self._catalog, fixture, self.limits)

    def make_task(self, rng: random.Random, level: str, split: str) -> Task:
        from dslgen.domains.pdflow.tasks.compose import compose_task

        return compose_task(rng, level, split)

    def mutate(
        self, text: str, fixture: dict[str, Any] | None, rng: random.Random
    ) -> Iterator[Negative]:
        from dslgen.domains.pdflow.mutate import mutate_script

        return mutate_script(text, self._catalog, fixture, rng)

    def documents(self) -> list[Doc]:
        """Catalog entries and curated examples for the retriever (deterministic order)."""
        return list(self._documents)

    @cached_property
    def _documents(self) -> tuple[Doc, ...]:
        from dslgen.domains.pdflow.documents import catalog_documents, example_documents

        return tuple(catalog_documents(self._catalog) + example_documents(self._catalog))

    def coverage(
        self, instruction: str, text: str, fixture: dict[str, Any] | None = None
    ) -> Coverage:
        from dslgen.domains.pdflow.coverage import script_coverage

        return script_coverage(instruction, text, self._catalog, fixture)

    def outcome_matches(self, actual: Any, expected: Any) -> bool:
        from dslgen.domains.pdflow.state import equal_states

        return actual is not None and equal_states(actual, expected)

    def task_context(self, task: Task) -> str:
        """Reference text for a task: the catalog documents its reference script uses, rendered by
        the retriever's renderer, so corpus prompts look exactly like inference prompts."""
        from dslgen.domains.pdflow.context import used_symbols
        from dslgen.retrieve.pack import render_documents

        procs, kinds = used_symbols(task.script, self._catalog)
        used = set(procs) | set(kinds)
        chosen = [
            d
            for d in self._documents
            if d.always or (d.kind != "example" and d.symbols and set(d.symbols) <= used)
        ]
        return render_documents(chosen, self._documents)

    def real_suite_records(self, suite: str, data_dir: Path) -> list[dict[str, Any]]:
        raise DslgenError(f"pdflow has no real-data suite {suite!r}")

    def execute(self, text: str, fixture: dict[str, Any] | None = None) -> dict[str, Any]:
        report = self.validate(text, fixture)
        if not report.valid or report.state is None:
            raise ScriptInvalidError(report)
        return report.state
