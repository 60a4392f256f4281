"""The model store: fetch the default model once, resolve `--model` values, load models offline.

Importing this package is cheap; torch and transformers load only when a model does.
"""

from dslgen.models.load import load_model, load_tokenizer
from dslgen.models.resolve import resolve_model
from dslgen.models.store import (
    DEFAULT_MODEL_NAME,
    MANIFEST_FILE,
    default_model_dir,
    fetch_default_model,
    read_manifest,
)
from dslgen.models.tiny import tiny_random_model

__all__ = [
    "DEFAULT_MODEL_NAME",
    "MANIFEST_FILE",
    "default_model_dir",
    "fetch_default_model",
    "load_model",
    "load_tokenizer",
    "read_manifest",
    "resolve_model",
    "tiny_random_model",
]
