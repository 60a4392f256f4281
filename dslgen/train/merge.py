"""`dslgen train merge`: fold a run's LoRA adapter into its base model and save a full model."""

from __future__ import annotations

import shutil
from pathlib import Path

from dslgen.errors import DslgenError
from dslgen.train.run import read_json


def merge_run(run_or_adapter: Path, out: Path, base: str | None = None) -> Path:
    """Write base + adapter as one safetensors model folder at `out` (atomically renamed)."""
    from dslgen.models import load_model, load_tokenizer
    from dslgen.models.load import adapter_folder

    adapter = adapter_folder(run_or_adapter)
    if base is None:
        recorded = read_json(run_or_adapter / "config.json") or {}
        base = recorded.get("base_model")
    if base is None:
        raise DslgenError(
            f"{run_or_adapter} records no base model (no config.json of a run); pass --base MODEL"
        )
    if out.exists():
        raise DslgenError(f"{out} already exists; choose a new --out (merges never overwrite)")
    model = load_model(base, adapter=adapter, device="cpu", dtype="fp32")
    merged = model.merge_and_unload()
    staging = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    merged.save_pretrained(str(staging))
    load_tokenizer(base).save_pretrained(str(staging))
    staging.rename(out)
    return out
