"""A tiny random model that ends its samples early, so model-driven eval tests stay fast."""

from __future__ import annotations

import pytest


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
