"""`dslgen index build` and `dslgen pack` driven through click's CliRunner."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from dslgen.paths import home
from dslgen.retrieve.cli import index_group, pack_command


def installed_index(pdflow_index):
    """Put the session's index where the CLI looks for it (this test's DSLGEN_HOME)."""
    target = home() / "index" / "pdflow"
    shutil.copytree(pdflow_index.directory, target)
    return target


def test_index_build_writes_the_index_under_home(pdflow_index):
    result = CliRunner().invoke(index_group, ["build", "--domain", "pdflow"])
    assert result.exit_code == 0, result.output
    folder = home() / "index" / "pdflow"
    assert result.stdout.strip() == str(folder)
    assert "indexed 64 documents of pdflow" in result.stderr
    assert json.loads((folder / "manifest.json").read_text())["domain"] == "pdflow"


def test_pack_json_is_within_budget_and_covers_the_task(pdflow_index):
    installed_index(pdflow_index)
    args = ["Read in top.def. Route CLK on metal 3. Save as out.def.", "--budget", "500"]
    result = CliRunner().invoke(pack_command, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tokens"] <= data["budget"] == 500
    assert {"my::load_design", "my::route", "my::save_design"} <= set(data["procs"])
    assert data["docs"][0]["id"] == "policy"
    assert "over-estimate" in result.stderr  # no model fetched in the test home


def test_pack_text_is_the_rendered_context(pdflow_index):
    installed_index(pdflow_index)
    result = CliRunner().invoke(pack_command, ["Shield CLK with VSS.", "--method", "bm25"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Header: #!/usr/bin/env tclsh")
    assert "my::shield -net NET -with VSS|VDD" in result.stdout


def test_pack_refuses_a_missing_index_with_no_rebuild():
    result = CliRunner().invoke(pack_command, ["Route CLK.", "--no-rebuild"])
    assert result.exit_code == 1
    assert "dslgen index build --domain pdflow" in result.stderr


def test_pack_rebuilds_a_stale_index_and_says_so(pdflow_index):
    folder = installed_index(pdflow_index)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["catalog_sha256"] = "f" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(pack_command, ["Route CLK on M3."])
    assert result.exit_code == 0, result.output
    assert "rebuilding the retrieval index: the catalog changed" in result.stderr
    assert json.loads((folder / "manifest.json").read_text())["catalog_sha256"] != "f" * 64


def test_pack_rejects_a_budget_below_the_policy(pdflow_index):
    installed_index(pdflow_index)
    result = CliRunner().invoke(pack_command, ["Route CLK.", "--budget", "10"])
    assert result.exit_code == 1
    assert "--budget" in result.stderr
