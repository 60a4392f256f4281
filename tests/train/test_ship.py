"""Shipping a trained default: the adapter and its training card go into the package folder,
`generate`/`eval`/`serve` answer with it when no model is named, and a catalog or grammar it was
not trained for is reported and set aside instead of used silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.cli import main
from dslgen.domain import get_domain
from dslgen.errors import InputFileError
from dslgen.models import shipped
from dslgen.models.shipped import (
    ADAPTER_FILES,
    CARD_FILE,
    choose_model,
    language_fingerprint,
    read_card,
    ship,
)

pytest.importorskip("trl")


@pytest.fixture
def shipped_here(tiny_run, tmp_path, monkeypatch):
    """The tiny run shipped as the pdflow default of a package folder in tmp_path."""
    dest = tmp_path / "adapters" / "pdflow"
    ship(tiny_run, get_domain("pdflow"), "pdflow-test-1", {"unit": {"pass@1": 0.5}}, dest=dest)
    monkeypatch.setattr(shipped, "shipped_folder", lambda domain: tmp_path / "adapters" / domain)
    return dest


def test_ship_writes_the_adapter_in_float16_and_a_complete_card(shipped_here, tiny_run):
    from safetensors.torch import load_file

    assert sorted(p.name for p in shipped_here.iterdir()) == sorted([*ADAPTER_FILES, CARD_FILE])
    weights = load_file(str(shipped_here / "adapter_model.safetensors"))
    assert weights and {str(w.dtype) for w in weights.values()} == {"torch.float16"}
    config = json.loads((shipped_here / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "default"  # not the training machine's path
    card = read_card(shipped_here)
    state = json.loads((tiny_run / "run.json").read_text())
    assert card.version == "pdflow-test-1" and card.steps == 3
    assert card.tokens == state["train_tokens"] > 0 and card.train_seconds > 0
    assert card.loss_curve and card.config["max_steps"] == 3
    assert "train.jsonl" in card.corpus["files"]
    assert any(name.startswith("stage-0-") for name in card.corpus["files"]), card.corpus
    assert card.prompt["context"] == "none"
    assert card.language == language_fingerprint(get_domain("pdflow"))
    assert card.results == {"unit": {"pass@1": 0.5}}


def test_no_model_named_means_the_shipped_default_answers(shipped_here):
    answering = choose_model(get_domain("pdflow"), None, None)
    assert answering.adapter == str(shipped_here) and answering.model is None
    assert answering.version == "pdflow-test-1" and answering.note is None
    assert answering.label == "pdflow-test-1 (shipped default)"
    assert choose_model(get_domain("pdflow"), None, "none").adapter is None
    named = choose_model(get_domain("pdflow"), "some/model", None)
    assert named.adapter is None and named.model == "some/model"  # another base: no default


def test_a_catalog_the_adapter_never_saw_is_reported_not_used(shipped_here, tmp_path):
    catalog = json.loads(Path("catalog/pdflow.json").read_text())
    catalog["procs"]["my::load_design"]["summary"] = "Open a design (a team's own wording)."
    changed = tmp_path / "team.json"
    changed.write_text(json.dumps(catalog))
    team = get_domain("pdflow", changed)
    answering = choose_model(team, None, None)
    assert answering.adapter is None and "no adapter" in answering.label
    assert "catalog" in answering.note and "--adapter default" in answering.note
    forced = choose_model(team, None, "default")
    assert forced.adapter == str(shipped_here) and "catalog" in forced.note


def test_model_default_names_what_answers_and_the_card(shipped_here):
    result = CliRunner().invoke(main, ["model", "default"])
    assert result.exit_code == 0, result.output
    assert "answers: pdflow-test-1 (shipped default)" in result.output
    assert '"steps": 3' in result.output


def test_an_unfinished_run_cannot_ship(tiny_run, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy)
    state = json.loads((copy / "run.json").read_text())
    (copy / "run.json").write_text(json.dumps(state | {"status": "running"}))
    with pytest.raises(InputFileError, match="not finished"):
        ship(copy, get_domain("pdflow"), "x", dest=tmp_path / "out" / "pdflow")
    assert not (tmp_path / "out" / "pdflow").exists()


def test_the_packaged_default_was_trained_for_the_packaged_language():
    """A catalog or grammar change must come with a retrained default (or a re-shipped card)."""
    for domain in shipped.shipped_domains():
        card = read_card(shipped.shipped_folder(domain))
        assert card.language == language_fingerprint(get_domain(domain)), (
            f"the shipped {domain} default was trained for another catalog or grammar; retrain "
            f"it (configs/{domain}-default.toml) and `dslgen model ship` the run"
        )
