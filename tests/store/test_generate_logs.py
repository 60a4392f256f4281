"""`dslgen generate` logs every run (one row, on a tiny random model), not with --no-log or
DSLGEN_NO_LOG=1, and a broken log only warns: the script still comes out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.store import open_store
from dslgen.store.cli import logging_disabled

pytest.importorskip("outlines")


def generate(model: Path, *extra: str):
    args = ["generate", "-i", "Route CLK on M3.", "--model", str(model), "--no-retrieval"]
    args += ["--k", "1", "--max-tokens", "40", "--repair-rounds", "0", *extra]
    return CliRunner().invoke(main, args)


def test_generate_writes_one_row_and_honours_no_log(eager_tiny_model, tmp_path):
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    out = tmp_path / "script.tcl"
    result = generate(eager_tiny_model, "--db", db, "--out", str(out))
    assert "logged as interaction 1 (rate it: dslgen feedback 1 --up)" in result.output
    with open_store(db) as store:
        page = store.list_interactions()
        assert page.total == 1
        record = page.items[0]
    assert record.source == "cli" and record.domain == "pdflow"
    assert record.instruction == "Route CLK on M3." and record.model_id.endswith("model")
    assert record.output == out.read_text() and len(record.samples) == 1
    assert record.tokens == record.samples[0]["tokens"] > 0 and record.latency_seconds > 0
    assert record.valid == (result.exit_code == 0)

    generate(eager_tiny_model, "--db", db, "--no-log")  # DSLGEN_NO_LOG: see the unit test below
    with open_store(db) as store:
        assert store.list_interactions().total == 1


def test_a_logging_failure_warns_and_keeps_the_script(eager_tiny_model, tmp_path):
    out = tmp_path / "script.tcl"
    result = generate(eager_tiny_model, "--db", "nosuchdb://x", "--out", str(out))
    assert (
        "warning: the interaction was not logged (StoreError: --db nosuchdb://x: no database"
        in (result.output)
    )
    assert out.exists() and out.read_text().strip()
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("flag", "env", "off"),
    [
        (False, "", False),
        (True, "", True),
        (False, "1", True),
        (False, "true", True),
        (False, "0", False),
    ],
)
def test_logging_is_off_by_flag_or_env(monkeypatch, flag, env, off):
    monkeypatch.setenv("DSLGEN_NO_LOG", env)
    assert logging_disabled(flag) is off
