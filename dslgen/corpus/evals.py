"""Build the held-out eval suites (evals/<domain>/*.jsonl), once, from held-out templates/params.

Suites draw only from the test split's templates and parameter buckets (see the task composer),
so no training example shares a template or parameter combination with them. They are built by
one documented command and committed: re-running it with the same seed reproduces them byte for
byte, and the tests check that they are still what the generator and validator say.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from dslgen.corpus.records import write_jsonl
from dslgen.domain import get_domain


def build_eval_suites(domain_name: str, out: Path, seed: int = 7) -> dict[str, int]:
    """Write one JSONL file per suite; return the number of tasks in each."""
    domain = get_domain(domain_name)
    seen: set[str] = set()
    counts = {}
    for suite, levels in domain.eval_suites.items():
        records: list[dict[str, Any]] = []
        for level, wanted in levels.items():
            index = 0
            while sum(r["level"] == level for r in records) < wanted:
                rng = random.Random(f"eval:{seed}:{suite}:{level}:{index}")
                index += 1
                task = domain.make_task(rng, level, "test")
                if task.instruction in seen:
                    continue
                report = domain.validate(task.script, task.fixture)
                if not report.valid:
                    raise RuntimeError(
                        f"generator produced an invalid reference: {report.errors[0].render()}"
                    )
                seen.add(task.instruction)
                records.append(
                    {
                        "id": f"{domain_name}-{suite}-{len(records):04d}",
                        "suite": suite,
                        "level": task.level,
                        "intent": task.intent,
                        "instruction": task.instruction,
                        "fixture": task.fixture,
                        "expected_state": report.state,
                        "reference": task.script,
                        "template_id": task.template_id,
                        "param_key": task.param_key,
                    }
                )
        counts[suite] = write_jsonl(out / f"{suite}.jsonl", records)
    return counts
