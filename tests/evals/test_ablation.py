"""The ablation's configurations and its combined table, with a stand-in for the model runs."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from dslgen.evals import ablation
from dslgen.evals.ablation import ablation_steps, run_ablation
from dslgen.evals.cli import eval_group
from dslgen.evals.config import EvalConfig, EvalTask
from dslgen.evals.runner import EvalRun
from tests.evals.sample_records import valid_record

BASE = EvalConfig(suites=("unit", "scenario"), n=2, k=2, limit=1)


def test_steps_add_one_thing_at_a_time():
    steps, notes = ablation_steps(BASE, "runs/sft")
    assert [s.name for s in steps] == ["base", "grammar", "retrieval", "sft", "repair"]
    flags = [
        (s.config.use_grammar, s.config.use_retrieval, s.config.adapter, s.config.repair_rounds)
        for s in steps
    ]
    assert flags == [
        (False, False, None, 0),
        (True, False, None, 0),
        (True, True, None, 0),
        (True, True, "runs/sft", 0),
        (True, True, "runs/sft", 1),
    ]
    assert notes == [] and all(s.config.n == 2 and s.config.limit == 1 for s in steps)


def test_without_an_adapter_the_sft_row_is_skipped_with_a_note():
    steps, notes = ablation_steps(BASE, None)
    assert [s.name for s in steps] == ["base", "grammar", "retrieval", "repair"]
    assert steps[-1].config.adapter is None and steps[-1].config.repair_rounds == 1
    assert "skipped" in notes[0]


def fake_run(config: EvalConfig, progress) -> EvalRun:
    """Samples whose functional correctness grows with each added component."""
    score = config.use_grammar + config.use_retrieval + config.repair_rounds
    records = [
        valid_record(
            task_id=f"{suite}-0",
            suite=suite,
            level=suite,
            index=i,
            tokens=5,
            seconds=0.5,
            functional=i < score,
        )
        for suite in config.suites
        for i in range(config.n)
    ]
    tasks = [EvalTask(f"{s}-0", s, s, "route", "x", None, {}) for s in config.suites]
    return EvalRun(config, tasks, records, "cache", 0, len(records), 1.0, "tiny-model")


def test_ablation_writes_one_table_with_the_command(tmp_path: Path):
    command = "dslgen eval ablation --limit 1 --n 2 --k 2"
    markdown = run_ablation(BASE, None, tmp_path, command, run=fake_run).read_text()
    assert f"Command: `{command}`" in markdown
    assert "SFT adapter row is skipped" in markdown
    for label in ("base model, unconstrained", "+ grammar", "+ retrieval", "+ repair round"):
        assert f"| {label} / unit |" in markdown and f"| {label} / scenario |" in markdown
    assert "| base model, unconstrained / unit | 1 | 2 |" in markdown
    assert "Failure taxonomy of the best configuration (+ repair round)" in markdown
    assert (tmp_path / "ablation.png").is_file() and (tmp_path / "ablation.json").is_file()
    assert (tmp_path / "runs" / "repair" / "report.md").is_file()
    # Regenerating overwrites its own run folders.
    run_ablation(BASE, None, tmp_path, command, run=fake_run)


def test_ablation_command(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(ablation, "run_eval", fake_run)
    out = tmp_path / "ablation"
    args = ["ablation", "--limit", "1", "--n", "2", "--k", "2", "--out", str(out)]
    result = CliRunner().invoke(eval_group, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out / "ablation.md")
    assert "n=2, k=2" in (out / "ablation.md").read_text()
