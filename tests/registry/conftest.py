"""Registry fixtures: a registry file in the test's folder, a finished training run folder made
by hand (training a real one is slow), and the CLI driven through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dslgen.cli import main

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals" / "pdflow"


@pytest.fixture
def registry_file(tmp_path: Path) -> Path:
    return tmp_path / "reg" / "registry.json"


def make_run(folder: Path, status: str = "finished", base: str = "/models/base") -> Path:
    """A run folder as `dslgen train` leaves it (config.json, run.json, adapter/)."""
    (folder / "adapter").mkdir(parents=True)
    (folder / "adapter" / "adapter_config.json").write_text("{}")
    config = {"config": {"domain": "pdflow", "max_steps": 4}, "base_model": base}
    (folder / "config.json").write_text(json.dumps(config))
    state = {
        "status": status,
        "data_files": {"train.jsonl": "ab" * 32, "curated:gold.jsonl": "cd" * 32},
        "data_counts": {"tasks": 200, "repairs": 20, "curated": 5, "dev": 10},
    }
    (folder / "run.json").write_text(json.dumps(state))
    return folder


@pytest.fixture
def fake_run(tmp_path: Path) -> Path:
    return make_run(tmp_path / "runs" / "pdflow-001")


@pytest.fixture
def cli(registry_file: Path):
    """`cli("models", "list", ...)`: the dslgen CLI with --registry pointing at the test's file
    (through DSLGEN_REGISTRY, which every command reads)."""

    def invoke(*args: str) -> Result:
        env = {"DSLGEN_REGISTRY": str(registry_file)}
        return CliRunner().invoke(main, list(args), env=env)

    return invoke
