"""A/B serving: `--ab v2:0.5` sends clients to the candidate by a hash of their client id (the
same client always meets the same version), requests without one to the promoted version; each
answer and each logged row names its version; bad --ab values are one sentence."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from dslgen.cli import main
from dslgen.errors import RegistryError
from dslgen.registry import ModelRegistry, ModelVersion
from dslgen.serve.ab import ABRouter, Arm, client_bucket, parse_ab
from dslgen.serve.app import create_app
from dslgen.serve.settings import ServeConfigError, ServeSettings
from tests.serve.conftest import QUICK


class CountingSampler:
    def __init__(self, sampler: Any) -> None:
        self.sampler, self.calls = sampler, 0

    def sample(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.sampler.sample(*args, **kwargs)


@pytest.fixture
def registry(tmp_path) -> str:
    path = tmp_path / "registry.json"
    book = ModelRegistry(path)
    for _ in range(2):
        book.add(ModelVersion(name="v1", domain="pdflow", base_model="/models/tiny"))
    book.promote("pdflow", "v1")
    return str(path)


def clients_in(low: float, high: float, count: int) -> list[str]:
    """Client ids whose hash bucket lies in [low, high)."""
    found = [f"client-{i}" for i in range(10_000) if low <= client_bucket(f"client-{i}") < high]
    return found[:count]


def test_clients_are_split_by_hash_and_every_row_names_its_version(
    tiny_session, db_url, store, registry
):
    primary = dataclasses.replace(tiny_session, sampler=CountingSampler(tiny_session.sampler))
    candidate = dataclasses.replace(tiny_session, sampler=CountingSampler(tiny_session.sampler))
    settings = ServeSettings(db=db_url, retrieval=False, registry=registry, ab="v2:0.5")
    app = create_app(settings, session=primary, candidate_session=candidate)
    (to_v2,), (to_v1,) = clients_in(0.0, 0.5, 1), clients_in(0.5, 1.0, 1)
    with TestClient(app) as client:
        answers = []
        for client_id in (to_v2, to_v1, to_v2, None):
            body = {**QUICK, "client_id": client_id, "k": 1}
            response = client.post("/v1/generate", json=body)
            assert response.status_code == 200, response.text
            answers.append(response.json())
    assert [a["model_version"] for a in answers] == ["v2", "v1", "v2", "v1"]
    assert (candidate.sampler.calls, primary.sampler.calls) == (2, 2)
    logged = {a["id"]: store.get(a["id"]) for a in answers}
    assert [logged[a["id"]].model_version for a in answers] == ["v2", "v1", "v2", "v1"]
    assert logged[answers[0]["id"]].client_id == to_v2


def test_the_share_of_clients_follows_the_split():
    router = ABRouter(Arm(None, "v1"), Arm(None, "v2"), 0.2)  # type: ignore[arg-type]
    picks = [router.pick(f"user-{i}").version for i in range(5000)]
    assert abs(picks.count("v2") / len(picks) - 0.2) < 0.02
    assert all(router.pick("user-7") == router.pick("user-7") for _ in range(3))
    assert router.pick(None).version == "v1" and router.pick("").version == "v1"


@pytest.mark.parametrize("text", ["v2", "v2:0", "v2:1", "v2:1.5", "2:0.2", "v2:-0.1", "v2:x"])
def test_a_malformed_ab_is_refused_naming_the_form(text):
    with pytest.raises(ServeConfigError, match="is not VERSION:SHARE"):
        ServeSettings(ab=text)
    assert parse_ab("v12:0.25") == parse_ab(" v12:.25 ")


def test_ab_needs_a_registered_candidate_other_than_the_promoted(registry, tiny_session, db_url):
    unknown = ServeSettings(db=db_url, retrieval=False, registry=registry, ab="v9:0.2")
    with pytest.raises(RegistryError, match="no version 'v9' of pdflow"):
        create_app(unknown, session=tiny_session)
    same = ServeSettings(db=db_url, retrieval=False, registry=registry, ab="v1:0.2")
    with pytest.raises(ServeConfigError, match="promoted version already"):
        create_app(same, session=tiny_session)


def test_serve_cli_says_one_sentence_for_bad_ab(registry):
    result = CliRunner().invoke(main, ["serve", "--ab", "v2:2", "--registry", registry])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "is not VERSION:SHARE" in result.output
    missing = CliRunner().invoke(main, ["serve", "--ab", "v5:0.1", "--registry", registry])
    assert missing.exit_code == 1 and "no version 'v5' of pdflow" in missing.output
