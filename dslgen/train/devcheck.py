"""Pass rates on a fixed dev sample while training: generate under the grammar, validate, execute.

Used at every stage end (metrics.jsonl) and, with the online filter, to weight the next stage
toward the intents that failed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dslgen.domain import Domain
from dslgen.prompts import render_messages
from dslgen.train.data import ContextFor


@dataclass
class DevResult:
    tasks: int = 0
    valid: int = 0
    functional: int = 0
    failed_intents: dict[str, float] = field(default_factory=dict)  # intent -> failure rate

    def row(self) -> dict[str, Any]:
        return {
            "dev_tasks": self.tasks,
            "dev_valid_rate": self.valid / self.tasks if self.tasks else 0.0,
            "dev_functional_rate": self.functional / self.tasks if self.tasks else 0.0,
            "dev_failed_intents": self.failed_intents,
        }


def check_dev(
    model: Any,
    tokenizer: Any,
    domain: Domain,
    tasks: list[dict[str, Any]],
    context: ContextFor,
    max_tokens: int,
) -> DevResult:
    """Greedy generation with the grammar on each task; the model is left in training mode."""
    from dslgen.decode.sampler import Sampler

    result = DevResult()
    if not tasks:
        return result
    was_training = model.training
    model.eval()
    try:
        sampler = Sampler(model, tokenizer)
        seen: dict[str, int] = defaultdict(int)
        failed: dict[str, int] = defaultdict(int)
        for task in tasks:
            messages = render_messages(
                domain.name, task["instruction"], context(task), task.get("fixture")
            )
            fixture = domain.request_fixture(task["instruction"], task.get("fixture"))
            grammar = domain.grammar(None, fixture)
            sample = sampler.sample(
                messages, k=1, grammar=grammar, max_tokens=max_tokens, temperature=0.0
            )[0]
            report = domain.validate(sample.text, fixture)
            correct = report.valid and domain.outcome_matches(
                report.state, task.get("expected_state")
            )
            result.tasks += 1
            result.valid += report.valid
            result.functional += correct
            intent = task.get("intent", "")
            seen[intent] += 1
            failed[intent] += not correct
        result.failed_intents = {i: failed[i] / seen[i] for i in sorted(seen) if failed[i]}
    finally:
        model.train(was_training)
    return result
