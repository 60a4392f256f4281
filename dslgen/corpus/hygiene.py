"""Dataset hygiene: normalised exact duplicates, MinHash near-duplicates, length caps.

Signatures are computed in the worker processes (they are the expensive part); the LSH index
that finds near-duplicates runs in the parent in record order, so the result is deterministic.
"""

from __future__ import annotations

import re

from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
SCHEME = "affine32"
_WORD = re.compile(r"[A-Za-z0-9_.:$@*-]+")


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def signature(text: str) -> list[int]:
    """MinHash signature of the word 3-gram shingles of `text`."""
    words = normalise(text).split()
    shingles = {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
    sig = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)
    sig.update_batch([s.encode() for s in sorted(shingles)])
    return [int(v) for v in sig.hashvalues]


class NearDuplicateFilter:
    """Keeps the first of any group of records whose texts are near-identical (Jaccard ≥ threshold)."""

    def __init__(self, threshold: float = 0.95) -> None:
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.exact: set[str] = set()
        self.count = 0

    def keep(self, key: str, text: str, hashvalues: list[int]) -> bool:
        exact = normalise(text)
        if exact in self.exact:
            return False
        sig = MinHash(num_perm=NUM_PERM, seed=1, hashvalues=hashvalues, scheme=SCHEME)
        if self.lsh.query(sig):
            return False
        self.exact.add(exact)
        self.lsh.insert(key, sig)
        self.count += 1
        return True
