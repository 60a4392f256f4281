"""The unbiased pass@k estimator of Chen et al. (2021), "Evaluating Large Language Models Trained
on Code": with n samples of which c are correct, pass@k = 1 - C(n-c, k) / C(n, k), the chance that
k samples drawn without replacement from the n include at least one correct one."""

from __future__ import annotations

import math
from collections.abc import Iterable


def pass_at_k(n: int, c: int, k: int) -> float:
    """Estimate pass@k from n samples with c correct.

    Computed as the product 1 - prod_{i=n-c+1}^{n} (1 - k/i), which equals the binomial form
    without forming huge binomials. c = 0 gives 0.0; n - c < k (every k-subset holds a correct
    sample) gives 1.0. Raises ValueError for n < 1, c outside [0, n], k < 1 or k > n: with fewer
    samples than k the estimator is undefined, so callers must draw n >= k.
    """
    if n < 1 or not 0 <= c <= n:
        raise ValueError(f"pass@k needs n >= 1 and 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"pass@k needs 1 <= k <= n, got k={k}, n={n}")
    if c == 0:
        return 0.0
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float | None:
    """The mean of pass@k over tasks given as (n, c) pairs; None when there are no tasks."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    return sum(values) / len(values) if values else None
