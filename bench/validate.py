"""Validated scripts per second, all four layers, one process; tclint on the same files as reference.

Usage: .venv/bin/python bench/validate.py [--n 1000] [--seed 1]
Prints a table. The scripts are varied: random nets, procs with optional flags, loops, conditions,
helper procs and DSL blocks; a fifth are mutated (a broken brace, a bad enum, an unknown net…)
so the failing paths are timed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dslgen.domain import get_domain

LAYERS = ["M1", "M2", "M3", "M4", "M5", "M6"]


def random_script(rng: random.Random) -> str:
    nets = [
        f"{rng.choice(['CLK', 'DATA', 'ADDR', 'RST', 'EN'])}_{i}" for i in range(rng.randint(1, 6))
    ]
    lines = ["#!/usr/bin/env tclsh", "package require pdflow 1.0"]
    if rng.random() < 0.5:
        lines.append(f"set ::tech::corner {rng.choice(['tt', 'ss', 'ff'])}")
    lines.append(
        f"my::load_design -file {rng.choice(['top', 'core', 'chip'])}.{rng.choice(['def', 'odb'])}"
    )
    for net in nets:
        lines.append(f"my::create_net -name {net} -type {rng.choice(['signal', 'clock'])}")
    if rng.random() < 0.5:
        lines.append(
            f"foreach n {{{' '.join(nets)}}} {{\n  my::route -net $n -layer {rng.choice(LAYERS)}\n}}"
        )
    else:
        for net in nets:
            lines.append(
                f"my::route -net {net} -layer {rng.choice(LAYERS)} -width {rng.choice([0.1, 0.2, 0.5])}"
            )
    if rng.random() < 0.4:
        lines.append(
            f"my::add_buffer -net {nets[0]} -cell BUF_X{rng.choice([1, 2, 4, 8])} -count {rng.randint(1, 8)}"
        )
    if rng.random() < 0.3:
        lines.append(
            f"proc shield_all {{names}} {{\n  foreach n $names {{ my::shield -net $n -with VSS }}\n}}\nshield_all {{{nets[-1]}}}"
        )
    if rng.random() < 0.3:
        lines.append(
            f'if {{$::tech::corner eq "ss"}} {{\n  my::report_timing -corner ss -paths {rng.randint(1, 50)}\n}}'
        )
    if rng.random() < 0.7:
        block = [
            f'  group "G" nets: [{", ".join(nets)}]',
            f'  rule "R{rng.randint(1, 99)}" apply_to: @G spacing: {rng.randint(1, 50) * 10}nm',
        ]
        if rng.random() < 0.5:
            block.append(
                f"  layer {rng.choice(LAYERS)} direction: vertical pitch: 0.{rng.randint(1, 9)}um"
            )
        lines.append("dsl {\n" + "\n".join(block) + "\n}")
    lines.append("my::save_design -file out.def")
    return "\n".join(lines) + "\n"


MUTATIONS = [
    ("-layer M", "-layer X"),
    ("}\n", "\n"),
    ("-net ", "-net Q"),
    ("nm", ""),
    ("my::route", "my::rout"),
]


def scripts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = random_script(rng)
        if rng.random() < 0.2:
            old, new = rng.choice(MUTATIONS)
            text = text.replace(old, new, 1)
        out.append(text)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    domain = get_domain("pdflow")
    batch = scripts(args.n, args.seed)
    domain.validate(batch[0])  # warm: catalog, grammar tables, Tcl interpreter
    started = time.perf_counter()
    reports = [domain.validate(text) for text in batch]
    elapsed = time.perf_counter() - started
    valid = sum(r.valid for r in reports)
    executed = sum(r.semantics_ok is not None for r in reports)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"
    )
    print(f"{'tool':<28}{'scripts':>8}{'seconds':>10}{'scripts/s':>12}")
    print(
        f"{'dslgen validate (4 layers)':<28}{len(batch):>8}{elapsed:>10.2f}{len(batch) / elapsed:>12.0f}"
    )
    print(f"  valid {valid}, executed in the sandbox {executed}, invalid {len(batch) - valid}")
    tclint = shutil.which("tclint") or str(Path(sys.executable).with_name("tclint"))
    if Path(tclint).exists():
        with tempfile.TemporaryDirectory() as tmp:
            for i, text in enumerate(batch):
                Path(tmp, f"s{i:05d}.tcl").write_text(text)
            started = time.perf_counter()
            subprocess.run([tclint, tmp], capture_output=True, check=False)
            lint = time.perf_counter() - started
        print(
            f"{'tclint 0.9 (syntax+style)':<28}{len(batch):>8}{lint:>10.2f}{len(batch) / lint:>12.0f}"
        )
    else:
        print("tclint: not installed (pip install tclint)")


if __name__ == "__main__":
    main()
