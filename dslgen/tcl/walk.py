"""Walk every command of a Tcl script, including those inside bodies and `[...]` substitutions.

Tcl does not mark which words are scripts: that is a property of each command. This module knows
the core control commands (their script and expression arguments) and the `proc` command; a
policy check or a syntax check sees every command that could ever run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dslgen.tcl.words import Command, TclSource, Word


@dataclass(frozen=True)
class Visited:
    """A command met during the walk, with the name of the proc whose body holds it (if any)."""

    command: Command
    in_proc: str | None


def script_words(command: Command) -> list[Word]:
    """The words of `command` that Tcl evaluates as scripts (bodies)."""
    words, name = command.words, command.name
    if name == "foreach" and len(words) >= 4:
        return [words[-1]]
    if name == "while" and len(words) == 3:
        return [words[2]]
    if name == "for" and len(words) == 5:
        return [words[1], words[3], words[4]]
    if name == "proc" and len(words) == 4:
        return [words[3]]
    if name == "if":
        return _if_parts(words)[1]
    return []


def expression_words(command: Command) -> list[Word]:
    """The words of `command` that Tcl evaluates as expressions."""
    words, name = command.words, command.name
    if name == "expr":
        return words[1:]
    if name == "while" and len(words) == 3:
        return [words[1]]
    if name == "for" and len(words) == 5:
        return [words[2]]
    if name == "if":
        return _if_parts(words)[0]
    return []


def _if_parts(words: list[Word]) -> tuple[list[Word], list[Word]]:
    """Split `if e1 ?then? b1 elseif e2 ?then? b2 ... ?else? ?bN?` into conditions and bodies."""
    conditions, bodies, i = [], [], 1
    while i < len(words):
        conditions.append(words[i])
        i += 1
        if i < len(words) and words[i].literal == "then":
            i += 1
        if i >= len(words):
            break
        bodies.append(words[i])
        i += 1
        if i < len(words) and words[i].literal == "elseif":
            i += 1
            continue
        if i < len(words) and words[i].literal == "else":
            i += 1
        if i < len(words):
            bodies.append(words[i])
        break
    return conditions, bodies


def walk(
    source: TclSource, commands: list[Command], in_proc: str | None = None
) -> Iterator[Visited]:
    """Yield every command reachable from `commands`, depth first, in source order.

    Raises TclParseError when a body or substitution does not parse.
    """
    for command in commands:
        yield Visited(command, in_proc)
        for word in command.words:
            yield from walk(source, word.scripts, in_proc)
        for word in expression_words(command):
            if word.kind == "braced":
                yield from walk(source, source.substitutions(word), in_proc)
        inner = command.words[1].literal if command.name == "proc" else in_proc
        for word in script_words(command):
            if word.kind == "braced" or word.literal is not None:
                yield from walk(source, source.body(word), inner)
