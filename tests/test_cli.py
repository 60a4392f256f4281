"""The CLI as users and CI call it: exit codes, formats, directories."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from dslgen.cli import main
from tests.conftest import DATA

SPEC = str(DATA / "pdflow" / "spec_example.tcl")
ERRORS = DATA / "pdflow" / "errors"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_validate_valid_file_exits_zero():
    result = run("validate", SPEC)
    assert result.exit_code == 0 and "valid" in result.output


def test_validate_json_fields():
    result = run("validate", SPEC, "--format", "json")
    data = json.loads(result.output)
    assert set(data) >= {
        "file",
        "valid",
        "valid_syntax",
        "valid_dsl_blocks",
        "policy_ok",
        "semantics_ok",
        "errors",
    }


def test_validate_directory_recurses_and_fails(tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "good.tcl").write_text((DATA / "pdflow" / "spec_example.tcl").read_text())
    (tmp_path / "bad.tcl").write_text((ERRORS / "bad_enum.tcl").read_text())
    result = run("validate", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [d["valid"] for d in data] == [True, False]
    assert data[1]["errors"][0] == {
        "class": "bad_enum",
        "line": 6,
        "message": "-layer M7 is not one of M1..M6",
        "hint": "nearest: M6",
    }


def test_validate_junit():
    result = run("validate", str(ERRORS), "--format", "junit")
    suite = ET.fromstring(result.output.split("?>", 1)[1])
    assert suite.get("tests") == "16" and suite.get("failures") == "16"
    assert result.exit_code == 1


def test_execute_prints_state_and_fails_on_errors(tmp_path):
    result = run("execute", SPEC)
    assert result.exit_code == 0 and json.loads(result.output)["rules"]["SR2"]["spacing"] == 0.12
    result = run("execute", str(ERRORS / "unknown_net.tcl"))
    assert result.exit_code == 1 and "unknown_net line 6" in result.output


def test_unknown_domain_is_one_sentence():
    result = run("validate", SPEC, "--domain", "nope")
    assert result.exit_code == 1 and "unknown domain 'nope'" in result.output


def test_bad_catalog_names_the_key(tmp_path):
    catalog = json.loads((DATA.parents[1] / "catalog" / "pdflow.json").read_text())
    catalog["procs"]["my::route"]["argz"] = []
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(catalog))
    result = run("validate", SPEC, "--catalog", str(path))
    assert result.exit_code == 1 and "argz" in result.output and "Traceback" not in result.output


def test_grammar_command_prints_lark():
    result = run("grammar")
    assert result.exit_code == 0 and "call_my_route" in result.output


def test_catalog_extract_cli(tmp_path):
    out = tmp_path / "cat.json"
    result = run("catalog", "extract", str(DATA / "catalog" / "pdflow_procs.tcl"), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "my::route" in json.loads(out.read_text())["procs"]
