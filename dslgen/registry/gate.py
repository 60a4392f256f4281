"""The regression gate: may a candidate version replace the promoted one?

Pure functions over the two versions' suite scores (no model): the candidate is refused when any
suite's metric — functional pass@1, or the valid rate — falls by more than `threshold` (absolute,
on the 0..1 scale) against the promoted version. Metrics one side lacks (a suite without expected
results has no pass@1) are shown but never block. With nothing promoted there is nothing to fall
below, and the candidate passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from dslgen.registry.records import GateRow, SuiteScore

DEFAULT_THRESHOLD = 0.05
# Scores are ratios of small counts: 0.50 -> 0.45 is a drop of 0.05000000000000002 in floats,
# which must not count as "more than 0.05".
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class GateDecision:
    """The gate's table and verdict; `drops` are the rows that fell by more than `threshold`."""

    rows: list[GateRow]
    threshold: float
    drops: list[GateRow]

    @property
    def passed(self) -> bool:
        return not self.drops

    def reason(self) -> str:
        """One sentence naming every suite and metric that dropped ('' when the gate passed)."""
        if self.passed:
            return ""
        parts = [
            f"{row.suite} {row.metric} fell from {row.current:.3f} to {row.candidate:.3f} "
            f"({row.delta:+.3f})"
            for row in self.drops
            if row.current is not None and row.candidate is not None and row.delta is not None
        ]
        return "; ".join(parts) + f", more than the threshold {self.threshold:.3f}"


def gate_rows(
    current: dict[str, SuiteScore] | None, candidate: dict[str, SuiteScore]
) -> list[GateRow]:
    """pass@1 and valid rate of every suite either side has, in the candidate's suite order."""
    current = current or {}
    suites = list(dict.fromkeys([*candidate, *current]))
    rows = []
    for suite in suites:
        before, after = current.get(suite), candidate.get(suite)
        rows.append(
            GateRow(
                suite=suite,
                metric="pass@1",
                current=before.pass_at_1 if before else None,
                candidate=after.pass_at_1 if after else None,
            )
        )
        rows.append(
            GateRow(
                suite=suite,
                metric="valid_rate",
                current=before.valid_rate if before else None,
                candidate=after.valid_rate if after else None,
            )
        )
    return rows


def decide(
    current: dict[str, SuiteScore] | None,
    candidate: dict[str, SuiteScore],
    threshold: float = DEFAULT_THRESHOLD,
) -> GateDecision:
    """The gate's verdict on `candidate` against `current` (None: nothing is promoted)."""
    if threshold < 0:
        raise ValueError(f"the threshold must be 0 or more, not {threshold}")
    rows = gate_rows(current, candidate)
    drops = [row for row in rows if row.delta is not None and -row.delta > threshold + _TOLERANCE]
    return GateDecision(rows, threshold, drops)
