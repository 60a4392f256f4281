"""The design state of pdflow (spec §4) and the mock procs that build it.

Each catalog proc is a handler: it checks the run-time arguments with the same catalog
functions as the policy layer, then applies the proc's effect. A problem raises `ScriptError`,
which stops the script where the real tool would stop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dslgen.catalog.calls import check_call
from dslgen.catalog.model import Catalog
from dslgen.catalog.values import check_enum, check_length, check_value, nearest
from dslgen.domains.pdflow.dsl import Statement, parse_block
from dslgen.domains.pdflow.policy import PACKAGE_HINT, layer_range_problems
from dslgen.errors import FixtureError
from dslgen.tcl.sandbox import Handler, Invocation, ScriptError

TOLERANCE = 1e-9


@dataclass
class Net:
    type: str
    route: dict[str, Any] | None = None
    keepout: float | None = None
    shield: str | None = None
    buffers: dict[str, int] = field(default_factory=dict)


@dataclass
class DesignState:
    """What executing a script on a fixture produced (spec §4)."""

    design: str | None = None
    saved: str | None = None
    corner: str = "tt"
    effort: str | None = None
    max_fanout: int = 16
    nets: dict[str, Net] = field(default_factory=dict)
    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = {
            "design": self.design,
            "saved": self.saved,
            "corner": self.corner,
            "effort": self.effort,
            "max_fanout": self.max_fanout,
            "nets": {
                name: {
                    "type": n.type,
                    "route": n.route,
                    "keepout": n.keepout,
                    "shield": n.shield,
                    "buffers": dict(sorted(n.buffers.items())),
                }
                for name, n in sorted(self.nets.items())
            },
            "instances": dict(sorted(self.instances.items())),
            "groups": dict(sorted(self.groups.items())),
            "layers": dict(sorted(self.layers.items())),
            "rules": dict(sorted(self.rules.items())),
            "reports": self.reports,
        }
        return json.loads(json.dumps(data))


def load_fixture(
    data: dict[str, Any] | None, catalog: Catalog, origin: str = "fixture"
) -> DesignState:
    """A fresh state holding the fixture's nets; raise FixtureError naming the bad key."""
    state = DesignState()
    if data is None:
        return state
    if not isinstance(data, dict):
        raise FixtureError(
            f'{origin}: a fixture is a JSON object like {{"design_nets": {{"CLK": "clock"}}}}'
        )
    unknown = sorted(set(data) - {"design_nets"})
    if unknown:
        raise FixtureError(
            f'{origin}: unknown key {unknown[0]!r}; a fixture has only "design_nets"'
        )
    nets = data.get("design_nets", {})
    if not isinstance(nets, dict):
        raise FixtureError(f"{origin}: design_nets must map net names to net types")
    types = catalog.enums.get("net_type", [])
    for name, net_type in nets.items():
        problem = (
            check_enum(f"net {name} type", str(net_type), types)
            or check_value(
                "net",
                str(name),
                catalog.procs["my::create_net"].args[0],
                catalog.identifier_pattern,
            )[1]
        )
        if problem:
            raise FixtureError(f"{origin}: design_nets.{name}: {problem.message} ({problem.hint})")
        state.nets[name] = Net(type=str(net_type))
    return state


def equal_states(a: Any, b: Any) -> bool:
    """State equality with the spec's numeric tolerance (1e-9 after unit normalisation)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= TOLERANCE
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal_states(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal_states(x, y) for x, y in zip(a, b, strict=True))
    return a == b


class Executor:
    """The mock pdflow tool: one instance per run, holding the state it builds."""

    def __init__(self, catalog: Catalog, state: DesignState) -> None:
        self.catalog, self.state = catalog, state
        self._effects: dict[str, Callable[[dict[str, Any]], str]] = {
            "my::load_design": self._load_design,
            "my::save_design": self._save_design,
            "my::create_net": self._create_net,
            "my::route": self._route,
            "my::keepout": self._keepout,
            "my::shield": self._shield,
            "my::add_buffer": self._add_buffer,
            "my::place": self._place,
            "my::set_effort": self._set_effort,
            "my::report_timing": self._report_timing,
        }

    def handlers(self) -> dict[str, Handler]:
        catalog = self.catalog
        handlers: dict[str, Handler] = {name: self._call for name in catalog.procs}
        for name in catalog.policy.forbidden_commands:
            handlers[name] = self._forbidden
        handlers["package"] = self._package
        if catalog.dsl_command:
            handlers[catalog.dsl_command] = self._dsl
        return handlers

    # -- host procs ---------------------------------------------------------------------------
    def _forbidden(self, args: list[str], call: Invocation) -> str:
        raise ScriptError("forbidden_proc", f"{call.command} is forbidden by policy", "remove it")

    def _package(self, args: list[str], call: Invocation) -> str:
        wanted = [
            r.split()[1:] for r in self.catalog.policy.required_header if r.startswith("package ")
        ]
        if args in wanted:
            return args[-1]
        raise ScriptError(
            "forbidden_proc", f"package {' '.join(args)} is not allowed", PACKAGE_HINT
        )

    def _call(self, args: list[str], call: Invocation) -> str:
        spec = self.catalog.procs[call.command]
        checked = check_call(call.command, spec, list(args), self.catalog.identifier_pattern)
        if checked.problems:
            p = checked.problems[0]
            raise ScriptError(p.cls, p.message, p.hint)
        values = {a.flag: checked.args.get(a.flag, a.default) for a in spec.args}
        if spec.requires_design and self.state.design is None:
            raise ScriptError(
                "no_design",
                f"{call.command} touches the design before my::load_design",
                "call my::load_design -file FILE first",
            )
        for arg in spec.args:
            if arg.type == "net" and values.get(arg.flag) is not None:
                self._require_net(str(values[arg.flag]))
        effect = self._effects.get(call.command)
        return effect(values) if effect else ""

    def _require_net(self, name: str) -> Net:
        net = self.state.nets.get(name)
        if net is None:
            suggestion = nearest(name, sorted(self.state.nets))
            hint = (
                f"nearest existing net: {suggestion}"
                if suggestion
                else "create it with my::create_net first"
            )
            raise ScriptError("unknown_net", f"net {name} does not exist", hint)
        return net

    def _load_design(self, v: dict[str, Any]) -> str:
        self.state.design = v["-file"]
        return ""

    def _save_design(self, v: dict[str, Any]) -> str:
        self.state.saved = v["-file"]
        return ""

    def _create_net(self, v: dict[str, Any]) -> str:
        name = v["-name"]
        if name in self.state.nets:
            raise ScriptError(
                "duplicate_net",
                f"net {name} already exists",
                "pick a new name or use the existing net",
            )
        self.state.nets[name] = Net(type=v["-type"])
        return name

    def _route(self, v: dict[str, Any]) -> str:
        self.state.nets[v["-net"]].route = {"layer": v["-layer"], "width": float(v["-width"])}
        return ""

    def _keepout(self, v: dict[str, Any]) -> str:
        self.state.nets[v["-net"]].keepout = float(v["-width"])
        return ""

    def _shield(self, v: dict[str, Any]) -> str:
        net = self.state.nets[v["-net"]]
        if net.type in ("power", "ground"):
            raise ScriptError(
                "bad_enum",
                f"net {v['-net']} is a {net.type} net; -net of my::shield must be a signal or clock net",
                "shield signal or clock nets only",
            )
        net.shield = v["-with"]
        return ""

    def _add_buffer(self, v: dict[str, Any]) -> str:
        buffers = self.state.nets[v["-net"]].buffers
        buffers[v["-cell"]] = buffers.get(v["-cell"], 0) + int(v["-count"])
        return ""

    def _place(self, v: dict[str, Any]) -> str:
        name = v["-inst"]
        if name in self.state.instances:
            raise ScriptError(
                "duplicate_id", f"instance {name} already exists", "give the instance a new name"
            )
        self.state.instances[name] = {
            "cell": v["-cell"],
            "x": float(v["-x"]),
            "y": float(v["-y"]),
            "orient": v["-orient"],
        }
        return ""

    def _set_effort(self, v: dict[str, Any]) -> str:
        self.state.effort = v["-level"]
        return ""

    def _report_timing(self, v: dict[str, Any]) -> str:
        self.state.reports.append({"corner": v["-corner"], "paths": int(v["-paths"])})
        return ""

    # -- DSL ----------------------------------------------------------------------------------
    def _dsl(self, args: list[str], call: Invocation) -> str:
        if len(args) != 1:
            raise ScriptError(
                "dsl_syntax", f"{call.command} takes exactly one block", "write dsl { ... }"
            )
        for statement in parse_block(args[0]):
            try:
                self._statement(statement)
            except ScriptError as exc:
                exc.line_offset = statement.line - 1
                raise
        return ""

    def _statement(self, s: Statement) -> None:
        state = self.state
        if s.kind == "group":
            if s.name in state.groups:
                raise ScriptError(
                    "duplicate_id",
                    f"group {s.name!r} is already defined",
                    "group names are unique; rename it",
                )
            for net in s.nets:
                self._require_net(net)
            state.groups[s.name] = sorted(set(s.nets))
        elif s.kind == "rule":
            if s.name in state.rules:
                raise ScriptError(
                    "duplicate_id",
                    f"rule {s.name!r} is already defined",
                    "rule IDs are unique; rename it",
                )
            rule: dict[str, Any] = {"apply_to": self._resolve(s.target or "")}
            rule.update({p.name: self._property(s.kind, p.name, p.value) for p in s.properties})
            state.rules[s.name] = rule
        elif s.kind == "layer":
            state.layers[s.name] = {
                p.name: self._property(s.kind, p.name, p.value) for p in s.properties
            }

    def _resolve(self, target: str) -> list[str]:
        if target == "*":
            return sorted(self.state.nets)
        if target.startswith("@"):
            group = self.state.groups.get(target[1:])
            if group is None:
                suggestion = nearest(target[1:], sorted(self.state.groups))
                hint = (
                    f"nearest group: @{suggestion}"
                    if suggestion
                    else 'define it with group "NAME" nets: [...] before this rule'
                )
                raise ScriptError("undefined_group", f"group {target} is not defined", hint)
            return list(group)
        self._require_net(target)
        return [target]

    def _property(self, kind: str, name: str, raw: str) -> Any:
        """Run-time value of a DSL property; policy has already type-checked it."""
        spec = self.catalog.dsl[kind].properties[name]
        if spec.type == "length":
            value, problem = check_length(f"{name}:", raw, spec, self.catalog.policy.length_units)
            if problem:
                raise ScriptError(problem.cls, problem.message, problem.hint)
            return value
        if spec.type == "layer_range":
            layers = self.catalog.enums["layer"]
            problems = layer_range_problems(name, raw, layers)
            if problems:
                raise ScriptError(problems[0].cls, problems[0].message, problems[0].hint)
            low, high = raw.split("..", 1)
            return layers[layers.index(low) : layers.index(high) + 1]
        return raw
