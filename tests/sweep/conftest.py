"""Sweep fixtures: a sweep TOML on the tiny random model (trials of a few seconds each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.store.conftest import postgres_server, postgres_url  # noqa: F401  (shared fixtures)

TINY_SWEEP = """
name = "tiny"
heartbeat_seconds = 2

[train]
model = "{model}"
corpus_examples = {examples}
batch_size = 2
context = "oracle"
save_steps = 1
logging_steps = 1
dev_tasks = {dev_tasks}
dev_max_tokens = 16

[train.stages]
micro = 0.5
unit = 0.5

[eval]
evals_dir = "{evals}"
limit = 2
max_tokens = 16
use_retrieval = false

[space]
r = {ranks}
learning_rate = [1e-3, 1e-2]
max_steps = {steps}
"""


def write_sweep(
    folder: Path,
    model: Path,
    steps: str = "[2]",
    dev_tasks: int = 0,
    extra: str = "",
    ranks: str = "[2, 4]",
) -> Path:
    """A sweep.toml in `folder` on `model`: grid `ranks` x 2 learning rates x `steps`. With dev
    tasks, a larger corpus (its dev split is where they come from)."""
    path = folder / "sweep.toml"
    text = TINY_SWEEP.format(
        model=model,
        evals=REPO / "evals" / "pdflow",
        steps=steps,
        ranks=ranks,
        dev_tasks=dev_tasks,
        examples=160 if dev_tasks else 40,
    )
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.fixture
def tiny_sweep(tmp_path: Path, tiny_model: Path) -> Path:
    return write_sweep(tmp_path, tiny_model)
