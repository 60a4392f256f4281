"""A sample stopped by the token limit is cut back to its last complete line, one that fails on
execution to its longest valid prefix; unconstrained samples never are."""

from __future__ import annotations

from dslgen.decode.pipeline import GenerateRequest, checked
from dslgen.decode.sampler import Sample

HEADER = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file top.def\n"
REQUEST = GenerateRequest("Load top.def.", {"design_nets": {"CLK": "clock"}})


def test_truncated_sample_is_cut_back_to_a_script_that_passes_syntax_and_policy(pdflow):
    text = HEADER + "my::create_net -name A -type signal\nmy::create_net -n"
    candidate = checked(pdflow, Sample(text, 256, -1.0, 1.0, truncated=True), REQUEST, 0)
    assert candidate.sample.text == HEADER + "my::create_net -name A -type signal\n"
    assert candidate.report.valid_syntax and candidate.report.policy_ok
    assert candidate.cut_from == len(text)
    assert candidate.to_json()["truncated"] is True


def test_a_finished_sample_failing_on_execution_stands_as_its_longest_valid_prefix(pdflow):
    """An untuned model creates the same net twice: what it wrote before the repeat is a valid
    script, marked as cut; coverage later says what it leaves out."""
    good = HEADER + "my::create_net -name A -type clock\n"
    text = good + "my::create_net -name A -type clock\nmy::route -net A -layer M3\n"
    candidate = checked(pdflow, Sample(text, 30, -1.0, 1.0), REQUEST, 0)
    assert candidate.sample.text == good and candidate.cut_from == len(text)
    assert candidate.report.valid


def test_a_semantic_failure_without_grammar_is_left_as_the_model_wrote_it(pdflow):
    text = HEADER + "my::route -net NOPE -layer M3\n"  # parses, keeps policy, unknown net
    request = GenerateRequest("Load top.def.", {"design_nets": {"CLK": "clock"}}, use_grammar=False)
    candidate = checked(pdflow, Sample(text, 30, -1.0, 1.0), request, 0)
    assert candidate.sample.text == text and candidate.cut_from is None
    assert candidate.report.policy_ok and not candidate.report.valid


def test_unconstrained_samples_are_never_cut(pdflow):
    text = HEADER + "my::create_net -name A -type signal\nmy::create_net -n"
    request = GenerateRequest("Load top.def.", {"design_nets": {"CLK": "clock"}}, use_grammar=False)
    candidate = checked(pdflow, Sample(text, 256, -1.0, 1.0, truncated=True), request, 0)
    assert candidate.sample.text == text and candidate.cut_from is None
