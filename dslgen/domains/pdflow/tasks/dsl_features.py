"""The `dsl { }` features: a rule, a group, a layer setting, each with its statement and
phrasings — the embedded language's side of `features.py` (same `Design`, same `Feature`).
"""

from __future__ import annotations

import random

from dslgen.domains.pdflow.tasks import phrases as ph
from dslgen.domains.pdflow.tasks.features import LAYERS, Builder, Design, Feature


def dsl_rule(rng: random.Random, d: Design, target: str | None = None) -> Feature | None:
    if target is None:
        net = d.net(rng, ("signal", "clock", "power", "ground"))
        target = rng.choice([net, net, "*"] if net else ["*"])
    rule_id = d.fresh_id(rng, rng.choice(["SR", "W", "R", "ML", "SH", "LY"]))
    props = rng.sample(
        ["spacing", "width", "max_length", "shield", "layers"], rng.choice([1, 1, 1, 2])
    )
    parts, words = [], []
    for prop in props:
        if prop in ("spacing", "width"):
            um = rng.choice([0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0])
            parts.append(f"{prop}: {ph.dsl_length(um, rng)}")
            words.append(f"{prop} {ph.length(um, rng)}")
        elif prop == "max_length":
            um = rng.choice([50, 100, 200, 500, 1000, 2500])
            parts.append(f"max_length: {um}um")
            words.append(f"maximum length {ph.length(um, rng)}")
        elif prop == "shield":
            supply = rng.choice(["VSS", "VDD"])
            parts.append(f"shield: {supply}")
            words.append(f"shield {supply}")
        else:
            low = rng.randint(0, 4)
            high = rng.randint(low, 5)
            parts.append(f"layers: {LAYERS[low]}..{LAYERS[high]}")
            words.append(f"layers {LAYERS[low]} to {LAYERS[high]}")
    what = " and ".join(words)
    on = {"*": "all nets"}.get(target, f"group {target[1:]}" if target.startswith("@") else target)
    statement = f'rule "{rule_id}" apply_to: {target} ' + " ".join(parts)
    return Feature(
        "dsl_rule",
        "rules",
        [
            f'Add a DSL rule "{rule_id}" on {on}: {what}.',
            f"Write rule {rule_id} applying {what} to {on}.",
            f'In a dsl block, rule "{rule_id}" for {on} with {what}.',
            f"Create a routing rule {rule_id} that sets {what} on {on}.",
            f"Rule {rule_id}: {on}, {what}.",
            f"Constrain {on} with {what} (rule ID {rule_id}).",
            f'Define DSL rule "{rule_id}" giving {on} {what}.',
            f"Apply {what} to {on} as rule {rule_id}.",
        ],
        f"rule:{rule_id}:{target}:{statement}",
        dsl=[statement],
    )


def dsl_group(rng: random.Random, d: Design) -> Feature | None:
    members = sorted(n for n in d.nets)
    if not members:
        return None
    nets = sorted(rng.sample(members, rng.randint(1, min(4, len(members)))))
    name = rng.choice(["BUS", "CLOCKS", "CTRL", "HS", "GRP", "DATA", "CRIT"]) + str(
        rng.randint(0, 9)
    )
    if name in d.groups:
        return None
    d.groups.append(name)
    listed = ", ".join(nets)
    return Feature(
        "dsl_group",
        "groups",
        [
            f'Group {listed} as "{name}".',
            f"Define a DSL group {name} with nets {listed}.",
            f"Make a net group called {name} containing {listed}.",
            f"Put {listed} in group {name}.",
            f"Create group {name} = {{{listed}}}.",
            f"Collect {listed} into a group named {name}.",
            f"{name} is the group of {listed}.",
            f"Bundle {listed} as group {name}.",
        ],
        f"group:{name}:{listed}",
        dsl=[f'group "{name}" nets: [{listed}]'],
    )


def dsl_layer(rng: random.Random, d: Design) -> Feature | None:
    layer = rng.choice(LAYERS)
    direction = rng.choice(["horizontal", "vertical"])
    pitch = rng.choice([0.1, 0.14, 0.2, 0.28, 0.4, 0.56, 0.8])
    p, L = ph.length(pitch, rng), ph.layer(layer, rng)
    return Feature(
        "dsl_layer",
        "layers",
        [
            f"Make {L} {direction} with a pitch of {p}.",
            f"Set {L} to {direction}, pitch {p}.",
            f"{L} runs {direction} at {p} pitch.",
            f"Configure layer {layer}: {direction}, {p} pitch.",
            f"Declare {L} as a {direction} layer with pitch {p}.",
            f"Layer {layer} direction {direction}, pitch {p}.",
            f"Give {L} a {direction} preferred direction and a {p} pitch.",
            f"Use {direction} tracks on {L}, pitch {p}.",
        ],
        f"layer:{layer}:{direction}:{pitch}",
        dsl=[f"layer {layer} direction: {direction} pitch: {ph.dsl_length(pitch, rng)}"],
    )


DSL_FEATURES: list[Builder] = [dsl_rule, dsl_group, dsl_layer]
