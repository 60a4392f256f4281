"""Export: what `dslgen train --curated` reads, and a held-out split that is stable and disjoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.corpus.records import read_jsonl
from dslgen.curate import (
    HygieneFlag,
    ReviewStore,
    export_curated,
    heldout_fraction,
    is_heldout,
    promote,
    reject,
)
from dslgen.evals.config import EvalTask
from dslgen.train.data import load_pool
from tests.curate.conftest import FIXTURE, GOOD_SCRIPT, log_one

STATE = {"design": "top.def", "nets": {}}
REPORT = {
    "valid": True, "valid_syntax": True, "valid_dsl_blocks": True, "policy_ok": True,
    "semantics_ok": True, "errors": [], "dsl_blocks": [],
}  # fmt: skip


def _accept_directly(store, count: int, score: int = 7) -> list[int]:
    """Accepted reviews stored without the promote checks (the split does not look at them)."""
    reviews = ReviewStore(store)
    ids = []
    for n in range(count):
        interaction = log_one(store, instruction=f"task number {n}")
        reviews.record(
            interaction, "accept", "ann", score=score, category="unit", output=GOOD_SCRIPT,
            report=REPORT, executed_state=STATE,
        )  # fmt: skip
        ids.append(interaction)
    return ids


def _ids(path: Path) -> set[int]:
    return {int(r["id"].removeprefix("curated-")) for r in read_jsonl(path)}


def test_the_export_is_read_by_load_pool(store, evals_dir, tmp_path):
    reviews = ReviewStore(store)
    unit = log_one(store, instruction="Route CLK on M3.")
    topic = log_one(store, instruction="Please route CLK on layer M4.")
    store.add_edit(topic, GOOD_SCRIPT.replace("-layer M3", "-layer M4"))
    promote(reviews, unit, score=8, category="unit", hygiene=None, reviewer="ann")
    promote(reviews, topic, score=6, category="routing", hygiene=None, reviewer="bob")
    out = tmp_path / "curated.jsonl"
    summary = export_curated(store, out, heldout_share=0.0)
    assert summary.to_json() == {
        "train": 2,
        "heldout": 0,
        "dropped_near_heldout": 0,
        "heldout_written": False,
    }
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    generated = {"id": "pdflow-train-000000", "level": "unit", "instruction": "x", "output": "y"}
    (corpus / "train.jsonl").write_text(json.dumps(generated) + "\n")
    pool = load_pool(corpus, [out])
    first, second = pool.curated
    assert first["id"] == f"curated-{unit}" and first["kind"] == "curated"
    assert (first["level"], first["intent"], first["score"], first["reviewer"]) == (
        "unit",
        "unit",
        8,
        "ann",
    )
    assert (second["level"], second["intent"]) == ("curated", "routing")  # not a level
    assert second["output"] == GOOD_SCRIPT.replace("-layer M3", "-layer M4")
    assert second["instruction"] == "Please route CLK on layer M4."
    assert second["domain"] == "pdflow" and second["fixture"] == FIXTURE
    assert second["valid"] is True and second["report"]["valid"] is True
    assert second["expected_state"]["nets"]["CLK"]["route"]["layer"] == "M4"
    assert second["interaction_id"] == topic
    assert second["metadata"]["validators_passed"] == ["syntax", "dsl", "policy", "semantics"]


def test_only_latest_accepts_with_enough_score_are_exported(store, tmp_path):
    low = _accept_directly(store, 1, score=5)
    good = _accept_directly(store, 2, score=6)
    reject(ReviewStore(store), good[1], reviewer="bob")
    finance = log_one(store, instruction="Margin of ACME?", domain="finance")
    ReviewStore(store).record(
        finance, "accept", "ann", score=9, category="lookup", output="{}", executed_state={}
    )
    out = tmp_path / "curated.jsonl"
    assert export_curated(store, out, heldout_share=0.0, domain="pdflow").train == 1
    assert _ids(out) == {good[0]}
    export_curated(store, out, min_score=5, heldout_share=0.0)
    assert _ids(out) == {low[0], good[0], finance}


def test_heldout_split_is_stable_disjoint_and_in_the_eval_task_format(db, store, tmp_path):
    ids = _accept_directly(store, 30)
    out, heldout = tmp_path / "curated.jsonl", tmp_path / "heldout.jsonl"
    result = CliRunner().invoke(
        main,
        ["curate", "export", "--db", db, "--out", str(out), "--heldout-out", str(heldout),
         "--heldout-share", "0.3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    train, held = _ids(out), _ids(heldout)
    assert not train & held and train | held == set(ids)
    assert held == {i for i in ids if is_heldout(i, 0.3)} and 0 < len(held) < len(ids)
    assert result.output == (
        f"wrote {out}: {len(train)} example(s)\nheld out {len(held)}: wrote {heldout}\n"
    )
    task = EvalTask.from_json(read_jsonl(heldout)[0], "curated")
    assert (task.suite, task.level, task.intent, task.fixture) == (
        "curated",
        "unit",
        "unit",
        FIXTURE,
    )
    assert task.expected_state == STATE and task.extra["reference"] == GOOD_SCRIPT
    # more examples later: nobody changes side
    _accept_directly(store, 10)
    export_curated(store, out, heldout_out=heldout, heldout_share=0.3)
    assert held <= _ids(heldout) and train <= _ids(out)
    # without --heldout-out the held-out examples still stay out of training
    export_curated(store, out, heldout_share=0.3)
    assert not _ids(out) & held


def test_heldout_fraction_is_uniform_and_monotone_in_the_share():
    fractions = [heldout_fraction(i) for i in range(1, 4001)]
    assert all(0.0 <= f < 1.0 for f in fractions)
    assert 0.18 < sum(f < 0.2 for f in fractions) / len(fractions) < 0.22
    small = {i for i in range(1, 4001) if is_heldout(i, 0.1)}
    assert small <= {i for i in range(1, 4001) if is_heldout(i, 0.2)}
    assert heldout_fraction(17) == heldout_fraction(17)  # no salt, no state


def test_a_near_duplicate_of_a_heldout_example_is_left_out_of_training(db, store, tmp_path):
    ids = _accept_directly(store, 12)
    held = next(i for i in ids if is_heldout(i, 0.5))
    kept = next(i for i in ids if not is_heldout(i, 0.5))
    flag = HygieneFlag("near_duplicate_curated", "near-duplicate", f"curated-{held}", 0.85)
    ReviewStore(store).record(
        kept, "accept", "ann", score=7, category="unit", output=GOOD_SCRIPT, flags=[flag]
    )
    out = tmp_path / "curated.jsonl"
    result = CliRunner().invoke(
        main, ["curate", "export", "--db", db, "--out", str(out), "--heldout-share", "0.5"]
    )
    assert result.exit_code == 0, result.output
    assert kept not in _ids(out) and held not in _ids(out)
    assert "not written (give --heldout-out)" in result.stdout
    assert "1 example(s) left out" in result.stderr


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_share_zero_holds_out_nothing_and_one_everything(store, tmp_path, share):
    ids = _accept_directly(store, 5)
    out, heldout = tmp_path / "c.jsonl", tmp_path / "h.jsonl"
    summary = export_curated(store, out, heldout_out=heldout, heldout_share=share)
    assert (summary.train, summary.heldout) == ((5, 0) if share == 0 else (0, 5))
    assert _ids(out) | _ids(heldout) == set(ids)
