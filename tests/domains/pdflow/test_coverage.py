"""Coverage of a request by a pdflow script: what it leaves out, what it adds unasked, and that a
script doing nothing (or padded with the request as comments) covers nothing."""

from __future__ import annotations

import json
from pathlib import Path

EVALS = Path(__file__).resolve().parents[3] / "evals" / "pdflow"
FIXTURE = {"design_nets": {"CLK": "clock", "RST_N": "signal", "VSS": "ground"}}
REQUEST = "Load top.def. Create a clock net CLK2 and route it on M3."


def _script(*lines: str) -> str:
    return "\n".join(["#!/usr/bin/env tclsh", "package require pdflow 1.0", *lines]) + "\n"


def test_the_right_script_covers_everything_and_adds_nothing(pdflow):
    right = _script(
        "my::load_design -file top.def",
        "my::create_net -name CLK2 -type clock",
        "my::route -net CLK2 -layer M3",
    )
    coverage = pdflow.coverage(REQUEST, right, FIXTURE)
    assert coverage.share == 1.0 and coverage.unasked == [] and coverage.acts
    assert coverage.weight == 1.0


def test_header_only_and_comment_padding_cover_nothing(pdflow):
    for text in (
        _script(),
        _script("# Load top.def. Create a clock net CLK2 and route it on M3.", 'puts "CLK2 M3"'),
    ):
        coverage = pdflow.coverage(REQUEST, text, FIXTURE)
        assert not coverage.acts
        assert coverage.covered == 0 and coverage.weight == 0.0


def test_missing_steps_and_unasked_actions_are_named(pdflow):
    wrong = _script(
        "my::load_design -file top.def",
        "my::create_net -name ADDR_4 -type clock",
        "my::save_design -file top_routed.def",
    )
    coverage = pdflow.coverage(REQUEST, wrong, FIXTURE)
    assert {"name CLK2", "value M3", "action my::route"} <= set(coverage.missing)
    assert {"name ADDR_4", "file top_routed.def", "action my::save_design"} <= set(coverage.unasked)
    right = pdflow.coverage(
        REQUEST,
        _script(
            "my::load_design -file top.def",
            "my::create_net -name CLK2 -type clock",
            "my::route -net CLK2 -layer M3",
        ),
        FIXTURE,
    )
    assert coverage.weight < right.weight


def test_values_match_across_units_and_defaults(pdflow):
    request = "In top.def put a 1500 nanometre keepout on CLK and 1 x BUF_X4 on RST_N."
    text = _script(
        "my::load_design -file top.def",
        "my::keepout -net CLK -width 1.5",
        "my::add_buffer -net RST_N -cell BUF_X4",
    )
    assert pdflow.coverage(request, text, FIXTURE).missing == []


def test_finance_coverage_is_neutral():
    from dslgen.domain import get_domain

    finance_domain = get_domain("finance")
    coverage = finance_domain.coverage("What was revenue?", '{"answer": 1}', None)
    assert coverage.named == 0 and coverage.share == 1.0 and coverage.weight == 1.0


def test_eval_references_have_full_coverage(pdflow):
    """The generated suites' reference scripts cover their own requests (measured: unit 236/240,
    scenario 120/120); none adds anything unasked."""
    for suite, floor in (("unit", 0.95), ("scenario", 0.95)):
        tasks = [json.loads(line) for line in (EVALS / f"{suite}.jsonl").read_text().splitlines()]
        coverages = [pdflow.coverage(t["instruction"], t["reference"], t["fixture"]) for t in tasks]
        assert sum(c.share == 1.0 for c in coverages) / len(tasks) >= floor, suite
        assert all(not c.unasked for c in coverages), suite
