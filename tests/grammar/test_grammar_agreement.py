"""The decoding grammar and the validator agree (design.md, "rules of the house").

Direction 1: every script the catalog-compiled grammar produces passes the validator's syntax,
DSL and policy layers. Direction 2: token-level mutations of such scripts that the grammar
rejects (a wrong enum value, an unknown flag, an out-of-range number, a missing brace, …) are
rejected by the validator too.
"""

from __future__ import annotations

import re

import lark
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from dslgen.domains.pdflow.dsl import parse_block


@pytest.fixture(scope="module")
def grammar_text(pdflow) -> str:
    return pdflow.grammar()


@pytest.fixture(scope="module")
def parser(grammar_text) -> lark.Lark:
    return lark.Lark(grammar_text, parser="earley")


@pytest.fixture(scope="module")
def scripts(parser):
    """Scripts drawn from the decoding grammar (the strategy is built once per module)."""
    return from_lark(parser)


def _static_ok(report) -> bool:
    return (
        report.valid_syntax
        and report.valid_dsl_blocks is not False
        and report.policy_ok is not False
    )


def test_grammar_is_accepted_by_llguidance(grammar_text):
    llguidance = pytest.importorskip("llguidance")
    problem = llguidance.LLMatcher.validate_grammar(llguidance.grammar_from("lark", grammar_text))
    assert problem == ""


def test_spec_example_is_in_the_grammar(parser):
    parser.parse(
        (
            __import__("pathlib").Path(__file__).parents[1] / "data/pdflow/spec_example.tcl"
        ).read_text()
    )


def test_restricted_grammar_only_has_the_named_procs(pdflow):
    text = pdflow.grammar(["my::load_design", "my::route"])
    assert "my::route" in text and "my::load_design" in text
    assert "my::place" not in text and "my::legacy_route" not in text


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_grammar_sample_passes_the_static_layers(pdflow, scripts, data):
    script = data.draw(scripts)
    report = pdflow.validate(script)
    assert _static_ok(report), (script, [e.render() for e in report.errors])
    for block in re.findall(r"dsl \{\n(.*?)\n\}", script, re.S):
        parse_block(block)  # the DSL parsing grammar accepts what decoding writes


# Each mutation changes one token of a valid script into something the policy forbids.
MUTATIONS = [
    (r"-layer M\d", "-layer M7"),
    (r"-layer ", "-lyer "),
    (r"-width [0-9.]+", "-width 25"),
    (r"-count \d+", "-count 0"),
    (r"my::route", "my::legacy_route"),
    (r"my::route", "my::rout"),
    (r"my::save_design", "exec"),
    (r"-corner \w+", "-corner typical"),
    (r"-with VSS", "-with GND"),
    (r"(\d)um", r"\1"),
    (r"(\d)um", r"\1mm"),
    (r"apply_to: ", "apply_to "),
    (r"\n\}", "\n"),
    (r"nets: \[", "nets: "),
    (r"\A#!/usr/bin/env tclsh\n", ""),
    (r"package require pdflow 1.0\n", ""),
    (r" -net \w+", ""),
    (r"set ::tech::corner \w+", "set ::tech::corner fast"),
    (r"direction: \w+", "direction: diagonal"),
]

SEED = """#!/usr/bin/env tclsh
package require pdflow 1.0
set ::tech::corner ss
my::load_design -file top.def
my::create_net -name CLK -type clock
my::route -net CLK -layer M3 -width 0.2
my::add_buffer -net CLK -cell BUF_X4 -count 2
my::shield -net CLK -with VSS
my::report_timing -corner ss -paths 20
dsl {
  group "BUS" nets: [CLK]
  rule "SR2" apply_to: CLK spacing: 0.12um
  layer M2 direction: horizontal pitch: 0.2um
}
my::save_design -file top_routed.def
"""


@pytest.mark.parametrize(("pattern", "replacement"), MUTATIONS)
def test_mutations_the_grammar_rejects_the_validator_rejects(pdflow, parser, pattern, replacement):
    parser.parse(SEED)
    assert _static_ok(pdflow.validate(SEED))
    mutated = re.sub(pattern, replacement, SEED, count=1)
    assert mutated != SEED
    with pytest.raises(lark.exceptions.LarkError):
        parser.parse(mutated)
    report = pdflow.validate(mutated)
    assert not _static_ok(report), mutated


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_grammar_samples_rejected_by_both(pdflow, scripts, parser, data):
    script = data.draw(scripts)
    applicable = [(p, r) for p, r in MUTATIONS if re.search(p, script)]
    if not applicable:
        return
    pattern, replacement = data.draw(st.sampled_from(applicable))
    mutated = re.sub(pattern, replacement, script, count=1)
    try:
        parser.parse(mutated)
    except lark.exceptions.LarkError:
        assert not _static_ok(pdflow.validate(mutated)), mutated
