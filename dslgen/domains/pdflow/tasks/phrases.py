"""How people write numbers, units, layers and constraints in instructions.

Varied on purpose: the model must map "200 nm", "0.2 µm" and "0.2um" to the same value, "metal 3"
to M3, "two" to 2. Every choice is drawn from the caller's `rng`, so the same seed gives the
same text.
"""

from __future__ import annotations

import random

NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    12: "twelve",
    16: "sixteen",
    20: "twenty",
}


def fmt(value: float) -> str:
    """A decimal without float noise: 0.2, 1.25, 10."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def count(n: int, rng: random.Random) -> str:
    """An integer, sometimes in words."""
    return NUMBER_WORDS[n] if n in NUMBER_WORDS and rng.random() < 0.4 else str(n)


def length(um: float, rng: random.Random) -> str:
    """A length in µm written one of several ways (um, µm, micrometres, nm)."""
    nm = round(um * 1000, 6)
    options = [
        f"{fmt(um)} um",
        f"{fmt(um)}um",
        f"{fmt(um)} µm",
        f"{fmt(um)} micrometres",
        f"{fmt(um)} microns",
    ]
    if float(nm).is_integer():
        options += [f"{int(nm)} nm", f"{int(nm)}nm", f"{int(nm)} nanometres"]
    return rng.choice(options)


def dsl_length(um: float, rng: random.Random) -> str:
    """A DSL length literal: um or nm (both valid), as an engineer would write it."""
    nm = round(um * 1000, 6)
    if float(nm).is_integer() and nm >= 10 and rng.random() < 0.35:
        return f"{int(nm)}nm"
    return f"{fmt(um)}um"


def layer(name: str, rng: random.Random) -> str:
    """M3 as `M3`, `metal 3`, `metal layer 3` or `layer M3`."""
    number = name[1:]
    return rng.choice(
        [name, f"metal {number}", f"metal layer {number}", f"layer {name}", f"M{number}"]
    )


def net_ref(net: str, rng: random.Random) -> str:
    return rng.choice([net, f"net {net}", f"the {net} net", f"`{net}`"])


CONSTRAINTS = [
    "Do not touch other nets.",
    "Leave every other net as it is.",
    "Change nothing else.",
    "Keep the rest of the design unchanged.",
    "",
    "",
    "",
]


def constraint(rng: random.Random) -> str:
    return rng.choice(CONSTRAINTS)
