"""Features: one intent each (route a net, place a cell, …) with its script and phrasings.

A feature builder looks at the design being built (which nets exist, which IDs are taken) and
returns the lines it adds and every way of asking for it. The `dsl { }` rule features live in
`dsl_features.py`. The phrasing index is the template:
the composer picks train or held-out templates by index, so no template leaks between splits.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from dslgen.domains.pdflow.tasks import phrases as ph

LAYERS = ["M1", "M2", "M3", "M4", "M5", "M6"]
WIDTHS = [0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.8, 1.0, 1.5, 2.0]
CELLS = ["NAND2_X1", "NOR2_X1", "INV_X2", "DFF_X1", "AOI21_X1", "BUF_X4", "MUX2_X1"]
NEW_NETS = [
    "CLK_DIV",
    "SCAN_EN",
    "TEST_MODE",
    "IRQ",
    "DBG_CLK",
    "PLL_OUT",
    "SYNC_RST",
    "DATA_8",
    "ADDR_4",
    "WR_EN",
    "RD_EN",
    "CLK_GATE",
]


@dataclass
class Design:
    """What exists while a task is being composed: nets (name -> type) and taken IDs."""

    nets: dict[str, str]
    groups: list[str] = field(default_factory=list)
    rule_ids: set[str] = field(default_factory=set)
    instances: set[str] = field(default_factory=set)

    def net(self, rng: random.Random, types: tuple[str, ...] = ("signal", "clock")) -> str | None:
        candidates = sorted(n for n, t in self.nets.items() if t in types)
        return rng.choice(candidates) if candidates else None

    def fresh_id(self, rng: random.Random, stem: str) -> str:
        while True:
            ident = f"{stem}{rng.randint(1, 99)}"
            if ident not in self.rule_ids and ident not in self.groups:
                self.rule_ids.add(ident)
                return ident


@dataclass
class Feature:
    """One requested change: host lines or DSL statements, and the instructions that ask for it."""

    intent: str
    topic: str
    phrasings: list[str]
    params: str
    host: list[str] = field(default_factory=list)
    dsl: list[str] = field(default_factory=list)


Builder = Callable[[random.Random, Design], Feature | None]


def _clause(rng: random.Random, options: list[str], value: str | None) -> str:
    return rng.choice(options).format(v=value) if value else ""


def create_net(rng: random.Random, d: Design) -> Feature | None:
    name = rng.choice([n for n in NEW_NETS if n not in d.nets] or ["NET_X"])
    net_type = rng.choice(["signal", "signal", "clock", "power", "ground"])
    d.nets[name] = net_type
    explicit = net_type != "signal" or rng.random() < 0.3
    line = f"my::create_net -name {name}" + (f" -type {net_type}" if explicit else "")
    kind = f"{net_type} " if explicit else ""
    return Feature(
        "create_net",
        "nets",
        [
            f"Create a {kind}net called {name}.",
            f"Add a new {kind}net named {name}.",
            f"Make a net {name}" + (f" of type {net_type}." if explicit else "."),
            f"We need a {kind}net {name}; create it.",
            f"Declare the {kind}net {name}.",
            f"Create net {name}" + (f" ({net_type})." if explicit else "."),
            f"Introduce a {kind}net with the name {name}.",
            f"Set up {name} as a new {kind}net.",
        ],
        f"create_net:{name}:{net_type}:{explicit}",
        host=[line],
    )


def route(rng: random.Random, d: Design) -> Feature | None:
    net = d.net(rng, ("signal", "clock", "power", "ground"))
    if net is None:
        return None
    layer = rng.choice(LAYERS)
    width = rng.choice(WIDTHS) if rng.random() < 0.5 else None
    w = ph.length(width, rng) if width else None
    L, N = ph.layer(layer, rng), ph.net_ref(net, rng)
    line = f"my::route -net {net} -layer {layer}" + (f" -width {ph.fmt(width)}" if width else "")
    return Feature(
        "route",
        "routing",
        [
            f"Route {N} on {L}"
            + _clause(rng, [" with a width of {v}", ", {v} wide", " (width {v})"], w)
            + ".",
            f"Put {N} on {L}" + _clause(rng, [" with width {v}", ", width {v}"], w) + ".",
            f"Use {L} for {N}"
            + _clause(rng, [" and make the wire {v} wide", " at {v} width"], w)
            + ".",
            f"{net} goes on {L}" + _clause(rng, [", {v} wide", " with a {v} wire"], w) + ".",
            f"Please route {N} using {L}" + _clause(rng, [" with a wire width of {v}"], w) + ".",
            f"Wire {N} on {L}" + _clause(rng, [" ({v} wide)", ", width {v}"], w) + ".",
            f"Send {N} through {L}" + _clause(rng, [" with width {v}"], w) + ".",
            f"Routing for {N}: {L}" + _clause(rng, [", {v} width", ", width {v}"], w) + ".",
        ],
        f"route:{net}:{layer}:{width}",
        host=[line],
    )


def keepout(rng: random.Random, d: Design) -> Feature | None:
    net = d.net(rng)
    if net is None:
        return None
    width = rng.choice([0.1, 0.2, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0])
    w, N = ph.length(width, rng), ph.net_ref(net, rng)
    return Feature(
        "keepout",
        "keepout",
        [
            f"Add a keepout of {w} around {N}.",
            f"Keep other wires {w} away from {N}.",
            f"Give {N} a {w} keepout.",
            f"Reserve {w} of keepout around {N}.",
            f"Set the keepout width of {N} to {w}.",
            f"No other routing within {w} of {N}.",
            f"{net} needs a keepout region {w} wide.",
            f"Put a {w} keepout on {N}.",
        ],
        f"keepout:{net}:{width}",
        host=[f"my::keepout -net {net} -width {ph.fmt(width)}"],
    )


def shield(rng: random.Random, d: Design) -> Feature | None:
    net = d.net(rng)
    if net is None:
        return None
    supply = rng.choice(["VSS", "VDD"])
    word = {
        "VSS": rng.choice(["VSS", "ground (VSS)"]),
        "VDD": rng.choice(["VDD", "the supply VDD"]),
    }[supply]
    N = ph.net_ref(net, rng)
    return Feature(
        "shield",
        "shielding",
        [
            f"Shield {N} with {word}.",
            f"Add {word} shielding to {N}.",
            f"{net} must be shielded by {word}.",
            f"Protect {N} with a {supply} shield.",
            f"Use {word} to shield {N}.",
            f"Put a {supply} shield around {N}.",
            f"Shield the net {net} using {word}.",
            f"Surround {N} with {word} shielding.",
        ],
        f"shield:{net}:{supply}",
        host=[f"my::shield -net {net} -with {supply}"],
    )


def add_buffer(rng: random.Random, d: Design) -> Feature | None:
    net = d.net(rng)
    if net is None:
        return None
    size = rng.choice([1, 2, 4, 8])
    n = rng.choice([1, 1, 2, 3, 4, 6, 8, 12, 16])
    cell, c, N = f"BUF_X{size}", ph.count(n, rng), ph.net_ref(net, rng)
    plural = "s" if n > 1 else ""
    line = f"my::add_buffer -net {net} -cell {cell}" + (
        f" -count {n}" if n > 1 or rng.random() < 0.3 else ""
    )
    return Feature(
        "add_buffer",
        "buffers",
        [
            f"Add {c} {cell} buffer{plural} to {N}.",
            f"Insert {c} X{size} buffer{plural} on {N}.",
            f"Buffer {N} with {c} {cell}.",
            f"Put {c} {cell} cell{plural} on {N}.",
            f"{net} needs {c} buffer{plural} of type {cell}.",
            f"Drive {N} through {c} {cell} buffer{plural}.",
            f"Use {cell} to buffer {N}, {c} of them.",
            f"Add buffering to {N}: {c} x {cell}.",
        ],
        f"add_buffer:{net}:{cell}:{n}",
        host=[line],
    )


def place(rng: random.Random, d: Design) -> Feature | None:
    name = next(f"U{i}" for i in rng.sample(range(1, 200), 199) if f"U{i}" not in d.instances)
    d.instances.add(name)
    cell = rng.choice(CELLS)
    x, y = rng.choice([0, 5, 10, 12.5, 20, 40, 100, 250]), rng.choice([0, 2.5, 8, 15, 30, 60, 120])
    orient = rng.choice(["N", "N", "S", "E", "W", "FN", "FS"])
    at = f"({ph.fmt(x)}, {ph.fmt(y)})"
    o = "" if orient == "N" and rng.random() < 0.6 else orient
    line = f"my::place -inst {name} -cell {cell} -x {ph.fmt(x)} -y {ph.fmt(y)}" + (
        f" -orient {o}" if o else ""
    )
    ot = f" facing {o}" if o else ""
    return Feature(
        "place",
        "placement",
        [
            f"Place instance {name} of cell {cell} at {at}{ot}.",
            f"Put a {cell} called {name} at x={ph.fmt(x)}, y={ph.fmt(y)}{ot}.",
            f"Instantiate {cell} as {name} at {at} um{ot}.",
            f"Add {name} ({cell}) at {at}" + (f", orientation {o}" if o else "") + ".",
            f"Drop a {cell} named {name} at {at}{ot}.",
            f"Place {name}: cell {cell}, x {ph.fmt(x)}, y {ph.fmt(y)}"
            + (f", orient {o}" if o else "")
            + ".",
            f"Create instance {name} of {cell} placed at {at}{ot}.",
            f"Position {name} ({cell}) at {at}{ot}.",
        ],
        f"place:{name}:{cell}:{x}:{y}:{o}",
        host=[line],
    )


def set_effort(rng: random.Random, d: Design) -> Feature | None:
    level = rng.choice(["low", "medium", "high"])
    return Feature(
        "set_effort",
        "effort",
        [
            f"Set the effort to {level}.",
            f"Use {level} effort.",
            f"Run with {level} tool effort.",
            f"Effort level: {level}.",
            f"Switch the tool to {level} effort.",
            f"Make the effort {level}.",
            f"Configure {level} effort.",
            f"I want {level} effort.",
        ],
        f"effort:{level}",
        host=[f"my::set_effort -level {level}"],
    )


def report_timing(rng: random.Random, d: Design) -> Feature | None:
    corner = rng.choice(["tt", "ss", "ff"])
    paths = rng.choice([None, 1, 5, 10, 20, 50, 100])
    p = ph.count(paths, rng) if paths else None
    line = f"my::report_timing -corner {corner}" + (f" -paths {paths}" if paths else "")
    suffix = _clause(rng, [" with {v} paths", " for {v} paths", ", {v} paths"], p)
    return Feature(
        "report_timing",
        "timing",
        [
            f"Report timing at the {corner} corner{suffix}.",
            f"Run a timing report for {corner}{suffix}.",
            f"Check timing at {corner}{suffix}.",
            f"Give me the {corner} timing{suffix}.",
            f"Produce a timing report, corner {corner}{suffix}.",
            f"Report the {corner} timing paths{suffix}.",
            f"Timing report at corner {corner}{suffix}, please.",
            f"Analyse timing at the {corner} corner{suffix}.",
        ],
        f"timing:{corner}:{paths}",
        host=[line],
    )


def set_corner(rng: random.Random, d: Design) -> Feature | None:
    corner = rng.choice(["tt", "ss", "ff"])
    long = {"tt": "typical", "ss": "slow", "ff": "fast"}[corner]
    return Feature(
        "set_corner",
        "corner",
        [
            f"Work at the {corner} corner.",
            f"Set the process corner to {corner}.",
            f"Use the {long} ({corner}) corner.",
            f"Corner: {corner}.",
            f"Switch to the {corner} corner.",
            f"Select corner {corner}.",
            f"Target the {long} corner ({corner}).",
            f"Run everything at {corner}.",
        ],
        f"corner:{corner}",
        host=[f"set ::tech::corner {corner}"],
    )


# Features that change one existing net or instance (a scenario ends with one of them).
NET_FEATURES: list[Builder] = [route, keepout, shield, add_buffer, place]
HOST_FEATURES: list[Builder] = [*NET_FEATURES, set_effort, report_timing, create_net]
