"""Regular expressions that admit exactly the decimal numerals inside a numeric range.

The decoding grammar (a Lark grammar run by llguidance) should only let the model write numbers
that the catalog allows for a flag, e.g. ``-width`` in [0.05, 2.0] or ``-count`` in [1, 64]. A
terminal ``NUM: /.../`` can do that if its regex encodes the range. The regexes built here use only
what llguidance's regex engine and Python's ``re`` (Lark) both accept: literals, character classes,
non-capturing groups, alternation, ``?`` and ``*``; no anchors, lookaround, backreferences, lazy or
counted quantifiers.

Construction: with ``D = max_decimals``, a numeral ``I.f`` has the scaled value
``I * 10**D + F`` where ``F`` is ``f`` padded with trailing zeros to ``D`` digits. The scaled range
is split on the integer part: the integer parts strictly between the bounds take any fraction,
the two boundary integer parts constrain the fraction digits to a range of padded digit strings.
Both integer ranges and fraction ranges are built by the same digit-by-digit recursion.
"""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from dslgen.errors import GrammarError

__all__ = ["decimal_range_regex"]


def decimal_range_regex(
    lo: float | None,
    hi: float | None,
    *,
    integer: bool = False,
    max_decimals: int = 3,
    lo_exclusive: bool = False,
) -> str:
    """Regex (no anchors, no lookaround) matching exactly the canonical numerals x in the range.

    Admitted: ``lo <= x <= hi`` (``lo < x`` when `lo_exclusive`). ``lo=None`` means 0 (only
    non-negative numbers are supported), ``hi=None`` means no upper bound. Bounds are read as
    exact decimals of their shortest repr (``0.05`` is 5/100, not the binary float).

    Canonical numerals: an integer part without leading zeros (``0`` itself is fine), then, unless
    `integer`, an optional ``.`` followed by 1..`max_decimals` digits. Trailing zeros in the
    fraction are allowed (``2.0`` and ``2.00`` match when ``hi=2.0``; ``2.01`` does not); ``2.``,
    ``.5``, ``02`` and ``-1`` never match.

    Alternatives are ordered longest integer part first, so Python's leftmost-first ``re.match``
    (what Lark's lexer does) consumes a whole in-range numeral rather than a prefix of it;
    llguidance lexes by maximal munch and does not depend on that order.

    Raises `GrammarError` (a `ValueError`) for negative or non-finite bounds, a negative
    `max_decimals`, or a range that holds no numeral of the requested form.
    """
    if max_decimals < 0:
        raise GrammarError(f"max_decimals must be >= 0, got {max_decimals}")
    decimals = 0 if integer else max_decimals
    scale = 10**decimals
    lo_dec = _to_decimal(0 if lo is None else lo)
    hi_dec = None if hi is None else _to_decimal(hi)
    low = int((lo_dec * scale).to_integral_value(ROUND_FLOOR if lo_exclusive else ROUND_CEILING))
    low += 1 if lo_exclusive else 0
    high = None if hi_dec is None else int((hi_dec * scale).to_integral_value(ROUND_FLOOR))
    if high is not None and low > high:
        raise GrammarError(f"no numeral with {decimals} decimals lies in the range ({lo}, {hi})")

    lo_int, lo_frac = divmod(low, scale)
    hi_int, hi_frac = (None, scale - 1) if high is None else divmod(high, scale)
    zeros, nines = _digits(0, decimals), _digits(scale - 1, decimals)
    alternatives: list[tuple[float, str]] = []
    for first, last, lo_tight, hi_tight in _split(
        lo_int, hi_int, lo_frac == 0, hi_frac == scale - 1
    ):
        fraction = _fraction_re(
            _digits(lo_frac, decimals) if lo_tight else zeros,
            _digits(hi_frac, decimals) if hi_tight else nines,
        )
        alternatives += [(length, ints + fraction) for length, ints in _integer_res(first, last)]
    alternatives.sort(key=lambda item: -item[0])
    return _alt([regex for _, regex in alternatives])


def _to_decimal(bound: float) -> Decimal:
    value = Decimal(str(bound))
    if not value.is_finite() or value < 0:
        raise GrammarError(f"range bounds must be finite and >= 0, got {bound!r}")
    return value


def _digits(value: int, width: int) -> str:
    """`value` as exactly `width` digits ("" for width 0, where value is always 0)."""
    return str(value).zfill(width) if width else ""


def _split(
    a: int, b: int | None, tail_lo_is_min: bool, tail_hi_is_max: bool
) -> list[tuple[int, int | None, bool, bool]]:
    """Split the leading part of [a.tail_lo, b.tail_hi] into (first, last, lo_tight, hi_tight).

    Each piece is a range of leading values; ``lo_tight`` / ``hi_tight`` say whether the rest is
    bounded below by the lower tail / above by the upper tail (otherwise it is free). Boundary
    values whose tail bound is trivial are folded into the free middle piece. ``b=None``: no top.
    """
    if a == b:
        return [(a, a, True, True)]
    first = a if tail_lo_is_min else a + 1
    last = b if b is None or tail_hi_is_max else b - 1
    pieces: list[tuple[int, int | None, bool, bool]] = []
    if first > a:
        pieces.append((a, a, True, False))
    if last is None or first <= last:
        pieces.append((first, last, False, False))
    if b is not None and last != b:
        pieces.append((b, b, False, True))
    return pieces


def _integer_res(first: int, last: int | None) -> list[tuple[float, str]]:
    """(length, regex) per integer-part length for canonical integers in [first, last]."""
    out: list[tuple[float, str]] = []
    if first == 0:
        out.append((1, "0"))
        first = 1
    if last is not None and last < first:
        return out
    top_length = len(str(first)) if last is None else len(str(last))
    for length in range(len(str(first)), top_length + 1):
        lo_l = max(first, 10 ** (length - 1))
        hi_l = 10**length - 1 if last is None else min(last, 10**length - 1)
        out.append((length, _digits_re(str(lo_l), str(hi_l), padded=False)))
    if last is None:  # every integer longer than `first`
        out.append((math.inf, "[1-9]" + "[0-9]" * (len(str(first)) - 1) + "[0-9]+"))
    return out


def _fraction_re(lo: str, hi: str) -> str:
    r"""``\.digits`` whose zero-padded value lies in [lo, hi]; optional when lo is all zeros."""
    if not lo:
        return ""
    body = r"\." + _alt(_digits_alts(lo, hi, padded=True))
    return _opt(body) if lo.strip("0") == "" else body


def _digits_re(lo: str, hi: str, padded: bool) -> str:
    """Digit strings between the equal-length digit strings lo <= hi.

    ``padded=False``: strings of exactly ``len(lo)`` digits. ``padded=True``: strings of 0 to
    ``len(lo)`` digits compared after padding with trailing zeros (the empty string when lo is
    all zeros).
    """
    if not lo:
        return ""
    body = _alt(_digits_alts(lo, hi, padded))
    return _opt(body) if padded and lo.strip("0") == "" else body


def _digits_alts(lo: str, hi: str, padded: bool) -> list[str]:
    """Alternatives (each starting with one digit) for the non-empty strings of `_digits_re`."""
    rest = len(lo) - 1
    if lo.strip("0") == "" and hi.strip("9") == "":
        return ["[0-9]" + ("[0-9]?" if padded else "[0-9]") * rest]
    zeros, nines = "0" * rest, "9" * rest
    out = []
    for first, last, lo_tight, hi_tight in _split(
        int(lo[0]), int(hi[0]), lo[1:] == zeros, hi[1:] == nines
    ):
        assert last is not None
        tail = _digits_re(lo[1:] if lo_tight else zeros, hi[1:] if hi_tight else nines, padded)
        out.append(_digit_class(first, last) + tail)
    return out


def _digit_class(a: int, b: int) -> str:
    if a == b:
        return str(a)
    return f"[{a}{b}]" if b == a + 1 else f"[{a}-{b}]"


def _alt(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _opt(regex: str) -> str:
    atom = len(regex) == 1 or (regex[0] == "[" and regex.index("]") == len(regex) - 1)
    return regex + "?" if atom else f"(?:{regex})?"
