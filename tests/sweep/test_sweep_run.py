"""`dslgen sweep run|predict|report` end to end on a tiny random model: a 4-trial sweep killed
mid-trial and resumed, the predictor run on it (top-k trained for real), the report, pruning of
a hopeless trial, and two workers sharing one PostgreSQL study."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from tests.sweep.conftest import write_sweep

pytest.importorskip("optuna")
pytest.importorskip("trl")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, ["sweep", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _results(folder: Path) -> list[dict]:
    path = folder / "results.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _study(folder: Path, name: str = "tiny"):
    import optuna

    return optuna.load_study(study_name=name, storage=f"sqlite:///{folder / 'study.db'}")


def _states(study) -> list[str]:
    return sorted(t.state.name for t in study.get_trials())


def _start_worker(args: list[str], log: Path) -> subprocess.Popen:
    env = os.environ | {"OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "dslgen.cli", "sweep", "run", *args]
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)


def _wait_until(condition, process: subprocess.Popen, log: Path, limit: float = 240) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "timed out: " + log.read_text()[-3000:]
        time.sleep(0.2)


@pytest.mark.timeout(900)
def test_sweep_resumes_after_a_kill_then_predicts_and_reports(
    tmp_path, tiny_model, one_torch_thread
):
    config = write_sweep(tmp_path, tiny_model, steps="[1]", ranks="[2, 4, 8]")  # a grid of 6
    folder = tmp_path / "out"
    args = ["--config", str(config), "--out", str(folder), "--trials", "4"]
    worker = _start_worker(args, tmp_path / "worker.log")
    trials = folder / "trials"
    # kill it (SIGKILL: no clean-up) once the first trial is recorded and the second has begun
    _wait_until(
        lambda: len(_results(folder)) >= 1 and len(list(trials.glob("t-*"))) >= 2,
        worker,
        tmp_path / "worker.log",
    )
    import psutil

    trial_processes = psutil.Process(worker.pid).children(recursive=True)
    assert trial_processes  # the trial runs in a child process of the worker
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _, alive = psutil.wait_procs(trial_processes, timeout=15)
    assert not alive  # the trial does not train on without its worker
    assert "RUNNING" in _states(_study(folder))  # the killed trial, left running

    output = _cli("run", *args)
    assert "re-queued 1 trial(s) left running by a stopped worker" in output
    assert "study tiny: 4 finished trial(s)" in output
    study = _study(folder)
    complete = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    assert len(complete) == 4 and "RUNNING" not in _states(study)
    keys = {t.user_attrs["key"] for t in complete}
    assert len(keys) == 4  # four different configurations, the killed one among them
    for key in keys:  # every configuration trained in exactly one run folder (resumed, not redone)
        assert len(list(trials.glob(f"t-{key}-*"))) == 1
    rows = _results(folder)
    assert len(rows) == 4 and {r["key"] for r in rows} == keys
    for row in rows:  # every measurement the issue asks for, per trial
        assert row["state"] == "complete" and 0.0 <= row["value"] <= 1.0
        assert row["train_seconds"] > 0 and row["tokens_per_second"] > 0
        assert row["peak_memory_mb"] > 100 and row["adapter_bytes"] > 10_000
        assert row["device"] == "cpu" and row["seed"] == 0
        assert row["seconds"] == pytest.approx(row["train_seconds"] + row["eval_seconds"])
        assert row["wall_seconds"] > 0 and 0.0 <= row["pass_at_1"] <= 1.0
    assert "nothing to do" in _cli("run", *args)  # a finished sweep is left alone

    # the predictor fitted on the 4 trials ranks the grid; the 2 others are trained for real
    output = _cli("predict", "--config", str(config), "--out", str(folder), "--top-k", "2")
    predicted = json.loads((folder / "predict.json").read_text())
    assert predicted["predictor"] in {"gaussian_process", "gradient_boosting"}
    assert set(predicted["cv_mae"]) == {"gaussian_process", "gradient_boosting"}
    assert predicted["fit_trials"] == 4 and predicted["grid_size"] == 6
    assert len(predicted["ranking"]) == 6
    ranked = [r["predicted"] for r in predicted["ranking"]]
    assert ranked == sorted(ranked, reverse=True)
    assert [r["source"] for r in predicted["top_k"]] == ["ran"] * 2
    assert all(r["actual"] is not None for r in predicted["top_k"])
    assert len(_results(folder)) == 6 and "top 2 predicted" in output
    assert predicted["regret"] == pytest.approx(predicted["best_known"] - predicted["best_found"])
    assert predicted["exhaustive"] and predicted["seconds_exhaustive_measured"]

    # after the whole grid: fitted on a subset, the others are the truth, looked up, not rerun
    _cli("predict", "--config", str(config), "--out", str(folder), "--fit-on", "4", "--top-k", "2")
    subset = json.loads((folder / "predict.json").read_text())
    assert subset["fit_trials"] == 4 and subset["heldout"]["trials"] == 2
    assert [r["source"] for r in subset["top_k"]] == ["truth", "truth"]
    assert len(_results(folder)) == 6  # nothing was trained again
    fitted = [r for r in subset["ranking"] if r["source"] == "fit"]
    spent = sum(r["seconds"] for r in fitted + subset["top_k"])
    assert subset["seconds_spent"] == pytest.approx(spent)
    assert subset["seconds_exhaustive"] == pytest.approx(
        sum(r["seconds"] for r in subset["ranking"])
    )

    _cli("report", "--config", str(config), "--out", str(folder))
    report = (folder / "report.md").read_text()
    assert "## Trials" in report and "## Prediction" in report and "regret" in report
    assert report.count("\n| ") >= 6 + 2  # a row per trial, plus headers
    for chart in ("pareto.png", "predicted_vs_actual.png"):
        assert (folder / chart).stat().st_size > 5000


@pytest.mark.timeout(600)
def test_a_hopeless_trial_is_pruned_at_a_stage_end(tmp_path, tiny_model, one_torch_thread):
    """Two earlier trials scored 1.0 on the dev sample at every stage; the random model scores 0
    after its second stage, below their median, so it is pruned before being scored."""
    import optuna

    extra = '\n[pruner]\nkind = "median"\nstartup_trials = 2\nwarmup_stages = 1\n'
    config = write_sweep(tmp_path, tiny_model, dev_tasks=1, extra=extra)
    folder = tmp_path / "out"
    from dslgen.sweep.config import load_sweep_config
    from dslgen.sweep.study import default_storage, open_study

    sweep = load_sweep_config(config)
    folder.mkdir()
    study = open_study(sweep, default_storage(folder))
    distributions = {
        name: optuna.distributions.CategoricalDistribution(values)
        for name, values in sweep.space.dimensions().items()
    }
    for params in sweep.grid()[:2]:
        study.add_trial(
            optuna.trial.create_trial(
                params=params,
                distributions=distributions,
                value=1.0,
                intermediate_values={1: 1.0, 2: 1.0},
            )
        )
    output = _cli("run", "--config", str(config), "--out", str(folder), "--trials", "3")
    assert "pruned at stage 2" in output
    rows = _results(folder)
    assert [r["state"] for r in rows] == ["pruned"]
    assert _states(_study(folder)).count("PRUNED") == 1


@pytest.mark.timeout(600)
def test_two_workers_share_one_postgresql_study(tmp_path, tiny_model, postgres_url):
    config = write_sweep(tmp_path, tiny_model)
    workers = [
        _start_worker(
            ["--config", str(config), "--out", str(tmp_path / f"w{i}"), "--storage", postgres_url,
             "--trials", "4"],
            tmp_path / f"w{i}.log",
        )
        for i in range(2)
    ]  # fmt: skip
    for i, worker in enumerate(workers):
        assert worker.wait(timeout=300) == 0, (tmp_path / f"w{i}.log").read_text()[-3000:]
    import optuna

    study = optuna.load_study(study_name="tiny", storage=postgres_url)
    complete = [t for t in study.get_trials() if t.state.name == "COMPLETE"]
    assert len(complete) >= 4
    assert len({t.user_attrs["worker"] for t in complete}) == 2  # both workers ran trials
    local_rows = [len(_results(tmp_path / f"w{i}")) for i in range(2)]
    assert all(local_rows) and sum(local_rows) == len(complete)
