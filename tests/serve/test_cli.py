"""`dslgen serve`: flags become settings, an exposed bind needs a token, the app is built once."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.serve.settings import ServeConfigError, ServeSettings, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.1.2.3", False),
        ("my-host.example", False),
    ],
)
def test_only_loopback_addresses_count_as_local(host, loopback):
    assert is_loopback(host) is loopback


def test_binding_beyond_loopback_without_a_token_is_refused_with_the_fix():
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "binding 0.0.0.0 makes the server reachable from other machines" in result.output
    assert "--token" in result.output and "Traceback" not in result.output
    with pytest.raises(ServeConfigError, match="queue"):
        ServeSettings(queue_size=0)
    with pytest.raises(ServeConfigError, match="--token is empty"):
        ServeSettings(host="0.0.0.0", token=" ")
    assert ServeSettings(host="0.0.0.0", token="t").token == "t"


def test_serve_builds_the_app_from_its_flags_and_never_prints_the_token(
    eager_tiny_model, tmp_path, monkeypatch
):
    import uvicorn

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    db = f"sqlite:///{tmp_path / 'log.sqlite'}"
    monkeypatch.setenv("DSLGEN_SERVE_TOKEN", "env-token-123")
    args = ["serve", "--host", "0.0.0.0", "--port", "9123", "--model", str(eager_tiny_model)]
    args += ["--no-retrieval", "--db", db, "--queue", "3", "--deadline", "7.5"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (started["host"], started["port"]) == ("0.0.0.0", 9123)
    settings = started["app"].state.dslgen.settings
    assert (settings.token, settings.queue_size, settings.deadline_s) == ("env-token-123", 3, 7.5)
    assert settings.retrieval is False and settings.db == db
    assert "http://0.0.0.0:9123/" in result.output and "token required" in result.output
    assert "env-token-123" not in result.output
    started["app"].state.dslgen.store.close()
