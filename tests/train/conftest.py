"""A small real corpus, built once per session, for training tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dslgen.corpus.build import CorpusConfig, assemble, generate_examples
from dslgen.corpus.write import write_corpus


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = CorpusConfig(n=240, seed=3, workers=1)
    out = tmp_path_factory.mktemp("corpus") / "build"
    write_corpus(config, assemble(config, iter(list(generate_examples(config)))), out, 1.0)
    return out
