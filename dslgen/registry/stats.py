"""The statistics of `dslgen models compare`: a rate with its 95 % Wilson score interval, and
Fisher's exact test of whether two versions' rates differ.

Wilson's interval (Wilson 1927) stays inside [0, 1] and keeps close to its nominal coverage for
the small counts a team's log holds, where the normal approximation does not. Fisher's exact test
(two-sided, on the 2×2 table of successes and failures) needs no large-sample assumption either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Rate:
    """`successes` of `total`, with its 95 % Wilson interval; an empty rate has no value."""

    successes: int
    total: int

    @property
    def value(self) -> float | None:
        return self.successes / self.total if self.total else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.successes, self.total) if self.total else None

    def to_json(self) -> dict[str, object]:
        low_high = self.interval
        return {
            "successes": self.successes,
            "total": self.total,
            "rate": self.value,
            "ci95": list(low_high) if low_high else None,
        }


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (default: 95 %)."""
    if total <= 0:
        raise ValueError("a rate needs at least one trial")
    if not 0 <= successes <= total:
        raise ValueError(f"successes must be between 0 and {total}, not {successes}")
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z / (1 + z2 / total) * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    # the interval holds p in exact arithmetic; clamp away float error at 0/n and n/n
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def fisher_p_value(a: Rate, b: Rate) -> float | None:
    """Two-sided p-value of Fisher's exact test that `a` and `b` have the same rate (None when
    either side has no trials)."""
    if not a.total or not b.total:
        return None
    from scipy.stats import fisher_exact

    table = [[a.successes, a.total - a.successes], [b.successes, b.total - b.successes]]
    return float(fisher_exact(table, alternative="two-sided").pvalue)


def verdict(p_value: float | None) -> str:
    """What a p-value says, in words."""
    if p_value is None:
        return "no data"
    return "significant" if p_value < SIGNIFICANCE else "not significant"
