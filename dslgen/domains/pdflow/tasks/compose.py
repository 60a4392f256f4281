"""Compose features into tasks of the four curriculum levels, split by template and parameters.

Split rule (the whole of it): a phrasing with index k is a *held-out* template when k % 4 == 3;
train and dev tasks use only the others, test tasks only held-out ones. A task's parameter
combination (fixture + every feature's parameters) hashes to a bucket 0–9: bucket 0 is test,
1 is dev, 2–9 train. So no template and no parameter combination is shared by train and test.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dslgen.domains.pdflow.tasks import phrases as ph
from dslgen.domains.pdflow.tasks.dsl_features import DSL_FEATURES, dsl_group, dsl_rule
from dslgen.domains.pdflow.tasks.features import (
    HOST_FEATURES,
    LAYERS,
    NET_FEATURES,
    Design,
    Feature,
    create_net,
)
from dslgen.records import Task
from dslgen.taskgen import param_bucket, template_allowed

LEVELS = ("micro", "unit", "multi", "scenario")
SPLITS = ("train", "dev", "test")
FIXTURE_NETS = {
    "CLK": "clock",
    "CLK_CORE": "clock",
    "RST": "signal",
    "RST_N": "signal",
    "EN": "signal",
    "DATA_0": "signal",
    "DATA_1": "signal",
    "DATA_2": "signal",
    "DATA_3": "signal",
    "ADDR_0": "signal",
    "ADDR_1": "signal",
    "VDD": "power",
    "VSS": "ground",
}
DESIGNS = ["top", "core", "chip", "soc_top", "alu", "cpu_core", "io_ring"]
MAX_ATTEMPTS = 400


@dataclass
class _Sentence:
    text: str
    template: str


def _pick(rng: random.Random, intent: str, phrasings: list[str], split: str) -> _Sentence:
    allowed = [k for k in range(len(phrasings)) if template_allowed(k, split)]
    k = rng.choice(allowed)
    return _Sentence(phrasings[k], f"{intent}/{k}")


def _frame(
    rng: random.Random, split: str, design: str, save: str | None
) -> tuple[_Sentence, _Sentence | None]:
    load = _pick(
        rng,
        "load",
        [
            f"Load {design}.",
            f"Open the design {design}.",
            f"Start from {design}.",
            f"Read in {design}.",
            f"Using the design {design}:",
            f"Take {design}.",
            f"Begin by loading {design}.",
            f"Work on {design}.",
        ],
        split,
    )
    if save is None:
        return load, None
    return load, _pick(
        rng,
        "save",
        [
            f"Save the result as {save}.",
            f"Write it out to {save}.",
            f"Save to {save}.",
            f"Finally save as {save}.",
            f"Store the design in {save}.",
            f"Save the design to {save} at the end.",
            f"Output {save}.",
            f"When done, save it as {save}.",
        ],
        split,
    )


def _route_all(rng: random.Random, d: Design) -> Feature | None:
    nets = sorted(n for n, t in d.nets.items() if t in ("signal", "clock"))
    if len(nets) < 2:
        return None
    chosen = sorted(rng.sample(nets, rng.randint(2, min(5, len(nets)))))
    layer = rng.choice(LAYERS)
    listed, L = ", ".join(chosen[:-1]) + " and " + chosen[-1], ph.layer(layer, rng)
    body = f"foreach n {{{' '.join(chosen)}}} {{\n  my::route -net $n -layer {layer}\n}}"
    return Feature(
        "route_all",
        "routing",
        [
            f"Route {listed} on {L}.",
            f"Put each of {listed} on {L}.",
            f"Loop over {listed} and route them on {L}.",
            f"All of {listed} go on {L}.",
            f"Route every net in {{{' '.join(chosen)}}} on {L}.",
            f"For each of {listed}, route it on {L}.",
            f"Use {L} for {listed}.",
            f"Nets {listed}: route on {L}.",
        ],
        f"route_all:{layer}:{','.join(chosen)}",
        host=[body],
    )


def _timing_if_corner(rng: random.Random, d: Design) -> Feature | None:
    corner = rng.choice(["ss", "ff"])
    many, few = rng.choice([(50, 10), (100, 20), (20, 5)])
    body = (
        f'if {{$::tech::corner eq "{corner}"}} {{\n  my::report_timing -corner {corner} -paths {many}\n'
        f"}} else {{\n  my::report_timing -corner tt -paths {few}\n}}"
    )
    return Feature(
        "timing_if_corner",
        "timing",
        [
            f"If the corner is {corner}, report {corner} timing with {many} paths, otherwise tt timing with {few}.",
            f"When running at {corner}, report timing for {corner} ({many} paths); else report tt with {few} paths.",
            f"Report timing depending on the corner: {corner} gives {many} paths at {corner}, anything else {few} paths at tt.",
            f"Conditional on corner {corner}: {corner} timing, {many} paths. Otherwise: tt timing, {few} paths.",
            f"Check the corner; at {corner} report {many} {corner} paths, else {few} tt paths.",
            f"At the {corner} corner report timing with {many} paths; at any other corner report tt with {few}.",
            f"Timing: {many} paths at {corner} if that is the corner, otherwise {few} paths at tt.",
            f"Branch on the corner: {corner} -> {corner} report with {many} paths, else tt report with {few} paths.",
        ],
        f"timing_if:{corner}:{many}:{few}",
        host=[body],
    )


def _features(rng: random.Random, level: str, d: Design) -> list[Feature]:
    def one(builders) -> Feature | None:  # noqa: ANN001
        for _ in range(10):
            feature = rng.choice(builders)(rng, d)
            if feature is not None:
                return feature
        return None

    if level == "micro":
        picked = [one(DSL_FEATURES)]
    elif level == "unit":
        picked = [one(HOST_FEATURES + DSL_FEATURES)]
    elif level == "multi":
        picked = [one(HOST_FEATURES + DSL_FEATURES) for _ in range(rng.randint(2, 3))]
    else:
        picked = [one([create_net]) for _ in range(rng.randint(1, 3))]
        picked += [_route_all(rng, d), _timing_if_corner(rng, d)]
        group = dsl_group(rng, d)
        if group is not None:
            picked += [group, dsl_rule(rng, d, target="@" + d.groups[-1])]
        picked += [one(DSL_FEATURES), one(NET_FEATURES)]
    return [f for f in picked if f is not None]


def _script(
    features: list[Feature],
    design_file: str,
    corner: str | None,
    save: str | None,
    rng: random.Random,
) -> str:
    lines = ["#!/usr/bin/env tclsh", "package require pdflow 1.0"]
    if corner:
        lines.append(f"set ::tech::corner {corner}")
    lines.append(f"my::load_design -file {design_file}")
    block: list[str] = []
    for feature in features:
        if feature.dsl:
            if block and rng.random() < 0.3:
                lines.append("dsl {\n" + "\n".join(block) + "\n}")
                block = []
            block += [f"  {s}" for s in feature.dsl]
            continue
        if block:
            lines.append("dsl {\n" + "\n".join(block) + "\n}")
            block = []
        lines += feature.host
    if block:
        lines.append("dsl {\n" + "\n".join(block) + "\n}")
    if save:
        lines.append(f"my::save_design -file {save}")
    return "\n".join(lines) + "\n"


def compose_task(rng: random.Random, level: str, split: str) -> Task:
    """One task of `level` for `split`; resampled until its parameters fall in the split's bucket."""
    for _ in range(MAX_ATTEMPTS):
        fixture_nets = dict(sorted(rng.sample(sorted(FIXTURE_NETS.items()), rng.randint(1, 6))))
        d = Design(dict(fixture_nets))
        design = rng.choice(DESIGNS)
        design_file = f"{design}.{rng.choice(['def', 'odb'])}"
        save = (
            f"{design}_{rng.choice(['routed', 'final', 'out', 'v2'])}.def"
            if rng.random() < 0.6
            else None
        )
        corner = rng.choice(["tt", "ss", "ff"]) if level == "scenario" else None
        features = _features(rng, level, d)
        if not features:
            continue
        key = "|".join(
            [
                ",".join(f"{k}={v}" for k, v in fixture_nets.items()),
                design_file,
                str(save),
                str(corner),
            ]
            + [f.params for f in features]
        )
        if param_bucket(key) != split:
            continue
        load, saved = _frame(rng, split, design_file, save)
        sentences = [load]
        if corner:
            sentences.append(
                _pick(
                    rng,
                    "corner",
                    [
                        f"Work at the {corner} corner.",
                        f"Set the corner to {corner}.",
                        f"Corner is {corner}.",
                        f"Use corner {corner}.",
                        f"Select the {corner} corner first.",
                        f"Run at {corner}.",
                        f"Process corner: {corner}.",
                        f"Target {corner}.",
                    ],
                    split,
                )
            )
        sentences += [_pick(rng, f.intent, f.phrasings, split) for f in features]
        if saved:
            sentences.append(saved)
        instruction = " ".join(s.text for s in sentences)
        extra = ph.constraint(rng)
        instruction = f"{instruction} {extra}".strip()
        return Task(
            level=level,
            intent="+".join(f.intent for f in features),
            instruction=instruction,
            script=_script(features, design_file, corner, save, rng),
            fixture={"design_nets": fixture_nets},
            template_id="+".join(s.template for s in sentences),
            param_key=key,
            topic=features[0].topic,
        )
    raise RuntimeError(f"could not compose a {level} task for {split} in {MAX_ATTEMPTS} attempts")
