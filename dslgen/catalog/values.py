"""Type-check one value against a catalog spec (a proc flag, a variable or a DSL property).

Used statically by the policy layer (on literal words) and at run time by the semantic layer (on
the substituted values), so both layers give the same message and hint for the same mistake.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from dslgen.catalog.model import ArgSpec, DslProperty, VariableSpec

Spec = ArgSpec | DslProperty | VariableSpec

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NUMBER_WITH_UNIT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([A-Za-zµ]+)$")
_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a value: an error class of the spec, a message and a repair hint."""

    cls: str
    message: str
    hint: str


def nearest(value: str, candidates: list[str]) -> str | None:
    """The candidate a user most likely meant: same stem with the closest number, else closest text."""
    if not candidates:
        return None
    if value in candidates:
        return value
    lowered = {c.lower(): c for c in candidates}
    if value.lower() in lowered:
        return lowered[value.lower()]
    m = _TRAILING_NUMBER.match(value)
    if m:
        stem, number = m.group(1), int(m.group(2))
        numbered = [
            (abs(int(cm.group(2)) - number), c)
            for c in candidates
            if (cm := _TRAILING_NUMBER.match(c)) and cm.group(1).lower() == stem.lower()
        ]
        if numbered:
            return min(numbered)[1]
    close = difflib.get_close_matches(value, candidates, n=1, cutoff=0.4)
    return close[0] if close else None


def describe_values(values: list[str]) -> str:
    """`M1..M6` for a numbered run, else `a|b|c`."""
    matches = [_TRAILING_NUMBER.match(v) for v in values]
    if len(values) > 2 and all(matches):
        stems = {m.group(1) for m in matches if m}
        numbers = [int(m.group(2)) for m in matches if m]
        if len(stems) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{values[0]}..{values[-1]}"
    return "|".join(values)


def format_number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def check_enum(label: str, raw: str, values: list[str]) -> Problem | None:
    if raw in values:
        return None
    suggestion = nearest(raw, values)
    hint = f"nearest: {suggestion}" if suggestion else f"use one of {describe_values(values)}"
    return Problem("bad_enum", f"{label} {raw} is not one of {describe_values(values)}", hint)


def check_range(label: str, value: float, spec: Spec, shown: str) -> Problem | None:
    low, high = spec.min, spec.max
    exclusive = getattr(spec, "min_exclusive", False)
    too_low = low is not None and (value <= low if exclusive else value < low)
    too_high = high is not None and value > high
    if not (too_low or too_high):
        return None
    low_text = "" if low is None else format_number(low)
    high_text = "" if high is None else format_number(high)
    if low is not None and high is not None:
        bounds = f"{'above ' if exclusive else ''}{low_text}..{high_text}"
    elif low is not None:
        bounds = f"{'> ' if exclusive else '>= '}{low_text}"
    else:
        bounds = f"<= {high_text}"
    unit = f" {spec.unit}" if getattr(spec, "unit", None) else ""
    return Problem(
        "out_of_range",
        f"{label} {shown} is outside {bounds}{unit}",
        f"use a value within {bounds}{unit}",
    )


def check_number(label: str, raw: str, spec: Spec) -> tuple[float | None, Problem | None]:
    """Parse a host number (no unit allowed) and check it against the spec's type and range."""
    if not _NUMBER.match(raw.strip()):
        with_unit = _NUMBER_WITH_UNIT.match(raw.strip())
        if with_unit:
            return None, Problem(
                "bad_unit",
                f"{label} {raw}: host numbers carry no unit",
                f"write {with_unit.group(1)} (host numbers mean micrometres)",
            )
        kind = "a whole number" if spec.type == "int" else "a number"
        return None, Problem("out_of_range", f"{label} expects {kind}, got {raw!r}", f"give {kind}")
    value = float(raw)
    if spec.type == "int" and not value.is_integer():
        return None, Problem(
            "out_of_range", f"{label} expects a whole number, got {raw}", f"use {round(value)}"
        )
    problem = check_range(label, value, spec, raw)
    return (None, problem) if problem else (int(value) if spec.type == "int" else value, None)


def check_length(
    label: str, raw: str, spec: Spec, units: dict[str, float]
) -> tuple[float | None, Problem | None]:
    """Parse a DSL length such as `0.12um` or `120nm`, normalised to the first unit of `units`."""
    m = _NUMBER_WITH_UNIT.match(raw)
    unit_names = "|".join(units)
    if not m:
        if _NUMBER.match(raw):
            base = next(iter(units), "um")
            return None, Problem(
                "bad_unit",
                f"{label} {raw} has no unit",
                f"DSL lengths carry {unit_names}: write {raw}{base}",
            )
        return None, Problem(
            "bad_unit",
            f"{label} {raw} is not a length",
            f"write a number with {unit_names}, e.g. 0.1um",
        )
    number, unit = float(m.group(1)), m.group(2)
    if unit not in units:
        return None, Problem(
            "bad_unit",
            f"{label} {raw}: unit {unit} is not one of {unit_names}",
            f"write the length in {unit_names}",
        )
    value = number * units[unit]
    problem = check_range(label, value, spec, raw)
    return (None, problem) if problem else (value, None)


def check_identifier(label: str, raw: str, pattern: str) -> Problem | None:
    if re.fullmatch(pattern, raw):
        return None
    return Problem("bad_enum", f"{label} {raw!r} is not a valid name", f"names match {pattern}")


def check_path(label: str, raw: str, suffixes: list[str] | None) -> Problem | None:
    if not raw.strip():
        return Problem("bad_enum", f"{label} is empty", "give a file name")
    if suffixes and not raw.endswith(tuple(suffixes)):
        wanted = " or ".join(suffixes)
        return Problem("bad_enum", f"{label} {raw} must end {wanted}", f"e.g. design{suffixes[0]}")
    return None


def check_value(label: str, raw: str, spec: Spec, identifier: str) -> tuple[object, Problem | None]:
    """Check a host value (flag or variable) against its spec; return (parsed value, problem)."""
    if spec.type == "enum":
        return raw, check_enum(label, raw, spec.values or [])
    if spec.type in ("float", "int"):
        return check_number(label, raw, spec)
    if spec.type in ("net", "name"):
        return raw, check_identifier(label, raw, identifier)
    if spec.type == "path":
        return raw, check_path(label, raw, getattr(spec, "suffixes", None))
    return raw, None
