"""Words for BM25: lower-cased alphanumeric runs, identifiers split at `_` and `::`, a light stem.

Instructions say "buffering", "placed", "save as"; documents say `my::add_buffer`, `place`,
`my::save_design`. Splitting identifiers and stripping one common English suffix makes those meet
without a stemming dependency. Deterministic and language-agnostic enough for API names.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z]+|\d+")
# Common function words: they match everything and so rank nothing.
STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it"}
    | {"its", "of", "on", "or", "that", "the", "then", "this", "to", "with", "use", "using"}
)
_SUFFIXES = ("ing", "ed", "es", "s", "e")


def stem(word: str) -> str:
    """Strip one suffix from words of five letters or more: buffering→buffer, placed/place→plac."""
    if len(word) < 5:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def lexical_tokens(text: str) -> list[str]:
    """BM25 terms of `text`, in order (duplicates kept: term frequency matters)."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
