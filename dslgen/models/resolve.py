"""Turn what a user typed (`--model`) into something `from_pretrained` can load offline."""

from __future__ import annotations

import os
from pathlib import Path

from dslgen.errors import ModelNotAvailableError
from dslgen.models.store import default_model_dir, read_manifest

_TRUE = {"1", "ON", "YES", "TRUE"}  # what huggingface_hub accepts as "set"


def hub_offline() -> bool:
    """True when `HF_HUB_OFFLINE` is set (1/on/yes/true), read now rather than at import."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in _TRUE


def resolve_model(spec: str | None) -> Path | str:
    """A local model folder (Path) or a hub id (str) for `spec`.

    - None or "default": the fetched default model's folder;
    - an existing directory: that directory;
    - anything else: a hub id, allowed offline (`HF_HUB_OFFLINE=1`) only if it is in the local
      hub cache.
    Raises ModelNotAvailableError with the fix when none of these applies.
    """
    # Later: the name of a registered model version resolves here, before the hub fallback.
    if spec is None or spec == "default":
        folder = default_model_dir()
        if read_manifest(folder) is None:
            raise ModelNotAvailableError(
                f"the default model is not in {folder}; run `dslgen model fetch` to get it"
            )
        return folder
    path = Path(spec).expanduser()
    if path.is_dir():
        return path
    if path.exists() or _looks_like_path(spec):
        raise ModelNotAvailableError(
            f"{spec} is not a model directory; give a folder saved with save_pretrained, "
            "or run `dslgen model fetch` and use the default model"
        )
    if hub_offline() and not _in_hub_cache(spec):
        raise ModelNotAvailableError(
            f"{spec} is not in the local cache and HF_HUB_OFFLINE=1 forbids downloading it; "
            "use a local model folder or the default model (`dslgen model fetch`)"
        )
    return spec


def _looks_like_path(spec: str) -> bool:
    """Relative/absolute/home paths, as opposed to `org/name` hub ids."""
    return spec.startswith(("/", "./", "../", "~", ".\\", "..\\")) or spec in {".", ".."}


def _in_hub_cache(repo_id: str) -> bool:
    """Whether the hub cache holds a `config.json` for `repo_id` (so it loads offline)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ModuleNotFoundError:
        return False
    try:
        found = try_to_load_from_cache(repo_id, "config.json")
    except Exception:  # invalid repo id, unreadable cache: not loadable offline either way
        return False
    return isinstance(found, str)
