"""The DPO stage: pairs ranked by execution, trl's DPOTrainer from the SFT adapter, and the
regression gate deciding whether the result is kept."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from dslgen.domain import get_domain
from dslgen.train.preference import PreferenceConfig, _pair, train_preference

pytest.importorskip("trl")

TASK = "Load top.def. Create a signal net N1."
SCRIPT = "#!/usr/bin/env tclsh\npackage require pdflow 1.0\nmy::load_design -file top.def\n"


def _candidate(pdflow, text):
    return SimpleNamespace(sample=SimpleNamespace(text=text), report=pdflow.validate(text))


@pytest.fixture
def record(pdflow):
    right = SCRIPT + "my::create_net -name N1 -type signal\n"
    return {"instruction": TASK, "output": right, "expected_state": pdflow.validate(right).state}


def test_a_right_sample_is_preferred_to_a_valid_wrong_one_then_to_an_invalid_one(pdflow, record):
    right = _candidate(pdflow, record["output"])
    wrong = _candidate(pdflow, SCRIPT + "my::create_net -name N2 -type signal\n")
    broken = _candidate(pdflow, SCRIPT + "my::create_net -name\n")
    assert wrong.report.valid and not broken.report.valid
    pair = _pair(pdflow, record, [broken, wrong, right], reference_chosen=True)
    assert pair["chosen"][0]["content"] == record["output"] and pair["chosen_source"] == "sample"
    assert "N2" in pair["rejected"][0]["content"] and pair["rejected_kind"] == "wrong"
    assert _pair(pdflow, record, [broken, right], True)["rejected_kind"] == "invalid"


def test_the_reference_is_chosen_only_when_no_sample_is_right_and_it_is_allowed(pdflow, record):
    wrong = _candidate(pdflow, SCRIPT + "my::create_net -name N2 -type signal\n")
    pair = _pair(pdflow, record, [wrong], reference_chosen=True)
    assert pair["chosen_source"] == "reference"
    assert _pair(pdflow, record, [wrong], reference_chosen=False) is None
    right = _candidate(pdflow, record["output"])
    assert _pair(pdflow, record, [right, right], True) is None  # nothing to reject


def test_dpo_stage_trains_from_the_sft_adapter_and_the_gate_decides(tiny_run, tmp_path):
    from safetensors.torch import load_file

    config = PreferenceConfig(
        tasks=4, k=2, max_tokens=24, max_steps=2, batch_size=2, runtime="transformers",
        gate_suites=["unit"], gate_limit=2,
    )  # fmt: skip
    outcome = train_preference(tiny_run, get_domain("pdflow"), config, tmp_path / "dpo")
    pairs = [json.loads(x) for x in (tmp_path / "dpo" / "pairs.jsonl").read_text().splitlines()]
    assert outcome.pairs == len(pairs) >= 1
    assert all(p["chosen"] != p["rejected"] and p["prompt"][0]["role"] == "system" for p in pairs)
    sft = load_file(str(tiny_run / "adapter" / "adapter_model.safetensors"))
    dpo = load_file(str(tmp_path / "dpo" / "adapter" / "adapter_model.safetensors"))
    assert sft.keys() == dpo.keys()  # the same adapter, trained further: it ships alone
    assert any(not (sft[name] == dpo[name]).all() for name in sft)
    gate = json.loads((tmp_path / "dpo" / "gate.json").read_text())
    assert set(gate["pass@1"]) == {"sft", "dpo"} and isinstance(gate["kept"], bool)
    assert gate["reason"] and outcome.kept == gate["kept"]
