"""Garbage in, a clear report out: never a traceback, whatever the bytes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslgen.cli import main
from dslgen.records import Report
from tests.conftest import DATA

SEED = (DATA / "pdflow" / "spec_example.tcl").read_text()


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_binary_file(tmp_path):
    path = tmp_path / "blob.tcl"
    path.write_bytes(bytes(range(256)) * 10)
    result = _run("validate", str(path), "--format", "json")
    assert (
        result.exit_code == 1
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    report = json.loads(result.output)
    assert report["valid"] is False and "not UTF-8" in report["errors"][0]["message"]


def test_nul_bytes_in_utf8(pdflow):
    report = pdflow.validate("#!/usr/bin/env tclsh\nset a \x00\n")
    assert report.errors[0].line == 2 and "binary" in report.errors[0].message


def test_five_megabyte_file(tmp_path):
    path = tmp_path / "big.tcl"
    path.write_text(SEED * (5_000_000 // len(SEED) + 1))
    result = _run("validate", str(path))
    assert result.exit_code == 1
    assert "MB" in result.output and "Traceback" not in result.output


def test_unbalanced_braces_and_deep_nesting(pdflow):
    assert pdflow.validate("set a {{{\n").error_classes == ["tcl_syntax"]
    deep = "set x " + "[list " * 5000 + "]" * 5000 + "\n"
    report = pdflow.validate(deep)
    assert not report.valid and report.errors[0].cls == "tcl_syntax"
    braces = (
        "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nset x "
        + "{" * 20000
        + "}" * 20000
        + "\n"
    )
    assert pdflow.validate(braces).valid_syntax


def test_missing_file_and_bad_fixture_are_one_sentence(tmp_path):
    result = _run("validate", str(tmp_path / "nope.tcl"))
    assert result.exit_code == 1 and "cannot read" in result.output
    fixture = tmp_path / "f.json"
    fixture.write_text('{"design_nets": {"CLK": "clok"}')
    script = tmp_path / "a.tcl"
    script.write_text(SEED)
    result = _run("validate", str(script), "--fixture", str(fixture))
    assert (
        result.exit_code == 1
        and f"{fixture}:1" in result.output
        and "Traceback" not in result.output
    )


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.sampled_from(
            list('{}[]"$\\;#\n \tabcx-:@*.') + ["my::route ", "dsl ", "set ", "\x00", "é"]
        ),
        max_size=60,
    ).map("".join)
)
def test_random_text_always_gets_a_report(pdflow, text):
    report = pdflow.validate(text)
    assert isinstance(report, Report)
    assert report.valid or report.errors
    json.dumps(report.to_json())


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_scripts_always_get_a_report(pdflow, data):
    position = data.draw(st.integers(0, len(SEED) - 1))
    action = data.draw(st.sampled_from(["delete", "insert", "duplicate_line"]))
    if action == "delete":
        text = SEED[:position] + SEED[position + 1 :]
    elif action == "insert":
        text = SEED[:position] + data.draw(st.sampled_from(list('{}[]"$\\;\n'))) + SEED[position:]
    else:
        lines = SEED.splitlines(keepends=True)
        index = data.draw(st.integers(0, len(lines) - 1))
        text = "".join(lines[: index + 1] + lines[index:])
    report = pdflow.validate(text)
    assert report.valid or all(e.line >= 0 and e.cls for e in report.errors)
