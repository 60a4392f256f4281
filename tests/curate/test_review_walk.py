"""`dslgen curate review` driven by scripted keystrokes: accept, reject, edit, skip, quit, resume."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.curate import ReviewStore
from tests.curate.conftest import BAD_SCRIPT, GOOD_SCRIPT, eval_tasks, fake_result, log_one

FIXED = GOOD_SCRIPT.replace("-layer M3", "-layer M4")


@pytest.fixture
def three(store) -> dict[str, int]:
    """An edited, a thumbs-up and a thumbs-down interaction (reviewed in that order)."""
    down = log_one(store, instruction="Route CLK on M6.", result=fake_result(BAD_SCRIPT, False))
    store.add_feedback(down, rating="down")
    up = log_one(store, instruction="Route the clock [CLK] on M3.")
    store.add_feedback(up, rating="up")
    edited = log_one(store, instruction="Route CLK on M4.", result=fake_result(BAD_SCRIPT, False))
    store.add_edit(edited, FIXED)
    return {"edited": edited, "up": up, "down": down}


def review(db: str, evals_dir, keys: str):
    args = ["curate", "review", "--db", db, "--evals-dir", str(evals_dir), "--reviewer", "ann"]
    return CliRunner().invoke(main, args, input=keys)


def test_accept_reject_quit_then_resume_with_the_next_candidate(db, store, evals_dir, three):
    result = review(db, evals_dir, "a\n7\nrouting\nr\nq\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"interaction {three['edited']} · edited" in out and "Route CLK on M4." in out
    assert "-my::route -net CLK -layer M7" in out and "+my::route -net CLK -layer M4" in out
    assert f"interaction {three['edited']}: accepted (score 7, routing)" in out
    assert f"interaction {three['up']}: rejected" in out
    assert "Route the clock [CLK] on M3." in out  # instructions are shown as typed
    assert f"interaction {three['down']} · down" in out  # shown, then q
    assert out.endswith(
        "accepted 1, rejected 1, skipped 0, refused 0; decisions are stored, run again to go on\n"
    )
    reviews = ReviewStore(store)
    accepted = reviews.latest(three["edited"])
    assert (accepted.decision, accepted.score, accepted.category, accepted.reviewer) == (
        "accept",
        7,
        "routing",
        "ann",
    )
    assert accepted.output == FIXED and accepted.executed_state is not None
    assert reviews.latest(three["up"]).decision == "reject"
    assert reviews.latest(three["down"]) is None
    resumed = review(db, evals_dir, "q\n")
    assert f"interaction {three['down']} · down" in resumed.output
    assert f"interaction {three['edited']} ·" not in resumed.output
    assert f"interaction {three['up']} ·" not in resumed.output


def test_skipped_candidates_come_back_next_time(db, store, evals_dir, three):
    result = review(db, evals_dir, "s\ns\ns\n")
    assert result.exit_code == 0
    assert "no candidates left" in result.output and "skipped 3" in result.output
    again = review(db, evals_dir, "q\n")
    assert f"interaction {three['edited']} · edited" in again.output
    assert ReviewStore(store).history(three["edited"]) == []


def test_edit_revalidates_then_accepts_the_edited_output(db, store, evals_dir, monkeypatch):
    down = log_one(store, instruction="Route CLK on M6.", result=fake_result(BAD_SCRIPT, False))
    store.add_feedback(down, rating="down")
    fixed = GOOD_SCRIPT.replace("-layer M3", "-layer M6")
    seen = []

    def fake_edit(text, extension=".txt", **_):
        seen.append((text, extension))
        return fixed

    monkeypatch.setattr(click, "edit", fake_edit)
    result = review(db, evals_dir, "a\n5\nunit\ne\na\n6\nunit\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "NOT VALID" in out and "bad_enum" in out  # the generated output's report
    assert "refused: interaction" in out and "does not validate" in out
    assert seen == [(BAD_SCRIPT, ".tcl")]  # the editor opened on the output shown
    assert "+my::route -net CLK -layer M6" in out and "report: valid" in out
    assert f"interaction {down}: accepted (score 6, unit)" in out
    assert "refused 1" in out
    review_row = ReviewStore(store).latest(down)
    assert review_row.output == fixed and review_row.report["valid"] is True


def test_an_eval_task_is_refused_in_the_walk_which_goes_on(db, store, evals_dir):
    task = eval_tasks(1)[0]
    leaked = log_one(
        store,
        instruction=task["instruction"],
        fixture=task["fixture"],
        result=fake_result(task["reference"]),
    )
    store.add_feedback(leaked, rating="up")
    result = review(db, evals_dir, "a\n9\nunit\nr\n")
    assert result.exit_code == 0, result.output
    assert "eval task pdflow-unit-0000" in result.output
    assert f"interaction {leaked}: rejected" in result.output
    assert [r.decision for r in ReviewStore(store).history(leaked)] == ["reject"]


def test_end_of_input_stops_the_walk_keeping_the_decisions(db, store, evals_dir, three):
    result = review(db, evals_dir, "r\n")
    assert result.exit_code == 0
    assert "rejected 1" in result.output
    assert ReviewStore(store).latest(three["edited"]).decision == "reject"


def test_a_bad_category_is_said_and_asked_again(db, store, evals_dir, three):
    result = review(db, evals_dir, f"a\n7\n{'x' * 65}\na\n7\nrouting\nq\n")
    assert result.exit_code == 0, result.output
    assert "error: --category must be 1 to 64 characters" in result.output
    assert ReviewStore(store).latest(three["edited"]).category == "routing"
