"""The policy layer of pdflow: header, forbidden and unknown commands, flags, enums, ranges, units.

Static: it reads literal words only. A value computed at run time (`-net $n`) is checked by the
semantic layer with the same catalog functions (`dslgen.catalog.calls`, `dslgen.catalog.values`).
"""

from __future__ import annotations

from dataclasses import dataclass

from dslgen.catalog.calls import check_call
from dslgen.catalog.model import Catalog
from dslgen.catalog.values import Problem, check_enum, check_length, check_value, nearest
from dslgen.domains.pdflow.blocks import Block
from dslgen.domains.pdflow.dsl import Statement
from dslgen.records import Error
from dslgen.tcl.syntax import ParsedScript
from dslgen.tcl.walk import Visited
from dslgen.tcl.words import Command

PACKAGE_HINT = "only `package require pdflow 1.0` is available"


def command_name(command: Command) -> str | None:
    """The command's literal name with a leading `::` dropped (`::set` is `set`)."""
    name = command.name
    return name[2:] if name and name.startswith("::") else name


def defined_procs(parsed: ParsedScript) -> set[str]:
    """Names of the helper procs the script defines with `proc NAME ARGS BODY`."""
    return {
        (v.command.words[1].literal or "").lstrip(":")
        for v in parsed.visited
        if command_name(v.command) == "proc" and len(v.command.words) == 4
    } - {""}


@dataclass
class PolicyChecker:
    catalog: Catalog

    def check(self, text: str, parsed: ParsedScript, blocks: list[Block]) -> list[Error]:
        errors = self.header(text, parsed)
        helpers = defined_procs(parsed)
        for item in parsed.visited:
            errors.extend(self.command(item, helpers))
        for block in blocks:
            for statement in block.statements:
                errors.extend(
                    Error(p.cls, block.line_of(statement.line), p.message, p.hint, layer="policy")
                    for p in self.statement(statement)
                )
        return errors

    # -- header -------------------------------------------------------------------------------
    def header(self, text: str, parsed: ParsedScript) -> list[Error]:
        policy = self.catalog.policy
        if not policy.required_header:
            return []
        errors, shebang = [], policy.required_header[0]
        first_line = text.split("\n", 1)[0].rstrip()
        if first_line != shebang:
            errors.append(
                Error(
                    "missing_header",
                    1,
                    f"line 1 must be `{shebang}`",
                    f"add `{shebang}` as line 1",
                    "policy",
                )
            )
        for required in policy.required_header[1:]:
            errors.extend(self._required_command(required, parsed))
        return errors

    def _required_command(self, required: str, parsed: ParsedScript) -> list[Error]:
        prefix = self.catalog.policy.header_before_prefix or ""
        wanted = required.split()
        found = next((c for c in parsed.commands if [w.literal for w in c.words] == wanted), None)
        first_call = next(
            (
                v.command
                for v in parsed.visited
                if prefix and (command_name(v.command) or "").startswith(prefix)
            ),
            None,
        )
        if found is None:
            line = first_call.line if first_call else 1
            return [
                Error(
                    "missing_header",
                    line,
                    f"`{required}` is missing",
                    f"add `{required}` after line 1",
                    "policy",
                )
            ]
        if first_call is not None and first_call.start < found.start:
            return [
                Error(
                    "missing_header",
                    first_call.line,
                    f"{command_name(first_call)} is called before `{required}`",
                    f"move `{required}` above line {first_call.line}",
                    "policy",
                )
            ]
        return []

    # -- host commands ------------------------------------------------------------------------
    def command(self, item: Visited, helpers: set[str]) -> list[Error]:
        command, catalog = item.command, self.catalog
        name, policy = command_name(command), catalog.policy
        if name is None:
            return []
        line = command.line

        def err(p: Problem) -> Error:
            return Error(p.cls, line, p.message, p.hint, "policy")

        spec = catalog.procs.get(name)
        if name in policy.forbidden_commands:
            replacement = spec.deprecated.replacement if spec and spec.deprecated else None
            hint = (
                f"use {replacement} instead" if replacement else "scripts may not use it; remove it"
            )
            reason = (
                f"deprecated since {spec.deprecated.since} and " if spec and spec.deprecated else ""
            )
            return [err(Problem("forbidden_proc", f"{name} is {reason}forbidden by policy", hint))]
        if spec is not None:
            words = [w.literal for w in command.words[1:]]
            return [
                err(p) for p in check_call(name, spec, words, catalog.identifier_pattern).problems
            ]
        if name == catalog.dsl_command:
            return []  # checked by the DSL layer
        if name == "package":
            return self._package(command, line)
        if name == "set":
            return [err(p) for p in self._variable(command)]
        if name in policy.allowed_commands or name in helpers:
            return []
        known = sorted([*catalog.procs, *policy.allowed_commands, *helpers])
        suggestion = nearest(name, known)
        hint = (
            f"nearest: {suggestion}"
            if suggestion
            else "use a catalog proc or an allowed Tcl command"
        )
        return [err(Problem("unknown_proc", f"unknown command {name}", hint))]

    def _package(self, command: Command, line: int) -> list[Error]:
        words = [w.literal for w in command.words]
        required = [
            r.split() for r in self.catalog.policy.required_header if r.startswith("package ")
        ]
        if words in required:
            return []
        return [
            Error(
                "forbidden_proc",
                line,
                f"`{' '.join(str(w) for w in words)}` is not allowed",
                PACKAGE_HINT,
                "policy",
            )
        ]

    def _variable(self, command: Command) -> list[Problem]:
        if len(command.words) != 3:
            return []
        name, value = command.words[1].literal, command.words[2].literal
        spec = self.catalog.variables.get(("::" + name.lstrip(":")) if name else "")
        if spec is None or value is None:
            return []
        _, problem = check_value(name or "", value, spec, self.catalog.identifier_pattern)
        return [problem] if problem else []

    # -- DSL statements -----------------------------------------------------------------------
    def statement(self, statement: Statement) -> list[Problem]:
        catalog = self.catalog
        spec = catalog.dsl.get(statement.kind)
        if spec is None:
            return []
        problems = []
        if statement.kind == "layer":
            problem = check_enum("layer", statement.name, catalog.enums.get("layer", []))
            problems += [problem] if problem else []
        given = {p.name for p in statement.properties}
        for prop in statement.properties:
            prop_spec = spec.properties.get(prop.name)
            if prop_spec is None:
                suggestion = nearest(prop.name, list(spec.properties))
                hint = (
                    f"nearest: {suggestion}:" if suggestion else "see the catalog's DSL properties"
                )
                problems.append(
                    Problem("unknown_flag", f"{statement.kind} has no property {prop.name}", hint)
                )
                continue
            problems += self._property_value(prop.name, prop.value, prop_spec)
        if statement.kind == "layer":
            problems += [
                Problem(
                    "missing_flag",
                    f"layer {statement.name} needs {name}:",
                    f"add {name}: {_placeholder(s)}",
                )
                for name, s in spec.properties.items()
                if name not in given
            ]
        return problems

    def _property_value(self, name: str, raw: str, spec) -> list[Problem]:  # noqa: ANN001
        if spec.type == "length":
            _, problem = check_length(f"{name}:", raw, spec, self.catalog.policy.length_units)
        elif spec.type == "enum":
            problem = check_enum(f"{name}:", raw, spec.values or [])
        elif spec.type == "layer_range":
            return layer_range_problems(name, raw, self.catalog.enums.get("layer", []))
        else:
            problem = None
        return [problem] if problem else []


def layer_range_problems(name: str, raw: str, layers: list[str]) -> list[Problem]:
    """Check `LOW..HIGH` against the ordered layer list."""
    if ".." not in raw:
        return [
            Problem(
                "bad_enum",
                f"{name}: {raw} is not a layer range",
                f"write LOW..HIGH, e.g. {layers[0]}..{layers[-1]}",
            )
        ]
    low, high = raw.split("..", 1)
    problems = [
        p for p in (check_enum(f"{name}:", low, layers), check_enum(f"{name}:", high, layers)) if p
    ]
    if not problems and layers.index(low) > layers.index(high):
        problems.append(
            Problem("out_of_range", f"{name}: {raw} has low above high", f"write {high}..{low}")
        )
    return problems


def _placeholder(spec) -> str:  # noqa: ANN001
    if spec.values:
        return "|".join(spec.values)
    return "0.1um" if spec.type == "length" else "VALUE"
