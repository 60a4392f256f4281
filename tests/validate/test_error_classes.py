"""Each of the 16 error classes of spec §5 is produced by a script of its own, on the right line.

The table tests/data/pdflow/errors/expected.json is the same one docs/validator.md shows.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import DATA

ERRORS = DATA / "pdflow" / "errors"
SPEC_CLASSES = {
    "tcl_syntax",
    "dsl_syntax",
    "missing_header",
    "unknown_proc",
    "forbidden_proc",
    "unknown_flag",
    "missing_flag",
    "bad_enum",
    "out_of_range",
    "bad_unit",
    "unknown_net",
    "duplicate_net",
    "duplicate_id",
    "undefined_group",
    "no_design",
    "runtime_limit",
}


def test_the_table_covers_every_class(error_cases):
    assert set(error_cases) == SPEC_CLASSES
    assert {p.stem for p in ERRORS.glob("*.tcl")} == SPEC_CLASSES


@pytest.mark.parametrize("cls", sorted(SPEC_CLASSES))
def test_class_line_and_hint(pdflow, error_cases, cls):
    report = pdflow.validate((ERRORS / f"{cls}.tcl").read_text())
    assert not report.valid
    first = report.errors[0]
    assert (first.cls, first.line) == (cls, error_cases[cls]["line"]), [
        e.render() for e in report.errors
    ]
    assert error_cases[cls]["hint"] in first.hint


def test_spec_example_is_valid_with_the_spec_state(pdflow):
    report = pdflow.validate((DATA / "pdflow" / "spec_example.tcl").read_text())
    assert report.valid and report.errors == []
    assert report.state == {
        "design": "top.def",
        "saved": "top_routed.def",
        "corner": "tt",
        "effort": None,
        "max_fanout": 16,
        "nets": {
            "CLK": {
                "type": "clock",
                "route": {"layer": "M3", "width": 0.1},
                "keepout": None,
                "shield": None,
                "buffers": {},
            }
        },
        "instances": {},
        "groups": {},
        "layers": {},
        "rules": {"SR2": {"apply_to": ["CLK"], "spacing": 0.12}},
        "reports": [],
    }


def test_bad_enum_message_matches_the_spec_example(pdflow):
    report = pdflow.validate((ERRORS / "bad_enum.tcl").read_text())
    assert (
        report.errors[0].render() == "bad_enum line 6: -layer M7 is not one of M1..M6; nearest: M6"
    )


@pytest.mark.parametrize(
    "command",
    [
        "exec touch {W}",
        "file delete {W}",
        "open {W} w",
        "socket localhost 9",
        "set f [open {W} w]",
        "if {[exec touch {W}] eq {}} {}",
    ],
)
def test_forbidden_commands_are_rejected_and_never_run(pdflow, tmp_path, command):
    witness = tmp_path / "witness"
    script = (
        "#!/usr/bin/env tclsh\npackage require pdflow 1.0\n"
        + command.replace("{W}", str(witness))
        + "\n"
    )
    report = pdflow.validate(script)
    assert "forbidden_proc" in report.error_classes
    assert report.semantics_ok is None
    assert not witness.exists()


def test_computed_command_names_are_still_sandboxed(pdflow, tmp_path):
    """Policy cannot see `[set c exec]`; the safe interpreter still refuses it."""
    witness = tmp_path / "witness"
    script = f"#!/usr/bin/env tclsh\npackage require pdflow 1.0\nset c exec\n$c touch {witness}\n"
    report = pdflow.validate(script)
    assert report.semantics_ok is False
    assert report.errors[0].cls == "forbidden_proc" and report.errors[0].line == 4
    assert not witness.exists()


@pytest.mark.parametrize(
    "loop", ["while 1 {}", "for {set i 0} {1} {incr i} {}", "proc f {} {f}\nf"]
)
def test_runaway_scripts_end_with_runtime_limit_quickly(pdflow, loop):
    started = time.perf_counter()
    report = pdflow.validate(f"#!/usr/bin/env tclsh\npackage require pdflow 1.0\n{loop}\n")
    assert time.perf_counter() - started < 2.0
    assert report.error_classes == ["runtime_limit"]


def test_semantic_errors_inside_procs_and_loops_have_their_own_line(pdflow):
    script = (
        "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file top.def\n"
        "proc helper {n} {\n\n  my::route -net $n -layer M2\n}\nhelper CLK\n"
    )
    report = pdflow.validate(script)
    assert [(e.cls, e.line) for e in report.errors] == [("unknown_net", 6)]


def test_fixture_nets_exist_and_appear_in_the_state(pdflow):
    script = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file a.odb\nmy::route -net RST -layer M1\n"
    report = pdflow.validate(script, {"design_nets": {"RST": "signal", "VDD": "power"}})
    assert report.valid
    assert report.state["nets"]["VDD"] == {
        "type": "power",
        "route": None,
        "keepout": None,
        "shield": None,
        "buffers": {},
    }
    assert report.state["nets"]["RST"]["route"] == {"layer": "M1", "width": 0.1}


def test_shield_on_a_power_net_is_refused(pdflow):
    script = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file a.def\nmy::shield -net VDD -with VSS\n"
    report = pdflow.validate(script, {"design_nets": {"VDD": "power"}})
    assert [(e.cls, e.line) for e in report.errors] == [("bad_enum", 4)]


def test_dsl_state_normalises_units_groups_and_wildcards(pdflow):
    script = """#!/usr/bin/env tclsh
package require pdflow 1.0
my::load_design -file top.def
foreach n {D1 D0} { my::create_net -name $n }
dsl {
  group "BUS" nets: [D1, D0]
  rule "W" apply_to: @BUS width: 200nm layers: M2..M4 // comment
  rule "ALL" apply_to: * max_length: 500um
  layer M2 direction: horizontal pitch: 0.2um
}
"""
    state = pdflow.validate(script).state
    assert state["groups"] == {"BUS": ["D0", "D1"]}
    assert state["rules"]["W"] == {
        "apply_to": ["D0", "D1"],
        "width": 0.2,
        "layers": ["M2", "M3", "M4"],
    }
    assert state["rules"]["ALL"]["apply_to"] == ["D0", "D1"]
    assert state["layers"] == {"M2": {"direction": "horizontal", "pitch": 0.2}}


def test_runtime_values_are_checked_like_literals(pdflow):
    script = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file t.def\nmy::create_net -name A\nset w 3\nmy::route -net A -layer M1 -width $w\n"
    report = pdflow.validate(script)
    assert [(e.cls, e.line) for e in report.errors] == [("out_of_range", 6)]


def test_script_output_never_reaches_stdout(pdflow, capfd):
    pdflow.validate("#!/usr/bin/env tclsh\npackage require pdflow 1.0\nputs hello-from-script\n")
    assert "hello-from-script" not in capfd.readouterr().out
