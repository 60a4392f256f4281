"""One whole round of the feedback loop through the CLI, on a tiny random model: v1 promoted →
generate (logged as v1) → feedback with edits → promote the edits non-interactively → export
(train + held-out) → retrain with the curated file → v2 registered → the gate compares v1 and v2
and decides, and generate then answers with whichever version the gate left promoted."""

from __future__ import annotations

import json
import random

import pytest

from dslgen.domain import get_domain
from dslgen.registry import ModelRegistry
from dslgen.store import open_store
from tests.registry.conftest import EVALS_DIR

pytest.importorskip("trl")

GATE = ("--suites", "unit", "--limit", "2", "--max-tokens", "24", "--no-retrieval")
GATE += ("--evals-dir", str(EVALS_DIR))


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    yield


def pilot_tasks(count: int) -> list:
    """Train-side tasks (disjoint from the eval suites by template and parameters)."""
    domain, rng = get_domain("pdflow"), random.Random(5)
    return [domain.make_task(rng, "unit", "train") for _ in range(count)]


def test_a_whole_round_from_generation_to_the_gate(cli, eager_tiny_model, registry_file, tmp_path):
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    assert cli("models", "register", "--base", "--model", str(eager_tiny_model)).exit_code == 0
    first = cli("models", "promote", "v1", *GATE)
    assert first.exit_code == 0 and "promoted pdflow v1" in first.output, first.output

    # v1 answers three pilot requests; the user edits each into the reference script
    ids = []
    for number, task in enumerate(pilot_tasks(3)):
        fixture = tmp_path / f"fixture-{number}.json"
        fixture.write_text(json.dumps(task.fixture))
        generated = cli(
            "generate", "-i", task.instruction, "--fixture", str(fixture), "--k", "1",
            "--max-tokens", "24", "--repair-rounds", "0", "--no-retrieval", "--db", db,
        )  # fmt: skip
        assert "pdflow v1 (promoted)" in generated.stderr
        interaction = int(generated.stderr.split("logged as interaction ")[1].split()[0])
        gold = tmp_path / f"gold-{number}.tcl"
        gold.write_text(task.script)
        for feedback in (["--down"], ["--edit", str(gold)]):
            done = cli("feedback", str(interaction), *feedback, "--db", db)
            assert done.exit_code == 0, done.output
        ids.append(interaction)

    candidates = cli("curate", "candidates", "--db", db, "--format", "json")
    assert [c["id"] for c in json.loads(candidates.output)] == sorted(ids, reverse=True)
    for interaction in ids:
        promoted = cli(
            "curate", "promote", str(interaction), "--score", "8", "--category", "unit",
            "--reviewer", "tester", "--evals-dir", str(EVALS_DIR), "--db", db,
        )  # fmt: skip
        assert promoted.exit_code == 0 and "accepted" in promoted.output, promoted.output
    assert cli("curate", "candidates", "--db", db, "--format", "json").output.strip() == "[]"

    curated, heldout = tmp_path / "curated.jsonl", tmp_path / "heldout.jsonl"
    exported = cli(
        "curate", "export", "--min-score", "6", "--out", str(curated), "--heldout-out",
        str(heldout), "--heldout-share", "0.34", "--db", db,
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    train_rows = [json.loads(line) for line in curated.read_text().splitlines()]
    heldout_rows = [json.loads(line) for line in heldout.read_text().splitlines()]
    assert len(train_rows) + len(heldout_rows) == 3 and train_rows
    assert all(row["expected_state"] for row in train_rows)  # each doubles as a functional test

    corpus = tmp_path / "corpus"
    built = cli(
        "corpus", "build", "--n", "60", "--seed", "3", "--workers", "1", "--out", str(corpus)
    )
    assert built.exit_code == 0, built.output
    trained = cli(
        "train", "--model", str(eager_tiny_model), "--corpus", str(corpus), "--curated",
        str(curated), "--runs-dir", str(tmp_path / "runs"), "--max-steps", "2",
        "--batch-size", "2", "--context", "none", "--dev-tasks", "0", "--save-steps", "2",
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert "registered pdflow v2 (candidate)" in trained.output
    run = json.loads((tmp_path / "runs" / "pdflow-001" / "run.json").read_text())
    assert run["data_counts"]["curated"] == len(train_rows)
    stages = (tmp_path / "runs" / "pdflow-001" / "data").glob("stage-*.jsonl")
    trained_on = {
        json.loads(line)["id"] for path in stages for line in path.read_text().splitlines()
    }
    assert {row["id"] for row in train_rows} <= trained_on  # curated examples are never dropped

    gate = [*GATE, *(["--heldout", str(heldout)] if heldout_rows else [])]
    decided = cli("models", "promote", "v2", *gate)
    registry = ModelRegistry(registry_file)
    v1, v2 = registry.get("pdflow", "v1"), registry.get("pdflow", "v2")
    assert "unit" in v2.scores and "unit" in v1.scores  # both evaluated, side by side
    assert "v1" in decided.output and "v2" in decided.output
    if decided.exit_code == 0:
        assert "promoted pdflow v2" in decided.output and v2.status == "promoted"
        expected = "v2"
    else:
        assert "dropped" in decided.output and v2.status == "candidate"
        expected = "v1"
    task = pilot_tasks(1)[0]
    again = cli("generate", "-i", task.instruction, "--k", "1", "--max-tokens", "16",
                "--repair-rounds", "0", "--no-retrieval", "--db", db)  # fmt: skip
    assert f"pdflow {expected} (promoted)" in again.stderr
    with open_store(db) as store:
        assert store.list_interactions(limit=1).items[0].model_version == expected
