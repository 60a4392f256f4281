"""The registry file: versions named per domain, a JSON round-trip, promotions and rollbacks in
the history, concurrent writers under the lock, and one-sentence errors."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from dslgen.errors import RegistryError
from dslgen.registry import ModelRegistry, ModelVersion, SuiteScore, served_version
from dslgen.registry.records import GateRow
from dslgen.registry.sources import version_from_run
from tests.registry.conftest import make_run


def base_version(domain: str = "pdflow", model: str = "/models/base") -> ModelVersion:
    return ModelVersion(name="v1", domain=domain, base_model=model)


def test_versions_are_named_per_domain_and_survive_a_round_trip(registry_file, fake_run):
    registry = ModelRegistry(registry_file)
    assert registry.read().versions == [] and served_version("pdflow", registry_file) is None
    first = registry.add(base_version())
    trained = registry.add(version_from_run(fake_run, notes="first SFT"))
    other = registry.add(base_version("finance"))
    assert (first.name, trained.name, other.name) == ("v1", "v2", "v1")
    assert trained.status == "candidate" and trained.adapter == str(fake_run / "adapter")
    assert trained.run == str(fake_run) and trained.base_model == "/models/base"
    assert trained.data_counts == {"tasks": 200, "repairs": 20, "curated": 5, "dev": 10}
    assert trained.data_files["curated:gold.jsonl"] == "cd" * 32

    score = SuiteScore(tasks=4, samples=4, scored_tasks=4, pass_at_1=0.5, valid_rate=0.75)
    registry.record_scores("pdflow", "v2", {"unit": score})
    data = json.loads(registry_file.read_text())
    assert data["format"] == "dslgen-registry/1"
    again = ModelRegistry(registry_file).read()
    assert again.find("pdflow", "v2").scores["unit"].pass_at_1 == 0.5
    assert again.find("pdflow", "v2").notes == "first SFT"
    assert again == registry.read()


def test_promote_retires_the_last_and_rollback_walks_back_the_promotions(registry_file):
    registry = ModelRegistry(registry_file)
    for _ in range(3):
        registry.add(base_version())
    rows = [GateRow(suite="unit", metric="pass@1", current=None, candidate=0.5)]
    registry.promote("pdflow", "v1", user="ann", threshold=0.05, figures=rows)
    registry.promote("pdflow", "v2", user="bob")
    registry.promote("pdflow", "v3", user="cy", forced=True)
    book = registry.read()
    assert [v.status for v in book.versions] == ["retired", "retired", "promoted"]
    assert served_version("pdflow", registry_file).name == "v3"

    event = registry.rollback("pdflow", user="dee")
    assert (event.action, event.version, event.previous, event.user) == (
        "rollback",
        "v2",
        "v3",
        "dee",
    )
    assert served_version("pdflow", registry_file).name == "v2"
    assert registry.rollback("pdflow").version == "v1"  # the one v2 had replaced
    assert registry.get("pdflow", "v3").status == "retired"
    with pytest.raises(RegistryError, match="no earlier version to roll back to"):
        registry.rollback("pdflow")

    history = registry.read().history
    assert [(e.action, e.version, e.forced) for e in history] == [
        ("promote", "v1", False),
        ("promote", "v2", False),
        ("promote", "v3", True),
        ("rollback", "v2", False),
        ("rollback", "v1", False),
    ]
    assert history[0].figures == rows and history[0].threshold == 0.05
    v3_events = registry.read().events_of("pdflow", "v3")
    assert [(e.action, e.version, e.previous) for e in v3_events] == [
        ("promote", "v3", "v2"),
        ("rollback", "v2", "v3"),
    ]


def test_errors_are_one_sentence_naming_the_fix(registry_file, fake_run, tmp_path):
    registry = ModelRegistry(registry_file)
    with pytest.raises(RegistryError, match=r"no version 'v9' of pdflow .*known: none yet"):
        registry.get("pdflow", "v9")
    with pytest.raises(RegistryError, match="nothing to roll back"):
        registry.rollback("pdflow")
    registry.add(version_from_run(fake_run))
    with pytest.raises(RegistryError, match="registered already as pdflow v1"):
        registry.add(version_from_run(fake_run))
    running = make_run(tmp_path / "runs" / "pdflow-002", status="running")
    with pytest.raises(RegistryError, match="has not finished training"):
        version_from_run(running)
    with pytest.raises(RegistryError, match="not a training run folder"):
        version_from_run(tmp_path)
    registry.promote("pdflow", "v1")
    with pytest.raises(RegistryError, match="promoted version already"):
        registry.promote("pdflow", "v1")


@pytest.mark.parametrize("text", ["{not json", '{"format": "other/9"}', "[]"])
def test_a_corrupt_registry_file_is_one_clear_error(registry_file, text):
    registry_file.parent.mkdir(parents=True)
    registry_file.write_text(text)
    with pytest.raises(RegistryError, match="is not a readable dslgen registry"):
        ModelRegistry(registry_file).read()
    with pytest.raises(RegistryError):
        served_version("pdflow", registry_file)


def _add_many(path: str, count: int) -> list[str]:
    registry = ModelRegistry(path)
    return [registry.add(base_version()).name for _ in range(count)]


def test_concurrent_writers_never_lose_a_version(registry_file):
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        names = pool.starmap(_add_many, [(str(registry_file), 5)] * 4)
    every = sorted(int(n[1:]) for batch in names for n in batch)
    assert every == list(range(1, 21))
    assert len(ModelRegistry(registry_file).read().versions) == 20


def test_the_registry_path_comes_from_the_flag_the_environment_or_home(monkeypatch, tmp_path):
    from dslgen.registry import registry_path

    monkeypatch.delenv("DSLGEN_REGISTRY", raising=False)
    assert registry_path() == tmp_path / "dslgen-home" / "registry.json"
    monkeypatch.setenv("DSLGEN_REGISTRY", str(tmp_path / "env.json"))
    assert registry_path() == tmp_path / "env.json"
    assert registry_path(Path("/x/flag.json")) == Path("/x/flag.json")
