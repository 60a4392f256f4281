"""Two versions side by side: their figures in the interaction log and in the registry's eval
scores, each a rate with its Wilson interval, and Fisher's exact test per metric."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dslgen.registry.records import ModelVersion, SuiteScore
from dslgen.registry.stats import Rate, fisher_p_value, verdict
from dslgen.registry.usage import VersionUsage


@dataclass(frozen=True)
class MetricComparison:
    """One metric of versions A and B; `source` is "log" (users) or "eval" (the gate's suites)."""

    source: str
    metric: str
    a: Rate
    b: Rate

    @property
    def p_value(self) -> float | None:
        return fisher_p_value(self.a, self.b)

    def to_json(self) -> dict[str, Any]:
        p_value = self.p_value
        return {
            "source": self.source,
            "metric": self.metric,
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "p_value": p_value,
            "verdict": verdict(p_value),
        }


def usage_comparisons(a: VersionUsage, b: VersionUsage) -> list[MetricComparison]:
    """Valid, thumbs-up and edit rates of the two versions in the log."""
    b_rates = b.rates
    return [MetricComparison("log", name, rate, b_rates[name]) for name, rate in a.rates.items()]


def _score_rates(score: SuiteScore | None) -> dict[str, Rate]:
    """A suite score as counts: pass@1 over the scored tasks, valid rate over the samples."""
    if score is None:
        return {"pass@1": Rate(0, 0), "valid rate": Rate(0, 0)}
    passed = round((score.pass_at_1 or 0.0) * score.scored_tasks)
    valid = round((score.valid_rate or 0.0) * score.samples)
    return {
        "pass@1": Rate(passed, score.scored_tasks if score.pass_at_1 is not None else 0),
        "valid rate": Rate(valid, score.samples if score.valid_rate is not None else 0),
    }


def score_comparisons(a: ModelVersion, b: ModelVersion) -> list[MetricComparison]:
    """pass@1 and valid rate of every suite either version has a gate score for."""
    rows = []
    for suite in dict.fromkeys([*a.scores, *b.scores]):
        a_rates, b_rates = _score_rates(a.scores.get(suite)), _score_rates(b.scores.get(suite))
        rows += [
            MetricComparison("eval", f"{suite} {name}", a_rates[name], b_rates[name])
            for name in a_rates
        ]
    return rows


def comparison_json(
    domain: str,
    a: ModelVersion,
    b: ModelVersion,
    usage: tuple[VersionUsage, VersionUsage],
    rows: list[MetricComparison],
) -> dict[str, Any]:
    """Everything `dslgen models compare --format json` prints."""
    return {
        "domain": domain,
        "versions": [a.name, b.name],
        "generations": {u.version: u.generations for u in usage},
        "metrics": [row.to_json() for row in rows],
    }
