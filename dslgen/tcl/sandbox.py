"""Run untrusted Tcl in a safe interpreter, with mocks recording what it does.

Generated code is never evaluated in a full interpreter. Each run gets a fresh
`interp create -safe` (no exec, open, socket, file, source, load), in which every command not
explicitly allowed is hidden, a command-count, time and recursion limit is set, and the domain's
procs are `interp alias`es to Python handlers that check arguments and build the state.

A handler signals a problem by raising `ScriptError`; execution stops there, as it would in the
real tool. Lines are recovered from Tcl's error trace against the statically walked commands.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dslgen.records import Error
from dslgen.tcl.engine import tcl
from dslgen.tcl.walk import Visited
from dslgen.tcl.words import Command

Handler = Callable[[list[str], "Invocation"], str]

_ids = itertools.count()
HARNESS = Path(__file__).resolve().parents[2] / "validators" / "sandbox.tcl"
_DISPATCH = "::dslgen_dispatch"
_TRACE_TEXT = re.compile(r'(?:while executing|invoked from within)\n"(.*?)"(?=\n    |\Z)', re.S)
_PROC_FRAME = re.compile(r'\(procedure "([^"]+)" line (\d+)\)')


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run: commands executed, wall-clock seconds, nesting depth."""

    commands: int = 200_000
    seconds: float = 1.0
    recursion: int = 200


class ScriptError(Exception):
    """Raised by a handler: the script did something the domain rejects.

    `line_offset`, when given, is added to the line of the calling command's first argument (for
    errors inside a DSL block: the 0-based line within the block text).
    """

    def __init__(
        self, cls: str, message: str, hint: str = "", line_offset: int | None = None
    ) -> None:
        super().__init__(message)
        self.cls, self.message, self.hint, self.line_offset = cls, message, hint, line_offset


@dataclass
class Invocation:
    """What a handler knows of the call besides its arguments."""

    command: str


@dataclass
class RunResult:
    """How a run ended: the error (None if it completed) and what the script printed."""

    error: Error | None
    output: list[str] = field(default_factory=list)
    seconds: float = 0.0
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class _Run:
    interp_name: str
    handlers: dict[str, Handler]
    output: list[str]
    raised: ScriptError | None = None
    frame: tuple[str, int, str | None] | None = None  # (type, line, proc) of the failing call


_current: dict[int, _Run] = {}


def _dispatch(run_id: str, command: str, *args: str) -> str:
    run = _current[int(run_id)]
    if command == "puts":
        run.output.append(args[-1] if args else "")
        return ""
    try:
        return run.handlers[command](list(args), Invocation(command))
    except ScriptError as exc:
        run.raised, run.frame = exc, _calling_frame(run.interp_name, command)
        raise


def _calling_frame(name: str, command: str) -> tuple[str, int, str | None] | None:
    """Where the script called `command`: Tcl's `info frame` of the innermost such call."""
    interp = tcl()
    depth = int(interp.call("interp", "invokehidden", name, "info", "frame"))
    for level in range(depth, 0, -1):
        frame = interp.call("interp", "invokehidden", name, "info", "frame", level)
        info = dict(zip(frame[::2], frame[1::2], strict=False))
        if str(info.get("cmd", "")).lstrip(":").startswith(command.lstrip(":")) and "line" in info:
            proc = str(info["proc"]) if info.get("type") == "proc" else None
            return str(info.get("type")), int(info["line"]), proc
    return None


def run_script(
    text: str,
    top_level: list[Command],
    visited: list[Visited],
    handlers: dict[str, Handler],
    allowed_commands: set[str],
    variables: dict[str, str],
    limits: Limits | None = None,
    read_back: list[str] | None = None,
) -> RunResult:
    """Execute `text` in a fresh safe interpreter; return how it ended.

    `handlers` maps command names (e.g. `my::route`, `dsl`, `package`) to Python callables;
    `allowed_commands` are Tcl built-ins left visible; `variables` are preset globals
    (namespace-qualified names get their namespace created); `read_back` names globals whose
    final values the result reports.
    """
    limits = limits or Limits()
    cpu_started = time.process_time()
    result = _run_once(
        text, top_level, visited, handlers, allowed_commands, variables, limits, read_back
    )
    starved = time.process_time() - cpu_started < limits.seconds / 2
    if (
        result.error is not None
        and result.error.cls == "runtime_limit"
        and "time limit" in result.error.message
        and starved
    ):
        # The wall clock ran out while this process barely ran (a loaded machine): not the
        # script's fault. Run it once more with a longer clock; the command limit still holds.
        longer = Limits(limits.commands, limits.seconds * 4, limits.recursion)
        result = _run_once(
            text, top_level, visited, handlers, allowed_commands, variables, longer, read_back
        )
    return result


def _run_once(
    text, top_level, visited, handlers, allowed_commands, variables, limits, read_back
) -> RunResult:  # noqa: ANN001
    interp = tcl()
    if not interp.call("info", "commands", _DISPATCH):
        interp.createcommand(_DISPATCH.lstrip(":"), _dispatch)
    run_id = next(_ids)
    name = f"dslgen_sandbox_{run_id}"
    run = _Run(name, handlers, [])
    _current[run_id] = run
    started = time.perf_counter()
    try:
        _prepare(interp, name, run_id, handlers, allowed_commands, variables, limits)
        interp.setvar("::dslgen_script", text)  # passed as a value, never interpolated
        code = interp.call(
            "catch", f"{name} eval $::dslgen_script", "::dslgen_msg", "::dslgen_opts"
        )
        error = None if int(code) in (0, 2) else _classify(interp, run, top_level, visited)
        final = {} if error else _read_variables(interp, name, read_back or [])
    finally:
        if interp.call("interp", "exists", name):
            interp.call("interp", "delete", name)
        del _current[run_id]
    return RunResult(error, run.output, time.perf_counter() - started, final)


def _read_variables(interp, name: str, names: list[str]) -> dict[str, str]:  # noqa: ANN001
    """Final values of global variables (the limits are lifted first so the reads can run)."""
    interp.call("interp", "limit", name, "commands", "-value", "")
    interp.call("interp", "limit", name, "time", "-seconds", "", "-milliseconds", "")
    return {var: str(interp.call(name, "eval", ["set", var])) for var in names}


def _prepare(interp, name, run_id, handlers, allowed, variables, limits) -> None:  # noqa: ANN001
    """Create the safe interpreter, hide, alias and limit it: one call into validators/sandbox.tcl."""
    if not interp.call("info", "procs", "dslgen_prepare_sandbox"):
        interp.call("source", str(HARNESS))
    deadline_ms = int(time.time() * 1000 + limits.seconds * 1000)
    variable_dict = [item for pair in variables.items() for item in pair]
    interp.call(
        "dslgen_prepare_sandbox",
        name,
        _DISPATCH,
        run_id,
        tuple(sorted(allowed)),
        tuple(handlers),
        tuple(variable_dict),
        limits.commands,
        deadline_ms,
        limits.recursion,
    )


def _classify(interp, run: _Run, top_level: list[Command], visited: list[Visited]) -> Error:  # noqa: ANN001
    message = str(interp.getvar("::dslgen_msg"))
    options = interp.call("dict", "get", interp.getvar("::dslgen_opts"), "-errorinfo")
    raised = run.raised
    command = _frame_command(run, visited) if raised else None
    command = command or locate_command(str(options), top_level, visited)
    line = command.line if command else 1
    if raised is not None:
        if raised.line_offset is not None and command is not None and len(command.words) > 1:
            line = command.words[1].line + raised.line_offset
        return Error(raised.cls, line, raised.message, raised.hint, layer="semantics")
    return _native_error(message, line)


def _frame_command(run: _Run, visited: list[Visited]) -> Command | None:
    """The walked command at the frame `info frame` reported for a failing handler call."""
    if run.frame is None:
        return None
    kind, line, proc = run.frame
    if kind == "proc" and proc:
        definition = next(
            (
                v.command
                for v in visited
                if v.command.name == "proc"
                and len(v.command.words) == 4
                and _proc_name(v.command.words[1].literal) == _proc_name(proc)
            ),
            None,
        )
        if definition is None:
            return None
        line = definition.words[3].line + line - 1
        candidates = [v.command for v in visited if _proc_name(v.in_proc) == _proc_name(proc)]
    else:
        candidates = [v.command for v in visited if v.in_proc is None]
    return next((c for c in candidates if c.line == line), None)


def _native_error(message: str, line: int) -> Error:
    """Classify an error raised by Tcl itself (not by a domain handler)."""
    if "limit exceeded" in message or "too many nested evaluations" in message:
        return Error(
            "runtime_limit",
            line,
            f"execution stopped: {message}",
            "the script runs too long or recurses too deep; bound its loops",
            layer="semantics",
        )
    if message.startswith("invalid command name"):
        return Error(
            "unknown_proc",
            line,
            message,
            "only catalog procs, allowed Tcl commands and procs the script defines can run",
            layer="semantics",
        )
    if message.startswith(("extra characters", "missing close", 'missing "')):
        return Error(
            "tcl_syntax", line, message, "fix the Tcl syntax of this command", layer="semantics"
        )
    return Error(
        "tcl_syntax",
        line,
        f"Tcl error: {message}",
        "fix the Tcl code of this command",
        layer="semantics",
    )


def locate_command(
    error_info: str, top_level: list[Command], visited: list[Visited]
) -> Command | None:
    """The script command an error trace points at (innermost match), or None.

    Tcl's trace lists the failing command's text, then each enclosing command's, outermost last
    (texts over 150 bytes end in "..."); a `(procedure "p" line N)` frame says which proc body.
    """
    texts = _TRACE_TEXT.findall(error_info)
    procs = _PROC_FRAME.findall(error_info)
    in_proc = procs[0][0].lstrip(":") if procs else None
    candidates = [v for v in visited if _proc_name(v.in_proc) == in_proc] or visited
    top = _outermost(texts, top_level)
    for text in texts:
        matches = [v.command for v in candidates if _same_text(v.command, text)]
        if top is not None and in_proc is None:
            inside = [c for c in matches if top.start <= c.start < top.end]
            matches = inside or matches
        if matches:
            return matches[0]
    return top


def _proc_name(name: str | None) -> str | None:
    return name.lstrip(":") if name else None


def _same_text(command: Command, text: str) -> bool:
    """Does a trace text (possibly truncated with "...") show this command?"""
    if text.endswith("..."):
        return bool(text[:-3]) and command.text.startswith(text[:-3])
    return command.text.rstrip() == text.rstrip()


def _outermost(texts: list[str], top_level: list[Command]) -> Command | None:
    for text in reversed(texts):
        for command in top_level:
            if _same_text(command, text):
                return command
    return None
