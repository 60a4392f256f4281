"""The four-layer validator of pdflow: Tcl syntax, DSL blocks, policy, semantics.

Layers run in order; a later layer runs only when it can be trusted: DSL and policy need a
parsed script, and semantics (execution) needs every static layer to pass — so a forbidden
`exec` is reported and never run.
"""

from __future__ import annotations

from typing import Any

from dslgen.catalog.model import Catalog
from dslgen.catalog.values import check_value
from dslgen.domains.pdflow.blocks import check_blocks
from dslgen.domains.pdflow.policy import PolicyChecker, command_name
from dslgen.domains.pdflow.state import DesignState, Executor, load_fixture
from dslgen.records import Error, Report
from dslgen.tcl.sandbox import Limits, run_script
from dslgen.tcl.syntax import ParsedScript, check_tcl_syntax

MAX_SCRIPT_BYTES = 1_000_000


def validate_script(
    text: str,
    catalog: Catalog,
    fixture: dict[str, Any] | None = None,
    limits: Limits | None = None,
) -> Report:
    """Validate one script; the report's `state` holds the design state when it executed cleanly.

    Raises FixtureError for a malformed fixture (a problem of the caller's input, not the script).
    """
    initial = load_fixture(fixture, catalog)
    report = Report()
    problem = _input_problem(text)
    if problem is not None:
        report.valid_syntax = False
        report.errors.append(problem)
        return report
    parsed, errors = check_tcl_syntax(text)
    if parsed is None:
        report.valid_syntax = False
        report.errors.extend(errors)
        return report
    blocks, verdicts, dsl_errors = check_blocks(parsed, catalog.dsl_command or "dsl")
    report.dsl_blocks, report.valid_dsl_blocks = verdicts, not dsl_errors
    policy_errors = PolicyChecker(catalog).check(text, parsed, blocks)
    report.policy_ok = not policy_errors
    report.errors.extend(dsl_errors + policy_errors)
    if dsl_errors or policy_errors:
        return report
    state, error = execute_parsed(text, parsed, catalog, initial, limits)
    report.semantics_ok = error is None
    if error is None:
        report.state = state.to_json()
    else:
        report.errors.append(error)
    return report


def execute_parsed(
    text: str, parsed: ParsedScript, catalog: Catalog, state: DesignState, limits: Limits | None
) -> tuple[DesignState, Error | None]:
    """Run a script that passed the static layers in the sandbox, building `state`."""
    executor = Executor(catalog, state)
    variables = {name: str(spec.default) for name, spec in catalog.variables.items()}
    result = run_script(
        text,
        parsed.commands,
        parsed.visited,
        executor.handlers(),
        set(catalog.policy.allowed_commands) - {"package"},
        variables,
        limits,
        read_back=sorted(variables),
    )
    if result.error is not None:
        return state, result.error
    return state, _apply_variables(result.variables, parsed, catalog, state)


def _apply_variables(
    values: dict[str, str], parsed: ParsedScript, catalog: Catalog, state: DesignState
) -> Error | None:
    """Check the final values of catalog variables and copy them into the state."""
    for name, raw in values.items():
        spec = catalog.variables[name]
        value, problem = check_value(name, raw, spec, catalog.identifier_pattern)
        if problem is not None:
            line = _last_set_line(parsed, name)
            return Error(problem.cls, line, problem.message, problem.hint, layer="semantics")
        if name == "::tech::corner":
            state.corner = str(value)
        elif name == "::flow::max_fanout":
            state.max_fanout = int(value)  # type: ignore[arg-type]
    return None


def _last_set_line(parsed: ParsedScript, variable: str) -> int:
    lines = [
        v.command.line
        for v in parsed.visited
        if command_name(v.command) == "set"
        and len(v.command.words) >= 2
        and "::" + (v.command.words[1].literal or "").lstrip(":") == variable
    ]
    return lines[-1] if lines else 1


def _input_problem(text: str) -> Error | None:
    """Refuse input that is not a script at all, with a sentence saying what to do."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_SCRIPT_BYTES:
        return Error(
            "tcl_syntax",
            0,
            f"script is {size / 1e6:.1f} MB; scripts over {MAX_SCRIPT_BYTES // 1_000_000} MB are not validated",
            "split the script into smaller files",
            layer="syntax",
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return Error(
            "tcl_syntax",
            line,
            "the file contains NUL bytes: it is binary, not a Tcl script",
            "validate the Tcl source file, not a binary",
            layer="syntax",
        )
    return None
