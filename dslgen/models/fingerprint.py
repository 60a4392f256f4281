"""Fingerprints of model weights: what caches of samples and of converted weights key on."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def model_fingerprint(spec: str | None) -> str:
    """The resolved model plus, for a local folder, its files' names, sizes and mtimes (hashing
    hundreds of MB of weights on every run would cost more than a rare spurious cache miss)."""
    from dslgen.models import resolve_model

    resolved = resolve_model(spec)
    if not isinstance(resolved, Path):
        return str(resolved)
    listing = [
        (str(p.relative_to(resolved)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(resolved.rglob("*"))
        if p.is_file() and p.suffix != ".gguf"  # the runtime's copy, not the weights
    ]
    digest = hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]
    return f"{resolved.resolve()}#{digest}"


def adapter_fingerprint(adapter: str | None) -> str | None:
    """The adapter folder plus the sha256 of its files' contents (LoRA adapters are small)."""
    if adapter is None:
        return None
    from dslgen.models.load import adapter_folder

    folder = adapter_folder(Path(adapter))
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return f"{folder.resolve()}#{digest.hexdigest()[:16]}"
