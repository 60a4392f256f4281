"""Access to real Tcl 8.6, embedded in-process through tkinter (no subprocess per script).

Tcl interpreters belong to the thread that created them, so each thread gets its own.
`compile_errors` asks Tcl's own bytecode compiler about a script without running it: Tcl compiles
a parse or expression error into a `syntax` instruction, which `tcl::unsupported::disassemble`
shows together with the source range of the command it belongs to.
"""

from __future__ import annotations

import re
import threading
import tkinter
from dataclasses import dataclass

_local = threading.local()
_COMMAND_RANGE = re.compile(r"(\d+): pc (\d+)-(\d+), src (\d+)-(\d+)")
_INSTRUCTION = re.compile(r"^\s+\((\d+)\) (\w+)(.*)$")
_LITERAL = re.compile(r'# "(.*)"\s*$')


def tcl() -> tkinter.Tcl:
    """This thread's Tcl interpreter (created on first use, ~5 ms)."""
    interp = getattr(_local, "interp", None)
    if interp is None:
        interp = tkinter.Tcl()
        _local.interp = interp
    return interp


def info_complete(script: str) -> bool:
    """Tcl's own verdict on whether braces, brackets and quotes of `script` are balanced.

    `info complete` asks for one more line after a final backslash-newline (and not after a
    final lone backslash); a script file is complete if either form is.
    """
    interp = tcl()
    return any(
        interp.call("info", "complete", s) in (1, "1", True) for s in (script, script + "\n")
    )


@dataclass(frozen=True)
class CompileError:
    """A syntax error found by Tcl's compiler: its message and character offset in the script."""

    message: str
    offset: int


def compile_errors(script: str) -> list[CompileError]:
    """Syntax errors Tcl's compiler finds in `script` (commands are compiled, never executed).

    Bodies of control commands are compiled only when Tcl can inline them; callers that need
    every body checked call this on each body too (see `dslgen.tcl.syntax`).
    """
    listing = tcl().call("tcl::unsupported::disassemble", "script", script)
    ranges = [tuple(int(g) for g in m.groups()[1:]) for m in _COMMAND_RANGE.finditer(listing)]
    # A syntax instruction follows two pushes: the message, then the return options.
    errors, literals = [], ["", ""]
    for line in listing.splitlines():
        m = _INSTRUCTION.match(line)
        if not m:
            continue
        pc, op, rest = int(m.group(1)), m.group(2), m.group(3)
        literal = _LITERAL.search(rest)
        if op.startswith("push") and literal:
            literals.append(literal.group(1))
        elif op == "syntax":
            errors.append(CompileError(_clean(literals[-2]), _source_offset(script, ranges, pc)))
    return errors


def _source_offset(script: str, ranges: list[tuple[int, ...]], pc: int) -> int:
    """Character offset of the innermost command whose bytecode contains `pc` (0 if none)."""
    containing = [r for r in ranges if r[0] <= pc <= r[1]]
    if not containing:
        return 0
    byte_offset = min(containing, key=lambda r: r[1] - r[0])[2]
    return len(script.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _clean(literal: str) -> str:
    """The first line of a disassembled message literal, without Tcl's escapes and `...`."""
    text = literal.replace('\\"', '"').split("\\n")[0]
    text = text.removesuffix("...").replace("_@_", "").strip().removesuffix(" at")
    return text or "syntax error"
