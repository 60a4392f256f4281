"""`dslgen models` without a model: register, list, show, the gate's refusal and --force (the
eval replaced by fixed scores), rollback, compare from a logged interaction log, bad input."""

from __future__ import annotations

import json

import pytest

from dslgen.registry import ModelRegistry, SuiteScore
from dslgen.store import open_store
from tests.store.conftest import fake_result, log_one


def scores(unit: float, valid: float = 1.0) -> dict[str, SuiteScore]:
    return {
        "unit": SuiteScore(tasks=20, samples=20, scored_tasks=20, pass_at_1=unit, valid_rate=valid)
    }


@pytest.fixture
def fixed_eval(monkeypatch):
    """`evaluate_version` replaced: each version's scores come from this dict by name."""
    by_version: dict[str, dict[str, SuiteScore]] = {}

    def evaluate(version, config, progress=None):
        assert (config.n, config.k, config.temperature, config.limit) == (1, 1, 0.0, 3)
        return by_version[version.name]

    monkeypatch.setattr("dslgen.registry.evaluate.evaluate_version", evaluate)
    return by_version


def test_register_list_and_show(cli, fake_run, tmp_path):
    base = cli("models", "register", "--base", "--model", str(tmp_path), "--notes", "bare")
    assert base.exit_code == 0, base.output
    assert base.output.startswith(f"registered pdflow v1 (candidate): {tmp_path}")
    run = cli("models", "register", "--run", str(fake_run))
    assert "registered pdflow v2 (candidate): /models/base + " in run.output

    listed = cli("models", "list", "--domain", "pdflow")
    assert listed.exit_code == 0 and "v1" in listed.output and "candidate" in listed.output
    as_json = json.loads(cli("models", "list", "--format", "json").output)
    assert [v["name"] for v in as_json] == ["v1", "v2"]
    shown = json.loads(cli("models", "show", "v2").output)
    assert shown["run"] == str(fake_run) and shown["data_counts"]["curated"] == 5
    assert shown["history"] == []


def test_the_gate_refuses_a_drop_and_force_overrides_it_on_the_record(
    cli, tmp_path, fixed_eval, registry_file
):
    for _ in range(2):
        cli("models", "register", "--base", "--model", str(tmp_path))
    fixed_eval.update({"v1": scores(0.60), "v2": scores(0.40)})
    gate = ("--limit", "3", "--no-retrieval")

    first = cli("models", "promote", "v1", *gate)
    assert first.exit_code == 0, first.output
    assert "promoted pdflow v1" in first.output

    refused = cli("models", "promote", "v2", *gate)
    assert refused.exit_code == 1
    assert "Traceback" not in refused.output
    assert (
        "pdflow v2 not promoted: unit pass@1 fell from 0.600 to 0.400 (-0.200), more than the "
        "threshold 0.050; v1 stays promoted" in " ".join(refused.output.split())
    )
    assert "DROP" in refused.output and "-0.200" in refused.output
    registry = ModelRegistry(registry_file)
    assert registry.promoted("pdflow").name == "v1"
    assert registry.get("pdflow", "v2").scores["unit"].pass_at_1 == 0.40  # recorded anyway

    assert cli("models", "promote", "v2", *gate, "--threshold", "0.25").exit_code == 0
    assert cli("models", "rollback").output.startswith("rolled back pdflow: v1 is promoted again")
    forced = cli("models", "promote", "v2", *gate, "--force")
    assert forced.exit_code == 0 and "promoted pdflow v2 (forced past the gate)" in forced.output
    last = registry.read().history[-1]
    assert (last.action, last.version, last.previous, last.forced) == ("promote", "v2", "v1", True)
    assert [(r.suite, r.metric, r.current, r.candidate) for r in last.figures][0] == (
        "unit",
        "pass@1",
        0.60,
        0.40,
    )
    assert last.user


def test_compare_reads_the_log_per_version_with_intervals_and_fisher(cli, tmp_path):
    for _ in range(2):
        cli("models", "register", "--base", "--model", str(tmp_path))
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    with open_store(db) as store:
        for i in range(6):
            a = log_one(store, model_version="v1", result=fake_result(valid=i < 5))
            store.add_feedback(a, rating="down")
            store.add_feedback(a, rating="up")  # the latest rating counts
            b = log_one(store, model_version="v2", result=fake_result(valid=i < 1))
            store.add_feedback(b, rating="down")
            if i < 3:
                store.add_edit(b, "puts hi\n")
        log_one(store, model_version="v1", domain="finance")  # another domain: not counted
    out = cli("models", "compare", "v1", "v2", "--db", db, "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["generations"] == {"v1": 6, "v2": 6}
    metrics = {m["metric"]: m for m in data["metrics"]}
    valid = metrics["valid rate"]
    assert (valid["a"]["successes"], valid["b"]["successes"]) == (5, 1)
    assert valid["p_value"] == pytest.approx(0.0801, abs=1e-3)  # Fisher [[5,1],[1,5]]
    assert valid["verdict"] == "not significant"
    up = metrics["thumbs-up rate"]
    assert (up["a"]["successes"], up["b"]["successes"], up["b"]["total"]) == (6, 0, 6)
    assert up["verdict"] == "significant" and up["a"]["ci95"][1] == 1.0
    assert metrics["edit rate"]["b"]["successes"] == 3

    table = cli("models", "compare", "v1", "v2", "--db", db)
    assert "not significant" in table.output and "thumbs-up rate" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("models", "show", "v7"), "no version 'v7' of pdflow in the registry"),
        (("models", "promote", "v7"), "no version 'v7' of pdflow"),
        (("models", "rollback"), "no version of pdflow is promoted"),
        (("models", "register"), "give either --run RUN or --base"),
        (("models", "compare", "v1", "v9"), "no version 'v1'"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_1(cli, args, message):
    result = cli(*args)
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert message in result.output


def test_a_corrupt_registry_fails_every_command_with_one_sentence(cli, registry_file):
    registry_file.parent.mkdir(parents=True)
    registry_file.write_text('{"versions": [{"name": "first"}]}')
    for args in (("models", "list"), ("models", "promote", "v1")):
        result = cli(*args)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "is not a readable dslgen registry" in result.output
