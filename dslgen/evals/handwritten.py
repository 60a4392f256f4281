"""Build the hand-phrased "handwritten" eval suite from its human-editable TOML source.

The generated suites (unit, scenario) share the task generator's templates with the training
corpus, so they cannot tell us whether the model copes with the way engineers actually phrase
requests. The handwritten suite can: its instructions are written by hand in
`evals/<domain>/handwritten.toml` and never trained on. People edit the TOML (multi-line scripts,
comments); the eval runner reads JSONL, so this builder validates every reference script with the
domain's validator, records the state it produces as the task's expected state, and writes the
suite file atomically. A reference that does not validate stops the build with an error naming
the file and the task, so a broken expectation never reaches an eval.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from dslgen.corpus.records import dumps, write_text
from dslgen.errors import EvalConfigError

SUITE = "handwritten"
REQUIRED_KEYS = ("id", "intent", "instruction", "fixture", "reference")


def load_source(source: Path) -> list[dict[str, Any]]:
    """The `[[task]]` tables of `source`, each checked for its keys and a unique id."""
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EvalConfigError(f"cannot read the handwritten suite source {source}: {exc}") from exc
    tasks = data.get("task")
    if not isinstance(tasks, list) or not tasks:
        raise EvalConfigError(f"{source} has no [[task]] tables")
    seen: set[str] = set()
    for index, task in enumerate(tasks, start=1):
        task_id = task.get("id") or f"task #{index}"
        missing = [key for key in REQUIRED_KEYS if key not in task]
        if missing:
            raise EvalConfigError(f"{source}: {task_id} lacks {', '.join(missing)}")
        if task_id in seen:
            raise EvalConfigError(f"{source}: duplicate task id {task_id}")
        seen.add(task_id)
    return tasks


def build_handwritten_suite(source: Path, out: Path, domain_name: str = "pdflow") -> int:
    """Validate every reference of `source` and write the suite to `out` (one JSON line per
    task, sorted keys); return the number of tasks."""
    from dslgen.domain import get_domain

    domain = get_domain(domain_name)
    records: list[dict[str, Any]] = []
    for task in load_source(source):
        fixture = task["fixture"] or None
        report = domain.validate(task["reference"], fixture)
        if not report.valid:
            errors = json.dumps(report.to_json()["errors"], sort_keys=True)
            raise EvalConfigError(f"{source}: the reference of {task['id']} is not valid: {errors}")
        records.append(
            {
                "id": task["id"],
                "suite": SUITE,
                "level": SUITE,
                "intent": task["intent"],
                "instruction": task["instruction"],
                "fixture": task["fixture"],
                "reference": task["reference"],
                "expected_state": report.state,
            }
        )
    write_text(out, "".join(dumps(record) + "\n" for record in records))
    return len(records)
