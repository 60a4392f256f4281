"""The Tcl syntax layer: real Tcl decides, command by command, with line numbers.

Three checks, cheapest first: the word splitter (`dslgen.tcl.words`, which mirrors Tcl's parse
rules and gives the precise line), Tcl's `info complete` on the whole script, and Tcl's bytecode
compiler on the script and on every body (which also catches expression errors such as
`if {$x >} {...}`). Nothing is executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dslgen.records import Error
from dslgen.tcl.engine import compile_errors, info_complete
from dslgen.tcl.walk import Visited, script_words, walk
from dslgen.tcl.words import Command, TclParseError, TclSource

# Tcl's messages → how to repair them. Also the test table for the syntax layer.
SYNTAX_HINTS = {
    "missing close-brace": "add the closing } for the { opened on this line",
    "missing close-bracket": "close the [ command substitution with ]",
    'missing "': 'close the string with "',
    "missing )": "close the array index with )",
    "extra characters after close-brace": "put a space after the closing } (or escape the brace)",
    "extra characters after close-quote": 'put a space after the closing "',
    "missing close-brace for variable name": "close ${name} with }",
    "missing operand": "an operator needs an operand on both sides",
}


def hint_for(message: str) -> str:
    message = message.removeprefix("expression syntax error: ")
    for prefix, hint in SYNTAX_HINTS.items():
        if message.startswith(prefix):
            return hint
    if "command substitution nested deeper" in message:
        return "flatten the nested [..] substitutions into variables"
    return "fix the Tcl syntax of this command"


@dataclass
class ParsedScript:
    """A script that passed the syntax layer: its source and every command, walked once."""

    source: TclSource
    commands: list[Command]
    visited: list[Visited] = field(default_factory=list)


def _error(line: int, message: str) -> Error:
    return Error("tcl_syntax", line, message, hint_for(message), layer="syntax")


def check_tcl_syntax(text: str) -> tuple[ParsedScript | None, list[Error]]:
    """Return the parsed script (None if it does not parse) and the syntax errors found."""
    source = TclSource(text)
    try:
        commands = source.commands()
        visited = list(walk(source, commands))
    except TclParseError as exc:
        return None, [_error(exc.line, exc.message)]
    except RecursionError:  # bodies nested hundreds deep: refuse rather than crash
        return None, [_error(1, "command substitution nested deeper than the validator allows")]
    if not info_complete(text):
        return None, [_error(1, "script is incomplete: unbalanced braces, brackets or quotes")]
    errors = _compile_check(source, text, 0)
    for item in visited:
        for word in script_words(item.command):
            if word.kind == "braced":
                body = text[word.content_start : word.content_end]
                errors.extend(_compile_check(source, body, word.content_start))
    unique = {(e.line, e.message): e for e in errors}
    if unique:
        return None, sorted(unique.values(), key=lambda e: e.line)
    return ParsedScript(source, commands, visited), []


def _compile_check(source: TclSource, script: str, base: int) -> list[Error]:
    return [
        _error(source.line_of(base + err.offset), _describe(err.message))
        for err in compile_errors(script)
    ]


def _describe(message: str) -> str:
    if message.startswith("missing operand") or "in expression" in message:
        return f"expression syntax error: {message}"
    return message
