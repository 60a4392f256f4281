"""Server fixtures: one tiny-model session shared by every app, a fresh SQLite log per test,
and a sampler that waits at a gate (to hold the worker busy for the 429 and 504 tests).

Torch runs on one thread: these tests share a 2-core machine with long model evaluations.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server needs fastapi (pip install 'dslgen[serve]')")
pytest.importorskip("outlines", reason="generation needs outlines (pip install 'dslgen[ml]')")

from fastapi.testclient import TestClient  # noqa: E402

from dslgen.domain import get_domain  # noqa: E402
from dslgen.serve.app import create_app  # noqa: E402
from dslgen.serve.settings import ServeSettings  # noqa: E402
from dslgen.store import open_store  # noqa: E402

#: A request the tiny model answers in well under a second.
QUICK = {
    "instruction": "Route CLK on M3.",
    "fixture": {"design_nets": {"CLK": "clock"}},
    "k": 2,
    "max_tokens": 40,
    "repair_rounds": 0,
    "client_id": "tests",
}


@pytest.fixture(autouse=True)
def _one_torch_thread(one_torch_thread) -> Iterator[None]:
    """Every serve test runs with one torch thread (see tests/conftest.py)."""
    yield


@pytest.fixture(scope="session")
def tiny_session(eager_tiny_model):
    """The tiny random model loaded once, as `dslgen serve --model ... --no-retrieval` would."""
    from dslgen.decode.session import open_session

    return open_session(get_domain("pdflow"), str(eager_tiny_model), use_retrieval=False)


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'log' / 'interactions.sqlite'}"


@pytest.fixture
def store(db_url):
    with open_store(db_url) as opened:
        yield opened


class GatedSampler:
    """Delegates to the real sampler once `gate` is set; counts calls and says when one began."""

    def __init__(self, sampler: Any) -> None:
        self.sampler = sampler
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls = 0

    def sample(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.entered.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return self.sampler.sample(*args, **kwargs)


@pytest.fixture
def gated(tiny_session) -> Iterator[GatedSampler]:
    sampler = GatedSampler(tiny_session.sampler)
    yield sampler
    sampler.gate.set()  # never leave a worker blocked


@pytest.fixture
def make_client(tiny_session, db_url) -> Iterator[Callable[..., TestClient]]:
    """`make_client(sampler=None, raise_server_exceptions=True, **settings)`: a started app."""
    clients: list[TestClient] = []

    def make(sampler: Any = None, raise_server_exceptions: bool = True, **overrides: Any):
        session = tiny_session
        if sampler is not None:
            session = dataclasses.replace(tiny_session, sampler=sampler)
        settings = ServeSettings(db=db_url, retrieval=False, **overrides)
        client = TestClient(
            create_app(settings, session=session),
            raise_server_exceptions=raise_server_exceptions,
        )
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()
