"""`decimal_range_regex` admits exactly the canonical numerals inside a range.

The oracle is exact `Decimal` arithmetic on the candidate string; the regexes must also survive
the two consumers: Lark's lexer (leftmost-first `re.match`) and llguidance's grammar compiler.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal

import lark
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dslgen.grammar.numeric import decimal_range_regex

# The catalog's ranges: (kwargs, admitted numerals, refused numerals).
CATALOG_RANGES = [
    (
        {"lo": 0.05, "hi": 2.0},
        ["0.05", "0.050", "0.1", "0.10", "1", "1.999", "2", "2.0", "2.00", "2.000"],
        ["0.04", "0.049", "0", "2.01", "2.001", "3", "0.0500", "02", ".5", "2.", "-1", "1.2345"],
    ),
    (
        {"lo": 1, "hi": 64, "integer": True},
        ["1", "9", "10", "59", "63", "64"],
        ["0", "65", "01", "640", "1.0", "100", ""],
    ),
    (
        {"lo": 0, "hi": None},
        ["0", "0.0", "0.001", "7", "10.5", "123456789012.125"],
        ["-1", "00", "1.0001", "1.", ".1", "01"],
    ),
    (
        {"lo": 0, "hi": 10, "lo_exclusive": True},
        ["0.001", "0.1", "5", "9.999", "10", "10.0", "10.000"],
        ["0", "0.0", "0.000", "10.001", "11", "100"],
    ),
    (
        {"lo": 0.01, "hi": 10},
        ["0.01", "0.010", "0.5", "10", "10.00"],
        ["0.009", "0", "0.0", "10.01", "11"],
    ),
    (
        {"lo": 10, "hi": 10000},
        ["10", "10.0", "99.999", "9999.5", "10000", "10000.000"],
        ["9.999", "9", "10000.001", "10001", "010", "100000"],
    ),
    (
        {"lo": 10, "hi": 10000, "integer": True},
        ["10", "11", "999", "1000", "10000"],
        ["9", "10.0", "10001", "0010"],
    ),
    (
        {"lo": 0.01, "hi": 100000},
        ["0.01", "1", "99999.999", "100000", "100000.0"],
        ["0.001", "100000.001", "100001", "1000000"],
    ),
]


@pytest.mark.parametrize(("kwargs", "admitted", "refused"), CATALOG_RANGES)
def test_catalog_ranges(kwargs: dict, admitted: list[str], refused: list[str]) -> None:
    regex = decimal_range_regex(**kwargs)
    assert len(regex) < 2000
    assert not re.search(r"\(\?[=!<]|\{|\*\?|\+\?|\?\?|\^|\$", regex), regex
    for numeral in admitted:
        assert re.fullmatch(regex, numeral), (numeral, regex)
    for numeral in refused:
        assert not re.fullmatch(regex, numeral), (numeral, regex)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lo": -1, "hi": 2},
        {"lo": 0, "hi": -0.5},
        {"lo": 2, "hi": 1},
        {"lo": 1, "hi": 1, "lo_exclusive": True},
        {"lo": 0.0001, "hi": 0.0009},  # no 3-decimal numeral in between
        {"lo": 1.5, "hi": 1.9, "integer": True},
        {"lo": 0, "hi": float("inf")},
        {"lo": 0, "hi": 1, "max_decimals": -1},
    ],
)
def test_invalid_or_empty_ranges_raise(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        decimal_range_regex(**kwargs)


# ---------------------------------------------------------------- property test against Decimal

decimals_st = st.integers(min_value=0, max_value=3)
bound_st = st.builds(
    lambda mantissa, places: Decimal(mantissa).scaleb(-places),
    st.integers(min_value=0, max_value=2_000_000),
    decimals_st,
)


def _is_canonical(numeral: str, decimals: int) -> bool:
    fraction = rf"(?:\.[0-9]{{1,{decimals}}})?" if decimals else ""
    return re.fullmatch(rf"(?:0|[1-9][0-9]*){fraction}", numeral) is not None


def _admits(numeral: str, lo: Decimal, hi: Decimal | None, decimals: int, exclusive: bool) -> bool:
    if not _is_canonical(numeral, decimals):
        return False
    value = Decimal(numeral)
    above = value > lo if exclusive else value >= lo
    return above and (hi is None or value <= hi)


def _range_is_empty(lo: Decimal, hi: Decimal | None, decimals: int, exclusive: bool) -> bool:
    step = Decimal(1).scaleb(-decimals)
    smallest = lo.quantize(step, rounding=ROUND_CEILING)
    if exclusive and smallest == lo:
        smallest += step
    return hi is not None and smallest > hi


def _near(value: Decimal) -> list[str]:
    """The value written in several ways, and its neighbours at every decimal place."""
    out = [f"{value:f}", f"{value.normalize():f}", f"{value:.4f}", f"{value:.1f}", f"{value:.0f}"]
    for places in range(5):
        delta = Decimal(1).scaleb(-places)
        out += [f"{value + delta:f}", f"{value - delta:f}"]
    return out


numeral_st = st.one_of(
    st.builds(  # canonical numerals with 0..4 decimals
        lambda whole, fraction: str(whole) + (f".{fraction}" if fraction else ""),
        st.integers(min_value=0, max_value=3_000_000),
        st.text("0123456789", max_size=4),
    ),
    st.from_regex(
        r"0[0-9]{1,3}(\.[0-9]{1,2})?|\.[0-9]{1,3}|[1-9][0-9]{0,3}\.|9{7,30}", fullmatch=True
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    lo=st.one_of(st.just(Decimal(0)), bound_st),
    span=st.one_of(st.none(), bound_st),
    decimals=decimals_st,
    integer=st.booleans(),
    exclusive=st.booleans(),
    as_float=st.booleans(),
    extra=st.lists(numeral_st, max_size=20),
)
@example(  # the -width range: "2.0" is in, "2.01" is out
    lo=Decimal("0.05"),
    span=Decimal("1.95"),
    decimals=3,
    integer=False,
    exclusive=False,
    as_float=True,
    extra=["2.0", "2.01"],
)
def test_matches_exactly_the_range(
    lo: Decimal,
    span: Decimal | None,
    decimals: int,
    integer: bool,
    exclusive: bool,
    as_float: bool,
    extra: list[str],
) -> None:
    hi = None if span is None else lo + span
    effective = 0 if integer else decimals
    to_arg = float if as_float else (lambda d: d)
    kwargs = {"integer": integer, "max_decimals": decimals, "lo_exclusive": exclusive}
    if _range_is_empty(lo, hi, effective, exclusive):
        with pytest.raises(ValueError):
            decimal_range_regex(to_arg(lo), None if hi is None else to_arg(hi), **kwargs)
        return
    regex = decimal_range_regex(to_arg(lo), None if hi is None else to_arg(hi), **kwargs)
    compiled = re.compile(regex)
    candidates = extra + _near(lo) + ([] if hi is None else _near(hi))
    candidates += ["0", "00", "01", "00.5", "1", "9" * 25, "1" + "0" * 25 + ".5", "", "."]
    for numeral in candidates:
        expected = _admits(numeral, lo, hi, effective, exclusive)
        assert (compiled.fullmatch(numeral) is not None) == expected, (numeral, regex)
        if expected:  # Lark's lexer takes the first alternative that matches a prefix
            assert compiled.match(numeral + " x").end() == len(numeral), (numeral, regex)


# ---------------------------------------------------------------- the regexes inside grammars


def _grammar(regex: str) -> str:
    return f'start: "-width " NUM\nNUM: /{regex}/\n'


LARK_CASES = [
    ({"lo": 0.05, "hi": 2.0}, ["0.05", "1.5", "2", "2.0"], ["0.04", "2.01", "20"]),
    ({"lo": 1, "hi": 64, "integer": True}, ["1", "9", "64"], ["0", "65", "01", "6.4"]),
    ({"lo": 10, "hi": 10000}, ["10", "100.25", "10000.0"], ["9.5", "10000.5"]),
    ({"lo": 0, "hi": None}, ["0", "12345.678"], ["1.2345", "007"]),
]


@pytest.mark.parametrize(("kwargs", "admitted", "refused"), LARK_CASES)
def test_lark_terminal(kwargs: dict, admitted: list[str], refused: list[str]) -> None:
    parser = lark.Lark(_grammar(decimal_range_regex(**kwargs)), parser="lalr")
    for numeral in admitted:
        tree = parser.parse(f"-width {numeral}")
        assert [str(token) for token in tree.children] == [numeral]
    for numeral in refused:
        with pytest.raises(lark.exceptions.LarkError):
            parser.parse(f"-width {numeral}")


class _ByteTokenizer:
    """One token per byte plus EOS: lets llguidance match strings without a model tokenizer."""

    eos_token_id = 256
    bos_token_id = None
    tokens = [bytes([i]) for i in range(256)] + [b"<eos>"]
    special_token_ids = [256]

    def __call__(self, text: str | bytes) -> list[int]:
        return list(text.encode() if isinstance(text, str) else text)


@pytest.mark.parametrize(("kwargs", "admitted", "refused"), LARK_CASES)
def test_llguidance_accepts_and_enforces(
    kwargs: dict, admitted: list[str], refused: list[str]
) -> None:
    llguidance = pytest.importorskip("llguidance")
    grammar = llguidance.grammar_from("lark", _grammar(decimal_range_regex(**kwargs)))
    assert llguidance.LLMatcher.validate_grammar(grammar) == ""
    tokenizer = llguidance.LLTokenizer(llguidance.TokenizerWrapper(_ByteTokenizer()))

    def accepts(numeral: str) -> bool:
        matcher = llguidance.LLMatcher(tokenizer, grammar, log_level=0)
        consumed = matcher.consume_tokens(tokenizer.tokenize_bytes(f"-width {numeral}".encode()))
        return consumed and matcher.is_accepting()

    assert all(accepts(numeral) for numeral in admitted)
    assert not any(accepts(numeral) for numeral in refused)
