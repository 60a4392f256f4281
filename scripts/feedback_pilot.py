"""The pilot of the feedback-loop round (docs/results/feedback-loop.md): a model version answers
pilot instructions, and a simulated user rates and corrects what it wrote.

Usage: .venv/bin/python scripts/feedback_pilot.py --db URL --version v1 [--adapter RUN]
                                                  [--count 40] [--seed 7] [--out pilot.jsonl]

The pilot instructions come from the task generator's *train-side* templates and parameters
(`make_task(..., split="train")`), so they are disjoint from the eval suites by construction;
`dslgen curate promote` checks that again and refuses anything near an eval task. Each one is
generated through the same library calls as `dslgen generate` (greedy, one sample, the version's
prompt settings) and logged to the interaction log with the version's name. The simulated user
knows the task's reference script: a script that executes to the reference state gets a thumbs
up; any other gets a thumbs down and the reference script as the user's edit (validated and
stored with its report, as `dslgen feedback --edit` does). One JSONL line per pilot task records
the id, intent, level and verdict, for the report.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from dslgen.corpus.records import write_jsonl
from dslgen.decode.pipeline import GenerateRequest, generate_script
from dslgen.decode.session import open_session
from dslgen.domain import get_domain
from dslgen.store import open_store


def pilot_tasks(count: int, seed: int) -> list:
    """`count` train-side tasks spread over the domain's levels by its level shares."""
    domain, rng = get_domain("pdflow"), random.Random(seed)
    levels, weights = zip(*domain.level_shares.items(), strict=True)
    seen: set[str] = set()
    tasks = []
    while len(tasks) < count:
        task = domain.make_task(rng, rng.choices(levels, weights)[0], "train")
        if task.instruction not in seen:
            seen.add(task.instruction)
            tasks.append(task)
    return tasks


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--version", required=True, help="The registry version being piloted.")
    parser.add_argument("--model", default=None)
    parser.add_argument("--adapter", default=None)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--out", type=Path, default=Path("pilot.jsonl"))
    args = parser.parse_args()

    domain = get_domain("pdflow")
    session = open_session(domain, args.model, args.adapter)
    rows = []
    with open_store(args.db) as store:
        for number, task in enumerate(pilot_tasks(args.count, args.seed), 1):
            request = GenerateRequest(
                task.instruction, task.fixture, 1, 0.0, 1.0, args.max_tokens, repair_rounds=0
            )
            result = generate_script(request, domain, session.sampler, session.build_context)
            interaction = store.log_generation(
                result,
                instruction=task.instruction,
                domain=domain.name,
                fixture=task.fixture,
                model_id=session.model_name,
                adapter_id=session.adapter,
                client_id="pilot-user",
                model_version=args.version,
            )
            expected = domain.execute(task.script, task.fixture)
            correct = result.valid and domain.outcome_matches(result.report.state, expected)
            if correct:
                store.add_feedback(interaction, rating="up")
            else:
                store.add_feedback(interaction, rating="down")
                store.add_edit(interaction, task.script, comment="pilot: the reference script")
            rows.append(
                {
                    "interaction": interaction,
                    "intent": task.intent,
                    "level": task.level,
                    "valid": result.valid,
                    "functional": correct,
                    "tokens": result.tokens,
                    "seconds": round(result.seconds, 2),
                }
            )
            print(
                f"{number:>3}/{args.count} interaction {interaction} {task.level:<9} "
                f"{task.intent[:40]:<40} {'ok' if correct else 'edited'}",
                file=sys.stderr,
            )
    write_jsonl(args.out, rows)
    functional = sum(row["functional"] for row in rows)
    print(
        json.dumps(
            {
                "version": args.version,
                "tasks": len(rows),
                "functional": functional,
                "valid": sum(row["valid"] for row in rows),
                "at": time.strftime("%Y-%m-%d %H:%M"),
            }
        )
    )


if __name__ == "__main__":
    main()
