"""How alike two texts are: the corpus builder's MinHash signatures, compared one against many.

The signatures and the normalisation are `dslgen.corpus.hygiene`'s (word 3-gram shingles,
64 permutations), so "near-duplicate" means the same thing here as in `dslgen corpus build`.
What curation needs beyond the builder's keep/drop filter is *which* record a text resembles and
how closely, to name it in a warning or a refusal: the estimated Jaccard similarity is the share
of equal signature values (datasketch's `MinHash.jaccard`), taken against a whole table at once.
Its standard error is about sqrt(J(1-J)/64), i.e. ±0.04 near J = 0.9.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from dslgen.errors import CurationError


def _hygiene() -> ModuleType:
    try:
        from dslgen.corpus import hygiene
    except ModuleNotFoundError as exc:
        raise CurationError(
            f"near-duplicate checks need {exc.name}; install it with pip install 'dslgen[corpus]'"
        ) from exc
    return hygiene


def normalised(text: str) -> str:
    """The text as compared for exact matches (lower case, words only, single spaces)."""
    return str(_hygiene().normalise(text))


@dataclass(frozen=True)
class Match:
    """The closest record of a table: its id, the estimated Jaccard, whether it is exact."""

    id: str
    similarity: float
    exact: bool = False


@dataclass
class SignatureTable:
    """Signatures of many texts, to find the one closest to a new text."""

    ids: list[str] = field(default_factory=list)
    rows: list[list[int]] = field(default_factory=list)
    exact: dict[str, list[str]] = field(default_factory=dict)  # normalised text -> ids
    _matrix: Any = None  # numpy (n, NUM_PERM) array, built on first use

    @classmethod
    def build(cls, items: Iterable[tuple[str, str]]) -> SignatureTable:
        """A table of (id, text) pairs."""
        table = cls()
        for ident, text in items:
            table.add(ident, text)
        return table

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ident: str, text: str) -> None:
        hygiene = _hygiene()
        self.ids.append(ident)
        self.rows.append(hygiene.signature(text))
        self.exact.setdefault(hygiene.normalise(text), []).append(ident)
        self._matrix = None

    def similarities(self, text: str) -> Any:
        """Estimated Jaccard of `text` with every row, as a numpy array in table order."""
        import numpy as np

        if self._matrix is None:
            self._matrix = np.array(self.rows, dtype=np.uint64).reshape(len(self.rows), -1)
        query = np.array(_hygiene().signature(text), dtype=np.uint64)
        return (self._matrix == query).mean(axis=1)

    def nearest(self, text: str, exclude: str | None = None) -> Match | None:
        """The closest row other than `exclude`: an exact normalised match first, else the
        highest estimated Jaccard; None for an empty table."""
        exact = [i for i in self.exact.get(normalised(text), []) if i != exclude]
        if exact:
            return Match(exact[0], 1.0, exact=True)
        if not self.ids:
            return None
        scores = self.similarities(text)
        best, best_score = None, -1.0
        # the best two (one may be excluded); on a tie the earlier row, so results are stable
        for index in (-scores).argsort(kind="stable")[:2]:
            if self.ids[index] != exclude and float(scores[index]) > best_score:
                best, best_score = self.ids[index], float(scores[index])
        return Match(best, best_score) if best is not None else None
