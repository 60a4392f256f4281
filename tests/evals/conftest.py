"""A tiny random model that ends its samples early, so model-driven eval tests stay fast."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread):
    """Every eval test runs with one torch thread (see tests/conftest.py)."""
    yield
