"""The llama.cpp runtime decodes the same model as transformers, under the same grammar.

A tiny random Llama (the SmolLM2 tokenizer) is written as an f32 GGUF; both runtimes then see the
same weights, so prompts, greedy completions, scores and validated outputs must agree — this is
what lets `--runtime auto` pick llama.cpp without changing a result.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslgen.decode.pipeline import GenerateRequest, generate_script
from dslgen.decode.sampler import Sampler

pytest.importorskip("llama_cpp")
pytest.importorskip("outlines")

MESSAGES = [
    {"role": "system", "content": "You write pdflow scripts."},
    {"role": "user", "content": "Load top.def and route the clock net CLK on M3."},
]


@pytest.fixture(scope="module")
def template_gguf(default_model_path: Path, test_cache_dir: Path) -> Path:
    from dslgen.models.gguf_cache import default_gguf

    return default_gguf(cache_dir=test_cache_dir)


@pytest.fixture(scope="module")
def tiny_gguf(eager_tiny_model: Path, template_gguf: Path, tmp_path_factory) -> Path:
    from dslgen.models import load_model, load_tokenizer
    from dslgen.models.gguf_export import write_gguf

    model = load_model(str(eager_tiny_model), device="cpu", dtype="fp32")
    tokenizer = load_tokenizer(str(eager_tiny_model))
    out = tmp_path_factory.mktemp("gguf") / "tiny.gguf"
    return write_gguf(model, tokenizer, template_gguf, out, "f32")


@pytest.fixture(scope="module")
def fast(tiny_gguf: Path, eager_tiny_model: Path):
    from dslgen.decode.llamacpp import LlamaCppSampler
    from dslgen.decode.session import token_biases

    sampler = LlamaCppSampler(
        tiny_gguf,
        eager_tiny_model / "tokenizer.json",
        threads=1,
        logit_bias=token_biases(eager_tiny_model),
    )
    yield sampler
    sampler.close()


@pytest.fixture(scope="module")
def reference(eager_tiny_model: Path) -> Sampler:
    from dslgen.models import load_model, load_tokenizer

    model = load_model(str(eager_tiny_model), device="cpu", dtype="fp32")
    return Sampler(model, load_tokenizer(str(eager_tiny_model)))


def test_prompts_are_token_for_token_the_chat_template(fast, reference):
    assert fast.prompt_ids(MESSAGES) == reference._prompt_ids(MESSAGES)


def test_greedy_text_and_score_match_transformers(fast, reference, one_torch_thread):
    ours = fast.sample(MESSAGES, temperature=0, max_tokens=24, stop_loops=False)[0]
    theirs = reference.sample(MESSAGES, temperature=0, max_tokens=24, stop_loops=False)[0]
    assert ours.text == theirs.text
    assert ours.tokens == theirs.tokens
    assert math.isclose(ours.logprob, theirs.logprob, rel_tol=1e-3, abs_tol=1e-3)


def test_grammar_outputs_validate_the_same_on_both_runtimes(pdflow, fast, reference):
    request = GenerateRequest(
        "Load top.def and route CLK on M3.", k=1, temperature=0, max_tokens=300, repair_rounds=0
    )
    ours = generate_script(request, pdflow, fast)
    theirs = generate_script(request, pdflow, reference)
    assert ours.script == theirs.script
    assert ours.report.to_json() == theirs.report.to_json()
    assert ours.report.valid_syntax and ours.report.policy_ok


def test_k_samples_follow_the_grammar_and_the_seed(pdflow, fast, monkeypatch):
    monkeypatch.setattr(fast, "logit_bias", {})  # without the eager model's push to stop
    grammar = pdflow.grammar(None, None, "Load top.def and route CLK on M3.")
    first = fast.sample(
        MESSAGES, k=3, grammar=grammar, max_tokens=200, temperature=1.0, seed=3, stop_loops=False
    )
    again = fast.sample(
        MESSAGES, k=3, grammar=grammar, max_tokens=200, temperature=1.0, seed=3, stop_loops=False
    )
    other = fast.sample(
        MESSAGES, k=3, grammar=grammar, max_tokens=200, temperature=1.0, seed=4, stop_loops=False
    )
    assert [s.text for s in first] == [s.text for s in again]
    assert [s.text for s in first] != [s.text for s in other]
    assert len({s.text for s in first}) > 1  # the k sequences are sampled independently
    for sample in first:
        if not sample.truncated:
            report = pdflow.validate(sample.text)
            assert report.valid_syntax and report.policy_ok, sample.text
        assert sample.logprob < 0


def test_a_full_context_grows_without_changing_the_samples(fast, monkeypatch):
    import dslgen.decode.llamacpp as runtime

    roomy = fast.sample(MESSAGES, k=3, max_tokens=60, temperature=1.0, seed=1, stop_loops=False)
    fast.close_context()
    monkeypatch.setattr(runtime, "MIN_CONTEXT", 64)  # the prompt alone nearly fills it
    tight = fast.sample(MESSAGES, k=3, max_tokens=60, temperature=1.0, seed=1, stop_loops=False)
    assert [s.text for s in tight] == [s.text for s in roomy]
    assert [s.tokens for s in tight] == [s.tokens for s in roomy]


def test_token_limit_and_stop_condition(fast):
    limited = fast.sample(MESSAGES, k=2, max_tokens=5, temperature=1.0, stop_loops=False)
    assert all(s.tokens <= 5 for s in limited)
    assert any(s.truncated for s in limited)
    stopped = fast.sample(MESSAGES, k=2, max_tokens=50, temperature=1.0, stop_when=lambda: True)
    assert all(s.tokens <= 1 for s in stopped)


def test_runtime_weights_convert_once_and_report_what_they_serve(
    eager_tiny_model, template_gguf, tmp_path, monkeypatch
):
    from dslgen.models.gguf_cache import runtime_weights

    first = runtime_weights(str(eager_tiny_model), template=template_gguf)
    made = first.gguf.stat().st_mtime_ns
    again = runtime_weights(str(eager_tiny_model), template=template_gguf)
    assert again.gguf == first.gguf and again.gguf.stat().st_mtime_ns == made
    assert "q8_0" in first.description and first.fingerprint in first.description
    changed = tmp_path / "changed"
    shutil.copytree(eager_tiny_model, changed)
    (changed / "generation_config.json").write_text("{}", encoding="utf-8")
    assert runtime_weights(str(changed), template=template_gguf).fingerprint != first.fingerprint


def test_generate_names_the_runtime_and_the_weights(
    eager_tiny_model, default_model_path, tmp_path, monkeypatch
):
    """`--runtime llama.cpp` from the CLI: the converted weights are reported on stderr."""
    import os

    from dslgen.cli import main
    from dslgen.models.store import default_model_dir

    home_model = default_model_dir()
    home_model.parent.mkdir(parents=True, exist_ok=True)
    home_model.symlink_to(default_model_path, target_is_directory=True)
    assert os.path.isdir(home_model)
    result = CliRunner().invoke(
        main,
        [
            "generate",
            "-i",
            "Load top.def and route CLK on M3.",
            "--model",
            str(eager_tiny_model),
            "--runtime",
            "llama.cpp",
            "--k",
            "2",
            "--max-tokens",
            "200",
            "--no-retrieval",
            "--no-log",
        ],
    )
    assert "llama.cpp serves" in result.stderr and "q8_0 GGUF" in result.stderr, result.stderr


def test_auto_falls_back_to_transformers_for_a_model_llama_cpp_cannot_serve(
    eager_tiny_model, monkeypatch
):
    from dslgen.decode.session import open_sampler

    notes: list[str] = []
    sampler = open_sampler(str(eager_tiny_model), runtime="auto", progress=notes.append)
    # the isolated home has no default model, so no tokenizer template to convert with
    assert sampler.runtime == "transformers"
    assert any("using transformers" in note for note in notes)


def test_a_merged_adapter_decodes_like_transformers(
    tiny_model, template_gguf, tmp_path, one_torch_thread
):
    """A LoRA on every attention projection (q and k exercise llama.cpp's rotary layout) is
    merged and converted; both runtimes then give the same greedy text and score."""
    import torch
    from peft import LoraConfig, get_peft_model

    from dslgen.decode.llamacpp import LlamaCppSampler
    from dslgen.models import load_model, load_tokenizer
    from dslgen.models.gguf_export import write_gguf

    base = load_model(str(tiny_model), device="cpu", dtype="fp32")
    tokenizer = load_tokenizer(str(tiny_model))
    unadapted = Sampler(base, tokenizer).sample(
        MESSAGES, temperature=0, max_tokens=24, stop_loops=False
    )[0]
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "up_proj"]
    lora = get_peft_model(base, LoraConfig(r=4, target_modules=targets))
    with torch.no_grad():
        for name, parameter in lora.named_parameters():
            if "lora_B" in name:
                parameter.normal_(0, 0.5)
    lora.save_pretrained(tmp_path / "adapter")
    merged = load_model(
        str(tiny_model),
        adapter=tmp_path / "adapter",
        device="cpu",
        dtype="fp32",
        merge_adapter=True,
    )
    gguf = write_gguf(merged, tokenizer, template_gguf, tmp_path / "merged.gguf", "f32")
    converted = LlamaCppSampler(gguf, tiny_model / "tokenizer.json", threads=1)
    ours = converted.sample(MESSAGES, temperature=0, max_tokens=24, stop_loops=False)[0]
    converted.close()
    theirs = Sampler(merged, tokenizer).sample(
        MESSAGES, temperature=0, max_tokens=24, stop_loops=False
    )[0]
    assert ours.tokens == theirs.tokens == 24
    assert ours.text == theirs.text
    assert math.isclose(ours.logprob, theirs.logprob, rel_tol=1e-3, abs_tol=1e-3)
    assert ours.text != unadapted.text  # the adapter changed what the model writes
