"""Read a Lark grammar file as ordered definitions, replace some, and write it back.

The decoding-grammar compilers keep a grammar file's structural rules and replace the rules a
catalog determines. Lark has no "override" across files that llguidance also understands, so
this works on the text: a definition starts at column 0 with `name:` (rules, `?rule`, `_rule`)
or `NAME:` (terminals) and continues on indented lines; `//` comment lines are dropped.
"""

from __future__ import annotations

import re

from dslgen.errors import GrammarError

_DEFINITION = re.compile(r"^([?!]?[A-Za-z_][A-Za-z0-9_]*)(\.\d+)?\s*:(.*)$")


def read_definitions(text: str) -> dict[str, str]:
    """Map each rule/terminal name (without `?`) to its full definition text, in file order."""
    definitions: dict[str, str] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        m = _DEFINITION.match(line)
        if m and not line[0].isspace():
            current = m.group(1).lstrip("?!")
            definitions[current] = line.rstrip()
        elif current is not None and line[0].isspace():
            definitions[current] += "\n" + line.rstrip()
        else:
            raise GrammarError(f"grammar line {number}: cannot read {stripped!r}")
    return definitions


def replace_definitions(base: dict[str, str], replacements: dict[str, str]) -> str:
    """Grammar text with `replacements` (name -> full definition) put in place of, or after, `base`."""
    unknown_kept = {**base}
    for name, definition in replacements.items():
        unknown_kept[name] = definition
    return "\n".join(unknown_kept.values()) + "\n"
