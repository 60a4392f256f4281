"""The gate and `dslgen generate` on a tiny random model: a first promotion evaluates the
candidate (named suites plus curated held-out tasks) and records its scores; a second evaluates
both versions alike; generate then answers with the promoted version and logs its name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dslgen.registry import ModelRegistry
from dslgen.store import open_store
from tests.registry.conftest import EVALS_DIR

pytest.importorskip("outlines")

GATE = ("--suites", "unit", "--limit", "2", "--max-tokens", "24", "--no-retrieval")


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    yield


def heldout_file(folder: Path) -> Path:
    """Two unit tasks as `dslgen curate export --heldout-out` writes them (suite "curated")."""
    lines = (EVALS_DIR / "unit.jsonl").read_text().splitlines()[:2]
    records = [
        json.loads(line) | {"id": f"cur-{i}", "suite": "curated"} for i, line in enumerate(lines)
    ]
    path = folder / "heldout.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_promotion_evaluates_records_scores_and_generate_uses_it(
    cli, eager_tiny_model, registry_file, tmp_path
):
    for _ in range(2):
        registered = cli("models", "register", "--base", "--model", str(eager_tiny_model))
        assert registered.exit_code == 0, registered.output
    heldout = heldout_file(tmp_path)
    gate = (*GATE, "--evals-dir", str(EVALS_DIR), "--heldout", str(heldout))

    first = cli("models", "promote", "v1", *gate)
    assert first.exit_code == 0, first.output
    assert "promoted pdflow v1" in first.output
    registry = ModelRegistry(registry_file)
    v1 = registry.get("pdflow", "v1")
    assert set(v1.scores) == {"unit", "curated"}
    assert v1.scores["unit"].tasks == 2 and v1.scores["curated"].scored_tasks == 2
    assert v1.scores["unit"].settings["n"] == 1 and v1.scores["unit"].settings["temperature"] == 0
    assert str(heldout) in v1.scores["curated"].settings["suite_files"]

    # the same model twice: the second eval comes from the sample cache and nothing drops
    second = cli("models", "promote", "v2", *gate)
    assert second.exit_code == 0, second.output
    assert "+0.000" in second.output and "promoted pdflow v2" in second.output
    figures = lambda name: {  # noqa: E731
        suite: (s.pass_at_1, s.valid_rate, s.tasks)
        for suite, s in registry.get("pdflow", name).scores.items()
    }
    assert figures("v2") == figures("v1")
    assert [v.status for v in registry.read().versions] == ["retired", "promoted"]

    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    args = ["-i", "Route CLK on M3.", "--no-retrieval", "--k", "1", "--max-tokens", "24"]
    args += ["--repair-rounds", "0", "--db", db]
    generated = cli("generate", *args)
    assert "pdflow v2 (promoted)" in generated.stderr
    explicit = cli("generate", *args, "--model", str(eager_tiny_model))
    assert "promoted" not in explicit.stderr
    with open_store(db) as store:
        rows = store.list_interactions().items
    assert [r.model_version for r in reversed(rows)] == ["v2", None]
