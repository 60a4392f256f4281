"""Grounded decoding grammars: every value kind a request names becomes the slot's only choice,
slots it says nothing about keep the catalog's range, and no eval reference becomes impossible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lark import Lark
from lark.exceptions import LarkError

from dslgen.domains.pdflow.mentions import Quantity, find_mentions

EVALS = Path(__file__).resolve().parents[3] / "evals" / "pdflow"
FIXTURE = {"design_nets": {"CLK": "clock", "RST_N": "signal", "VDD": "power", "VSS": "ground"}}


def with_defaults(script: str, catalog) -> str:  # noqa: ANN001
    """The script with each omitted optional flag that has a default written out, in catalog
    order: the same outcome, in the form a grounded grammar spells when the request names a
    value for that flag."""
    out = []
    for line in script.splitlines():
        words = line.split()
        if not words or words[0] not in catalog.procs:
            out.append(line)
            continue
        given = dict(zip(words[1::2], words[2::2], strict=False))
        parts = [words[0]]
        for arg in catalog.procs[words[0]].args:
            value = given.get(arg.flag, arg.default)
            if value is not None:
                integral = isinstance(value, float) and value.is_integer()
                parts += [arg.flag, str(int(value)) if integral else str(value)]
        out.append(line[: len(line) - len(line.lstrip())] + " ".join(parts))
    return "\n".join(out) + "\n"


def _accepts(grammar: str, script: str) -> bool:
    try:
        Lark(grammar, parser="earley", lexer="dynamic").parse(script)
    except LarkError:
        return False
    return True


def _script(*lines: str) -> str:
    return "\n".join(["#!/usr/bin/env tclsh", "package require pdflow 1.0", *lines]) + "\n"


def _rule(grammar: str, name: str) -> str:
    return next(line for line in grammar.splitlines() if line.startswith(f"{name}:"))


def test_names_and_files_come_from_the_request_and_fixture(pdflow):
    grammar = pdflow.grammar(
        None, FIXTURE, "Load top.def. Create a clock net CLK2 and route it on M3."
    )
    assert _accepts(
        grammar, _script("my::load_design -file top.def", "my::route -net CLK -layer M3")
    )
    assert _accepts(
        grammar, _script("my::load_design -file top.def", "my::create_net -name CLK2 -type clock")
    )
    # invented file and net: impossible under the grounded grammar, possible without grounding
    invented = _script("my::load_design -file top_routed.def", "my::create_net -name ADDR_4")
    assert not _accepts(grammar, invented)
    assert _accepts(pdflow.grammar(None, FIXTURE), invented)


@pytest.mark.parametrize(
    ("instruction", "flag_line", "wrong_line"),
    [
        # host µm flag from nanometres
        (
            "In top.def put a 1500 nanometre keepout on CLK.",
            "my::keepout -net CLK -width 1.5",
            "my::keepout -net CLK -width 1500",
        ),
        # a unitless number for a µm flag; the catalog default stays allowed
        (
            "Load top.def and route RST_N on M2 with a width of 0.2",
            "my::route -net RST_N -layer M2 -width 0.2",
            "my::route -net RST_N -layer M2 -width 0.3",
        ),
        # number words
        (
            "Load top.def and insert four BUF_X2 buffers on CLK.",
            "my::add_buffer -net CLK -cell BUF_X2 -count 4",
            "my::add_buffer -net CLK -cell BUF_X2 -count 5",
        ),
        (
            "In top.def set max fanout to thirty-two.",
            "set ::flow::max_fanout 32",
            "set ::flow::max_fanout 30",
        ),
        # enum values named through phrases
        (
            "Load top.def and run the clock on metal 3.",
            "my::route -net CLK -layer M3",
            "my::route -net CLK -layer M4",
        ),
        (
            "In top.def place U1 (INV_X1) at (10, 20) facing south.",
            "my::place -inst U1 -cell INV_X1 -x 10 -y 20 -orient S",
            "my::place -inst U1 -cell INV_X1 -x 10 -y 20 -orient E",
        ),
        (
            "In top.def shield CLK with VSS.",
            "my::shield -net CLK -with VSS",
            "my::shield -net CLK -with VDD",
        ),
    ],
)
def test_numbers_and_enum_values_are_grounded(pdflow, instruction, flag_line, wrong_line):
    grammar = pdflow.grammar(None, FIXTURE, instruction)
    assert _accepts(grammar, _script("my::load_design -file top.def", flag_line))
    assert not _accepts(grammar, _script("my::load_design -file top.def", wrong_line))


def test_dsl_lengths_take_the_request_value_in_either_unit(pdflow):
    grammar = pdflow.grammar(
        None, FIXTURE, "In top.def add a spacing rule SR1 of 1500 nanometres on CLK."
    )
    for length in ("1500nm", "1.5um"):
        script = _script(
            "my::load_design -file top.def",
            "dsl {",
            f'  rule "SR1" apply_to: CLK spacing: {length}',
            "}",
        )
        assert _accepts(grammar, script), length
    other = _script(
        "my::load_design -file top.def", "dsl {", '  rule "SR1" apply_to: CLK spacing: 0.12um', "}"
    )
    assert not _accepts(grammar, other)


def test_slots_the_request_does_not_name_keep_the_catalog_range(pdflow):
    """Underspecified: no width, no layer, no file named -> every in-range value stays possible."""
    grammar = pdflow.grammar(None, FIXTURE, "Route the clock please.")
    for layer, width in (("M1", "0.05"), ("M6", "2"), ("M3", "1.25")):
        script = _script(
            "my::load_design -file any_design.odb",
            f"my::route -net CLK -layer {layer} -width {width}",
        )
        assert _accepts(grammar, script), (layer, width)


def test_a_request_naming_nothing_still_compiles_and_validates_with_llguidance(pdflow):
    llguidance = pytest.importorskip("llguidance")
    for instruction in ("hello there", "", "????", "écris un script"):
        grammar = pdflow.grammar(None, None, instruction)
        assert not llguidance.LLMatcher.validate_grammar(llguidance.grammar_from("lark", grammar))
        assert _accepts(grammar, _script("my::load_design -file top.def"))


def test_comments_cannot_pad_a_script(pdflow):
    grammar = pdflow.grammar(None, FIXTURE, "Load top.def and route CLK on M3.")
    padded = _script(
        "# Load top.def and route CLK on M3", "# Load top.def", "my::load_design -file top.def"
    )
    assert not _accepts(grammar, padded)
    assert _accepts(grammar, _script("# the clock", "my::load_design -file top.def"))


def test_mentions_read_units_number_words_and_descriptions(catalog):
    mentions = find_mentions(
        "keepout of 1500 nanometres on the reset net and four buffers on metal 3, design is ctrl.def",
        catalog,
        FIXTURE,
    )
    assert Quantity(1500.0, "nm") in mentions.quantities
    assert Quantity(4.0, None) in mentions.quantities
    assert Quantity(3.0, None) not in mentions.quantities  # "metal 3" is a layer
    assert "M3" in mentions.enum_values
    assert "RST_N" in mentions.names  # "the reset net": the fixture's one reset net
    assert mentions.files == ("ctrl.def",)
    assert {"my::keepout", "my::add_buffer", "my::load_design"} <= mentions.actions


def test_grammars_are_cached_per_literal_set(pdflow):
    first = pdflow.grammar(None, FIXTURE, "Load top.def and route CLK on M3.")
    again = pdflow.grammar(None, FIXTURE, "Load top.def and route CLK on M3.")
    assert first is again


@pytest.mark.parametrize("suite", ["unit", "scenario", "handwritten"])
def test_every_eval_reference_stays_possible_under_its_grounded_grammar(pdflow, suite):
    """Grounding must never make a well-posed request impossible: each suite's reference script
    (or the same script with its defaults written out) is in the language of the grammar
    grounded in its own instruction and fixture."""
    parsers: dict[str, Lark] = {}
    rejected = []
    for line in (EVALS / f"{suite}.jsonl").read_text().splitlines():
        task = json.loads(line)
        grammar = pdflow.grammar(None, task["fixture"], task["instruction"])
        parser = parsers.setdefault(grammar, Lark(grammar, parser="earley", lexer="dynamic"))
        for text in (task["reference"], with_defaults(task["reference"], pdflow.catalog())):
            try:
                parser.parse(text)
                break
            except LarkError:
                continue
        else:
            rejected.append(task["id"])
    assert rejected == []


@pytest.mark.parametrize(
    ("instruction", "lines"),
    [
        # no rule id named: the ids stay free (not forced to the net's name)
        (
            "load top.def; on CLK add a 0.1um spacing rule and a separate 1000um max length rule",
            [
                "dsl {",
                '  rule "R1" apply_to: CLK spacing: 0.1um',
                '  rule "R2" apply_to: CLK max_length: 1000um',
                "}",
            ],
        ),
        # a name after a cue, in any case
        ("create a net called Enable in top.def", ["my::create_net -name Enable"]),
        # open-ended layer range
        (
            "in top.def rule L1: CLK may use M3 and above",
            ["dsl {", '  rule "L1" apply_to: CLK layers: M3..M6', "}"],
        ),
        # exponent and thousands separator
        ("top.def: route CLK on M2 width 2e-1", ["my::route -net CLK -layer M2 -width 0.2"]),
        (
            "top.def: rule ML on CLK max length 1,000um",
            ["dsl {", '  rule "ML" apply_to: CLK max_length: 1000um', "}"],
        ),
        # a closing comment
        ("route CLK on M3 in top.def", ["my::route -net CLK -layer M3", "# done"]),
    ],
)
def test_phrasings_that_must_stay_possible(pdflow, instruction, lines):
    grammar = pdflow.grammar(None, FIXTURE, instruction)
    assert _accepts(grammar, _script("my::load_design -file top.def", *lines))


def test_a_negated_action_is_not_asked_for(catalog):
    mentions = find_mentions("load top.def, route CLK on M3, don't save", catalog, FIXTURE)
    assert "my::save_design" not in mentions.actions and "my::route" in mentions.actions


def test_procs_are_grounded_in_the_actions_asked_for(pdflow):
    grammar = pdflow.grammar(None, FIXTURE, "Read in top.odb. Set up SYNC_RST as a new net.")
    assert _accepts(
        grammar, _script("my::load_design -file top.odb", "my::create_net -name SYNC_RST")
    )
    assert not _accepts(
        grammar, _script("my::load_design -file top.odb", "my::set_effort -level low")
    )
    # a value only one proc takes allows that proc, though no verb asks for it
    grammar = pdflow.grammar(None, FIXTURE, "hang a BUF_X8 on the clock net, top.odb")
    assert _accepts(
        grammar,
        _script("my::load_design -file top.odb", "my::add_buffer -net CLK -cell BUF_X8 -count 1"),
    )


def test_an_optional_flag_the_request_gives_a_value_for_is_written(pdflow):
    grammar = pdflow.grammar(None, FIXTURE, "In top.def add buffering to CLK: 8 x BUF_X4.")
    head = "my::load_design -file top.def"
    assert _accepts(grammar, _script(head, "my::add_buffer -net CLK -cell BUF_X4 -count 8"))
    assert _accepts(
        grammar, _script(head, "my::add_buffer -net CLK -cell BUF_X4 -count 1")
    )  # default
    assert not _accepts(grammar, _script(head, "my::add_buffer -net CLK -cell BUF_X4"))
