"""Curation fixtures: a SQLite interaction log in tmp_path, real pdflow scripts, a small eval
suite folder. Interactions are logged without a model (tests.store.conftest's `log_one`)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from dslgen.store import open_store
from tests.conftest import REPO
from tests.store.conftest import (  # noqa: F401  (fixtures shared with the store tests)
    GOOD_SCRIPT,
    fake_result,
    log_one,
    postgres_server,
    postgres_url,
    store_url,
)

FIXTURE = {"design_nets": {"VDD": "power"}}
BAD_SCRIPT = GOOD_SCRIPT.replace("-layer M3", "-layer M7")  # bad_enum on line 6
UNIT_SUITE = REPO / "evals" / "pdflow" / "unit.jsonl"


def eval_tasks(count: int = 3) -> list[dict]:
    """The first tasks of the committed pdflow unit suite (instruction, fixture, reference)."""
    with UNIT_SUITE.open() as handle:
        return [json.loads(next(handle)) for _ in range(count)]


def train_task(pdflow, seed: int, level: str = "unit"):
    """A valid generated task of the training split (its own script, fixture, instruction)."""
    return pdflow.make_task(random.Random(f"curate-test:{seed}"), level, "train")


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'log.sqlite'}"


@pytest.fixture
def store(db: str):
    with open_store(db) as opened:
        yield opened


@pytest.fixture
def evals_dir(tmp_path: Path) -> Path:
    """A suite folder holding the first three tasks of the committed unit suite."""
    folder = tmp_path / "evals" / "pdflow"
    folder.mkdir(parents=True)
    lines = [json.dumps(task) + "\n" for task in eval_tasks()]
    (folder / "unit.jsonl").write_text("".join(lines))
    return folder
