"""`dslgen feedback` and `dslgen interactions` as users call them: exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.store import open_store
from tests.store.conftest import GOOD_SCRIPT, fake_result, log_one


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite log holding two interactions (ids 1 and 2; 2 is finance and invalid)."""
    url = f"sqlite:///{tmp_path / 'log.sqlite'}"
    with open_store(url) as store:
        log_one(store)
        log_one(
            store, instruction="Margin of ACME?", domain="finance", result=fake_result(valid=False)
        )
    return url


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_feedback_up_down_followup_and_comment(db):
    assert run("feedback", "1", "--up", "--db", db).output == "interaction 1: rated up\n"
    result = run("feedback", "1", "--down", "--comment", "wrong layer", "--db", db)
    assert result.exit_code == 0 and "rated down" in result.output
    assert (
        run("feedback", "2", "--followup", "--db", db).output == "interaction 2: follow-up noted\n"
    )
    with open_store(db) as store:
        first, second = store.get(1), store.get(2)
    assert first.rating == "down" and first.feedback[1].comment == "wrong layer"
    assert second.had_followup and second.rating is None


def test_feedback_edit_is_validated_and_stored_with_its_report(db, tmp_path):
    good = tmp_path / "good.tcl"
    good.write_text(GOOD_SCRIPT)
    result = run("feedback", "1", "--edit", str(good), "--db", db)
    assert result.exit_code == 0 and result.output == "interaction 1: edit stored (valid)\n"
    bad = tmp_path / "bad.tcl"
    bad.write_text(GOOD_SCRIPT.replace("-layer M3", "-layer M7"))
    result = run("feedback", "1", "--edit", str(bad), "--db", db)
    assert result.exit_code == 0 and "edit stored (NOT VALID)" in result.output
    assert f"{bad}:6: bad_enum: -layer M7 is not one of M1..M6; nearest: M6" in result.output
    with open_store(db) as store:
        record = store.get(1)
    assert record.latest_edit.edited_output.count("M7") == 1
    assert record.latest_edit.edited_report["errors"][0]["class"] == "bad_enum"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give exactly one of --up, --down, --edit FILE or --followup"),
        (("--up", "--down"), "give exactly one of"),
        (("--comment", "only a comment"), "give exactly one of"),
    ],
)
def test_feedback_needs_exactly_one_kind(db, args, message):
    result = run("feedback", "1", *args, "--db", db)
    assert result.exit_code == 2 and message in result.output


def test_feedback_errors_are_one_sentence(db, tmp_path):
    result = run("feedback", "42", "--up", "--db", db)
    assert (
        result.exit_code == 1
        and "Error: no interaction 42 in the interaction log at" in result.output
    )
    assert "Traceback" not in result.output
    result = run("feedback", "abc", "--up", "--db", db)
    assert result.exit_code == 2 and "'abc' is not a valid integer" in result.output
    result = run("feedback", "1", "--edit", str(tmp_path / "missing.tcl"), "--db", db)
    assert result.exit_code == 1 and "missing.tcl" in result.output
    result = run("feedback", "1", "--up", "--db", "nosuchdb://x")
    assert result.exit_code == 1 and "no database driver 'nosuchdb' is known" in result.output


def test_interactions_list_text_json_filters_and_paging(db):
    result = run("interactions", "list", "--db", db)
    assert result.exit_code == 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].split()[0] == "2" and "finance" in lines[0] and "invalid" in lines[0]
    assert lines[1].split()[0] == "1" and "Route CLK on M3." in lines[1]
    assert "1-2 of 2" in lines[-1]
    page = json.loads(
        run(
            "interactions", "list", "--format", "json", "--limit", "1", "--offset", "1", "--db", db
        ).output
    )
    assert [item["id"] for item in page["items"]] == [1] and page["total"] == 2
    only = json.loads(
        run("interactions", "list", "--domain", "finance", "--format", "json", "--db", db).output
    )
    assert [item["id"] for item in only["items"]] == [2]
    later = json.loads(
        run("interactions", "list", "--since", "2999-01-01", "--format", "json", "--db", db).output
    )
    assert later["items"] == [] and later["total"] == 0
    run("feedback", "1", "--up", "--db", db)
    rated = json.loads(
        run("interactions", "list", "--rating", "up", "--format", "json", "--db", db).output
    )
    assert [item["id"] for item in rated["items"]] == [1]
    result = run("interactions", "list", "--limit", "0", "--db", db)
    assert result.exit_code == 1 and "limit must be between 1 and 1000" in result.output


def test_interactions_show_and_export(db, tmp_path):
    shown = json.loads(run("interactions", "show", "1", "--db", db).output)
    assert shown["id"] == 1 and shown["output"] == GOOD_SCRIPT and len(shown["samples"]) == 2
    result = run("interactions", "show", "9", "--db", db)
    assert result.exit_code == 1 and "no interaction 9" in result.output
    out = tmp_path / "export.jsonl"
    result = run("interactions", "export", "--out", str(out), "--db", db)
    assert result.exit_code == 0 and result.output == f"wrote {out}: 2 interaction(s)\n"
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [1, 2]
    run("interactions", "export", "--out", str(out), "--valid", "--db", db)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [1]


def test_the_default_database_is_in_dslgen_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "home"))
    result = run("interactions", "list")
    assert result.exit_code == 0 and "0-0 of 0" in result.output
    assert (tmp_path / "home" / "interactions.sqlite").exists()
