"""The finance domain object: what the generic stages see of finance.

A finance "script" is one line of JSON (an answer) and its "fixture" is the context dict the
answer may use, with the question copied into `question` (`request_fixture` does that at
inference time, the task generator at corpus time).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from dslgen.catalog.model import Catalog
from dslgen.errors import DslgenError, ScriptInvalidError
from dslgen.records import Coverage, Doc, Negative, Report, Task


class FinanceDomain:
    name = "finance"
    script_suffix = ".json"
    levels = ("lookup", "growth", "compare", "screen")
    # The synthetic held-out suite (built by `dslgen corpus evals --domain finance`, committed);
    # TAT-QA and SEC suites are read from third-party data at eval time and never trained on.
    eval_suites = {"synthetic": {"lookup": 30, "growth": 40, "compare": 30, "screen": 20}}
    real_suites = ("tatqa", "sec")
    headline_suites = ("synthetic", "tatqa")
    level_shares = {"lookup": 0.2, "growth": 0.4, "compare": 0.25, "screen": 0.15}
    metric_titles = {
        "tcl_parse_rate": "JSON + schema",
        "dsl_parse_rate": "calc parse",
        "mixed_compliance": "JSON + calc",
        "policy_compliance": "citations + risk",
        "functional_rate": "value accuracy",
    }

    def __init__(self, catalog_path: str | Path | None = None) -> None:
        # Finance has no host procs: `catalog_path` is accepted for the registry's signature only.
        self.catalog_path = Path(catalog_path) if catalog_path else None

    def catalog(self) -> Catalog:
        """An empty catalog: the answer language is fixed by the schema, not by a catalog."""
        return Catalog(domain="finance", version="1")

    def grammar(
        self,
        procs: list[str] | None = None,
        fixture: dict[str, Any] | None = None,
        instruction: str | None = None,
    ) -> str:
        """The answer grammar for the fixture's context (generic without one); `procs` is ignored
        because finance has none, and so is `instruction`: the context already binds the facts an
        answer may cite (its fact ids are the grammar's only sources), which is finance's
        grounding."""
        from dslgen.domains.finance.context import parse_context
        from dslgen.domains.finance.grammar import answer_grammar

        return answer_grammar(parse_context(fixture) if fixture is not None else None)

    def validate(self, text: str, fixture: dict[str, Any] | None = None) -> Report:
        from dslgen.domains.finance.context import parse_context
        from dslgen.domains.finance.validator import validate_answer

        return validate_answer(text, parse_context(fixture))

    def execute(self, text: str, fixture: dict[str, Any] | None = None) -> dict[str, Any]:
        report = self.validate(text, fixture)
        if not report.valid or report.state is None:
            raise ScriptInvalidError(report)
        return report.state

    def coverage(
        self, instruction: str, text: str, fixture: dict[str, Any] | None = None
    ) -> Coverage:
        """Neutral: every answer cites only the context's facts (the grammar sees to it), and
        candidates are told apart by their executed values (consensus), not by wording."""
        return Coverage()

    def outcome_matches(self, actual: Any, expected: Any) -> bool:
        """Whether an answer's state has the expected value within the spec's tolerance (in the
        expected unit); two refusals (value None) match."""
        from dslgen.domains.finance.answer import values_agree

        if not isinstance(actual, dict) or not isinstance(expected, dict):
            return False
        unit = str(expected.get("unit") or actual.get("unit") or "none")
        return values_agree(actual.get("value"), expected.get("value"), unit)

    def make_task(self, rng: random.Random, level: str, split: str) -> Task:
        from dslgen.domains.finance.questions import make_question_task

        return make_question_task(rng, level, split)

    def mutate(
        self, text: str, fixture: dict[str, Any] | None, rng: random.Random
    ) -> Iterator[Negative]:
        from dslgen.domains.finance.mutate import mutate_answer

        return mutate_answer(text, fixture, rng)

    def documents(self) -> list[Doc]:
        return list(self._documents)

    @cached_property
    def _documents(self) -> tuple[Doc, ...]:
        from dslgen.domains.finance.documents import format_documents

        return tuple(format_documents())

    def task_context(self, task: Task) -> str:
        """The format documents (schema, program language, rules) as a pack renders them; the
        task's own facts come with the fixture (`render_fixture`)."""
        from dslgen.retrieve.pack import render_documents

        chosen = [d for d in self._documents if d.always]
        return render_documents(chosen, self._documents)

    def cut_back(self, text: str) -> list[str]:
        """An answer stopped by the token limit, closed after its last complete field."""
        from dslgen.domains.finance.closing import close_answer

        closed = close_answer(text)
        return [closed] if closed is not None else []

    def render_fixture(self, fixture: dict[str, Any] | None) -> str:
        """The context of a fixture as prompt text."""
        from dslgen.domains.finance.context import parse_context
        from dslgen.domains.finance.documents import render_context

        return render_context(parse_context(fixture))

    def request_fixture(self, instruction: str, fixture: dict[str, Any] | None) -> dict[str, Any]:
        """The fixture a request is answered on: the context with the question copied in (a new
        dict; an empty context when there is none)."""
        return {**(fixture or {}), "question": instruction}

    def real_suite_records(self, suite: str, data_dir: Path) -> list[dict[str, Any]]:
        """TAT-QA (`tatqa_test_gold.json`) or SEC companyfacts (`snow_companyfacts.json`) tasks."""
        from dslgen.domains.finance.secfacts import sec_records
        from dslgen.domains.finance.tatqa import tatqa_records

        files = {"tatqa": "tatqa_test_gold.json", "sec": "snow_companyfacts.json"}
        if suite not in files:
            raise DslgenError(f"finance has no real-data suite {suite!r}; use tatqa or sec")
        path = data_dir / files[suite]
        if not path.is_file():
            raise DslgenError(
                f"no {files[suite]} in {data_dir}; pass --data-dir (or set DSLGEN_DATA_DIR) to the "
                "folder holding the third-party data"
            )
        records = tatqa_records(path) if suite == "tatqa" else sec_records(path)
        # A fixed pseudo-random order, so `--limit N` takes a spread of reports and question kinds
        # rather than the first few tables of the file.
        return sorted(records, key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())

    def fingerprint(self) -> str:
        """A hash of what derived artefacts (corpus, indexes, compiled grammars) depend on: the
        generic answer grammar, the answer schema and the documents' text."""
        from dslgen.domains.finance.answer import Answer
        from dslgen.domains.finance.grammar import answer_grammar

        parts = {
            "grammar": answer_grammar(None),
            "schema": Answer.model_json_schema(),
            "documents": [[d.id, d.kind, d.title, d.text, d.always] for d in self._documents],
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
