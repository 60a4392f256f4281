"""Shared fixtures: the pdflow domain and catalog, paths to test data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dslgen.domain import get_domain

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def pdflow():
    return get_domain("pdflow")


@pytest.fixture(scope="session")
def catalog(pdflow):
    return pdflow.catalog()


@pytest.fixture(scope="session")
def error_cases() -> dict:
    return json.loads((DATA / "pdflow" / "errors" / "expected.json").read_text())


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Tests never touch the user's real cache or data directories."""
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "dslgen-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
