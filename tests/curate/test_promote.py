"""Promote and reject: only outputs that validate and execute become examples; bad input is one
sentence with exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.curate import ReviewStore, default_reviewer, promote, reject
from dslgen.errors import InvalidExampleError, ReviewInputError
from dslgen.store import MASK
from tests.curate.conftest import BAD_SCRIPT, GOOD_SCRIPT, fake_result, log_one


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def promote_args(db: str, evals_dir: Path, interaction_id: int, *extra: str) -> list[str]:
    return [
        "curate", "promote", str(interaction_id), "--score", "7", "--category", "routing",
        "--db", db, "--evals-dir", str(evals_dir), *extra,
    ]  # fmt: skip


def test_promote_stores_the_edit_with_its_report_and_executed_state(db, store, evals_dir):
    interaction = log_one(store)
    fixed = GOOD_SCRIPT.replace("-layer M3", "-layer M4")
    store.add_edit(interaction, fixed)
    result = run(*promote_args(db, evals_dir, interaction, "--reviewer", "ann"))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"interaction {interaction}: accepted (score 7, routing; gold output from the edit)\n"
    )
    assert "no --corpus" in result.stderr  # what was not checked is said
    review = ReviewStore(store).latest(interaction)
    assert (review.decision, review.score, review.category, review.reviewer) == (
        "accept",
        7,
        "routing",
        "ann",
    )
    assert review.output == fixed and review.report["valid"] is True
    assert review.executed_state["nets"]["CLK"]["route"]["layer"] == "M4"  # a functional test
    assert review.created_at is not None and review.flags == [] and not review.forced


def test_the_output_file_wins_over_the_edit_and_the_edit_over_the_output(
    db, store, evals_dir, tmp_path
):
    interaction = log_one(store)
    store.add_edit(interaction, BAD_SCRIPT)
    reviews = ReviewStore(store)
    with pytest.raises(InvalidExampleError, match="the user's latest edit does not validate"):
        promote(reviews, interaction, score=5, category="unit", hygiene=None)
    fixed = tmp_path / "fixed.tcl"
    fixed.write_text(GOOD_SCRIPT.replace("-layer M3", "-layer M5"))
    result = run(*promote_args(db, evals_dir, interaction, "--output", str(fixed)))
    assert result.exit_code == 0, result.output
    assert "gold output from the file" in result.stdout
    assert "-layer M5" in ReviewStore(store).latest(interaction).output
    plain = log_one(store, instruction="Route CLK on M3, please.")
    assert run(*promote_args(db, evals_dir, plain)).exit_code == 0
    assert ReviewStore(store).latest(plain).output == GOOD_SCRIPT


def test_an_output_that_does_not_validate_is_refused_with_its_first_errors(db, store, evals_dir):
    interaction = log_one(store, result=fake_result(BAD_SCRIPT, valid=False))
    result = run(*promote_args(db, evals_dir, interaction))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: interaction {interaction} cannot be promoted: the generated output does not "
        "validate (bad_enum line 6: -layer M7 is not one of M1..M6); fix it (promote --output "
        "FILE, or e in curate review) or reject it\n"
    )
    assert ReviewStore(store).history(interaction) == []


def test_an_output_that_does_not_execute_is_refused(store, evals_dir):
    endless = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nwhile {1} {}\n"
    interaction = log_one(store, result=fake_result(endless))
    with pytest.raises(InvalidExampleError, match="runtime_limit line 3"):
        promote(ReviewStore(store), interaction, score=6, category="unit", hygiene=None)
    assert ReviewStore(store).latest(interaction) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["promote", "99", "--score", "7", "--category", "x"], "no interaction 99 in the"),
        (["promote", "1", "--score", "11", "--category", "x"], "--score must be a whole number"),
        (["promote", "1", "--score", "0", "--category", "x"], "from 1 to 10, not 0"),
        (["promote", "1", "--score", "5", "--category", " "], "--category must be 1 to 64"),
        (["promote", "1", "--score", "5", "--category", "x", "--output", "nope.tcl"], "nope.tcl"),
        (["promote", "1", "--score", "5", "--category", "x", "--corpus", "no"], "no train.jsonl"),
        (["reject", "42"], "no interaction 42 in the"),
        (["export", "--out", "x.jsonl", "--min-score", "11"], "--min-score must be from 1"),
        (["export", "--out", "x.jsonl", "--heldout-share", "1.5"], "--heldout-share must be"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_code_1(db, store, args, message, tmp_path):
    log_one(store)
    result = run("curate", *args, "--db", db)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: ") and message in result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert ReviewStore(store).history(1) == []


def test_reject_leaves_the_candidates_and_keeps_a_redacted_comment(db, store):
    interaction = log_one(store)
    store.add_feedback(interaction, rating="down")
    result = run(
        "curate", "reject", str(interaction), "--comment", "leaks password=hunter2", "--db", db
    )
    assert result.exit_code == 0 and result.output == f"interaction {interaction}: rejected\n"
    review = ReviewStore(store).latest(interaction)
    assert review.decision == "reject" and review.score is None
    assert review.comment == f"leaks password={MASK}"
    listed = run("curate", "candidates", "--db", db)
    assert listed.stdout == ""


def test_the_latest_decision_counts(store, evals_dir):
    interaction = log_one(store)
    reviews = ReviewStore(store)
    promote(reviews, interaction, score=8, category="unit", hygiene=None, reviewer="ann")
    assert [e.review.interaction_id for e in reviews.accepted()] == [interaction]
    reject(reviews, interaction, reviewer="bob", comment="on second thought")
    assert reviews.accepted() == []
    assert [r.decision for r in reviews.history(interaction)] == ["accept", "reject"]


def test_reviewer_defaults_to_the_environment_then_the_login(monkeypatch, store):
    monkeypatch.setenv("DSLGEN_REVIEWER", "carol")
    assert default_reviewer() == "carol"
    interaction = log_one(store)
    assert reject(ReviewStore(store), interaction).reviewer == "carol"
    monkeypatch.delenv("DSLGEN_REVIEWER")
    assert default_reviewer()  # the login name (or "unknown" without one)
    with pytest.raises(ReviewInputError, match="--reviewer must be"):
        reject(ReviewStore(store), interaction, reviewer="  ")
