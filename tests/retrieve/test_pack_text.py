"""The parts of packing that need no model: clauses, BM25 words, the token estimate."""

from __future__ import annotations

import warnings

import pytest

from dslgen.errors import ModelNotAvailableError
from dslgen.retrieve.lexical import lexical_tokens
from dslgen.retrieve.pack import split_clauses
from dslgen.retrieve.tokens import default_counter, estimate_tokens, tokenizer_counter


def test_clauses_split_at_sentence_ends_but_not_in_file_names():
    text = "Work on core.def. Route CLK on M3; keep 0.5 um. Finally save as out.def."
    assert split_clauses(text) == [
        "Work on core.def.",
        "Route CLK on M3;",
        "keep 0.5 um.",
        "Finally save as out.def.",
    ]
    assert split_clauses("   ") == [""]
    assert len(split_clauses(". ".join(["x"] * 100), limit=24)) == 24


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Add buffering to `DATA_3`", ["add", "buffer", "data", "3"]),
        ("my::add_buffer -net NET", ["my", "add", "buffer", "net", "net"]),
        ("placed / place", ["plac", "plac"]),
        ("Saves the route", ["sav", "rout"]),
    ],
)
def test_lexical_tokens_meet_identifiers_and_inflections(text, words):
    assert lexical_tokens(text) == words


# SmolLM2 token counts of these strings (measured with its tokenizer); the estimate must not be
# lower, or a pack that fits the estimate could overflow the real budget.
SMOLLM2_COUNTS = {
    "my::route -net CLK -layer M3": 11,
    "Read in soc_top.odb. Bundle ADDR_0, CLK_CORE, VSS as group GRP1.": 30,
    "Put 1 BUF_X1 cell on the CLK_CORE net.": 18,
    "a\n\nb": 4,
}


@pytest.mark.parametrize(("text", "tokens"), SMOLLM2_COUNTS.items())
def test_estimate_never_undercounts_smollm2(text, tokens):
    assert estimate_tokens(text) >= tokens


def test_estimate_counts_non_ascii_by_bytes():
    assert estimate_tokens("µ") == 2


def test_missing_tokenizer_raises_and_default_falls_back_with_a_warning():
    with pytest.raises(ModelNotAvailableError):
        tokenizer_counter()
    with pytest.warns(UserWarning, match="over-estimate"):
        counter = default_counter()
    assert counter is estimate_tokens
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert counter("my::route") == estimate_tokens("my::route")
