"""Which runtime `--runtime auto` picks, and what a model folder asks of any runtime."""

from __future__ import annotations

import json

import pytest

from dslgen.decode import session
from dslgen.errors import DslgenError


def test_auto_is_llama_cpp_on_a_cpu_machine_that_has_it(monkeypatch):
    monkeypatch.setattr(session, "gpu_present", lambda: False)
    monkeypatch.setattr("dslgen.models.llama_native.llama_cpp_available", lambda: True)
    assert session.resolve_runtime("auto") == "llama.cpp"


def test_auto_is_transformers_where_a_gpu_is_or_llama_cpp_is_not(monkeypatch):
    monkeypatch.setattr("dslgen.models.llama_native.llama_cpp_available", lambda: True)
    monkeypatch.setattr(session, "gpu_present", lambda: True)
    assert session.resolve_runtime("auto") == "transformers"
    monkeypatch.setattr(session, "gpu_present", lambda: False)
    monkeypatch.setattr("dslgen.models.llama_native.llama_cpp_available", lambda: False)
    assert session.resolve_runtime("auto") == "transformers"


def test_a_named_runtime_is_kept_and_an_unknown_one_is_refused():
    assert session.resolve_runtime("transformers") == "transformers"
    assert session.resolve_runtime("llama.cpp") == "llama.cpp"
    with pytest.raises(DslgenError, match="unknown runtime 'onnx'"):
        session.resolve_runtime("onnx")


def test_single_token_sequence_biases_are_read_from_the_generation_config(tmp_path):
    config = {"sequence_bias": [[[2], 4.0], [[5, 6], -1.0], [[7], -2.5]]}
    (tmp_path / "generation_config.json").write_text(json.dumps(config), encoding="utf-8")
    assert session.token_biases(tmp_path) == {2: 4.0, 7: -2.5}  # multi-token entries are not
    assert session.token_biases(tmp_path / "missing") == {}
