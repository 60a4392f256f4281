"""`dslgen eval` end to end on a tiny random model: a well-formed run folder, the cache on a rerun,
resumption from a partial cache, `eval compare`, and one-sentence errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.evals.cli import eval_group
from dslgen.paths import home

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals" / "pdflow"

pytest.importorskip("outlines")

METRIC_KEYS = {
    "tasks",
    "samples",
    "tcl_parse_rate",
    "dsl_samples",
    "dsl_parse_rate",
    "mixed_compliance",
    "policy_compliance",
    "valid_rate",
    "picked@1",
    "functional_samples",
    "functional_rate",
    "repaired",
    "pass@1",
    "pass@2",
    "latency_mean_s",
    "latency_p50_s",
    "tokens_mean",
}


def run_eval_cli(model: Path, out: Path, *extra: str):
    args = [
        "--suite",
        "unit",
        "--limit",
        "2",
        "--n",
        "2",
        "--k",
        "2",
        "--max-tokens",
        "48",
        "--temperature",
        "1.0",
        "--no-retrieval",
        "--model",
        str(model),
        "--evals-dir",
        str(EVALS_DIR),
        "--out",
        str(out),
        *extra,
    ]
    return CliRunner().invoke(eval_group, args)


def results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text())


def texts(folder: Path) -> list[tuple[str, int, str]]:
    samples = [json.loads(line) for line in (folder / "samples.jsonl").open()]
    return [(s["task_id"], s["index"], s["text"]) for s in samples]


def test_eval_writes_a_run_folder_and_reuses_the_cache(eager_tiny_model, tmp_path):
    first = run_eval_cli(eager_tiny_model, tmp_path / "run1")
    assert first.exit_code == 0, first.output
    assert str(tmp_path / "run1") in first.stdout and "pass@2" in first.stdout
    data = results(tmp_path / "run1")
    assert data["run"]["generated_samples"] == 4 and data["run"]["cached_samples"] == 0
    assert set(data["metrics"]["overall"]) == METRIC_KEYS
    assert set(data["metrics"]["by_suite"]) == {"unit"}
    assert data["metrics"]["overall"]["tasks"] == 2 and data["metrics"]["overall"]["samples"] == 4
    assert set(data["taxonomy"]) == {
        "error_classes",
        "first_failure",
        "failing_intents",
        "failing_intent_steps",
    }
    samples = [json.loads(line) for line in (tmp_path / "run1" / "samples.jsonl").open()]
    assert [(s["task_id"], s["index"]) for s in samples] == [
        ("pdflow-unit-0000", 0),
        ("pdflow-unit-0000", 1),
        ("pdflow-unit-0001", 0),
        ("pdflow-unit-0001", 1),
    ]
    report = (tmp_path / "run1" / "report.md").read_text()
    assert "## By suite" in report and "| unit |" in report and "pass_by_intent.png" in report
    for chart in ("pass_by_intent.png", "compliance_by_suite.png"):
        assert (tmp_path / "run1" / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    again = run_eval_cli(eager_tiny_model, tmp_path / "run2")
    assert again.exit_code == 0, again.output
    rerun = results(tmp_path / "run2")
    assert rerun["run"]["generated_samples"] == 0 and rerun["run"]["cached_samples"] == 4
    assert rerun["metrics"] == data["metrics"]

    # A run killed after its first task: the cache holds that task's lines and a torn one.
    (cache,) = (home() / "evals" / "cache").glob("*.jsonl")
    lines = cache.read_text().splitlines(keepends=True)
    cache.write_text("".join(lines[:2]) + lines[2][:40])
    resumed = run_eval_cli(eager_tiny_model, tmp_path / "run3")
    assert resumed.exit_code == 0, resumed.output
    assert results(tmp_path / "run3")["run"]["generated_samples"] == 2
    assert results(tmp_path / "run3")["run"]["cached_samples"] == 2
    # Seeds are per task, so the regenerated task samples the same text as the first run.
    assert texts(tmp_path / "run3") == texts(tmp_path / "run1")

    compared = CliRunner().invoke(
        eval_group,
        [
            "compare",
            str(tmp_path / "run1"),
            str(tmp_path / "run2"),
            "--out",
            str(tmp_path / "c.md"),
        ],
    )
    assert compared.exit_code == 0, compared.output
    assert "run1 / all" in compared.stdout and "run2 / all" in compared.stdout
    assert (tmp_path / "c.png").is_file() and "run2 / all" in (tmp_path / "c.md").read_text()

    taken = run_eval_cli(eager_tiny_model, tmp_path / "run1")
    assert taken.exit_code == 1 and "already holds an eval run" in taken.output


def test_a_changed_setting_misses_the_cache(eager_tiny_model, tmp_path):
    first = run_eval_cli(eager_tiny_model, tmp_path / "a", "--limit", "1", "--no-grammar")
    second = run_eval_cli(
        eager_tiny_model, tmp_path / "b", "--limit", "1", "--no-grammar", "--seed", "1"
    )
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert results(tmp_path / "b")["run"]["generated_samples"] == 2
    assert results(tmp_path / "b")["config"]["use_grammar"] is False


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--suite", "nope"], "unknown suite nope"),
        (["--k", "3"], "--k must be between 1 and --n"),
        (["--temperature", "0"], "greedy decoding"),
        (["--evals-dir", "/nonexistent"], "no eval suite file"),
    ],
)
def test_bad_settings_are_one_sentence(eager_tiny_model, tmp_path, extra, message):
    outcome = run_eval_cli(eager_tiny_model, tmp_path / "run", *extra)
    assert outcome.exit_code == 1 and message in outcome.output
    assert "Traceback" not in outcome.output and not (tmp_path / "run").exists()


def test_missing_model_is_one_sentence(tmp_path):
    outcome = run_eval_cli(tmp_path / "no-model", tmp_path / "run")
    assert outcome.exit_code == 1 and "not a model directory" in outcome.output


def test_compare_of_a_folder_that_is_no_run(tmp_path):
    outcome = CliRunner().invoke(eval_group, ["compare", str(tmp_path)])
    assert outcome.exit_code == 1 and "not an eval run folder" in outcome.output


@pytest.mark.slow
def test_worker_processes_give_the_same_samples(eager_tiny_model, tmp_path):
    """Two spawned workers (each loading the model) sample what one process samples."""
    one = run_eval_cli(eager_tiny_model, tmp_path / "one", "--no-grammar")
    assert one.exit_code == 0, one.output
    (cache,) = (home() / "evals" / "cache").glob("*.jsonl")
    cache.unlink()
    two = run_eval_cli(eager_tiny_model, tmp_path / "two", "--no-grammar", "--workers", "2")
    assert two.exit_code == 0, two.output
    assert results(tmp_path / "two")["run"]["generated_samples"] == 4
    assert texts(tmp_path / "two") == texts(tmp_path / "one")


def test_eval_records_what_generate_picks(eager_tiny_model, tmp_path):
    """One selection path: the eval runs each task through generate_script, marks the candidate
    it picked, and replaying the selection on the recorded candidates picks the same one."""
    from dslgen.decode.selection import choose
    from dslgen.evals.records import SampleRecord

    result = run_eval_cli(eager_tiny_model, tmp_path / "run", "--selection", "consensus")
    assert result.exit_code == 0, result.output
    samples = [
        SampleRecord.from_json(json.loads(line))
        for line in (tmp_path / "run" / "samples.jsonl").open()
    ]
    for task in {s.task_id for s in samples}:
        records = sorted((s for s in samples if s.task_id == task), key=lambda s: s.index)
        replayed = choose([r.ballot for r in records]).index
        marked = [r.index for r in records if r.chosen]
        assert marked == ([] if replayed is None else [replayed])
        assert all(r.named > 0 for r in records)  # the unit requests name things to cover
