"""`EvalConfig.extra_suites`: JSONL files of eval tasks evaluated after the named suites (the
gate's curated held-out slice), checked up front, limited like any suite; no model needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dslgen.errors import EvalConfigError
from dslgen.evals.config import EvalConfig, EvalTask, load_tasks

EVALS_DIR = Path(__file__).resolve().parents[2] / "evals" / "pdflow"


def suite_file(path: Path, suite: str | None, count: int = 3) -> Path:
    lines = (EVALS_DIR / "unit.jsonl").read_text().splitlines()[:count]
    records = []
    for i, line in enumerate(lines):
        record = json.loads(line) | {"id": f"held-{i}"}
        record.pop("suite", None)
        records.append(record | ({"suite": suite} if suite else {}))
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_extra_suites_follow_the_named_ones_with_their_suite_name(tmp_path):
    curated = suite_file(tmp_path / "heldout.jsonl", "curated")
    plain = suite_file(tmp_path / "gold.jsonl", None)
    config = EvalConfig(
        suites=("unit",), limit=2, evals_dir=str(EVALS_DIR), extra_suites=(str(curated), str(plain))
    )
    config.check()
    tasks = load_tasks(config)
    assert [t.suite for t in tasks] == ["unit", "unit", "curated", "curated", "gold", "gold"]
    assert tasks[2] == EvalTask.from_json(json.loads(curated.read_text().splitlines()[0]), "x")
    assert config.label() == "pdflow-unit+heldout+gold-n16"
    assert config.to_json()["extra_suites"] == [str(curated), str(plain)]
    # an extra suite alone is a complete eval
    assert [t.id for t in load_tasks(EvalConfig(suites=(), extra_suites=(str(plain),)))] == [
        "held-0",
        "held-1",
        "held-2",
    ]


def test_the_default_config_is_unchanged():
    assert EvalConfig().extra_suites == () and EvalConfig().label() == "pdflow-unit-n16"


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.jsonl", "no suite file"), ("unit.jsonl", "is named like the pdflow suite 'unit'")],
)
def test_bad_extra_suites_are_refused_before_sampling(tmp_path, name, message):
    path = tmp_path / name
    if name == "unit.jsonl":
        suite_file(path, None)
    with pytest.raises(EvalConfigError, match=message):
        EvalConfig(extra_suites=(str(path),)).check()


def test_a_broken_extra_suite_file_names_the_file(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "x"}\n')  # no instruction
    with pytest.raises(EvalConfigError, match="broken.jsonl is not an eval suite file"):
        load_tasks(EvalConfig(suites=(), extra_suites=(str(path),)))
