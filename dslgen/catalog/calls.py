"""Check the arguments of a call to a catalog proc: flags, values, required flags.

Words are given as strings, or None for a word whose value is only known at run time
(`-net $n`); such values are checked later by the semantic layer with the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dslgen.catalog.model import ProcSpec
from dslgen.catalog.values import Problem, check_value, describe_values, nearest


@dataclass
class CheckedCall:
    """The flags of one call with their parsed values, and what is wrong with it."""

    args: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _example_value(spec) -> str:  # noqa: ANN001
    if spec.values:
        return describe_values(spec.values)
    return {"net": "NET", "name": "NAME", "path": "FILE", "int": "N", "float": "X"}.get(
        spec.type, "VALUE"
    )


def check_call(proc: str, spec: ProcSpec, words: list[str | None], identifier: str) -> CheckedCall:
    """Check `words` (the arguments after the proc name) against the proc's flags."""
    result, flags = CheckedCall(), [a.flag for a in spec.args]
    suggested: set[str] = set()  # flags an unknown-flag hint already points at
    i = 0
    while i < len(words):
        word = words[i]
        if word is None:  # a computed flag name: only the run can tell
            i += 2
            continue
        arg = spec.arg(word)
        if arg is None:
            suggestion = nearest(word, flags)
            if word.startswith("-"):
                message = f"{proc} has no flag {word}"
            else:
                message = f"{proc}: unexpected argument {word!r} (arguments come as -flag value)"
            hint = f"nearest: {suggestion}" if suggestion else f"flags are {' '.join(flags)}"
            suggested.add(suggestion or "")
            result.problems.append(Problem("unknown_flag", message, hint))
            i += 1 if not word.startswith("-") else 2
            continue
        if word in result.args:
            result.problems.append(
                Problem("unknown_flag", f"{proc}: flag {word} is given twice", "keep one of them")
            )
        if i + 1 >= len(words):
            result.problems.append(
                Problem(
                    "missing_flag",
                    f"{proc}: flag {word} has no value",
                    f"write {word} {_example_value(arg)}",
                )
            )
            break
        raw = words[i + 1]
        value, problem = (None, None) if raw is None else check_value(word, raw, arg, identifier)
        if problem:
            result.problems.append(problem)
        result.args[word] = value if raw is not None else None
        i += 2
    for arg in spec.args:
        if arg.required and arg.flag not in result.args and arg.flag not in suggested:
            result.problems.append(
                Problem(
                    "missing_flag",
                    f"{proc} needs {arg.flag}",
                    f"add {arg.flag} {_example_value(arg)}",
                )
            )
    return result
