"""A tiny random model that ends its samples early, so model-driven eval tests stay fast."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def eager_tiny_model(tiny_model, tmp_path_factory):
    """The tiny random model with its EOS token favoured (as in tests/decode/test_generate.py)."""
    import shutil

    from transformers import GenerationConfig

    folder = tmp_path_factory.mktemp("eager") / "model"
    shutil.copytree(tiny_model, folder)
    config = GenerationConfig.from_pretrained(folder)
    eos = config.eos_token_id if isinstance(config.eos_token_id, int) else 2
    config.sequence_bias = [[[eos], 4.0]]
    config.save_pretrained(folder)
    return folder


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The tiny model gains nothing from threads, and on a shared 2-core machine two OpenMP
    threads competing with another process make each matrix product many times slower."""
    try:
        import torch
    except ModuleNotFoundError:  # the model-free tests run without the ML stack
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
