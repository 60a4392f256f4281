"""Hygiene on promote: eval tasks are refused (no override), duplicates flagged or refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.curate import Hygiene, ReviewStore, promote
from dslgen.errors import DuplicateExampleError, EvalLeakageError
from tests.curate.conftest import GOOD_SCRIPT, eval_tasks, fake_result, log_one, train_task

TASK = eval_tasks(1)[0]  # "Work on core.def. Add buffering to net ADDR_0: 8 x BUF_X4. ..."


def _log_like_task(store, instruction: str) -> int:
    return log_one(
        store,
        instruction=instruction,
        fixture=TASK["fixture"],
        result=fake_result(TASK["reference"]),
    )


@pytest.mark.parametrize(
    "instruction",
    [
        TASK["instruction"],
        TASK["instruction"].upper().replace(". ", ".   ").replace(":", " -"),  # case, spacing
        TASK["instruction"].replace("Finally save", "Then save").replace(". ", "; "),  # reworded
        TASK["instruction"].replace("Finally", "At the end,").replace("Add buffering", "Buffer"),
    ],
    ids=["same", "case-and-punctuation", "reworded", "same-task-and-fixture"],
)
def test_an_eval_task_is_refused_without_override(db, store, evals_dir, instruction):
    interaction = _log_like_task(store, instruction)
    store.add_feedback(interaction, rating="up")
    result = CliRunner().invoke(
        main,
        ["curate", "promote", str(interaction), "--score", "9", "--category", "unit",
         "--force-duplicate", "--db", db, "--evals-dir", str(evals_dir)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: interaction {interaction} cannot be promoted: ")
    assert "eval task pdflow-unit-0000" in result.output and "no override" in result.output
    assert ReviewStore(store).history(interaction) == []  # no accept row


def test_a_task_of_the_training_split_is_not_taken_for_an_eval_task(pdflow, store, evals_dir):
    reviews = ReviewStore(store)
    hygiene = Hygiene.build(reviews, "pdflow", None, evals_dir)
    for seed in range(6):
        task = train_task(pdflow, seed)
        interaction = log_one(
            store,
            instruction=task.instruction,
            fixture=task.fixture,
            result=fake_result(task.script),
        )
        done = promote(reviews, interaction, score=6, category="unit", hygiene=hygiene)
        assert done.flags == []


def test_missing_eval_suites_are_a_warning_and_a_flag(db, store, tmp_path):
    interaction = log_one(store)
    result = CliRunner().invoke(
        main,
        ["curate", "promote", str(interaction), "--score", "6", "--category", "unit",
         "--db", db, "--evals-dir", str(tmp_path / "nowhere")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"warning: no eval suites at {tmp_path / 'nowhere'}: eval leakage is NOT checked" in (
        result.stderr
    )
    [flag] = ReviewStore(store).latest(interaction).flags
    assert flag.kind == "evals_unchecked"


def _corpus(tmp_path: Path, *records: tuple[str, str]) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    lines = [
        json.dumps(
            {"id": f"pdflow-train-{i:06d}", "instruction": ins, "output": out, "valid": True}
        )
        for i, (ins, out) in enumerate(records)
    ]
    (folder / "train.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_a_near_duplicate_of_the_corpus_is_flagged_and_promoted(db, store, evals_dir, tmp_path):
    corpus = _corpus(tmp_path, ("Lay out the IO ring.", "x"), ("Route CLK on M3 now.", GOOD_SCRIPT))
    interaction = log_one(store, instruction="Route CLK on M3.")
    result = CliRunner().invoke(
        main,
        ["curate", "promote", str(interaction), "--score", "6", "--category", "routing",
         "--db", db, "--evals-dir", str(evals_dir), "--corpus", str(corpus)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: near-duplicate of corpus example pdflow-train-000001 (similarity" in (
        result.stderr
    )
    [flag] = ReviewStore(store).latest(interaction).flags
    assert (flag.kind, flag.against) == ("near_duplicate_corpus", "pdflow-train-000001")
    assert 0.8 <= flag.similarity < 1.0


def test_an_exact_duplicate_of_the_corpus_needs_force(db, store, evals_dir, tmp_path):
    corpus = _corpus(tmp_path, ("route clk on m3", GOOD_SCRIPT))
    interaction = log_one(store, instruction="Route CLK on M3!")
    args = ["curate", "promote", str(interaction), "--score", "6", "--category", "routing",
            "--db", db, "--evals-dir", str(evals_dir), "--corpus", str(corpus)]  # fmt: skip
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1
    assert "exact duplicate of corpus example pdflow-train-000000" in refused.output
    assert "pass --force-duplicate" in refused.output
    assert ReviewStore(store).history(interaction) == []
    forced = CliRunner().invoke(main, [*args, "--force-duplicate"])
    assert forced.exit_code == 0, forced.output
    review = ReviewStore(store).latest(interaction)
    assert review.forced and [f.kind for f in review.flags] == ["exact_duplicate_corpus"]


def test_duplicates_of_other_curated_examples(store, evals_dir):
    reviews = ReviewStore(store)
    hygiene = Hygiene.build(reviews, "pdflow", None, evals_dir)
    first = log_one(store, instruction="Route CLK on M3.")
    same = log_one(store, instruction="Route CLK on M3.")
    near = log_one(store, instruction="Route CLK on M3 now.")
    promote(reviews, first, score=7, category="routing", hygiene=hygiene)
    with pytest.raises(DuplicateExampleError, match="exact duplicate of curated example curated-1"):
        promote(reviews, same, score=7, category="routing", hygiene=hygiene)
    done = promote(reviews, near, score=7, category="routing", hygiene=hygiene)
    assert [(f.kind, f.against) for f in done.flags] == [("near_duplicate_curated", "curated-1")]
    # promoting the same interaction again (a new score) is not a duplicate of itself
    again = promote(reviews, first, score=9, category="routing", hygiene=Hygiene.build(
        reviews, "pdflow", None, evals_dir
    ))  # fmt: skip
    assert [f.kind for f in again.flags] == ["near_duplicate_curated"]


def test_leakage_refusal_is_not_lifted_by_force(store, evals_dir):
    interaction = _log_like_task(store, TASK["instruction"])
    hygiene = Hygiene.build(ReviewStore(store), "pdflow", None, evals_dir)
    with pytest.raises(EvalLeakageError, match="pdflow-unit-0000"):
        hygiene.screen(interaction, TASK["instruction"], TASK["reference"], None, True)
