"""A small real corpus, built once per session, for training tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.corpus.build import CorpusConfig, assemble, generate_examples
from dslgen.corpus.write import write_corpus


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = CorpusConfig(n=240, seed=3, workers=1)
    out = tmp_path_factory.mktemp("corpus") / "build"
    write_corpus(config, assemble(config, iter(list(generate_examples(config)))), out, 1.0)
    return out


@pytest.fixture(scope="session")
def tiny_run(tiny_model, small_corpus, tmp_path_factory) -> Path:
    runs = tmp_path_factory.mktemp("runs")
    config = runs / "tiny.toml"
    config.write_text("logging_steps = 1\n")
    args = ["train", "--config", str(config), "--model", str(tiny_model), "--corpus", str(small_corpus),
            "--runs-dir", str(runs), "--no-register", "--max-steps", "3", "--batch-size", "2",
            "--context", "none", "--save-steps", "3", "--dev-tasks", "0"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return runs / "pdflow-001"
