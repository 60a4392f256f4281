"""Rules every rule-based task generator shares: the train/dev/test split and the order of
labelled negatives.

A task belongs to a split twice over: by its template (phrasing index k; every fourth phrasing,
k % 4 == HELD_OUT, is test-only) and by its parameters (a hash bucket of the parameter key: 0 is
test, 1 dev, 2-9 train). Test tasks therefore share neither a phrasing nor a parameter
combination with training data. Negatives are yielded class by class in a shuffled round robin,
so a caller that takes the first few gets a spread of error classes.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

from dslgen.records import Negative

HELD_OUT = 3  # k % 4 == HELD_OUT marks a held-out template


def template_allowed(index: int, split: str) -> bool:
    """Whether phrasing `index` may be used for `split`."""
    return (index % 4 == HELD_OUT) == (split == "test")


def param_bucket(key: str) -> str:
    """The split a parameter combination belongs to."""
    bucket = int(hashlib.sha1(key.encode()).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def interleave_negatives(
    by_class: dict[str, list[tuple[str, str]]], source: str, rng: random.Random
) -> Iterator[Negative]:
    """(text, what was changed) per error class, yielded one class at a time in a shuffled order."""
    order = list(by_class)
    rng.shuffle(order)
    for candidates in by_class.values():
        rng.shuffle(candidates)
    while any(by_class.values()):
        for cls in (c for c in order if by_class[c]):
            new, what = by_class[cls].pop()
            yield Negative(text=new, error_class=cls, source=source, mutation=what)
