"""Near misses: the wrong value a person actually writes, one slip away from the right one — a
keyboard typo, a net name one off, the layer one past the last, a value just past its bound.
The mutation families (`mutate.py`) place them; these functions only invent them.
"""

from __future__ import annotations

import random
import re
from typing import Any

from dslgen.catalog.values import nearest
from dslgen.domains.pdflow.mutation_view import IDENT

_NUMBERED = re.compile(r"^(.*?)(\d+)$")
# Words people write for an enum value they half remember.
_SYNONYMS = {
    "clock": ["clk"], "signal": ["sig", "data"], "power": ["pwr"], "ground": ["gnd"],
    "low": ["min"], "medium": ["med", "normal"], "high": ["max", "hi"], "tt": ["typ", "typical"],
    "ss": ["slow", "wc"], "ff": ["fast", "bc"], "VSS": ["GND"], "VDD": ["VCC"], "N": ["R0"],
    "S": ["R180"], "E": ["R90"], "W": ["R270"], "FN": ["MX"], "FS": ["MY"],
    "horizontal": ["horiz", "h"], "vertical": ["vert", "v"],
}  # fmt: skip


def typo(
    word: str, rng: random.Random, avoid: set[str], back_to: list[str] | None = None
) -> str | None:
    """A keyboard slip after any `-` or `ns::` prefix: drop, swap or double a letter, or add an s.

    With `back_to`, only a slip whose nearest candidate is still `word` (the hint then points back).
    """
    prefix = re.match(r"^(-|\w+::)?", word).group()  # type: ignore[union-attr]
    body = word[len(prefix) :]
    for _ in range(8):
        i, kind = rng.randrange(1, max(2, len(body))), rng.choice("dxps")
        if kind == "d" and len(body) > 2:
            new = body[:i] + body[i + 1 :]
        elif kind == "x" and i < len(body) - 1:
            new = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
        else:
            new = body + "s" if kind == "s" else body[:i] + body[i - 1] + body[i:]
        new = prefix + new
        if new != word and new not in avoid and (not back_to or nearest(new, back_to) == word):
            return new
    return None


def near_name(name: str, taken: set[str], rng: random.Random) -> str | None:
    """A name one slip away from `name` that nothing in the script defines (CLK → CLK2, clk)."""
    m = _NUMBERED.match(name)
    options = [name.lower(), name + "2", name + "_N", name.replace("_", ""), name[:-1]]
    options += [f"{m[1]}{int(m[2]) + 1}"] if m else []  # one past the end of a bus
    options = [o for o in dict.fromkeys(options) if IDENT.fullmatch(o) and o not in taken]
    options = [o for o in options if not o.endswith("_")]
    return rng.choice(options) if options else None


def near_enum(value: str, values: list[str], rng: random.Random) -> str | None:
    """The nearest-but-wrong value: one past the last layer, a synonym, the wrong case."""
    options = list(_SYNONYMS.get(value, []))
    m = _NUMBERED.match(value)
    if m:
        numbers = [int(x[2]) for v in values if (x := _NUMBERED.match(v)) and x[1] == m[1]]
        options += [f"{m[1]}{max(numbers) + 1}", f"{m[1]}{min(numbers) - 1}"] if numbers else []
        options += [f"metal{m[2]}"] if m[1] == "M" else []
    options.append(value.lower() if value != value.lower() else value.upper())
    options = [o for o in dict.fromkeys(options) if o not in values and re.fullmatch(r"[\w.]+", o)]
    return rng.choice(options) if options else None


def beyond(spec: Any, rng: random.Random) -> float | None:
    """A value just past one bound of `spec` (2.0 → 2.5, 64 → 65, 0.05 → 0.04, > 0 → 0)."""
    whole, options = spec.type == "int", []
    if spec.max is not None:
        options.append(spec.max + 1 if whole else spec.max * 1.25)
    if spec.min is not None:
        low = spec.min - 1 if whole or spec.min <= 0 else spec.min * 0.8
        options.append(spec.min if getattr(spec, "min_exclusive", False) else low)
    return rng.choice(options) if options else None
