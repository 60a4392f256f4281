"""`dslgen train` end to end on a tiny random model: a run folder with everything in it, an
adapter that generation loads, resume after a kill, and a merged model."""

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
from dslgen.hardware import cpu_has_native_bf16

pytest.importorskip("trl")


def _train_args(tiny_model: Path, corpus: Path, runs: Path, steps: int) -> list[str]:
    return [
        "train",
        "--model", str(tiny_model),
        "--corpus", str(corpus),
        "--runs-dir", str(runs),
        "--registry", str(runs / "registry.json"),  # module fixtures run outside the isolated home
        "--max-steps", str(steps),
        "--batch-size", "2",
        "--context", "oracle",
        "--save-steps", "2",
        "--dev-tasks", "1",
        "--dev-max-tokens", "16",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def finished_run(tiny_model, small_corpus, tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    result = CliRunner().invoke(main, _train_args(tiny_model, small_corpus, runs, 4))
    assert result.exit_code == 0, result.output
    return runs / "pdflow-001", result.output


def test_run_folder_records_config_data_metrics_adapter_and_plot(finished_run):
    run, output = finished_run
    assert "run " in output and "tokens/s" in output
    assert "registered pdflow v1 (candidate)" in output  # `dslgen models` knows the run
    state = json.loads((run / "run.json").read_text())
    assert state["status"] == "finished" and state["step"] == 4
    assert set(state["data_files"]) == {"train.jsonl", "repairs.jsonl", "dev.jsonl"}
    assert len(state["stage_files"]) == 4 and state["train_tokens"] > 0
    config = json.loads((run / "config.json").read_text())
    assert config["config"]["max_steps"] == 4 and config["config"]["lora"]["r"] == 16
    assert config["dtype"] == ("bfloat16" if cpu_has_native_bf16() else "float32")
    assert config["quantization"] is None
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert any(r["kind"] == "dev" and "dev_functional_rate" in r for r in rows)
    assert (run / "training.png").stat().st_size > 1000
    assert (run / "adapter" / "adapter_model.safetensors").is_file()
    prompt = json.loads((run / "adapter" / "dslgen_prompt.json").read_text())
    assert prompt["context"] == "oracle"
    for stage in (run / "data").glob("stage-*-*.jsonl"):
        first = json.loads(stage.read_text().splitlines()[0])
        assert (
            first["prompt"][0]["role"] == "system" and first["completion"][0]["role"] == "assistant"
        )


def test_adapter_is_trained_and_loads_for_generation(finished_run, tiny_model):
    from safetensors.torch import load_file

    run, _ = finished_run
    weights = load_file(str(run / "adapter" / "adapter_model.safetensors"))
    lora_b = [w for name, w in weights.items() if "lora_B" in name]
    assert lora_b and any(float(w.abs().sum()) > 0 for w in lora_b)  # B starts at zero
    result = CliRunner().invoke(
        main,
        ["generate", "-i", "Load top.def.", "--model", str(tiny_model), "--adapter", str(run),
         "--k", "1", "--max-tokens", "24", "--repair-rounds", "0", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    assert len(report["candidates"]) == 1


def test_a_second_run_never_overwrites_a_finished_one(finished_run, tiny_model, small_corpus):
    run, _ = finished_run
    before = (run / "run.json").read_text()
    result = CliRunner().invoke(
        main, _train_args(tiny_model, small_corpus, run.parent, 4)[:-4] + ["--dev-tasks", "0"]
    )
    assert result.exit_code == 0, result.output
    assert (run.parent / "pdflow-002" / "adapter").is_dir()
    assert (run / "run.json").read_text() == before


def test_merge_writes_a_model_that_loads(finished_run, tmp_path):
    run, _ = finished_run
    out = tmp_path / "merged"
    result = CliRunner().invoke(main, ["train", "merge", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()
    again = CliRunner().invoke(main, ["train", "merge", str(run), "--out", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_killed_run_resumes_from_its_checkpoint(tiny_model, small_corpus, tmp_path):
    runs = tmp_path / "runs"
    args = _train_args(tiny_model, small_corpus, runs, 10)[:-4] + ["--dev-tasks", "0"]
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dslgen.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    checkpoints = runs / "pdflow-001" / "checkpoints"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if any((c / "trainer_state.json").is_file() for c in checkpoints.glob("checkpoint-*")):
                break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    state = json.loads((runs / "pdflow-001" / "run.json").read_text())
    assert state["status"] == "running"
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "resuming" in result.output and "from step" in result.output
    assert not (runs / "pdflow-002").exists()
    state = json.loads((runs / "pdflow-001" / "run.json").read_text())
    assert state["status"] == "finished" and state["step"] == 10
    steps = [
        json.loads(x)["step"]
        for x in (runs / "pdflow-001" / "metrics.jsonl").read_text().splitlines()
    ]
    assert steps == sorted(set(steps))  # nothing logged twice
