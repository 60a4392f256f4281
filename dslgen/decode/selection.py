"""Pick the candidate that does the task: coverage-weighted execution consensus.

Valid is not enough: the shortest valid script has the highest summed log-probability, so the
old pick (`logprob`) favoured scripts that do nothing. The `consensus` pick executes every valid
candidate (validation already does), groups candidates whose outcomes are equal (the domain's
`outcome_matches`: pdflow's design state, finance's value), and lets each candidate vote for its
group with its coverage weight (`Coverage.weight`: how much of the request it does, halved for
each thing nobody asked for, 0 for a script that does nothing when the request names something).
The heaviest group wins, then the larger, then the one with the best length-normalised
log-probability; inside it, the heaviest candidate, then the best normalised log-probability.
This is MBR-exec / CodeT-style voting with the request itself as a second judge.

`generate`, `serve` and `eval` all call `choose`, so an eval measures what users get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dslgen.domain import Domain
from dslgen.records import Coverage

SELECTIONS = ("consensus", "logprob")


@dataclass(frozen=True)
class Ballot:
    """What selection reads of one candidate."""

    valid: bool
    group: int | None  # outcome group among the candidates (None: not executed)
    coverage: Coverage
    logprob: float
    tokens: int

    @property
    def mean_logprob(self) -> float:
        """Log-probability per token: comparable between short and long scripts."""
        return self.logprob / max(self.tokens, 1)

    @property
    def does_task(self) -> bool:
        """Valid, and not a script that does nothing when the request asks for something."""
        return self.valid and (self.coverage.acts or not self.coverage.named)


@dataclass(frozen=True)
class Choice:
    """The chosen candidate (None: no valid one) and why: each group's summed vote."""

    index: int | None
    method: str
    group_votes: dict[int, float] = field(default_factory=dict)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "chosen": self.index,
            "selection": self.method,
            "group_votes": {str(g): round(v, 4) for g, v in sorted(self.group_votes.items())},
            "reason": self.reason,
        }


def outcome_groups(domain: Domain, states: Sequence[dict[str, Any] | None]) -> list[int | None]:
    """Group numbers for executed outcomes (equal outcomes share one); None where there is no
    outcome. Groups are numbered in order of first appearance."""
    representatives: list[dict[str, Any]] = []
    groups: list[int | None] = []
    for state in states:
        if state is None:
            groups.append(None)
            continue
        for number, representative in enumerate(representatives):
            if domain.outcome_matches(state, representative):
                groups.append(number)
                break
        else:
            representatives.append(state)
            groups.append(len(representatives) - 1)
    return groups


def choose(ballots: Sequence[Ballot], method: str = "consensus") -> Choice:
    """The candidate to return (see the module docstring); raises ValueError for an unknown
    method."""
    if method not in SELECTIONS:
        raise ValueError(f"unknown selection {method!r}; choose from {', '.join(SELECTIONS)}")
    valid = [i for i, b in enumerate(ballots) if b.valid]
    if not valid:
        return Choice(None, method, reason="no valid candidate")
    if method == "logprob":
        best = max(valid, key=lambda i: (ballots[i].logprob, -i))
        return Choice(best, method, reason="highest summed log-probability")
    doers = [i for i in valid if ballots[i].does_task] or valid
    votes: dict[int, float] = {}
    members: dict[int, list[int]] = {}
    for i in doers:
        group = ballots[i].group if ballots[i].group is not None else -1 - i
        votes[group] = votes.get(group, 0.0) + ballots[i].coverage.weight
        members.setdefault(group, []).append(i)

    def group_rank(group: int) -> tuple[float, int, float]:
        best = max(ballots[i].mean_logprob for i in members[group])
        return (round(votes[group], 9), len(members[group]), best)

    winner = max(members, key=group_rank)
    index = max(
        members[winner],
        key=lambda i: (round(ballots[i].coverage.weight, 9), ballots[i].mean_logprob, -i),
    )
    reason = (
        f"outcome group {winner} of {len(members)}: {len(members[winner])} of {len(doers)} "
        f"candidates, vote {votes[winner]:.2f}"
    )
    if not ballots[index].does_task:
        reason = "no valid candidate does what the request asks; " + reason
    shown = {g: v for g, v in votes.items() if g >= 0}
    return Choice(index, method, shown, reason)
