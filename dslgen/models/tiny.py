"""A tiny random Llama with the real SmolLM2 tokenizer, for fast tests of the model-side code."""

from __future__ import annotations

from pathlib import Path

from dslgen.errors import ModelNotAvailableError
from dslgen.models.load import load_tokenizer
from dslgen.models.store import fetch_default_model


def tiny_random_model(path: Path, tokenizer_spec: str | None = None, seed: int = 0) -> Path:
    """Write a random 2-layer Llama (hidden 64, 4 heads, MLP 128) plus a tokenizer to `path`.

    The tokenizer (chat template included) is `tokenizer_spec`'s, by default the default model's,
    which is fetched first if missing. The vocabulary is the tokenizer's, so prompts, chat templates
    and decoding masks work exactly as with the real model; the weights are noise. The same seed
    gives the same weights.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    if tokenizer_spec in (None, "default"):
        try:
            tokenizer = load_tokenizer(tokenizer_spec)
        except ModelNotAvailableError:
            tokenizer = load_tokenizer(str(fetch_default_model()))
    else:
        tokenizer = load_tokenizer(tokenizer_spec)

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    path = Path(path)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
